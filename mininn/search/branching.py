r"""What a node of the binary branch and bound splits: a bit or a hidden unit.

Every open node offers two kinds of split (see :mod:`mininn.search.binary`):

* **a bit** :math:`x_i`, fixed to 0 in one child and 1 in the other. Its
  *promise* is :math:`|a_i|`, the size of the bit's coefficient in the
  node's linear bound :math:`a \cdot x + c`: the child whose bit goes
  against the sign of :math:`a_i` loses that much of its bound.
* **a hidden unit** j, split into :math:`z_j \le 0` and :math:`z_j \ge 0`.
  Its promise (:func:`unit_promises`) is the part of the bound its
  relaxation adds *at the witness* :math:`x^* = \arg\max a \cdot x` over
  the node (where the bound is reached): :math:`|\lambda_j|` (its output
  coefficient in the substitution) times the distance between the line
  used (the upper one where :math:`\lambda_j > 0`, else the lower one) and
  :math:`f(z_j(x^*))`. Both children lose it: in one the unit is exact at
  :math:`x^*`, the other excludes :math:`x^*`. Only a unit on its *chord*
  (the line through :math:`(l, f(l))` and :math:`(u, f(u))`: the upper line
  of ReLU and LeakyReLU, :math:`\lambda_j > 0`) promises anything. On the
  other side the line goes through 0 with an optimised slope, and with the
  best slope that side is exact in the linear program the bound solves
  (its envelope :math:`\max(z, sz)` is f itself), so a split there removes
  no relaxation (``benchmarks/README.md`` measures what such splits cost).
  The promise is divided by the unit's *preference* (``UNIT_PREFERENCE``
  for a ReLU or LeakyReLU unit, more for sigmoid and tanh units, ``inf``:
  never). The largest gap of the relaxation, at :math:`z = 0`, promises
  far too much on networks with many unstable units: most units are
  nowhere near 0 at the witness.

Promises are estimates, and how good they are depends on the network: on
some nets a unit split closes most of what its score promised, on others
(many unstable units, each a small part of the bound) it closes almost
nothing, and a tree that keeps splitting units instead of bits grows
without end. So the choice is *calibrated* by what earlier splits
achieved, the idea of pseudo-costs in integer programming solvers: for
each kind (bit, unit) the search keeps

.. math:: r = \frac{\sum \text{achieved}}{\sum \text{promised}}

over the children of all splits of that kind so far, where a child
achieved :math:`\min(U_\text{parent} - U_\text{child},\; U_\text{parent} -
s^*)`, the part of its parent's gap to the incumbent's score :math:`s^*`
it closed. A node splits its best unit when :math:`r_\text{unit}\,
\text{promise}_\text{unit} > r_\text{bit}\, \text{promise}_\text{bit}`,
else its best bit. Until ``MIN_OBSERVED`` children of a kind have been
bounded its r is 1 (the promises as they are).

:func:`children` then makes the two children of every chosen split.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

#: A hinge unit's promise is divided by this: a unit split narrows both
#: children, a bit split one of them.
UNIT_PREFERENCE = 0.5
#: The same for a sigmoid or tanh unit split at 0 (its split helps less;
#: only with ``search_bits(split_curves=True)``).
CURVE_PREFERENCE = 4.0
#: The same again for cutting a sigmoid or tanh unit's interval at its middle
#: (GenBaB-style; off by default: ``search_bits(cut_curves=False)``).
CUT_PREFERENCE = 8.0
#: Children of a kind of split bounded before its own ratio r is used.
MIN_OBSERVED = 256
#: Narrowest piece of a sigmoid or tanh input interval that is cut again.
MIN_PIECE = 1e-3

BIT, UNIT = 0, 1


def unit_promises(layers, hinges, tape, intervals, sigma: np.ndarray, witness: np.ndarray,
                  clamps=None):
    """What splitting each unit promises (B, N), and where a cut would go (B, N).

    ``layers`` the problem's steps, ``hinges`` their
    :class:`~mininn.search.optimised.Units`, ``tape`` and ``intervals`` from
    the node's bound (:func:`~mininn.search.optimised.substitute`: per
    activation step its output coefficients and lines), ``sigma`` (B, N)
    the split signs, ``witness`` (B, k) the point where each node's linear
    bound is largest. A hinge unit on its chord promises :math:`|\\lambda_j|`
    times the chord's gap at the witness (module docstring); a unit on its
    line through 0, a split or a stable unit nothing. A sigmoid or tanh unit
    promises :math:`|\\lambda_j|` times the largest distance between its two
    lines on its interval, while the interval crosses 0 unsplit or, with
    ``clamps`` (cuts at other points, GenBaB-style), is wider than
    ``MIN_PIECE``; ``points`` is then the middle of the interval (NaN: split
    at 0 by sign).
    """
    pre, z = {}, witness
    for i, step in enumerate(layers[:max(hinges.slices) + 1]):
        pre[i] = z                                 # the witness's input to step i
        z = step.forward(z)
    score = np.zeros_like(sigma)
    points = np.full_like(sigma, np.nan)
    for i, saved in tape:
        part = hinges.slices.get(i)
        if part is None or saved is None:
            continue
        lam, aU, bU, aL, bL = saved[:5]
        l, u = intervals[i]
        if hinges.slope[i] is None:
            # a curve: the largest distance between its two lines
            gap = np.maximum((aU - aL) * l + (bU - bL), (aU - aL) * u + (bU - bL))
            cross = (l < 0) & (u > 0) & (sigma[:, part] == 0)
            if clamps is None:
                gap = np.where(cross, np.maximum(gap, 0.0), 0.0)
            else:
                gap = np.where(cross | ((u - l) > MIN_PIECE), np.maximum(gap, 0.0), 0.0)
                points[:, part] = np.where(cross, np.nan, 0.5 * (l + u))
                score[:, part] = np.abs(lam) * gap
                continue
        else:
            x = pre[i]
            f = np.where(x > 0, x, hinges.slope[i] * x)
            gap = np.where(lam > 0, aU * x + bU - f, f - (aL * x + bL))
            # only the chord leaves a gap that a split removes (module docstring)
            chord = (lam > 0) if hinges.slope[i] <= 1.0 else (lam < 0)
            gap = np.where(chord & (l < 0) & (u > 0), np.maximum(gap, 0.0), 0.0)
        # a split unit is never split again (its interval is one-sided anyway)
        score[:, part] = np.where(sigma[:, part] == 0, np.abs(lam) * gap, 0.0)
    return score, points


class SplitChooser:
    """Chooses each node's split and learns how well promises come true.

    The fields it adds to a node (and its children inherit, see
    :meth:`choose`) are ``parent_ub`` (the node's bound), ``split`` (BIT or
    UNIT) and ``promised`` (the chosen split's promise); :meth:`learn`
    reads them back from the children.
    """

    def __init__(self, preference: np.ndarray) -> None:
        self.preference = np.asarray(preference, dtype=np.float64)   # (N,) per unit
        self.achieved = np.zeros(2)
        self.promised = np.zeros(2)
        self.observed = np.zeros(2, dtype=np.int64)

    def ratio(self, kind: int) -> float:
        """r of a kind: achieved over promised so far (1 until MIN_OBSERVED)."""
        if self.observed[kind] < MIN_OBSERVED or self.promised[kind] <= 0.0:
            return 1.0
        return float(self.achieved[kind] / self.promised[kind])

    def learn(self, nodes: dict, ub: np.ndarray, best: float) -> None:
        """Record what the children ``nodes`` (with bounds ``ub`` (m,)) achieved.

        ``best`` is the incumbent's score: closing a child beyond it achieves
        nothing more. The root (no ``parent_ub``) teaches nothing.
        """
        if "parent_ub" not in nodes:
            return
        parent = nodes["parent_ub"]
        with np.errstate(invalid="ignore"):      # an unbounded parent teaches nothing
            closed_part = parent - np.maximum(np.minimum(ub, parent), best)
        achieved = np.maximum(closed_part, 0.0)
        for kind in (BIT, UNIT):
            mine = (nodes["split"] == kind) & np.isfinite(parent)
            self.achieved[kind] += achieved[mine].sum()
            self.promised[kind] += nodes["promised"][mine].sum()
            self.observed[kind] += int(mine.sum())

    def choose(self, ub: np.ndarray, free: np.ndarray, coef: np.ndarray,
               unit_score: np.ndarray, cut: Optional[np.ndarray] = None) -> dict:
        """Each node's split: a bit (column < k) or a unit (k + its index).

        ub (m,) the nodes' bounds; free (m, k) their free bits; coef (m, k)
        their linear bounds' input coefficients; unit_score (m, N) the
        units' scores; ``cut`` (m, N) bool marks units that would be cut at
        a point other than 0 (their score is divided by CUT_PREFERENCE too).
        Returns the fields ``choice``, ``parent_ub``, ``split``, ``promised``.
        """
        bit_gain = np.where(free, np.abs(coef), -1.0)
        bit = np.argmax(bit_gain, axis=1)
        unit_gain = unit_score / self.preference
        if cut is not None:
            unit_gain = np.where(cut, unit_gain / CUT_PREFERENCE, unit_gain)
        unit = np.argmax(unit_gain, axis=1)
        rows = np.arange(bit.size)
        bit_gain, unit_gain = bit_gain[rows, bit], unit_gain[rows, unit]
        use_unit = self.ratio(UNIT) * unit_gain > self.ratio(BIT) * bit_gain
        k = free.shape[1]
        return {"choice": np.where(use_unit, k + unit, bit), "parent_ub": ub.astype(np.float64),
                "split": np.where(use_unit, UNIT, BIT).astype(np.int8),
                "promised": np.where(use_unit, unit_gain, np.maximum(bit_gain, 0.0))}


def children(parents: dict, k: int, hinges, table=None, pieces: bool = False) -> dict:
    """The two children of each parent node, (2m,) rows: first all "0" sides, then all "1".

    ``parents["choice"]`` (m,) is a bit (< k) or k + a splittable unit of
    ``hinges`` (:class:`~mininn.search.optimised.Units`; None: bits only).
    A bit is fixed to 0, then 1 in ``states``; a unit split sets ``sigma`` to
    -1 (inactive), then +1; with ``pieces`` a unit whose ``parents["point"]``
    is not NaN is cut there instead (``zhi``, then ``zlo``). ``table``
    (:class:`~mininn.search.implications.ImpliedTable`) narrows the other
    first-layer units' intervals after a first-layer unit split. Every other
    field is copied from the parent.
    """
    choice = parents["choice"]
    m = choice.size
    kids = {name: np.concatenate([a, a]) for name, a in parents.items()
            if name not in ("choice", "point")}
    rows = np.arange(2 * m)
    both = np.concatenate([choice, choice])
    on_bit = both < k
    kids["states"][rows[on_bit], both[on_bit]] = np.repeat(
        np.array([0, 1], dtype=np.int8), m)[on_bit]
    if hinges is None:
        return kids
    on_unit = ~on_bit
    if pieces:
        # a cut at a point: z <= point in the first child, z >= point in the second
        at = np.concatenate([parents["point"], parents["point"]])
        cut = on_unit & ~np.isnan(at)
        on_unit &= np.isnan(at)
        first_half = rows < m
        left, right = cut & first_half, cut & ~first_half
        kids["zhi"][rows[left], both[left] - k] = at[left]
        kids["zlo"][rows[right], both[right] - k] = at[right]
    kids["sigma"][rows[on_unit], both[on_unit] - k] = np.repeat(
        np.array([-1, 1], dtype=np.int8), m)[on_unit]
    if table is not None:
        # a first-layer unit split narrows the layer's intervals by its row
        part = hinges.slices[1]
        unit = both - k - part.start
        r = rows[on_unit & (unit >= 0) & (unit < part.stop - part.start)]
        side = (r >= m).astype(np.int64)            # inactive first, then active
        lo_row, hi_row = table(unit[r], side)
        kids["zlo"][r, part] = np.maximum(kids["zlo"][r, part], lo_row)
        kids["zhi"][r, part] = np.minimum(kids["zhi"][r, part], hi_row)
    return kids
