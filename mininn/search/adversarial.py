r"""Adversarial examples: the image in an ε-box that a classifier gets wrong.

A classifier f predicts the class with the largest output. Its **margin** on
image x for class c is

.. math:: m_c(x) = f_c(x) - \max_{j \ne c} f_j(x),

positive exactly when c is predicted (a tie counts as a change). An
adversarial example for an image x of class c is an image in

.. math:: B_\varepsilon(x) = \{x' : |x'_i - x_i| \le \varepsilon\} \cap [0, 1]^k
          = [\max(0, x - \varepsilon),\ \min(1, x + \varepsilon)]

with :math:`m_c(x') \le 0`. The ε-ball of the max-norm intersected with the
valid pixels is a **box**, one per image: the seed problem of mininn once
more, a search for the input in a box that makes an output smallest.

**The attack.** Projected descent of the log-probability of class c,
:math:`\log p_c(x') = f_c(x') - \log\sum_j e^{f_j(x')}` (the cross-entropy,
ascended), over :math:`B_\varepsilon(x)` for every image at once:
:func:`mininn.search.find_input` with per-start bounds ``(n, k)``, started at
the images, with Adam -- in units of each image's radius,
:math:`x' = x + \varepsilon u`, so that one step length suits every image.
Adam (with its :math:`\epsilon = 10^{-12}`) makes a first step of
:math:`\eta\, g / (|g| + 10^{-12}) \approx \eta\, \mathrm{sign}(g)`, so

* **FGSM** (fast gradient sign method) is *one* projected step with
  :math:`\eta = \varepsilon`: every pixel with a nonzero slope jumps to a face
  of its box;
* **PGD** (projected gradient descent) is ``steps`` projected steps with
  :math:`\eta = 2.5\,\varepsilon /` ``steps`` (long enough to cross the box,
  short enough to turn).

Every point of the path is checked, and an image whose prediction changed
anywhere on it is a **counterexample**, verified by a plain forward pass.
Finding none proves nothing: :mod:`mininn.search.robustness` proves.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Tuple

import numpy as np

from .._table import Tabular
from .._validation import as_float_array, check_bounds, check_int, check_output
from ..layers import Layer
from ..network import Sequential
from ..optim import Adam
from ..pooling import Unflatten
from .ascent import find_input

__all__ = ["margin", "epsilon_box", "attack", "fgsm", "pgd", "AttackResult", "ATTACKS"]

#: Attack methods: one projected step, or many.
ATTACKS = ("fgsm", "pgd")


class _Perturbation(Layer):
    r"""Row i: image i moved by :math:`\varepsilon_i u_i`, :math:`x = x_i + \varepsilon_i u`.

    Bound to its images row by row: only for a search whose starts are the
    images, in order (``find_input`` moves all its starts as one batch)."""

    def __init__(self, X: np.ndarray, eps: np.ndarray) -> None:
        super().__init__()
        self.X, self.eps = X, eps[:, None]

    def forward(self, u: np.ndarray) -> np.ndarray:
        return self.X + self.eps * u

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return self.eps * dy


class _LogProbability(Layer):
    r"""Row i: :math:`\log p_{c_i} = z_{c_i} - \log\sum_j e^{z_j}` (max subtracted first),
    (n, classes) -> (n, 1); backward :math:`dz = dy\,(e_{c_i} - p)`. Bound to its
    labels row by row, as :class:`_Perturbation`."""

    def __init__(self, labels: np.ndarray) -> None:
        super().__init__()
        self.labels = labels

    def forward(self, z: np.ndarray) -> np.ndarray:
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self._p = np.exp(log_p)
        return log_p[np.arange(len(z)), self.labels][:, None]

    def backward(self, dy: np.ndarray) -> np.ndarray:
        grad = -self._p
        grad[np.arange(len(grad)), self.labels] += 1.0
        return dy * grad


# ------------------------------------------------------------------ arguments
def flat_network(net, X) -> Tuple[Sequential, np.ndarray]:
    """(a network taking flat rows, X as (n, k) rows).

    A network that starts with ``Unflatten`` (or is a plain MLP) takes the
    rows as they are. Image batches X (n, C, H, W) for a network that takes
    images directly get an ``Unflatten((C, H, W))`` in front: the search
    and the bounds move k = C H W numbers, whatever the network's first layer.
    """
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be a mininn.Sequential, got {type(net).__name__}")
    X = as_float_array(X, "X")
    if X.ndim < 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a batch of images, (n, k) or (n, C, H, W) with n >= 1, "
                         f"got shape {X.shape}")
    if X.ndim > 2 and getattr(net.layers[0], "n_in", None) is None:
        net = Sequential([Unflatten(X.shape[1:])] + list(net.layers))
    if net.n_inputs is None:
        raise ValueError("net has no known number of inputs: give X as images (n, C, H, W), "
                         "or start the network with Unflatten")
    if int(np.prod(X.shape[1:])) != net.n_inputs:
        raise ValueError(f"X must hold {net.n_inputs} values per image for this network, got "
                         f"shape {X.shape}")
    return net, X.reshape(X.shape[0], net.n_inputs)


def _images(net, X) -> Tuple[Sequential, np.ndarray]:
    """``flat_network`` for a classifier (at least two outputs)."""
    net, X = flat_network(net, X)
    if net.n_outputs is None or net.n_outputs < 2:
        raise ValueError("net must be a classifier with at least two outputs (end it with Dense)")
    return net, X


def _labels(net, label, X: np.ndarray) -> np.ndarray:
    """(n,) classes: ``label`` as an int or (n,) array, or the predictions for None."""
    if label is None:
        return np.argmax(net.forward(X), axis=1)
    if np.ndim(label) == 0:
        return np.full(len(X), check_output(label, net.n_outputs, "label"), dtype=np.int64)
    labels = np.asarray(label)
    if labels.shape != (len(X),) or labels.dtype.kind not in "iu":
        raise ValueError(f"label must be None, an int or an integer array of shape ({len(X)},), "
                         f"one class per image; got {labels.dtype} array of shape {labels.shape}")
    for c in np.unique(labels):
        check_output(int(c), net.n_outputs, "label")
    return labels.astype(np.int64)


def _epsilons(epsilon, n: int, name: str = "epsilon") -> np.ndarray:
    """(n,) radii > 0 from a scalar or an (n,) array."""
    eps = as_float_array(epsilon, name)
    if eps.shape not in ((), (n,)):
        raise ValueError(f"{name} must be a scalar or one radius per image, shape ({n},); "
                         f"got shape {eps.shape}")
    if not np.all(eps > 0):
        raise ValueError(f"{name} must be > 0 (a box of positive width), got min {eps.min():g}")
    return np.broadcast_to(eps, (n,)).copy()


def epsilon_box(X, *, epsilon, bounds=(0.0, 1.0)) -> Tuple[np.ndarray, np.ndarray]:
    r"""The box :math:`[\max(lo, x - \varepsilon), \min(hi, x + \varepsilon)]` of each image.

    X: (n, k); epsilon: scalar or (n,); ``bounds``: the valid pixel range.
    Returns (lo, hi), each (n, k): the per-start bounds of ``find_input``.
    """
    X = as_float_array(X, "X", ndim=2)
    eps = _epsilons(epsilon, len(X))[:, None]
    lo, hi = check_bounds(bounds, X.shape[1])
    if np.any(X < lo) or np.any(X > hi):
        raise ValueError(f"X must lie in bounds (the valid pixel range), got values in "
                         f"[{X.min():g}, {X.max():g}]")
    return np.maximum(lo, X - eps), np.minimum(hi, X + eps)


def margin(net: Sequential, label=None, *, X) -> np.ndarray:
    r""":math:`m_c(x) = f_c(x) - \max_{j \ne c} f_j(x)` of each image, (n,).

    Positive iff the network predicts ``label`` (None: the prediction itself,
    so every margin is >= 0) with no tie.
    """
    net, X = _images(net, X)
    return _margins(net.forward(X), _labels(net, label, X))


def _margins(Y: np.ndarray, labels: np.ndarray) -> np.ndarray:
    rows = np.arange(len(Y))
    others = Y.copy()
    others[rows, labels] = -np.inf
    return Y[rows, labels] - others.max(axis=1)


# ---------------------------------------------------------------- results
@dataclass(repr=False)
class AttackResult(Tabular):
    r"""What an attack found, one row per image.

    Attributes
    ----------
    x, value : ndarray (k,), float
        The point of the most successful row (smallest margin) and its margin.
    xs : ndarray (n, k)
        Per image, the point of the path with the smallest margin.
    values : ndarray (n,)
        The margin :math:`m_c` at ``xs`` (negative: the prediction changed).
    fooled : ndarray (n,) of bool
        The prediction at ``xs`` is not the label (verified by ``forward``).
    labels, predictions : ndarray (n,) of int
        The class defended, the class predicted at ``xs``.
    epsilon : ndarray (n,)
        The radius of each image's box.
    bounds : (lo, hi), each (n, k)
        The boxes searched.
    method : str
        "fgsm" or "pgd".
    steps : int
    seconds : float
    """

    x: np.ndarray
    value: float
    xs: np.ndarray
    values: np.ndarray
    fooled: np.ndarray
    labels: np.ndarray
    predictions: np.ndarray
    epsilon: np.ndarray
    bounds: tuple
    method: str
    steps: int
    seconds: float

    def _table(self):
        rows = [(i, int(self.labels[i]), int(self.predictions[i]), f"{self.epsilon[i]:.4g}",
                 f"{self.values[i]:.4g}", bool(self.fooled[i])) for i in range(len(self.values))]
        title = (f"{self.method.upper()} attack, {self.steps} step(s): "
                 f"{int(self.fooled.sum())} of {len(self.fooled)} images fooled")
        return title, ("image", "label", "predicted", "epsilon", "margin", "fooled"), rows, None


# ---------------------------------------------------------------- attacks
def _attack(net: Sequential, X: np.ndarray, labels: np.ndarray, eps: np.ndarray, pixels,
            method: str, steps: int):
    r"""(xs, margins, fooled, predictions, lo, hi): the attack on every image.

    One ``find_input`` for all images, in units of each image's radius: it
    moves u, with :math:`x = x_i + \varepsilon_i u` in row i, through the box
    :math:`(\mathrm{lo} - x_i)/\varepsilon_i \le u \le (\mathrm{hi} - x_i)/\varepsilon_i`
    (within [-1, 1]), and minimises :math:`\log p_{c_i}`. So Adam's step
    length, shared by all starts, is the same fraction of every image's radius.
    """
    lo, hi = np.maximum(pixels[0], X - eps[:, None]), np.minimum(pixels[1], X + eps[:, None])
    scored = Sequential([_Perturbation(X, eps)] + list(net.layers) + [_LogProbability(labels)])
    u_lo, u_hi = (lo - X) / eps[:, None], (hi - X) / eps[:, None]
    res = find_input(scored, 0, goal="min", bounds=(u_lo, u_hi), x0=np.zeros_like(X),
                     optimizer=Adam(1.0 if method == "fgsm" else 2.5 / steps, eps=1e-12),
                     steps=steps,
                     grad_tol=0.0)
    # every point of the path, as images (clipped: x + eps u may round past the box)
    path = np.clip(X + eps[:, None] * res.trajectory, lo, hi)        # (steps + 1, n, k)
    n = len(X)
    m = _margins(net.forward(path.reshape(-1, X.shape[1])),
                 np.tile(labels, len(path))).reshape(len(path), n)
    best = np.argmin(m, axis=0)
    xs, values = path[best, np.arange(n)], m[best, np.arange(n)]
    predictions = np.argmax(net.forward(xs), axis=1)
    return xs, values, predictions != labels, predictions, lo, hi


def attack(net: Sequential, label=None, *, X, epsilon, method: str = "pgd", steps: int = 20,
           bounds=(0.0, 1.0)) -> AttackResult:
    r"""Search each image's ε-box for an image the network classifies differently.

    Parameters
    ----------
    net : Sequential
        A classifier: k inputs (start it with ``Unflatten`` for images), one
        output per class (logits).
    label : None, int or (n,) int array
        The class to defend; None: each image's prediction (the attack then
        looks for a change of prediction).
    X : array (n, k) (or (n, C, H, W) with C H W = k)
        The images.
    epsilon : float > 0 or (n,) array
        The radius of each box (max-norm).
    method : {"pgd", "fgsm"}
        Many projected steps, or one (``steps`` is then 1).
    steps : int >= 1
        PGD steps.
    bounds : (lo, hi)
        The valid pixel range intersected with every box.

    Returns
    -------
    AttackResult
        ``xs`` (n, k), ``values`` (their margins), ``fooled``, ...
    """
    began = time.perf_counter()
    net, X = _images(net, X)
    labels = _labels(net, label, X)
    eps = _epsilons(epsilon, len(X))
    if method not in ATTACKS:
        raise ValueError(f"method must be one of {ATTACKS}, got {method!r}")
    steps = 1 if method == "fgsm" else check_int(steps, "steps", minimum=1)
    pixels = check_bounds(bounds, X.shape[1])
    if np.any(X < pixels[0]) or np.any(X > pixels[1]):
        raise ValueError(f"X must lie in bounds (the valid pixel range), got values in "
                         f"[{X.min():g}, {X.max():g}]")
    xs, values, fooled, predictions, lo, hi = _attack(net, X, labels, eps, pixels, method, steps)
    best = int(np.argmin(values))
    return AttackResult(x=xs[best].copy(), value=float(values[best]), xs=xs, values=values,
                        fooled=fooled, labels=labels, predictions=predictions, epsilon=eps,
                        bounds=(lo, hi), method=method, steps=steps,
                        seconds=time.perf_counter() - began)


def fgsm(net: Sequential, label=None, *, X, epsilon, bounds=(0.0, 1.0)) -> AttackResult:
    """The fast gradient sign method: ``attack(..., method="fgsm")``, one projected step."""
    return attack(net, label, X=X, epsilon=epsilon, method="fgsm", bounds=bounds)


def pgd(net: Sequential, label=None, *, X, epsilon, steps: int = 20,
        bounds=(0.0, 1.0)) -> AttackResult:
    """Projected gradient descent on log p_c: ``attack(..., method="pgd")``."""
    return attack(net, label, X=X, epsilon=epsilon, method="pgd", steps=steps, bounds=bounds)
