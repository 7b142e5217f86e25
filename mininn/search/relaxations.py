r"""Linear relaxations of the activations: two lines around f on an interval.

For an activation f and an interval :math:`[l, u]` of its input,
:func:`relax` returns an upper and a lower line,

.. math:: \alpha_L z + \beta_L \;\le\; f(z) \;\le\; \alpha_U z + \beta_U
          \qquad \text{for every } z \in [l, u],

elementwise for arrays of intervals. The linear bounds of
:mod:`mininn.search.bounds` replace every activation by these lines.

* **Convex piece** (softplus; sigmoid and tanh for :math:`u \le 0`): the
  chord through :math:`(l, f(l))` and :math:`(u, f(u))` lies above f, the
  tangent at the midpoint below.
* **Concave piece** (sigmoid and tanh for :math:`l \ge 0`): the other way round.
* **Across 0** (sigmoid, tanh: convex left of 0, concave right): the chord
  is above f iff :math:`f'(u)` is at least its slope; otherwise the upper line
  is the tangent at a point :math:`d \ge d^*(l)`, where the tangent at
  :math:`d^*(l)` passes through :math:`(l, f(l))`. By the point symmetry of
  f about :math:`(0, f(0))` the lower line is the mirror image. The rules'
  touching points may be moved within :func:`tangent_ranges`.
* **Hinges** (ReLU, LeakyReLU with slope s): the chord above (for
  :math:`s \le 1`, below for :math:`s > 1`), and on the other side the line
  through 0 with slope 1 or s, whichever matches the longer side of
  :math:`[l, u]` exactly.

f and f' come from the activation layers' own ``forward`` and ``backward``
(no second copy of the formulas); f'', which only the tuning of tangent
points needs (:mod:`mininn.search.optimised`), is written here. Intervals
narrower than ``FLAT`` get the constant lines :math:`f(l) \le f(z) \le f(u)`.
"""
from __future__ import annotations

from typing import Callable, Dict, Tuple

import numpy as np

from .. import activations

Lines = Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

#: Below this interval width an activation is bounded by constants.
FLAT = 1e-9

# Tangent points of the S-shaped activations are tabulated once per class
# on a grid of l over [_GRID_LO, 0] (see _tangent_point).
_GRID_LO, _GRID_N = -40.0, 8192
_TABLES: Dict[type, np.ndarray] = {}


def value(cls: type, z: np.ndarray) -> np.ndarray:
    """f(z) by a fresh activation layer of class ``cls``."""
    return cls().forward(z)


def slope(cls: type, z: np.ndarray) -> np.ndarray:
    """f'(z) by the layer's own backward with upstream gradient 1."""
    unit = cls()
    unit.forward(z)
    return unit.backward(np.ones_like(z))


def chord(f: Callable, l: np.ndarray, u: np.ndarray):
    """(slope, intercept) of the line through (l, f(l)) and (u, f(u))."""
    fl, fu = f(l), f(u)
    a = (fu - fl) / np.where(u - l > 0, u - l, 1.0)
    return a, fl - a * l


def tangent(cls: type, d: np.ndarray):
    """(slope, intercept) of the tangent of f at d."""
    a = slope(cls, d)
    return a, value(cls, d) - a * d


def _tangent_table(cls: type) -> np.ndarray:
    r"""d*(g) on the grid g_i = _GRID_LO + i * step, rounded up.

    d*(l) >= 0 is where the tangent of f passes through (l, f(l)), l <= 0:
    the root of :math:`h(d) = f(d) - f(l) - f'(d)(d - l)`, which increases
    in d on d >= 0. 80 bisection steps on all grid points at once; the upper
    end of the bracket (h >= 0) is kept, so every entry is >= the root.
    """
    if cls not in _TABLES:
        g = np.linspace(_GRID_LO, 0.0, _GRID_N + 1)
        lo_d, hi_d = np.zeros_like(g), np.full_like(g, 2.0 * -_GRID_LO + 10.0)
        fg = value(cls, g)
        for _ in range(80):
            d = 0.5 * (lo_d + hi_d)
            above = value(cls, d) - slope(cls, d) * (d - g) >= fg
            hi_d = np.where(above, d, hi_d)
            lo_d = np.where(above, lo_d, d)
        _TABLES[cls] = hi_d
    return _TABLES[cls]


