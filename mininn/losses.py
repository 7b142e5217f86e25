r"""Loss functions: ``forward(pred, target) -> float`` and ``backward() -> dpred``.

Every loss reduces by the **mean** (over the elements stated in its
docstring), so the learning rate does not depend on the batch size.
``backward`` returns :math:`\partial L / \partial\, \mathrm{pred}`, shaped like
``pred``, for the ``forward`` call just made.

Targets may be given as ``(n,)`` for a single-output network; they are
reshaped to ``(n, 1)``. Anything else that does not match ``pred`` is an error.
"""
from __future__ import annotations

from typing import Dict, Type

import numpy as np

from ._validation import as_float_array, check_choice, check_positive
from .activations import sigmoid, softplus


class Loss:
    """Base class: target checking shared by the losses."""

    def prepare_target(self, target, pred_shape) -> np.ndarray:
        """Return ``target`` as float64 with shape ``pred_shape`` or raise a ValueError."""
        t = as_float_array(target, "target")
        if t.shape != tuple(pred_shape):
            if t.ndim == 1 and len(pred_shape) == 2 and pred_shape[1] == 1 and t.shape[0] == pred_shape[0]:
                t = t.reshape(-1, 1)
            else:
                raise ValueError(
                    f"target must have the shape of the predictions {tuple(pred_shape)}, got {t.shape}")
        return t

    def __call__(self, pred, target) -> float:
        return self.forward(pred, target)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSE(Loss):
    r"""Mean squared error :math:`L = \frac{1}{nm}\sum_{i,j} (p_{ij} - t_{ij})^2`.

    Reduction: mean over all n*m elements (PyTorch's ``MSELoss``; note that
    scikit-learn's MLPRegressor minimises *half* of this).
    Gradient: :math:`\partial L/\partial p = 2 (p - t) / (nm)`.
    """

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        if target.shape != pred.shape:
            target = self.prepare_target(target, pred.shape)
        diff = pred - target
        self._diff = diff
        flat = diff.ravel()
        return float(flat @ flat) / diff.size

    def backward(self) -> np.ndarray:
        return self._diff * (2.0 / self._diff.size)


class BinaryCrossEntropy(Loss):
    r"""Binary cross-entropy, on probabilities or (``from_logits=True``) on logits.

    On probabilities p (the output of a Sigmoid):
    :math:`L = -\frac{1}{nm}\sum [t \log p + (1 - t)\log(1 - p)]`, with p clipped
    to :math:`[\epsilon, 1 - \epsilon]` (``eps`` = 1e-12) so that the log stays
    finite; :math:`\partial L/\partial p = \frac{p - t}{p(1 - p)} / (nm)` on the
    clipped p (zero where the clip is active, as clipping is constant there).

    On logits z (drop the final Sigmoid): with :math:`p = \sigma(z)`,
    :math:`L = \frac{1}{nm}\sum [\mathrm{softplus}(z) - t z]` -- the same value,
    computed without ever forming log(p) -- and
    :math:`\partial L/\partial z = (\sigma(z) - t) / (nm)`. Prefer this form:
    it is stable for any z and its gradient does not vanish when the
    sigmoid saturates.

    Reduction: mean over all n*m elements. Targets t in [0, 1].
    """

    def __init__(self, from_logits: bool = False, eps: float = 1e-12) -> None:
        self.from_logits = bool(from_logits)
        self.eps = check_positive(eps, "eps")
        if self.eps >= 0.5:
            raise ValueError(f"eps must be < 0.5, got {self.eps}")

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        if target.shape != pred.shape:
            target = self.prepare_target(target, pred.shape)
        self._target = target
        if self.from_logits:
            self._z = pred
            return float(np.sum(softplus(pred) - target * pred)) / pred.size
        p = np.clip(pred, self.eps, 1.0 - self.eps)
        self._p = p
        self._clipped = p != pred
        return float(-np.sum(target * np.log(p) + (1.0 - target) * np.log1p(-p))) / pred.size

    def backward(self) -> np.ndarray:
        t = self._target
        if self.from_logits:
            return (sigmoid(self._z) - t) / t.size
        p = self._p
        grad = (p - t) / (p * (1.0 - p)) / t.size
        grad[self._clipped] = 0.0
        return grad

    def __repr__(self) -> str:
        return f"BinaryCrossEntropy(from_logits={self.from_logits})"


class SoftmaxCrossEntropy(Loss):
    r"""Softmax followed by cross-entropy, fused, on logits z: (n, C).

    :math:`L = -\frac{1}{n}\sum_i \sum_c t_{ic} \log \mathrm{softmax}(z_i)_c`, with
    :math:`\log \mathrm{softmax}(z)_c = z_c - \max z - \log\sum_k e^{z_k - \max z}`
    (log-sum-exp: never overflows). Targets: integer class labels (n,) or
    rows of class probabilities (n, C). Reduction: mean over the n samples.
    Gradient: :math:`\partial L/\partial z = (\mathrm{softmax}(z) - t) / n`.
    """

    def prepare_target(self, target, pred_shape) -> np.ndarray:
        t = np.asarray(target)
        n, C = pred_shape
        if t.ndim == 1 and t.dtype.kind in "biu":
            if t.shape[0] != n:
                raise ValueError(f"target must hold {n} labels, got shape {t.shape}")
            if t.size and (t.min() < 0 or t.max() >= C):
                raise ValueError(
                    f"target labels must lie in 0..{C - 1}, got values from {t.min()} to {t.max()}")
            onehot = np.zeros((n, C))
            onehot[np.arange(n), t] = 1.0
            return onehot
        if t.ndim == 1:
            raise TypeError(f"target labels must be integers, got dtype {t.dtype}; "
                            "pass class probabilities as an (n, C) array")
        return super().prepare_target(t, pred_shape)

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        if pred.ndim != 2:
            raise ValueError(f"pred must be (n, classes) logits, got shape {pred.shape}")
        if target.shape != pred.shape:
            target = self.prepare_target(target, pred.shape)
        shifted = pred - pred.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        self._softmax = exp / total
        self._target = target
        log_softmax = shifted - np.log(total)
        return float(-np.sum(target * log_softmax)) / pred.shape[0]

    def backward(self) -> np.ndarray:
        return (self._softmax - self._target) / self._target.shape[0]


LOSSES: Dict[str, Type[Loss]] = {
    "mse": MSE,
    "bce": BinaryCrossEntropy,
    "softmax_cross_entropy": SoftmaxCrossEntropy,
}


def get(name) -> Loss:
    """A loss from a name (``"mse"``, ``"bce"``, ``"softmax_cross_entropy"``) or the loss itself."""
    if isinstance(name, Loss):
        return name
    if hasattr(name, "forward") and hasattr(name, "backward"):
        return name
    check_choice(name, "loss", tuple(LOSSES))
    return LOSSES[name]()
