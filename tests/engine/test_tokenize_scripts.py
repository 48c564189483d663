"""Tokens in any script: combining marks (Devanagari, Thai, Tamil vowel signs, NFD accents), ZWJ
and ZWNJ stay in their word; invisible format characters (ZERO WIDTH SPACE, soft hyphen, BOM, the
bidi controls) are never tokens; plain ASCII text is split exactly as it always was."""

from __future__ import annotations

import pytest

import rnnviz
from rnnviz import RnnvizError
from rnnviz.cli.textfile import read_text_file

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
DROPPED = "\u00ad\ufeff\u2060" + BIDI_CONTROLS

# What the tokenizer gave for these before marks and format characters were handled.
ASCII_TOKENS = {
    "John lives in Salt Lake City.": ["John", "lives", "in", "Salt", "Lake", "City", "."],
    "don't stop: it's 3.14, ok?!": [
        "don't", "stop", ":", "it's", "3", ".", "14", ",", "ok", "?", "!",
    ],
    "Hello,   world -- (test) [x] {y} #tag @me a_b_c 42abc": [
        "Hello", ",", "world", "-", "-", "(", "test", ")", "[", "x", "]", "{", "y", "}", "#",
        "tag", "@", "me", "a_b_c", "42abc",
    ],
    "rock'n'roll isn't 'single' \"double\"": [
        "rock'n'roll", "isn't", "'", "single", "'", '"', "double", '"',
    ],
    "tabs\tand\nnewlines\r\nhere...": ["tabs", "and", "newlines", "here", ".", ".", "."],
    "e-mail: a.b@c.com; 100% $5 & more": [
        "e", "-", "mail", ":", "a", ".", "b", "@", "c", ".", "com", ";", "100", "%", "$", "5",
        "&", "more",
    ],
}  # fmt: skip
OTHER_TOKENS = {  # non-ASCII text without marks or format characters: unchanged too
    "naïve café, don't": ["naïve", "café", ",", "don't"],
    "שלום עולם 🙂": ["שלום", "עולם", "🙂"],
    "‘quoted’ o’clock": ["‘", "quoted", "’", "o’clock"],
}


@pytest.mark.parametrize("text", list(ASCII_TOKENS))
def test_ascii_text_is_split_as_before(text):
    assert rnnviz.tokenize(text) == ASCII_TOKENS[text]
    assert rnnviz.tokenize(text, "char") == list(text)
    # one non-ASCII word sends the text through the mark-aware pattern: the same tokens
    assert rnnviz.tokenize(text + " é") == ASCII_TOKENS[text] + ["é"]
    assert rnnviz.tokenize(text + " é", "char") == list(text + " é")


@pytest.mark.parametrize("text", list(OTHER_TOKENS))
def test_text_without_marks_is_split_as_before(text):
    assert rnnviz.tokenize(text) == OTHER_TOKENS[text]
    assert rnnviz.tokenize(text, "char") == list(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("नमस्ते दुनिया", ["नमस्ते", "दुनिया"]),  # Hindi: virama and vowel signs inside the word
        ("สวัสดี", ["สวัสดี"]),  # Thai: vowel and tone marks
        ("வணக்கம் உலகம்", ["வணக்கம்", "உலகம்"]),  # Tamil: pulli and vowel signs
        ("cafe\u0301 au lait", ["cafe\u0301", "au", "lait"]),  # NFD: e + COMBINING ACUTE
        ("nai\u0308ve", ["nai\u0308ve"]),  # letters after a mark continue the word
        ("l'e\u0301te\u0301 cafe\u0301's", ["l'e\u0301te\u0301", "cafe\u0301's"]),
        ("می\u200cخواهم", ["می\u200cخواهم"]),  # Persian: ZWNJ inside the word
        ("क्\u200dष", ["क्\u200dष"]),  # ZWJ between Devanagari letters
        ("नमस्ते, दुनिया!", ["नमस्ते", ",", "दुनिया", "!"]),  # punctuation still apart
    ],
)
def test_combining_marks_stay_in_their_word(text, words):
    assert rnnviz.tokenize(text) == words


def test_a_mark_with_no_word_before_it_is_a_token_and_marks_join_punctuation():
    assert rnnviz.tokenize("\u0301abc") == ["\u0301", "abc"]
    assert rnnviz.tokenize("x \u0301\u0301 y") == ["x", "\u0301\u0301", "y"]
    assert rnnviz.tokenize("!\u0301abc") == ["!\u0301", "abc"]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("👩\u200d💻 ok", ["👩\u200d💻", "ok"]),
        ("❤️\u200d🔥!", ["❤️\u200d🔥", "!"]),  # U+FE0F (a mark) and ZWJ
        ("👨\u200d👩\u200d👧 family", ["👨\u200d👩\u200d👧", "family"]),
        ("hi 🙂🙂", ["hi", "🙂", "🙂"]),  # no ZWJ: separate symbols, as before
    ],
)
def test_a_zwj_emoji_sequence_is_one_token(text, tokens):
    assert rnnviz.tokenize(text) == tokens


