"""The taggers' training and held-out sentences: templates filled with Faker's names and places.

Faker is a training-time dependency only (the `[train]` extra): nothing here runs when a model is
loaded. Name and place *words* are split by a hash into training and held-out pools, so held-out
sentences (another seed) contain only persons and places the taggers never saw.
"""

from __future__ import annotations

import hashlib
import random
import re
from functools import lru_cache

from rnnviz.errors import RnnvizError
from rnnviz.inputs import tokenize
from rnnviz.zoo.tagger_templates import PLAIN, PREFIXES, SUFFIXES, TEMPLATES, TITLES

# Faker locales whose names and places are in Latin script: varied spellings, same tokenizer.
# it_IT is left out: its generators differ between processes with the same seed (hash order).
LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "en_IN", "pt_BR", "sv_SE", "pl_PL")
HELD_OUT_EVERY = 5  # one name/place word in five is kept for the held-out sentences
_SLOT = re.compile(r"\{([PL])\}( 's)?")
# Place shapes Faker does not make but people write ("Salt Lake City", "San Jose", "Mount Vernon").
_PLACE_FORMS = (
    "{} City",
    "San {}",
    "Santa {}",
    "Mount {}",
    "Fort {}",
    "Saint {}",
    "{} Springs",
    "{} Beach",
    "{} Falls",
    "{} Island",
    "New {}",
    "Lake {}",
    "Port {}",
    "{} Valley",
    "Los {}",
)


def _held_out_word(word: str) -> bool:
    digest = hashlib.blake2b(f"zoo-held-out\x1f{word.lower()}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") % HELD_OUT_EVERY == 0


def _keep(entity: str, held_out: bool) -> bool:
    """Training entities have no held-out word; held-out entities have at least one."""
    words = [w for w in tokenize(entity) if any(ch.isalpha() for ch in w)]
    if not words:
        return False
    flags = [_held_out_word(w) for w in words]
    return any(flags) if held_out else not any(flags)


@lru_cache(maxsize=2)
def pools(held_out: bool, per_locale: int = 1500) -> dict[str, tuple[str, ...]]:
    """first / last / place pools (deduplicated, sorted, seeded): the training or held-out side."""
    try:
        from faker import Faker
    except ImportError as exc:  # a training-time extra, not a runtime dependency
        raise RnnvizError(
            "Training the taggers needs Faker: pip install -e '.[train]' (or pip install Faker)."
        ) from exc
    first, last, place = set(), set(), set()
    for k, locale in enumerate(LOCALES):
        fake = Faker(locale)
        fake.seed_instance(1000 + k)
        for _ in range(per_locale):
            first.add(fake.first_name())
            last.add(fake.last_name())
            place.add(fake.city())
            if hasattr(fake, "state") and locale == "en_US":
                place.add(fake.state())
        english = Faker("en_US")
        english.seed_instance(2000 + k)
        for _ in range(per_locale // 5):
            place.add(english.country())
    return {
        "first": tuple(sorted(w for w in first if _keep(w, held_out))),
        "last": tuple(sorted(w for w in last if _keep(w, held_out))),
        "place": tuple(sorted(w for w in place if _keep(w, held_out))),
    }


def _person(rng: random.Random, pool) -> list[tuple[str, str]]:
    roll = rng.random()
    first, last = rng.choice(pool["first"]), rng.choice(pool["last"])
    if roll < 0.5:
        name = f"{first} {last}"
    elif roll < 0.72:
        name = first
    elif roll < 0.82:
        name = last
    elif roll < 0.9:
        return [
            (rng.choice(TITLES), "O"),
            (last if rng.random() < 0.6 else f"{first} {last}", "PER"),
        ]
    else:
        name = f"{first} {rng.choice(pool['first'])} {last}"
    return [(name, "PER")]


def _place(rng: random.Random, pool) -> list[tuple[str, str]]:
    roll = rng.random()
    name = rng.choice(pool["place"])
    if roll < 0.2:
        name = rng.choice(_PLACE_FORMS).format(rng.choice(pool["last"] + pool["place"]))
    elif roll < 0.3:
        return [(name, "LOC"), (",", "O"), (rng.choice(pool["place"]), "LOC")]
    return [(name, "LOC")]


def _fill(template: str, rng: random.Random, pool) -> list[tuple[str, str]]:
    segments, at = [], 0
    for match in _SLOT.finditer(template):
        segments.append((template[at : match.start()], "O"))
        parts = _person(rng, pool) if match.group(1) == "P" else _place(rng, pool)
        if match.group(2):  # possessive: "John's" is one token, as the tokenizer reads it
            text, tag = parts[-1]
            parts[-1] = (text + "'s", tag)
        segments.extend(parts)
        at = match.end()
    segments.append((template[at:], "O"))
    return segments


def sentence(rng: random.Random, pool) -> tuple[list[str], list[str]]:
    """One tagged sentence: (tokens, tags), tags in O / PER / LOC."""
    template = rng.choice(TEMPLATES) if rng.random() < 0.92 else rng.choice(PLAIN)
    segments = _fill(template, rng, pool)
    if rng.random() < 0.25:
        first_text = segments[0][0]
        if first_text and not first_text.startswith(("I ", "Mr", "Mrs", "Ms", "Dr", "Prof")):
            segments[0] = (first_text[:1].lower() + first_text[1:], "O")
        segments.insert(0, (rng.choice(PREFIXES) + " ", "O"))
    if rng.random() < 0.25:
        segments.append((" " + rng.choice(SUFFIXES), "O"))
    if not template.endswith(("?", "!")):
        end = rng.random()
        segments.append((" ." if end < 0.7 else " !" if end < 0.75 else "", "O"))
    tokens, tags = [], []
    for text, tag in segments:
        words = tokenize(text)
        tokens.extend(words)
        tags.extend([tag] * len(words))
    return tokens, tags


def sentences(count: int, seed: int, held_out: bool = False) -> list[tuple[list[str], list[str]]]:
    """`count` tagged sentences from the training (or held-out) pools, seeded."""
    rng = random.Random(seed)
    pool = pools(held_out)
    return [sentence(rng, pool) for _ in range(count)]
