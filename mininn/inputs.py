r"""Continuous input search: which input in a box makes output j largest?

Gradient ascent on the *input* of a trained network, with the network's
weights frozen. For output j, written :math:`f_j(x)`, ``find_input`` solves
one of

.. math::
    \max_{lo \le x \le hi} f_j(x), \qquad
    \min_{lo \le x \le hi} f_j(x), \qquad
    \min_{lo \le x \le hi} (f_j(x) - t)^2,

optionally with an L2 penalty :math:`p\,\lVert x - r\rVert^2` toward a
reference point r (subtracted when maximising, added otherwise). Every step
uses the network's handwritten input gradient ``net._input_gradient`` (one
forward and one input-only backward pass for all starts at once) -- never
finite differences.

Why a box? The 2016 question that mininn grew from ran unconstrained
gradient descent on :math:`(f(x) - 1)^2` and ended at ``x = [-0.11, 1.997]``:
the trained network's output keeps rising beyond the unit square, so nothing
stops x from leaving it. The four methods:

``"none"``
    Plain (unconstrained) steps :math:`x \leftarrow x - \eta\, \nabla L(x)`.
    Kept on purpose: it reproduces the 2016 failure.
``"projected"``
    Projected gradient: step, then clip into the box,
    :math:`x \leftarrow \mathrm{clip}(x - \eta \nabla L(x), lo, hi)`. Lands
    exactly on the bounds; the usual choice.
``"sigmoid"``
    Reparametrise :math:`x = lo + (hi - lo)\,\sigma(z)` and optimise the
    unconstrained z with the chain rule,
    :math:`\partial L/\partial z = \partial L/\partial x \cdot (hi - lo)\,\sigma(z)(1 - \sigma(z))`.
    x never leaves the box, but the factor :math:`\sigma'(z)` vanishes near
    the bounds: a coordinate that starts on (or drifts to) a bound barely
    moves again. **Known failure, shown rather than hidden:** started at the
    2016 start ``x0 = [1, u]``, the coordinate :math:`x_0 = 1` is taken
    :math:`10^{-12}` inside the box, i.e. z = logit(1 - 1e-12) = 27.6, where
    :math:`\partial x_0/\partial z_0 \approx 10^{-12}`, and it never comes
    back. On the 2016 networks trained with seeds 0..9 (start ``u`` drawn
    from the same seed) it stalled on the wrong edge :math:`x_0 = 1` on 10
    runs out of 10, with SGD(0.1), SGD with momentum 0.9 and Adam(0.1) alike
    (Adam's :math:`\epsilon = 10^{-8}` swamps a z-gradient of ~1e-14), for
    1000 or 10000 steps. From the box centre it reached [0, 1] on 10 of 10.
``"mirror"``
    Entropic mirror descent on the box: the same map
    :math:`x = lo + (hi - lo)\,\sigma(u)`, but the dual variable moves with
    the plain x-gradient, :math:`u \leftarrow u - \eta\, \nabla_x L(x)` --
    no :math:`\sigma'` factor, so it does not stall at the edges. This is
    exact mirror descent for the mirror map
    :math:`\psi(x) = \sum_i (hi_i - lo_i)\,[s_i \log s_i + (1 - s_i)\log(1 - s_i)]`,
    :math:`s = (x - lo)/(hi - lo)`, whose gradient is :math:`\mathrm{logit}(s) = u`.
    Not stalled is not fast, though: a start on a bound has u = +-27.6 and
    u moves at speed :math:`\eta |\nabla_x L|`, so where the gradient is
    small the way back takes many steps. From the 2016 start on the same ten
    networks: 0/10 reached [0, 1] in 1000 SGD(0.1) steps, 9/10 in 10000;
    10/10 in 1000 steps with Adam(0.1), 9/10 with momentum 0.9.

Internally every goal becomes a loss L to *minimise* (L = -objective for
"max"), because mininn's optimisers are descent methods; any of them (SGD
with momentum, Adam) moves the optimised coordinates (x, z or u).

``use_logit=True`` optimises the pre-activation of a last monotone
activation (``net[:-1]``) instead of the output itself: the same maximiser,
but no vanishing gradient where a sigmoid output saturates (in float64
:math:`\sigma(z)` is exactly 1.0 for z beyond ~37, so its gradient is exactly
0 and all such points tie). Reported values stay the network's real output.

All starts advance together as one (n_starts, k) array; every operation is
row-wise, so a start gives the same path alone or among others.
"""
from __future__ import annotations

