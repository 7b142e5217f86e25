r"""Optimised linear bounds: tune the free lines (α) and the split multipliers (β).

The linear bound of :mod:`mininn.search.bounds` fixes one line of every
unstable hinge unit (ReLU, LeakyReLU with slope s, input interval
:math:`l < 0 < u`) by a rule. Any line through 0 with slope

.. math:: \alpha \in [\min(s, 1), \max(s, 1)]

is valid on *every* interval (for s <= 1, :math:`\alpha z \le f(z)`; for
s > 1, :math:`\alpha z \ge f(z)`), so the bound :math:`U(\alpha)` is sound
for each α and may be *minimised* over α (as in α-CROWN). Sigmoid and tanh
units have free lines too: the tangent at any point d of a range
(:func:`~mininn.search.relaxations.tangent_ranges`) bounds f, so each unit
has two more parameters, the touching points of its upper and lower
tangent, written as fractions :math:`t \in [0, 1]` of their ranges
(:math:`d = lo + t\,(hi - lo)`); a line that is a chord has none.

A branch and bound may also *split* a hinge unit: fix it active
(:math:`z_j \ge 0`) or inactive (:math:`z_j \le 0`), with sign
:math:`\sigma_j = +1` or :math:`-1`. On the node's set :math:`\sigma_j z_j(x)
\ge 0`, so for any :math:`\beta_j \ge 0`

.. math:: \max_{x \in S} s(x) \le \max_{x \in B}
          \Big[ g(x) + \sum_j \beta_j \sigma_j z_j(x) \Big],

where g is the linear bound: the multipliers β are added to the
coefficients of the split units' pre-activations during the substitution
(as in β-CROWN), and the bound is minimised over β >= 0 too. The same
holds for a sigmoid or tanh unit split at 0 (``Units(curves=True)``): each
half of its interval is convex or concave, so its lines are tighter, and
the multiplier of its constraint is tuned like a hinge's (it has no free
slope).

**Gradients by hand.** The substitution walks from the score down,
:math:`\lambda \leftarrow \lambda W^T` through an affine step (and
:math:`c \mathrel{+}= \lambda \cdot b`), :math:`\lambda \leftarrow \lambda^+ a_U
+ \lambda^- a_L + \beta\sigma` through an activation (and :math:`c
\mathrel{+}= \lambda^+ \cdot b_U + \lambda^- \cdot b_L`), and ends with
:math:`U = c + \lambda \cdot \text{centre} + |\lambda| \cdot \text{radius}`.
Walking back up with :math:`g = \partial U / \partial \lambda`:

* at the input, :math:`g = \text{centre} + \mathrm{sign}(\lambda)\,\text{radius}`;
* through an affine step, :math:`g \leftarrow g W + b`;
* through an activation with output coefficients :math:`\lambda`:
  :math:`\partial U/\partial \beta = g\,\sigma`,
  :math:`\partial U/\partial \alpha = g\,\lambda^-` (s <= 1; :math:`g\,\lambda^+` for
  s > 1) on unstable units; for a tangent at d (slope :math:`f'(d)`,
  intercept :math:`f(d) - f'(d)\,d`), :math:`\partial U/\partial t =
  \lambda^\pm f''(d)\,(g - d)\,(hi - lo)` (:math:`\lambda^+` for the upper
  tangent, :math:`\lambda^-` for the lower); then :math:`g \leftarrow g\,a_U + b_U` where
  :math:`\lambda > 0`, :math:`g\,a_L + b_L` elsewhere.

The minimisation is projected Adam (α clipped to its range, β to >= 0);
every iterate gives a sound bound, and each node keeps its best.
"""
from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional, Tuple

import numpy as np

from .. import activations
from .bounds import preactivation_bounds
from .problem import Affine
from .relaxations import (FLAT, curvature, default_fractions, hinge_line_slope, hinge_slope,
                          tangent_ranges, with_tangents)

#: S-shaped activations whose units may be split at 0 (``Units(curves=True)``).
CURVES = (activations.Sigmoid, activations.Tanh)
#: Adam steps per bounding call, and the step size for α (β: scaled per unit).
STEPS, LEARNING_RATE = 4, 0.2


