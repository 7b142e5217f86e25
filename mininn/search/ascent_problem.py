r"""The problem behind continuous input search: objective, gradient, box, starts.

``find_input`` (in :mod:`mininn.search.ascent`) validates its arguments once,
here, into an :class:`AscentProblem`; the loop then calls only its unchecked
methods. The problem maps the optimised coordinates c to the input x,

* ``"none"``, ``"projected"``: c = x;
* ``"sigmoid"``, ``"mirror"``: :math:`x = lo + (hi - lo)\,\sigma(c)`,

and gives the objective J of every start with its gradients. Every goal
becomes a loss L to *minimise* (L = -J for "max", L = J otherwise), because
mininn's optimisers are descent methods.

Boxes are per feature ``(k,)`` or per start ``(n_starts, k)``: every operation
below is row-wise (broadcast against the box), so each start keeps to its own
box and gives the same path alone or among others.
"""
from __future__ import annotations

import copy
from typing import Optional, Tuple

import numpy as np

from .._validation import (
    as_float_array,
    check_bool,
    check_bounds,
    check_choice,
    check_int,
    check_optimizer,
    check_output,
    check_real,
    make_rng,
)
from ..activations import Identity, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh, sigmoid
from ..network import Sequential
from ..optim import SGD
from ..pooling import Unflatten
from .problem import unknown_width

METHODS = ("none", "projected", "sigmoid", "mirror")
GOALS = ("max", "min", "target")

# A start on a bound has logit +-inf; "sigmoid" and "mirror" move it this far
# (relative to hi - lo) inside the box. At 1e-12 the sigmoid's slope there is
# ~1e-12: the start sits deep in the flat tail, which is the honest picture.
EDGE = 1e-12


# ------------------------------------------------------- logits of an output
def _inverse_sigmoid(t):
    return np.log(t) - np.log1p(-t)


def _inverse_softplus(t):
    # log(e^t - 1) = t + log(1 - e^-t), without overflow for large t
    return t + np.log(-np.expm1(-t))


def logit_map(layer):
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
class AscentProblem:
    r"""A validated search problem (build it with :func:`make_problem`).

    Attributes used by the loop: ``method``, ``goal``, ``output``, ``lo``,
    ``hi`` (each ``(k,)`` or ``(n_starts, k)``), ``user_target``.
    """

    def __init__(self, net, output, goal, target, penalty, reference, lo, hi, method,
                 use_logit, user_target=None):
        self.output = output
        self.goal = goal
        self.method = method
        self.lo, self.hi = lo, hi
        self.width = hi - lo
        # Clipping against scalars is several times cheaper than against
        # arrays, and most boxes are the same for every feature and start.
        same = lo.min() == lo.max() and hi.min() == hi.max()
        self.clip_lo = float(lo.flat[0]) if same else lo
        self.clip_hi = float(hi.flat[0]) if same else hi
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
        """The optimised coordinates of x: x, or :math:`\\mathrm{logit}((x - lo)/(hi - lo))`."""
        if self.method in ("none", "projected"):
            return x.copy()
        s = np.clip((x - self.lo) / self.width, EDGE, 1.0 - EDGE)
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
            # p * d before the factor 2: make_problem guarantees 2 p |d| finite
            # in the box, while 2 p alone may overflow (p near 1e308).
            dJ = dJ + (self.penalty_sign * 2.0) * (self.penalty * d)
        grad_x = dJ if self.descent_sign > 0 else -dJ
        if method == "sigmoid":
            grad_c = grad_x * (self.width * (s * (1.0 - s)))
        else:
            grad_c = grad_x
        return x, value, J, grad_c, grad_x

    def clip(self, a: np.ndarray) -> np.ndarray:
        """Clip ``a`` (n, k) into the box row by row, in place (two ufuncs: cheaper)."""
        np.maximum(a, self.clip_lo, out=a)
        return np.minimum(a, self.clip_hi, out=a)

    def stationarity(self, x: np.ndarray, grad_x: np.ndarray) -> np.ndarray:
        r"""(n,) projected-gradient norm :math:`\lVert \mathrm{clip}(x - \nabla_x L) - x\rVert`
        (the plain gradient norm for "none", which has no box)."""
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
def _box_rows(bounds) -> Optional[int]:
    """Rows of a per-start box ``(n_starts, k)`` in ``bounds``, or None (check_bounds checks)."""
    try:
        shapes = [np.shape(end) for end in bounds]
    except Exception:           # not a pair of arrays: check_bounds says what is wrong
        return None
    rows = [s[0] for s in shapes if len(s) == 2]
    return rows[0] if rows else None


def _flat_images(net: Sequential, x0):
    """(the network with an ``Unflatten`` in front, x0 as rows) for a network
    that starts with a convolution.

    Such a network takes images of any height and width; the search moves
    flat points x (k = C*H*W), so the images' shape comes from ``x0``, (C, H, W)
    or (n_starts, C, H, W), and the result's ``x`` is flat (``x.reshape(C, H, W)``).
    """
    if x0 is None or not net._takes_images:
        raise unknown_width(net, "give x0 with the images' shape, (C, H, W) or "
                                 "(n_starts, C, H, W), or start the network with "
                                 "Unflatten((C, H, W))")
    X = as_float_array(x0, "x0")
    X = X[None] if X.ndim == 3 else X
    channels = net.in_channels
    if X.ndim != 4 or X.shape[0] == 0 or (channels is not None and X.shape[1] != channels):
        raise ValueError(f"x0 must be images of shape (C, H, W) or (n_starts, C, H, W) with "
                         f"C = {channels}, got shape {np.shape(x0)}")
    return Sequential([Unflatten(X.shape[1:])] + list(net.layers)), X.reshape(X.shape[0], -1)


