"""One frozen configuration for an unroll, validated up front so bad input fails before any work."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from rnnviz import checks, names
from rnnviz.errors import RnnvizError
from rnnviz.names import CELLS, GATE_NAMES  # noqa: F401  (re-exported: rnnviz.config.CELLS)

# Bound gamma on the activation's derivative, used by Pascanu's bound (gamma * sigma_max < 1 => vanish).
ACTIVATION_GAMMA = {"tanh": 1.0, "relu": 1.0, "sigmoid": 0.25, "identity": 1.0}
ACTIVATIONS = tuple(ACTIVATION_GAMMA)
PATTERNS = ("acceptor", "transducer", "encoder", "encoder-decoder")
INITS = ("default", "xavier", "orthogonal", "identity")
TOKENIZERS = ("word", "char")

# Sizes past these are refused at once instead of trying to allocate them.
MAX_HIDDEN_SIZE = 1024
MAX_INPUT_SIZE = 1024
MAX_LAYERS = 8
MAX_OUTPUT_SIZE = 1024
MAX_SCALE = 1e6
DEFAULT_MAX_TOKENS = 10_000
# Runs estimated (rnnviz.cost) to take longer than this are refused up front; raise max_seconds.
DEFAULT_MAX_SECONDS = 60.0
MAX_SECONDS_LIMIT = 7 * 24 * 3600.0  # the largest max_seconds accepted (a week)
# A seed must fit torch.Generator.manual_seed; sub-seeds are derived by rnnviz.patterns.sub_seed.
MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class UnrollConfig:
    """Everything that decides an unroll. Every field has a default; `validate()` explains bad values."""

    cell: str = "lstm"  # "elman" | "lstm" | "gru": the lecture's R
    hidden_size: int = 16  # H, units per layer and direction
    input_size: int = 16  # D, size of each embedding x_t
    num_layers: int = 1  # stacked layers; layer l+1 reads layer l's h_t
    bidirectional: bool = False  # a second RNN reads the sentence right to left
    activation: str = "tanh"  # Elman's nonlinearity (ignored by LSTM/GRU)
    init: str = "default"  # "default" (torch's) | "xavier" | "orthogonal" | "identity" (IRNN)
    init_scale: float = 1.0  # multiplies every W_hh block after init (0 cuts the recurrence)
    spectral_radius: float | None = None  # rescale each H×H block of W_hh to this spectral radius
    sigma_max: float | None = None  # ... or to this largest singular value
    forget_bias: float | None = None  # LSTM forget-gate bias (b_ih slice; b_hh slice set to 0)
    seed: int = 0  # decides the weights, the embeddings and the default targets
    pattern: str = "acceptor"  # "acceptor" | "transducer" | "encoder" | "encoder-decoder"
    output_size: int = 4  # classes predicted by O (acceptor, transducer, decoder vocabulary)
    tokenize: str = "word"  # "word" | "char"
    max_tokens: int = DEFAULT_MAX_TOKENS  # longer inputs are refused with a message
    max_seconds: float = DEFAULT_MAX_SECONDS  # runs estimated to take longer are refused

    def __post_init__(self) -> None:
        checks.plain_numbers(self)  # np.int64 seeds etc.: plain numbers, as JSON and == expect

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def state_size(self) -> int:
        """Size of one layer's s_t in one direction: H, or 2H for LSTM's [h; c]."""
        return names.state_size(self.cell, self.hidden_size)

    @property
    def gamma(self) -> float:
        return ACTIVATION_GAMMA[self.activation]

    def replace(self, **changes) -> UnrollConfig:
        return replace(self, **changes).validate()

    def to_dict(self) -> dict:
        return asdict(self)

    def validate(self) -> UnrollConfig:
        """Return self, or raise RnnvizError naming the field, the value and what is allowed."""
        checks.choice("cell", self.cell, CELLS)
        checks.choice("activation", self.activation, ACTIVATIONS)
        checks.choice("init", self.init, INITS)
        checks.choice("pattern", self.pattern, PATTERNS)
        checks.choice("tokenize", self.tokenize, TOKENIZERS)
        checks.whole_number("hidden_size", self.hidden_size, 1, MAX_HIDDEN_SIZE)
        checks.whole_number("input_size", self.input_size, 1, MAX_INPUT_SIZE)
        checks.whole_number("num_layers", self.num_layers, 1, MAX_LAYERS)
        checks.whole_number("output_size", self.output_size, 1, MAX_OUTPUT_SIZE)
        checks.whole_number("max_tokens", self.max_tokens, 1, 10**7)
        checks.whole_number("seed", self.seed, 0, MAX_SEED)
        if not isinstance(self.bidirectional, bool):
            raise RnnvizError(
                f"bidirectional must be True or False, got {checks.shown(self.bidirectional)}."
            )
        checks.number_in("init_scale", self.init_scale, 0.0, MAX_SCALE)
        checks.number_in("max_seconds", self.max_seconds, 0.0, MAX_SECONDS_LIMIT)
        if self.max_seconds == 0:
            raise RnnvizError("max_seconds must be more than 0 (the default is 60).")
        for name in ("spectral_radius", "sigma_max"):
            if getattr(self, name) is not None:
                checks.number_in(name, getattr(self, name), 0.0, MAX_SCALE)
        if self.spectral_radius is not None and self.sigma_max is not None:
            raise RnnvizError("Give spectral_radius or sigma_max, not both: each rescales W_hh.")
        if self.forget_bias is not None:
            checks.number_in("forget_bias", self.forget_bias, -100.0, 100.0)
            if self.cell != "lstm":
                raise RnnvizError("forget_bias applies to the LSTM only; use cell='lstm'.")
        if self.init == "identity" and self.cell != "elman":
            raise RnnvizError("init='identity' (IRNN) is defined for the Elman cell only.")
        checks.elman_only_activation(self.cell, self.activation)
        if self.pattern == "encoder-decoder" and self.bidirectional:
            top = MAX_HIDDEN_SIZE // 2  # the decoder starts from [h_fwd; h_bwd]: 2 H units
            if self.hidden_size > top:
                raise RnnvizError(
                    f"hidden_size must be at most {top} for a bidirectional encoder-decoder (its "
                    f"decoder has 2 x hidden_size units, at most {MAX_HIDDEN_SIZE}), got "
                    f"{self.hidden_size}."
                )
        return self
