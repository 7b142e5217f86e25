r"""Perturb and evaluate: f at x + h e_i and x - h e_i, and which kinks were crossed.

An *evaluator* is a function of no arguments returning ``(value, watched)``:
the scalar f at the current contents of the arrays being perturbed, and the
list of watched arrays for the kink watch (``kinks.KinkWatch``). A probe
perturbs arrays in place, restores them exactly (even on error), and records
the steps *actually taken*: ``(x_i + h) - x_i`` in floating point.

The step of entry i is :math:`h_i = h \max(1, |x_i|)`: relative for large
entries, so that ``x + h`` differs from ``x`` (at :math:`|x| = 10^{12}` an
absolute step of 1e-5 is below one ulp and would measure nothing).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np

from .kinks import KinkWatch
from .precision import as_scalar


def entry_steps(values: np.ndarray, h: float) -> np.ndarray:
    """:math:`h_i = h \\max(1, |x_i|)`, refusing entries so large that x +- h overflows."""
    steps = h * np.maximum(1.0, np.abs(values))
    with np.errstate(over="ignore"):
        reach = np.abs(values) + steps
    if not np.all(np.isfinite(reach)):
        raise ValueError(f"x holds entries too large to step (|x| up to {np.max(np.abs(values)):.3g}): "
                         "x + h overflows; rescale the problem")
    return steps


def central_difference(f0, plus, minus, up, down):
    r"""The derivative at x from f(x - d), f(x), f(x + u), exact for every quadratic.

    .. math::
        f'(x) \approx \frac{d^2 f(x + u) - u^2 f(x - d) - (d^2 - u^2) f(x)}{u d (u + d)}.

    With u = d = h this is :math:`(f(x + h) - f(x - h)) / 2h`. The steps
    actually taken differ by an ulp of x (x + h and x - h are rounded), and
    the plain formula would turn that into an error of :math:`|u - d| f''/2`.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return (down ** 2 * plus - up ** 2 * minus - (down ** 2 - up ** 2) * f0) / (
            up * down * (up + down))


@dataclass
class Probe:
    """f at x + h e_i and x - h e_i for a set of entries i, and what crossed a kink."""

    f0: float
    plus: np.ndarray
    minus: np.ndarray
    up: np.ndarray        # the step actually taken upwards: (x_i + h) - x_i in floating point
    down: np.ndarray      # and downwards: x_i - (x_i - h)
    crossed: np.ndarray   # bool: the perturbation crossed a kink
    several: np.ndarray   # bool: ... and more than one at once
    kink_note: str = ""   # the first crossing, in words

    @property
    def central(self) -> np.ndarray:
        """(f(x + h) - f(x - h)) / (2h), with the steps actually taken (``central_difference``)."""
        return central_difference(self.f0, self.plus, self.minus, self.up, self.down)

    def one_sided(self) -> Tuple[np.ndarray, np.ndarray]:
        """Left (f(x) - f(x - h)) / h and right (f(x + h) - f(x)) / h slopes."""
        return (self.f0 - self.minus) / self.down, (self.plus - self.f0) / self.up

    @property
    def step(self) -> np.ndarray:
        """The mean step (up + down) / 2 of every entry."""
        return (self.up + self.down) / 2

    def scale(self) -> float:
        """The size of the values of f themselves (a floor of the round-off scale)."""
        values = [abs(self.f0)] + [float(np.max(np.abs(v))) for v in (self.plus, self.minus)
                                   if v.size]
        return max(values)


def base_point(evaluate, watch: KinkWatch):
    """``(f0, sides0, values0)`` at the unperturbed point."""
    f0, watched = evaluate()
    sides = watch.sides(watched) if watch else None
    values = watch.values(watched) if watch else None
    return as_scalar(f0, "f"), sides, values


def _crossing(watch: KinkWatch, sides0, sides_p, sides_m) -> Tuple[bool, bool, list]:
    """(crossed, several, the sides that differ) for one perturbation."""
    n_plus, n_minus = watch.changes(sides_p, sides0), watch.changes(sides_m, sides0)
    other = sides_p if n_plus else sides_m
    return bool(n_plus or n_minus), max(n_plus, n_minus) > 1, other


def probe_entries(evaluate, arr: np.ndarray, indices: np.ndarray, h: float,
                  watch: KinkWatch, base) -> Probe:
    """Perturb ``arr`` in place one entry at a time (restored exactly, even on error)."""
    f0, sides0, values0 = base
    flat = arr.reshape(-1) if arr.flags.c_contiguous else arr.flat
    m = len(indices)
    steps = entry_steps(np.array([flat[i] for i in indices], dtype=np.float64), h)
    plus, minus, up, down = np.empty(m), np.empty(m), np.empty(m), np.empty(m)
    crossed, several = np.zeros(m, dtype=bool), np.zeros(m, dtype=bool)
    note = ""
    i = old = None
    try:
        for j, i in enumerate(indices):
            old = flat[i]
            flat[i] = old + steps[j]
            up[j] = flat[i] - old
            value, watched_p = evaluate()
            plus[j] = as_scalar(value, "f")
            sides_p = watch.sides(watched_p) if watch else None
            flat[i] = old - steps[j]
            down[j] = old - flat[i]
            value, watched_m = evaluate()
            minus[j] = as_scalar(value, "f")
            # sides now: the watched arrays may be views of arr, about to be restored
            sides_m = watch.sides(watched_m) if watch else None
            flat[i] = old
            if watch:
                crossed[j], several[j], other = _crossing(watch, sides0, sides_p, sides_m)
                if crossed[j] and not note:
                    note = watch.describe(sides0, other, values0)
    finally:
        if i is not None:
            flat[i] = old
    return Probe(f0, plus, minus, up, down, crossed, several, note)


def probe_directions(evaluate, arr: np.ndarray, directions: np.ndarray, h: float,
                     watch: KinkWatch, base) -> Probe:
    """Perturb all of ``arr`` along each unit direction u: f(x +- h u)."""
    f0, sides0, values0 = base
    saved = arr.copy()
    h = float(np.max(entry_steps(saved.reshape(-1), h), initial=h))
    m = len(directions)
    plus, minus = np.empty(m), np.empty(m)
    crossed, several = np.zeros(m, dtype=bool), np.zeros(m, dtype=bool)
    note = ""
    try:
        for j, u in enumerate(directions):
            arr[...] = saved + h * u
            value, watched_p = evaluate()
            plus[j] = as_scalar(value, "f")
            sides_p = watch.sides(watched_p) if watch else None
            arr[...] = saved - h * u
            value, watched_m = evaluate()
            minus[j] = as_scalar(value, "f")
            if watch:
                sides_m = watch.sides(watched_m)
                crossed[j], several[j], other = _crossing(watch, sides0, sides_p, sides_m)
                if crossed[j] and not note:
                    note = watch.describe(sides0, other, values0)
    finally:
        arr[...] = saved
    steps = np.full(m, h)
    return Probe(f0, plus, minus, steps, steps.copy(), crossed, several, note)
