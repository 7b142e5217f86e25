r"""The complex step, for layers whose forward is analytic.

For an analytic f, :math:`f'(x) = \mathrm{Im} f(x + i h) / h + O(h^2)` with no
subtraction, so h = 1e-20 gives the derivative to machine precision. ReLU-like
layers (``max(z, 0)`` has no complex extension) are refused; mininn's own
elementwise layers are stepped through complex-safe forms of their formulas.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional

import numpy as np

from ..activations import Identity, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
from ..layers import Dense
from .differences import complex_steps
from .compare import compare
from .engine import ROUNDOFF_FACTOR
from .kinks import kinks_of
from .noise import backward_scale
from .precision import MACHINE_EPS
from .report import GradCheckRow


def complex_sigmoid(z: np.ndarray) -> np.ndarray:
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


def complex_softplus(z: np.ndarray) -> np.ndarray:
    r""":math:`\log(1 + e^z)` for complex z: :math:`z + \log(1 + e^{-z})` when ``Re z >= 0``.

    (``mininn.activations.softplus`` uses ``|z|``, which is not analytic.)
    """
    out = np.empty_like(z)
    pos = z.real >= 0
    out[pos] = z[pos] + np.log1p(np.exp(-z[pos]))
    out[~pos] = np.log1p(np.exp(z[~pos]))
    return out


# Elementwise analytic layers, with a complex-safe formula of their forward.
ELEMENTWISE_ANALYTIC: Dict[type, Callable] = {
    Sigmoid: complex_sigmoid,
    Tanh: np.tanh,
    Softplus: complex_softplus,
    Identity: lambda z: z,
}


def complex_formula(layer) -> Optional[Callable]:
    """The complex-safe forward of an elementwise analytic layer, or None.

    A subclass (say, a student's Sigmoid with its own backward) is stepped
    through its parent's formula, so its backward is checked against the
    true derivative of that function.
    """
    for cls in type(layer).__mro__:
        if cls in ELEMENTWISE_ANALYTIC:
            return ELEMENTWISE_ANALYTIC[cls]
    return None


def require_analytic(layer) -> None:
    kind = type(layer)
    if (complex_formula(layer) is not None or isinstance(layer, Dense)
            or getattr(layer, "analytic", False) is True):
        return
    if isinstance(layer, (ReLU, LeakyReLU)) or kinks_of(layer):
        raise ValueError(
            f"method='complex' needs an analytic layer, but {kind.__name__} is not analytic: it "
            "has a kink at 0 (max(z, 0) has no complex extension), so a complex step would "
            "give numbers that mean nothing there; use method='central'")
    raise ValueError(
        f"method='complex' needs a layer known to be analytic (Dense, Sigmoid, Tanh, Softplus, "
        f"Identity); {kind.__name__} is not one of them. If its forward is analytic and works "
        "on complex arrays, set its attribute analytic = True")


def complex_rows(layer, x, dy, analytic, h, rtol) -> List[GradCheckRow]:
    r"""Complex-step derivatives :math:`\mathrm{Im}\, f(\theta + i h e_k) / h` of every array."""
    formula = complex_formula(layer)
    numeric: Dict[str, np.ndarray] = {}
    if formula is not None:
        # Elementwise: output k depends on input k only (a diagonal Jacobian),
        # so perturbing every entry at once still separates the derivatives.
        numeric["x"] = formula(x + 1j * h).imag / h * dy
    else:
        z = x.astype(np.complex128)
        for key in analytic:
            if key == "x":
                numeric["x"] = complex_steps(lambda: np.sum(layer.forward(z) * dy), z, h)
            else:
                numeric[key] = complex_param_gradient(layer, key, x, dy, h)
    # No subtraction: what is left is the round-off of the analytic gradient itself,
    # eps times the size of the terms backward adds up.
    terms = backward_scale(layer, x, dy)
    rows = []
    for key, g in analytic.items():
        n = numeric[key]
        noise = ROUNDOFF_FACTOR * MACHINE_EPS * max(float(np.max(np.abs(n), initial=0.0)),
                                                    float(np.max(np.abs(g), initial=0.0)),
                                                    terms.get(key, 0.0))
        shape = g.shape
        rows.append(compare(key, g, n, noise, rtol, mode="full",
                            index_of=lambda j, s=shape: tuple(int(i) for i in np.unravel_index(j, s))))
    return rows


def complex_param_gradient(layer, key: str, x: np.ndarray, dy: np.ndarray,
                           h: float) -> np.ndarray:
    """Complex step of a parameter: swap in a complex copy, put the original back."""
    original = layer.params[key]
    work = original.astype(np.complex128)
    layer.params[key] = work
    try:
        return complex_steps(lambda: np.sum(layer.forward(x) * dy), work, h)
    finally:
        layer.params[key] = original
