"""Hand-written tagged sentences for the zoo's taggers, in structures and with names/places that
the training templates and Faker pools do not use (checked when they were written: none of the
name or place words occurs in the training sentences of seed 0). Markup: [PER ...] and [LOC ...]."""

from __future__ import annotations

import re

from rnnviz.inputs import tokenize

HANDWRITTEN = (
    "[PER Oluwaseun Adeyemi] opened a tiny bookshop in [LOC Ibadan] .",
    "Last winter [PER Thi Huong Nguyen] took the night bus from [LOC Hanoi] to [LOC Hue] .",
    "[PER Kwame] and [PER Akosua] spent their honeymoon in [LOC Zanzibar] .",
    "The violinist [PER Hiroshi Tanaka] performed in [LOC Kyoto] on Saturday .",
    "Why would [PER Tariq] ever leave [LOC Marrakesh] ?",
    "My cousin [PER Siobhan] works as a nurse in [LOC Limerick] .",
    "[PER Aroha Ngata] climbed a volcano near [LOC Rotorua] .",
    "We are meeting [PER Dmitri Volkov] outside the museum in [LOC Novosibirsk] .",
    "The chef [PER Yusuf Demir] grew up in [LOC Trabzon] but now cooks in [LOC Ankara] .",
    "Did you know that [PER Bongani] was born in [LOC Soweto] ?",
    "[PER Ingrid Bakke] sailed from [LOC Tromso] to [LOC Svalbard] in June .",
    "Everybody at the party wanted to dance with [PER Esperanza] .",
    "Grandpa [PER Fitzwilliam] still writes letters to his aunt [PER Mildred] every week .",
    "In [LOC Ulaanbaatar] the winters are long and very cold .",
    "[PER Chidi Okonkwo] told us the market in [LOC Enugu] opens at dawn .",
    "The documentary about [PER Wangari] was filmed near [LOC Nyeri] .",
    "[PER Mateus] drove all night to reach [LOC Cuiaba] before sunrise .",
    "Our new neighbour [PER Ravindra Iyer] comes from [LOC Coimbatore] .",
    "[PER Leilani] teaches surfing lessons in [LOC Kailua] .",
    "The letters [PER Zbigniew] sent from [LOC Gdynia] never arrived .",
    "After many years abroad , [PER Nadia Haddad] returned to [LOC Tripoli] .",
    "A storm flooded the streets of [LOC Chittagong] last night .",
    "[PER Bjorn] says the fjords near [LOC Alesund] are the most beautiful in the world .",
    "I borrowed a bicycle from [PER Annika] and rode to [LOC Uppsala] .",
    "The orchestra of [LOC Tbilisi] invited [PER Nino Beridze] to play .",
    "Mr . [PER Oyelaran] will give the speech tomorrow .",
    "We took a ferry from [LOC Piraeus] to [LOC Santorini] with [PER Eleni] .",
    "Nobody believed [PER Taavi] when he said he had walked to [LOC Tartu] .",
    "The tea from [LOC Darjeeling] is famous across [LOC Asia] .",
    "[PER Ximena] painted a mural on a wall in [LOC Valparaiso] .",
)


def parse(marked: str) -> tuple[list[str], list[str]]:
    """'[PER A B] went to [LOC C]' -> tokens and tags (O / PER / LOC), tokenized as the engine does."""
    tokens, tags = [], []
    for span in re.finditer(r"\[(PER|LOC) ([^\]]+)\]|([^\[]+)", marked):
        if span.group(1):
            words, tag = tokenize(span.group(2)), span.group(1)
        else:
            words, tag = tokenize(span.group(3)), "O"
        tokens.extend(words)
        tags.extend([tag] * len(words))
    return tokens, tags
