r"""Sound bounds of an output over boxes: interval and linear (CROWN-style) bounds.

For a box :math:`B = \{x : lo \le x \le hi\}` both methods give an upper
bound :math:`U \ge \max_{x \in B} s(x)` of the score of a
:class:`~mininn.search.problem.Problem` (and, applied to the score of the
opposite goal, a lower bound).

``relaxation="interval"``
    Pushes the box through each layer's ``interval``: for an affine layer
    :math:`y \in [cW + b - r|W|,\ cW + b + r|W|]` with centre c and radius
    r of the input box; a monotone activation maps :math:`[l, u]` to
    :math:`[f(l), f(u)]`. Works for any layer that offers ``interval``.
``relaxation="linear"`` (CROWN / DeepPoly)
    Replaces each activation by the two lines of
    :func:`mininn.search.relaxations.relax` on its input interval, then
    substitutes backwards from the score to the input, keeping for every
    coefficient the line that bounds in the right direction: with
    :math:`\lambda` the coefficients on a layer's output,

    .. math:: \lambda^T f(z) \le \lambda^+ (\alpha_U z + \beta_U)
              + \lambda^- (\alpha_L z + \beta_L),

    and through an affine layer :math:`\lambda^T (xW + b) = (W\lambda)^T x
    + \lambda^T b`. The score is then bounded by a linear function
    :math:`a^T x + c` whose maximum over the box is exact:
    :math:`a^T \mathrm{centre} + |a|^T \mathrm{radius} + c`. The input
    interval of every activation is itself bounded the same way (the
    tighter of interval and linear bound is kept). The coefficients ``a``
    are returned too: the branch and bound uses them to choose what to split
    and to complete a node.
``relaxation="auto"``
    ``"linear"`` when the network holds only ``Dense`` layers and built-in
    activations, else ``"interval"``. A CNN on flat inputs (``Unflatten``,
    ``Conv2D``, ``MaxPool2D``, ``Flatten``, ``Dense``, ReLU) counts as such:
    :func:`output_bounds` bounds it as the equivalent network of ``Dense``
    layers and ReLUs (:mod:`mininn.search.image_bounds`).

Soundness is that of floating-point arithmetic: the bounds are computed in
float64 without directed rounding, so they hold up to rounding errors of
order :math:`10^{-15}` relative.
"""
from __future__ import annotations

from typing import List, Optional, Tuple, Union

import numpy as np

from .._validation import check_bounds, check_choice
from .image_bounds import dense_equivalent, supports_linear
from .problem import Affine, Problem, can_bound, is_builtin, make_problem
from .relaxations import relax

#: Bounding methods of the branch and bound and of :func:`output_bounds`.
RELAXATIONS = ("auto", "linear", "interval")


