r"""What a node of the binary search knows without branching: fixed bits, narrower intervals.

Three rules, applied by :mod:`mininn.search.binary`: :func:`propagate`
(the bits that the split units force), :func:`fix_bits` (reduced-cost
fixing: what the linear bound and the incumbent imply) and
:func:`implied_intervals` (how a split of one unit narrows the input
interval of every other).

**Propagation.**
A node of the binary search is a sub-cube (some bits fixed) together with
split units of the first hidden layer: unit j fixed active,
:math:`z_j(x) = x \cdot W_{:, j} + b_j \ge 0`, or inactive, :math:`z_j(x) \le 0`
(sign :math:`\sigma_j = +1` or :math:`-1`). Over the sub-cube,

.. math:: \max z_j = c_j + \sum_{i\ \mathrm{free}} \max(W_{ij}, 0),
          \qquad \min z_j = c_j + \sum_{i\ \mathrm{free}} \min(W_{ij}, 0),

with :math:`c_j` the part of fixed bits and bias. For an active unit the
*slack* is :math:`\max z_j`; a free bit whose wrong value lowers
:math:`\max z_j` by :math:`|W_{ij}|` more than the slack cannot take that
value, so it is fixed to :math:`[W_{ij} > 0]` (for an inactive unit, with
slack :math:`-\min z_j`, to :math:`[W_{ij} < 0]`). A negative slack, or a
bit forced both ways, means that no bit string of the sub-cube satisfies
the node's constraints: the node is *empty* and can be closed. Fixing bits
lowers other units' slacks, so the rule may be repeated (``ROUNDS``; one
by default: on the benchmark's networks a second round fixes few more bits
than it costs, and the children are propagated again anyway).

Every step is a logical consequence of the node's constraints, so the node
keeps exactly the same bit strings (up to a tolerance that only ever makes
the rule fix fewer bits). This is what a MILP solver's node presolve does for
the big-M encoding; here it costs a few array operations per batch of nodes.
Memory: O(B (k + H)) per round, plus one (pairs, k) array for the pairs
(node, unit) whose slack is small enough to force a bit.

**Implied intervals.**
A split narrows the split unit's own interval to one side of 0, but it
also restricts x, and with it every other unit of the first layer. How
far is a linear program with one constraint: the largest :math:`z_j` over
the cube with unit m split,

.. math:: \max_{x \in [0,1]^k} W_{:,j} \cdot x + b_j
          \quad \text{s.t.} \quad \sigma_m (W_{:,m} \cdot x + b_m) \ge 0,

is a *fractional knapsack*. Start at the cube's best point
:math:`x^*_i = [W_{ij} > 0]`. If it satisfies the split, that is the
answer; otherwise the split is short by some :math:`\delta > 0`. Moving bit
i away from :math:`x^*_i` gains :math:`g_i = \sigma_m W_{im} (1 - 2x^*_i)`
on the split's side (useful when :math:`g_i > 0`) and costs
:math:`|W_{ij}|` of the objective; taking the moves in increasing order of
cost per gain, the last one in part, until :math:`\delta` is covered gives
the exact maximum (the greedy solution of the fractional knapsack), and the
smallest :math:`z_j` likewise. The LP holds every bit string of the cube
that satisfies the split, so its bounds are sound. The table of all
(split, unit) pairs, H x 2 x H intervals, is filled in as units are split
(:class:`ImpliedTable`). The search keeps each node's intervals
(2 floats per splittable unit), and a child of a unit split intersects its
parent's with one row of the table: the rows of all its splits together
are a weaker but cheap stand-in for one LP with all of them at once.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

#: Rounds of propagation per node (each may fix bits that enable the next).
ROUNDS = 1
#: A search stops propagating after this many nodes if it changed fewer than
#: this fraction of them (it costs about a bound's time).
PROPAGATION_TRIAL, PROPAGATION_RATE = 20_000, 0.01


def propagate(W: np.ndarray, b: np.ndarray, states: np.ndarray, sigma: np.ndarray,
              rounds: int = ROUNDS) -> Tuple[np.ndarray, np.ndarray]:
    """Fix the bits that the split units of the first layer force.

    Parameters
    ----------
    W, b : (k, H), (H,)
        The first affine step.
    states : (B, k) int8
        -1 for a free bit, else its value 0 or 1.
    sigma : (B, H)
        +1 active, -1 inactive, 0 free (the first layer's units only).

    Returns
    -------
    states : (B, k) int8
        A copy with the forced bits fixed.
    empty : (B,) bool
        Nodes that no bit string satisfies.
    """
    states = states.copy()
    empty = np.zeros(states.shape[0], dtype=bool)
    rows = np.flatnonzero((sigma != 0).any(axis=1))
    if rows.size == 0:
        return states, empty
    k, H = W.shape
    absW = np.abs(W)
    largest = absW.max(axis=0)                                    # (H,)
    tol = 1e-10 * (1.0 + np.abs(b) + absW.sum(axis=0))
    # one product gives both ends: [fixed values, free] @ [[W, W], [W+, W-]]
    ends = np.block([[W, W], [np.maximum(W, 0.0), np.minimum(W, 0.0)]])
    for _ in range(rounds):
        st, sg = states[rows], np.sign(sigma[rows])
        free = st < 0
        z = np.concatenate([np.where(free, 0, st), free], axis=1) @ ends
        top, bottom = z[:, :H] + b, z[:, H:] + b
        slack = np.where(sg > 0, top, np.where(sg < 0, -bottom, np.inf))
        empty[rows] |= (slack < -tol).any(axis=1)
        # only a unit whose slack is below its largest weight can force a bit
        r, j = np.nonzero(slack + tol < largest)
        if r.size == 0:
            break
        force = absW[:, j].T > (slack[r, j] + tol[j])[:, None]      # (pairs, k)
        side = sg[r, j][:, None] * W[:, j].T
        one = np.zeros(free.shape, dtype=bool)
        zero = np.zeros(free.shape, dtype=bool)
        p, i = np.nonzero(force & (side > 0))
        one[r[p], i] = True
        p, i = np.nonzero(force & (side < 0))
        zero[r[p], i] = True
        one &= free
        zero &= free
        empty[rows] |= (one & zero).any(axis=1)
        moved = (one | zero).any(axis=1)
        if not moved.any():
            break
        states[rows] = np.where(one, 1, np.where(zero, 0, st)).astype(np.int8)
        rows = rows[moved]           # only nodes that changed can force more
    return states, empty


class Propagation:
    """:func:`propagate` for one search: the first affine step (W, b) and the
    columns ``part`` of its units among the splittable ones. Where splits
    hardly ever force a bit (small weights), it stops trying after
    ``PROPAGATION_TRIAL`` nodes and returns the states as they are."""

    def __init__(self, W: np.ndarray, b: np.ndarray, part: slice) -> None:
        self.W, self.b, self.part = W, b, part
        self.tried = self.forced = 0
        self.active = True

    def __call__(self, states: np.ndarray, sigma: np.ndarray):
        """(states (B, k), empty (B,) bool or None) for split signs sigma (B, N)."""
        if not self.active:
            return states, None
        new, empty = propagate(self.W, self.b, states, sigma[:, self.part])
        self.tried += states.shape[0]
        self.forced += int(((new != states).any(axis=1) | empty).sum())
        if self.tried >= PROPAGATION_TRIAL and self.forced < PROPAGATION_RATE * self.tried:
            self.active = False
        return new, empty


def fix_bits(states: np.ndarray, free: np.ndarray, linear: np.ndarray, coef: np.ndarray,
             closed) -> Tuple[np.ndarray, np.ndarray]:
    r"""Reduced-cost fixing: fix the free bits whose other value cannot win.

    A node's linear bound :math:`s(x) \le a^T x + c` reaches its maximum
    ``linear`` over the sub-cube with :math:`x_i = [a_i > 0]`; with bit i
    set the other way it is at most ``linear`` :math:`- |a_i|`. Where that
    is at or below the incumbent's score (``closed(u, strict=True)``), no
    string of that half beats the incumbent, so the bit is fixed to
    :math:`[a_i > 0]` -- all such bits at once, since each dropped half is
    bounded on its own. (A MILP solver does the same with the reduced costs
    of its LP relaxation.)

    states (B, k) int8 (-1 free), free (B, k) bool, linear (B,), coef (B, k).
    Returns the new (states, free).
    """
    drop = linear[:, None] - np.abs(coef)
    fix = free & closed(drop.ravel(), strict=True).reshape(free.shape)
    if not fix.any():
        return states, free
    return np.where(fix, (coef > 0).astype(np.int8), states), free & ~fix


def implied_intervals(W: np.ndarray, b: np.ndarray, units=None,
                      max_elements: int = 1 << 22) -> Tuple[np.ndarray, np.ndarray]:
    r"""Interval of every first-layer unit's input under each split of one unit.

    Parameters
    ----------
    W, b : (k, H), (H,)
        The first affine step, :math:`z = x W + b`.
    units : None or (M,) ints
        The split units m (None: all H).
    max_elements : int
        Work arrays hold about this many floats (the rows are computed a
        few split units at a time).

    Returns
    -------
    lo, hi : (M, 2, H)
        Over the cube :math:`[0, 1]^k` with unit ``units[r]`` inactive
        (``[r, 0]``, :math:`z_m \le 0`) or active (``[r, 1]``, :math:`z_m
        \ge 0`), every :math:`z_j` lies in ``[lo[r, s, j], hi[r, s, j]]``
        (the module docstring's fractional knapsack). Where no point of the
        cube satisfies the split, ``hi`` is -inf and ``lo`` +inf.
    """
    k, H = W.shape
    units = np.arange(H) if units is None else np.asarray(units, dtype=np.int64)
    lo, hi = np.empty((units.size, 2, H)), np.empty((units.size, 2, H))
    objective = np.stack([W.T, -W.T])                      # (2, H, k): largest z_j, -z_j
    top = (objective > 0).astype(np.float64)               # the cube's best points x*
    best = np.maximum(objective, 0.0).sum(axis=2) + np.stack([b, -b])    # (2, H)
    cost = np.abs(objective)
    # rounding may not make an interval too narrow: widen it by a hair
    tol = 1e-10 * (1.0 + np.abs(b) + np.abs(W).sum(axis=0))
    step = max(1, max_elements // (4 * H * k))
    for start in range(0, units.size, step):
        rows = slice(start, start + step)
        m = units[rows]
        side = np.stack([-W[:, m].T, W[:, m].T], axis=1)   # (M, 2, k): the split is
        need = np.stack([b[m], -b[m]], axis=1)             # side . x >= need  (M, 2)
        short = need[:, :, None, None] - np.einsum("msk,dhk->msdh", side, top)
        gain = side[:, :, None, None, :] * (1.0 - 2.0 * top)        # (M, 2, 2, H, k)
        useful = gain > 0
        ratio = np.where(useful, cost / np.where(useful, gain, 1.0), np.inf)
        order = np.argsort(ratio, axis=-1)
        g = np.take_along_axis(np.where(useful, gain, 0.0), order, axis=-1)
        c = np.take_along_axis(np.where(useful, cost, 0.0), order, axis=-1)
        bought = np.cumsum(g, axis=-1) - g                 # gain of the cheaper moves
        taken = np.clip((short[..., None] - bought) / np.where(g > 0, g, 1.0), 0.0, 1.0)
        value = best - np.where(short > 0, (taken * c).sum(axis=-1), 0.0)
        value = np.where(g.sum(axis=-1) < short, -np.inf, value)    # the split is empty
        hi[rows] = value[:, :, 0] + tol
        lo[rows] = -value[:, :, 1] - tol
    return lo, hi


class ImpliedTable:
    """:func:`implied_intervals` of one first layer (W, b), each row computed
    the first time its unit is split: a short search pays for few rows, a
    long one at most H (memory: 4 H^2 floats)."""

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W, self.b = W, b
        H = W.shape[1]
        self.lo, self.hi = np.empty((H, 2, H)), np.empty((H, 2, H))
        self.known = np.zeros(H, dtype=bool)

    def __call__(self, units: np.ndarray, side: np.ndarray):
        """(lo, hi), each (n, H): the rows of the split units (n,), side 0
        (inactive) or 1 (active)."""
        new = np.unique(units[~self.known[units]])
        if new.size:
            self.lo[new], self.hi[new] = implied_intervals(self.W, self.b, new)
            self.known[new] = True
        return self.lo[units, side], self.hi[units, side]