def test_zero_width_space_separates_words():
    assert rnnviz.tokenize("Salt\u200bLake") == ["Salt", "Lake"]
    assert rnnviz.tokenize("\u200bSalt \u200b Lake\u200b.") == ["Salt", "Lake", "."]
    assert rnnviz.tokenize("Salt\u200bLake", "char") == list("SaltLake")


@pytest.mark.parametrize("control", list(DROPPED), ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_format_characters_are_dropped(control):
    assert rnnviz.tokenize(f"{control}Salt{control}Lake {control}City{control}") == [
        "SaltLake",
        "City",
    ]
    assert rnnviz.tokenize(f"{control}ab {control}c", "char") == ["a", "b", " ", "c"]
    assert rnnviz.tokenize(control) == rnnviz.tokenize(control, "char") == []


def test_soft_hyphen_bom_and_bidi_in_real_text():
    assert rnnviz.tokenize("\ufeffJohn lives in Salt\u00adLake City.") == [
        "John", "lives", "in", "SaltLake", "City", ".",
    ]  # fmt: skip
    assert rnnviz.tokenize("\u202bשלום\u202c \u2067עולם\u2069") == ["שלום", "עולם"]


@pytest.mark.parametrize(
    ("text", "chars"),
    [
        ("cafe\u0301", ["c", "a", "f", "e\u0301"]),
        ("नमस्ते", ["न", "म", "स्", "ते"]),
        ("สวัสดี", ["ส", "วั", "ส", "ดี"]),
        ("வணக்கம்", ["வ", "ண", "க்", "க", "ம்"]),
        ("ی\u200cخ", ["ی\u200c", "خ"]),
        ("👩\u200d💻 ok", ["👩\u200d💻", " ", "o", "k"]),
        ("a\u200b\u00adb\ufeff\u200ec", ["a", "b", "c"]),
        ("\ud800\u0301", ["\ufffd\u0301"]),  # a lone surrogate is still U+FFFD
    ],
)
def test_char_level_keeps_marks_and_joiners_with_their_character(text, chars):
    assert rnnviz.tokenize(text, "char") == chars


def test_a_char_traces_own_tokens_are_taken_back():
    text = "cafe\u0301 नमस्ते 👩\u200d💻"
    by_text = rnnviz.unroll(text, tokenize="char", hidden_size=4)
    by_tokens = rnnviz.unroll(list(by_text.tokens), tokenize="char", hidden_size=4)
    assert by_tokens.tokens == by_text.tokens == tuple(rnnviz.tokenize(text, "char"))
    with pytest.raises(RnnvizError, match="one-character tokens"):
        rnnviz.unroll(["e\u0301x", "c"], tokenize="char")


@pytest.mark.parametrize("level", ["word", "char"])
@pytest.mark.parametrize("unit", ["नमस्ते ", "\u0301", "a\u0301", "👩\u200d💻", "\u200d", "x\u200b"])
def test_long_texts_with_marks_tokenize_whole(unit, level):
    """100,000 characters of marks and joiners: every one kept (no wall-time assertion here; the
    regex takes ~10-30 ms on the dev box, measured by hand, not by the suite)."""
    text = (unit * 100_000)[:100_000]
    tokens = rnnviz.tokenize(text, level)
    kept = text.replace("\u200b", "")  # nothing else is lost, but spaces between words
    assert "".join(tokens) == ("".join(kept.split()) if level == "word" else kept)


def test_a_text_file_with_a_bom_reads_as_one_without(tmp_path):
    text = "John lives in Salt Lake City.\nनमस्ते दुनिया\n"
    plain, with_bom = tmp_path / "plain.txt", tmp_path / "bom.txt"
    plain.write_bytes(text.encode("utf-8"))
    with_bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert read_text_file(str(with_bom)) == read_text_file(str(plain)) == text
    assert rnnviz.tokenize(read_text_file(str(with_bom)))[0] == "John"
    # only the leading BOM is the file's signature: a later U+FEFF is text (the tokenizer drops it)
    inner = tmp_path / "inner.txt"
    inner.write_bytes(b"\xef\xbb\xbfab\xef\xbb\xbfc")
    assert read_text_file(str(inner)) == "ab\ufeffc"
    assert rnnviz.tokenize(read_text_file(str(inner))) == ["abc"]


def test_a_bom_on_stdin_is_dropped_and_bad_bytes_are_still_refused(tmp_path, monkeypatch):
    import io
    import sys

    class Stdin:
        buffer = io.BytesIO(b"\xef\xbb\xbfhello world")

    monkeypatch.setattr(sys, "stdin", Stdin())
    assert read_text_file("-") == "hello world"
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xef\xbb\xbf\xff\xfe")
    with pytest.raises(RnnvizError, match="is not UTF-8 text"):
        read_text_file(str(bad))
    bom_only = tmp_path / "bom_only.txt"
    bom_only.write_bytes(b"\xef\xbb\xbf")
    assert read_text_file(str(bom_only)) == ""
