r"""The step-size sweep: why h = 1e-5, drawn as a curve.

The error of a central difference has two parts: **truncation**
:math:`h^2 |f'''| / 6` (shrinks with h, slope 2 on a log-log plot) and
**round-off** :math:`\varepsilon_{mach} |f| / h` (grows as h shrinks, slope -1).
Their sum is smallest near :math:`h^* = (3 \varepsilon_{mach} |f| / |f'''|)^{1/3}
\approx 10^{-5}` when :math:`|f| \approx |f'''|`. ``step_size_sweep`` measures the
whole curve; ``mininn.plotting.gradcheck.plot_step_size_sweep`` draws it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._validation import as_positive_vector
from .differences import numerical_gradient
from .precision import SMALLEST
from .taylor import check_f_x_grad


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

    def __str__(self) -> str:
        return (f"best step h = {self.best_step:.1e} (max error {self.best_error:.1e}); "
                f"slopes {self.truncation_slope:.2f} (truncation) and "
                f"{self.roundoff_slope:.2f} (round-off)")


def step_size_sweep(f: Callable, x, grad, *, steps=None) -> StepSizeSweep:
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
    StepSizeSweep (``mininn.plotting.gradcheck.plot_step_size_sweep`` draws it).
    """
    x, g = check_f_x_grad(f, x, grad)
    steps = np.logspace(-1, -12, 23) if steps is None else as_positive_vector(steps, "steps", 2)
    scale = max(float(np.max(np.abs(g))), SMALLEST)
    errors = np.array([np.max(np.abs(numerical_gradient(f, x.copy(), eps=h) - g)) / scale
                       for h in steps])
    best = int(np.argmin(errors))
    return StepSizeSweep(steps, errors, float(steps[best]), float(errors[best]))
