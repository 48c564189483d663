"""The zoo's catalogue: every shipped model's name, task, cell and sizes, and how it is trained."""

from __future__ import annotations

from dataclasses import dataclass, field

from rnnviz.errors import RnnvizError

# The taggers' classes: persons, places, everything else (no BIO prefixes: adjacent entities of
# the same kind are rare in the lecture's sentences, and plain tags read better under the words).
TAGS = ("O", "PER", "LOC")


@dataclass(frozen=True)
class ModelSpec:
    """One zoo model: what it reads (word tagger or character LM) and the shape of its R and O."""

    name: str
    kind: str  # "tagger" (bidirectional transducer over words) | "charlm" (next character)
    cell: str  # "elman" | "lstm" | "gru"
    hidden_size: int  # H per direction
    input_size: int  # D, the size of x_t (the featuriser's or the embedding's output)
    train: dict = field(default_factory=dict)  # training options (steps, lr, batch, ...)

    @property
    def bidirectional(self) -> bool:
        return self.kind == "tagger"

    @property
    def tokenize(self) -> str:
        return "word" if self.kind == "tagger" else "char"


_TAGGER_TRAIN = dict(steps=3000, batch=32, lr=3e-3, sentences=30000, forget=0.25)
_CHARLM_TRAIN = dict(steps=6000, batch=32, seq_len=128, lr=3e-3)

SPECS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("tagger-elman", "tagger", "elman", 48, 32, dict(_TAGGER_TRAIN)),
        ModelSpec("tagger-lstm", "tagger", "lstm", 48, 32, dict(_TAGGER_TRAIN)),
        ModelSpec("tagger-gru", "tagger", "gru", 48, 32, dict(_TAGGER_TRAIN)),
        ModelSpec("charlm-elman", "charlm", "elman", 128, 32, dict(_CHARLM_TRAIN)),
        # the unit finder's showcase (docs/zoo.md): trained longer, at a higher rate, and with two
        # penalties on how h moves (TAR: squared steps; TV: their L1), which made its quote cell
        ModelSpec(
            "charlm-lstm",
            "charlm",
            "lstm",
            128,
            32,
            {**_CHARLM_TRAIN, "steps": 10000, "lr": 4e-3, "tar": 10.0, "tv": 1.0},
        ),
        ModelSpec("charlm-gru", "charlm", "gru", 128, 32, dict(_CHARLM_TRAIN)),
    )
}


def spec(name) -> ModelSpec:
    """The spec of a zoo model, or RnnvizError listing the names there are."""
    if not isinstance(name, str) or name not in SPECS:
        raise RnnvizError(f"Unknown model {name!r}: choose one of {', '.join(SPECS)}.")
    return SPECS[name]
