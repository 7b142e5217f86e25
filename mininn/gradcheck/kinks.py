r"""Kinks: where a derivative jumps, and which perturbation crossed one.

ReLU is not differentiable at 0. When a perturbation moves a kinked unit's
input across its kink (the sign of ``z - kink`` differs between x - h, x and
x + h), the central difference mixes two slopes and is meaningless. The
checker then computes the one-sided slopes :math:`(f(x) - f(x-h))/h` and
:math:`(f(x+h) - f(x))/h` and accepts the analytic value if it lies between
them (any value between the two slopes is a valid subgradient); the row
reads ``kink``. Built-in kinks: ReLU and LeakyReLU at 0, ties for the
maximum of a ``MaxPool2D`` window, the clip of ``BinaryCrossEntropy`` on
probabilities; your own layer declares
``kinks = (0.0,)`` (positions in its input); ``check_gradient(..., lo=, hi=)``
treats box edges the same way.
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np

from .. import losses as _losses
from ..activations import LeakyReLU, ReLU
from ..convolution import im2col
from ..pooling import MaxPool2D

KINK_SLACK = 1e-4
"""Relative slack on the one-sided slopes at a kink: a one-sided difference
has truncation error O(h) instead of O(h^2), so it is trusted to ~1e-4 only."""


class WindowTies:
    r"""The kinks of a max over windows (``MaxPool2D``): where two pixels tie for the maximum.

    ``margins(x)`` is, for every pixel of every window, its value minus the
    largest *other* pixel of the window: its sign changes exactly where the
    window's maximum moves to another pixel (0 at a tie). Batch first:
    ``(n, C, k k, windows)``.
    """

    kind = "a tie for the maximum of its window at"

    def __init__(self, layer) -> None:
        self.size, self.stride = layer.size, layer.stride

    def margins(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        k, n, C = self.size, x.shape[0], x.shape[1]
        cols = im2col(x, k, k, self.stride).reshape(C, k * k, -1, n)
        ordered = np.sort(cols, axis=1)
        top, second = ordered[:, -1:], ordered[:, -2:-1]
        return (cols - np.where(cols == top, second, top)).transpose(3, 0, 1, 2)


def kinks_of(layer) -> tuple:
    """Where ``layer``'s derivative jumps: input positions (floats), or ``WindowTies``.

    Built in: ReLU and LeakyReLU at 0 (LeakyReLU with slope 1 is the
    identity: no kink), ties in the windows of ``MaxPool2D``. Any other layer
    may declare ``kinks = (...)``, positions in its input.
    """
    if isinstance(layer, LeakyReLU):
        return () if layer.negative_slope == 1.0 else (0.0,)
    if isinstance(layer, ReLU):
        return (0.0,)
    if isinstance(layer, MaxPool2D):
        return (WindowTies(layer),) if layer.size > 1 else ()
    return tuple(float(k) for k in getattr(layer, "kinks", ()))


def measure(w, kink) -> np.ndarray:
    """The watched quantity whose sign flips at the kink: ``w - kink``, or the window margins."""
    if isinstance(kink, WindowTies):
        return kink.margins(w)
    return np.asarray(w) - kink


class KinkWatch:
    """Which side of its kink every watched entry is on.

    A watch is a list of ``(label, kink)`` pairs; an evaluation hands over the
    matching list of watched arrays (say, the input of each ReLU layer), and
    ``sides`` turns them into ``sign(value - kink)``. A perturbation crossed a
    kink when the sides differ from those at the unperturbed point (a value
    exactly *on* the kink has side 0, which differs from both neighbours).
    """

    def __init__(self) -> None:
        self.labels: List[str] = []
        self.kinks: List = []
        self.kinds: List[str] = []

    def add(self, label: str, kink, kind: str = "its kink at") -> None:
        """Watch the array called ``label``, whose derivative jumps at ``kink``."""
        self.labels.append(label)
        self.kinks.append(kink)
        self.kinds.append(kind)

    def __bool__(self) -> bool:
        return bool(self.labels)

    def sides(self, watched: Sequence[np.ndarray]) -> List[np.ndarray]:
        return [np.sign(measure(w, k)) for w, k in zip(watched, self.kinks)]

    def values(self, watched: Sequence[np.ndarray]) -> List[np.ndarray]:
        """Copies of the watched quantities (``w - kink`` or margins), for ``describe``."""
        return [np.array(measure(w, k), dtype=np.float64) for w, k in zip(watched, self.kinks)]

    @staticmethod
    def same(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> bool:
        return all(np.array_equal(x, y) for x, y in zip(a, b))

    @staticmethod
    def changes(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> int:
        """How many watched entries changed side: more than one means several kinks at once."""
        return sum(int(np.count_nonzero(np.asarray(x) != np.asarray(y))) for x, y in zip(a, b))

    def describe(self, base_sides, other_sides, base_values) -> str:
        """Name the first watched entry whose side changed, with its value and kink."""
        for label, kink, kind, s0, s1, value in zip(self.labels, self.kinks, self.kinds,
                                                    base_sides, other_sides, base_values):
            changed = np.flatnonzero(np.asarray(s0 != s1).reshape(-1))
            if changed.size:
                pos = np.unravel_index(changed[0], np.shape(s0))
                if isinstance(kink, WindowTies):
                    n, c, pixel, window = (int(i) for i in pos)
                    return (f"pixel {pixel} of window {window} of {label} (sample {n}, channel "
                            f"{c}) to or from a tie for the maximum of its window")
                at = 0.0 if isinstance(kink, WindowTies) else float(
                    np.broadcast_to(kink, np.shape(s0))[pos])
                where = ", ".join(str(int(i)) for i in pos)
                value = float(np.asarray(value)[pos]) + at
                return f"{label}[{where}] = {value:.3g} across {kind} {at:g}"
        return "a watched quantity across its kink"


def loss_kinks(loss) -> Tuple[float, ...]:
    """Prediction values where a loss's derivative jumps.

    ``BinaryCrossEntropy`` on probabilities clips p to [eps, 1 - eps]: a box
    edge, which a saturated sigmoid output reaches easily. Other losses may
    declare ``kinks = (...)``.
    """
    if isinstance(loss, _losses.BinaryCrossEntropy) and not loss.from_logits:
        return (loss.eps, 1.0 - loss.eps)
    return tuple(float(k) for k in getattr(loss, "kinks", ()))


def network_watch(layers, loss=None) -> Tuple[KinkWatch, List[Tuple[int, float]]]:
    """The kinks of a list of layers (and of the loss after them).

    Returns ``(watch, plan)``; ``plan`` lists ``(layer index, kink)``, where
    index ``len(layers)`` stands for the loss, whose input is the output.
    """
    watch, plan = KinkWatch(), []
    for i, layer in enumerate(layers):
        for k in kinks_of(layer):
            watch.add(f"the input of unit {i}.{type(layer).__name__}", k,
                      getattr(k, "kind", "its kink at"))
            plan.append((i, k))
    for k in (loss_kinks(loss) if loss is not None else ()):
        watch.add("the prediction", k, f"the clip of {type(loss).__name__} at")
        plan.append((len(layers), k))
    return watch, plan


def forward_watching(layers, X, plan) -> Tuple[np.ndarray, List[np.ndarray]]:
    """Forward through ``layers``, keeping the input of every kinked layer
    (and the output, if the loss has kinks)."""
    kinked = {i for i, _ in plan}
    inputs = {}
    for i, layer in enumerate(layers):
        if i in kinked:
            inputs[i] = X
        X = layer.forward(X)
    inputs[len(layers)] = X
    return X, [inputs[i] for i, _ in plan]


def stacked_crossings(watch: KinkWatch, base, stacked, n: int, k: int):
    """Which (sample, feature) perturbations of a stacked batch crossed a kink.

    Returns ``(crossed, several, example)``: ``several`` marks perturbations
    that moved more than one watched unit across its kink (on one side).
    """
    crossed = np.zeros((n, k), dtype=bool)
    count = np.zeros((n, 2, k), dtype=int)
    example = ""
    for label, kink, kind, w0, w in zip(watch.labels, watch.kinks, watch.kinds, base, stacked):
        m0 = measure(w0, kink)
        s0 = np.sign(m0).reshape(n, 1, 1, -1)
        s = np.sign(measure(w, kink)).reshape(n, 2, k, -1)
        diff = s != s0                                   # (n, 2, k, units)
        count += diff.sum(axis=3)
        hit = diff.any(axis=(1, 3))
        if hit.any() and not example:
            i, c = np.argwhere(hit)[0]
            side, unit = np.argwhere(diff[i, :, c])[0]
            if isinstance(kink, WindowTies):
                example = (f"moving X[{i}, {c}] by h moves a pixel of {label} to or from a tie "
                           "for the maximum of its window")
            else:
                example = (f"moving X[{i}, {c}] by h moves {label}[{i}, {unit}] = "
                           f"{float(m0.reshape(n, -1)[i, unit]) + kink:.3g} across {kind} "
                           f"{kink:g}")
        crossed |= hit
    return crossed, count.max(axis=1) > 1, example

