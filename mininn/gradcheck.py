r"""Gradient checks: is a handwritten derivative right, and can the check be trusted?

The idea
--------
A central difference approximates a derivative without any calculus:

.. math::
    \frac{\partial f}{\partial x_i} \approx
    \frac{f(x + h e_i) - f(x - h e_i)}{2h}.

Its error has two parts: **truncation** :math:`h^2 |f'''| / 6` (shrinks with
h, slope 2 on a log-log plot) and **round-off**
:math:`\varepsilon_{mach} |f| / h` (grows as h shrinks, slope -1), where
:math:`\varepsilon_{mach} = 2.2 \cdot 10^{-16}` in float64. Their sum is
smallest near :math:`h^* = (3 \varepsilon_{mach} |f| / |f'''|)^{1/3} \approx
10^{-5}` when :math:`|f| \approx |f'''|`, hence ``DEFAULT_EPS = 1e-5``
(``step_size_sweep`` draws the whole curve). At that step a correct gradient
agrees to about 1e-10.

A layer maps arrays to arrays, so it is checked through the scalar
:math:`f(x) = \mathrm{sum}(\mathrm{forward}(x) \odot dy)` for a random upstream
gradient ``dy``: its gradient is exactly what ``backward(dy)`` returns (the
vector-Jacobian product), for the input and for every parameter.

Errors are measured per entry as (DESIGN.md)

.. math::
    \mathrm{rel}_i = \frac{|a_i - n_i|}{\max(|a_i| + |n_i|,\ \mathrm{tiny})}

with ``a`` analytic and ``n`` numeric. ``tiny`` is the size below which a
central difference cannot resolve ``TOL = 1e-7``: with the round-off estimate
:math:`\delta = 8\,\varepsilon_{mach} F / h` (``F`` the size of the values of f
involved), :math:`\mathrm{tiny} = \delta / \mathrm{TOL}`. An entry smaller than
that is judged by its absolute error against :math:`\delta`; without the
floor, an entry that is zero up to round-off would fail at random.

A row **passes** when its largest relative error is below ``tol`` (float64
default ``TOL = 1e-7``). The bands (CS231n's rule of thumb) are printed in
words next to each row: > 1e-2 probably wrong, 1e-4 ... 1e-2 uncomfortable,
1e-7 ... 1e-4 acceptable with kinks (or in float32), < 1e-7 good.

What this module adds to a plain checker
----------------------------------------
* **Kinks.** ReLU is not differentiable at 0. When a perturbation moves a
  kinked unit's input across its kink (the sign of ``z - kink`` differs
  between x - h, x and x + h), the central difference mixes two slopes and is
  meaningless. The checker then computes the one-sided slopes
  :math:`(f(x) - f(x-h))/h` and :math:`(f(x+h) - f(x))/h` and accepts the
  analytic value if it lies between them (any value between the two slopes
  is a valid subgradient); the row reads ``kink``. Built-in kinks: ReLU and
  LeakyReLU at 0; your own layer declares ``kinks = (0.0,)`` (positions in
  its input); ``check_gradient(..., lo=, hi=)`` treats box edges the same way.
* **Complex step** (``method="complex"``): for an analytic f,
  :math:`f'(x) = \mathrm{Im} f(x + i h) / h + O(h^2)` with no subtraction, so
  h = 1e-20 gives the derivative to machine precision.
* **Taylor test** (``taylor_test``): the residual
  :math:`|f(x + \epsilon d) - f(x) - \epsilon\, g \cdot d|` shrinks like
  :math:`\epsilon^2` for the right gradient g and only like :math:`\epsilon`
  for a wrong one -- no tolerance needed.
* **Big networks**: ``mode="directional"`` compares
  :math:`v^T J u` for random u (a few passes per parameter instead of two per
  entry) and falls back to the full check when it fails;
  ``mode="sampled"`` checks ``n_samples`` random entries per parameter.
* **Second opinion.** The worst entry of a failing row is measured again
  with steps h/10 and 10h. A wrong gradient leaves the same error at every
  step; if the error moves with h instead, or the one-sided slopes stay
  apart as h shrinks (an undeclared kink), the row's note says that the
  numeric value cannot be trusted there.
* **Diagnosis.** When a network check fails, every layer (and the loss) is
  checked on its own at the input it sees, and the report names the one
  whose backward is wrong -- a parameter-free Sigmoid included.

Typical use in pytest::

    report = check_layer(MyLayer(), x)
    report.assert_ok()          # fails with the report as its message
"""
from __future__ import annotations

import html
import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from . import losses as _losses
from ._validation import SeedLike, as_batch, check_choice, check_int, check_positive, make_rng
from .activations import Identity, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
from .layers import Dense

__all__ = [
    "DEFAULT_EPS", "COMPLEX_EPS", "TOL", "KINK_SLACK", "PrecisionWarning", "error_band",
    "GradCheckRow", "GradCheckReport", "assert_gradients_ok", "numerical_gradient",
    "check_gradient", "check_layer", "check_loss", "check_network", "check_input_gradient",
    "layer_objective", "taylor_test", "taylor_test_layer", "TaylorResult", "step_size_sweep",
    "StepSizeSweep", "plot_step_size_sweep", "selftest",
]

DEFAULT_EPS = 1e-5
"""Default central-difference step: near the optimum (3 eps_mach |f| / |f'''|)^(1/3)."""

COMPLEX_EPS = 1e-20
"""Default complex step: no subtraction, so it can be as small as we like."""

TOL = 1e-7
"""Pass tolerance on the relative error in float64 (CS231n: "< 1e-7 good")."""

KINK_SLACK = 1e-4
"""Relative slack on the one-sided slopes at a kink: a one-sided difference
has truncation error O(h) instead of O(h^2), so it is trusted to ~1e-4 only."""

_MACHINE_EPS = float(np.finfo(np.float64).eps)
_ROUNDOFF_FACTOR = 8.0   # safety factor on the round-off estimate eps_mach * F / h
_SMALLEST = float(np.finfo(np.float64).tiny)

MODES = ("full", "sampled", "directional")
METHODS = ("central", "complex")


class PrecisionWarning(UserWarning):
    """A check was asked for in low precision; it runs in float64 on a copy instead."""


# =============================================================== report
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
        """The row as table cells (shared by ``str`` and ``_repr_html_``)."""
        index = "-" if self.worst_index is None else str(tuple(int(i) for i in self.worst_index))
        if self.mode == "directional":
            checked = f"{self.checked} directions"
        else:
            checked = f"{self.checked}/{self.size}" + ("" if self.mode == "full" else f" {self.mode}")
        return [self.status, self.name, f"{self.max_rel_error:.1e}", self.band,
                f"{self.max_abs_error:.1e}", index, f"{self.analytic:.6g}", f"{self.numeric:.6g}",
                checked]


_HEADER = ["status", "name", "rel. error", "band", "abs. error", "worst index", "analytic",
           "numeric", "checked"]


def _severity(row: GradCheckRow) -> Tuple[bool, float]:
    rel = row.max_rel_error
    return (row.ok, -(rel if rel == rel else math.inf))


class GradCheckReport:
    """The result of a gradient check: one ``GradCheckRow`` per array, worst first.

    ``passed`` is True when every row is ``pass`` or ``kink``. ``str(report)``
    is a plain-text table (with the notes that explain kinks and shape
    errors), ``_repr_html_`` the same table in a notebook, ``report["W"]`` a
    row by name, and ``assert_ok()`` the pytest helper.
    """

    def __init__(self, rows: Sequence[GradCheckRow], title: str, tol: float, eps: float,
                 method: str = "central", diagnosis: str = "") -> None:
        self.rows: List[GradCheckRow] = sorted(rows, key=_severity)
        self.title = title
        self.tol = tol
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
            raise AssertionError("gradient check failed\n" + str(self))

    # ------------------------------------------------------------ display
    def _heading(self) -> str:
        step = "complex step" if self.method == "complex" else "central differences"
        verdict = "passed" if self.passed else f"FAILED ({len(self.failures)} of {len(self)} rows)"
        return (f"Gradient check of {self.title}: {verdict} -- {step}, h = {self.eps:g}; "
                f"a row passes when its relative error is < {self.tol:g}")

    def __str__(self) -> str:
        table = [_HEADER] + [row.cells() for row in self.rows]
        widths = [max(len(r[c]) for r in table) for c in range(len(_HEADER))]
        lines = [self._heading()]
        lines += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in table]
        notes = [f"  {row.name}: {row.note}" for row in self.rows if row.note]
        if notes:
            lines += ["notes:"] + notes
        if self.diagnosis:
            lines.append(f"diagnosis: {self.diagnosis}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<GradCheckReport of {self.title}: {'passed' if self.passed else 'FAILED'}, {len(self)} rows>"

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in _HEADER + ["note"])
        body = []
        for row in self.rows:
            colour = {"pass": "#e6f4e6", "kink": "#fff6d5"}.get(row.status, "#fbe3e3")
            cells = "".join(f"<td>{esc(c)}</td>" for c in row.cells() + [row.note])
            body.append(f'<tr style="background:{colour}">{cells}</tr>')
        diagnosis = f"<p>diagnosis: {esc(self.diagnosis)}</p>" if self.diagnosis else ""
        return (f"<div><p><b>{esc(self._heading())}</b></p><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table>{diagnosis}</div>")


