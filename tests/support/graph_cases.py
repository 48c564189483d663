"""Real traces for the graph tests, cached so each configuration is unrolled once."""

from __future__ import annotations

import math
from functools import cache

import rnnviz

SENTENCE = "John lives in Salt Lake City and likes snow in winter when it is cold and very dry"
CELLS = ("elman", "gru", "lstm")
PATTERNS = ("acceptor", "transducer", "encoder", "encoder-decoder")


@cache
def trace_of(
    seq_len: int,
    cell: str,
    num_layers: int = 1,
    bidirectional: bool = False,
    pattern: str = "acceptor",
    **extra,
) -> rnnviz.Trace:
    """An unroll of the first seq_len words of SENTENCE (small sizes: the structure is the point)."""
    tokens = SENTENCE.split()[:seq_len]
    assert len(tokens) == seq_len
    return rnnviz.unroll(
        tokens,
        cell=cell,
        hidden_size=3,
        input_size=4,
        num_layers=num_layers,
        bidirectional=bidirectional,
        pattern=pattern,
        seed=7,
        **extra,
    )


def same_number(a: float, b: float) -> bool:
    """Equal, treating NaN as equal to NaN (gradients the engine does not give)."""
    return (math.isnan(a) and math.isnan(b)) or a == b
