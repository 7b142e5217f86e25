r"""Bits a node of the binary search may fix without branching.

Two rules, both applied by :mod:`mininn.search.binary` to every node it bounds:
:func:`propagate` (what the split units imply) and :func:`fix_bits`
(reduced-cost fixing: what the linear bound and the incumbent imply).

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
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

#: Rounds of propagation per node (each may fix bits that enable the next).
ROUNDS = 1


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
