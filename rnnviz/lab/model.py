"""The Lab's model: the explorer's nn.RNN / nn.LSTM / nn.GRU (batch_first) plus a linear O on h_T."""

from __future__ import annotations

import torch
from torch import nn

from rnnviz.config import UnrollConfig
from rnnviz.lab.tasks import TaskSpec
from rnnviz.models import build_rnn


class LabModel(nn.Module):
    """An acceptor: s_t = R(s_{t-1}, x_t) by the torch module, then y_T = O(h_T) = W h_T + b."""

    def __init__(self, rnn: nn.Module, output_size: int, kind: str) -> None:
        super().__init__()
        self.rnn = rnn
        self.head = nn.Linear(rnn.hidden_size, output_size)
        self.kind = kind  # "regression" | "classification"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)  # (B, T, H) with torch's fused kernel
        return self.head(out[:, -1])  # (B, C) logits or values of y_T

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        y_hat = self(x)
        if self.kind == "regression":
            return ((y_hat - y) ** 2).mean()
        return nn.functional.cross_entropy(y_hat, y)

    def score(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        """(loss, metric): metric is the MSE for a regression, the accuracy for a classification."""
        y_hat = self(x)
        if self.kind == "regression":
            mse = float(((y_hat - y) ** 2).mean())
            return mse, mse
        loss = float(nn.functional.cross_entropy(y_hat, y))
        return loss, float((y_hat.argmax(dim=1) == y).float().mean())

    def rnn_state_dict(self) -> dict[str, torch.Tensor]:
        """The recurrent module's own state_dict (weight_ih_l0, ...), as the explorer loads it."""
        return {k: v.detach().clone() for k, v in self.rnn.state_dict().items()}


def build_model(
    cell: str,
    spec: TaskSpec,
    hidden_size: int,
    seed: int,
    *,
    activation: str = "tanh",
    sigma_max: float | None = None,
    forget_bias: float | None = None,
) -> LabModel:
    """A float32 LabModel whose recurrent weights come from the engine's `build_rnn` (same init)."""
    config = UnrollConfig(cell=cell, hidden_size=hidden_size, input_size=spec.input_size,
                          activation=activation, sigma_max=sigma_max, seed=seed,
                          forget_bias=forget_bias if cell == "lstm" else None)  # fmt: skip
    rnn = build_rnn(config.validate())  # float64, seeded, frozen
    rnn.batch_first = True  # the Lab's batches are (B, T, D)
    rnn.requires_grad_(True)
    torch.manual_seed(seed)  # the head's init
    return LabModel(rnn.float(), spec.output_size, spec.kind)
