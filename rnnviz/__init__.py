"""rnnviz: see how a recurrent neural network unrolls in time and why its gradients vanish.

Names load on first use (PEP 562): `import rnnviz` costs nothing, so `rnnviz --help` answers at
once, while `rnnviz.unroll(...)` and `rnnviz.tables.states_frame(...)` work as written.
"""

from __future__ import annotations

from rnnviz.lazy import lazy_package

__version__ = "0.1.0"

# public name -> module that defines it
_NAMES = {
    "NumericalWarning": "rnnviz.errors",
    "RnnvizError": "rnnviz.errors",
    "Trace": "rnnviz.trace",
    "UnrollConfig": "rnnviz.config",
    "build_rnn": "rnnviz.models",
    "embed": "rnnviz.inputs",
    "infer_config": "rnnviz.models",
    "tokenize": "rnnviz.inputs",
    "unroll": "rnnviz.unroll",
}
# submodules reachable as attributes without their own import (the README's rnnviz.tables...)
_SUBMODULES = ("tables", "graph", "formula", "lab")

__all__ = sorted(_NAMES)


lazy_package(__name__, _NAMES, _SUBMODULES)
