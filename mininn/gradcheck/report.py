r"""The report of a gradient check: one row per checked array, worst first.

Errors are measured per entry as

.. math::
    \mathrm{rel}_i = \frac{|a_i - n_i|}{\max(|a_i| + |n_i|,\ \mathrm{tiny})}

with ``a`` analytic and ``n`` numeric, ``tiny`` the floor below which a
central difference cannot resolve ``rtol`` (see ``engine.compare``). A row
**passes** when its relative error is below ``rtol`` (float64 default
``RTOL = 1e-7``). The bands (CS231n's rule of thumb) are printed in words
next to each row: > 1e-2 probably wrong, 1e-4 ... 1e-2 uncomfortable,
1e-7 ... 1e-4 acceptable with kinks (or in float32), < 1e-7 good.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .._table import Tabular

RTOL = 1e-7
"""Pass tolerance on the relative error in float64 (CS231n: "< 1e-7 good")."""


def error_band(rel_error: float) -> str:
    """CS231n's rule of thumb for a relative error, in words.

    > 1e-2 "probably wrong"; 1e-4 ... 1e-2 "uncomfortable";
    1e-7 ... 1e-4 "ok with kinks or float32"; < 1e-7 "good".
    """
    if not rel_error < 1e-2:          # also catches NaN
        return "probably wrong"
    if rel_error > 1e-4:
        return "uncomfortable"
    if rel_error >= 1e-7:
        return "ok with kinks or float32"
    return "good"


@dataclass
class GradCheckRow:
    """One checked array: a layer's input or one of its parameters.

    ``worst_index`` is the entry with the largest error (None for a
    directional row, whose entries are random directions); ``analytic`` and
    ``numeric`` are the two values there. ``status`` is ``"pass"``,
    ``"kink"`` (accepted between the one-sided slopes of a kink) or
    ``"FAIL"``; ``checked`` counts the compared entries (or directions) out
    of ``size``.
    """

    name: str
    status: str
    max_abs_error: float
    max_rel_error: float
    worst_index: Optional[Tuple[int, ...]]
    analytic: float
    numeric: float
    checked: int
    size: int
    mode: str = "full"
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("pass", "kink")

    @property
    def band(self) -> str:
        return error_band(self.max_rel_error)

    def cells(self) -> List[str]:
        """The row as table cells."""
        index = "-" if self.worst_index is None else str(tuple(int(i) for i in self.worst_index))
        if self.mode == "directional":
            checked = f"{self.checked} directions"
        else:
            checked = f"{self.checked}/{self.size}" + ("" if self.mode == "full" else f" {self.mode}")
        return [self.status, self.name, f"{self.max_rel_error:.1e}", self.band,
                f"{self.max_abs_error:.1e}", index, f"{self.analytic:.6g}", f"{self.numeric:.6g}",
                checked]


HEADER = ["status", "name", "rel. error", "band", "abs. error", "worst index", "analytic",
          "numeric", "checked"]


def failure_row(name: str, note: str, size: int) -> GradCheckRow:
    """A FAIL row without numbers: a missing or misshapen gradient, say."""
    return GradCheckRow(name, "FAIL", math.inf, math.inf, None, math.nan, math.nan, 0, size,
                        "full", note)


def shape_row(name: str, got, expected, what: str) -> GradCheckRow:
    """A FAIL row for a gradient of the wrong shape (a forgotten transpose?)."""
    hint = " -- a forgotten transpose?" if tuple(got) == tuple(expected)[::-1] else ""
    note = f"{what} has shape {tuple(got)} but must have shape {tuple(expected)}{hint}"
    return failure_row(name, note, int(np.prod(expected)))


def _severity(row: GradCheckRow) -> Tuple[bool, float]:
    rel = row.max_rel_error
    return (row.ok, -(rel if rel == rel else math.inf))


class GradCheckReport(Tabular):
    """The result of a gradient check: one ``GradCheckRow`` per array, worst first.

    ``passed`` is True when every row is ``pass`` or ``kink``. ``summary()``
    (also ``str(report)``) is a plain-text table with the notes that explain
    kinks and shape errors, ``_repr_html_`` the same table in a notebook,
    ``report["W"]`` a row by name, and ``assert_ok()`` the pytest helper.
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
        verdict = "passed" if self.passed else f"FAILED ({len(self.failures)} of {len(self)} rows)"
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