def _tangent_point(cls: type, l: np.ndarray, u: np.ndarray) -> np.ndarray:
    r"""A tangent point d in [d*(l), u] for the upper line across 0.

    d*(l) decreases as l rises, so the table entry at the grid point just
    below l is >= d*(l): min(that, u) keeps the tangent above (l, f(l)).
    Below the grid d = u. The result is checked, and d = u used wherever
    the check fails.
    """
    table = _tangent_table(cls)
    step = -_GRID_LO / _GRID_N
    i = np.floor((l - _GRID_LO) / step).astype(np.int64) - 1   # one cell of slack for rounding
    d = np.where(i >= 0, table[np.clip(i, 0, _GRID_N)], u)
    d = np.minimum(d, u)
    bad = value(cls, d) - slope(cls, d) * (d - l) < value(cls, l)
    return np.where(bad, u, d)


def tangent_ranges(cls: type, l: np.ndarray, u: np.ndarray) -> Tuple[np.ndarray, ...]:
    r"""Where the tangent lines of sigmoid or tanh on [l, u] may touch f.

    Returns (loU, hiU, loL, hiL), each like l: the tangent at any
    :math:`d \in [loU, hiU]` is an upper line, at any :math:`d \in [loL, hiL]`
    a lower one. On a concave piece the upper range is [l, u], on a convex
    piece the lower one; across 0 the upper range is :math:`[d^*(l), u]` and
    the lower one :math:`[l, -d^*(-u)]` (the tangent at d lies above
    :math:`(l, f(l))` for every such d, since
    :math:`\frac{d}{dd}[f(d) - f'(d)(d - l)] = -f''(d)(d - l) \ge 0` for
    d >= 0). NaN where that line is the chord (it has no touching point to
    choose) and on intervals narrower than ``FLAT``.
    """
    loU, hiU, loL, hiL = (np.full_like(l, np.nan) for _ in range(4))
    wide = (u - l) > FLAT
    concave, convex = wide & (l >= 0), wide & (u <= 0)
    loU[concave], hiU[concave] = l[concave], u[concave]
    loL[convex], hiL[convex] = l[convex], u[convex]
    cross = wide & ~(concave | convex)
    if cross.any():
        lc, uc = l[cross], u[cross]
        k = chord(cls().forward, lc, uc)[0]
        up = slope(cls, uc) < k          # the chord dips below f near u: a tangent
        loU[cross] = np.where(up, _tangent_point(cls, lc, uc), np.nan)
        hiU[cross] = np.where(up, uc, np.nan)
        down = slope(cls, lc) < k        # the mirror image near l
        loL[cross] = np.where(down, lc, np.nan)
        hiL[cross] = np.where(down, -_tangent_point(cls, -uc, -lc), np.nan)
    return loU, hiU, loL, hiL


