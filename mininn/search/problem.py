r"""The problem behind every binary and box search: one output as a score to maximise.

A network :math:`f` and an output j become a *score*

.. math:: s(x) = \sigma\, z_j(x), \qquad \sigma = +1 \text{ ("max") or } -1 \text{ ("min")},

where :math:`z_j` is output j *before* the network's trailing monotone
activations (the ``tail``: an output sigmoid, say). The tail is
non-decreasing, so maximising the score is maximising (or minimising) output
j, and the search never meets the ties of a sigmoid that rounds to exactly
1.0. Every search in this package maximises the score; ``to_output`` maps a
score back to output j.

The score is computed by ``layers``: private *steps* that mirror the
network's layers without touching them (a search never overwrites the
caches ``forward`` keeps in the caller's layers):

* :class:`Affine` ``y = x W + b`` for each ``Dense`` (the same arrays, read
  only), the last one cut to the column :math:`\sigma W_{:, j}`, :math:`\sigma b_j`;
* a fresh instance of each built-in activation;
* a custom layer is used as it is (followed by :class:`Pick` when it is the
  last layer before the tail).
"""
from __future__ import annotations

from typing import List, Tuple

import numpy as np

from .. import activations
from .._validation import check_choice, check_output
from ..layers import Dense, Layer
from ..network import Sequential, _first_fixed

#: Goals of the binary and box searches (continuous search adds "target").
GOALS = ("max", "min")

# The built-in activations are elementwise and non-decreasing: the ones that
# may be peeled off the output and relaxed by lines.
MONOTONE = tuple(activations.ACTIVATIONS.values())


