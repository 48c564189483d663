"""The vanishing-gradient Lab: long-lag tasks, training with recorded gradient pictures, experiments.

Plain data out, progress through a callback, no UI code. Names load on first use (PEP 562), so
`rnnviz lab --help` reads the torch-free `rnnviz.lab.config` without importing torch.
"""

from __future__ import annotations

import importlib
import sys
import types

# public name -> module that defines it
_NAMES = {
    "TASKS": "rnnviz.lab.specs",
    "TrainConfig": "rnnviz.lab.config",
    "LabModel": "rnnviz.lab.model",
    "build_model": "rnnviz.lab.model",
    "log10_grad_over_time": "rnnviz.lab.record",
    "TaskSpec": "rnnviz.lab.specs",
    "sample_batch": "rnnviz.lab.tasks",
    "task_spec": "rnnviz.lab.specs",
    "Trainer": "rnnviz.lab.train",
    "TrainResult": "rnnviz.lab.train",
    "train": "rnnviz.lab.train",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str):
    if name not in _NAMES:
        raise AttributeError(f"module 'rnnviz.lab' has no attribute {name!r}")
    value = getattr(importlib.import_module(_NAMES[name]), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_NAMES})


class _Package(types.ModuleType):
    """Keeps an exported function when its own submodule loads: the import system binds a loaded
    submodule as an attribute of its package, so `import rnnviz.lab.train` would otherwise replace
    the function of that name with the module."""

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and _NAMES.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
