"""Deliberately broken layers, shared by the gradient-checker tests."""
from __future__ import annotations

from mininn.activations import Sigmoid


class SigmoidUsingZ(Sigmoid):
    """Backward uses z where sigma(z) belongs: dz = da * z (1 - z)."""

    def forward(self, z):
        self._z = z
        return super().forward(z)

    def backward(self, da):
        return da * self._z * (1.0 - self._z)
