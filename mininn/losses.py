r"""Loss functions: ``forward(pred, target) -> float`` and ``backward() -> dpred``.

Every loss reduces by the **mean** (over the elements stated in its
docstring), so the learning rate does not depend on the batch size.
``backward`` returns :math:`\partial L / \partial\, \mathrm{pred}`, shaped like
``pred``, for the ``forward`` call just made.

Targets are checked like any input: real numbers, finite, the shape of the
predictions (``(n,)`` is accepted for a single-output network and reshaped
to ``(n, 1)``), and in the range the loss is defined on (probabilities in
[0, 1] for binary cross-entropy, distributions for softmax cross-entropy).
Predictions are not required to be finite: a diverged network gets a
non-finite loss, which ``fit`` reports as divergence.

Floating point: terms that underflow to 0 (a squared error of 1e-200, the
softmax share of a logit 1000 below the largest) are the right answer, and
are computed silently even under ``np.errstate(all="raise")``.
"""
from __future__ import annotations

import math
from typing import Dict, Tuple, Type

import numpy as np

from ._validation import as_float_array, check_bool, check_choice, check_positive
from .activations import sigmoid, softplus


class Loss:
    """Base class: the checks of targets shared by the losses.

    A loss writes its formula once, in ``_forward(pred, target)``: float64
    arrays of the same shape, unchecked (the same convention as
    ``Sequential``). ``forward`` checks the target, then calls ``_forward``;
    ``fit``, which checks its targets once, calls ``_forward`` in its loop
    (``forward`` itself for a subclass that overrides ``forward``).

    ``forward`` calls ``checked(pred, target)``: a float64 array of the
    predictions' shape goes through ``check_values`` only (the range test of
    the loss); anything else through ``prepare_target`` (conversion, shape,
    finiteness, range). A float64 target with a NaN or inf is caught after the
    loss is computed, since it makes the loss non-finite (``finish``): the
    check costs nothing when all is well.
    """

    def prepare_target(self, target, pred_shape) -> np.ndarray:
        """Return ``target`` as finite float64 of shape ``pred_shape``, or raise a ValueError."""
        t = as_float_array(target, "target")
        if t.shape != tuple(pred_shape):
            if t.ndim == 1 and len(pred_shape) == 2 and pred_shape[1] == 1 and t.shape[0] == pred_shape[0]:
                t = t.reshape(-1, 1)
            else:
                raise ValueError(
                    f"target must have the shape of the predictions {tuple(pred_shape)}, got {t.shape}")
        self.check_values(t)
        return t

    def check_values(self, t: np.ndarray) -> None:
        """Raise a ValueError if ``t`` holds values the loss is not defined for (default: none)."""

    def checked(self, pred, target) -> Tuple[np.ndarray, np.ndarray]:
        """``(pred, target)`` as arrays, the target checked as described above."""
        if type(pred) is not np.ndarray:
            pred = as_float_array(pred, "pred", finite=False)
        if type(target) is np.ndarray and target.dtype == np.float64 and target.shape == pred.shape:
            self.check_values(target)
            return pred, target
        return pred, self.prepare_target(target, pred.shape)

    @staticmethod
    def finish(value: float, target: np.ndarray) -> float:
        """``value``, after refusing a non-finite target that made it non-finite."""
        if not math.isfinite(value):
            as_float_array(target, "target")        # raises if the target is to blame
        return value

    def forward(self, pred, target) -> float:
        """The loss of ``pred`` for ``target``, the target checked first (see above)."""
        pred, target = self.checked(pred, target)
        return self.finish(self._forward(pred, target), target)

    def _forward(self, pred: np.ndarray, target: np.ndarray) -> float:  # pragma: no cover
        raise NotImplementedError

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

    def _forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        diff = self._diff = pred - target
        # vdot: the sum of d_ij * d_ij over all elements (a squared error
        # below 1e-154 rounds to 0 there, silently, as it should)
        return float(np.vdot(diff, diff)) / diff.size

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

    Reduction: mean over all n*m elements. Targets t in [0, 1] (a ValueError
    otherwise).
    """

    def __init__(self, from_logits: bool = False, eps: float = 1e-12) -> None:
        self.from_logits = check_bool(from_logits, "from_logits")
        self.eps = check_positive(eps, "eps")
        if self.eps >= 0.5:
            raise ValueError(f"eps must be < 0.5, got {self.eps}")

    def check_values(self, t: np.ndarray) -> None:
        if t.size and (t.min() < 0.0 or t.max() > 1.0):
            raise ValueError("target of a binary cross-entropy must hold probabilities in "
                             f"[0, 1], got values from {t.min():g} to {t.max():g}")

    def _forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        self._target = target
        with np.errstate(under="ignore"):
            if self.from_logits:
                self._z = pred
                value = float(np.sum(softplus(pred) - target * pred)) / pred.size
            else:
                p = np.clip(pred, self.eps, 1.0 - self.eps)
                self._p = p
                self._clipped = p != pred
                value = float(0.0 - np.sum(target * np.log(p) + (1.0 - target) * np.log1p(-p))) / pred.size
        return value

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
    (log-sum-exp: never overflows). A term with :math:`t_{ic} = 0` is 0 (the
    convention :math:`0 \log 0 = 0`), even where the softmax underflows to 0.
    Targets: integer class labels (n,) or rows of class probabilities (n, C),
    each row non-negative and summing to 1. Reduction: mean over the n samples.
    A class with target 0 adds nothing, even where its log-probability is
    :math:`-\infty` (logits ~1e308 apart): the convention :math:`0 \log 0 = 0`.
    Gradient: :math:`\partial L/\partial z = (\mathrm{softmax}(z) - t) / n`.
    """

    #: How far a row of target probabilities may sum away from 1.
    ROW_SUM_TOL = 1e-6

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

    def check_values(self, t: np.ndarray) -> None:
        if t.size and t.min() < 0.0:
            raise ValueError("target rows of a softmax cross-entropy must be probabilities, "
                             f"got a negative value {t.min():g}")
        off = np.abs(t.sum(axis=1) - 1.0)
        if t.size and off.max() > self.ROW_SUM_TOL:
            i = int(np.argmax(off))
            raise ValueError("target rows of a softmax cross-entropy must sum to 1, "
                             f"row {i} sums to {t[i].sum():g}")

    def checked(self, pred, target) -> Tuple[np.ndarray, np.ndarray]:
        if np.ndim(pred) != 2:
            raise ValueError(f"pred must be (n, classes) logits, got shape {np.shape(pred)}")
        return super().checked(pred, target)

    def _forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        # over/underflow: exp of very negative shifted logits is 0, as it should be;
        # invalid: 0 * (-inf) below, which np.where replaces by 0 (0 log 0 = 0)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            shifted = pred - pred.max(axis=1, keepdims=True)
            exp = np.exp(shifted)
            total = exp.sum(axis=1, keepdims=True)
            self._softmax = exp / total
            log_softmax = shifted - np.log(total)
            terms = np.where(target == 0.0, 0.0, target * log_softmax)
        self._target = target
        return float(0.0 - np.sum(terms)) / pred.shape[0]      # 0.0 - : +0.0, never -0.0

    def backward(self) -> np.ndarray:
        return (self._softmax - self._target) / self._target.shape[0]


LOSSES: Dict[str, Type[Loss]] = {
    "mse": MSE,
    "bce": BinaryCrossEntropy,
    "softmax_cross_entropy": SoftmaxCrossEntropy,
}


def get(name) -> Loss:
    """A loss from a name (``"mse"``, ``"bce"``, ``"softmax_cross_entropy"``) or the loss itself."""
    if isinstance(name, type):
        raise TypeError(f"loss must be a loss object or a name; pass an instance: "
                        f"{name.__name__}()")
    if isinstance(name, Loss):
        return name
    if hasattr(name, "forward") and hasattr(name, "backward"):
        return name
    check_choice(name, "loss", tuple(LOSSES))
    return LOSSES[name]()
