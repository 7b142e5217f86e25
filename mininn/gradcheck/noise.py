r"""Round-off: how precisely f is known, from the size of what it is computed from.

A central difference :math:`(f(x + h) - f(x - h)) / 2h` divides the round-off
of f by h. That round-off is not :math:`\varepsilon_{mach} |f|`: it is
:math:`\varepsilon_{mach}` times the size of the *intermediate* quantities
whose sum is f. Three examples from mininn's own code:

* ``SoftmaxCrossEntropy`` at logits [40, 0]: :math:`L = \log(1 + e^{-40})
  = 4 \cdot 10^{-18}`, but ``log(total)`` is computed from ``total`` ~ 1, so L
  is known only to ~1e-16, and a gradient of 4e-18 is invisible to any step;
* ``BinaryCrossEntropy(from_logits=True)`` at z = 20, t = 1:
  ``softplus(z) - t z`` subtracts two numbers of size 20 to get 2e-9;
* ``Dense``: ``y = x @ W + b`` may be small while the terms
  :math:`x_k W_{kj}` it sums are large.

Every function here returns a **scale** S, the size of those intermediates,
so that f is known to about :math:`\varepsilon_{mach} S` (the engine adds a
safety factor). Each is an estimate for round-off, not a bound to rely on
for anything else.
"""
from __future__ import annotations

import math
from typing import Sequence, Tuple

import numpy as np

from .. import losses as _losses


def loss_scale(loss, pred: np.ndarray, target: np.ndarray, value: float) -> float:
    r"""The size S of the terms a loss adds up (``target`` already prepared).

    * ``MSE``: :math:`\frac{1}{N}\sum (p - t)^2` -- no cancellation: S = L.
    * ``BinaryCrossEntropy`` on probabilities: non-negative terms: S = L.
    * ``BinaryCrossEntropy(from_logits=True)``:
      :math:`S = \frac{1}{N}\sum (\mathrm{softplus}(z) + |t z|)`.
    * ``SoftmaxCrossEntropy``:
      :math:`S = \frac{1}{n}\sum_{i,c} |t_{ic}| (|z_{ic} - \max_c z_{ic}| + \log \mathrm{total}_i + 1)`;
      the 1 is the absolute round-off of a logarithm of a number near 1.

    Any other loss: S = |L| (its subclasses of these use their parent's rule).
    """
    value = abs(float(value))
    t = np.asarray(target, dtype=np.float64) if np.shape(target) == pred.shape else None
    if t is None:
        return value
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        if isinstance(loss, _losses.BinaryCrossEntropy) and loss.from_logits:
            softplus = np.maximum(pred, 0) + np.log1p(np.exp(-np.abs(pred)))
            scale = float(np.sum(softplus + np.abs(t * pred))) / pred.size
        elif isinstance(loss, _losses.SoftmaxCrossEntropy) and pred.ndim == 2:
            shifted = pred - pred.max(axis=1, keepdims=True)
            log_total = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
            scale = float(np.sum(np.abs(t) * (np.abs(shifted) + log_total + 1.0))) / pred.shape[0]
        else:
            scale = value
    return max(value, scale) if math.isfinite(scale) else value


def _abs_forward(layer, magnitude: np.ndarray):
    """``layer.forward(|x|)`` with every parameter replaced by its absolute value.

    For ``Dense`` this is :math:`|x| |W| + |b|`, the size of the terms summed
    into y; for a convolution the same. The parameters are put back, and the
    caller runs ``forward`` again before it needs the layer's cache.
    """
    saved = dict(layer.params)
    try:
        for key, p in saved.items():
            layer.params[key] = np.abs(p)
        with np.errstate(all="ignore"):
            out = np.abs(np.asarray(layer.forward(magnitude.copy()), dtype=np.float64))
    except Exception:          # a layer that cannot run on these inputs: no estimate
        return None
    finally:
        for key, p in saved.items():
            layer.params[key] = p
    return out if np.all(np.isfinite(out)) else None