import copy
import numbers
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from ._validation import (
    SeedLike,
    as_float_array,
    check_choice,
    check_int,
    check_positive,
    make_rng,
)
from .activations import Identity, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh, sigmoid
from .network import Sequential
from .optim import SGD

METHODS = ("none", "projected", "sigmoid", "mirror")
GOALS = ("max", "min", "target")

# A start on a bound has logit +-inf; "sigmoid" and "mirror" move it this far
# (relative to hi - lo) inside the box. At 1e-12 the sigmoid's slope there is
# ~1e-12: the start sits deep in the flat tail, which is the honest picture.
_EDGE = 1e-12


# --------------------------------------------------------------------- result
@dataclass
class InputSearchResult:
    """What an input search found, and how it got there.

    Attributes
    ----------
    x : ndarray (n_starts, k)
        Final points.
    value : ndarray (n_starts,)
        Network output :math:`f_j(x)` at the final points (not the penalised
        objective, and the real output even with ``use_logit``).
    objective : ndarray (n_starts,)
        The objective actually optimised at the final points: for "max"
        :math:`g - p\\lVert x - r\\rVert^2` (maximised), for "min"
        :math:`g + p\\lVert x - r\\rVert^2`, for "target"
        :math:`(g - t)^2 + p\\lVert x - r\\rVert^2` (both minimised), where g
        is :math:`f_j` or, with ``use_logit``, its pre-activation (and t then
        the pre-activation of the target).
    trajectory : ndarray (n_records, n_starts, k)
        x at each recorded step; ``trajectory[0]`` are the starts (for
        "sigmoid"/"mirror" a start on a bound appears moved 1e-12 inside).
    values : ndarray (n_records, n_starts)
        :math:`f_j` at each recorded step.
    steps : ndarray (n_records,) of int
        Iteration number of each record: 0 first, ``n_iter`` last.
    n_iter : int
        Number of updates done.
    stop_reason : str
        ``"steps"`` (budget used) or ``"tol"`` (every start's stationarity
        measure ``grad_norm`` fell below ``tol``).
    best : int
        Index of the start with the best ``objective`` (largest for "max",
        smallest otherwise); without penalty or logit, the largest/smallest
        value or the value closest to the target.
    grad_norm : ndarray (n_starts,)
        First-order stationarity measure at the end: the projected-gradient
        norm :math:`\\lVert \\mathrm{clip}(x - \\nabla_x L, lo, hi) - x\\rVert`
        in x (the plain gradient norm :math:`\\lVert\\nabla_x L\\rVert` for
        method "none", which has no box).
    kkt : ndarray (n_starts,) of bool
        First-order (KKT) optimality for the box problem, per coordinate: an
        interior coordinate has :math:`|\\partial L/\\partial x_i| \\le` ``kkt_tol``;
        one within ``kkt_tol * (hi - lo)`` of a bound may instead have a
        gradient pointing out of the box (maximising: :math:`\\partial f/\\partial x_i \\ge 0`
        at hi, :math:`\\le 0` at lo). For "none": every :math:`|\\partial L/\\partial x_i| \\le` ``kkt_tol``.
    method, goal : str
    output : int
        Output unit j.
    bounds : tuple (lo, hi)
        Each an ndarray (k,).
    target : float or None
        The target t of goal "target" (the output value, not its logit).
    """

    x: np.ndarray
    value: np.ndarray
    objective: np.ndarray
    trajectory: np.ndarray
    values: np.ndarray
    steps: np.ndarray
    n_iter: int
    stop_reason: str
    best: int
    grad_norm: np.ndarray
    kkt: np.ndarray
    method: str
    goal: str
    output: int
    bounds: Tuple[np.ndarray, np.ndarray]
    target: Optional[float] = None

    @property
    def best_x(self) -> np.ndarray:
        """Final point of the best start: (k,)."""
        return self.x[self.best]

    @property
    def best_value(self) -> float:
        """Network output at ``best_x``."""
        return float(self.value[self.best])

    @property
    def inside(self) -> np.ndarray:
        """(n_starts,) bool: the final point lies in the box ``lo <= x <= hi``."""
        lo, hi = self.bounds
        return np.all((self.x >= lo) & (self.x <= hi), axis=1)

    @property
    def n_starts(self) -> int:
        return self.x.shape[0]

    def summary(self) -> str:
        """A table with one row per start: final x, value, inside?, KKT, gradient norm."""
        goal = self.goal if self.target is None else f"target {self.target:g}"
        head = (f"input search: {goal} of output {self.output}, method {self.method!r}, "
                f"{self.n_iter} iterations, stopped by {self.stop_reason!r}")
        rows = [("start", "final x", "f(x)", "inside", "kkt", "grad norm")]
        for i in range(self.n_starts):
            x = np.array2string(self.x[i], precision=4, separator=", ", suppress_small=True)
            mark = " *" if i == self.best else ""
            rows.append((f"{i}{mark}", x, f"{self.value[i]:.6g}", str(bool(self.inside[i])),
                         str(bool(self.kkt[i])), f"{self.grad_norm[i]:.2e}"))
        widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        return "\n".join([head, *lines, "(* = best start)"])

    def __repr__(self) -> str:
        x = np.array2string(self.best_x, precision=4, separator=", ", suppress_small=True)
        return (f"InputSearchResult(goal={self.goal!r}, method={self.method!r}, output={self.output}, "
                f"n_starts={self.n_starts}, n_iter={self.n_iter}, stop_reason={self.stop_reason!r}, "
                f"best={self.best}: x={x}, value={self.best_value:.6g}, "
                f"inside={bool(self.inside[self.best])}, kkt={bool(self.kkt[self.best])})")


