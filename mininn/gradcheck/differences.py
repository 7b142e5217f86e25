r"""Numerical differences: the derivative of a scalar function without calculus.

Central difference, one entry at a time:

.. math::
    g_i \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h},

with truncation error :math:`h^2 |f'''| / 6` and round-off
:math:`\varepsilon_{mach} F / h` (F the size of the values f is computed
from). Complex step, for an f that is analytic and accepts complex input:

.. math::
    g_i \approx \frac{\mathrm{Im}\, f(x + i h e_i)}{h},

no subtraction, so no round-off to amplify: h = 1e-20 is fine.
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from .._validation import as_float_array, check_callable, check_choice, check_positive
from .precision import as_scalar, float64_copy
from .probes import central_difference, entry_steps

DEFAULT_EPS = 1e-5
"""Default central-difference step: near the optimum (3 eps_mach |f| / |f'''|)^(1/3)."""

COMPLEX_EPS = 1e-20
"""Default complex step: no subtraction, so it can be as small as we like."""

METHODS = ("central", "complex")


def default_step(eps: Optional[float], method: str) -> float:
    """``eps`` checked (> 0), or the default step of ``method``."""
    if eps is None:
        return COMPLEX_EPS if method == "complex" else DEFAULT_EPS
    return check_positive(eps, "eps")


def numerical_gradient(f: Callable, x, *, eps: Optional[float] = None,
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
        and ``COMPLEX_EPS`` (1e-20) for the complex step. Central differences
        step entry i by :math:`h \max(1, |x_i|)` (at :math:`|x_i| = 10^{12}`
        an absolute 1e-5 would not change x at all) and divide by the steps
        actually taken in floating point.
    method : {"central", "complex"}

    Returns
    -------
    float64 array shaped like ``x``.
    """
    check_callable(f, "f")
    method = check_choice(method, "method", METHODS)
    eps = default_step(eps, method)
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        as_float_array(x, "x")                     # finite, or a ValueError naming x
        work = x
    else:
        work = float64_copy(x, "x")
    if method == "complex":
        z = work.astype(np.complex128)
        return complex_steps(lambda: f(z), z, eps)
    steps = entry_steps(work, eps)       # h max(1, |x_i|): x + h must differ from x
    f0 = as_scalar(f(work), "f")
    grad = np.empty(work.shape)
    for index in np.ndindex(work.shape):
        old = work[index]
        try:
            work[index] = old + steps[index]
            up = work[index] - old               # the steps actually taken
            plus = as_scalar(f(work), "f")
            work[index] = old - steps[index]
            down = old - work[index]
            minus = as_scalar(f(work), "f")
        finally:
            work[index] = old          # exactly the old value: no drift from +h-h
        grad[index] = central_difference(f0, plus, minus, up, down)
    return grad


def complex_steps(f: Callable[[], object], work: np.ndarray, h: float) -> np.ndarray:
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
