r"""Elementwise activation layers, each with its derivative next to it.

Every activation follows the Layer contract (``mininn.layers``): no
parameters, ``forward(z) -> a`` keeps what the derivative needs, and
``backward(da) -> dz = da * f'(z)``. All of them are monotone non-decreasing,
so ``interval(lo, hi) = (f(lo), f(hi))`` is exact.

Shapes: z, a, da, dz all (n, features) (any shape works; nothing is reduced).

Floating point: where an activation itself makes a number too small for
float64 (``e^{-z}`` for z > 708, ``a^2`` for a = 1e-200, a leaky slope times
-1e-320), it *underflows*
to a subnormal number or 0, which is the right answer; those expected events
are silenced (``np.errstate``), so no forward or backward pass warns or
raises for finite input and an upstream gradient of ordinary size, even
under ``np.errstate(all="raise")``.
"""
from __future__ import annotations

from typing import Dict, Tuple, Type

import numpy as np

from ._validation import check_choice, check_positive
from .layers import Layer


@np.errstate(over="ignore", under="ignore")
def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""Logistic function :math:`\sigma(z) = 1 / (1 + e^{-z})`, stable for any |z|.

    :math:`1/(1+e^{-z})` is well conditioned for every z (relative error of a
    few ulps). Only its intermediate :math:`e^{-z}` misbehaves: it overflows
    to inf for z < -709.78 and underflows to (sub)normal tiny values or 0 for
    z > 708.4. Both are harmless -- :math:`1/(1+\infty) = 0` and
    :math:`1/(1+0) = 1` are the correctly rounded limits, and in between the
    formula gives the true (possibly subnormal) value -- so those two
    floating-point events are expected and silenced (the ``np.errstate``
    decorator): no warning or FloatingPointError comes out of ``sigmoid`` for
    any finite z, even under ``np.errstate(all="raise")``. In float64,
    :math:`\sigma(z)` rounds to exactly 1.0 for z > ~36.7 and to 0.0 for z < -745.
    """
    if not isinstance(z, np.ndarray) or z.dtype.kind not in "fc":
        z = np.asarray(z, dtype=np.float64)     # lists, scalars, integers, booleans
    return 1.0 / (1.0 + np.exp(-z))


@np.errstate(under="ignore")
def softplus(z: np.ndarray) -> np.ndarray:
    r"""Softplus :math:`\log(1 + e^z) = \max(z, 0) + \log(1 + e^{-|z|})`, exact and stable.

    The right-hand form never exponentiates a positive number, so nothing
    overflows; :math:`e^{-|z|}` underflows for |z| > 708, where its
    contribution is below 1e-307 anyway (expected, silenced).
    """
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


class Activation(Layer):
    """An elementwise layer without parameters.

    Its ``backward`` touches no ``grads``, so it already is the shortcut
    ``backward_input`` (``Layer``'s default would save and restore the empty
    ``grads`` around it).
    """

    def backward_input(self, da: np.ndarray) -> np.ndarray:
        return self.backward(da)


class Sigmoid(Activation):
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


class Tanh(Activation):
    r"""Hyperbolic tangent :math:`a = \tanh z`, :math:`\tanh'(z) = 1 - \tanh^2 z = 1 - a^2`.

    :math:`a^2` underflows to 0 for |a| < 1e-154, where :math:`1 - a^2 = 1`
    anyway (expected, silenced).
    """

    def forward(self, z: np.ndarray) -> np.ndarray:
        self._a = np.tanh(z)
        return self._a

    @np.errstate(under="ignore")
    def backward(self, da: np.ndarray) -> np.ndarray:
        a = self._a
        return da * (1.0 - a * a)

    def interval(self, lo, hi) -> Tuple[np.ndarray, np.ndarray]:
        return np.tanh(lo), np.tanh(hi)


class ReLU(Activation):
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


class LeakyReLU(Activation):
    r"""Leaky rectifier :math:`a = z` for z > 0, :math:`a = s z` otherwise.

    ``negative_slope`` s >= 0 (default 0.01). Derivative: 1 for z > 0 and s
    for z <= 0 (the kink at 0 takes the left slope, as ReLU does).
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = check_positive(negative_slope, "negative_slope", allow_zero=True)

    @np.errstate(under="ignore")      # s * z for z ~ -1e-320: subnormal or 0, as it should
    def forward(self, z: np.ndarray) -> np.ndarray:
        self._active = z > 0
        return np.where(self._active, z, self.negative_slope * z)

    def backward(self, da: np.ndarray) -> np.ndarray:
        return da * np.where(self._active, 1.0, self.negative_slope)

    @np.errstate(under="ignore")
    def interval(self, lo, hi) -> Tuple[np.ndarray, np.ndarray]:
        s = self.negative_slope
        return np.where(lo > 0, lo, s * lo), np.where(hi > 0, hi, s * hi)

    def config(self) -> dict:
        return {"negative_slope": self.negative_slope}


class Softplus(Activation):
    r"""Softplus :math:`a = \log(1 + e^z)` (exact, no threshold), :math:`a' = \sigma(z)`."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        self._z = z
        return softplus(z)

    def backward(self, da: np.ndarray) -> np.ndarray:
        return da * sigmoid(self._z)

    def interval(self, lo, hi) -> Tuple[np.ndarray, np.ndarray]:
        return softplus(lo), softplus(hi)


class Identity(Activation):
    """Identity :math:`a = z`, derivative 1 (a linear output layer)."""

    def forward(self, z: np.ndarray) -> np.ndarray:
        return z

    def backward(self, da: np.ndarray) -> np.ndarray:
        return da

    def interval(self, lo, hi) -> Tuple[np.ndarray, np.ndarray]:
        return lo, hi


ACTIVATIONS: Dict[str, Type[Activation]] = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "softplus": Softplus,
    "identity": Identity,
}


def get(name: str) -> Activation:
    """A new activation layer from its name (one of ``ACTIVATIONS``)."""
    check_choice(name, "activation", tuple(ACTIVATIONS))
    return ACTIVATIONS[name]()