class Units:
    """Where the splittable units of a list of steps are, in flat (B, N) arrays.

    Hinge units (ReLU, LeakyReLU) have a free slope and may be split at 0;
    with ``curves=True`` sigmoid and tanh units may be split at 0 too (their
    convex and concave halves), with a multiplier, and have two free
    tangent points. ``slices[i]`` are the columns of step i in (B, N) arrays
    (sigma, beta, scores); ``slope[i]`` the hinge's slope s below 0 (None for
    a curve). The free parameters alpha are (B, A): for step i the columns
    ``alpha_slices[i]``, one slope per hinge unit, two fractions (upper
    tangent, then lower tangent) per curve unit; ``alpha_range`` their
    (lo, hi), (A,).
    """

    def __init__(self, layers, k: int, curves: bool = False) -> None:
        self.slices: Dict[int, slice] = {}
        self.alpha_slices: Dict[int, slice] = {}
        self.slope: Dict[int, Optional[float]] = {}
        lo, hi = [], []
        width, n = k, 0
        for i, step in enumerate(layers):
            if type(step) is Affine:
                width = step.n_out
                continue
            s = hinge_slope(step)
            if s is None and not (curves and type(step) in CURVES):
                continue
            self.slices[i] = slice(n, n + width)
            n_free = width if s is not None else 2 * width
            self.alpha_slices[i] = slice(len(lo), len(lo) + n_free)
            self.slope[i] = s
            if s is None:        # tangent points: fractions of their ranges
                lo += [0.0] * (2 * width)
                hi += [1.0] * (2 * width)
            else:
                lo += [min(s, 1.0)] * width
                hi += [max(s, 1.0)] * width
            n += width
        self.n = n
        self.n_alpha = len(lo)
        self.alpha_range = (np.array(lo), np.array(hi))

    def default_alpha(self, intervals) -> np.ndarray:
        """The rules' slopes and tangent points (see relaxations), (B, A)."""
        B = intervals[0][0].shape[0]
        alpha = np.zeros((B, self.n_alpha))
        for i, part in self.alpha_slices.items():
            l, u = intervals[i]
            if self.slope[i] is not None:
                alpha[:, part] = hinge_line_slope(self.slope[i], l, u)
            else:
                alpha[:, part] = np.concatenate(default_fractions(l, u), axis=1)
        return alpha

    def free_lines(self, layers, intervals) -> dict:
        """Per step, what its free parameters act on: the unstable units of a
        hinge (B, width) or the tangent ranges of a curve (relaxations)."""
        return {i: (_unstable(*intervals[i]) if self.slope[i] is not None
                    else tangent_ranges(type(layers[i]), *intervals[i]))
                for i in self.slices}


def _unstable(l: np.ndarray, u: np.ndarray) -> np.ndarray:
    return (l < 0) & (u > 0) & ((u - l) > FLAT)


def substitute(layers, lines, intervals, centre, radius, hinges: "Units",
               alpha: Optional[np.ndarray], beta: Optional[np.ndarray],
               sigma: Optional[np.ndarray], masks: Optional[dict] = None):
    """The bound U (B,) of the score, the input coefficients (B, k), and a tape.

    ``alpha`` (B, A) sets the free lines: the slope of unstable hinge units'
    line through 0, the tangent points of sigmoid and tanh units (see
    :class:`Units`); ``beta`` (B, N) >= 0 with ``sigma`` (B, N) in
    {-1, 0, +1} adds the split constraints (see the module docstring). None
    leaves them out. ``masks``: :meth:`Units.free_lines`, if computed already.
    """
    B = centre.shape[0]
    if alpha is not None and not masks:
        masks = hinges.free_lines(layers, intervals)
    lam = np.ones((B, 1))
    const = np.zeros(B)
    tape: List[Tuple] = []
    for i in range(len(layers) - 1, -1, -1):
        step = layers[i]
        if type(step) is Affine:
            const = const + lam @ step.b
            tape.append((i, None))
            lam = lam @ step.W.T
            continue
        aU, bU, aL, bL = lines[i]
        part = hinges.slices.get(i)
        free = None
        if part is not None and alpha is not None:
            free = masks[i]
            a = alpha[:, hinges.alpha_slices[i]]
            if hinges.slope[i] is None:             # a curve: its two tangent points
                w = a.shape[1] // 2
                (aU, bU, aL, bL), points = with_tangents(type(step), lines[i], free,
                                                         a[:, :w], a[:, w:])
                free = free + points                # (loU, hiU, loL, hiL, dU, dL)
            elif hinges.slope[i] <= 1.0:
                aL = np.where(free, a, aL)
            else:
                aU = np.where(free, a, aU)
        pos, neg = np.maximum(lam, 0.0), np.minimum(lam, 0.0)
        const = const + (pos * bU + neg * bL).sum(axis=1)
        lam_in = pos * aU + neg * aL
        if part is not None and beta is not None:
            lam_in = lam_in + beta[:, part] * sigma[:, part]
        tape.append((i, (lam, aU, bU, aL, bL, free)))
        lam = lam_in
    upper = const + (lam * centre).sum(axis=1) + (np.abs(lam) * radius).sum(axis=1)
    return upper, lam, tape


