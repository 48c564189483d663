"""What `rnnviz.unroll(..., model=NAME)` needs from the zoo: the model and the config it implies.

A zoo model fixes R (cell, sizes, direction), O (its classes) and the pattern (transducer), so any
option that contradicts it is refused with a message instead of being silently overridden.
"""

from __future__ import annotations

from rnnviz import checks
from rnnviz.config import UnrollConfig
from rnnviz.errors import RnnvizError
from rnnviz.zoo.loading import ZooModel, load

# Options a zoo model leaves to the caller: the seed only decides random parts (none here) and
# max_tokens and max_seconds are limits, not a shape.
FREE_OPTIONS = ("seed", "max_tokens", "max_seconds")


def model_config(
    model, given: dict, config: UnrollConfig | None, has_weights: bool
) -> tuple[ZooModel, UnrollConfig]:
    """The loaded zoo model and its UnrollConfig, or RnnvizError naming the conflicting options."""
    if isinstance(model, ZooModel):
        zoo = model
    elif isinstance(model, str):
        zoo = load(model)
    else:
        raise RnnvizError(
            f"model must be a zoo model's name (rnnviz.zoo.names()), got {checks.shown(model)}."
        )
    if has_weights:
        raise RnnvizError(
            f"model={zoo.name!r} brings its own weights: drop state_dict= / rnn=, or drop model=."
        )
    s = zoo.spec
    implied = UnrollConfig(
        cell=s.cell,
        hidden_size=s.hidden_size,
        input_size=s.input_size,
        bidirectional=s.bidirectional,
        pattern="transducer",
        output_size=len(zoo.labels),
        tokenize=s.tokenize,
    ).to_dict()
    asked = dict(given)
    if config is not None:
        if not isinstance(config, UnrollConfig):
            raise RnnvizError("config must be an rnnviz.UnrollConfig.")
        defaults = UnrollConfig().to_dict()
        asked = {
            **{k: v for k, v in config.to_dict().items() if _differs(v, defaults[k])},
            **asked,
        }
    conflicts = sorted(
        k
        for k, v in asked.items()
        if k not in FREE_OPTIONS and k in implied and _differs(v, implied[k])
    )
    if conflicts:
        shown = ", ".join(
            f"{k}={checks.shown(asked[k])} (the model has {implied[k]!r})" for k in conflicts
        )
        raise RnnvizError(
            f"model={zoo.name!r} fixes its own shape and pattern: drop {shown}; only "
            f"{', '.join(FREE_OPTIONS)} may be set with model=."
        )
    unknown = sorted(set(asked) - set(implied))
    if unknown:
        raise RnnvizError(f"Unknown option(s) {unknown}: see rnnviz.UnrollConfig.")
    merged = {**implied, **{k: asked[k] for k in FREE_OPTIONS if k in asked}}
    try:
        return zoo, UnrollConfig(**merged).validate()
    except TypeError as exc:
        raise RnnvizError(f"Bad option: {exc}") from exc


def _differs(value, implied) -> bool:
    """value != implied as one answer: an array (hidden_size=np.array([1, 2])) compares
    element-wise, and any value that does not compare to a plain one is a conflict."""
    try:
        return bool(value != implied)
    except (TypeError, ValueError):
        return True
