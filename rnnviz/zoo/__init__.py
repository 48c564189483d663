"""The model zoo: small trained RNNs (word taggers, character LMs) usable wherever a config is.

rnnviz.zoo.names()                          # ('tagger-elman', ..., 'charlm-gru')
rnnviz.unroll("John lives in Salt Lake City", model="tagger-lstm").predictions
rnnviz.zoo.load("charlm-lstm").metrics      # held-out bits per character, ...
"""

from rnnviz.zoo.loading import ZooModel, load, names
from rnnviz.zoo.registry import SPECS, TAGS, ModelSpec

__all__ = ["SPECS", "TAGS", "ModelSpec", "ZooModel", "load", "names"]
