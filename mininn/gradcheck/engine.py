r"""The engine of every check: perturb, compare, and get a second opinion.

An *evaluator* is a function of no arguments returning ``(value, watched)``:
the scalar f at the current contents of the arrays being perturbed, and the
list of watched arrays for the kink watch (``kinks.KinkWatch``). The engine
perturbs arrays in place (restoring them exactly, even on error), calls the
evaluator, and turns the differences into a ``GradCheckRow``.

Round-off: with :math:`\delta = 8\,\varepsilon_{mach} F / h` (``F`` the size
of the values f is computed from), an entry with
:math:`|a| + |n| < \mathrm{tiny} = \delta / \mathrm{RTOL}` cannot be resolved
relatively and is judged by its absolute error against :math:`\delta`;
without that floor, an entry that is zero up to round-off would fail at
random.

Second opinion: the worst entry of a failing row is measured again with
steps h/10 and 10h. A wrong gradient leaves the same error at every step; if
the error moves with h instead, or the one-sided slopes stay apart as h
shrinks (an undeclared kink), the row's note says that the numeric value
cannot be trusted there.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import numpy as np

from .._validation import SeedLike, check_choice, check_int, check_positive, make_rng
from .differences import METHODS, default_step
from .kinks import KINK_SLACK, KinkWatch
from .precision import MACHINE_EPS, SMALLEST, as_scalar
from .report import RTOL, GradCheckRow

ROUNDOFF_FACTOR = 8.0   # safety factor on the round-off estimate eps_mach * F / h
MODES = ("full", "sampled", "directional")


@dataclass
class Probe:
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


def base_point(evaluate, watch: KinkWatch):
    f0, watched = evaluate()
    sides = watch.sides(watched) if watch else None
    values = [np.array(w, dtype=np.float64, copy=True) for w in watched] if watch else None
    return as_scalar(f0, "f"), sides, values


def probe_entries(evaluate, arr: np.ndarray, indices: np.ndarray, h: float,
                   watch: KinkWatch, base) -> Probe:
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
    return Probe(f0, plus, minus, up, down, crossed, note)


def probe_directions(evaluate, arr: np.ndarray, directions: np.ndarray, h: float,
                      watch: KinkWatch, base) -> Probe:
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
    return Probe(f0, plus, minus, steps, steps.copy(), crossed, note)


def tiny_floor(noise: float) -> float:
    """Floor of |a| + |n|: entries below it are judged by absolute error against ``noise``."""
    return max(noise / RTOL, SMALLEST)


def compare(name: str, analytic: np.ndarray, numeric: np.ndarray, noise: float, rtol: float,
             crossed: Optional[np.ndarray] = None, bracket=None,
             index_of: Optional[Callable[[int], Optional[tuple]]] = None,
             size: Optional[int] = None, mode: str = "full", note: str = "",
             kink_example: str = "") -> GradCheckRow:
    r"""Compare analytic with numeric values (1-d, same length) and make a row.

    Ordinary entries pass when :math:`|a - n| / \max(|a| + |n|, tiny) < rtol`.
    Entries whose perturbation ``crossed`` a kink are compared with the
    interval ``bracket = (left, right)`` of one-sided slopes instead: they
    pass when ``a`` lies inside it (plus ``KINK_SLACK`` relative), and their
    "numeric" value is the point of the interval nearest to ``a``.
    ``kink_example`` names the first crossing in words, for the row's note.
    """
    a = np.asarray(analytic, dtype=np.float64).reshape(-1)
    n = np.array(numeric, dtype=np.float64).reshape(-1)
    tiny = tiny_floor(noise)
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
    bad = np.where(crossed, ~inside, ~(rel < rtol))
    size = a.size if size is None else size
    if a.size == 0:
        return GradCheckRow(name, "pass", 0.0, 0.0, None, 0.0, 0.0, 0, size, mode, note)
    worst = int(np.argmax(np.where(bad, rel, -1.0))) if bad.any() else int(np.argmax(rel))
    status = "FAIL" if bad.any() else ("kink" if crossed.any() else "pass")
    if not np.all(np.isfinite(a)):
        note = join_notes(note, "the analytic gradient holds NaN or inf")
    if crossed.any():
        if inside[crossed].all():
            verdict = ("there the analytic value lies between the one-sided slopes, and at a "
                       "kink any value between them is a valid subgradient: accepted")
        else:
            verdict = "at some of them the analytic value lies OUTSIDE the one-sided slopes: wrong"
        note = join_notes(note, f"kink: {int(crossed.sum())} of {a.size} perturbations cross a kink "
                           f"(e.g. {kink_example}); {verdict}")
    index = index_of(worst) if index_of is not None else (worst,)
    return GradCheckRow(name, status, float(abs_err.max()), float(rel.max()), index,
                        float(a[worst]), float(n[worst]), int(a.size), size, mode, note)


def join_notes(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


# ------------------------------------------------------------ one block
@dataclass
class Setup:
    """What every block of one check shares."""

    evaluate: Callable
    watch: KinkWatch
    base: tuple
    h: float
    rtol: float
    mode: str
    rng: np.random.Generator
    n_samples: int
    n_directions: int
    scale: float = 0.0     # extra size of f for the round-off estimate (e.g. sum |y * dy|)


def check_entries(setup: Setup, name: str, arr: np.ndarray, analytic: np.ndarray,
                   indices: np.ndarray, mode: str, note: str = "") -> GradCheckRow:
    """Central differences at the given flat ``indices`` of ``arr``, compared with ``analytic``."""
    probe = probe_entries(setup.evaluate, arr, indices, setup.h, setup.watch, setup.base)
    noise = ROUNDOFF_FACTOR * MACHINE_EPS * max(probe.scale(), setup.scale) / setup.h
    shape = arr.shape
    row = compare(name, analytic.reshape(-1)[indices], probe.central, noise, setup.rtol,
                   probe.crossed, probe.one_sided(),
                   index_of=lambda j: tuple(int(i) for i in np.unravel_index(indices[j], shape)),
                   size=arr.size, mode=mode, note=note,
                   kink_example=perturbed_example(name, shape, indices, probe))
    if not row.ok and row.worst_index is not None and math.isfinite(row.numeric):
        row.note = join_notes(row.note, second_opinion(setup, arr, row))
    return row


def second_opinion(setup: Setup, arr: np.ndarray, row: GradCheckRow) -> str:
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
    probes = [probe_entries(setup.evaluate, arr, flat_index, step, setup.watch, setup.base)
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


def perturbed_example(name: str, shape, indices, probe: Probe) -> str:
    if not probe.crossed.any():
        return ""
    j = int(np.flatnonzero(probe.crossed)[0])
    where = ", ".join(str(int(i)) for i in np.unravel_index(indices[j], shape))
    return f"moving {name}[{where}] by h moves {probe.kink_note}"


def check_directional(setup: Setup, name: str, arr: np.ndarray,
                       analytic: np.ndarray) -> GradCheckRow:
    r"""Directional derivatives :math:`g \cdot u` against :math:`(f(x+hu) - f(x-hu)) / 2h`.

    u are random unit vectors. For a layer, with f = sum(forward * v), this is
    :math:`v^T J u`: a handful of evaluations check the whole array.
    """
    u = setup.rng.standard_normal((setup.n_directions, arr.size))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    directions = u.reshape((setup.n_directions,) + arr.shape)
    probe = probe_directions(setup.evaluate, arr, directions, setup.h, setup.watch, setup.base)
    noise = ROUNDOFF_FACTOR * MACHINE_EPS * max(probe.scale(), setup.scale) / setup.h
    example = f"moving {name} along u by h moves {probe.kink_note}" if probe.kink_note else ""
    return compare(name, u @ analytic.reshape(-1), probe.central, noise, setup.rtol,
                    probe.crossed, probe.one_sided(), index_of=lambda j: None,
                    size=arr.size, mode="directional", kink_example=example)


def check_block(setup: Setup, name: str, arr: np.ndarray, analytic: np.ndarray) -> GradCheckRow:
    """Check one array (input or parameter) in the setup's mode."""
    if setup.mode == "directional":
        row = check_directional(setup, name, arr, analytic)
        if row.ok:
            return row
        # A random direction hides no error (it is orthogonal to the error
        # with probability 0), but it cannot say WHERE the error is.
        note = (f"the directional check failed (relative error {row.max_rel_error:.1e} "
                f"along {row.checked} random directions), so every entry was checked")
        return check_entries(setup, name, arr, analytic, np.arange(arr.size), "full", note)
    if setup.mode == "sampled":
        m = min(setup.n_samples, arr.size)
        indices = np.sort(setup.rng.choice(arr.size, size=m, replace=False))
        return check_entries(setup, name, arr, analytic, indices, "sampled")
    return check_entries(setup, name, arr, analytic, np.arange(arr.size), "full")


def check_options(eps, rtol, mode="full", n_samples=1, n_directions=1, method="central"):
    """The options shared by the checks, validated (``eps`` None: the method's default)."""
    method = check_choice(method, "method", METHODS)
    eps = default_step(eps, method)
    rtol = check_positive(rtol, "rtol")
    mode = check_choice(mode, "mode", MODES)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    n_directions = check_int(n_directions, "n_directions", minimum=1)
    if method == "complex" and mode != "full":
        raise ValueError(f"mode must be 'full' with method='complex', got {mode!r}")
    return eps, rtol, mode, n_samples, n_directions, method


def checker_rng(seed: SeedLike) -> np.random.Generator:
    """The checker's random source (for dy, samples and directions).

    Accepted seeds follow ``make_rng``. An int seed is mixed with a constant
    first: otherwise ``dy`` drawn with ``seed=0`` would equal an ``x`` the
    caller drew with ``np.random.default_rng(0)`` -- and with dy = x,
    :math:`x^T dy` is symmetric, so a forgotten transpose would pass
    unnoticed. A Generator is used as is; None draws fresh entropy.
    """
    rng = make_rng(seed)
    if isinstance(seed, numbers.Integral):
        return np.random.default_rng([int(seed), 0x9C4EC])
    return rng
