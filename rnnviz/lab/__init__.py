"""The vanishing-gradient Lab: long-lag tasks, training with recorded gradient pictures, experiments.

Plain data out, progress through a callback, no UI code.
"""

from rnnviz.lab.model import LabModel, build_model
from rnnviz.lab.record import log10_grad_over_time
from rnnviz.lab.tasks import TASKS, TaskSpec, sample_batch, task_spec
from rnnviz.lab.train import TrainConfig, Trainer, TrainResult, train

__all__ = [
    "TASKS",
    "LabModel",
    "TaskSpec",
    "TrainConfig",
    "TrainResult",
    "Trainer",
    "build_model",
    "log10_grad_over_time",
    "sample_batch",
    "task_spec",
    "train",
]
