"""Independent finite-difference helpers for the core tests.

Deliberately separate from mininn.gradcheck, so that the checker is not the
only judge of the derivatives it is itself tested against.
"""
from __future__ import annotations

import numpy as np


def numeric_vjp(f, x, dy, h=1e-6):
    """d sum(f(x) * dy) / dx by central differences, one coordinate at a time.

    ``x`` is perturbed in place and restored exactly.
    """
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = np.sum(f(x) * dy)
        x[idx] = old - h
        minus = np.sum(f(x) * dy)
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def layer_gradients(layer, x, dy):
    """{"x" and each parameter key: (analytic, numeric)} for ``layer`` at ``x``.

    The analytic gradients are the layer's own ``backward(dy)`` (dL/dx and
    ``grads``) after ``forward(x)``; the numeric ones are :func:`numeric_vjp`
    of ``forward`` in x and in each parameter (perturbed in place, restored).
    """
    layer.forward(x)
    out = {"x": (layer.backward(dy), numeric_vjp(layer.forward, x.copy(), dy))}
    for key, param in layer.params.items():
        out[key] = (layer.grads[key], numeric_vjp(lambda _: layer.forward(x), param, dy))
    return out


def rel_error(a, b):
    """max |a - b| / max(|a| + |b|, 1e-12), the CS231n relative error with a floor."""
    return np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12))