def assert_gradients_ok(report: GradCheckReport) -> None:
    """pytest helper: ``assert_gradients_ok(check_layer(layer, x))``.

    Raises AssertionError whose message is the report when a row failed.
    """
    if not isinstance(report, GradCheckReport):
        raise TypeError(f"report must be a GradCheckReport, got {type(report).__name__}")
    report.assert_ok()


# ====================================================== argument checks
def _as_check_array(value, name: str) -> np.ndarray:
    """A float64 **copy** of ``value``: never the caller's array.

    float32/float16 warns (``PrecisionWarning``); integers and bools are cast
    (never truncated in place); complex, non-numeric and non-finite values
    are refused.
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise TypeError(f"{name} must be array-like, got {type(value).__name__}: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {arr.dtype}")
    if arr.dtype.kind == "f" and arr.dtype.itemsize < 8:
        _warn_low_precision(name, arr.dtype)
    arr = np.array(arr, dtype=np.float64, copy=True)
    if not np.all(np.isfinite(arr)):
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite, but {bad} of its {arr.size} values are NaN or inf")
    return arr


def _check_f_x_grad(f, x, grad) -> Tuple[np.ndarray, np.ndarray]:
    """Validate a scalar function ``f``, a point ``x`` and its claimed gradient (same shape)."""
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    x = _as_check_array(x, "x")
    g = _as_check_array(grad, "grad")
    if g.shape != x.shape:
        raise ValueError(f"grad must have the shape of x {x.shape}, got {g.shape}")
    return x, g


def _warn_low_precision(name: str, dtype) -> None:
    resolution = float(np.finfo(dtype).eps)
    warnings.warn(
        f"{name} is {dtype}: its round-off ({resolution:.1e} relative) divided by a step h makes "
        f"finite differences useless below ~{resolution ** (2 / 3):.0e}; the check runs in float64 "
        "on a copy instead. If your layer computes in low precision internally, expect relative "
        "errors near 1e-4 from round-off alone, not from a wrong gradient.",
        PrecisionWarning, stacklevel=3)


def _check_layer_contract(layer, name: str = "layer") -> None:
    missing = [m for m in ("forward", "backward", "params", "grads") if not hasattr(layer, m)]
    if missing:
        hint = "; for a network use check_network" if hasattr(layer, "layers") else ""
        raise TypeError(f"{name} ({type(layer).__name__}) does not follow the Layer contract: "
                        f"missing {', '.join(missing)}{hint}")
    for m in ("forward", "backward"):
        if not callable(getattr(layer, m)):
            raise TypeError(f"{name}.{m} must be a method, got {type(getattr(layer, m)).__name__}")
    for m in ("params", "grads"):
        if not isinstance(getattr(layer, m), dict):
            raise TypeError(f"{name}.{m} must be a dict of arrays, got {type(getattr(layer, m)).__name__}")


def _scalar(value, name: str) -> float:
    """``value`` as a Python float, or a TypeError naming ``name``."""
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must return a real scalar, got {type(value).__name__} "
                        f"with shape {arr.shape} and dtype {arr.dtype}")
    return float(arr.reshape(()))


@contextmanager
def _float64_params(layers, names: Sequence[str]):
    """Run the check on float64 parameters; the original arrays are put back afterwards.

    Parameters are perturbed *in place* (a layer reads its own arrays), so
    they must be writable ndarrays. Non-float64 ones are swapped for float64
    copies while the check runs (float32 warns) and restored afterwards.
    """
    swapped = []
    try:
        for layer, lname in zip(layers, names):
            for key, p in list(layer.params.items()):
                where = f"{lname}.params[{key!r}]"
                if not isinstance(p, np.ndarray) or p.dtype.kind not in "biuf":
                    raise TypeError(f"{where} must be a real numpy array, got {type(p).__name__}"
                                    + (f" of dtype {p.dtype}" if isinstance(p, np.ndarray) else ""))
                if not np.all(np.isfinite(p)):
                    raise ValueError(f"{where} must be finite, but it holds NaN or inf")
                if p.dtype != np.float64:
                    if p.dtype.kind == "f":
                        _warn_low_precision(where, p.dtype)
                    swapped.append((layer, key, p))
                    layer.params[key] = p.astype(np.float64)
                elif not p.flags.writeable:
                    raise ValueError(f"{where} is read-only; the checker perturbs it in place")
        yield
    finally:
        for layer, key, p in swapped:
            layer.params[key] = p


# ======================================================== kink watching
def _kinks_of(layer) -> Tuple[float, ...]:
    """Input positions where ``layer``'s derivative jumps (ReLU-like units).

    Built in: ReLU and LeakyReLU at 0 (LeakyReLU with slope 1 is the
    identity: no kink). Any other layer may declare ``kinks = (...)``.
    """
    if isinstance(layer, LeakyReLU):
        return () if layer.negative_slope == 1.0 else (0.0,)
    if isinstance(layer, ReLU):
        return (0.0,)
    return tuple(float(k) for k in getattr(layer, "kinks", ()))


class _KinkWatch:
    """Which side of its kink every watched entry is on.

    A watch is a list of ``(label, kink)`` pairs; an evaluation hands over the
    matching list of watched arrays (say, the input of each ReLU layer), and
    ``sides`` turns them into ``sign(value - kink)``. A perturbation crossed a
    kink when the sides differ from those at the unperturbed point (a value
    exactly *on* the kink has side 0, which differs from both neighbours).
    """

    def __init__(self) -> None:
        self.labels: List[str] = []
        self.kinks: List = []
        self.kinds: List[str] = []

    def add(self, label: str, kink, kind: str = "its kink at") -> None:
        """Watch the array called ``label``, whose derivative jumps at ``kink``."""
        self.labels.append(label)
        self.kinks.append(kink)
        self.kinds.append(kind)

    def __bool__(self) -> bool:
        return bool(self.labels)

    def sides(self, watched: Sequence[np.ndarray]) -> List[np.ndarray]:
        return [np.sign(np.asarray(w) - k) for w, k in zip(watched, self.kinks)]

    @staticmethod
    def same(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> bool:
        return all(np.array_equal(x, y) for x, y in zip(a, b))

    def describe(self, base_sides, other_sides, base_values) -> str:
        """Name the first watched entry whose side changed, with its value and kink."""
        for label, kink, kind, s0, s1, value in zip(self.labels, self.kinks, self.kinds,
                                                    base_sides, other_sides, base_values):
            changed = np.flatnonzero(np.asarray(s0 != s1).reshape(-1))
            if changed.size:
                pos = np.unravel_index(changed[0], np.shape(s0))
                at = float(np.broadcast_to(kink, np.shape(s0))[pos])
                where = ", ".join(str(int(i)) for i in pos)
                value = float(np.asarray(value)[pos])
                return f"{label}[{where}] = {value:.3g} across {kind} {at:g}"
        return "a watched quantity across its kink"


def _loss_kinks(loss) -> Tuple[float, ...]:
    """Prediction values where a loss's derivative jumps.

    ``BinaryCrossEntropy`` on probabilities clips p to [eps, 1 - eps]: a box
    edge, which a saturated sigmoid output reaches easily. Other losses may
    declare ``kinks = (...)``.
    """
    if isinstance(loss, _losses.BinaryCrossEntropy) and not loss.from_logits:
        return (loss.eps, 1.0 - loss.eps)
    return tuple(float(k) for k in getattr(loss, "kinks", ()))


def _network_watch(layers, loss=None) -> Tuple[_KinkWatch, List[Tuple[int, float]]]:
    """The kinks of a list of layers (and of the loss after them).

    Returns ``(watch, plan)``; ``plan`` lists ``(layer index, kink)``, where
    index ``len(layers)`` stands for the loss, whose input is the output.
    """
    watch, plan = _KinkWatch(), []
    for i, layer in enumerate(layers):
        for k in _kinks_of(layer):
            watch.add(f"the input of unit {i}.{type(layer).__name__}", k)
            plan.append((i, k))
    for k in (_loss_kinks(loss) if loss is not None else ()):
        watch.add("the prediction", k, f"the clip of {type(loss).__name__} at")
        plan.append((len(layers), k))
    return watch, plan


def _forward_watching(layers, X, plan) -> Tuple[np.ndarray, List[np.ndarray]]:
    """Forward through ``layers``, keeping the input of every kinked layer
    (and the output, if the loss has kinks)."""
    kinked = {i for i, _ in plan}
    inputs = {}
    for i, layer in enumerate(layers):
        if i in kinked:
            inputs[i] = X
        X = layer.forward(X)
    inputs[len(layers)] = X
    return X, [inputs[i] for i, _ in plan]


# ========================================================== the engine
# An *evaluator* is a function of no arguments returning (value, watched):
# the scalar f at the current contents of the arrays being perturbed, and the
# list of watched arrays for the kink watch. The checker perturbs arrays in
# place and calls it.

@dataclass
class _Probe:
    """f at x + h e_i and x - h e_i for a set of entries i, and what crossed a kink."""

    f0: float
    plus: np.ndarray
    minus: np.ndarray
    up: np.ndarray        # the step actually taken upwards: (x_i + h) - x_i in floating point
    down: np.ndarray      # and downwards: x_i - (x_i - h)
    crossed: np.ndarray   # bool: the perturbation crossed a kink
    kink_note: str = ""   # the first crossing, in words

    @property
    def central(self) -> np.ndarray:
        """(f(x + h) - f(x - h)) / (2h), with the steps actually taken."""
        return (self.plus - self.minus) / (self.up + self.down)

    def one_sided(self) -> Tuple[np.ndarray, np.ndarray]:
        """Left (f(x) - f(x - h)) / h and right (f(x + h) - f(x)) / h slopes."""
        return (self.f0 - self.minus) / self.down, (self.plus - self.f0) / self.up

    def scale(self) -> float:
        """The size F of the values of f, for the round-off estimate."""
        values = [abs(self.f0)] + [float(np.max(np.abs(v))) for v in (self.plus, self.minus) if v.size]
        return max(values)


def _base(evaluate, watch: _KinkWatch):
    f0, watched = evaluate()
    sides = watch.sides(watched) if watch else None
    values = [np.array(w, dtype=np.float64, copy=True) for w in watched] if watch else None
    return _scalar(f0, "f"), sides, values


def _probe_entries(evaluate, arr: np.ndarray, indices: np.ndarray, h: float,
                   watch: _KinkWatch, base) -> _Probe:
    """Perturb ``arr`` in place one entry at a time (restored exactly, even on error)."""
    f0, sides0, values0 = base
    flat = arr.reshape(-1) if arr.flags.c_contiguous else arr.flat
    m = len(indices)
    plus, minus, up, down = np.empty(m), np.empty(m), np.empty(m), np.empty(m)
    crossed = np.zeros(m, dtype=bool)
    note = ""
    i = old = None
    try:
        for j, i in enumerate(indices):
            old = flat[i]
            flat[i] = old + h
            up[j] = flat[i] - old
            value, watched_p = evaluate()
            plus[j] = value
            sides_p = watch.sides(watched_p) if watch else None
            flat[i] = old - h
            down[j] = old - flat[i]
            value, watched_m = evaluate()
            minus[j] = value
            # sides now: the watched arrays may be views of arr, about to be restored
            sides_m = watch.sides(watched_m) if watch else None
            flat[i] = old
            if watch:
                if not (watch.same(sides_p, sides0) and watch.same(sides_m, sides0)):
                    crossed[j] = True
                    if not note:
                        other = sides_p if not watch.same(sides_p, sides0) else sides_m
                        note = watch.describe(sides0, other, values0)
    finally:
        if i is not None:
            flat[i] = old
    return _Probe(f0, plus, minus, up, down, crossed, note)


def _probe_directions(evaluate, arr: np.ndarray, directions: np.ndarray, h: float,
                      watch: _KinkWatch, base) -> _Probe:
    """Perturb all of ``arr`` along each unit direction u: f(x +- h u)."""
    f0, sides0, values0 = base
    saved = arr.copy()
    m = len(directions)
    plus, minus = np.empty(m), np.empty(m)
    crossed = np.zeros(m, dtype=bool)
    note = ""
    try:
        for j, u in enumerate(directions):
            arr[...] = saved + h * u
            plus[j], watched_p = evaluate()
            sides_p = watch.sides(watched_p) if watch else None
            arr[...] = saved - h * u
            minus[j], watched_m = evaluate()
            if watch:
                sides_m = watch.sides(watched_m)
                if not (watch.same(sides_p, sides0) and watch.same(sides_m, sides0)):
                    crossed[j] = True
                    other = sides_p if not watch.same(sides_p, sides0) else sides_m
                    note = note or watch.describe(sides0, other, values0)
    finally:
        arr[...] = saved
    steps = np.full(m, h)
    return _Probe(f0, plus, minus, steps, steps.copy(), crossed, note)


def _tiny(noise: float) -> float:
    """Floor of |a| + |n|: entries below it are judged by absolute error against ``noise``."""
    return max(noise / TOL, _SMALLEST)


def _compare(name: str, analytic: np.ndarray, numeric: np.ndarray, noise: float, tol: float,
             crossed: Optional[np.ndarray] = None, bracket=None,
             index_of: Optional[Callable[[int], Optional[tuple]]] = None,
             size: Optional[int] = None, mode: str = "full", note: str = "",
             kink_example: str = "") -> GradCheckRow:
    r"""Compare analytic with numeric values (1-d, same length) and make a row.

    Ordinary entries pass when :math:`|a - n| / \max(|a| + |n|, tiny) < tol`.
    Entries whose perturbation ``crossed`` a kink are compared with the
    interval ``bracket = (left, right)`` of one-sided slopes instead: they
    pass when ``a`` lies inside it (plus ``KINK_SLACK`` relative), and their
    "numeric" value is the point of the interval nearest to ``a``.
    ``kink_example`` names the first crossing in words, for the row's note.
    """
    a = np.asarray(analytic, dtype=np.float64).reshape(-1)
    n = np.array(numeric, dtype=np.float64).reshape(-1)
    tiny = _tiny(noise)
    if crossed is None:
        crossed = np.zeros(a.shape, dtype=bool)
    inside = np.zeros(a.shape, dtype=bool)
    if crossed.any():
        lo, hi = np.minimum(*bracket), np.maximum(*bracket)
        slack = KINK_SLACK * (np.abs(lo) + np.abs(hi)) + noise
        inside = crossed & (a >= lo - slack) & (a <= hi + slack)
        n = np.where(crossed, np.clip(a, lo, hi), n)
    abs_err = np.abs(a - n)
    with np.errstate(invalid="ignore"):
        rel = abs_err / np.maximum(np.abs(a) + np.abs(n), tiny)
    rel = np.where(np.isfinite(rel), rel, np.inf)
    abs_err = np.where(np.isfinite(abs_err), abs_err, np.inf)
    bad = np.where(crossed, ~inside, ~(rel < tol))
    size = a.size if size is None else size
    if a.size == 0:
        return GradCheckRow(name, "pass", 0.0, 0.0, None, 0.0, 0.0, 0, size, mode, note)
    worst = int(np.argmax(np.where(bad, rel, -1.0))) if bad.any() else int(np.argmax(rel))
    status = "FAIL" if bad.any() else ("kink" if crossed.any() else "pass")
    if not np.all(np.isfinite(a)):
        note = _join(note, "the analytic gradient holds NaN or inf")
    if crossed.any():
        if inside[crossed].all():
            verdict = ("there the analytic value lies between the one-sided slopes, and at a "
                       "kink any value between them is a valid subgradient: accepted")
        else:
            verdict = "at some of them the analytic value lies OUTSIDE the one-sided slopes: wrong"
        note = _join(note, f"kink: {int(crossed.sum())} of {a.size} perturbations cross a kink "
                           f"(e.g. {kink_example}); {verdict}")
    index = index_of(worst) if index_of is not None else (worst,)
    return GradCheckRow(name, status, float(abs_err.max()), float(rel.max()), index,
                        float(a[worst]), float(n[worst]), int(a.size), size, mode, note)


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _shape_row(name: str, got, expected, what: str) -> GradCheckRow:
    """A FAIL row for a gradient of the wrong shape (a forgotten transpose?)."""
    hint = " -- a forgotten transpose?" if tuple(got) == tuple(expected)[::-1] else ""
    note = f"{what} has shape {tuple(got)} but must have shape {tuple(expected)}{hint}"
    return GradCheckRow(name, "FAIL", math.inf, math.inf, None, math.nan, math.nan, 0,
                        int(np.prod(expected)), "full", note)


# ------------------------------------------------------------ one block
@dataclass
class _Setup:
    """What every block of one check shares."""

    evaluate: Callable
    watch: _KinkWatch
    base: tuple
    h: float
    tol: float
    mode: str
    rng: np.random.Generator
    n_samples: int
    n_directions: int
    scale: float = 0.0     # extra size of f for the round-off estimate (e.g. sum |y * dy|)


def _check_entries(setup: _Setup, name: str, arr: np.ndarray, analytic: np.ndarray,
                   indices: np.ndarray, mode: str, note: str = "") -> GradCheckRow:
    """Central differences at the given flat ``indices`` of ``arr``, compared with ``analytic``."""
    probe = _probe_entries(setup.evaluate, arr, indices, setup.h, setup.watch, setup.base)
    noise = _ROUNDOFF_FACTOR * _MACHINE_EPS * max(probe.scale(), setup.scale) / setup.h
    shape = arr.shape
    row = _compare(name, analytic.reshape(-1)[indices], probe.central, noise, setup.tol,
                   probe.crossed, probe.one_sided(),
                   index_of=lambda j: tuple(int(i) for i in np.unravel_index(indices[j], shape)),
                   size=arr.size, mode=mode, note=note,
                   kink_example=_perturbed(name, shape, indices, probe))
    if not row.ok and row.worst_index is not None and math.isfinite(row.numeric):
        row.note = _join(row.note, _second_opinion(setup, arr, row))
    return row


def _second_opinion(setup: _Setup, arr: np.ndarray, row: GradCheckRow) -> str:
    """Re-measure the worst entry with steps h/10 and 10h: can the numeric value be trusted?

    A wrong gradient leaves an error that does not depend on the step. Two
    signs that the finite difference, not the gradient, is at fault:

    * a kink nobody declared: the one-sided slopes differ by a gap that does
      not shrink with h (for a smooth f it shrinks like h f'');
    * the error changes by more than 2x between the steps: a kink nearby,
      or an f that bends on a scale smaller than h, or round-off (an
      ill-conditioned f, e.g. BCE on a saturated probability).
    """
    flat_index = np.array([int(np.ravel_multi_index(row.worst_index, arr.shape))])
    a = row.analytic
    probes = [_probe_entries(setup.evaluate, arr, flat_index, step, setup.watch, setup.base)
              for step in (setup.h / 10, setup.h, setup.h * 10)]
    errors, gaps = [], []
    for probe in probes:
        left, right = (float(v[0]) for v in probe.one_sided())
        gaps.append(abs(right - left))
        # the row's own rule: a kink crossing is judged against its bracket
        numeric = float(np.clip(a, min(left, right), max(left, right))) if probe.crossed[0] \
            else float(probe.central[0])
        errors.append(abs(a - numeric))
    if not probes[1].crossed[0] and gaps[1] >= 0.5 * errors[1] and gaps[0] >= 0.5 * gaps[1]:
        left, right = (float(v[0]) for v in probes[1].one_sided())
        return (f"f seems to have a kink here that the checker was not told about: the one-sided "
                f"slopes {left:.6g} (left) and {right:.6g} (right) stay apart as h shrinks; "
                "declare it (a layer attribute kinks = (0.0,), or check_gradient's kinks/lo/hi) "
                "and any value between them will be accepted")
    if max(errors) > 2 * min(errors):
        return (f"numeric value uncertain: the error is {errors[0]:.2g} at step h/10, "
                f"{errors[1]:.2g} at h and {errors[2]:.2g} at 10h -- a wrong gradient would "
                "give the same error at every step. Suspect a kink nobody declared, an f that "
                "bends on a scale below h, or round-off (BCE on a saturated probability? use "
                "from_logits=True); this may not be a wrong gradient")
    return ""


def _perturbed(name: str, shape, indices, probe: _Probe) -> str:
    if not probe.crossed.any():
        return ""
    j = int(np.flatnonzero(probe.crossed)[0])
    where = ", ".join(str(int(i)) for i in np.unravel_index(indices[j], shape))
    return f"moving {name}[{where}] by h moves {probe.kink_note}"


def _check_directional(setup: _Setup, name: str, arr: np.ndarray,
                       analytic: np.ndarray) -> GradCheckRow:
    r"""Directional derivatives :math:`g \cdot u` against :math:`(f(x+hu) - f(x-hu)) / 2h`.

    u are random unit vectors. For a layer, with f = sum(forward * v), this is
    :math:`v^T J u`: a handful of evaluations check the whole array.
    """
    u = setup.rng.standard_normal((setup.n_directions, arr.size))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    directions = u.reshape((setup.n_directions,) + arr.shape)
    probe = _probe_directions(setup.evaluate, arr, directions, setup.h, setup.watch, setup.base)
    noise = _ROUNDOFF_FACTOR * _MACHINE_EPS * max(probe.scale(), setup.scale) / setup.h
    example = f"moving {name} along u by h moves {probe.kink_note}" if probe.kink_note else ""
    return _compare(name, u @ analytic.reshape(-1), probe.central, noise, setup.tol,
                    probe.crossed, probe.one_sided(), index_of=lambda j: None,
                    size=arr.size, mode="directional", kink_example=example)


def _check_block(setup: _Setup, name: str, arr: np.ndarray, analytic: np.ndarray) -> GradCheckRow:
    """Check one array (input or parameter) in the setup's mode."""
    if setup.mode == "directional":
        row = _check_directional(setup, name, arr, analytic)
        if row.ok:
            return row
        # A random direction hides no error (it is orthogonal to the error
        # with probability 0), but it cannot say WHERE the error is.
        note = (f"the directional check failed (relative error {row.max_rel_error:.1e} "
                f"along {row.checked} random directions), so every entry was checked")
        return _check_entries(setup, name, arr, analytic, np.arange(arr.size), "full", note)
    if setup.mode == "sampled":
        m = min(setup.n_samples, arr.size)
        indices = np.sort(setup.rng.choice(arr.size, size=m, replace=False))
        return _check_entries(setup, name, arr, analytic, indices, "sampled")
    return _check_entries(setup, name, arr, analytic, np.arange(arr.size), "full")


