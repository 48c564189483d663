"""Frame: the shape of one unrolled RNN, how its nodes are named and where they are drawn.

Ids are plain strings derived from what a node is (never `id(obj)`): "s[l1,fwd,3]" (layers count
from 1, directions fwd/bwd, t = 0 for s_0), "gate:f[l1,fwd,3]", "param:W_hh[l1,fwd]"; in the
decoder's frame "s[dec,3]"; in the rolled graph the t is left out ("s[l1,fwd]").
Structural positions (kept for the JSON; the figure computes its own layout): x = time step + depth inside the cell, y = a lane per kind.
This structural `pos` is kept only so the node-link JSON keeps its documented shape: the figures
compute their own layout from t/kind/layer/direction (explorer/figures/graph/layout.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rnnviz.graph.parts import INPUT_DEPTH_OP, NAN, OP_BAND
from rnnviz.graph.values import NodeValues
from rnnviz.names import DIRECTIONS_SHORT as DIRECTION_SHORT


@dataclass(frozen=True)
class Frame:
    """The shape of one unrolled RNN, how its nodes are named and where they go on the canvas.

    The encoder-decoder's decoder is a second Frame (scope "dec", one layer, one direction) whose
    ids read "s[dec,3]", whose labels are primed (s'_3) and whose step k has t = t0 + k.
    """

    T: int
    L: int
    K: int
    cell: str
    level: str
    values: NodeValues | None = None  # None: structure only (no numbers)
    scope: str | None = None  # None (the encoder / the RNN) or "dec"
    t0: int = 0  # added to every step's t attribute and column
    x0: float = 0.0  # extra column shift
    bands: int = 0  # (layer, direction) bands below the output lane; 0 means L * K
    rolled: bool = False  # one step whose ids carry no t: recurrent edges become loops
    param_norms: dict = field(default_factory=dict)  # (name, layer, k) -> norm

    def key(self, layer: int, k: int, t: int | None = None) -> str:
        base = self.scope if self.scope else f"l{layer},{DIRECTION_SHORT[k]}"
        return base if (t is None or self.rolled) else f"{base},{t}"

    def nid(self, kind: str, layer: int, k: int, t: int) -> str:
        """'s[l1,fwd,3]', 'h[l2,bwd,0]', 'c[...]', 'a[...]' (Elman pre-activation), 's[dec,2]'."""
        return f"{kind}[{self.key(layer, k, t)}]"

    def gate_id(self, gate: str, layer: int, k: int, t: int) -> str:
        return f"gate:{gate}[{self.key(layer, k, t)}]"

    def param_id(self, name: str, layer: int, k: int) -> str:
        return f"param:{name}[{self.key(layer, k)}]"

    def step_id(self, kind: str, t: int) -> str:
        """Per-step nodes outside the cells: 'x[3]', 'y[3]', 'loss[3]', 'x[dec,3]'."""
        if self.rolled:
            return f"{kind}[{self.scope}]" if self.scope else kind
        return f"{kind}[{self.scope},{t}]" if self.scope else f"{kind}[{t}]"

    def t_attr(self, t: int) -> int | None:
        """The node's t attribute: None in the rolled graph, t0 + t in the decoder."""
        return None if self.rolled else self.t0 + t

    def delay(self, k: int) -> str:
        """Label of a recurrent edge in the rolled graph ('' when unrolled: time is explicit)."""
        if not self.rolled:
            return ""
        return "t+1 -> t" if k == 1 else "t-1 -> t"

    @property
    def band(self) -> float:
        return OP_BAND if self.level == "op" else 1.0

    def lane(self, layer: int, k: int, sub: float = 0.0) -> float:
        """y of a (layer, direction) band; at op level sub 0 = gates, 1 = c_t, 2 = h_t/s_t."""
        return 1.0 + self.band * ((layer - 1) * self.K + k) + sub

    @property
    def state_sub(self) -> float:
        return 2.0 if self.level == "op" else 0.0

    @property
    def output_lane(self) -> float:
        return 1.0 + self.band * (self.bands or self.L * self.K)

    @property
    def loss_lane(self) -> float:
        return self.output_lane + 1.0

    def x(self, k: int, t: int, depth: float = 0.0) -> float:
        """Column of step t (s_0 of the backward direction sits at T + 1), mirrored depth for it."""
        column = self.T + 1 if (k == 1 and t == 0) else t
        return float(self.t0 + self.x0 + column + (depth if k == 0 else -depth))

    def input_x(self, t: int) -> float:
        """Column of x_t: under its step (cell level) or under the gates (op level)."""
        return float(self.t0 + self.x0 + t + (INPUT_DEPTH_OP if self.level == "op" else 0.0))

    def label(self, symbol: str, layer: int, k: int, t: int | str) -> str:
        """'s_3'; superscripts name the layer (stacked) and direction (f/b); the decoder's are primed."""
        if self.scope:
            symbol += "'"
        if self.rolled:
            t = "t"
        sup = (str(layer) if self.L > 1 else "") + ("fb"[k] if self.K == 2 else "")
        return f"{symbol}^{sup}_{t}" if sup else f"{symbol}_{t}"

    def plain_label(self, symbol: str, t: int) -> str:
        """'x_3', 'y_3', 'L_3' (one per step, not per layer); primed in the decoder."""
        prime = "'" if self.scope else ""
        return f"{symbol}{prime}_{'t' if self.rolled else t}"

    def previous(self, k: int, t: int) -> int:
        """The step whose state step t reads: t-1 forward, t+1 backward (0 = s_0)."""
        if k == 0:
            return t - 1
        return 0 if t == self.T else t + 1

    def state_ids(self, layer: int, k: int, t: int) -> tuple[str, ...]:
        """Ids that make up s_t: (s,) or, LSTM at op level, (h, c)."""
        if self.level == "op" and self.cell == "lstm":
            return self.nid("h", layer, k, t), self.nid("c", layer, k, t)
        return (self.nid("s", layer, k, t),)

    def output_id(self, layer: int, k: int, t: int) -> str:
        """The node the next layer and y_t read: h_t (LSTM op level) or s_t."""
        return self.state_ids(layer, k, t)[0]

    def where(self, layer: int, k: int) -> dict:
        """layer / direction attributes (None for the decoder, which has one of each)."""
        return {} if self.scope else {"layer": layer, "direction": k}

    def param_label(self, name: str, layer: int, k: int) -> str:
        """'W_hh', 'W_hh^2b' (stacked, bidirectional), "W_hh'" (decoder)."""
        if self.scope:
            return name + "'"
        sup = (str(layer) if self.L > 1 else "") + ("fb"[k] if self.K == 2 else "")
        return f"{name}^{sup}" if sup else name

    def val(self, array, t: int, layer: int, k: int) -> float:
        return NAN if array is None else float(array[t - 1, layer - 1, k])
