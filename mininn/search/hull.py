r"""Hull lines: bound a hidden unit by a line in *input* space, not in z.

The linear bound (:mod:`mininn.search.bounds`, :mod:`mininn.search.optimised`)
bounds an unstable hinge unit :math:`f(z)`, :math:`z = w \cdot x + b`, by a
line in z: above by the chord of f over its interval :math:`[l, u]`. As a
function of x that line is parallel to w. On a cube of many bits it is
loose: it is exact only at the two corners where z reaches l and u. With one
hidden layer and bits as inputs, a much tighter line may have any slope.

**The line.** Let :math:`f(z) = \max(s z, z)` with :math:`s \le 1` (ReLU:
s = 0), convex. For any fractions :math:`\theta_i \in [0, 1]` take the slopes

.. math:: \nu_i = (s + \theta_i (1 - s))\, w_i,

between the unit's smallest and largest slope in :math:`x_i`. The line
:math:`\nu \cdot x + m` is above :math:`f(z(x))` at every corner v of the box
:math:`lo \le x \le hi` when m is the largest gap over the corners:

.. math:: m = \max_v \big(f(z(v)) - \nu \cdot v\big)
          = \max\big(s\,b + (1 - s)\,\theta \cdot A,\;
                     b + (1 - s)(1 - \theta) \cdot C\big),

:math:`A_i = \max(-w_i lo_i, -w_i hi_i)`, :math:`C_i = \max(w_i lo_i, w_i
hi_i)`: each of the two pieces of f is linear, so its largest gap is found
bit by bit. f is convex, so the line is above it on the whole box too.
:math:`\theta_i = u / (u - l)` for every i is the chord; other θ tilt the
line towards the bits that matter. At their best, the lines of all units
of a node together give the linear programme over each unit's convex hull
(Anderson et al. 2020, *Strong mixed-integer programming formulations for
trained neural networks*; Tjandraatmadja et al. 2020, *The convex
relaxation barrier, revisited*), which the chords cannot.

**The bound.** For a score :math:`s(x) = d + \sum_j c_j f(z_j(x))` and a
node (box, split signs σ, intervals :math:`[l_j, u_j]` of the z_j): units
with :math:`l_j \ge 0` contribute :math:`c_j z_j`, units with :math:`u_j \le
0` contribute :math:`c_j s z_j`, unstable units with :math:`c_j < 0` the line
:math:`c_j \alpha_j z_j` (:math:`\alpha_j \in [s, 1]`, below f), unstable
units with :math:`c_j > 0` their hull line times :math:`c_j`, and split units
:math:`\beta_j \sigma_j z_j` (:math:`\beta_j \ge 0`; :math:`\sigma_j z_j \ge 0`
on the node). The sum is a linear function :math:`\Lambda \cdot x + e`, and

.. math:: U = e + \Lambda \cdot \text{centre} + |\Lambda| \cdot \text{radius}.

**Gradients by hand**, with :math:`g = \text{centre} + \mathrm{sign}(\Lambda)
\,\text{radius}` (the corner where the line is largest) and
:math:`\zeta_j = w_j \cdot g + b_j`: :math:`\partial U / \partial \alpha_j =
c_j \zeta_j`, :math:`\partial U / \partial \beta_j = \sigma_j \zeta_j`, and
:math:`\partial U / \partial \theta_{ji} = c_j (1 - s)\,(w_{ji} g_i + A_{ji})`
where the first piece of m is the larger, :math:`c_j (1 - s)(w_{ji} g_i -
C_{ji})` where the second is. U is minimised from the parent's θ (the
chord at the first node), α and β, by ``STEPS`` steps: projected Adam for α
and β (as in :mod:`mininn.search.optimised`), projected sign steps
:math:`\theta \leftarrow \mathrm{clip}(\theta - \eta_t\,\mathrm{sign}(\partial U
/ \partial \theta), 0, 1)`, :math:`\eta_t = \eta_0 / (t + 1)` for θ. A
sign step is Adam's first step without its moments: three passes over the
(B, q, k) array of θ instead of a dozen, and it closed the benchmark's
trees with fewer nodes (``benchmarks/README.md``).
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from .optimised import LEARNING_RATE, NodeBounds, Units, adam_step
from .problem import Affine

#: Steps per bounding call, and the first step of the fractions θ (then / (t + 1)).
STEPS, THETA_STEP = 8, 0.2


class HullBound(NamedTuple):
    """What :meth:`Hull.bound` returns for B nodes."""

    ub: np.ndarray          # (B,) U, a sound upper bound of the score over each node
    coef: np.ndarray        # (B, k) Λ: the score is at most Λ . x + e on the node
    tape: tuple             # what the gradient reads: where the first piece of m
    #                         is larger (B, q), the unstable units with c < 0 (B, H)


class Packed(NamedTuple):
    """The rising units unstable at B nodes, packed left (see :meth:`Hull.packed`)."""

    at: np.ndarray          # (B, q) positions in ``Hull.rising``
    on: np.ndarray          # (B, q) real entries (the rest is padding, c = 0)
    cW: np.ndarray          # (B, q, k) c_j (1 - s) w_j
    cA: np.ndarray          # (B, q, k) c_j (1 - s) A_j, A = max(-w lo, -w hi)
    cC: np.ndarray          # (B, q, k) c_j (1 - s) C_j, C = max(w lo, w hi)
    first: np.ndarray       # (B, q) c_j s b_j: c_j times the first piece at θ = 0
    second: np.ndarray      # (B, q) c_j (b_j + (1 - s) sum C_j): the second at θ = 0
    lam: np.ndarray         # (B, k) sum_j c_j s w_j: the slopes' part at θ = 0


class Hull:
    r"""Hull lines of a one-hidden-layer score :math:`d + \sum_j c_j f(w_j \cdot x + b_j)`.

    Built by :meth:`of` for a problem whose steps are an affine layer, a
    hinge with slope s <= 1 and an affine layer to the score. A node keeps
    fractions θ for the units with :math:`c_j > 0` only ("rising" units): an
    array (B, p, k), p = their number, NaN where none has been tuned yet.
    The bound itself works on the rising units that are unstable at the
    node, packed left: θ (B, q, k) for the units ``rising[at]`` (B, q), with
    a mask ``on`` (B, q) of the real entries.
    """

    def __init__(self, first: Affine, slope: float, last: Affine, hinges: Units) -> None:
        self.W, self.b = first.W, first.b
        self.s = slope
        self.c, self.d = last.W[:, 0], float(last.b[0])
        self.rising = np.flatnonzero(self.c > 0)
        self.alpha_cols = hinges.alpha_slices[1]
        self.beta_cols = hinges.slices[1]

    @staticmethod
    def of(layers, hinges: Units) -> Optional["Hull"]:
        """A :class:`Hull` if the steps are [Affine, hinge (s <= 1), Affine to 1 output]."""
        if (len(layers) != 3 or type(layers[0]) is not Affine or type(layers[2]) is not Affine
                or layers[2].W.shape[1] != 1):
            return None
        s = hinges.slope.get(1)
        return None if s is None or s > 1.0 else Hull(layers[0], s, layers[2], hinges)

    def empty_fractions(self, B: int, k: int) -> np.ndarray:
        """θ of B nodes that have none yet (NaN), in float16: a warm start
        needs no more precision, and each node carries p k of them."""
        return np.full((B, self.rising.size, k), np.nan, dtype=np.float16)

    def packed(self, lo, hi, intervals) -> "Packed":
        """The rising units unstable at each node (``intervals`` (l, u) (B, H)
        of the z_j), packed left, with what their lines need on the box."""
        l, u = intervals
        unstable = (l[:, self.rising] < 0) & (u[:, self.rising] > 0)
        n = unstable.sum(axis=1)
        at = np.argsort(~unstable, axis=1, kind="stable")[:, :max(int(n.max()), 1)]
        on = np.arange(at.shape[1])[None, :] < n[:, None]
        unit = self.rising[at]
        c, b, s = np.where(on, self.c[unit], 0.0), self.b[unit], self.s
        Wq = self.W.T[unit]                                      # (B, q, k)
        A = np.maximum(-Wq * lo[:, None], -Wq * hi[:, None])
        C = np.maximum(Wq * lo[:, None], Wq * hi[:, None])
        # only θ changes while a batch is tuned: w, A and C enter the bound
        # and its gradient times c_j (1 - s), so they are scaled once here
        scale = (c * (1 - s))[:, :, None]
        return Packed(at, on, scale * Wq, scale * A, scale * C,
                      c * s * b, c * b + (scale * C).sum(axis=2),
                      s * np.einsum("bq,bqk->bk", c, Wq))

    def bound(self, lo, hi, intervals, sigma, alpha, beta, theta, units: "Packed") -> HullBound:
        """U (B,) and Λ (B, k) of the nodes: box lo, hi (B, k); ``intervals``
        (l, u), sigma, alpha, beta (B, H); θ (B, q, k) of the ``units``
        (:meth:`packed`)."""
        W, b, c, s = self.W, self.b, self.c, self.s
        l, u = intervals
        # c_j times the two pieces of m_j (c_j > 0, so c_j m_j is their maximum)
        first = units.first + np.einsum("bqk,bqk->bq", theta, units.cA)
        second = units.second - np.einsum("bqk,bqk->bq", theta, units.cC)
        # every other unit has a line in z, kappa_j z_j (the rising unstable
        # ones none: their hull line replaces it)
        falling = (l < 0) & (u > 0) & (c < 0)
        kappa = c * np.where(l >= 0, 1.0, np.where(u <= 0, s, np.where(falling, alpha, 0.0)))
        kappa = kappa + beta * sigma
        lam = kappa @ W.T + units.lam + np.einsum("bqk,bqk->bk", theta, units.cW)
        e = self.d + kappa @ b + np.maximum(first, second).sum(axis=1)
        centre, radius = 0.5 * (lo + hi), 0.5 * (hi - lo)
        ub = e + (lam * centre).sum(axis=1) + (np.abs(lam) * radius).sum(axis=1)
        return HullBound(ub, lam, (first >= second, falling))

    def gradient(self, lo, hi, sigma, units: "Packed", hb: HullBound):
        """(dU/dalpha (B, H), dU/dbeta (B, H), dU/dθ (B, q, k)) at ``hb``."""
        first_wins, falling = hb.tape
        g = 0.5 * (lo + hi) + np.sign(hb.coef) * 0.5 * (hi - lo)
        zeta = g @ self.W + self.b
        d_alpha = np.where(falling, self.c * zeta, 0.0)
        d_theta = units.cW * g[:, None, :] + np.where(first_wins[:, :, None], units.cA, -units.cC)
        return d_alpha, sigma * zeta, d_theta

    def _project(self, params):
        """alpha into [s, 1], beta to >= 0, θ into [0, 1]."""
        alpha, beta, theta = params
        return [np.clip(alpha, self.s, 1.0), np.maximum(beta, 0.0),
                np.clip(theta, 0.0, 1.0, out=theta)]

    def tighten(self, lo, hi, sigma, nb: NodeBounds, theta: np.ndarray, closed=None,
                steps: int = STEPS):
        """Tune the hull lines of the nodes that ``closed(ub)`` does not close.

        lo, hi (B, k), sigma (B, H); ``nb`` the nodes' optimised linear
        bounds (:func:`~mininn.search.optimised.split_bound`), whose alpha
        and beta start the tuning; θ (B, p, k) (NaN: start at the chord).
        Returns (bounds, θ): ``nb`` with ub, coef, linear, alpha and beta
        replaced where the hull bound is lower, and the tuned θ.
        """
        todo = np.arange(lo.shape[0]) if closed is None else np.flatnonzero(~closed(nb.ub))
        if todo.size == 0 or steps <= 0:
            return nb, theta
        lo, hi, sigma = lo[todo], hi[todo], sigma[todo]
        l, u = (x[todo] for x in nb.intervals[1])
        units = self.packed(lo, hi, (l, u))
        at, on = units.at, units.on
        rows = np.arange(todo.size)[:, None]
        unit = self.rising[at]
        # a unit without fractions yet starts at its chord, θ_i = u / (u - l)
        chord = np.where(on, u[rows, unit] / np.where(on, u[rows, unit] - l[rows, unit], 1.0),
                         0.0)
        start = theta[todo[:, None], at].astype(np.float64)
        start = np.where(np.isnan(start), chord[:, :, None], start)
        params = self._project([nb.alpha[todo][:, self.alpha_cols],
                                nb.beta[todo][:, self.beta_cols], start])
        moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params[:2]]
        rates = [LEARNING_RATE, LEARNING_RATE * np.abs(self.c).mean()]
        best_ub, best_coef, best = np.full(todo.size, np.inf), np.zeros_like(lo), params
        for t in range(steps + 1):
            hb = self.bound(lo, hi, (l, u), sigma, *params, units)
            better = hb.ub < best_ub
            best_ub = np.where(better, hb.ub, best_ub)
            best_coef = np.where(better[:, None], hb.coef, best_coef)
            keep = better[:, None]
            best = [np.where(keep, params[0], best[0]), np.where(keep, params[1], best[1]),
                    np.where(keep[:, :, None], params[2], best[2])]
            if t == steps:
                break
            d_alpha, d_beta, d_theta = self.gradient(lo, hi, sigma, units, hb)
            adam_step(params[:2], (d_alpha, d_beta), moments, rates, t)
            params[2] -= THETA_STEP / (t + 1) * np.sign(d_theta)
            params = self._project(params)
        theta = theta.copy()
        node = np.broadcast_to(todo[:, None], at.shape)
        theta[node[on], at[on]] = best[2][on]
        gain = best_ub < nb.linear[todo]
        r = todo[gain]
        ub, coef, linear = nb.ub.copy(), nb.coef.copy(), nb.linear.copy()
        alpha, beta = nb.alpha.copy(), nb.beta.copy()
        ub[r] = np.minimum(ub[r], best_ub[gain])
        coef[r], linear[r] = best_coef[gain], best_ub[gain]
        alpha[r, self.alpha_cols], beta[r, self.beta_cols] = best[0][gain], best[1][gain]
        return nb._replace(ub=ub, coef=coef, linear=linear, alpha=alpha, beta=beta,
                           passes=nb.passes + todo.size * (steps + 1)), theta