def _check_options(eps, tol, mode, n_samples, n_directions, method="central"):
    method = check_choice(method, "method", METHODS)
    if eps is None:
        eps = COMPLEX_EPS if method == "complex" else DEFAULT_EPS
    eps = check_positive(eps, "eps")
    tol = check_positive(tol, "tol")
    mode = check_choice(mode, "mode", MODES)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n_directions = check_int(n_directions, "n_directions", minimum=1)
    if method == "complex" and mode != "full":
        raise ValueError(f"mode must be 'full' with method='complex', got {mode!r}")
    return eps, tol, mode, n_samples, n_directions, method


def _checker_rng(seed: SeedLike) -> np.random.Generator:
    """The checker's random source (for dy, samples and directions).

    An int seed is mixed with a constant first: otherwise ``dy`` drawn with
    ``seed=0`` would equal an ``x`` the caller drew with
    ``np.random.default_rng(0)`` -- and with dy = x, :math:`x^T dy` is
    symmetric, so a forgotten transpose would pass unnoticed. A Generator is
    used as is.
    """
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng([int(seed), 0x9C4EC])
    return make_rng(seed)


# ================================================= numerical gradient
def numerical_gradient(f: Callable, x, eps: Optional[float] = None,
                       method: str = "central") -> np.ndarray:
    r"""Gradient of a scalar function by finite differences, one entry at a time.

    ``method="central"``: :math:`g_i = (f(x + h e_i) - f(x - h e_i)) / 2h`
    (error :math:`O(h^2)` plus round-off :math:`\varepsilon_{mach}|f|/h`).
    ``method="complex"``: :math:`g_i = \mathrm{Im}\, f(x + i h e_i) / h`, for an
    f that is analytic and accepts complex input (``np.abs``,
    ``np.maximum``, comparisons and ``float()`` break it).

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` for an array x shaped like ``x``.
    x : array, any shape
        The point. A float64 ndarray is perturbed **in place** and restored
        exactly afterwards (even if f raises), so f may ignore its argument
        and read x through a closure, as in CS231n. Any other real input is
        first copied to float64 (float32 with a ``PrecisionWarning``), and
        f receives the copy.
    eps : float > 0, optional
        The step h; default ``DEFAULT_EPS`` (1e-5) for central differences
        and ``COMPLEX_EPS`` (1e-20) for the complex step.

    Returns
    -------
    float64 array shaped like ``x``.
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    method = check_choice(method, "method", METHODS)
    eps = check_positive(COMPLEX_EPS if eps is None and method == "complex"
                         else DEFAULT_EPS if eps is None else eps, "eps")
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        if not np.all(np.isfinite(x)):
            raise ValueError("x must be finite, but it holds NaN or inf")
        work = x
    else:
        work = _as_check_array(x, "x")
    if method == "complex":
        z = work.astype(np.complex128)
        return _complex_steps(lambda: f(z), z, eps)
    grad = np.empty(work.shape)
    for index in np.ndindex(work.shape):
        old = work[index]
        try:
            work[index] = old + eps
            plus = _scalar(f(work), "f")
            work[index] = old - eps
            minus = _scalar(f(work), "f")
        finally:
            work[index] = old          # exactly the old value: no drift from +h-h
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def _complex_steps(f: Callable[[], object], work: np.ndarray, h: float) -> np.ndarray:
    """Im f() / h with each entry of the complex array ``work`` stepped by i h in turn.

    ``f`` reads ``work`` (directly or through a layer); every entry is put
    back after its step.
    """
    flat = work.reshape(-1)
    grad = np.empty(work.size)
    for k in range(work.size):
        old = flat[k]
        flat[k] = old + 1j * h
        try:
            value = np.asarray(f())
        finally:
            flat[k] = old
        if value.size != 1:
            raise TypeError(f"f must return a scalar, got shape {value.shape}")
        if value.dtype.kind != "c":
            raise TypeError("f dropped the imaginary part of its complex input: the complex step "
                            "needs an f that works on complex arrays (np.abs, np.maximum, "
                            "comparisons and float() all break it); use method='central'")
        grad[k] = value.reshape(()).imag / h
    return grad.reshape(work.shape)


# ==================================================== check a function
def check_gradient(f: Callable, x, grad, eps: float = DEFAULT_EPS, tol: float = TOL,
                   lo=None, hi=None, kinks: Optional[Callable] = None,
                   name: str = "x") -> GradCheckReport:
    r"""Check ``grad`` = :math:`\nabla f(x)` by central differences, kinks and box edges included.

    Use it for anything that is not a layer -- an input-search objective,
    say. Where the objective clips or projects onto a box ``[lo, hi]``, its
    derivative jumps at the edges: an entry within h of ``lo`` or ``hi`` is
    judged by its one-sided slopes (row status ``"kink"``), as are entries
    whose perturbation changes the sign of ``kinks(x)``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; it receives a float64 copy of ``x`` (perturbed).
    x : array, any shape
        The point (never modified).
    grad : array shaped like x
        The analytic gradient to check.
    lo, hi : float or array broadcastable to x, optional
        Box edges where f has a kink.
    kinks : callable, optional
        ``kinks(x) -> array`` of quantities whose **sign** changes exactly
        where f has a kink, e.g. ``lambda x: x @ W + b`` for the ReLU units
        after a Dense layer.
    name : str
        The row's name in the report.
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if kinks is not None and not callable(kinks):
        raise TypeError(f"kinks must be callable or None, got {type(kinks).__name__}")
    eps, tol, *_ = _check_options(eps, tol, "full", 1, 1)
    work = _as_check_array(x, "x")
    g = _as_check_array(grad, "grad")
    if g.shape != work.shape:
        raise ValueError(f"grad must have the shape of x {work.shape}, got {g.shape}")
    watch = _KinkWatch()
    bounds = []
    for label, bound in (("lo", lo), ("hi", hi)):
        if bound is not None:
            b = _as_check_array(bound, label)
            try:
                np.broadcast_to(b, work.shape)
            except ValueError:
                raise ValueError(f"{label} must be a scalar or broadcast to x's shape {work.shape}, "
                                 f"got shape {b.shape}") from None
            bounds.append(b)
            watch.add("x", b, f"the {'lower' if label == 'lo' else 'upper'} bound")
    if len(bounds) == 2 and np.any(bounds[0] > bounds[1]):
        raise ValueError("lo must be <= hi everywhere, got lo > hi for some entries")
    if kinks is not None:
        watch.add("kinks(x)", 0.0, "the sign change at")

    def evaluate():
        watched = [work] * len(bounds) + ([np.asarray(kinks(work), dtype=np.float64)] if kinks else [])
        return _scalar(f(work), "f"), watched

    setup = _Setup(evaluate, watch, _base(evaluate, watch), eps, tol, "full", make_rng(0), 1, 1)
    row = _check_block(setup, name, work, g)
    return GradCheckReport([row], f"f at {name} {work.shape}", tol, eps)