def interval_upper(layers, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Interval upper bound of the score (column 0 of the last step) per box: (B,)."""
    for layer in layers:
        lo, hi = layer.interval(lo, hi)
    return hi[:, 0]


def back_substitute(layers, lines, top: int, lam: np.ndarray, const: np.ndarray,
                    centre: np.ndarray, radius: np.ndarray):
    """Upper bounds of ``lam . y_top + const`` over each input box.

    lam: (B or 1, R, width of step ``top``'s output), const: (B or 1, R);
    ``lines[i]`` are the relaxation lines of activation step i, each (B, n).
    Walks from step ``top`` down to the input; returns (upper (B, R), input
    coefficients (B, R, k)).
    """
    for i in range(top, -1, -1):
        layer = layers[i]
        if type(layer) is Affine:
            const = const + lam @ layer.b
            lam = lam @ layer.W.T
        else:
            aU, bU, aL, bL = lines[i]
            pos, neg = np.maximum(lam, 0.0), np.minimum(lam, 0.0)
            const = const + (pos * bU[:, None, :] + neg * bL[:, None, :]).sum(axis=2)
            lam = pos * aU[:, None, :] + neg * aL[:, None, :]
    upper = (const + (lam @ centre[:, :, None])[:, :, 0]
             + (np.abs(lam) @ radius[:, :, None])[:, :, 0])
    return upper, lam


def preactivation_bounds(layers, lo: np.ndarray, hi: np.ndarray, splits=None):
    r"""Input intervals of every step and the lines of every activation.

    Returns (intervals, lines): ``intervals[i] = (l, u)`` bounds the input of
    step i (each (B, width)), ``lines[i]`` relaxes activation step i on it
    (None for affine steps). The last step's output interval is
    ``intervals[len(layers)]``.

    ``splits = (slices, sigma)`` restricts the set to split hinge units:
    ``sigma[:, slices[i]]`` (B, width) is +1 where unit j of step i is fixed
    active (:math:`z_j \ge 0`: l is raised to 0), -1 where it is fixed
    inactive (u is lowered to 0), 0 where it is free. The bounds then hold on
    the box intersected with those constraints. An interval that the
    constraint would empty is left as it is (still sound on the whole box).
    ``splits = (slices, sigma, zlo, zhi)`` adds the constraints
    :math:`zlo_j \le z_j \le zhi_j` (each (B, N), -inf / +inf where none):
    a unit's interval is cut to them (the pieces of a split sigmoid or tanh).
    """
    centre, radius = 0.5 * (lo + hi), 0.5 * (hi - lo)
    lines: List = [None] * len(layers)
    intervals = [(lo, hi)]
    l, u = lo, hi
    for i, layer in enumerate(layers):
        if splits is not None and i in splits[0]:
            sigma = splits[1][:, splits[0][i]]
            l = np.where((sigma > 0) & (u >= 0), np.maximum(l, 0.0), l)
            u = np.where((sigma < 0) & (l <= 0), np.minimum(u, 0.0), u)
            if len(splits) > 2:
                zlo, zhi = splits[2][:, splits[0][i]], splits[3][:, splits[0][i]]
                l = np.where(zlo <= u, np.maximum(l, zlo), l)
                u = np.where(zhi >= l, np.minimum(u, zhi), u)
            intervals[i] = (l, u)
        l_next, u_next = layer.interval(l, u)
        if type(layer) is Affine:
            # the first affine step's interval is already exact; the last one
            # is bounded by the caller's own substitution
            if 0 < i < len(layers) - 1:
                n = layer.n_out
                eye = np.eye(n)
                lam = np.concatenate([eye, -eye])[None]          # (1, 2n, n)
                upper, _ = back_substitute(layers, lines, i, lam, np.zeros((1, 2 * n)),
                                           centre, radius)
                l_next = np.maximum(l_next, -upper[:, n:])
                u_next = np.minimum(u_next, upper[:, :n])
        else:
            lines[i] = relax(layer, l, u)
        l, u = l_next, u_next
        intervals.append((l, u))
    return intervals, lines


def linear_parts(layers, lo: np.ndarray, hi: np.ndarray):
    """(max of a . x + c over each box (B,), a (B, k), interval upper bound (B,)).

    score(x) <= a . x + c for every x in the box; both bounds are sound, and
    the first is also the maximum of the linear function over any sub-box
    (which :func:`linear_upper`'s minimum of the two is not).
    """
    intervals, lines = preactivation_bounds(layers, lo, hi)
    centre, radius = 0.5 * (lo + hi), 0.5 * (hi - lo)
    upper, lam = back_substitute(layers, lines, len(layers) - 1, np.ones((1, 1, 1)),
                                 np.zeros((1, 1)), centre, radius)
    return upper[:, 0], lam[:, 0, :], intervals[-1][1][:, 0]


def linear_upper(layers, lo: np.ndarray, hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Linear (CROWN) upper bound of the score over each box.

    lo, hi: (B, k). Returns (upper (B,), input coefficients a (B, k)) with
    score(x) <= a . x + c for every x in the box.
    """
    linear, coef, interval = linear_parts(layers, lo, hi)
    return np.minimum(linear, interval), coef


def score_upper(problem: Problem, lo: np.ndarray, hi: np.ndarray,
                relaxation: str) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """(upper bound of the score per box (B,), input coefficients (B, k) or None)."""
    if relaxation == "linear":
        return linear_upper(problem.layers, lo, hi)
    return interval_upper(problem.layers, lo, hi), None


def resolve_relaxation(problem: Problem, relaxation: str) -> str:
    """"linear" or "interval" for this problem; a ValueError when it cannot be bounded."""
    if not problem.has_interval:
        missing = [type(step).__name__ for step in problem.layers if not can_bound(step)]
        raise ValueError(
            f"bounding the output needs every layer to offer interval(lo, hi); "
            f"{', '.join(missing)} does not (use method='local' or 'exhaustive')")
    if relaxation == "auto":
        return "linear" if problem.linear_ok else "interval"
    if relaxation == "linear" and not problem.linear_ok:
        custom = [type(step).__name__ for step in problem.layers if not is_builtin(step)]
        raise ValueError(
            f"relaxation='linear' needs Dense layers and built-in activations only; the "
            f"network has {', '.join(custom)} (use relaxation='interval')")
    return relaxation


def _box_count(bounds) -> Optional[int]:
    """n when either end of ``bounds`` is a 2-d (n, k) array of boxes, else None."""
    try:
        shapes = [np.shape(end) for end in bounds]
    except (TypeError, ValueError):
        return None                    # check_bounds says what is wrong
    rows = [s[0] for s in shapes if len(s) == 2]
    return rows[0] if rows else None


def output_bounds(net, output: int = 0, *, bounds,
                  relaxation: str = "linear") -> Tuple[Union[float, np.ndarray], ...]:
    r"""Sound bounds of output j over boxes: lower <= f_j(x) <= upper for lo <= x <= hi.

    Parameters
    ----------
    net : Sequential
    output : int
        The output unit j.
    bounds : (lo, hi)
        The box: each end a scalar, a (k,) array, or an (n, k) array of n
        boxes (any real boxes, not only sub-cubes of {0,1}^k), lo <= hi and
        a finite width.
    relaxation : {"linear", "interval", "auto"}
        See the module docstring.

    Returns
    -------
    lower, upper : float, or ndarray (n,) for (n, k) boxes
        The bounds, computed on the score (the output before its trailing
        monotone activations) and mapped through those activations.
    """
    check_choice(relaxation, "relaxation", RELAXATIONS)
    box = None
    if relaxation != "interval" and supports_linear(net):
        # a CNN: the same function as Dense layers and ReLUs (convolutions as
        # matrices, max pooling as relu trees), which the linear bounds know;
        # the interval bounds of the CNN's own layers may still be tighter
        box = output_bounds(net, output, bounds=bounds, relaxation="interval")
        net = dense_equivalent(net)
    down = make_problem(net, output, "min")
    up = Problem(net, down.output, "max")
    n = _box_count(bounds)
    lo, hi = check_bounds(bounds, up.k, n_starts=n, strict=False)
    lo2, hi2 = np.atleast_2d(lo), np.atleast_2d(hi)
    kind = resolve_relaxation(up, relaxation)
    upper = up.to_output(score_upper(up, lo2, hi2, kind)[0])
    lower = down.to_output(score_upper(down, lo2, hi2, kind)[0])
    if box is not None:
        lower, upper = np.maximum(lower, box[0]), np.minimum(upper, box[1])
    if n is None:
        return float(lower[0]), float(upper[0])
    return lower, upper
