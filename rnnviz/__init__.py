"""rnnviz: see how a recurrent neural network unrolls in time and why its gradients vanish."""

from rnnviz.config import UnrollConfig
from rnnviz.errors import NumericalWarning, RnnvizError
from rnnviz.inputs import embed, tokenize
from rnnviz.models import build_rnn, infer_config
from rnnviz.trace import Trace
from rnnviz.unroll import unroll

__all__ = [
    "NumericalWarning",
    "RnnvizError",
    "Trace",
    "UnrollConfig",
    "build_rnn",
    "embed",
    "infer_config",
    "tokenize",
    "unroll",
]
__version__ = "0.1.0"