# ======================================================= check a layer
def layer_objective(layer, x, seed: SeedLike = 0) -> Tuple[Callable, np.ndarray]:
    r"""The scalar a layer is checked through, and its analytic gradient.

    Returns ``(f, g)`` with :math:`f(x') = \mathrm{sum}(\mathrm{forward}(x') \odot dy)`
    for a random upstream ``dy`` (standard normal, from ``seed``) and
    :math:`g = \mathrm{backward}(dy)` at ``x``. Handy with ``taylor_test`` and
    ``step_size_sweep``. Calling ``f`` runs ``layer.forward``.
    """
    _check_layer_contract(layer)
    x = _as_check_array(x, "x")
    y = _forward_checked(layer, x)
    dy = _checker_rng(seed).standard_normal(y.shape)
    g = _backward_checked(layer, dy)

    def f(z):
        return float(np.sum(layer.forward(z) * dy))

    return f, g


def _forward_checked(layer, x: np.ndarray) -> np.ndarray:
    y = np.asarray(layer.forward(x))
    if y.dtype.kind not in "biuf":
        raise TypeError(f"layer.forward must return a real array, got dtype {y.dtype}")
    if not np.all(np.isfinite(y)):
        raise ValueError("layer.forward(x) returned NaN or inf; pick an x where the layer is finite")
    return y