def _check_x0(x0, k: int) -> np.ndarray:
    X = as_float_array(x0, "x0", copy=True)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2 or X.shape[1] != k or X.shape[0] == 0:
        raise ValueError(f"x0 must have shape ({k},) or (n_starts, {k}) for a network with "
                         f"{k} inputs, got shape {np.shape(x0)}")
    return X


def _check_inside(X, lo, hi, method) -> None:
    lo, hi = np.broadcast_to(lo, X.shape), np.broadcast_to(hi, X.shape)
    outside = (X < lo) | (X > hi)
    if outside.any():
        i, f = np.argwhere(outside)[0]
        side = (f"< lo = {lo[i, f]:g}" if X[i, f] < lo[i, f] else f"> hi = {hi[i, f]:g}")
        raise ValueError(
            f"x0 must lie inside bounds for method {method!r}: x0[{i}, {f}] = {X[i, f]:g} "
            f"{side} ({int(outside.sum())} values outside; method 'none' accepts any start)")


def _check_reference(reference, k: int, n: int, per_start: bool, lo, hi) -> np.ndarray:
    if reference is None:
        return lo + 0.5 * (hi - lo)
    ref = as_float_array(reference, "reference")
    shapes = [(), (k,)] + ([(n, k)] if per_start else [])
    if ref.shape not in shapes:
        allowed = " or ".join(str(s) if s else "a scalar" for s in shapes)
        raise ValueError(f"reference must be {allowed} for a network with {k} inputs, "
                         f"got shape {ref.shape}")
    return np.broadcast_to(ref, lo.shape).copy()


def _check_penalty_fits(penalty: float, reference, lo, hi) -> None:
    """Refuse a penalty whose term or gradient overflows somewhere in the box."""
    reach = np.maximum(np.abs(reference - lo), np.abs(hi - reference))   # max |x - r| per feature
    with np.errstate(over="ignore"):
        term = penalty * np.sum(reach * reach, axis=-1)                  # max of p |x - r|^2
        slope = 2.0 * (penalty * reach)                                  # max of |2 p (x - r)|
    if not (np.all(np.isfinite(term)) and np.all(np.isfinite(slope))):
        raise ValueError(
            f"penalty = {penalty:g} is too large for these bounds and reference: the penalty "
            f"p |x - reference|^2 (or its gradient) overflows to inf inside the box; use a "
            f"smaller penalty or a smaller box")


def fresh_optimizer(optimizer):
    """A reset deep copy of ``optimizer`` (default ``SGD(lr=0.1)``); the caller's is untouched."""
    if optimizer is None:
        return SGD(lr=0.1)
    check_optimizer(optimizer)
    if not callable(getattr(optimizer, "reset", None)):
        raise TypeError(f"optimizer must be a mininn optimizer (with step and reset), got "
                        f"{type(optimizer).__name__}")
    opt = copy.deepcopy(optimizer)
    opt.reset()
    return opt


def make_problem(net, output=0, *, goal="max", target=None, bounds=(0.0, 1.0),
                 method="projected", x0=None, n_starts=None, penalty=0.0, reference=None,
                 use_logit=False, seed=None) -> Tuple[AscentProblem, np.ndarray]:
    """Validate the problem's arguments (those of ``find_input``); return ``(problem, starts)``.

    ``starts`` is ``(n_starts, k)``: ``x0``, or ``n_starts`` points drawn
    uniformly in the box from ``seed``, or (neither given) the centre of the
    box -- of each box, for per-start bounds.
    """
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be a mininn Sequential, got {type(net).__name__}")
    output = check_output(output, net.n_outputs)
    check_choice(goal, "goal", GOALS)
    check_choice(method, "method", METHODS)
    if net.n_inputs is None:
        net, x0 = _flat_images(net, x0)
    k = net.n_inputs
    rng = make_rng(seed)
    if x0 is not None and n_starts is not None:
        raise ValueError("give either x0 (the starts) or n_starts (random starts), not both")
    X = None if x0 is None else _check_x0(x0, k)
    if n_starts is not None:
        n_starts = check_int(n_starts, "n_starts", minimum=1)
    rows = _box_rows(bounds)
    per_start = rows is not None
    n = X.shape[0] if X is not None else n_starts or rows or 1
    lo, hi = check_bounds(bounds, k, n_starts=n if per_start else None)
    if X is None:
        if n_starts is not None:
            X = rng.uniform(lo, hi, size=(n, k))
        else:
            X = np.broadcast_to(lo + 0.5 * (hi - lo), (n, k)).copy()
    elif method != "none":
        _check_inside(X, lo, hi, method)
    penalty = check_real(penalty, "penalty", minimum=0.0)
    reference = _check_reference(reference, k, n, per_start, lo, hi)
    if penalty:
        _check_penalty_fits(penalty, reference, lo, hi)
    if goal == "target":
        if target is None:
            raise ValueError("goal='target' needs a target value, got target=None")
        target = check_real(target, "target")
    elif target is not None:
        raise ValueError(f"target is used only with goal='target', got target={target!r} "
                         f"with goal={goal!r}")
    use_logit = check_bool(use_logit, "use_logit")
    inner_target = target
    if use_logit:
        last = net.layers[-1]
        mapping = logit_map(last)
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
    problem = AscentProblem(net, output, goal, inner_target, penalty, reference, lo, hi, method,
                            use_logit, target)
    return problem, X