def default_fractions(l: np.ndarray, u: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(tU, tL): where in its range each tangent touches by default.

    The midpoint of a convex or concave piece (0.5); across 0 the tangents
    through the far corner of the interval: tU = 0 (:math:`d^*(l)`, the upper
    tangent through :math:`(l, f(l))`) and tL = 1 (:math:`-d^*(-u)`, the lower
    tangent through :math:`(u, f(u))`).
    """
    return np.where(l >= 0, 0.5, 0.0), np.where(u <= 0, 0.5, 1.0)


def with_tangents(cls: type, lines: Lines, ranges: Lines, tU: np.ndarray, tL: np.ndarray):
    r"""``lines`` with each line that has a range replaced by the tangent at
    :math:`d = lo + t\,(hi - lo)` of its range (t in [0, 1]).

    Returns (lines, (dU, dL)): the touching points (0 where a line is the chord).
    """
    aU, bU, aL, bL = lines
    loU, hiU, loL, hiL = ranges
    okU, okL = ~np.isnan(loU), ~np.isnan(loL)
    # clipped: lo + t (hi - lo) may round past hi
    dU = np.where(okU, np.minimum(np.maximum(loU + tU * (hiU - loU), loU), hiU), 0.0)
    dL = np.where(okL, np.minimum(np.maximum(loL + tL * (hiL - loL), loL), hiL), 0.0)
    sU, cU = tangent(cls, dU)
    sL, cL = tangent(cls, dL)
    return ((np.where(okU, sU, aU), np.where(okU, cU, bU),
             np.where(okL, sL, aL), np.where(okL, cL, bL)), (dU, dL))


def curvature(cls: type, z: np.ndarray) -> np.ndarray:
    r"""f''(z) of sigmoid, :math:`\sigma(1 - \sigma)(1 - 2\sigma)`, or tanh,
    :math:`-2 \tanh z\,(1 - \tanh^2 z)`: how a tangent turns as its point moves."""
    a = value(cls, z)
    if cls is activations.Sigmoid:
        return a * (1.0 - a) * (1.0 - 2.0 * a)
    return -2.0 * a * (1.0 - a * a)


def relax_s_shaped(cls: type, l: np.ndarray, u: np.ndarray) -> Lines:
    """(aU, bU, aL, bL) for sigmoid or tanh on [l, u] (see the module docstring):
    the chord, replaced by a tangent at its default point where one is needed."""
    a, b = chord(cls().forward, l, u)
    chords = (a, b, a, b)                              # both lines the chord, for a start
    return with_tangents(cls, chords, tangent_ranges(cls, l, u), *default_fractions(l, u))[0]


def hinge_line_slope(s: float, l: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The default slope of the line through 0 for a hinge with slope s below 0
    (the lower line when s <= 1, the upper one when s > 1).

    1 where the positive side is the longer (u >= -l), s otherwise; fixed
    units (u <= 0 or l >= 0) get their one slope.
    """
    adaptive = np.where(u >= -l, 1.0, s)
    return np.where(u <= 0, s, np.where(l >= 0, 1.0, adaptive))


def relax_hinge(s: float, l: np.ndarray, u: np.ndarray) -> Lines:
    """Lines for f(z) = z (z > 0), s z (z <= 0): ReLU (s = 0) and LeakyReLU.

    Convex when s <= 1: the chord is above, the line through 0 below. When
    s > 1 the hinge is concave and the roles swap.
    """
    f = lambda z: np.where(z > 0, z, s * z)  # noqa: E731
    chord_a, chord_b = chord(f, l, u)
    fixed = (u <= 0) | (l >= 0)
    a_chord = np.where(u <= 0, s, np.where(l >= 0, 1.0, chord_a))
    b_chord = np.where(fixed, 0.0, chord_b)
    a_line = hinge_line_slope(s, l, u)
    zero = np.zeros_like(l)
    if s <= 1.0:
        return a_chord, b_chord, a_line, zero
    return a_line, zero, a_chord, b_chord


def hinge_slope(layer) -> float:
    """The slope below 0 of a ReLU (0) or LeakyReLU, else None."""
    if type(layer) is activations.ReLU:
        return 0.0
    if type(layer) is activations.LeakyReLU:
        return float(layer.negative_slope)
    return None


def relax(layer, l: np.ndarray, u: np.ndarray) -> Lines:
    """(aU, bU, aL, bL), each like l: lines bounding the activation ``layer`` on [l, u]."""
    cls = type(layer)
    if cls is activations.Identity:
        one, zero = np.ones_like(l), np.zeros_like(l)
        return one, zero, one, zero
    s = hinge_slope(layer)
    if s is not None:
        lines = relax_hinge(s, l, u)
    elif cls is activations.Softplus:
        aU, bU = chord(layer.forward, l, u)
        aL, bL = tangent(cls, 0.5 * (l + u))
        lines = (aU, bU, aL, bL)
    else:
        lines = relax_s_shaped(cls, l, u)
    aU, bU, aL, bL = lines
    # (almost) fixed units: the constants f(l) <= f(z) <= f(u) are exact
    # enough, and avoid dividing by a vanishing width
    flat = (u - l) <= FLAT
    if flat.any():
        lo_out, hi_out = layer.interval(l, u)
        aU, aL = np.where(flat, 0.0, aU), np.where(flat, 0.0, aL)
        bU, bL = np.where(flat, hi_out, bU), np.where(flat, lo_out, bL)
    return aU, bU, aL, bL