def layer_output_scale(layer, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per output entry, the size of what ``layer.forward(x)`` adds up: at least |y|.

    A layer without parameters (an activation) computes each output from its
    input with a few roundings: |y|. A layer with parameters is run on |x|
    with |params| (``_abs_forward``). Call ``layer.forward(x)`` again afterwards.
    """
    size = np.abs(y)
    if layer.params:
        terms = _abs_forward(layer, np.abs(x))
        if terms is not None and terms.shape == size.shape:
            size = np.maximum(size, terms)
    return size


def _propagate(layer, x: np.ndarray, y: np.ndarray, N: np.ndarray) -> np.ndarray:
    r"""The round-off size of the layer's output, given that of its input (``N``).

    With parameters: ``forward(N + |x|)`` on |params| -- for ``Dense``
    :math:`(N + |x|)|W| + |b|`: the input's error carried through and the
    terms of the product. Without parameters, an elementwise layer (same
    shape in and out) scales the input's error by :math:`|f'(z)|`, read from
    ``backward(ones)`` -- a saturated sigmoid damps it to nothing -- and adds
    its own rounding, |y|. Anything else: the largest error, amplified by the
    largest derivative, everywhere.
    """
    size = np.abs(y)
    if layer.params:
        terms = _abs_forward(layer, N + np.abs(x))
        if terms is not None and terms.shape == size.shape:
            return np.maximum(size, terms)
        return size + float(np.max(N, initial=0.0)) * max(1.0, float(np.max(size, initial=0.0)))
    try:
        with np.errstate(all="ignore"):
            slope = np.abs(np.asarray(layer.backward(np.ones_like(y)), dtype=np.float64))
    except Exception:          # no derivative to read: assume the error passes unchanged
        slope = None
    if slope is not None and slope.shape == x.shape == y.shape and np.all(np.isfinite(slope)):
        return slope * N + size
    gain = 1.0 if slope is None or not np.all(np.isfinite(slope)) else max(
        1.0, float(np.max(slope, initial=0.0)))
    return size + gain * float(np.max(N, initial=0.0))


def network_scale(layers: Sequence, X: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Forward through ``layers``; return ``(Y, N)`` with N (shaped like Y) the size of
    Y's round-off in units of eps_mach.

    The layers' caches hold the last real forward when this returns.
    """
    N = np.zeros_like(X)
    A = X
    for layer in layers:
        Y = np.asarray(layer.forward(A))
        N = _propagate(layer, A, Y, N)
        A = layer.forward(A)       # restore the cache after the |params| and backward runs
    return A, N


def backward_scale(layer, x: np.ndarray, dy: np.ndarray) -> dict:
    r"""Per array (``"x"`` and each parameter), the size of the terms ``backward`` adds up.

    ``backward(|dy|)`` after ``forward(|x|)`` with |params|: for ``Dense``,
    :math:`|dy| |W|^T`, :math:`|x|^T |dy|` and :math:`\sum |dy|` -- the terms of
    dx, dW and db. An activation's derivative is formed with an *absolute*
    round-off (``1 - a**2`` near a = 1), so max|dy| is a floor for every
    array. The layer's parameters are put back; its cache and grads are not:
    run forward and backward again before reading them.
    """
    floor = float(np.max(np.abs(dy), initial=0.0))
    scales = {key: floor for key in ["x", *layer.params]}
    saved = dict(layer.params)
    try:
        for key, p in saved.items():
            layer.params[key] = np.abs(p)
        with np.errstate(all="ignore"):
            layer.forward(np.abs(x))
            dx = np.abs(np.asarray(layer.backward(np.abs(dy)), dtype=np.float64))
        sizes = {"x": dx, **{key: np.abs(np.asarray(layer.grads[key], dtype=np.float64))
                             for key in saved}}
    except Exception:          # no estimate: keep the floor
        return scales
    finally:
        for key, p in saved.items():
            layer.params[key] = p
    for key, size in sizes.items():
        if size.size and np.all(np.isfinite(size)):
            scales[key] = max(scales[key], float(np.max(size)))
    return scales