class Affine:
    r"""The step :math:`y = x W + b` with fixed arrays W (n_in, n_out), b (n_out,)."""

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W, self.b = W, b
        self.n_out = W.shape[1]

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x @ self.W + self.b

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy @ self.W.T

    def interval(self, lo: np.ndarray, hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        r"""Exact bounds over the box: :math:`cW + b \mp r|W|`, centre c, radius r."""
        centre = 0.5 * (lo + hi) @ self.W + self.b
        radius = 0.5 * (hi - lo) @ np.abs(self.W)
        return centre - radius, centre + radius


class Pick:
    """Column j of a custom last layer, times the sign: (n, m) -> (n, 1)."""

    def __init__(self, column: int, sign: float) -> None:
        self.column, self.sign = column, sign

    def forward(self, y: np.ndarray) -> np.ndarray:
        self._width = y.shape[1]
        return self.sign * y[:, self.column:self.column + 1]

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dx = np.zeros((dy.shape[0], self._width))
        dx[:, self.column] = self.sign * dy[:, 0]
        return dx

    def interval(self, lo: np.ndarray, hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        lo, hi = lo[:, self.column:self.column + 1], hi[:, self.column:self.column + 1]
        return (lo, hi) if self.sign > 0 else (-hi, -lo)


def step_of(layer):
    """The private step that computes what ``layer`` computes."""
    if type(layer) is Dense:
        return Affine(layer.params["W"], layer.params["b"])
    if type(layer) in MONOTONE:
        return type(layer)(**layer.config())
    return layer


def can_bound(layer) -> bool:
    """Does the layer implement ``interval`` (not just inherit Layer's stub)?"""
    method = getattr(type(layer), "interval", None)
    return callable(method) and method is not Layer.interval


def is_builtin(step) -> bool:
    """An ``Affine`` step or a built-in activation: what the linear bounds understand."""
    return type(step) is Affine or type(step) in MONOTONE


class Problem:
    r"""Maximise the score :math:`s(x) = \sigma z_j(x)` (see the module docstring).

    Attributes
    ----------
    k : int
        Number of inputs.
    layers : list
        The steps that compute the score as an (n, 1) array; the last one
        is the cut column (an ``Affine`` with one output) or a ``Pick``.
    tail : list
        Fresh copies of the trailing monotone activations.
    sign : float
        +1 for "max", -1 for "min".
    """

    def __init__(self, net: Sequential, output: int, goal: str) -> None:
        layers = list(net.layers)
        n_tail = 0
        while n_tail < len(layers) - 1 and type(layers[-1 - n_tail]) in MONOTONE:
            n_tail += 1
        core = layers[:len(layers) - n_tail]
        self.tail = [step_of(layer) for layer in layers[len(layers) - n_tail:]]
        self.full = [step_of(layer) for layer in layers]
        self.sign = 1.0 if goal == "max" else -1.0
        self.goal = goal
        self.output = output
        self.k = net.n_inputs
        body = [step_of(layer) for layer in core[:-1]]
        last = core[-1]
        if type(last) is Dense:
            W, b = last.params["W"], last.params["b"]
            column = Affine(self.sign * W[:, output:output + 1], self.sign * b[output:output + 1])
            self.layers: List = body + [column]
            # scored with a 1-d weight vector: a matrix-vector product, which
            # BLAS does fast, where an (n, m) @ (m, 1) product goes through
            # the (threaded) matrix-matrix path and can be much slower
            self.column = (column.W[:, 0].copy(), float(column.b[0]))
        else:
            self.layers = body + [step_of(last), Pick(output, self.sign)]
            self.column = None
        self.linear_ok = all(is_builtin(step) for step in self.layers)
        self.has_interval = all(can_bound(step) for step in self.layers)

    # ------------------------------------------------------------- scores
    def score(self, X: np.ndarray) -> np.ndarray:
        """Score of each row of X: (n, k) -> (n,)."""
        return self.finish(X, 0)

    def finish(self, Z: np.ndarray, start: int) -> np.ndarray:
        """Push Z, the input of step ``start``, through the remaining steps: (n,).

        ``start == len(layers)`` means that Z already holds the score in column 0.
        """
        if start >= len(self.layers):
            return Z[:, 0]
        for step in self.layers[start:-1]:
            Z = step.forward(Z)
        if self.column is None:
            return self.layers[-1].forward(Z)[:, 0]
        w, b = self.column
        return Z @ w + b

    def score_gradient(self, X: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(score (n,), d score / dX (n, k)): every step's forward, then its backward."""
        Z = X
        for step in self.layers:
            Z = step.forward(Z)
        G = np.ones_like(Z)
        for step in reversed(self.layers):
            G = step.backward(G)
        return Z[:, 0], G

    def to_output(self, score) -> np.ndarray:
        """Scores back to output j: ``tail(sign * score)``, (n,) -> (n,)."""
        z = (self.sign * np.asarray(score, dtype=np.float64)).reshape(-1, 1)
        with np.errstate(over="ignore", invalid="ignore"):   # an infinite bound stays infinite
            for step in self.tail:
                z = step.forward(z)
        return z[:, 0]

    def path_weights(self) -> np.ndarray:
        """Input influence: total |weight| of all paths from each input to the
        score, (k,) (ones when a custom layer hides them)."""
        weight = np.ones((1, 1))
        for step in reversed(self.layers):
            if type(step) is Affine:
                weight = np.abs(step.W) @ weight
        return weight[:, 0] if weight.shape[0] == self.k else np.ones(self.k)

    def values(self, X: np.ndarray) -> np.ndarray:
        """Output j at each row of X by a plain forward pass through the whole network."""
        for step in self.full:
            X = step.forward(X)
        return X[:, self.output]


def unknown_width(net, fix: str) -> ValueError:
    """The error for a network whose number of inputs k is unknown; ``fix``
    says what to do when it starts with a convolution."""
    if net._takes_images:
        first = _first_fixed(net.layers)
        return ValueError(f"net starts with {first!r}, which takes images of any height and "
                          f"width, so its number of inputs k is unknown: {fix}")
    return ValueError("the number of inputs of net is unknown: none of its layers before the "
                      "first Dense fixes it (start the network with a Dense or an Unflatten "
                      "layer)")


def make_problem(net, output, goal: str) -> Problem:
    """Validate ``net``, ``output`` and ``goal`` ("max" or "min") and build the problem."""
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be a mininn.Sequential, got {type(net).__name__}")
    if net.n_inputs is None:
        raise unknown_width(net, "start the network with Unflatten((C, H, W)); then k = C*H*W")
    output = check_output(output, net.n_outputs)
    check_choice(goal, "goal", GOALS)
    return Problem(net, output, goal)
