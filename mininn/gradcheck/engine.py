r"""The engine of every check: probe one array, judge it, get a second opinion.

A ``Setup`` holds what the blocks of one check share: the evaluator (see
``probes.py``), the kink watch, the step, the round-off scale of f
(``noise.py``) and the mode. ``check_block`` checks one array (an input or a
parameter) and returns its ``GradCheckRow``.

Round-off of a numeric value: :math:`\delta_i = 8\,\varepsilon_{mach} S / h_i`,
with S the size of the terms f is computed from and 8 a safety factor.

Second opinion: a FAIL is kept only if it survives a re-measurement of the
worst entry with steps h/10, h and 10h. A wrong gradient leaves the same
error at every step; round-off shrinks as h grows and truncation grows with
it, so an error that moves with h is a verdict on finite differences, not on
the gradient: the row becomes ``uncertain``. One-sided slopes that stay apart
as h shrinks reveal a kink nobody declared.

Tell-tale ratios: when a row FAILs, the ratio analytic / numeric is examined
for the classic mistakes (a sign, a factor 2, the batch size, a transpose).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Callable, Sequence, Tuple

import numpy as np

from .._validation import SeedLike, check_choice, check_int, check_positive, make_rng
from .compare import compare, join_notes
from .differences import METHODS, default_step
from .kinks import KINK_SLACK, KinkWatch
from .precision import MACHINE_EPS
from .probes import Probe, probe_directions, probe_entries
from .report import GradCheckRow

ROUNDOFF_FACTOR = 8.0   # safety factor on the round-off estimate eps_mach * S / h
MODES = ("full", "sampled", "directional")


def roundoff(scale: float, steps) -> np.ndarray:
    """The round-off of a central difference: 8 eps_mach S / h (per entry)."""
    return ROUNDOFF_FACTOR * MACHINE_EPS * scale / np.asarray(steps, dtype=np.float64)


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
    scale: float = 0.0     # size of the terms f is computed from (noise.py)
    counts: Sequence[Tuple[int, str]] = field(default_factory=tuple)   # for tell-tale ratios


def _scale(setup: Setup, probe: Probe) -> float:
    return max(probe.scale(), setup.scale)


def check_entries(setup: Setup, name: str, arr: np.ndarray, analytic: np.ndarray,
                  indices: np.ndarray, mode: str, note: str = "") -> GradCheckRow:
    """Central differences at the given flat ``indices`` of ``arr``, compared with ``analytic``."""
    probe = probe_entries(setup.evaluate, arr, indices, setup.h, setup.watch, setup.base)
    noise = roundoff(_scale(setup, probe), probe.step)
    shape = arr.shape
    a = analytic.reshape(-1)[indices]
    row = compare(name, a, probe.central, noise, setup.rtol, probe.crossed, probe.one_sided(),
                  probe.several,
                  index_of=lambda j: tuple(int(i) for i in np.unravel_index(indices[j], shape)),
                  size=arr.size, mode=mode, note=note,
                  kink_example=_perturbed(name, shape, indices, probe))
    worst = None if row.worst_index is None else int(np.flatnonzero(
        indices == np.ravel_multi_index(row.worst_index, shape))[0])
    if row.status == "FAIL" and worst is not None and probe.crossed[worst]:
        status, opinion = kink_opinion(setup, arr, row)
        row.status = status
        row.note = join_notes(row.note, opinion)
    elif row.status == "FAIL" and worst is not None and math.isfinite(row.numeric):
        status, opinion = second_opinion(setup, arr, row)
        row.status = status
        row.note = join_notes(row.note, opinion)
    if row.status == "FAIL":
        usable = ~probe.crossed & (np.abs(probe.central) > 10 * noise)
        full = mode == "full" and len(indices) == arr.size
        row.note = join_notes(row.note, telltale(a, probe.central, usable, shape if full else None,
                                                 setup.counts))
    return row


def second_opinion(setup: Setup, arr: np.ndarray, row: GradCheckRow) -> Tuple[str, str]:
    """Re-measure the worst entry with steps h/10, h and 10h: keep the FAIL, or say why not.

    Returns ``(status, note)``: ``"FAIL"`` when the error is the same at every
    step that resolves it (a wrong gradient), ``"uncertain"`` when it moves
    with h or no step resolves it. An undeclared kink (one-sided slopes that
    stay apart as h shrinks) stays a FAIL, with a note that says how to
    declare it.
    """
    flat_index = np.array([int(np.ravel_multi_index(row.worst_index, arr.shape))])
    a = row.analytic
    errors, gaps, noises, several = [], [], [], False
    probes = [probe_entries(setup.evaluate, arr, flat_index, step, setup.watch, setup.base)
              for step in (setup.h / 10, setup.h, setup.h * 10)]
    for probe in probes:
        left, right = (float(v[0]) for v in probe.one_sided())
        noise = float(roundoff(_scale(setup, probe), probe.step)[0])
        gaps.append(abs(right - left))
        noises.append(noise)
        numeric = float(np.clip(a, min(left, right), max(left, right))) if probe.crossed[0] \
            else float(probe.central[0])
        errors.append(abs(a - numeric) if not probe.crossed[0] else math.nan)
        several = several or bool(probe.several[0])
    if several:
        return "uncertain", ("cannot tell: a perturbation of this entry crosses several kinks at "
                             "once; move the inputs off the kinks to check it")
    if (not probes[1].crossed[0] and gaps[1] > 8 * noises[1] and gaps[0] > 8 * noises[0]
            and gaps[1] >= 0.5 * errors[1] and gaps[0] >= 0.5 * gaps[1]):
        left, right = (float(v[0]) for v in probes[1].one_sided())
        return "FAIL", (f"f seems to have a kink here that the checker was not told about: the "
                        f"one-sided slopes {left:.6g} (left) and {right:.6g} (right) stay apart "
                        "as h shrinks; if f really has a kink there, declare it (a layer "
                        "attribute kinks = (0.0,), or check_gradient's kinks/lo/hi): the "
                        "checker then compares with the one-sided slopes")
    scale = abs(a) + abs(row.numeric)
    resolved = [e for e, d in zip(errors, noises)
                if e == e and e > 2 * d and e > setup.rtol * scale]
    if len(resolved) >= 2 and max(resolved) <= 2 * min(resolved):
        return "FAIL", ""
    return "uncertain", (
        f"cannot tell: the error is {errors[0]:.2g} at step h/10, {errors[1]:.2g} at h and "
        f"{errors[2]:.2g} at 10h (round-off about {noises[1]:.1g} at h); a wrong gradient would "
        "give the same error at every step. Round-off (an f that loses digits, e.g. a "
        "saturated sigmoid or a tiny loss), a kink nobody declared or an f that bends on a "
        "scale below h can each explain it; check at less extreme inputs")


def kink_opinion(setup: Setup, arr: np.ndarray, row: GradCheckRow) -> Tuple[str, str]:
    """A FAIL at a kink, measured again with steps h/10 and h/100: keep it, or say why not.

    The one-sided slopes bracket the valid subgradients only if f is smooth
    on each side within the step. Next to a kink where f bends on a scale
    below h (BCE's clip at 1 - 1e-12 reached by a saturated sigmoid) they move
    as h shrinks; a wrong slope at a clean kink (ReLU'(0) = 2) stays exactly
    as far outside the bracket at every step.
    """
    flat_index = np.array([int(np.ravel_multi_index(row.worst_index, arr.shape))])
    a = row.analytic
    brackets, noises = [], []
    for step in (setup.h, setup.h / 10, setup.h / 100):
        probe = probe_entries(setup.evaluate, arr, flat_index, step, setup.watch, setup.base)
        if not probe.crossed[0] or probe.several[0]:
            break
        left, right = (float(v[0]) for v in probe.one_sided())
        brackets.append((min(left, right), max(left, right)))
        noises.append(2 * float(roundoff(_scale(setup, probe), probe.step)[0]))
    if len(brackets) == 3:
        lo, hi = brackets[0]
        size = abs(lo) + abs(hi)
        # clean kink: each one-sided slope stays put as h shrinks (to truncation and round-off)
        moved = max(max(abs(b[0] - lo), abs(b[1] - hi)) for b in brackets)
        stable = moved <= 1e-2 * size + 4 * max(noises)
        outside = all(max(b[0] - a, a - b[1]) > KINK_SLACK * size + moved + 2 * d
                      for b, d in zip(brackets, noises))
        if stable and outside:
            return "FAIL", ""
    return "uncertain", ("cannot tell: measured with steps h/10 and h/100 the one-sided slopes "
                         "move (f bends on a scale below h next to the kink, e.g. a prediction "
                         "a hair from BCE's clip); check at inputs farther from the kink")


def telltale(a: np.ndarray, n: np.ndarray, usable: np.ndarray, shape, counts) -> str:
    """Name the classic mistake when analytic / numeric is the same everywhere, or a transpose."""
    a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
    mask = usable & np.isfinite(a) & (a != 0)
    if mask.sum() >= 2:
        ratio = a[mask] / n[mask]
        r = float(np.median(ratio))
        if r != 0 and np.all(np.abs(ratio - r) <= 1e-3 * abs(r)):
            return _name_ratio(r, counts)
    if shape is not None and len(shape) == 2 and shape[0] == shape[1] and shape[0] > 1:
        A, N = a.reshape(shape), n.reshape(shape)
        if np.allclose(A.T, N, rtol=1e-5, atol=1e-12 * float(np.max(np.abs(N), initial=0))):
            return "analytic = numeric TRANSPOSED: a forgotten (or extra) transpose"
    return ""


def _name_ratio(r: float, counts) -> str:
    def near(value: float) -> bool:
        return abs(r - value) <= 1e-3 * abs(value)

    said = f"analytic / numeric = {r:.4g} at every entry"
    if near(-1.0):
        return f"{said}: a sign error"
    if near(2.0) or near(0.5):
        return f"{said}: a factor 2 (e.g. the 2 of d(x^2)/dx = 2x)"
    for count, what in counts:
        if count > 1 and near(1.0 / count):
            return f"{said} = 1/{count}, {what}: divided by it -- the mean where the sum belongs?"
        if count > 1 and near(float(count)):
            return f"{said} = {count}, {what}: multiplied by it -- the sum where the mean belongs?"
    if near(1.0):
        return ""
    return f"{said}: a constant factor is wrong"


def _perturbed(name: str, shape, indices, probe: Probe) -> str:
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
    noise = roundoff(_scale(setup, probe), probe.step)
    example = f"moving {name} along u by h moves {probe.kink_note}" if probe.kink_note else ""
    return compare(name, u @ analytic.reshape(-1), probe.central, noise, setup.rtol,
                   probe.crossed, probe.one_sided(), probe.several, index_of=lambda j: None,
                   size=arr.size, mode="directional", kink_example=example)


def check_block(setup: Setup, name: str, arr: np.ndarray, analytic: np.ndarray) -> GradCheckRow:
    """Check one array (input or parameter) in the setup's mode."""
    if setup.mode == "directional":
        row = check_directional(setup, name, arr, analytic)
        if row.status in ("pass", "kink"):
            return row
        # A random direction hides no error (it is orthogonal to the error
        # with probability 0), but it cannot say WHERE the error is.
        verdict = "failed" if row.status == "FAIL" else "could not tell"
        note = (f"the directional check {verdict} (relative error {row.rel_error:.1e} "
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