# ------------------------------------------------------- logits of an output
def _inverse_sigmoid(t):
    return np.log(t) - np.log1p(-t)


def _inverse_softplus(t):
    # log(e^t - 1) = t + log(1 - e^-t), without overflow for large t
    return t + np.log(-np.expm1(-t))


def _logit_map(layer):
    """(inverse, is-in-range test, range text) for a last monotone activation, or None."""
    kind = type(layer)
    if kind is Sigmoid:
        return _inverse_sigmoid, lambda t: 0.0 < t < 1.0, "(0, 1)"
    if kind is Tanh:
        return np.arctanh, lambda t: -1.0 < t < 1.0, "(-1, 1)"
    if kind is Softplus:
        return _inverse_softplus, lambda t: t > 0.0, "(0, inf)"
    if kind is ReLU or (kind is LeakyReLU and layer.negative_slope == 0.0):
        # Not invertible at or below 0: only positive targets have one pre-image.
        return (lambda t: t), lambda t: t > 0.0, "(0, inf)"
    if kind is LeakyReLU:
        s = layer.negative_slope
        return (lambda t: t if t > 0 else t / s), lambda t: True, "all reals"
    if kind is Identity:
        return (lambda t: t), lambda t: True, "all reals"
    return None


# ---------------------------------------------------------------- the problem
class _Problem:
    """A validated search problem: maps the optimised coordinates c to x and
    gives the objective and its gradients.

    c is x itself for "none"/"projected", z for "sigmoid" and u for "mirror"
    (both with x = lo + (hi - lo) sigma(c)).
    """

    def __init__(self, net, output, goal, target, penalty, reference, lo, hi, method,
                 use_logit, user_target=None):
        self.output = output
        self.goal = goal
        self.method = method
        self.lo, self.hi = lo, hi
        self.width = hi - lo
        # Clipping against scalars is several times cheaper than against
        # per-feature arrays, and most boxes are the same for every feature.
        same = np.all(lo == lo[0]) and np.all(hi == hi[0])
        self.clip_lo = float(lo[0]) if same else lo
        self.clip_hi = float(hi[0]) if same else hi
        self.penalty = penalty
        self.reference = reference
        self.use_logit = use_logit
        self.target = target               # in the optimised output's units (logit if use_logit)
        self.user_target = user_target     # as given, in the output's units
        self.last = net.layers[-1] if use_logit else None
        self.net = net[:-1] if use_logit else net
        self.descent_sign = -1.0 if goal == "max" else 1.0
        # the penalty lowers a maximised objective and raises a minimised one
        self.penalty_sign = -1.0 if goal == "max" else 1.0

    # coordinates <-> x
    def to_coords(self, x: np.ndarray) -> np.ndarray:
        if self.method in ("none", "projected"):
            return x.copy()
        s = np.clip((x - self.lo) / self.width, _EDGE, 1.0 - _EDGE)
        return np.log(s) - np.log1p(-s)

    def evaluate(self, c: np.ndarray):
        r"""Everything one step needs, for all starts at once.

        Returns ``(x, value, objective, grad_c, grad_x)``: x (n, k); value
        :math:`f_j(x)` (n,); the objective J (n,); ``grad_c`` (n, k), the
        direction the optimiser descends in the optimised coordinates
        (:math:`\partial L/\partial c` for "none"/"projected"/"sigmoid", the
        x-gradient :math:`\nabla_x L` for "mirror"); ``grad_x`` =
        :math:`\nabla_x L` (n, k), with L = -J for "max" and L = J otherwise.
        """
        method = self.method
        if method in ("sigmoid", "mirror"):
            s = sigmoid(c)
            # lo + width * s can round one ulp past hi; the box is the promise.
            x = np.minimum(self.lo + self.width * s, self.hi)
        else:
            x = c
        j = self.output
        Y, G = self.net._input_gradient(x, j)      # (n, out), (n, k)
        g = Y[:, j]
        value = self.last.forward(Y)[:, j] if self.use_logit else g
        if self.goal == "target":
            r = g - self.target
            J = r * r
            dJ = (2.0 * r)[:, None] * G
        else:
            J = g.copy()
            dJ = G
        if self.penalty:
            d = x - self.reference
            J += self.penalty_sign * self.penalty * np.einsum("ij,ij->i", d, d)
            dJ = dJ + (self.penalty_sign * 2.0 * self.penalty) * d
        grad_x = dJ if self.descent_sign > 0 else -dJ
        if method == "sigmoid":
            grad_c = grad_x * (self.width * (s * (1.0 - s)))
        else:
            grad_c = grad_x
        return x, value, J, grad_c, grad_x

    def clip(self, a: np.ndarray) -> np.ndarray:
        """Clip ``a`` into the box, in place (two ufunc calls: cheaper than np.clip)."""
        np.maximum(a, self.clip_lo, out=a)
        return np.minimum(a, self.clip_hi, out=a)

    def stationarity(self, x: np.ndarray, grad_x: np.ndarray) -> np.ndarray:
        """(n,) projected-gradient norm in x (plain gradient norm for "none")."""
        if self.method == "none":
            step = grad_x
        else:
            step = self.clip(x - grad_x)
            step -= x
        return np.sqrt(np.einsum("ij,ij->i", step, step))

    def kkt(self, x: np.ndarray, grad_x: np.ndarray, tol: float) -> np.ndarray:
        """(n,) bool: the first-order optimality conditions hold within ``tol``."""
        small = np.abs(grad_x) <= tol
        if self.method == "none":
            return np.all(small, axis=1)
        near = tol * self.width
        # Minimising L: at lo a gradient >= 0 means every feasible move (up)
        # raises L, so lo is optimal in that coordinate; at hi, a gradient <= 0.
        at_lo_ok = (x - self.lo <= near) & (grad_x >= 0.0)
        at_hi_ok = (self.hi - x <= near) & (grad_x <= 0.0)
        return np.all(small | at_lo_ok | at_hi_ok, axis=1)


