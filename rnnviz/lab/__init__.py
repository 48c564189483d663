"""The vanishing-gradient Lab: long-lag tasks, training with recorded gradient pictures, experiments.

Plain data out, progress through a callback, no UI code. Names load on first use (PEP 562), so
`rnnviz lab --help` reads the torch-free `rnnviz.lab.config` without importing torch.
"""

from __future__ import annotations

from rnnviz.lazy import lazy_package

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


lazy_package(__name__, _NAMES)