def _backward_checked(layer, dy: np.ndarray) -> np.ndarray:
    dx = layer.backward(dy)
    if dx is None:
        raise TypeError("layer.backward(dy) returned None; it must return dx, the gradient "
                        "with respect to the layer's input")
    return np.asarray(dx, dtype=np.float64)


def _analytic_rows(layer, dx: np.ndarray, x_shape) -> Tuple[Dict[str, np.ndarray], List[GradCheckRow]]:
    """The analytic gradients of a layer (copies) and FAIL rows for missing/misshapen ones."""
    analytic, bad = {}, []
    if dx.shape != tuple(x_shape):
        bad.append(_shape_row("x", dx.shape, x_shape, "backward's dx"))
    else:
        analytic["x"] = dx.copy()
    for key, p in layer.params.items():
        g = layer.grads.get(key)
        if g is None:
            bad.append(GradCheckRow(key, "FAIL", math.inf, math.inf, None, math.nan, math.nan, 0,
                                    p.size, "full", f"grads has no entry {key!r} after backward"))
        elif np.shape(g) != p.shape:
            bad.append(_shape_row(key, np.shape(g), p.shape, f"grads[{key!r}]"))
        else:
            analytic[key] = np.array(g, dtype=np.float64, copy=True)
    return analytic, bad


def check_layer(layer, x, seed: SeedLike = 0, eps: Optional[float] = None, tol: float = TOL,
                mode: str = "full", n_samples: int = 10, n_directions: int = 3,
                method: str = "central") -> GradCheckReport:
    r"""Check a layer's ``backward`` against finite differences.

    Works on ANY object with ``forward``, ``backward``, ``params`` and
    ``grads`` (the Layer contract) -- no need to subclass
    ``mininn.layers.Layer``. With a random upstream gradient ``dy`` it checks
    the vector-Jacobian products

    .. math::
        dx = \frac{\partial\, \mathrm{sum}(\mathrm{forward}(x) \odot dy)}{\partial x},
        \qquad
        \mathrm{grads}[k] = \frac{\partial\, \mathrm{sum}(\mathrm{forward}(x) \odot dy)}{\partial\, \mathrm{params}[k]}.

    Parameters
    ----------
    layer : object following the Layer contract
    x : array
        The input, e.g. ``(n, n_in)``; never modified (the check uses a
        float64 copy; float32 input warns, integers are cast).
    seed : None, int or numpy.random.Generator
        Draws ``dy`` (and the samples/directions of the cheaper modes).
    eps : float > 0, optional
        Step h: default 1e-5 for central differences (see the module
        docstring), 1e-20 for the complex step.
    tol : float > 0
        A row passes when its largest relative error is below ``tol``.
    mode : {"full", "sampled", "directional"}
        Every entry; ``n_samples`` random entries per array; or
        ``n_directions`` random directions per array (falls back to
        "full" for an array that fails).
    method : {"central", "complex"}
        ``"complex"`` is for analytic layers only (Dense, Sigmoid, Tanh,
        Softplus, Identity, or your layer with ``analytic = True``); ReLU and
        LeakyReLU raise a ValueError saying why.

    Kinks
    -----
    ReLU and LeakyReLU (and subclasses) have a kink at input 0; any layer may
    declare its own with an attribute ``kinks = (0.0,)``. Entries whose
    perturbation crosses a kink are accepted when the analytic value lies
    between the one-sided slopes: the row reads ``"kink"``.

    Returns
    -------
    GradCheckReport with rows ``"x"`` and one per parameter key. The layer's
    parameters are exactly as before; its ``grads`` hold the analytic
    gradients that were checked.
    """
    _check_layer_contract(layer)
    eps, tol, mode, n_samples, n_directions, method = _check_options(
        eps, tol, mode, n_samples, n_directions, method)
    rng = _checker_rng(seed)
    x = _as_check_array(x, "x")
    if method == "complex":
        _require_analytic(layer)
    with _float64_params([layer], ["layer"]):
        y = _forward_checked(layer, x)
        dy = rng.standard_normal(y.shape)
        dx = _backward_checked(layer, dy)
        analytic, rows = _analytic_rows(layer, dx, x.shape)
        if method == "complex":
            rows += _complex_rows(layer, x, dy, analytic, eps, tol)
        else:
            rows += _central_rows(layer, x, dy, analytic, y, eps, tol, mode, rng,
                                  n_samples, n_directions)
        layer.forward(x)   # leave the layer's cache and grads as for the point checked
        layer.backward(dy)
    return GradCheckReport(rows, _layer_title(layer), tol, eps, method)


def _layer_title(layer) -> str:
    text = repr(layer)
    return text if len(text) < 60 and "object at 0x" not in text else type(layer).__name__


def _central_rows(layer, x, dy, analytic, y, eps, tol, mode, rng, n_samples, n_directions):
    watch = _KinkWatch()
    kinks = _kinks_of(layer)
    for k in kinks:
        watch.add("x", k, f"the kink of {type(layer).__name__} at")

    def evaluate():
        return float(np.sum(layer.forward(x) * dy)), [x] * len(kinks)

    scale = float(np.sum(np.abs(y * dy)))   # round-off in f grows with sum |y * dy|
    setup = _Setup(evaluate, watch, _base(evaluate, watch), eps, tol, mode, rng,
                   n_samples, n_directions, scale)
    rows = []
    for key, g in analytic.items():
        arr = x if key == "x" else layer.params[key]
        rows.append(_check_block(setup, key, arr, g))
    return rows


# --------------------------------------------------------- complex step
def _complex_sigmoid(z: np.ndarray) -> np.ndarray:
    r""":math:`\sigma(z)` for complex z, in the form that cannot overflow on either side.

    ``mininn.activations.sigmoid`` clamps with ``np.maximum``, which is not
    analytic; here ``Re z >= 0`` uses :math:`1 / (1 + e^{-z})` and
    ``Re z < 0`` uses :math:`e^{z} / (1 + e^{z})`.
    """
    out = np.empty_like(z)
    pos = z.real >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def _complex_softplus(z: np.ndarray) -> np.ndarray:
    r""":math:`\log(1 + e^z)` for complex z: :math:`z + \log(1 + e^{-z})` when ``Re z >= 0``.

    (``mininn.activations.softplus`` uses ``|z|``, which is not analytic.)
    """
    out = np.empty_like(z)
    pos = z.real >= 0
    out[pos] = z[pos] + np.log1p(np.exp(-z[pos]))
    out[~pos] = np.log1p(np.exp(z[~pos]))
    return out


