"""Deliberately broken layers and losses: the planted bugs of the checker's tests.

Each is one typical student mistake. ``PLANTED_LAYER_BUGS`` maps a name to
``(make, n_in)`` and ``PLANTED_LOSS_BUGS`` to ``(make, make_case)``; the
property test checks that every one of them FAILs.
"""
from __future__ import annotations

import numpy as np

from mininn.activations import ReLU, Sigmoid, Tanh
from mininn.layers import Dense
from mininn.losses import MSE, BinaryCrossEntropy, SoftmaxCrossEntropy


class StudentReLU:
    """A student's ReLU: right, with only the four members (no ``Layer`` base),
    so it declares no kink at 0 (``kinks``) -- the checker must find it."""

    params, grads = {}, {}

    def forward(self, z):
        self._on = z >= 0
        return np.maximum(z, 0.0)

    def backward(self, da):
        return da * self._on


class SigmoidUsingZ(Sigmoid):
    """Backward uses z where sigma(z) belongs: dz = da * z (1 - z)."""

    def forward(self, z):
        self._z = z
        return super().forward(z)

    def backward(self, da):
        return da * self._z * (1.0 - self._z)


class TanhWrongSign(Tanh):
    """dz = -da (1 - a^2): a sign error."""

    def forward(self, z):
        self._a = np.tanh(z)
        return self._a

    def backward(self, da):
        return -da * (1.0 - self._a ** 2)


class ReLUWrongSlope(ReLU):
    """Slope 0.5 instead of 1 for z > 0: simply wrong."""

    def forward(self, z):
        self._on = z > 0
        return np.maximum(z, 0.0)

    def backward(self, da):
        return da * self._on * 0.5


class ReLUInPlace(ReLU):
    """forward clips its input in place (``z[z < 0] = 0``): the caller's array changes."""

    def forward(self, z):
        self._on = z > 0
        z[z < 0] = 0.0
        return z

    def backward(self, da):
        return da * self._on


class DenseForgotTransposeInW(Dense):
    """dW = dy^T x instead of x^T dy: the transposed gradient."""

    def backward(self, dy):
        self.grads["W"] = dy.T @ self._x
        self.grads["b"] = dy.sum(axis=0)
        return dy @ self.params["W"].T


class DenseForgotTransposeInX(Dense):
    """dx = dy W instead of dy W^T (only runs when W is square)."""

    def backward(self, dy):
        self.grads["W"] = self._x.T @ dy
        self.grads["b"] = dy.sum(axis=0)
        return dy @ self.params["W"]


class DenseMeanInsteadOfSum(Dense):
    """dW and db averaged over the batch instead of summed."""

    def backward(self, dy):
        n = dy.shape[0]
        self.grads["W"] = self._x.T @ dy / n
        self.grads["b"] = dy.sum(axis=0) / n
        return dy @ self.params["W"].T


class DenseAccumulates(Dense):
    """grads += instead of grads =: right on the first call only."""

    def backward(self, dy):
        self.grads["W"] = self.grads["W"] + self._x.T @ dy
        self.grads["b"] = self.grads["b"] + dy.sum(axis=0)
        return dy @ self.params["W"].T


class DenseUpdatesInBackward(Dense):
    """Backward also takes an SGD step on W: the optimiser's job, not backward's."""

    def backward(self, dy):
        dx = super().backward(dy)
        self.params["W"] -= 0.1 * self.grads["W"]
        return dx


class DenseWrongW(Dense):
    """dW 1.5 times too large."""

    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["W"] = self.grads["W"] * 1.5
        return dx


class HalfMSE(MSE):
    """Forgot the factor 2 of d(p - t)^2 / dp."""

    def backward(self):
        return super().backward() / 2


class MSEWrongSign(MSE):
    def backward(self):
        return -super().backward()


class BCESumInsteadOfMean(BinaryCrossEntropy):
    """Forgot to divide the gradient by the number of elements."""

    def backward(self):
        return super().backward() * self._target.size


class SoftmaxCEWithoutSoftmax(SoftmaxCrossEntropy):
    """Gradient z - t instead of softmax(z) - t."""

    def forward(self, pred, target):
        self._z = pred
        return super().forward(pred, target)

    def backward(self):
        return (self._z - self._target) / self._target.shape[0]


PLANTED_LAYER_BUGS = {
    "SigmoidUsingZ": (SigmoidUsingZ, 3),
    "TanhWrongSign": (TanhWrongSign, 3),
    "ReLUWrongSlope": (ReLUWrongSlope, 3),
    "ReLUInPlace": (ReLUInPlace, 3),
    "DenseForgotTransposeInW": (lambda: DenseForgotTransposeInW(3, 4, seed=0), 3),
    "DenseForgotTransposeInW square": (lambda: DenseForgotTransposeInW(3, 3, seed=0), 3),
    "DenseForgotTransposeInX": (lambda: DenseForgotTransposeInX(3, 3, seed=0), 3),
    "DenseMeanInsteadOfSum": (lambda: DenseMeanInsteadOfSum(3, 2, seed=0), 3),
    "DenseAccumulates": (lambda: DenseAccumulates(3, 2, seed=0), 3),
    "DenseUpdatesInBackward": (lambda: DenseUpdatesInBackward(3, 2, seed=0), 3),
    "DenseWrongW": (lambda: DenseWrongW(3, 2, seed=0), 3),
}

PLANTED_LOSS_BUGS = {
    "HalfMSE": (HalfMSE, lambda rng: (rng.normal(size=(4, 2)), rng.normal(size=(4, 2)))),
    "MSEWrongSign": (MSEWrongSign, lambda rng: (rng.normal(size=(4, 2)), rng.normal(size=(4, 2)))),
    "BCESumInsteadOfMean": (BCESumInsteadOfMean,
                            lambda rng: (rng.uniform(0.1, 0.9, (4, 2)), rng.integers(0, 2, (4, 2)))),
    "SoftmaxCEWithoutSoftmax": (SoftmaxCEWithoutSoftmax,
                                lambda rng: (rng.normal(size=(4, 3)), rng.integers(0, 3, 4))),
}