# ----------------------------------------------------------------- validation
def _real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def _per_feature(value, name: str, k: int) -> np.ndarray:
    arr = as_float_array(value, name)
    if arr.ndim == 0:
        return np.full(k, float(arr))
    if arr.shape != (k,):
        raise ValueError(f"{name} must be a scalar or an array of shape ({k},) (one per input "
                         f"feature), got shape {arr.shape}")
    return arr.copy()


def _check_bounds(bounds, k: int) -> Tuple[np.ndarray, np.ndarray]:
    if isinstance(bounds, (str, bytes)) or not hasattr(bounds, "__len__") or len(bounds) != 2:
        raise TypeError(f"bounds must be a pair (lo, hi) of scalars or arrays of shape ({k},), "
                        f"got {bounds!r}")
    lo = _per_feature(bounds[0], "bounds lo", k)
    hi = _per_feature(bounds[1], "bounds hi", k)
    bad = np.flatnonzero(lo >= hi)
    if bad.size:
        i = bad[0]
        raise ValueError(f"bounds must have lo < hi for every feature; feature {i} has "
                         f"lo = {lo[i]:g} >= hi = {hi[i]:g} ({bad.size} of {k} features)")
    return lo, hi


def _check_starts(x0, n_starts, k, lo, hi, method, seed) -> np.ndarray:
    if x0 is not None and n_starts is not None:
        raise ValueError("give either x0 (the starts) or n_starts (random starts), not both")
    if n_starts is not None:
        n_starts = check_int(n_starts, "n_starts", minimum=1)
        return make_rng(seed).uniform(lo, hi, size=(n_starts, k))
    if x0 is None:
        return ((lo + hi) * 0.5)[None, :]
    X = as_float_array(x0, "x0")
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2 or X.shape[1] != k or X.shape[0] == 0:
        raise ValueError(f"x0 must have shape ({k},) or (n_starts, {k}) for a network with "
                         f"{k} inputs, got shape {np.shape(x0)}")
    X = X.copy()
    if method != "none":
        outside = (X < lo) | (X > hi)
        if outside.any():
            i, f = np.argwhere(outside)[0]
            side = f"< lo[{f}] = {lo[f]:g}" if X[i, f] < lo[f] else f"> hi[{f}] = {hi[f]:g}"
            raise ValueError(
                f"x0 must lie inside bounds for method {method!r}: x0[{i}, {f}] = {X[i, f]:g} "
                f"{side} ({int(outside.sum())} values outside; method 'none' accepts any start)")
    return X


