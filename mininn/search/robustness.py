r"""Certified robustness: a proof that no image in an ε-box changes the prediction.

The question of :mod:`mininn.search.adversarial`, answered from the other
side. For an image x of class c and its box
:math:`B_\varepsilon(x) = [\max(0, x - \varepsilon), \min(1, x + \varepsilon)]`,

.. math:: \min_{x' \in B_\varepsilon(x)} \; f_c(x') - f_j(x') > 0
          \quad \text{for every } j \ne c

means that no image in the box is classified otherwise: **certified**. The
minimum is bounded below soundly by :func:`mininn.search.output_bounds`
applied to a network whose last ``Dense`` layer is replaced by one computing
the differences directly,
:math:`f_c - f_j = (W_{:,c} - W_{:,j})^T h + b_c - b_j`. Bounding the
difference, not the two outputs apart, matters: bounds of :math:`f_c` and
:math:`f_j` taken separately forget that both move with the same hidden h.

``relaxation="interval"`` pushes the box through every layer's ``interval``
(for all images and classes in one pass); ``"linear"`` uses linear
(CROWN-style) bounds -- :mod:`mininn.search.image_bounds` for a CNN of
``Conv2D``, ``MaxPool2D`` and ReLUs, ``output_bounds`` for a dense network --
and keeps the better of the two bounds per image; ``"auto"`` is ``"linear"``
where it is available.

**Radii by bisection.** The largest certifiable ε (certified at lo, not at
hi) and the smallest ε at which the PGD attack finds a counterexample, per
image, each to ``eps_tol``. Soundness guarantees

.. math:: \varepsilon_{\text{certified}} \;\le\; \varepsilon^* \;\le\; \varepsilon_{\text{attack}}

for the true robust radius :math:`\varepsilon^*`; the gap between them is
what the relaxation loses plus what the attack misses.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._table import Tabular
from .._validation import check_bounds, check_choice, check_int, check_real
from ..layers import Dense
from ..network import Sequential
from .adversarial import _attack, _images, _labels, attack
from .bounds import RELAXATIONS, output_bounds, resolve_relaxation
from .image_bounds import linear_margin_lower, supports_linear
from .problem import make_problem

__all__ = ["certify", "robustness_radii", "CertifyResult", "RadiiResult"]


@dataclass(repr=False)
class CertifyResult(Tabular):
    r"""Certificate or counterexample for each image's ε-box.

    Attributes
    ----------
    certified : ndarray (n,) of bool
        ``bound > 0``: proved, no image in the box changes the prediction.
    bound : ndarray (n,)
        A sound lower bound of the margin over the box (the smallest of the
        lower bounds of :math:`f_c - f_j`, j != c).
    xs, values, attacked : ndarray (n, k), (n,), (n,) of bool
        The attack's best point per image, its margin, and whether it is a
        counterexample (the prediction there is not the label).
    gap : ndarray (n,)
        ``values - bound`` >= 0: how far apart the attack and the proof are.
    labels, epsilon : ndarray (n,)
    relaxation : str
        The bounds used, "linear" or "interval" ("auto" resolved).
    seconds : float
    """

    certified: np.ndarray
    bound: np.ndarray
    xs: np.ndarray
    values: np.ndarray
    attacked: np.ndarray
    gap: np.ndarray
    labels: np.ndarray
    epsilon: np.ndarray
    relaxation: str
    seconds: float

    @property
    def status(self) -> np.ndarray:
        """(n,) "certified", "attacked" or "unknown" (neither proof nor counterexample)."""
        return np.where(self.certified, "certified", np.where(self.attacked, "attacked", "unknown"))

    def _table(self):
        status = self.status
        rows = [(i, int(self.labels[i]), f"{self.epsilon[i]:.4g}", f"{self.bound[i]:.4g}",
                 f"{self.values[i]:.4g}", status[i]) for i in range(len(status))]
        title = (f"certify ({self.relaxation} bounds): {int(self.certified.sum())} certified, "
                 f"{int(self.attacked.sum())} attacked, "
                 f"{int((status == 'unknown').sum())} unknown of {len(status)}")
        return (title, ("image", "label", "epsilon", "margin bound", "attack margin", "status"),
                rows, "margin bound > 0: certified; attack margin < 0: counterexample")


@dataclass(repr=False)
class RadiiResult(Tabular):
    r"""Per image: the largest certified ε and the smallest ε the attack breaks.

    Attributes
    ----------
    certified_epsilon : ndarray (n,)
        Certified at this radius (0: not even at ``eps_tol``).
    attack_epsilon : ndarray (n,)
        The attack found a counterexample at this radius (inf: not up to ``eps_max``).
    xs : ndarray (n, k)
        The counterexample at ``attack_epsilon`` (the image itself where none).
    labels : ndarray (n,)
    eps_max, eps_tol : float
        The largest radius tried, and the bisection's tolerance on the radius.
    relaxation : str
        The bounds used, "linear" or "interval" ("auto" resolved).
    seconds : float
    """

    certified_epsilon: np.ndarray
    attack_epsilon: np.ndarray
    xs: np.ndarray
    labels: np.ndarray
    eps_max: float
    eps_tol: float
    relaxation: str
    seconds: float

    def _table(self):
        rows = [(i, int(self.labels[i]), f"{self.certified_epsilon[i]:.4g}",
                 f"{self.attack_epsilon[i]:.4g}") for i in range(len(self.labels))]
        title = (f"robustness radii (bisection to {self.eps_tol:g}, up to {self.eps_max:g}, "
                 f"{self.relaxation} bounds)")
        return (title, ("image", "label", "certified eps", "attack eps"), rows,
                "certified eps <= true robust radius <= attack eps")


# ------------------------------------------------------------ certificates
def _margin_net(net: Sequential, c: int) -> Sequential:
    """A network whose output j is :math:`f_c - f_j` (0 for j = c)."""
    last = net.layers[-1]
    if type(last) is Dense:
        W, b = last.params["W"], last.params["b"]
        merged = Dense(W.shape[0], W.shape[1], seed=0)
        merged.params["W"] = W[:, c:c + 1] - W
        merged.params["b"] = b[c] - b
        return Sequential(list(net.layers[:-1]) + [merged])
    n_out = net.n_outputs
    diff = Dense(n_out, n_out, seed=0)        # after a custom or activation last layer
    diff.params["W"] = np.eye(n_out)[:, [c]] - np.eye(n_out)
    diff.params["b"] = np.zeros(n_out)
    return Sequential(list(net.layers) + [diff])


def _cnn_linear(net: Sequential) -> bool:
    """A CNN whose linear bounds :mod:`mininn.search.image_bounds` computes."""
    return supports_linear(net) and type(net.layers[-1]) is Dense


def _relaxation(net: Sequential, relaxation: str) -> str:
    """The relaxation the bounds will use: "auto" resolved for this network."""
    check_choice(relaxation, "relaxation", RELAXATIONS)
    if _cnn_linear(net):
        return "interval" if relaxation == "interval" else "linear"
    return resolve_relaxation(make_problem(_margin_net(net, 0), 1, "min"), relaxation)


def _margin_lower(net: Sequential, labels: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                  relaxation: str) -> np.ndarray:
    """(n,) sound lower bound of the margin of each image over its box (lo, hi)."""
    if relaxation == "interval" and type(net.layers[-1]) is Dense:
        return _interval_margin_lower(net, labels, lo, hi)
    if relaxation == "linear" and _cnn_linear(net):
        return np.maximum(linear_margin_lower(net, labels, lo, hi),
                          _interval_margin_lower(net, labels, lo, hi))
    lower = np.full(len(labels), np.inf)
    for c in np.unique(labels):
        rows = np.flatnonzero(labels == c)
        diff = _margin_net(net, int(c))
        for j in range(net.n_outputs):
            if j != c:
                low, _ = output_bounds(diff, j, bounds=(lo[rows], hi[rows]),
                                       relaxation=relaxation)
                lower[rows] = np.minimum(lower[rows], low)
    return lower


def _interval_margin_lower(net: Sequential, labels: np.ndarray, lo: np.ndarray,
                           hi: np.ndarray) -> np.ndarray:
    r"""What ``output_bounds(..., relaxation="interval")`` gives on the margin
    networks, for all images and classes in one pass: the box pushed through
    every layer but the last by ``interval`` (hidden h in [l, u], centre m,
    radius r), then exactly through the last one's differences,
    :math:`\min_{h} (W_{:,c} - W_{:,j})^T h + b_c - b_j = d^T m + b_c - b_j - |d|^T r`."""
    l, u = lo, hi
    for layer in net.layers[:-1]:
        l, u = layer.interval(l, u)
    W, b = net.layers[-1].params["W"], net.layers[-1].params["b"]
    m, r = 0.5 * (l + u), 0.5 * (u - l)                              # (n, h)
    D = W.T[labels][:, :, None] - W[None]                            # (n, h, out): w_c - w_j
    lower = (np.einsum("nh,nhj->nj", m, D) - np.einsum("nh,nhj->nj", r, np.abs(D))
             + (b[labels][:, None] - b[None]))
    lower[np.arange(len(labels)), labels] = np.inf                   # j = c is no rival
    return lower.min(axis=1)


def certify(net: Sequential, label=None, *, X, epsilon, relaxation: str = "auto",
            steps: int = 20, bounds=(0.0, 1.0)) -> CertifyResult:
    r"""Prove that no image in each ε-box changes the prediction, or find one that does.

    Parameters as :func:`attack`, and ``relaxation`` ("auto", "linear",
    "interval") as in :func:`mininn.search.output_bounds`. The PGD attack
    (``steps`` steps) runs on every image, so a result is never both
    certified and attacked (that would be a bug: a test checks it).

    Returns
    -------
    CertifyResult
        ``certified`` where the lower bound of the margin is > 0, ``attacked``
        with the counterexample in ``xs`` where PGD changed the prediction.
    """
    began = time.perf_counter()
    found = attack(net, label, X=X, epsilon=epsilon, method="pgd", steps=steps, bounds=bounds)
    net, X = _images(net, X)
    relaxation = _relaxation(net, relaxation)
    lo, hi = found.bounds
    lower = _margin_lower(net, found.labels, lo, hi, relaxation)
    return CertifyResult(certified=lower > 0, bound=lower, xs=found.xs, values=found.values,
                         attacked=found.fooled, gap=found.values - lower, labels=found.labels,
                         epsilon=found.epsilon, relaxation=relaxation,
                         seconds=time.perf_counter() - began)


def robustness_radii(net: Sequential, label=None, *, X, eps_max: float = 0.5,
                     eps_tol: float = 1e-3, relaxation: str = "auto", steps: int = 20,
                     bounds=(0.0, 1.0)) -> RadiiResult:
    r"""Per image, the largest certified ε and the smallest ε PGD breaks, by bisection.

    Attack side first: ``[lo, hi]`` with a counterexample found at hi (PGD
    at ``eps_max`` first; an image it cannot break gets inf) and none at lo
    (0 at the start); each step attacks the midpoints of all images at once.
    Certified side: certified at lo (0 at the start), not at hi -- the attack
    radius to begin with, since no box holding a counterexample can be
    certified (an image certified even at ``eps_max`` gets ``eps_max``). Both
    stop when ``hi - lo <= eps_tol``; the certified radius reported is lo, the
    attack radius hi. An image whose
    label is not its prediction has both radii 0.

    Other parameters as :func:`certify`.
    """
    began = time.perf_counter()
    net, X = _images(net, X)
    labels = _labels(net, label, X)
    eps_max = check_real(eps_max, "eps_max", minimum=0.0, open_min=True)
    eps_tol = check_real(eps_tol, "eps_tol", minimum=0.0, open_min=True)
    steps = check_int(steps, "steps", minimum=1)
    relaxation = _relaxation(net, relaxation)
    pixels = check_bounds(bounds, X.shape[1])
    n = len(X)
    wrong = np.argmax(net.forward(X), axis=1) != labels

    def certified(rows, eps):
        if len(rows) == 0:
            return np.zeros(0, dtype=bool)
        lo = np.maximum(pixels[0], X[rows] - eps[:, None])
        hi = np.minimum(pixels[1], X[rows] + eps[:, None])
        return _margin_lower(net, labels[rows], lo, hi, relaxation) > 0

    def attacked(rows, eps):
        if len(rows) == 0:
            return np.zeros(0, dtype=bool), X[:0]
        xs, _, fooled, _, _, _ = _attack(net, X[rows], labels[rows], eps, pixels, "pgd", steps)
        return fooled, xs

    right = np.flatnonzero(~wrong)
    # attack radius: not attacked at a_lo, attacked at a_hi
    a_lo, a_hi, xs = np.zeros(n), np.full(n, np.inf), X.copy()
    hit, found = attacked(right, np.full(len(right), eps_max))
    a_hi[right[hit]], xs[right[hit]] = eps_max, found[hit]
    a_hi[wrong] = 0.0
    todo = right[hit]
    while len(todo):
        mid = 0.5 * (a_lo[todo] + a_hi[todo])
        hit, found = attacked(todo, mid)
        a_hi[todo[hit]], xs[todo[hit]] = mid[hit], found[hit]
        a_lo[todo[~hit]] = mid[~hit]
        todo = todo[a_hi[todo] - a_lo[todo] > eps_tol]
    # certified radius: certified at c_lo, not at c_hi -- and never at a_hi, where
    # a counterexample exists: the bisection starts below the attack radius
    c_lo, c_hi = np.zeros(n), np.minimum(a_hi, eps_max)
    unbroken = right[~np.isfinite(a_hi[right])]
    top = unbroken[certified(unbroken, c_hi[unbroken])]
    c_lo[top] = eps_max
    todo = np.setdiff1d(right, top)
    while len(todo):
        mid = 0.5 * (c_lo[todo] + c_hi[todo])
        ok = certified(todo, mid)
        c_lo[todo[ok]], c_hi[todo[~ok]] = mid[ok], mid[~ok]
        todo = todo[c_hi[todo] - c_lo[todo] > eps_tol]
    c_lo[wrong] = 0.0
    return RadiiResult(certified_epsilon=c_lo, attack_epsilon=a_hi, xs=xs, labels=labels,
                       eps_max=eps_max, eps_tol=eps_tol, relaxation=relaxation,
                       seconds=time.perf_counter() - began)