def gradient(layers, tape, lam, centre, radius, hinges: "Units", sigma):
    """(dU/dalpha (B, A), dU/dbeta (B, N)) from the tape of :func:`substitute`."""
    B = centre.shape[0]
    d_alpha = np.zeros((B, hinges.n_alpha))
    d_beta = np.zeros((B, hinges.n))
    g = centre + np.sign(lam) * radius
    for i, saved in reversed(tape):
        step = layers[i]
        if saved is None:
            g = g @ step.W + step.b
            continue
        lam_out, aU, bU, aL, bL, free = saved
        part = hinges.slices.get(i)
        if part is not None:
            if sigma is not None:
                d_beta[:, part] = g * sigma[:, part]
            pos, neg = np.maximum(lam_out, 0.0), np.minimum(lam_out, 0.0)
            cols = hinges.alpha_slices[i]
            if free is not None and hinges.slope[i] is None:
                # tangent at d: a = f'(d), b = f(d) - f'(d) d, so
                # dU/dd = lambda f''(d) (g - d), times the range's width
                loU, hiU, loL, hiL, dU, dL = free
                up = pos * curvature(type(step), dU) * (g - dU) * (hiU - loU)
                down = neg * curvature(type(step), dL) * (g - dL) * (hiL - loL)
                d_alpha[:, cols] = np.concatenate([np.where(np.isnan(loU), 0.0, up),
                                                   np.where(np.isnan(loL), 0.0, down)], axis=1)
            elif free is not None:
                side = neg if hinges.slope[i] <= 1.0 else pos
                d_alpha[:, cols] = np.where(free, g * side, 0.0)
        g = np.where(lam_out > 0, g * aU + bU, g * aL + bL)
    return d_alpha, d_beta


def _beta_rate(tape, hinges: "Units", rate: float) -> np.ndarray:
    """Step size of each beta (B, N): ``rate`` times the mean |lambda| of its
    layer's outputs, the scale on which a multiplier can matter."""
    out = None
    for i, saved in tape:
        part = hinges.slices.get(i)
        if part is None or saved is None:
            continue
        lam_out = saved[0]
        if out is None:
            out = np.empty((lam_out.shape[0], hinges.n))
        out[:, part] = rate * np.abs(lam_out).mean(axis=1, keepdims=True) + 1e-12
    return out


def adam_step(params: list, grads, moments: list, rates, t: int) -> None:
    r"""One Adam step (t = 0, 1, ...) on each array of ``params``, in place:
    :math:`p \leftarrow p - r\,\hat m / \sqrt{\hat v}` with bias-corrected
    moments (``moments[j] = (m, v)``, updated in place too: fewer temporary
    arrays per step)."""
    for p, grad, (m, v), rate in zip(params, grads, moments, rates):
        m *= 0.9
        m += 0.1 * grad
        v *= 0.999
        v += 0.001 * (grad * grad)
        denominator = np.sqrt(v / (1 - 0.999 ** (t + 1)))
        denominator += 1e-30
        step = m * (rate / (1 - 0.9 ** (t + 1)))
        step /= denominator
        p -= step


def optimise(layers, lines, intervals, centre, radius, hinges: "Units",
             alpha: np.ndarray, beta: Optional[np.ndarray], sigma: Optional[np.ndarray],
             steps: int = STEPS, rate: float = LEARNING_RATE, masks: Optional[dict] = None,
             first: Optional[tuple] = None):
    """Projected Adam on (alpha, beta) from the given start; each node keeps its best.

    Returns (U (B,), input coefficients (B, k), alpha, beta) of every node's
    best iterate; each U is a sound bound. ``beta=None`` optimises alpha only.
    ``first``: the (U, coefficients, tape) of :func:`substitute` at the
    start (alpha, beta within their ranges), if already computed.
    """
    lo, hi = hinges.alpha_range
    if masks is None:
        masks = hinges.free_lines(layers, intervals)
    params = [np.clip(alpha, lo, hi)] + ([] if beta is None else [np.maximum(beta, 0.0)])
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    best = None
    rates = [rate]
    for t in range(steps + 1):
        if t == 0 and first is not None:
            u, lam, tape = first
        else:
            u, lam, tape = substitute(layers, lines, intervals, centre, radius, hinges,
                                      params[0], params[1] if beta is not None else None,
                                      sigma, masks)
        if best is None:
            best = [u, lam] + [p.copy() for p in params]
            if beta is not None:
                rates.append(_beta_rate(tape, hinges, rate))
        else:
            better = u < best[0]
            if better.any():
                best = [np.where(better, u, best[0])] + [
                    np.where(better[:, None], new, old)
                    for new, old in zip([lam] + params, best[1:])]
        if t == steps:
            break
        grads = gradient(layers, tape, lam, centre, radius, hinges, sigma)
        adam_step(params, grads, moments, rates, t)
        params[0] = np.clip(params[0], lo, hi)
        if beta is not None:
            params[1] = np.maximum(params[1], 0.0)
    return best[0], best[1], best[2], (best[3] if beta is not None else None)