def _check_optimizer(optimizer):
    if optimizer is None:
        return SGD(lr=0.1)
    if not (callable(getattr(optimizer, "step", None)) and callable(getattr(optimizer, "reset", None))):
        raise TypeError(f"optimizer must be a mininn optimizer (with step and reset), got "
                        f"{type(optimizer).__name__}")
    opt = copy.deepcopy(optimizer)   # the caller's object keeps its state
    opt.reset()
    return opt


def _prepare(net, goal="max", output=0, target=None, x0=None, n_starts=None,
             bounds=(0.0, 1.0), method="projected", penalty=0.0, reference=None,
             use_logit=False, seed=0):
    """Validate the problem's arguments; return ``(problem, starts)``, starts (n, k)."""
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be a mininn Sequential, got {type(net).__name__}")
    check_choice(goal, "goal", GOALS)
    check_choice(method, "method", METHODS)
    output = net._check_output(output)
    k = net.n_inputs
    if k is None:
        raise ValueError("net has no Dense layer, so its number of inputs is unknown")
    lo, hi = _check_bounds(bounds, k)
    starts = _check_starts(x0, n_starts, k, lo, hi, method, seed)
    penalty = _real(penalty, "penalty")
    if penalty < 0:
        raise ValueError(f"penalty must be >= 0, got {penalty!r}")
    reference = (lo + hi) * 0.5 if reference is None else _per_feature(reference, "reference", k)
    if goal == "target":
        if target is None:
            raise ValueError("goal='target' needs a target value, got target=None")
        target = _real(target, "target")
    elif target is not None:
        raise ValueError(f"target is used only with goal='target', got target={target!r} "
                         f"with goal={goal!r}")
    if not isinstance(use_logit, (bool, np.bool_)):
        raise TypeError(f"use_logit must be True or False, got {use_logit!r}")
    inner_target = target
    if use_logit:
        last = net.layers[-1]
        mapping = _logit_map(last)
        if mapping is None or len(net) < 2:
            raise ValueError(
                f"use_logit=True needs a network ending in a monotone activation after another "
                f"layer (Sigmoid, Tanh, Softplus, ReLU, LeakyReLU or Identity); its last layer "
                f"is {type(last).__name__}")
        if goal == "target":
            inverse, in_range, text = mapping
            if not in_range(target):
                raise ValueError(f"with use_logit=True the target must lie in {text}, the range "
                                 f"of the last layer {type(last).__name__}, got {target!r}")
            inner_target = float(inverse(target))
    problem = _Problem(net, output, goal, inner_target, penalty, reference, lo, hi, method,
                       bool(use_logit), target)
    return problem, starts


