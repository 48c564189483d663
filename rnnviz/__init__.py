"""rnnviz: see how a recurrent neural network unrolls in time and why its gradients vanish.

Names load on first use (PEP 562): `import rnnviz` costs nothing, so `rnnviz --help` answers at
once, while `rnnviz.unroll(...)` and `rnnviz.tables.states_frame(...)` work as written.
"""

from __future__ import annotations

import importlib
import sys
import types

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


def __getattr__(name: str):
    if name in _NAMES:
        value = getattr(importlib.import_module(_NAMES[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module 'rnnviz' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_NAMES, *_SUBMODULES})


class _Package(types.ModuleType):
    """Keeps an exported function when its own submodule loads: the import system binds a loaded
    submodule as an attribute of its package, so `import rnnviz.unroll` would otherwise replace
    the function of that name with the module."""

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and _NAMES.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
