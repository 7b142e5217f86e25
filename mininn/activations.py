"""Elementwise activation layers, each with its derivative next to it.

Every activation follows the Layer contract (``mininn.layers``): no
parameters, ``forward(z) -> a`` keeps what the derivative needs, and
``backward(da) -> dz = da * f'(z)``. All of them are monotone non-decreasing,
so ``interval(lo, hi) = (f(lo), f(hi))`` is exact.

Shapes: z, a, da, dz all (n, features) (any shape works; nothing is reduced).
"""
from __future__ import annotations

from typing import Dict, Tuple, Type

import numpy as np

from ._validation import check_choice, check_positive
from .layers import Layer

# exp(-z) overflows for z < -709.78 and becomes subnormal (an underflow) for
# z > 708.4. Clamping the argument at +-700 keeps every intermediate a normal
# float64: sigma(-700) = 9.9e-305 stands in for the (unrepresentable or
# subnormal) true value, an absolute error below 1e-304.
_EXP_LIMIT = 700.0


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""Logistic function :math:`\sigma(z) = 1 / (1 + e^{-z})`, stable for any |z|.

    :math:`1/(1+e^{-z})` is well conditioned for every z (relative error of a
    few ulps); only its intermediate :math:`e^{-z}` can overflow, which the
    clamp at +-700 prevents. In float64, :math:`\sigma(z)` rounds to exactly
    1.0 for z > ~36.7.
    """
    return 1.0 / (1.0 + np.exp(-np.maximum(np.minimum(z, _EXP_LIMIT), -_EXP_LIMIT)))


def softplus(z: np.ndarray) -> np.ndarray:
    r"""Softplus :math:`\log(1 + e^z) = \max(z, 0) + \log(1 + e^{-|z|})`, exact and stable.

    The right-hand form never exponentiates a positive number, and the clamp
    keeps :math:`e^{-|z|}` from underflowing (its contribution is below 1e-304
    there anyway).
    """
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.minimum(np.abs(z), _EXP_LIMIT)))


class Sigmoid(Layer):
    r"""Logistic sigmoid :math:`a = \sigma(z)`, :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`.

    The derivative is formed from the stored output ``a``, not from ``z``.
    """

    def forward(self, z: np.ndarray) -> np.ndarray:
        self._a = sigmoid(z)
        return self._a

    def backward(self, da: np.ndarray) -> np.ndarray:
        a = self._a
        return da * (a * (1.0 - a))

    def interval(self, lo, hi) -> Tuple[np.ndarray, np.ndarray]:
        return sigmoid(lo), sigmoid(hi)


class Tanh(Layer):
    r"""Hyperbolic tangent :math:`a = \tanh z`, :math:`\tanh'(z) = 1 - \tanh^2 z`."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        self._a = np.tanh(z)
        return self._a

    def backward(self, da: np.ndarray) -> np.ndarray:
        a = self._a
        return da * (1.0 - a * a)

    def interval(self, lo, hi) -> Tuple[np.ndarray, np.ndarray]:
        return np.tanh(lo), np.tanh(hi)


class ReLU(Layer):
    r"""Rectifier :math:`a = \max(z, 0)`.

    Derivative: 1 for z > 0 and 0 for z <= 0 -- we take **ReLU'(0) = 0**.
    Any value in [0, 1] is a valid subgradient at the kink; 0 is PyTorch's
    and scikit-learn's choice too.
    """

    def forward(self, z: np.ndarray) -> np.ndarray:
        self._active = z > 0
        return np.maximum(z, 0.0)

    def backward(self, da: np.ndarray) -> np.ndarray:
        return da * self._active

    def interval(self, lo, hi) -> Tuple[np.ndarray, np.ndarray]:
        return np.maximum(lo, 0.0), np.maximum(hi, 0.0)


class LeakyReLU(Layer):
    r"""Leaky rectifier :math:`a = z` for z > 0, :math:`a = s z` otherwise.

    ``negative_slope`` s >= 0 (default 0.01). Derivative: 1 for z > 0 and s
    for z <= 0 (the kink at 0 takes the left slope, as ReLU does).
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = check_positive(negative_slope, "negative_slope", allow_zero=True)

    def forward(self, z: np.ndarray) -> np.ndarray:
        self._active = z > 0
        return np.where(self._active, z, self.negative_slope * z)

    def backward(self, da: np.ndarray) -> np.ndarray:
        return da * np.where(self._active, 1.0, self.negative_slope)

    def interval(self, lo, hi) -> Tuple[np.ndarray, np.ndarray]:
        s = self.negative_slope
        return np.where(lo > 0, lo, s * lo), np.where(hi > 0, hi, s * hi)

    def config(self) -> dict:
        return {"negative_slope": self.negative_slope}


class Softplus(Layer):
    r"""Softplus :math:`a = \log(1 + e^z)` (exact, no threshold), :math:`a' = \sigma(z)`."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        self._z = z
        return softplus(z)

    def backward(self, da: np.ndarray) -> np.ndarray:
        return da * sigmoid(self._z)

    def interval(self, lo, hi) -> Tuple[np.ndarray, np.ndarray]:
        return softplus(lo), softplus(hi)


class Identity(Layer):
    """Identity :math:`a = z`, derivative 1 (a linear output layer)."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        return z

    def backward(self, da: np.ndarray) -> np.ndarray:
        return da

    def interval(self, lo, hi) -> Tuple[np.ndarray, np.ndarray]:
        return lo, hi


ACTIVATIONS: Dict[str, Type[Layer]] = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "softplus": Softplus,
    "identity": Identity,
}


def get(name: str) -> Layer:
    """A new activation layer from its name (one of ``ACTIVATIONS``)."""
    check_choice(name, "activation", tuple(ACTIVATIONS))
    return ACTIVATIONS[name]()