# ---------------------------------------------------------------- the search
def find_input(net: Sequential, goal: str = "max", output: int = 0,
               target: Optional[float] = None, x0=None, n_starts: Optional[int] = None,
               bounds=(0.0, 1.0), method: str = "projected", optimizer=None,
               steps: int = 1000, tol: float = 1e-6, record_every: int = 1,
               penalty: float = 0.0, reference=None, use_logit: bool = False,
               seed: SeedLike = 0, kkt_tol: float = 1e-4) -> InputSearchResult:
    r"""Search the box for the input that maximises, minimises or hits output j.

    Parameters
    ----------
    net : Sequential
        A trained network with k inputs; its weights are not changed.
    goal : {"max", "min", "target"}
        Maximise :math:`f_j(x)`, minimise it, or minimise :math:`(f_j(x) - t)^2`
        (what the 2016 code did with t = 1).
    output : int
        Output unit j.
    target : float, only for goal "target"
        The value t to reach.
    x0 : array (k,) or (n_starts, k), optional
        Starts. For "projected", "sigmoid" and "mirror" they must lie in the
        box; "none" accepts any.
    n_starts : int, optional
        Instead of x0: this many starts drawn uniformly in the box from
        ``seed``. Without x0 and n_starts: one start at the box centre.
    bounds : (lo, hi)
        Scalars or arrays (k,), finite, lo < hi. Method "none" ignores them
        while searching but uses them for random starts and for the result's
        ``inside`` and ``kkt``.
    method : {"none", "projected", "sigmoid", "mirror"}
        How the box is kept (see the module docstring).
    optimizer : mininn optimizer, optional
        Default ``SGD(lr=0.1)``. A deep copy is reset and used, so the
        caller's object is left as it was. It descends on L (L = -objective
        for "max"); for "mirror" it moves u with :math:`\nabla_x L`.
    steps : int >= 1
        Maximum number of updates.
    tol : float >= 0
        Stop early when every start's stationarity measure (``grad_norm`` of
        the result: the projected-gradient norm in x, the plain gradient norm
        for "none") is below tol. For "sigmoid" and "mirror" it is measured
        in x, not in z or u, so a start stalled in the sigmoid's flat tail
        does **not** count as converged. ``tol=0`` always runs all steps.
    record_every : int >= 1
        Keep x and :math:`f_j(x)` every this many steps (step 0 and the final
        step are always kept).
    penalty : float >= 0
        Weight p of the L2 penalty :math:`p\lVert x - r\rVert^2`, subtracted
        from the objective for "max", added for "min" and "target".
    reference : scalar or array (k,), optional
        The point r of the penalty; default the box centre.
    use_logit : bool
        Optimise the pre-activation g of the last layer (which must be a
        monotone activation such as Sigmoid) instead of :math:`f_j`: same
        maximiser and minimiser, no vanishing gradient when the output
        saturates. For "target", t is mapped to the pre-activation
        (``logit(t)`` for a sigmoid). Reported values stay :math:`f_j(x)`.
    seed : None, int or numpy.random.Generator
        Source of the random starts.
    kkt_tol : float >= 0
        Tolerance of the result's first-order optimality check ``kkt``.

    Returns
    -------
    InputSearchResult
        Final points, values, trajectory (n_records, n_starts, k), values per
        record, iterations, stop reason, best start, projected-gradient norm
        and KKT check.

    Notes
    -----
    Cost per step: one forward and one input-only backward pass of the
    network on the (n_starts, k) array of all starts.

    The "sigmoid" method stalls where the reparametrisation is flat: from the
    2016 start ``x0 = [1, u]`` the coordinate :math:`x_0 = 1` (taken 1e-12
    inside the box) has :math:`\partial x_0/\partial z_0 \approx 10^{-12}` and
    never moves again -- on the 2016 networks of seeds 0..9 it stalled on
    the wrong edge :math:`x_0 = 1` every time, whatever the optimiser. Use
    "projected", or start "sigmoid" inside the box (from the centre it
    finds [0, 1]). "mirror" has no vanishing factor but its dual variable
    starts 27.6 away when x0 is on a bound: give it more steps or Adam.

    Examples
    --------
    >>> import mininn
    >>> from mininn.inputs import find_input
    >>> net = mininn.Sequential([mininn.Dense(2, 1), mininn.Sigmoid()])
    >>> net[0].params["W"][:] = [[-2.0], [3.0]]
    >>> find_input(net, "max").best_x
    array([0., 1.])
    """
    problem, starts = _prepare(net, goal, output, target, x0, n_starts, bounds, method,
                               penalty, reference, use_logit, seed)
    opt = _check_optimizer(optimizer)
    steps = check_int(steps, "steps", minimum=1)
    record_every = check_int(record_every, "record_every", minimum=1)
    tol = check_positive(tol, "tol", allow_zero=True)
    kkt_tol = check_positive(kkt_tol, "kkt_tol", allow_zero=True)
    return _search(problem, starts, opt, steps, tol, record_every, kkt_tol)


