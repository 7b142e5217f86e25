r"""The Taylor test: a gradient check that needs no tolerance.

By Taylor, :math:`f(x + \epsilon d) = f(x) + \epsilon\, \nabla f \cdot d + O(\epsilon^2)`.
The residual :math:`|f(x + \epsilon d) - f(x) - \epsilon\, g \cdot d|` shrinks like
:math:`\epsilon^2` for the right gradient g (slope 2 on a log-log plot) and only
like :math:`\epsilon` for a wrong one (slope 1).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Dict, Tuple

import numpy as np

from .._validation import (SeedLike, as_positive_vector, check_callable, check_nonzero,
                           check_shape)
from .engine import checker_rng
from .layer_checks import analytic_rows, backward_checked, check_layer_object, forward_checked
from .precision import MACHINE_EPS, SMALLEST, as_scalar, float64_copy, float64_params


def check_f_x_grad(f, x, grad) -> Tuple[np.ndarray, np.ndarray]:
    """Validate a scalar function ``f``, a point ``x`` and its claimed gradient (same shape)."""
    check_callable(f, "f")
    x = float64_copy(x, "x")
    g = check_shape(float64_copy(grad, "grad"), x.shape, "grad", "x")
    return x, g


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


def taylor_test(f: Callable, x, grad, *, direction=None, epsilons=None,
                seed: SeedLike = None, name: str = "x") -> TaylorResult:
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
    x, g = check_f_x_grad(f, x, grad)
    if direction is None:
        d = checker_rng(seed).standard_normal(x.shape)
    else:
        d = check_shape(float64_copy(direction, "direction"), x.shape, "direction", "x")
    d = check_nonzero(d, "direction") / float(np.linalg.norm(d))
    epsilons = taylor_epsilons(epsilons)
    return _taylor(lambda e: as_scalar(f(x + e * d), "f"), as_scalar(f(x.copy()), "f"),
                   float(np.sum(g * d)), epsilons, name)


def taylor_epsilons(epsilons) -> np.ndarray:
    """The default steps ``1e-2 * 2**-k`` (k = 0..12), or the given ones checked."""
    if epsilons is None:
        return 1e-2 * 2.0 ** -np.arange(13)
    return as_positive_vector(epsilons, "epsilons", min_size=3)


def _taylor(f_along: Callable[[float], float], f0: float, slope_gd: float,
            epsilons: np.ndarray, name: str) -> TaylorResult:
    values = np.array([f_along(e) for e in epsilons])
    residuals = np.abs(values - f0 - epsilons * slope_gd)
    # Below ~64 eps_mach |f| a residual is round-off, not Taylor remainder.
    floor = 64 * MACHINE_EPS * max(abs(f0), float(np.max(np.abs(values))), SMALLEST)
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


def taylor_test_layer(layer, x, *, seed: SeedLike = None, epsilons=None) -> Dict[str, TaylorResult]:
    r"""Taylor tests of a layer through :math:`f = \mathrm{sum}(\mathrm{forward}(x) \odot dy)`.

    One result per array (``"x"`` and each parameter key), moving only that
    array, and ``"all"`` moving every array at once. A linear array (Dense's
    x, or W, alone) gives round-off residuals ("linear"); ``"all"`` still
    has the cross term of x and W, so its slope is 2. Parameters are
    restored exactly.
    """
    check_layer_object(layer)
    rng = checker_rng(seed)
    x = float64_copy(x, "x")
    epsilons = taylor_epsilons(epsilons)
    with float64_params([layer], ["layer"]):
        y = forward_checked(layer, x)
        dy = rng.standard_normal(y.shape)
        dx = backward_checked(layer, dy)
        analytic, bad = analytic_rows(layer, dx, x.shape)
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