# Elementwise analytic layers, with a complex-safe formula of their forward.
_ELEMENTWISE_ANALYTIC: Dict[type, Callable] = {
    Sigmoid: _complex_sigmoid,
    Tanh: np.tanh,
    Softplus: _complex_softplus,
    Identity: lambda z: z,
}


def _complex_formula(layer) -> Optional[Callable]:
    """The complex-safe forward of an elementwise analytic layer, or None.

    A subclass (say, a student's Sigmoid with its own backward) is stepped
    through its parent's formula, so its backward is checked against the
    true derivative of that function.
    """
    for cls in type(layer).__mro__:
        if cls in _ELEMENTWISE_ANALYTIC:
            return _ELEMENTWISE_ANALYTIC[cls]
    return None


def _require_analytic(layer) -> None:
    kind = type(layer)
    if (_complex_formula(layer) is not None or isinstance(layer, Dense)
            or getattr(layer, "analytic", False) is True):
        return
    if isinstance(layer, (ReLU, LeakyReLU)) or _kinks_of(layer):
        raise ValueError(
            f"method='complex' needs an analytic layer, but {kind.__name__} is not analytic: it "
            "has a kink at 0 (max(z, 0) has no complex extension), so a complex step would "
            "give numbers that mean nothing there; use method='central'")
    raise ValueError(
        f"method='complex' needs a layer known to be analytic (Dense, Sigmoid, Tanh, Softplus, "
        f"Identity); {kind.__name__} is not one of them. If its forward is analytic and works "
        "on complex arrays, set its attribute analytic = True")


def _complex_rows(layer, x, dy, analytic, h, tol) -> List[GradCheckRow]:
    r"""Complex-step derivatives :math:`\mathrm{Im}\, f(\theta + i h e_k) / h` of every array."""
    formula = _complex_formula(layer)
    numeric: Dict[str, np.ndarray] = {}
    if formula is not None:
        # Elementwise: output k depends on input k only (a diagonal Jacobian),
        # so perturbing every entry at once still separates the derivatives.
        numeric["x"] = formula(x + 1j * h).imag / h * dy
    else:
        z = x.astype(np.complex128)
        for key in analytic:
            if key == "x":
                numeric["x"] = _complex_steps(lambda: np.sum(layer.forward(z) * dy), z, h)
            else:
                numeric[key] = _complex_param_gradient(layer, key, x, dy, h)
    rows = []
    for key, g in analytic.items():
        n = numeric[key]
        # No subtraction: what is left is the round-off of the derivative itself.
        noise = _ROUNDOFF_FACTOR * _MACHINE_EPS * max(float(np.max(np.abs(n), initial=0.0)),
                                                      float(np.max(np.abs(g), initial=0.0)))
        shape = g.shape
        rows.append(_compare(key, g, n, noise, tol,
                             index_of=lambda j, s=shape: tuple(int(i) for i in np.unravel_index(j, s)),
                             mode="full"))
    return rows


def _complex_param_gradient(layer, key: str, x: np.ndarray, dy: np.ndarray,
                            h: float) -> np.ndarray:
    """Complex step of a parameter: swap in a complex copy, put the original back."""
    original = layer.params[key]
    work = original.astype(np.complex128)
    layer.params[key] = work
    try:
        return _complex_steps(lambda: np.sum(layer.forward(x) * dy), work, h)
    finally:
        layer.params[key] = original


# ======================================================== check a loss
def check_loss(loss, pred, target, eps: float = DEFAULT_EPS, tol: float = TOL) -> GradCheckReport:
    r"""Check ``loss.backward()`` = :math:`\partial L / \partial\, \mathrm{pred}`.

    ``loss`` is a loss object or name (``"mse"``, ``"bce"``,
    ``"softmax_cross_entropy"``); ``target`` whatever that loss accepts
    (e.g. integer labels for ``SoftmaxCrossEntropy``). For
    ``BinaryCrossEntropy`` on probabilities keep ``pred`` inside
    ``(eps, 1 - eps)``: the clip is a kink.
    """
    loss = _losses.get(loss)
    eps, tol, *_ = _check_options(eps, tol, "full", 1, 1)
    p = _as_check_array(pred, "pred")
    value = _scalar(loss.forward(p, target), "loss.forward")
    if not math.isfinite(value):
        raise ValueError(f"the loss at pred is {value}; pick predictions where it is finite")
    analytic = np.asarray(loss.backward(), dtype=np.float64)
    if analytic.shape != p.shape:
        rows = [_shape_row("pred", analytic.shape, p.shape, "loss.backward()")]
    else:
        t = _prepare_target(loss, target, p.shape, "target")

        watch = _KinkWatch()
        kinks = _loss_kinks(loss)
        for k in kinks:
            watch.add("pred", k, f"the clip of {type(loss).__name__} at")

        def evaluate():
            return loss.forward(p, t), [p] * len(kinks)

        setup = _Setup(evaluate, watch, _base(evaluate, watch), eps, tol, "full",
                       make_rng(0), 1, 1)
        rows = [_check_block(setup, "pred", p, analytic.copy())]
        loss.forward(p, t)   # leave the loss's cache for the point checked
    return GradCheckReport(rows, repr(loss), tol, eps)


# ===================================================== check a network
def _check_network_object(net, name: str = "net") -> None:
    if not hasattr(net, "layers") or not hasattr(net, "named_parameters"):
        raise TypeError(f"{name} must be a mininn Sequential (with layers and named_parameters), "
                        f"got {type(net).__name__}")
    for i, layer in enumerate(net.layers):
        _check_layer_contract(layer, f"{name}.layers[{i}]")


def check_network(net, X, y, loss="mse", seed: SeedLike = 0, eps: float = DEFAULT_EPS,
                  tol: float = TOL, mode: str = "full", n_samples: int = 10,
                  n_directions: int = 3, include_input: bool = True) -> GradCheckReport:
    r"""Check every parameter gradient of a network (and dL/dX) against the loss.

    For :math:`L = \mathrm{loss}(\mathrm{net}(X), y)`, one forward and backward pass
    give the analytic :math:`\partial L / \partial \theta` of every parameter
    (rows named like ``"0.Dense.W"``) and :math:`\partial L / \partial X` (row
    ``"X"``); each is compared with central differences of L. Kinks of ReLU
    and LeakyReLU units anywhere in the network are watched.

    Parameters
    ----------
    net : Sequential
    X : array (n, n_inputs); never modified.
    y : targets with n rows (whatever ``loss`` accepts).
    loss : Loss or str
    seed : None, int or Generator
        For the sampled and directional modes.
    eps, tol, mode, n_samples, n_directions : see ``check_layer``.
    include_input : bool
        Also check dL/dX (row ``"X"``).
    """
    _check_network_object(net)
    eps, tol, mode, n_samples, n_directions, _ = _check_options(
        eps, tol, mode, n_samples, n_directions)
    rng = _checker_rng(seed)
    X = _network_input(net, X)
    y_arr = np.asarray(y)
    if y_arr.ndim == 0 or y_arr.shape[0] != X.shape[0]:
        raise ValueError(f"X and y must hold the same number of samples, got X with {X.shape[0]} "
                         f"rows and y of shape {y_arr.shape}")
    loss = _losses.get(loss)
    layers = list(net.layers)
    names = [f"layers[{i}]" for i in range(len(layers))]
    with _float64_params(layers, names):
        Y = net._forward(X)
        target = _prepare_target(loss, y, Y.shape)
        value = _scalar(loss.forward(Y, target), "loss.forward")
        if not math.isfinite(value):
            raise ValueError(f"the loss at X is {value}; the check needs a finite loss")
        dX = np.asarray(net._backward(loss.backward(), input_grad=True), dtype=np.float64)
        watch, plan = _network_watch(layers, loss)

        def evaluate():
            out, watched = _forward_watching(layers, X, plan)
            return loss.forward(out, target), watched

        setup = _Setup(evaluate, watch, _base(evaluate, watch), eps, tol, mode, rng,
                       n_samples, n_directions)
        rows = []
        for pname, param, grad in list(net.named_parameters()):
            if grad is None:
                rows.append(GradCheckRow(pname, "FAIL", math.inf, math.inf, None, math.nan,
                                         math.nan, 0, param.size, "full",
                                         "the layer's grads has no entry for it after backward"))
            elif np.shape(grad) != param.shape:
                rows.append(_shape_row(pname, np.shape(grad), param.shape, "its gradient"))
            else:
                rows.append(_check_block(setup, pname, param, np.array(grad, dtype=np.float64)))
        if include_input:
            if dX.shape != X.shape:
                rows.append(_shape_row("X", dX.shape, X.shape, "backward's dX"))
            else:
                rows.append(_check_block(setup, "X", X, dX))
        diagnosis = ""
        if not all(row.ok for row in rows):
            extra, diagnosis = _diagnose(layers, X, loss, y, rng, eps, tol, mode, n_samples,
                                         n_directions)
            rows += extra
        # leave the layers' caches and grads as for the point checked
        loss.forward(net._forward(X), target)
        net._backward(loss.backward(), input_grad=True)
    return GradCheckReport(rows, f"{type(net).__name__} with {loss!r}", tol, eps,
                           diagnosis=diagnosis)