def _search(problem: _Problem, starts: np.ndarray, opt, steps: int, tol: float,
            record_every: int, kkt_tol: float) -> InputSearchResult:
    """The loop: no validation, no per-start Python work."""
    n, k = starts.shape
    slots = steps // record_every + 2            # records 0, r, 2r, ... plus the final step
    trajectory = np.empty((slots, n, k))
    values = np.empty((slots, n))
    record_steps = np.empty(slots, dtype=int)
    c = problem.to_coords(starts)
    clip = problem.method == "projected"
    lo, hi = problem.lo, problem.hi
    r = 0
    it = 0
    converged = False
    while True:
        x, value, J, grad_c, grad_x = problem.evaluate(c)
        if tol > 0:       # with tol = 0 the measure is only needed once, at the end
            converged = bool(np.all(problem.stationarity(x, grad_x) < tol))
        done = converged or it == steps
        if done or it % record_every == 0:
            trajectory[r] = x
            values[r] = value
            record_steps[r] = it
            r += 1
        if done:
            break
        opt.step([c], [grad_c])
        if clip:
            problem.clip(c)
        it += 1
    norm = problem.stationarity(x, grad_x)
    goal = problem.goal
    best = int(np.argmax(J)) if goal == "max" else int(np.argmin(J))
    return InputSearchResult(
        x=x.copy(), value=np.array(value, copy=True), objective=J, trajectory=trajectory[:r],
        values=values[:r], steps=record_steps[:r], n_iter=it,
        stop_reason="tol" if converged else "steps", best=best, grad_norm=norm,
        kkt=problem.kkt(x, grad_x, kkt_tol), method=problem.method, goal=goal,
        output=problem.output, bounds=(lo.copy(), hi.copy()), target=problem.user_target)


def maximize_input(net: Sequential, output: int = 0, **kwargs) -> InputSearchResult:
    """``find_input(net, goal="max", output=output, ...)``: the input in the box with the largest output j."""
    return find_input(net, "max", output, **kwargs)


def minimize_input(net: Sequential, output: int = 0, **kwargs) -> InputSearchResult:
    """``find_input(net, goal="min", output=output, ...)``: the input in the box with the smallest output j."""
    return find_input(net, "min", output, **kwargs)


def reach_target(net: Sequential, target: float, output: int = 0, **kwargs) -> InputSearchResult:
    r"""``find_input(net, goal="target", target=target, ...)``: minimise :math:`(f_j(x) - t)^2` in the box."""
    return find_input(net, "target", output, target, **kwargs)
