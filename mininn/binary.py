r"""Best binary input: which bit string :math:`x \in \{0,1\}^k` makes output j largest?

Three methods, from sure-but-slow to fast-and-sure:

``"exhaustive"``
    Evaluates all :math:`2^k` strings, in chunks of bounded memory. The first
    ``Dense`` layer is never applied to a materialised :math:`(2^k, k)`
    input: splitting the bits into a high part (the first ``k - m`` columns)
    and a low part (the last ``m``), string number :math:`i = h\,2^m + l` has

    .. math:: x W + b = \underbrace{(x_{high} W_{high} + b)}_{H[h]}
                       + \underbrace{x_{low} W_{low}}_{L[l]},

    a sum of rows of two small tables (and when a sigmoid follows,
    :math:`e^{-(H+L)} = e^{-H} e^{-L}`: a product of two exponentiated tables,
    no exponential per string). Cost :math:`O(2^k \cdot \text{net})`, memory
    :math:`O(\text{chunk} \cdot \text{width})`; up to ``k =
    MAX_EXHAUSTIVE_BITS`` (26). About 0.05 s for :math:`2^{20}` strings
    through a 20-32-1 sigmoid net, 5 MiB.
``"local"``
    Rounds the optimum of the relaxed problem on the box :math:`[0,1]^k`
    (a few steps of projected gradient ascent, all starts at once), adds
    random strings, then climbs: each round evaluates every single-bit flip
    of every string in one forward pass and takes the best improving flip.
    Ends in a local optimum (no single flip improves); not certified.
``"exact"``
    Best-first branch and bound over the bits. A node fixes some bits and
    leaves the others free; a *sound upper bound* of the output over all its
    completions prunes it when it cannot beat the best string found so far
    (the incumbent, first found by ``"local"``). Many nodes are branched and
    bounded together in one array pass, and every child's *completion* (its
    free bits filled in) is scored as a candidate incumbent. When no open
    node is left, the incumbent is the optimum: ``certified=True``. Cost:
    from a few nodes (a planted pattern) to exponentially many; a random
    40-16-1 sigmoid net takes a few thousand nodes, 0.03 s, with ``"crown"``.

:func:`best_box_input` runs the same branch and bound over a continuous box
(splitting one coordinate at a time), certified to a tolerance, and
:func:`output_bounds` gives the bounds themselves for any boxes.

Minimising output j is maximising :math:`-z_j`; the result's ``upper_bound``
is then a *lower* bound on the minimum.

Bit order everywhere: column 0 is the most significant bit, so string number
i (as in ``mininn.datasets.all_bit_strings``) has :math:`x_j = \lfloor i /
2^{k-1-j} \rfloor \bmod 2`.

Bounds
------
``bound="interval"`` pushes the box through each layer's ``interval``: for
``Dense``, :math:`y \in [cW + b - r|W|,\ cW + b + r|W|]` with centre c and
radius r of the input box (a negative weight pairs the upper bound with the
lower end of its input); a monotone activation maps :math:`[l, u]` to
:math:`[f(l), f(u)]`.

``bound="crown"`` (linear bounds, as in CROWN / DeepPoly) replaces each
activation by two lines :math:`\alpha_L z + \beta_L \le f(z) \le \alpha_U z +
\beta_U` valid on its input interval :math:`[l, u]` (chords on convex or
concave pieces, tangents elsewhere), then substitutes backwards from the
output to the input, keeping for every coefficient the line that bounds in
the right direction. The output is then bounded by a linear function
:math:`a^T x + c` whose maximum over the box is exact. Intermediate layers
get their bounds the same way (and the tighter of interval and linear bound
is kept at every layer). It costs a few times more per node but prunes far
more: on random 20-16-1 sigmoid nets 40-150 nodes against 45,000-135,000
with ``"interval"``. The coefficients ``a`` also choose the bit to branch on
(largest :math:`|a_i|`) and a completion of each node (free bit :math:`x_i =
[a_i > 0]`, the maximiser of the linear bound).

A trailing monotone activation (the output sigmoid, say) is peeled off and
the search runs on the pre-activation ("logit") of output j: the same
maximiser, and no ties where :math:`\sigma` rounds to exactly 1.0.

Soundness is that of floating-point arithmetic: bounds are computed in
float64 without directed rounding, so they hold up to rounding errors of
order :math:`10^{-15}` relative, far below the default tolerance.

Speed note: the bounds are many small matrix products. On a machine whose
cores are busy, a multi-threaded BLAS can make them several times slower;
``OPENBLAS_NUM_THREADS=1`` (or threadpoolctl) avoids that.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from . import activations
from ._validation import (SeedLike, as_float_array, check_choice, check_int, check_positive,
                          make_rng)
from .layers import Dense, Layer
from .network import Sequential

__all__ = ["BinarySearchResult", "BoxSearchResult", "best_binary_input", "best_box_input",
           "exhaustive_values", "output_bounds",
           "METHODS", "BOUNDS", "MAX_EXHAUSTIVE_BITS"]

#: Search methods of :func:`best_binary_input`.
METHODS = ("exact", "exhaustive", "local")
#: Bounding methods of the branch and bound and of :func:`output_bounds`.
BOUNDS = ("auto", "crown", "interval")
#: Largest k that ``"exhaustive"`` accepts (2**26 = 67 million strings, seconds).
MAX_EXHAUSTIVE_BITS = 26
#: Largest k for which :func:`exhaustive_values` returns all 2**k values (128 MiB).
MAX_VALUES_BITS = 24

# The built-in activations are elementwise and non-decreasing: the ones that
# may be peeled off the output and relaxed by lines.
_MONOTONE = tuple(activations.ACTIVATIONS.values())


@dataclass
class BinarySearchResult:
    r"""What :func:`best_binary_input` found.

    Attributes
    ----------
    x : ndarray (k,)
        The best bit string found, entries 0.0/1.0, column 0 the most
        significant bit.
    value : float
        Output j of the network at ``x`` (a plain forward pass).
    method : str
        ``"exhaustive"``, ``"local"`` or ``"exact"``.
    upper_bound : float
        A sound bound on the optimum in the search direction: for
        ``maximize=True`` no binary input gives an output above it; for
        ``maximize=False`` no binary input gives an output below it (it is a
        *lower* bound then; the name follows the default direction).
        Exhaustive: equals ``value``. Local: the bound over the whole cube
        from ``output_bounds``. Exact: the largest bound of a node left open
        or pruned.
    certified : bool
        ``gap <= tol``: ``value`` is proved optimal to within ``tol``.
    gap : float
        ``|upper_bound - value|`` (0 when certified exactly).
    nodes : int
        Branch-and-bound nodes bounded (root included); 0 for the others.
    evaluated : int
        Forward evaluations of single bit strings (relaxation steps
        excluded).
    seconds : float
        Wall-clock time.
    stop_reason : str
        ``"enumerated"`` (exhaustive), ``"local_optimum"`` (local),
        ``"proved"`` (exact, no open node left or bound met),
        ``"max_nodes"`` / ``"time_limit"`` (exact, budget used up).
    goal : str
        ``"max"`` or ``"min"``.
    output : int
        The output unit j.
    """

    x: np.ndarray
    value: float
    method: str
    upper_bound: float
    certified: bool
    gap: float
    nodes: int
    evaluated: int
    seconds: float
    stop_reason: str
    goal: str = "max"
    output: int = 0

    @property
    def bound(self) -> float:
        """Alias of ``upper_bound`` that reads right for minimisation too."""
        return self.upper_bound

    def __repr__(self) -> str:
        bits = "".join(str(int(b)) for b in self.x)
        return (f"BinarySearchResult(x={bits}, value={self.value:.6g}, method={self.method!r}, "
                f"bound={self.upper_bound:.6g}, certified={self.certified}, gap={self.gap:.3g}, "
                f"nodes={self.nodes}, evaluated={self.evaluated}, seconds={self.seconds:.3g}, "
                f"stop_reason={self.stop_reason!r})")


@dataclass(repr=False)
class BoxSearchResult(BinarySearchResult):
    """What :func:`best_box_input` found: the same fields as
    :class:`BinarySearchResult`, but ``x`` is a real point of the box and
    ``method`` is ``"box"``."""

    def __repr__(self) -> str:
        point = np.array2string(self.x, precision=4, separator=", ")
        return (f"BoxSearchResult(x={point}, value={self.value:.6g}, bound={self.upper_bound:.6g}, "
                f"certified={self.certified}, gap={self.gap:.3g}, nodes={self.nodes}, "
                f"seconds={self.seconds:.3g}, stop_reason={self.stop_reason!r})")


# --------------------------------------------------------------------------
# The problem: the network cut into a scored body and a monotone tail
# --------------------------------------------------------------------------
class _Pick:
    """Column j of a custom last layer, times a sign (used only when the
    layer before the tail is not a ``Dense``)."""

    def __init__(self, column: int, sign: float) -> None:
        self.column, self.sign = column, sign
        self.params, self.grads = {}, {}

    def forward(self, y):
        self._width = y.shape[1]
        return self.sign * y[:, self.column:self.column + 1]

    def backward(self, dy):
        dx = np.zeros((dy.shape[0], self._width))
        dx[:, self.column] = self.sign * dy[:, 0]
        return dx

    def interval(self, lo, hi):
        lo, hi = lo[:, self.column:self.column + 1], hi[:, self.column:self.column + 1]
        return (lo, hi) if self.sign > 0 else (-hi, -lo)


def _copy_layer(layer):
    """A private twin sharing the parameters, so that the search never
    overwrites the caches (``_x``, ``_a``) of the caller's network."""
    if type(layer) is Dense:
        twin = Dense(layer.n_in, layer.n_out, init="xavier", seed=0)
        twin.params = layer.params   # the same arrays: read only here
        twin.grads = {}
        return twin
    if type(layer) in _MONOTONE:
        return type(layer)(**layer.config())
    return layer  # a custom layer: used as is