def _diagnose(layers, X, loss, y, rng, eps, tol, mode, n_samples, n_directions):
    """Check every layer on its own, at the input it sees, to name the culprit.

    Returns the FAIL rows of the layers (and loss) that fail alone, named
    like ``"1.Sigmoid.x (alone)"``, and a one-line diagnosis.
    """
    rows, culprits = [], []
    A = X
    for i, layer in enumerate(layers):
        report = check_layer(layer, A, seed=rng, eps=eps, tol=tol, mode=mode,
                             n_samples=n_samples, n_directions=n_directions)
        prefix = f"{i}.{type(layer).__name__}"
        for row in report.failures:
            row.name = f"{prefix}.{row.name} (alone)"
            rows.append(row)
        if not report.passed:
            culprits.append(f"layer {prefix}")
        A = layer.forward(A)
    if loss is not None:
        report = check_loss(loss, A, y, eps=eps, tol=tol)
        for row in report.failures:
            row.name = f"{type(loss).__name__}.pred (alone)"
            rows.append(row)
        if not report.passed:
            culprits.append(f"the loss {loss!r}")
    if culprits:
        uncertain = all("uncertain" in row.note or "kink here" in row.note for row in rows)
        if uncertain:
            return rows, (f"checked on its own, {' and '.join(culprits)} fails, but only where "
                          "the numeric values cannot be trusted (see the notes)")
        return rows, (f"checked on its own, {' and '.join(culprits)} fails: its backward is "
                      "wrong (the other failures follow from it through the chain rule)")
    return rows, ("every layer (and the loss) passes on its own: look at how their gradients "
                  "are chained (the network's backward) or at a kink the checker was not told about")


def _prepare_target(loss, y, shape, name: str = "y"):
    """The loss's own target preparation, once, with errors naming ``name``."""
    prepare = getattr(loss, "prepare_target", None)
    if prepare is None:
        return y
    try:
        return prepare(y, shape)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"{name}: {exc}") from None


def _network_input(net, X) -> np.ndarray:
    arr = _as_check_array(X, "X")
    return as_batch(arr, "X", getattr(net, "n_inputs", None))


