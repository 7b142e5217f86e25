"""The step-size sweep of a central difference, drawn on log-log axes."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..gradcheck.step_size import StepSizeSweep


def plot_step_size_sweep(sweep: StepSizeSweep, ax=None):
    """Log-log plot of a ``StepSizeSweep`` with reference slopes 2 and -1.

    The slope-2 line (truncation, :math:`\\propto h^2`) is drawn through the
    largest step, the slope -1 line (round-off, :math:`\\propto 1/h`) through
    the smallest; a dotted vertical line marks the best step. Returns the
    Axes; never calls ``plt.show()``.
    """
    if not isinstance(sweep, StepSizeSweep):
        raise TypeError(f"sweep must be a StepSizeSweep, got {type(sweep).__name__}")
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