def _can_bound(layer) -> bool:
    """Does the layer implement ``interval`` (not just inherit Layer's stub)?"""
    method = getattr(type(layer), "interval", None)
    return callable(method) and method is not Layer.interval


class _Problem:
    r"""Maximise the score :math:`s \cdot z_j(x)` over bit strings.

    ``z_j`` is output j *before* the network's trailing monotone activations
    (``tail``) and ``s = +1`` (maximise) or ``-1`` (minimise), so the search
    always maximises. ``layers`` computes the score as an ``(n, 1)`` array:
    the network's layers up to its last ``Dense``, whose weights are cut to
    the column ``s * W[:, j]`` (bias ``s * b[j]``).
    """

    def __init__(self, net: Sequential, output: int, maximize: bool) -> None:
        layers = list(net.layers)
        n_tail = 0
        while n_tail < len(layers) - 1 and type(layers[-1 - n_tail]) in _MONOTONE:
            n_tail += 1
        core = layers[:len(layers) - n_tail]
        self.tail = [_copy_layer(layer) for layer in layers[len(layers) - n_tail:]]
        self.sign = 1.0 if maximize else -1.0
        self.output = output
        self.k = net.n_inputs
        last = core[-1]
        body = [_copy_layer(layer) for layer in core[:-1]]
        if type(last) is Dense:
            column = Dense(last.n_in, 1, init="xavier", seed=0)
            W, b = last.params["W"], last.params["b"]
            column.params = {"W": self.sign * W[:, output:output + 1],
                             "b": self.sign * b[output:output + 1]}
            column.grads = {}
            self.layers = body + [column]
            # scored with a 1-d weight vector: a matrix-vector product, which
            # BLAS does fast, where an (n, m) @ (m, 1) product goes through
            # the (threaded) matrix-matrix path and can be 50x slower
            self.body = body
            self.column = (column.params["W"][:, 0].copy(), float(column.params["b"][0]))
        else:
            self.layers = body + [_copy_layer(last), _Pick(output, self.sign)]
            self.body, self.column = self.layers, None
        self.linear_ok = all(type(layer) is Dense or type(layer) in _MONOTONE
                             for layer in self.layers)
        self.has_interval = all(_can_bound(layer) for layer in self.layers)

    # scores -------------------------------------------------------------
    def score(self, X: np.ndarray) -> np.ndarray:
        """Score of each row of X: (n, k) -> (n,)."""
        return self.finish(X, self.body)

    def finish(self, Z: np.ndarray, layers) -> np.ndarray:
        """Push Z through ``layers`` (a tail of ``body``), then the column: (n,)."""
        for layer in layers:
            Z = layer.forward(Z)
        if self.column is None:
            return Z[:, 0]
        w, b = self.column
        return Z @ w + b

    def score_gradient(self, X: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(score (n,), d score / dX (n, k)) by the network's own backward."""
        Y, G = Sequential(self.layers)._input_gradient(X, 0)
        return Y[:, 0], G

    def to_output(self, score) -> np.ndarray:
        """Map scores back to output j: ``tail(s * score)`` (monotone in s*score)."""
        z = (self.sign * np.asarray(score, dtype=np.float64)).reshape(-1, 1)
        for layer in self.tail:
            z = layer.forward(z)
        return z[:, 0]


# --------------------------------------------------------------------------
# Linear relaxations of the monotone activations on [l, u]
# --------------------------------------------------------------------------
def _sigmoid_d(z):
    s = activations.sigmoid(z)
    return s * (1.0 - s)


def _tanh_d(z):
    t = np.tanh(z)
    return 1.0 - t * t


# f and f' of the S-shaped activations (convex for z < 0, concave for z > 0)
_S_SHAPED = {activations.Sigmoid: (activations.sigmoid, _sigmoid_d),
             activations.Tanh: (np.tanh, _tanh_d)}

_FLAT = 1e-9  # below this interval width an activation is bounded by constants

# Tangent points of the S-shaped activations, tabulated once (see
# _tangent_point). Grid of l over [_GRID_LO, 0].
_GRID_LO, _GRID_N = -40.0, 8192
_TABLES: dict = {}


def _chord(f, l, u):
    fl, fu = f(l), f(u)
    slope = (fu - fl) / np.where(u - l > 0, u - l, 1.0)
    return slope, fl - slope * l


def _tangent(f, df, d):
    slope = df(d)
    return slope, f(d) - slope * d


def _tangent_table(f, df) -> np.ndarray:
    r"""d*(g) on the grid g_i = _GRID_LO + i * step, rounded up.

    d*(l) >= 0 is where the tangent of f passes through (l, f(l)), l <= 0:
    the root of :math:`h(d) = f(d) - f(l) - f'(d)(d - l)`, which increases
    in d on d >= 0. 80 bisection steps on all grid points at once; the upper
    end of the bracket (h >= 0) is kept, so every entry is >= the root.
    """
    key = f
    if key not in _TABLES:
        g = np.linspace(_GRID_LO, 0.0, _GRID_N + 1)
        lo_d, hi_d = np.zeros_like(g), np.full_like(g, 2.0 * -_GRID_LO + 10.0)
        fg = f(g)
        for _ in range(80):
            d = 0.5 * (lo_d + hi_d)
            above = f(d) - df(d) * (d - g) >= fg
            hi_d = np.where(above, d, hi_d)
            lo_d = np.where(above, lo_d, d)
        _TABLES[key] = hi_d
    return _TABLES[key]


def _tangent_point(f, df, l, u):
    r"""A tangent point d in [d*(l), u] for the upper line across 0.

    d*(l) decreases as l rises (the steeper the tangent, the closer to 0),
    so the table entry at the grid point just below l is >= d*(l): taking
    min(that, u) keeps the tangent above (l, f(l)). Any d in [d*(l), u] is
    valid when the chord is not (then h(u) > 0); below the grid d = u.
    The result is checked, and d = u used wherever the check fails.
    """
    table = _tangent_table(f, df)
    step = -_GRID_LO / _GRID_N
    i = np.floor((l - _GRID_LO) / step).astype(np.int64) - 1   # one cell of slack for rounding
    inside = i >= 0
    d = np.where(inside, table[np.clip(i, 0, _GRID_N)], u)
    d = np.minimum(d, u)
    bad = f(d) - df(d) * (d - l) < f(l)
    return np.where(bad, u, d)


def _relax_s_shaped(f, df, l, u):
    """Lines (aU, bU, aL, bL) with aL z + bL <= f(z) <= aU z + bU on [l, u].

    For sigmoid and tanh: convex for z < 0, concave for z > 0, and
    point-symmetric about (0, f(0)).

    Convex piece (u <= 0): chord above, tangent at the midpoint below.
    Concave piece (l >= 0): tangent at the midpoint above, chord below.
    Across 0: the chord bounds from above iff f'(u) >= its slope k;
    otherwise the upper line is the tangent at a point d in [d*(l), u],
    where the tangent at d* passes through (l, f(l)) (any such d gives a
    line above f(l), hence above f on all of [l, u]). By the point symmetry
    the lower line is the mirror image: chord iff f'(l) >= k, else the
    tangent at -d with d in [d*(-u), -l].
    """
    aU, bU = _chord(f, l, u)
    aL, bL = aU.copy(), bU.copy()
    mid = 0.5 * (l + u)
    tU, cU = _tangent(f, df, mid)
    convex = u <= 0
    concave = l >= 0
    aL = np.where(convex, tU, aL)
    bL = np.where(convex, cU, bL)
    aU = np.where(concave, tU, aU)
    bU = np.where(concave, cU, bU)
    cross = ~(convex | concave)
    if cross.any():
        lc, uc = l[cross], u[cross]
        k = aU[cross]  # the chord slope there
        need = df(uc) < k
        sU, iU = _tangent(f, df, _tangent_point(f, df, lc, uc))
        a_up = np.where(need, sU, k)
        b_up = np.where(need, iU, bU[cross])
        need = df(lc) < k
        sL, iL = _tangent(f, df, -_tangent_point(f, df, -uc, -lc))
        a_lo = np.where(need, sL, k)
        b_lo = np.where(need, iL, bL[cross])
        aU[cross], bU[cross], aL[cross], bL[cross] = a_up, b_up, a_lo, b_lo
    return aU, bU, aL, bL


def _relax_hinge(slope_neg, l, u):
    """Lines for f(z) = z (z > 0), slope_neg * z (z <= 0): ReLU, LeakyReLU.

    Convex when slope_neg <= 1: the chord is above, and below is the line
    through 0 with slope 1 or slope_neg, whichever matches the longer side
    exactly. Concave when slope_neg > 1: the same with the roles swapped.
    """
    s = slope_neg
    f = lambda z: np.where(z > 0, z, s * z)  # noqa: E731
    chord_a, chord_b = _chord(f, l, u)
    adaptive = np.where(u >= -l, 1.0, s)
    zero = np.zeros_like(l)
    a_chord = np.where(u <= 0, s, np.where(l >= 0, 1.0, chord_a))
    b_chord = np.where((u <= 0) | (l >= 0), zero, chord_b)
    a_line = np.where(u <= 0, s, np.where(l >= 0, 1.0, adaptive))
    if s <= 1.0:
        return a_chord, b_chord, a_line, zero
    return a_line, zero, a_chord, b_chord


def _relax(layer, l, u):
    """(aU, bU, aL, bL), each like l: lines bounding ``layer`` on [l, u]."""
    cls = type(layer)
    if cls is activations.Identity:
        one = np.ones_like(l)
        return one, np.zeros_like(l), one, np.zeros_like(l)
    if cls is activations.ReLU:
        lines = _relax_hinge(0.0, l, u)
    elif cls is activations.LeakyReLU:
        lines = _relax_hinge(layer.negative_slope, l, u)
    elif cls is activations.Softplus:
        # convex: chord above, tangent at the midpoint below
        aU, bU = _chord(activations.softplus, l, u)
        aL, bL = _tangent(activations.softplus, activations.sigmoid, 0.5 * (l + u))
        lines = (aU, bU, aL, bL)
    else:
        f, df = _S_SHAPED[cls]
        lines = _relax_s_shaped(f, df, l, u)
    aU, bU, aL, bL = lines
    # (almost) fixed neurons: constants f(l) <= f(z) <= f(u) are exact enough
    # and avoid dividing by a vanishing width
    flat = (u - l) <= _FLAT
    if flat.any():
        lo_out, hi_out = layer.interval(l, u)
        aU = np.where(flat, 0.0, aU)
        aL = np.where(flat, 0.0, aL)
        bU = np.where(flat, hi_out, bU)
        bL = np.where(flat, lo_out, bL)
    return aU, bU, aL, bL


# --------------------------------------------------------------------------
# Bounds of the score over boxes
# --------------------------------------------------------------------------
def _interval_upper(layers, lo, hi) -> np.ndarray:
    for layer in layers:
        lo, hi = layer.interval(lo, hi)
    return hi[:, 0]


def _back_substitute(layers, relax, top, lam, const, centre, radius):
    """Upper bounds of ``lam . y_top + const`` over the input box.

    lam: (B or 1, R, width of layer ``top``'s output), const: (B or 1, R).
    Walks from layer ``top`` down to the input; returns (upper (B, R),
    input coefficients (B, R, k)).
    """
    for i in range(top, -1, -1):
        layer = layers[i]
        if type(layer) is Dense:
            W, b = layer.params["W"], layer.params["b"]
            const = const + lam @ b
            lam = lam @ W.T
        else:
            aU, bU, aL, bL = relax[i]                   # each (B, n)
            pos = np.maximum(lam, 0.0)
            neg = np.minimum(lam, 0.0)
            const = const + (pos * bU[:, None, :] + neg * bL[:, None, :]).sum(axis=2)
            lam = pos * aU[:, None, :] + neg * aL[:, None, :]
    # max over the box of lam . x = lam . centre + |lam| . radius
    upper = (const + (lam @ centre[:, :, None])[:, :, 0]
             + (np.abs(lam) @ radius[:, :, None])[:, :, 0])
    return upper, lam


def _crown_upper(layers, lo, hi) -> Tuple[np.ndarray, np.ndarray]:
    """Linear (CROWN/DeepPoly) upper bound of the score over each box.

    lo, hi: (B, k). Returns (upper (B,), input coefficients a (B, k)) with
    score(x) <= a . x + c for every x in the box.
    """
    centre, radius = 0.5 * (lo + hi), 0.5 * (hi - lo)
    relax: List = [None] * len(layers)
    l, u = lo, hi
    for i, layer in enumerate(layers):
        l_next, u_next = layer.interval(l, u)
        if type(layer) is Dense:
            # the first layer's interval is already exact; the last one is
            # bounded by the final substitution below
            if 0 < i < len(layers) - 1:
                n = layer.n_out
                eye = np.eye(n)
                lam = np.concatenate([eye, -eye])[None]          # (1, 2n, n)
                upper, _ = _back_substitute(layers, relax, i, lam, np.zeros((1, 2 * n)),
                                            centre, radius)
                l_next = np.maximum(l_next, -upper[:, n:])
                u_next = np.minimum(u_next, upper[:, :n])
        else:
            relax[i] = _relax(layer, l, u)
        l, u = l_next, u_next
    top = len(layers) - 1
    upper, lam = _back_substitute(layers, relax, top, np.ones((1, 1, 1)), np.zeros((1, 1)),
                                  centre, radius)
    return np.minimum(upper[:, 0], u[:, 0]), lam[:, 0, :]


def _bound(problem: _Problem, lo, hi, method: str):
    """(upper bound of the score (B,), input coefficients (B, k) or None)."""
    if method == "crown":
        return _crown_upper(problem.layers, lo, hi)
    return _interval_upper(problem.layers, lo, hi), None


def _resolve_bound(problem: _Problem, bound: str) -> str:
    if not problem.has_interval:
        missing = [type(layer).__name__ for layer in problem.layers if not _can_bound(layer)]
        raise ValueError(
            f"the exact search needs every layer to offer interval(lo, hi); "
            f"{', '.join(missing)} does not (use method='local' or 'exhaustive')")
    if bound == "auto":
        return "crown" if problem.linear_ok else "interval"
    if bound == "crown" and not problem.linear_ok:
        custom = [type(layer).__name__ for layer in problem.layers
                  if not (type(layer) is Dense or type(layer) in _MONOTONE)]
        raise ValueError(
            f"bound='crown' needs Dense layers and built-in activations only; the network "
            f"has {', '.join(custom)} (use bound='interval')")
    return bound


# --------------------------------------------------------------------------
# Exhaustive enumeration
# --------------------------------------------------------------------------
def _bits(index: np.ndarray, k: int) -> np.ndarray:
    """Rows of bits (MSB first) of the integers ``index``: (n,) -> (n, k)."""
    shifts = np.arange(k - 1, -1, -1, dtype=np.int64)
    return ((index[:, None] >> shifts) & 1).astype(np.float64)


def _auto_chunk(problem: _Problem) -> int:
    """Strings per chunk: about 2**18 numbers in the widest layer's output.

    That is 2 MiB per array -- cache friendly, and below the size at which
    OpenBLAS splits a matrix-vector product over threads (which costs more
    than it gains when the cores are busy).
    """
    width = max([getattr(layer, "n_out", 1) for layer in problem.layers] + [1])
    return max(256, 1 << max(0, (1 << 18) // width).bit_length() - 1)


def _enumerate_scores(problem: _Problem, chunk_size: Optional[int]):
    """Yield (start, scores of strings start .. start + len - 1), chunk by chunk."""
    if chunk_size is None:
        chunk_size = _auto_chunk(problem)
    k = problem.k
    n = 1 << k
    layers = problem.layers
    first = layers[0]
    if type(first) is not Dense:
        for start in range(0, n, chunk_size):
            index = np.arange(start, min(start + chunk_size, n), dtype=np.int64)
            yield start, problem.score(_bits(index, k))
        return
    # z = H[i >> m] + L[i & (2^m - 1)]: two tables instead of a (2^k, k) input
    m = min(k, 12)
    W, b = first.params["W"], first.params["b"]
    H = _bits(np.arange(1 << (k - m), dtype=np.int64), k - m) @ W[:k - m] + b
    L = _bits(np.arange(1 << m, dtype=np.int64), m) @ W[k - m:]
    rest = list(problem.body[1:])
    if not problem.body:
        # the first Dense is the scored column itself: z is already the score
        H, L, rest = H[:, :1], L[:, :1], None
    # Sigmoid right after the first layer: exp(-(H + L)) = exp(-H) exp(-L),
    # so no exponential is taken per string (half the time at k = 20).
    fast_sigmoid = (rest is not None and len(rest) > 0 and type(rest[0]) is activations.Sigmoid
                    and np.abs(H).max() < 300 and np.abs(L).max() < 300)
    if fast_sigmoid:
        H, L = np.exp(-H), np.exp(-L)
        rest = rest[1:]
    low_mask = (1 << m) - 1
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        index = np.arange(start, stop, dtype=np.int64)
        if start % (1 << m) == 0 and stop % (1 << m) == 0:
            # whole blocks of the low table: broadcast instead of gathering
            h = H[start >> m:stop >> m]
            z = (h[:, None, :] * L[None] if fast_sigmoid else h[:, None, :] + L[None])
            z = z.reshape(stop - start, -1)
        else:
            z = H[index >> m]
            if fast_sigmoid:
                z *= L[index & low_mask]
            else:
                z += L[index & low_mask]
        if fast_sigmoid:
            z += 1.0
            np.reciprocal(z, out=z)
        yield start, (z[:, 0] if rest is None else problem.finish(z, rest))


def _exhaustive(problem: _Problem, chunk_size: Optional[int]):
    best_score, best_index = -np.inf, 0
    for start, scores in _enumerate_scores(problem, chunk_size):
        i = int(np.argmax(scores))
        if scores[i] > best_score:
            best_score, best_index = float(scores[i]), start + i
    return _bits(np.array([best_index], dtype=np.int64), problem.k)[0]


# --------------------------------------------------------------------------
# Local search
# --------------------------------------------------------------------------
_RELAX_STEPS = 40


def _ascend(problem: _Problem, X: np.ndarray, lo: np.ndarray, hi: np.ndarray,
            steps: int) -> np.ndarray:
    """Projected gradient ascent of the score in the box [lo, hi], all rows at once.

    Each step moves coordinate i by at most ``step * (hi_i - lo_i)`` (the
    gradient scaled by its largest entry, then clipped into the box), with
    ``step`` shrinking geometrically from 0.25: no learning rate to tune to
    the network's scale.
    """
    width = hi - lo
    step = 0.25
    decay = 0.02 ** (1.0 / max(steps, 1))        # the last step is 2% of the first
    for _ in range(steps):
        _, G = problem.score_gradient(X)
        G = G * width
        scale = np.abs(G).max(axis=1, keepdims=True)
        X = np.clip(X + step * width * G / np.where(scale > 0, scale, 1.0), lo, hi)
        step *= decay
    return X


def _relaxed_starts(problem: _Problem, rng: np.random.Generator, n: int) -> np.ndarray:
    """Round the ends of projected gradient ascent on [0, 1]^k: (n, k) 0/1.

    Start 0 is the centre of the cube, the others uniform.
    """
    k = problem.k
    X = rng.random((n, k))
    X[0] = 0.5
    X = _ascend(problem, X, np.zeros(k), np.ones(k), _RELAX_STEPS)
    return (X > 0.5).astype(np.float64)


_FLIP_BLOCK = 1 << 22  # numbers per block of neighbours (32 MiB)


def _flip_scores(problem: _Problem, A: np.ndarray) -> np.ndarray:
    """Scores of all single-bit flips of every row of A: (a, k) -> (a, k).

    Entry (r, c) scores A[r] with bit c flipped. When the first layer is a
    ``Dense``, its output for a flip is an update, not a product:
    :math:`z' = z + (1 - 2x_c) W_c` (row c of W), so no (a * k, k) matrix of
    neighbours is ever formed. Rows go in blocks of bounded memory.
    """
    a, k = A.shape
    first = problem.layers[0]
    if type(first) is not Dense:
        width = k
    else:
        W, b = first.params["W"], first.params["b"]
        width = W.shape[1]
    block = max(1, _FLIP_BLOCK // (k * max(width, 1)))
    out = np.empty((a, k))
    for start in range(0, a, block):
        R = A[start:start + block]
        m = R.shape[0]
        if type(first) is not Dense:
            flips = np.repeat(R, k, axis=0)            # row r*k + c = R[r] with bit c flipped
            rows = np.arange(m * k)
            cols = np.tile(np.arange(k), m)
            flips[rows, cols] = 1.0 - flips[rows, cols]
            s = problem.score(flips)
        else:
            z = R @ W + b                                              # (m, width)
            z = (z[:, None, :] + (1.0 - 2.0 * R)[:, :, None] * W[None]).reshape(m * k, width)
            if problem.body:
                s = problem.finish(z, problem.body[1:])
            else:
                s = z[:, 0]                             # the first Dense is the scored column
        out[start:start + m] = s.reshape(m, k)
    return out


def _hill_climb(problem: _Problem, X: np.ndarray) -> Tuple[np.ndarray, np.ndarray, int]:
    """Best-improvement bit-flip ascent of every row of X at once.

    Each round scores all k single-flip neighbours of every still-improving
    row in one pass (``_flip_scores``) and takes each row's best flip. A flip
    is taken only if it raises the score by more than a few ulps (so
    rounding noise cannot make two strings swap forever). Returns (X,
    scores, evaluations).
    """
    X = X.copy()
    n, k = X.shape
    scores = problem.score(X)
    evaluated = n
    active = np.arange(n)
    while active.size:
        s = _flip_scores(problem, X[active])
        evaluated += s.size
        best_col = np.argmax(s, axis=1)
        best = s[np.arange(active.size), best_col]
        current = scores[active]
        better = best > current + 4 * np.finfo(float).eps * np.maximum(1.0, np.abs(current))
        moved = active[better]
        X[moved, best_col[better]] = 1.0 - X[moved, best_col[better]]
        scores[moved] = best[better]
        active = moved
    return X, scores, evaluated


def _local(problem: _Problem, rng: np.random.Generator, restarts: int):
    """Best (x, score, evaluations) over ``restarts`` relaxed-and-rounded plus
    ``restarts`` random starts, each climbed to a local optimum."""
    starts = np.concatenate([_relaxed_starts(problem, rng, restarts),
                             rng.integers(0, 2, size=(restarts, problem.k)).astype(np.float64)])
    X, scores, evaluated = _hill_climb(problem, starts)
    i = int(np.argmax(scores))
    return X[i], float(scores[i]), evaluated


# --------------------------------------------------------------------------
# Branch and bound
# --------------------------------------------------------------------------
_FREE = -1  # node state of a free bit (the others hold 0 or 1)
# Open nodes of the binary search are popped best first up to this many,
# depth first beyond (memory stays small; see _OpenList).
_BEST_FIRST_LIMIT = 1 << 16


class _OpenList:
    """The open nodes of a branch and bound, in growable arrays.

    Each node has a bound ``ub`` and named fields (rows of arrays, e.g. the
    bit states, or the box corners). While at most ``best_first_limit``
    nodes are open, ``pop`` returns those with the largest bounds (best
    first: the global bound falls fastest, which is what a budget-limited
    run reports). Beyond that it returns the most recently pushed, deepest
    nodes (depth first): their subtrees finish quickly, which keeps memory
    from growing with the open list. Boxes use ``None`` (always best
    first): their subtrees never finish by themselves.
    """

    def __init__(self, best_first_limit: Optional[int], capacity: int = 4096) -> None:
        self.ub = np.empty(capacity)
        self.fields: dict = {}
        self.n = 0
        self.best_first_limit = np.inf if best_first_limit is None else best_first_limit

    def _arrays(self):
        return [self.ub, *self.fields.values()]

    def push(self, ub, fields: dict) -> None:
        m = ub.size
        need = self.n + m
        if not self.fields:
            self.fields = {name: np.empty((self.ub.size,) + a.shape[1:], dtype=a.dtype)
                           for name, a in fields.items()}
        if need > self.ub.size:
            size = max(need, 2 * self.ub.size)
            grown = {}
            for name, old in [("ub", self.ub), *self.fields.items()]:
                new = np.empty((size,) + old.shape[1:], dtype=old.dtype)
                new[:self.n] = old[:self.n]
                grown[name] = new
            self.ub = grown.pop("ub")
            self.fields = grown
        self.ub[self.n:need] = ub
        for name, a in fields.items():
            self.fields[name][self.n:need] = a
        self.n = need

    def pop(self, take: int):
        """(bounds (m,), fields {name: (m, ...)}) of up to ``take`` nodes."""
        n = self.n
        take = min(take, n)
        if take < n and n <= self.best_first_limit:
            # move the `take` largest bounds into the last `take` slots
            chosen = np.argpartition(self.ub[:n], n - take)[n - take:]
            tail = np.zeros(n, dtype=bool)
            tail[n - take:] = True
            picked = np.zeros(n, dtype=bool)
            picked[chosen] = True
            src = np.flatnonzero(picked & ~tail)     # chosen, outside the tail
            dst = np.flatnonzero(tail & ~picked)     # tail slots not chosen
            for arr in self._arrays():
                moving = arr[src].copy()
                arr[src] = arr[dst]
                arr[dst] = moving
        self.n = n - take
        return (self.ub[self.n:n].copy(),
                {name: a[self.n:n].copy() for name, a in self.fields.items()})

    def prune(self, threshold: float) -> float:
        """Drop nodes with bound <= threshold; return the largest dropped bound."""
        n = self.n
        keep = self.ub[:n] > threshold
        if keep.all():
            return -np.inf
        dropped = float(self.ub[:n][~keep].max())
        m = int(keep.sum())
        for arr in self._arrays():
            arr[:m] = arr[:n][keep]
        self.n = m
        return dropped

    def max_ub(self) -> float:
        return float(self.ub[:self.n].max()) if self.n else -np.inf


def _branch_and_bound(problem: _Problem, x_best, best, root: dict, assess, branch,
                      max_nodes, time_limit, batch_size, tol, t0,
                      best_first_limit: Optional[int] = None):
    """Best-first branch and bound, many nodes per step. Maximises the score.

    ``assess(nodes) -> (ub (m,), nodes with their branching choice,
    candidates (m * c, k), open_ (m,))``: sound upper bounds of the score
    over each node, points to try as incumbents, and which nodes still need
    branching (a closed node's bound counts as a pruned one).
    ``branch(nodes) -> children`` (2 per parent, parents stacked twice).

    Returns (x_best, best, upper, nodes, evaluated, stop_reason), where
    ``upper`` bounds the score of every point: the largest bound of a node
    left open or discarded, or ``best``.
    """
    evaluated = 0
    nodes = 0
    pruned_max = -np.inf            # largest bound of a node discarded so far
    pool = _OpenList(best_first_limit)

    def gap_closed(upper, best):
        """The bound met the incumbent on the *output* (after the tail):
        e.g. a sigmoid that rounds to 1.0 at both."""
        ends = problem.to_output([upper, best])
        return abs(ends[0] - ends[1]) <= tol

    def expand(children, parent_ub):
        nonlocal best, x_best, nodes, evaluated, pruned_max
        ub, children, candidates, open_ = assess(children)
        # a parent's bound holds on its children's smaller sets too, and
        # linear bounds are not monotone under splitting: keep the smaller
        ub = np.minimum(ub, parent_ub)
        nodes += ub.size
        # candidates (a binary leaf is its own) may improve the incumbent
        s = problem.score(candidates)
        evaluated += s.size
        i = int(np.argmax(s))
        if s[i] > best:
            best, x_best = float(s[i]), candidates[i].copy()
            pruned_max = max(pruned_max, pool.prune(best + tol))
        # closed nodes are done; hopeless ones too
        done = ~open_ | (ub <= best + tol)
        if done.any():
            pruned_max = max(pruned_max, float(ub[done].max()))
        keep = ~done
        pool.push(ub[keep], {name: a[keep] for name, a in children.items()})

    expand(root, np.inf)
    stop_reason = "proved"
    while pool.n:
        if gap_closed(max(best, pruned_max, pool.max_ub()), best):
            break
        if max_nodes is not None and nodes >= max_nodes:
            stop_reason = "max_nodes"
            break
        if time_limit is not None and time.perf_counter() - t0 >= time_limit:
            stop_reason = "time_limit"
            break
        # at least 1/32 of the open nodes per step, so that choosing the
        # best ones (O(open nodes)) costs O(1) per node however many are open
        take = max(batch_size, pool.n // 32)
        if max_nodes is not None:
            take = max(1, min(take, (max_nodes - nodes) // 2))
        parent_ub, parents = pool.pop(take)
        alive = parent_ub > best + tol           # the incumbent may have risen since the push
        if not alive.all():
            pruned_max = max(pruned_max, float(parent_ub[~alive].max()))
            parents = {name: a[alive] for name, a in parents.items()}
            parent_ub = parent_ub[alive]
            if not alive.any():
                continue
        expand(branch(parents), np.concatenate([parent_ub, parent_ub]))
    upper = max(best, pruned_max, pool.max_ub())
    return x_best, best, upper, nodes, evaluated, stop_reason


def _branch_order(problem: _Problem) -> np.ndarray:
    """Input influence for interval bounds: the total |weight| of all paths
    from each input to the score, (k,)."""
    weight = np.ones((1, 1))
    for layer in reversed(problem.layers):
        if type(layer) is Dense:
            weight = np.abs(layer.params["W"]) @ weight
    return weight[:, 0] if weight.shape[0] == problem.k else np.ones(problem.k)


def _exact(problem: _Problem, rng, restarts, max_nodes, time_limit, batch_size, tol, bound,
           t0):
    """Branch and bound over the bits (see the module docstring)."""
    k = problem.k
    x_best, best, evaluated = _local(problem, rng, restarts)
    order = np.argsort(-_branch_order(problem), kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)

    def assess(nodes):
        """Bound nodes; pick each one's branching bit and completion."""
        states = nodes["states"]
        free = states == _FREE
        lo = (states == 1).astype(np.float64)
        hi = np.where(free, 1.0, lo)
        ub, coef = _bound(problem, lo, hi, bound)
        if coef is not None:
            # branch on the free bit that moves the linear bound most, and
            # complete with the bound's own maximiser
            bit = np.argmax(np.where(free, np.abs(coef), -1.0), axis=1)
            guess = (coef > 0).astype(np.float64)
        else:
            # the static order; complete with the local search's best string
            bit = np.argmin(np.where(free, rank, k), axis=1)
            guess = np.broadcast_to(x_best, states.shape)
        completion = np.where(free, guess, lo)
        return ub, {"states": states, "bit": bit}, completion, free.any(axis=1)

    def branch(parents):
        states, bit = parents["states"], parents["bit"]
        m = bit.size
        children = np.concatenate([states, states])
        children[np.arange(2 * m), np.concatenate([bit, bit])] = np.repeat(
            np.array([0, 1], dtype=np.int8), m)
        return {"states": children}

    root = {"states": np.full((1, k), _FREE, dtype=np.int8)}
    x, score, upper, nodes, n_eval, stop_reason = _branch_and_bound(
        problem, x_best, best, root, assess, branch, max_nodes, time_limit, batch_size,
        tol, t0, best_first_limit=_BEST_FIRST_LIMIT)
    return x, score, upper, nodes, evaluated + n_eval, stop_reason


def _box(problem: _Problem, lo, hi, rng, restarts, max_nodes, time_limit, batch_size, tol,
         bound, t0):
    """Branch and bound over the continuous box [lo, hi] (see best_box_input)."""
    k = problem.k
    X = lo + (hi - lo) * rng.random((restarts, k))
    X[0] = 0.5 * (lo + hi)
    X = _ascend(problem, X, lo, hi, 100)
    scores = problem.score(X)
    i = int(np.argmax(scores))
    x_best, best = X[i].copy(), float(scores[i])
    influence = _branch_order(problem)
    scale = float(np.max(hi - lo))

    def assess(nodes):
        """Bound boxes; split each along its most influential coordinate;
        try the bound's maximising corner and the centre."""
        blo, bhi = nodes["lo"], nodes["hi"]
        width = bhi - blo
        ub, coef = _bound(problem, blo, bhi, bound)
        if coef is None:
            weight = np.broadcast_to(influence, width.shape)
        else:
            # the linear bound's coefficients, plus a tenth of the static
            # influence: a coordinate whose coefficient happens to vanish
            # (its slack sits in a relaxed neuron) still gets split, so every
            # side shrinks and the bound converges
            weight = np.abs(coef)
            weight = weight + 0.1 * influence * (weight.sum(axis=1, keepdims=True)
                                                 / max(float(influence.sum()), 1e-300))
        strength = width * weight
        # (all coefficients zero: split the widest side)
        strength = np.where(strength.max(axis=1, keepdims=True) > 0, strength, width)
        split = np.argmax(strength, axis=1)
        corner = np.where(coef > 0, bhi, blo) if coef is not None else blo
        candidates = np.concatenate([0.5 * (blo + bhi), corner])
        # a box narrower than ~1e-13 of the original cannot usefully be split
        open_ = width.max(axis=1) > 1e-13 * scale
        return ub, {"lo": blo, "hi": bhi, "split": split}, candidates, open_

    def branch(parents):
        blo, bhi, split = parents["lo"], parents["hi"], parents["split"]
        m = split.size
        rows = np.arange(m)
        mid = 0.5 * (blo[rows, split] + bhi[rows, split])
        left_hi, right_lo = bhi.copy(), blo.copy()
        left_hi[rows, split] = mid
        right_lo[rows, split] = mid
        return {"lo": np.concatenate([blo, right_lo]), "hi": np.concatenate([left_hi, bhi])}

    root = {"lo": lo[None].copy(), "hi": hi[None].copy()}
    x, score, upper, nodes, n_eval, stop_reason = _branch_and_bound(
        problem, x_best, best, root, assess, branch, max_nodes, time_limit, batch_size,
        tol, t0)
    return x, score, upper, nodes, restarts + n_eval, stop_reason


# --------------------------------------------------------------------------
# Public entries
# --------------------------------------------------------------------------
def _check_net(net) -> None:
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be a mininn.Sequential, got {type(net).__name__}")
    if net.n_inputs is None:
        raise ValueError(
            "net has no input size information (no Dense layer gives n_in); the binary "
            "search needs to know k, the number of input bits")


def _check_output_index(net, output) -> int:
    output = check_int(output, "output")
    n_out = net.n_outputs
    if not 0 <= output < n_out:
        raise ValueError(f"output must be an index in 0..{n_out - 1} "
                         f"(the network has {n_out} outputs), got {output}")
    return output


def _check_search_options(maximize, bound, restarts, max_nodes, time_limit, batch_size):
    """Validate the options shared by the bit and box searches; return the checked numbers."""
    if not isinstance(maximize, (bool, np.bool_)):
        raise TypeError(f"maximize must be True or False, got {maximize!r}")
    check_choice(bound, "bound", BOUNDS)
    restarts = check_int(restarts, "restarts", minimum=1)
    if max_nodes is not None:
        max_nodes = check_int(max_nodes, "max_nodes", minimum=1)
    if time_limit is not None:
        time_limit = check_positive(time_limit, "time_limit")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    return restarts, max_nodes, time_limit, batch_size


def best_binary_input(net: Sequential, output: int = 0, method: str = "exact", *,
                      maximize: bool = True, bound: str = "auto", restarts: int = 16,
                      max_nodes: Optional[int] = 10_000_000,
                      time_limit: Optional[float] = None, batch_size: int = 512,
                      chunk_size: Optional[int] = None, tol: float = 1e-12,
                      seed: SeedLike = 0) -> BinarySearchResult:
    r"""The bit string :math:`x \in \{0,1\}^k` that maximises (or minimises) output j.

    Parameters
    ----------
    net : Sequential
        A network with ``k = net.n_inputs`` inputs.
    output : int
        The output unit j, ``0 <= j < net.n_outputs``.
    method : {"exact", "exhaustive", "local"}
        See the module docstring: certified branch and bound, enumeration of
        all :math:`2^k` strings (``k <= MAX_EXHAUSTIVE_BITS``), or rounding
        plus bit-flip hill climbing (fast, not certified).
    maximize : bool
        False minimises output j instead.
    bound : {"auto", "crown", "interval"}
        Bounds of the branch and bound (``"exact"`` only; ``"local"`` uses
        it for its reported ``upper_bound``). ``"auto"`` is ``"crown"`` when
        the network holds only ``Dense`` and built-in activations, else
        ``"interval"``.
    restarts : int
        ``"local"`` (and the first incumbent of ``"exact"``) climbs from
        ``restarts`` rounded relaxed optima and ``restarts`` random strings.
    max_nodes : int or None
        ``"exact"``: stop after bounding about this many nodes (None: no
        limit); the result is then ``certified=False`` unless the gap closed.
    time_limit : float or None
        ``"exact"``: stop after this many seconds (checked between batches).
    batch_size : int
        ``"exact"``: open nodes branched and bounded together per step.
    chunk_size : int or None
        ``"exhaustive"``: strings scored per chunk (memory is
        ``O(chunk_size * width)``); None picks about ``2**18 / width``
        (8192 strings for a width-32 layer, 2 MiB per array).
    tol : float
        Absolute tolerance (>= 0) on the search's objective, the
        pre-activation of output j: nodes whose bound is within ``tol`` of
        the incumbent are pruned, so a certified value is optimal to within
        ``tol`` (and ``certified`` means ``gap <= tol`` on the output).
    seed : None, int or numpy.random.Generator
        Random starts of ``"local"`` / ``"exact"``.

    Returns
    -------
    BinarySearchResult
        ``x`` (k,), ``value`` = output j at x, ``upper_bound`` (a lower bound
        when minimising), ``certified``, ``gap``, ``nodes``, ``evaluated``,
        ``seconds``, ``stop_reason``.

    Raises
    ------
    TypeError, ValueError
        For a non-network, a network without a ``Dense`` layer (unknown k),
        an output index out of range, an unknown method or bound, k too large
        for ``"exhaustive"``, non-positive budgets or sizes.

    Notes
    -----
    Costs: exhaustive :math:`2^k` forward evaluations (0.05 s for k = 20 on
    a 20-32-1 net); local ``O(restarts * k * rounds)`` evaluations; exact
    anywhere between ``k`` nodes (a network whose bounds are tight, like a
    planted pattern) and exponentially many (bounds can be loose).
    """
    t0 = time.perf_counter()
    _check_net(net)
    output = _check_output_index(net, output)
    check_choice(method, "method", METHODS)
    restarts, max_nodes, time_limit, batch_size = _check_search_options(
        maximize, bound, restarts, max_nodes, time_limit, batch_size)
    if chunk_size is not None:
        chunk_size = check_int(chunk_size, "chunk_size", minimum=1)
    tol = check_positive(tol, "tol", allow_zero=True)
    rng = make_rng(seed)
    k = net.n_inputs
    if method == "exhaustive" and k > MAX_EXHAUSTIVE_BITS:
        raise ValueError(
            f"method='exhaustive' enumerates 2**k strings and accepts k <= {MAX_EXHAUSTIVE_BITS}; "
            f"this network has k = {k} inputs (2**{k} strings). Use method='exact' "
            f"(certified branch and bound) or method='local' (fast, not certified)")
    problem = _Problem(net, output, bool(maximize))

    nodes = 0
    if method == "exhaustive":
        x = _exhaustive(problem, chunk_size)
        evaluated = 1 << k
        upper_score, stop_reason = None, "enumerated"
    elif method == "local":
        x, _, evaluated = _local(problem, rng, restarts)
        kind = _resolve_bound(problem, bound) if problem.has_interval else None
        if kind is None:
            upper_score = np.inf
        else:
            upper_score = float(_bound(problem, np.zeros((1, k)), np.ones((1, k)), kind)[0][0])
        stop_reason = "local_optimum"
    else:
        kind = _resolve_bound(problem, bound)
        x, _, upper_score, nodes, evaluated, stop_reason = _exact(
            problem, rng, restarts, max_nodes, time_limit, batch_size, tol, kind, t0)
    return _finish(BinarySearchResult, net, problem, x, upper_score, method, nodes, evaluated,
                   stop_reason, tol, t0)


def _finish(cls, net, problem: _Problem, x, upper_score, method, nodes, evaluated,
            stop_reason, tol, t0):
    """The result object: value by a plain forward pass, the bound on the output."""
    maximize = problem.sign > 0
    # a plain forward pass, through twins of the layers (caches untouched)
    twin = Sequential([_copy_layer(layer) for layer in net.layers])
    value = float(twin._forward(x[None, :])[0, problem.output])
    if upper_score is None:
        bound_value = value
    else:
        bound_value = float(problem.to_output([upper_score])[0])
        # the bound can never be on the wrong side of a value that was reached
        bound_value = max(bound_value, value) if maximize else min(bound_value, value)
    gap = abs(bound_value - value)
    certified = bool(gap <= tol) and bool(np.isfinite(bound_value))
    if stop_reason in ("max_nodes", "time_limit") and certified:
        stop_reason = "proved"
    return cls(x=x, value=value, method=method, upper_bound=bound_value, certified=certified,
               gap=gap, nodes=nodes, evaluated=evaluated, seconds=time.perf_counter() - t0,
               stop_reason=stop_reason, goal="max" if maximize else "min",
               output=problem.output)


def best_box_input(net: Sequential, lo=0.0, hi=1.0, output: int = 0, *,
                   maximize: bool = True, bound: str = "auto", tol: float = 1e-6,
                   restarts: int = 16, max_nodes: Optional[int] = 1_000_000,
                   time_limit: Optional[float] = None, batch_size: int = 256,
                   seed: SeedLike = 0) -> BoxSearchResult:
    r"""The point of the box :math:`lo \le x \le hi` that maximises (or minimises)
    output j, certified to within ``tol`` by branch and bound.

    The box is split in two along one coordinate at a time (the one whose
    linear-bound coefficient times side length is largest), each part is
    bounded as in the binary search, and the centre and the bound's
    maximising corner of every part are tried as incumbents (the first one
    comes from projected gradient ascent from ``restarts`` starts). Unlike
    gradient ascent, the answer is global: no point of the box does better
    than ``value + tol`` when ``certified``.

    Parameters
    ----------
    net : Sequential
    lo, hi : float or array-like (k,)
        The box; ``lo < hi`` in every coordinate.
    output : int
        The output unit j.
    maximize : bool
        False minimises.
    bound : {"auto", "crown", "interval"}
        As in :func:`best_binary_input`. Interval bounds shrink only linearly
        with the box and need far more nodes: use them for custom layers.
    tol : float
        Absolute tolerance (> 0) on the pre-activation of output j (and on
        the output): the search stops when the bound is within ``tol`` of the
        best value found. The linear bounds' error shrinks with the square of
        the box size, so halving ``tol`` costs little.
    restarts, max_nodes, time_limit, batch_size, seed
        As in :func:`best_binary_input`.

    Returns
    -------
    BoxSearchResult
        ``x`` (k,) real, ``value``, ``upper_bound`` (a lower bound when
        minimising), ``certified``, ``gap``, ``nodes``, ...
        ``method`` is ``"box"``.

    Notes
    -----
    Cost grows quickly with k (a box has :math:`2^k` corners' worth of
    room to hide a maximum): a few thousand nodes for k = 2 to 5, more for
    larger k, and more when the network is sharp (large weights).
    """
    t0 = time.perf_counter()
    _check_net(net)
    output = _check_output_index(net, output)
    tol = check_positive(tol, "tol")
    restarts, max_nodes, time_limit, batch_size = _check_search_options(
        maximize, bound, restarts, max_nodes, time_limit, batch_size)
    rng = make_rng(seed)
    k = net.n_inputs
    lo, hi = _check_box(lo, hi, k, strict=True)
    lo, hi = lo[0], hi[0]
    problem = _Problem(net, output, bool(maximize))
    kind = _resolve_bound(problem, bound)
    x, _, upper_score, nodes, evaluated, stop_reason = _box(
        problem, lo, hi, rng, restarts, max_nodes, time_limit, batch_size, tol, kind, t0)
    return _finish(BoxSearchResult, net, problem, x, upper_score, "box", nodes, evaluated,
                   stop_reason, tol, t0)


def _check_box(lo, hi, k: int, strict: bool):
    """lo, hi as (n, k) float arrays (scalars and (k,) broadcast), lo <= hi
    (or lo < hi with ``strict``)."""
    lo = np.atleast_2d(as_float_array(lo, "lo"))
    hi = np.atleast_2d(as_float_array(hi, "hi"))
    for name, arr in (("lo", lo), ("hi", hi)):
        if arr.ndim != 2 or arr.shape[1] not in (1, k):
            raise ValueError(f"{name} must be a number or have shape ({k},) or (n, {k}) "
                             f"for a network with k = {k} inputs, got shape {arr.shape}")
    try:
        shape = np.broadcast_shapes(lo.shape, hi.shape, (1, k))
    except ValueError:
        raise ValueError(f"lo and hi must have matching shapes, got {lo.shape} and {hi.shape}") \
            from None
    lo, hi = np.broadcast_to(lo, shape).copy(), np.broadcast_to(hi, shape).copy()
    bad = lo >= hi if strict else lo > hi
    if bad.any():
        i = np.argwhere(bad)[0]
        relation = "<" if strict else "<="
        raise ValueError(f"lo must be {relation} hi in every coordinate, got lo = {lo[tuple(i)]!r} "
                         f"and hi = {hi[tuple(i)]!r} at {tuple(int(v) for v in i)} "
                         f"({int(bad.sum())} places)")
    return lo, hi


def exhaustive_values(net: Sequential, output: int = 0,
                      chunk_size: Optional[int] = None) -> np.ndarray:
    r"""Output j at every bit string, in counting order: (2**k,).

    Entry i is :math:`f_j(x^{(i)})` with :math:`x^{(i)}_c = \lfloor i / 2^{k-1-c}
    \rfloor \bmod 2` (column 0 the most significant bit), as in
    ``mininn.datasets.all_bit_strings(k)``. Chunked like ``"exhaustive"``
    (the first layer from two small tables); ``k <= MAX_VALUES_BITS``.
    """
    _check_net(net)
    output = _check_output_index(net, output)
    if chunk_size is not None:
        chunk_size = check_int(chunk_size, "chunk_size", minimum=1)
    k = net.n_inputs
    if k > MAX_VALUES_BITS:
        raise ValueError(f"exhaustive_values returns 2**k values and accepts k <= "
                         f"{MAX_VALUES_BITS}; this network has k = {k} inputs. Use "
                         f"best_binary_input(net, method='exact') for the best string")
    problem = _Problem(net, output, True)
    values = np.empty(1 << k)
    for start, scores in _enumerate_scores(problem, chunk_size):
        values[start:start + scores.size] = problem.to_output(scores)
    return values


def output_bounds(net: Sequential, lo, hi, output: int = 0,
                  bound: str = "crown") -> Tuple[np.ndarray, np.ndarray]:
    r"""Sound bounds of output j over boxes: lower <= f_j(x) <= upper for lo <= x <= hi.

    Parameters
    ----------
    lo, hi : float, array-like (k,) or (n, k)
        Box corners (any real box, not only sub-cubes of {0,1}^k), lo <= hi;
        scalars and (k,) rows broadcast.
    output : int
        The output unit j.
    bound : {"crown", "interval", "auto"}
        Interval arithmetic through each layer's ``interval``, or linear
        (CROWN) bounds, see the module docstring.

    Returns
    -------
    lower, upper : ndarray (n,) (or floats' arrays of shape (1,) for 1-d input)
    """
    _check_net(net)
    output = _check_output_index(net, output)
    check_choice(bound, "bound", BOUNDS)
    lo, hi = _check_box(lo, hi, net.n_inputs, strict=False)
    up_problem = _Problem(net, output, True)
    down_problem = _Problem(net, output, False)
    kind = _resolve_bound(up_problem, bound)
    upper = up_problem.to_output(_bound(up_problem, lo, hi, kind)[0])
    lower = down_problem.to_output(_bound(down_problem, lo, hi, kind)[0])
    return lower, upper