# ------------------------------------------------------- input gradient
def check_input_gradient(net, X, output: int = 0, eps: float = DEFAULT_EPS,
                         tol: float = TOL) -> GradCheckReport:
    r"""Check ``net.input_gradient(X, output)`` = :math:`\partial Y_{:,j} / \partial X`.

    Vectorised: the 2k perturbed copies :math:`x_i \pm h e_c` of every sample
    (k input features) are stacked into one ``(2 k n, k)`` batch and go
    through ONE forward pass; the samples do not interact, so

    .. math::
        G^{num}_{ic} = \frac{Y_j(x_i + h e_c) - Y_j(x_i - h e_c)}{2h}.

    Memory: the stacked batch holds ``2 k n`` rows at every layer's width.
    Kinks: the one-sided slopes use the unperturbed :math:`Y_j(x_i)`.
    """
    _check_network_object(net)
    eps, tol, *_ = _check_options(eps, tol, "full", 1, 1)
    X = _network_input(net, X)
    if not hasattr(net, "input_gradient"):
        raise TypeError(f"net must have an input_gradient method, got {type(net).__name__}")
    n, k = X.shape
    layers = list(net.layers)
    with _float64_params(layers, [f"layers[{i}]" for i in range(len(layers))]):
        analytic = np.asarray(net.input_gradient(X, output), dtype=np.float64)
        output = int(output)
        if analytic.shape != X.shape:
            rows = [_shape_row("X", analytic.shape, X.shape, "input_gradient")]
            return GradCheckReport(rows, f"d Y[:, {output}] / d X", tol, eps)
        watch, plan = _network_watch(layers)
        Y0, base_watched = _forward_watching(layers, X, plan)
        steps = eps * np.concatenate([np.eye(k), -np.eye(k)])              # (2k, k)
        stacked = (X[:, None, :] + steps[None, :, :]).reshape(n * 2 * k, k)
        actual = stacked.reshape(n, 2, k, k) - X[:, None, None, :]         # steps really taken
        Ys, watched = _forward_watching(layers, stacked, plan)
        f0 = Y0[:, output]
        fs = Ys[:, output].reshape(n, 2, k)
        up = np.einsum("icc->ic", actual[:, 0])
        down = -np.einsum("icc->ic", actual[:, 1])
        plus, minus = fs[:, 0], fs[:, 1]
        numeric = (plus - minus) / (up + down)
        left, right = (f0[:, None] - minus) / down, (plus - f0[:, None]) / up
        crossed, example = _stacked_crossings(watch, base_watched, watched, n, k)
        F = max(float(np.max(np.abs(f0))), float(np.max(np.abs(fs))))
        noise = _ROUNDOFF_FACTOR * _MACHINE_EPS * F / eps
        row = _compare(f"X (d Y[:, {output}] / d X)", analytic, numeric, noise, tol,
                       crossed.reshape(-1), (left.reshape(-1), right.reshape(-1)),
                       index_of=lambda j: (j // k, j % k), size=X.size, kink_example=example)
        rows, diagnosis = [row], ""
        if not row.ok:
            extra, diagnosis = _diagnose(layers, X, None, None, _checker_rng(0), eps, tol,
                                         "full", 1, 1)
            rows += extra
    return GradCheckReport(rows, f"input gradient of {type(net).__name__}, output {output}",
                           tol, eps, diagnosis=diagnosis)


def _stacked_crossings(watch: _KinkWatch, base, stacked, n: int, k: int):
    """Which (sample, feature) perturbations of a stacked batch crossed a kink."""
    crossed = np.zeros((n, k), dtype=bool)
    example = ""
    for label, kink, kind, w0, w in zip(watch.labels, watch.kinks, watch.kinds, base, stacked):
        s0 = np.sign(w0 - kink).reshape(n, 1, 1, -1)
        s = np.sign(w - kink).reshape(n, 2, k, -1)
        diff = s != s0                                   # (n, 2, k, units)
        hit = diff.any(axis=(1, 3))
        if hit.any() and not example:
            i, c = np.argwhere(hit)[0]
            side, unit = np.argwhere(diff[i, :, c])[0]
            example = (f"moving X[{i}, {c}] by h moves {label}[{i}, {unit}] = "
                       f"{float(w0.reshape(n, -1)[i, unit]):.3g} across {kind} {kink:g}")
        crossed |= hit
    return crossed, example


# ========================================================= Taylor test
@dataclass
class TaylorResult:
    r"""Residuals :math:`r(\epsilon) = |f(x + \epsilon d) - f(x) - \epsilon\, g \cdot d|` and their slope.

    ``slope`` is the least-squares slope of log r against log epsilon over
    the residuals above round-off (NaN when all are at round-off level: f is
    linear along d and the gradient is exact there). ``passed`` when the
    slope is at least 1.8 (about 2) or undefined.
    """

    name: str
    epsilons: np.ndarray
    residuals: np.ndarray
    slope: float
    passed: bool
    verdict: str

    def __str__(self) -> str:
        return f"Taylor test of {self.name}: {self.verdict}"


def taylor_test(f: Callable, x, grad, direction=None, epsilons=None, seed: SeedLike = 0,
                name: str = "x") -> TaylorResult:
    r"""Tolerance-free gradient test: does the first-order remainder shrink like :math:`\epsilon^2`?

    By Taylor, :math:`f(x + \epsilon d) = f(x) + \epsilon\, \nabla f \cdot d + O(\epsilon^2)`.
    With the right gradient g the residual
    :math:`r(\epsilon) = |f(x + \epsilon d) - f(x) - \epsilon\, g \cdot d|` is
    :math:`O(\epsilon^2)`: slope 2 on a log-log plot. With a wrong g it keeps the
    term :math:`\epsilon\, (\nabla f - g) \cdot d`: slope 1.

    Parameters
    ----------
    f : callable, ``f(x) -> float`` (receives float64 copies).
    x : array; never modified.
    grad : array shaped like x, the gradient to test.
    direction : array shaped like x, optional
        Default: a random unit vector (from ``seed``).
    epsilons : 1-d array of positive floats, optional
        Default ``1e-2 * 2**-k`` for k = 0..12 (1e-2 down to 2.4e-6).
    """
    x, g = _check_f_x_grad(f, x, grad)
    if direction is None:
        d = _checker_rng(seed).standard_normal(x.shape)
    else:
        d = _as_check_array(direction, "direction")
        if d.shape != x.shape:
            raise ValueError(f"direction must have the shape of x {x.shape}, got {d.shape}")
    norm = float(np.linalg.norm(d))
    if norm == 0:
        raise ValueError("direction must not be zero")
    d = d / norm
    epsilons = _taylor_epsilons(epsilons)
    return _taylor(lambda e: _scalar(f(x + e * d), "f"), _scalar(f(x.copy()), "f"),
                   float(np.sum(g * d)), epsilons, name)


def _taylor_epsilons(epsilons) -> np.ndarray:
    if epsilons is None:
        return 1e-2 * 2.0 ** -np.arange(13)
    eps = _as_check_array(epsilons, "epsilons")
    if eps.ndim != 1 or eps.size < 3 or np.any(eps <= 0):
        raise ValueError(f"epsilons must be a 1-d array of at least 3 positive steps, got {eps!r}")
    return eps


def _taylor(f_along: Callable[[float], float], f0: float, slope_gd: float,
            epsilons: np.ndarray, name: str) -> TaylorResult:
    values = np.array([f_along(e) for e in epsilons])
    residuals = np.abs(values - f0 - epsilons * slope_gd)
    # Below ~64 eps_mach |f| a residual is round-off, not Taylor remainder.
    floor = 64 * _MACHINE_EPS * max(abs(f0), float(np.max(np.abs(values))), _SMALLEST)
    usable = residuals > floor
    if usable.sum() < 3:
        return TaylorResult(name, epsilons, residuals, math.nan, True,
                            "residuals at round-off level: f is linear along d and the gradient "
                            "is exact there (slope undefined)")
    slope = float(np.polyfit(np.log(epsilons[usable]), np.log(residuals[usable]), 1)[0])
    passed = slope >= 1.8
    if passed:
        verdict = f"slope {slope:.2f}: the remainder shrinks like eps^2, the gradient is right"
    elif slope < 1.3:
        verdict = f"slope {slope:.2f}: the remainder shrinks only like eps, the gradient is WRONG"
    else:
        verdict = (f"slope {slope:.2f}: between 1 and 2, a small gradient error or a kink "
                   "along d; look closer")
    return TaylorResult(name, epsilons, residuals, slope, passed, verdict)


def taylor_test_layer(layer, x, seed: SeedLike = 0, epsilons=None) -> Dict[str, TaylorResult]:
    r"""Taylor tests of a layer through :math:`f = \mathrm{sum}(\mathrm{forward}(x) \odot dy)`.

    One result per array (``"x"`` and each parameter key), moving only that
    array, and ``"all"`` moving every array at once. A linear array (Dense's
    x, or W, alone) gives round-off residuals ("linear"); ``"all"`` still
    has the cross term of x and W, so its slope is 2. Parameters are
    restored exactly.
    """
    _check_layer_contract(layer)
    rng = _checker_rng(seed)
    x = _as_check_array(x, "x")
    epsilons = _taylor_epsilons(epsilons)
    with _float64_params([layer], ["layer"]):
        y = _forward_checked(layer, x)
        dy = rng.standard_normal(y.shape)
        dx = _backward_checked(layer, dy)
        analytic, bad = _analytic_rows(layer, dx, x.shape)
        if bad:
            raise ValueError("the layer's gradients have the wrong shapes:\n"
                             + "\n".join(f"  {r.name}: {r.note}" for r in bad))
        f0 = float(np.sum(y * dy))
        arrays = {key: (x if key == "x" else layer.params[key]) for key in analytic}
        saved = {key: arr.copy() for key, arr in arrays.items()}
        directions = {}
        for key, arr in arrays.items():
            d = rng.standard_normal(arr.shape)
            directions[key] = d / np.linalg.norm(d) if d.size else d

        def moved(keys):
            def f_along(e):
                try:
                    for key in keys:
                        arrays[key][...] = saved[key] + e * directions[key]
                    return float(np.sum(layer.forward(x) * dy))
                finally:
                    for key in keys:
                        arrays[key][...] = saved[key]
            return f_along

        results = {}
        for key in arrays:
            gd = float(np.sum(analytic[key] * directions[key]))
            results[key] = _taylor(moved([key]), f0, gd, epsilons, key)
        gd_all = sum(float(np.sum(analytic[k] * directions[k])) for k in arrays)
        results["all"] = _taylor(moved(list(arrays)), f0, gd_all, epsilons, "all")
        layer.forward(x)
        layer.backward(dy)
    return results


# ===================================================== step-size sweep
@dataclass
class StepSizeSweep:
    r"""Error of the central difference against the analytic gradient, per step h.

    ``errors[i]`` is :math:`\max_k |n_k(h_i) - a_k| / \max_k |a_k|`. On the
    large-h side it falls like :math:`h^2` (truncation), on the small-h side
    it rises like :math:`1/h` (round-off); ``best_step`` is the minimum.
    """

    steps: np.ndarray
    errors: np.ndarray
    best_step: float
    best_error: float

    def _fit(self, mask) -> float:
        ok = mask & (self.errors > 0)
        if ok.sum() < 2:
            return math.nan
        return float(np.polyfit(np.log(self.steps[ok]), np.log(self.errors[ok]), 1)[0])

    @property
    def truncation_slope(self) -> float:
        """Fitted log-log slope for h > 10 * best_step (about 2)."""
        return self._fit(self.steps > 10 * self.best_step)

    @property
    def roundoff_slope(self) -> float:
        """Fitted log-log slope for h < best_step / 10 (about -1)."""
        return self._fit(self.steps < self.best_step / 10)

    def plot(self, ax=None):
        """Same as ``plot_step_size_sweep(self, ax)``."""
        return plot_step_size_sweep(self, ax)

    def __str__(self) -> str:
        return (f"best step h = {self.best_step:.1e} (max error {self.best_error:.1e}); "
                f"slopes {self.truncation_slope:.2f} (truncation) and "
                f"{self.roundoff_slope:.2f} (round-off)")


def step_size_sweep(f: Callable, x, grad, steps=None) -> StepSizeSweep:
    r"""Central-difference error as a function of the step h.

    Parameters
    ----------
    f : callable, ``f(x) -> float`` (receives float64 copies).
    x : array; never modified.
    grad : array shaped like x: the (trusted) analytic gradient.
    steps : 1-d array of positive floats, optional
        Default: 23 steps from 1e-1 to 1e-12, half a decade apart.

    Returns
    -------
    StepSizeSweep (``.plot()`` draws it).
    """
    x, g = _check_f_x_grad(f, x, grad)
    steps = np.logspace(-1, -12, 23) if steps is None else _as_check_array(steps, "steps")
    if steps.ndim != 1 or steps.size < 2 or np.any(steps <= 0):
        raise ValueError(f"steps must be a 1-d array of at least 2 positive steps, got {steps!r}")
    scale = max(float(np.max(np.abs(g))), _SMALLEST)
    errors = np.array([np.max(np.abs(numerical_gradient(f, x.copy(), h) - g)) / scale
                       for h in steps])
    best = int(np.argmin(errors))
    return StepSizeSweep(steps, errors, float(steps[best]), float(errors[best]))


def plot_step_size_sweep(sweep: StepSizeSweep, ax=None):
    """Log-log plot of a ``StepSizeSweep`` with reference slopes 2 and -1.

    The slope-2 line (truncation, :math:`\\propto h^2`) is drawn through the
    largest step, the slope -1 line (round-off, :math:`\\propto 1/h`) through
    the smallest; a dotted vertical line marks the best step. Returns the
    Axes; never calls ``plt.show()``. matplotlib is imported here, not with
    mininn.
    """
    if not isinstance(sweep, StepSizeSweep):
        raise TypeError(f"sweep must be a StepSizeSweep, got {type(sweep).__name__}")
    import matplotlib.pyplot as plt   # lazily: `import mininn` stays light

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    h, err = sweep.steps, sweep.errors
    shown = err > 0
    ax.loglog(h[shown], err[shown], "o-", color="C0", label="max error of central difference")
    right = h >= sweep.best_step
    left = h <= sweep.best_step
    i_big, i_small = int(np.argmax(h)), int(np.argmin(h))
    ax.loglog(h[right], err[i_big] * (h[right] / h[i_big]) ** 2, "--", color="C1",
              label="slope 2: truncation ~ h^2")
    ax.loglog(h[left], err[i_small] * (h[left] / h[i_small]) ** -1, "--", color="C2",
              label="slope -1: round-off ~ eps/h")
    ax.axvline(sweep.best_step, color="grey", linestyle=":",
               label=f"best h = {sweep.best_step:.0e}")
    ax.set_xlabel("step h")
    ax.set_ylabel("max |numeric - analytic| / max |analytic|")
    ax.set_title("Central difference: error against step size")
    ax.legend(fontsize="small")
    return ax


# ============================================================ selftest
class _SigmoidUsingZ(Sigmoid):
    """A deliberately wrong Sigmoid: its backward uses z where sigma(z) belongs."""

    def forward(self, z):
        self._z = z
        return super().forward(z)

    def backward(self, da):
        z = self._z
        return da * (z * (1.0 - z))     # WRONG: should be a * (1 - a), a = sigma(z)


def selftest(seed: SeedLike = 0) -> GradCheckReport:
    """Negative control: show that the checker catches a wrong gradient.

    Checks a correct ``Sigmoid`` (must pass) and a Sigmoid whose backward
    uses z instead of sigma(z) (must fail) and returns the failing report,
    so ``print(selftest())`` shows what a caught bug looks like. Raises
    RuntimeError if the checker gets either case wrong.
    """
    rng = _checker_rng(seed)
    x = rng.standard_normal((4, 3))
    good = check_layer(Sigmoid(), x, seed=rng)
    bad = check_layer(_SigmoidUsingZ(), x, seed=rng)
    if not good.passed:
        raise RuntimeError("selftest: the checker rejected a correct Sigmoid:\n" + str(good))
    if bad.passed:
        raise RuntimeError("selftest: the checker MISSED a wrong Sigmoid backward:\n" + str(bad))
    return bad