def _rows(value, index):
    """Rows ``index`` of an array, of each array in a tuple or list (None kept)."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return type(value)(_rows(v, index) for v in value)
    return value[index]


class NodeBounds(NamedTuple):
    """What :func:`split_bound` returns for B nodes."""

    ub: np.ndarray          # (B,) sound upper bound of the score over each node
    coef: np.ndarray        # (B, k) input coefficients a: score(x) <= a . x + c
    alpha: np.ndarray       # (B, A) the best free lines ...
    beta: np.ndarray        # (B, N) ... and multipliers found
    linear: np.ndarray      # (B,) max of a . x + c over the box (ub may be lower:
    #                         it is capped by the interval bound too)
    passes: int             # bound evaluations: substitutions times rows
    intervals: list         # per step (l, u), each (B, width): its input's interval
    tape: list              # per step, the warm start's output coefficients and lines
    #                         (see substitute): what a unit's split would remove


def split_bound(layers, hinges: "Units", lo: np.ndarray, hi: np.ndarray, sigma: np.ndarray,
                alpha: Optional[np.ndarray], beta: Optional[np.ndarray], closed=None,
                steps: Optional[int] = None, clamps=None) -> "NodeBounds":
    """Optimised upper bound of the score over each node (box and split units).

    lo, hi (B, k); sigma (B, N) in {-1, 0, +1} (see
    :func:`mininn.search.bounds.preactivation_bounds`); alpha (B, A), beta
    (B, N) warm starts (None: the rules' lines and zeros). ``closed(ub) -> bool
    (B,)`` marks nodes whose warm-start bound is good enough already: they
    are not optimised. Returns :class:`NodeBounds`: ub (B,), input
    coefficients (B, k), alpha (B, A), beta, the linear bound's maximum
    (B,), the number of passes, and the intervals and tape of the warm
    start's substitution, from which the branch and bound reads what
    splitting each unit would remove (:mod:`mininn.search.branching`).

    ``clamps = (zlo, zhi)`` (B, N) cut the units' intervals (see
    :func:`~mininn.search.bounds.preactivation_bounds`): the pieces of a
    sigmoid or tanh unit split at points other than 0 (as in GenBaB).
    """
    splits = (hinges.slices, sigma) if clamps is None else (hinges.slices, sigma, *clamps)
    intervals, lines = preactivation_bounds(layers, lo, hi, splits)
    centre, radius = 0.5 * (lo + hi), 0.5 * (hi - lo)
    if alpha is None:
        alpha = hinges.default_alpha(intervals)
    if beta is None:
        beta = np.zeros_like(sigma)
    lo_a, hi_a = hinges.alpha_range
    alpha, beta = np.clip(alpha, lo_a, hi_a), np.maximum(beta, 0.0)
    masks = hinges.free_lines(layers, intervals)
    ub, coef, tape = substitute(layers, lines, intervals, centre, radius, hinges, alpha, beta,
                                sigma, masks)
    steps = STEPS if steps is None else steps
    todo = np.arange(ub.size) if closed is None else np.flatnonzero(~closed(ub))
    passes = ub.size
    if todo.size and steps > 0:
        if todo.size == ub.size:
            part = [intervals, lines, centre, radius, sigma, masks]
            first = (ub.copy(), coef.copy(), tape)
        else:
            part = [_rows(x, todo) for x in (intervals, lines, centre, radius, sigma)]
            part.append({i: _rows(m, todo) for i, m in masks.items()})
            first = (ub[todo], coef[todo], [(i, _rows(t, todo)) for i, t in tape])
        u2, a2, al2, be2 = optimise(layers, part[1], part[0], part[2], part[3], hinges,
                                    alpha[todo], beta[todo], part[4], steps=steps,
                                    masks=part[5], first=first)
        passes += todo.size * steps
        better = u2 < ub[todo]
        rows = todo[better]
        ub[rows], coef[rows] = u2[better], a2[better]
        alpha[rows], beta[rows] = al2[better], be2[better]
    lin = ub.copy()
    ub = np.minimum(ub, intervals[-1][1][:, 0])
    return NodeBounds(ub, coef, alpha, beta, lin, passes, intervals, tape)
