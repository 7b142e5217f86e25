r"""The verdict on one array: analytic against numeric values, entry by entry.

Errors are measured per entry as

.. math::
    \mathrm{rel}_i = \frac{|a_i - n_i|}{\max(|a_i| + |n_i|,\ \mathrm{tiny}_i)},
    \qquad \mathrm{tiny}_i = \delta_i / \mathrm{RTOL},

with ``a`` analytic, ``n`` numeric and :math:`\delta_i` the round-off of the
numeric value (``noise.py``, divided by the step). An entry smaller than
``tiny`` cannot be resolved relatively and is judged by its absolute error
against :math:`\delta_i`; without that floor, an entry that is zero up to
round-off would fail at random.

Four verdicts per row (``GradCheckRow.status``):

* ``pass`` -- every entry agrees;
* ``kink`` -- some perturbations cross a kink, and there the analytic value
  lies between the one-sided slopes (a valid subgradient);
* ``uncertain`` -- finite differences cannot tell: no entry of the row is
  large enough for its round-off to allow even a 1 % verdict (all are below
  100 :math:`\delta_i`), or a perturbation crosses several kinks at
  once (where the chain rule with ReLU'(0) = 0 need not lie between the
  one-sided slopes of the whole function);
* ``FAIL`` -- an entry disagrees beyond round-off (the engine then asks for
  a second opinion before it keeps the FAIL).
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from .kinks import KINK_SLACK
from .precision import SMALLEST
from .report import RTOL, GradCheckRow

RESOLUTION_HINT = ("To check it, move to less extreme inputs (smaller logits, unsaturated "
                   "units, a larger loss) or use the complex step "
                   "(check_layer(..., method='complex'), exact to round-off)")


def join_notes(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def compare(name: str, analytic, numeric, noise, rtol: float,
            crossed: Optional[np.ndarray] = None, bracket=None, several=None,
            index_of: Optional[Callable[[int], Optional[tuple]]] = None,
            size: Optional[int] = None, mode: str = "full", note: str = "",
            kink_example: str = "") -> GradCheckRow:
    r"""Compare analytic with numeric values (1-d, same length) and make a row.

    ``noise`` (scalar or per entry) is the round-off of each numeric value.
    Entries whose perturbation ``crossed`` a kink are compared with the
    interval ``bracket = (left, right)`` of one-sided slopes instead: they
    pass when ``a`` lies inside it (plus ``KINK_SLACK`` relative and the
    round-off), and their "numeric" value is the point of the interval
    nearest to ``a``; ``several`` marks crossings of more than one kink at
    once, which cannot be judged that way.
    """
    a = np.asarray(analytic, dtype=np.float64).reshape(-1)
    n = np.array(numeric, dtype=np.float64).reshape(-1)
    size = a.size if size is None else size
    if a.size == 0:
        return GradCheckRow(name, "pass", 0.0, 0.0, None, 0.0, 0.0, 0, size, mode, note)
    noise = np.broadcast_to(np.asarray(noise, dtype=np.float64), a.shape)
    tiny = np.maximum(noise / RTOL, SMALLEST)
    crossed = np.zeros(a.shape, dtype=bool) if crossed is None else np.asarray(crossed, bool)
    several = np.zeros(a.shape, dtype=bool) if several is None else np.asarray(several, bool)
    inside = np.zeros(a.shape, dtype=bool)
    if crossed.any():
        lo, hi = np.minimum(*bracket), np.maximum(*bracket)
        # a one-sided slope divides the round-off by h, not 2h
        slack = KINK_SLACK * (np.abs(lo) + np.abs(hi)) + 2 * noise
        inside = crossed & (a >= lo - slack) & (a <= hi + slack)
        n = np.where(crossed, np.clip(a, lo, hi), n)
    with np.errstate(invalid="ignore", over="ignore"):
        abs_err = np.abs(a - n)
        scale = np.abs(a) + np.abs(n)
        rel = abs_err / np.maximum(scale, tiny)
    rel = np.where(np.isfinite(rel), rel, np.inf)
    abs_err = np.where(np.isfinite(abs_err), abs_err, np.inf)
    smooth = ~crossed
    bad = (smooth & ~(rel < rtol)) | (crossed & ~inside & ~several)
    undecided = crossed & ~inside & several
    # resolved: large enough for the round-off to allow a 1 % verdict (the "probably wrong" line)
    resolved = smooth & (scale >= 100 * noise)
    unresolved = smooth & ~resolved & (abs_err > 0)
    if bad.any():
        status, worst = "FAIL", int(np.argmax(np.where(bad, rel, -1.0)))
    elif undecided.any():
        status, worst = "uncertain", int(np.argmax(np.where(undecided, abs_err, -1.0)))
    elif unresolved.any() and not resolved.any():
        status, worst = "uncertain", int(np.argmax(abs_err))
    else:
        status = "kink" if crossed.any() else "pass"
        worst = int(np.argmax(rel))
    if not np.all(np.isfinite(a)):
        note = join_notes(note, "the analytic gradient holds NaN or inf")
    if crossed.any():
        note = join_notes(note, _kink_note(crossed, inside, several, a.size, kink_example,
                                           failed=bool(bad.any())))
    if status == "uncertain" and not undecided.any():
        note = join_notes(note, (
            f"cannot tell: every entry (largest |analytic| {float(np.max(np.abs(a))):.1e}) is "
            f"too small for central differences here, whose round-off is about "
            f"{float(np.max(noise)):.1e} (the round-off of f, from the size of the terms it is "
            f"computed from, divided by the step); analytic and numeric agree within it. "
            f"{RESOLUTION_HINT}"))
    index = index_of(worst) if index_of is not None else (worst,)
    return GradCheckRow(name, status, float(abs_err[worst]), float(rel[worst]), index,
                        float(a[worst]), float(n[worst]), int(a.size), size, mode, note,
                        kinks=bool(crossed.any()))


def _kink_note(crossed, inside, several, size: int, example: str, failed: bool = False) -> str:
    """What the kinks did to the verdict; a failed row's note never sounds like a pass."""
    count = int(crossed.sum())
    head = f"kink: {count} of {size} perturbations cross a kink (e.g. {example})"
    outside = crossed & ~inside
    if not outside.any() and failed:
        return (f"{head}; there the analytic value lies between the one-sided slopes, so the "
                "kinks were considered and do not explain the error: it is at entries whose "
                "perturbation crosses no kink")
    if not outside.any():
        return (f"{head}; there the analytic value lies between the one-sided slopes, and at a "
                "kink any value between them is a valid subgradient: accepted")
    if (outside & several).any() and not (outside & ~several).any():
        return (f"{head}; {int((outside & several).sum())} of them cross several kinks at once, "
                "where the chain rule (with ReLU'(0) = 0) need not lie between the one-sided "
                "slopes of the whole function: cannot tell there. To check it, move the inputs "
                "off the kinks (nonzero biases, inputs away from 0)")
    return f"{head}; at some of them the analytic value lies OUTSIDE the one-sided slopes: wrong"
