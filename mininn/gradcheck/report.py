r"""The report of a gradient check: one row per checked array, worst first.

Each row carries the verdict on one array (``compare.py``): ``pass``,
``kink``, ``uncertain`` ("cannot tell", with the reason) or ``FAIL``, and the
numbers at its worst entry: analytic, numeric, the absolute error and the
relative error :math:`|a - n| / \max(|a| + |n|, \mathrm{tiny})`. A row
passes when that relative error is below ``rtol`` (float64 default
``RTOL = 1e-7``). The bands (CS231n's rule of thumb) are printed in words
next to each row: > 1e-2 probably wrong, 1e-4 ... 1e-2 uncomfortable,
1e-7 ... 1e-4 acceptable with kinks (or in float32), < 1e-7 good.

The report has one string form, ``summary()`` (= ``str(report)``, and the
message of ``assert_ok``'s AssertionError), so a notebook prints each FAIL
once; ``_repr_html_`` shows the same table.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .._table import Tabular
from .crash import Crash

RTOL = 1e-7
"""Pass tolerance on the relative error in float64 (CS231n: "< 1e-7 good")."""


def error_band(rel_error: float, kinks_or_float32: bool = True) -> str:
    """CS231n's rule of thumb for a relative error, in words.

    > 1e-2 "probably wrong"; 1e-4 ... 1e-2 "uncomfortable"; < 1e-7 "good";
    1e-7 ... 1e-4 "ok with kinks or float32" -- and, when there were neither
    kinks nor float32 (``kinks_or_float32=False``), "small, beyond round-off":
    a kink-free float64 check has no excuse for such an error.
    """
    if not rel_error < 1e-2:          # also catches NaN
        return "probably wrong"
    if rel_error > 1e-4:
        return "uncomfortable"
    if rel_error >= 1e-7:
        return "ok with kinks or float32" if kinks_or_float32 else "small, beyond round-off"
    return "good"


STATUSES = ("pass", "kink", "uncertain", "FAIL")


@dataclass
class GradCheckRow:
    """One checked array: a layer's input or one of its parameters.

    ``status`` is ``"pass"``; ``"kink"`` (accepted between the one-sided
    slopes of a kink); ``"uncertain"`` (finite differences cannot tell here:
    the gradient is below their resolution, or a perturbation crosses several
    kinks at once; the note says why and what to do); or ``"FAIL"``.
    ``worst_index`` is the entry with the largest error (None for a
    directional row, whose entries are random directions); ``analytic``,
    ``numeric``, ``abs_error`` and ``rel_error`` are the values there.
    ``checked`` counts the compared entries (or directions) out of ``size``;
    ``kinks`` says whether a perturbation crossed a kink, ``low_precision``
    whether float32 (or float16) data came in. ``crash`` is set when the
    checked code raised (a FAIL row): the exception's type name and the
    student's line (``crash.py``); the note says the same in words.
    """

    name: str
    status: str
    abs_error: float
    rel_error: float
    worst_index: Optional[Tuple[int, ...]]
    analytic: float
    numeric: float
    checked: int
    size: int
    mode: str = "full"
    note: str = ""
    kinks: bool = False
    low_precision: bool = False
    crash: Optional[Crash] = None

    @property
    def ok(self) -> bool:
        """Not a FAIL: ``pass``, ``kink`` or ``uncertain``."""
        return self.status != "FAIL"

    @property
    def band(self) -> str:
        if self.status == "uncertain":
            return "cannot tell"
        # kinks and float32 excuse a small error only in a row that is not a FAIL
        excused = (self.kinks or self.low_precision) and self.status != "FAIL"
        return error_band(self.rel_error, excused)

    def cells(self) -> List[str]:
        """The row as table cells."""
        index = "-" if self.worst_index is None else str(tuple(int(i) for i in self.worst_index))
        if self.mode == "directional":
            checked = f"{self.checked} directions"
        else:
            checked = f"{self.checked}/{self.size}" + ("" if self.mode == "full" else f" {self.mode}")
        return [self.status, self.name, f"{self.rel_error:.1e}", self.band,
                f"{self.abs_error:.1e}", index, f"{self.analytic:.6g}", f"{self.numeric:.6g}",
                checked]


HEADER = ["status", "name", "rel. error", "band", "abs. error", "worst index", "analytic",
          "numeric", "checked"]


def failure_row(name: str, note: str, size: int, crash: Optional[Crash] = None) -> GradCheckRow:
    """A FAIL row without numbers: a missing or misshapen gradient, or a crash."""
    return GradCheckRow(name, "FAIL", math.inf, math.inf, None, math.nan, math.nan, 0, size,
                        "full", note, crash=crash)


def shape_row(name: str, got, expected, what: str) -> GradCheckRow:
    """A FAIL row for a gradient of the wrong shape (a forgotten transpose?)."""
    hint = " -- a forgotten transpose?" if tuple(got) == tuple(expected)[::-1] else ""
    note = f"{what} has shape {tuple(got)} but must have shape {tuple(expected)}{hint}"
    return failure_row(name, note, int(np.prod(expected)))


def _severity(row: GradCheckRow) -> Tuple[int, float]:
    rel = row.rel_error
    rank = {"FAIL": 0, "uncertain": 1}.get(row.status, 2)
    return (rank, -(rel if rel == rel else math.inf))


class GradCheckReport(Tabular):
    """The result of a gradient check: one ``GradCheckRow`` per array, worst first.

    ``passed`` is True when no row FAILs (``uncertain`` rows are listed in
    ``uncertain``: the check could not decide there, and says why). ``summary()``
    (also ``str(report)``) is a plain-text table with the notes that explain
    kinks, shape errors and crashes, ``_repr_html_`` the same table in a
    notebook, ``report["W"]`` a row by name, ``crashes`` the crashes of the
    checked code as data, and ``assert_ok()`` the pytest helper.
    """

    def __init__(self, rows: Sequence[GradCheckRow], title: str, rtol: float, eps: float,
                 method: str = "central", diagnosis: str = "") -> None:
        self.rows: List[GradCheckRow] = sorted(rows, key=_severity)
        self.title = title
        self.rtol = rtol
        self.eps = eps
        self.method = method
        self.diagnosis = diagnosis   # for a failed network: which layer is to blame

    # ------------------------------------------------------------ queries
    @property
    def passed(self) -> bool:
        return all(row.ok for row in self.rows)

    @property
    def failures(self) -> List[GradCheckRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def crashes(self) -> List[Crash]:
        """The crashes of the checked code, one per exception type and line (worst row first).

        Each is a ``Crash``: ``exception`` (type name, e.g. ``"NotImplementedError"``
        for a blank exercise) and the student's line (``where``, ``code``).
        """
        found: List[Crash] = []
        for row in self.rows:
            crash = row.crash
            if crash is not None and not any(
                    (c.exception, c.filename, c.lineno) == (crash.exception, crash.filename,
                                                            crash.lineno) for c in found):
                found.append(crash)
        return found

    @property
    def uncertain(self) -> List[GradCheckRow]:
        """Rows where finite differences cannot tell (never a FAIL)."""
        return [row for row in self.rows if row.status == "uncertain"]

    @property
    def names(self) -> List[str]:
        return [row.name for row in self.rows]

    def __getitem__(self, name: str) -> GradCheckRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no row named {name!r}; rows: {', '.join(self.names)}")

    def __iter__(self) -> Iterator[GradCheckRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return self.passed

    def assert_ok(self) -> None:
        """Raise AssertionError with the whole report as its message unless it passed."""
        if not self.passed:
            raise AssertionError(self.summary())

    # ------------------------------------------------------------ display
    def _heading(self) -> str:
        step = "complex step" if self.method == "complex" else "central differences"
        if not self.passed:
            verdict = f"FAILED ({len(self.failures)} of {len(self)} rows)"
        elif self.uncertain:
            verdict = f"passed, but {len(self.uncertain)} of {len(self)} rows cannot tell"
        else:
            verdict = "passed"
        return (f"Gradient check of {self.title}: {verdict} -- {step}, h = {self.eps:g}; "
                f"a row passes when its relative error is < {self.rtol:g}")

    def _table(self):
        notes = [f"  {row.name}: {row.note}" for row in self.rows if row.note]
        footer = ["notes:"] + notes if notes else []
        if self.diagnosis:
            footer.append(f"diagnosis: {self.diagnosis}")
        return (self._heading(), HEADER, [row.cells() for row in self.rows],
                "\n".join(footer) or None)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"<GradCheckReport of {self.title}: {'passed' if self.passed else 'FAILED'}, "
                f"{len(self)} rows>")


def assert_gradients_ok(report: GradCheckReport) -> None:
    """pytest helper: ``assert_gradients_ok(check_layer(layer, x))``.

    Raises AssertionError whose message is the report when a row failed.
    """
    if not isinstance(report, GradCheckReport):
        raise TypeError(f"report must be a GradCheckReport, got {type(report).__name__}")
    report.assert_ok()
