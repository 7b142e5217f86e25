"""The Layer contract and the one layer with parameters, ``Dense``.

A layer is any object with four members:

* ``params: dict[str, ndarray]`` and ``grads: dict[str, ndarray]`` (same keys,
  same shapes; both empty for a layer without parameters);
* ``forward(x) -> y``, which keeps what the next ``backward`` needs;
* ``backward(dy) -> dx``, the vector-Jacobian product: for an upstream
  gradient ``dy`` (same shape as ``y``) it returns ``dx = d sum(y * dy) / dx``
  and *overwrites* ``grads`` with ``d sum(y * dy) / d params``, summed over the
  batch. It never updates parameters and never accumulates across calls.

That is all a student's layer needs; ``mininn.gradcheck.check_layer`` grades
any object with these four members, and ``Sequential`` trains it.

Optionally, ``interval(lo, hi) -> (lo_out, hi_out)``: sound elementwise bounds
of the output for every input ``x`` with ``lo <= x <= hi`` (used by the exact
binary search).
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

from ._validation import SeedLike, check_choice, check_int, make_rng


class Layer:
    """Base class of mininn's layers (subclassing it is optional for your own).

    Besides the four members of the contract it has two optional shortcuts,
    each with a default here that needs only ``backward``, so a layer that
    defines the four members is used correctly everywhere:

    * ``backward_params(dy)`` -- the parameter gradients without ``dx``.
      Training calls it on the network's first layer, whose ``dx`` (the
      gradient with respect to the data) nobody needs. Default: ``backward``
      with the result dropped.
    * ``backward_input(dy)`` -- ``dx`` only, ``grads`` left as they were.
      Input gradients and Jacobians call it. Default: ``backward``, then the
      previous ``grads`` put back.

    ``Dense`` overrides both, each with one of the formulas of its
    ``backward``; ``benchmarks/`` measures what each saves.
    """

    def __init__(self) -> None:
        self.params: Dict[str, np.ndarray] = {}
        self.grads: Dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dy: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward_params(self, dy: np.ndarray) -> None:
        """Fill ``grads`` for upstream ``dy``; the input gradient is not needed."""
        self.backward(dy)

    def backward_input(self, dy: np.ndarray) -> np.ndarray:
        """The gradient with respect to the input; ``grads`` are left as they were."""
        saved = {key: grad.copy() for key, grad in self.grads.items()}
        dx = self.backward(dy)
        self.grads.update(saved)
        return dx

    def interval(self, lo: np.ndarray, hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError(f"{type(self).__name__} does not bound its output")

    def config(self) -> dict:
        """Constructor arguments, so that ``save``/``load`` can rebuild the layer."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


INITS = ("xavier", "he", "uniform")


class Dense(Layer):
    r"""Fully connected layer :math:`y = x W + b`.

    Parameters
    ----------
    n_in, n_out : int
        Number of input and output features.
    init : {"xavier", "he", "uniform"}
        How ``W`` is drawn. ``"xavier"`` (Glorot uniform):
        :math:`W \sim U(-a, a)`, :math:`a = \sqrt{6 / (n_{in} + n_{out})}`, ``b = 0``.
        ``"he"``: :math:`W \sim N(0, 2 / n_{in})`, ``b = 0`` (for ReLU nets).
        ``"uniform"``: ``W`` and ``b`` drawn from :math:`U[0, 1)`, as in the 2016
        code that started mininn (where the bias was a weight of a constant
        input, so it was drawn like the other weights).
    seed : None, int >= 0 or numpy.random.Generator, default None
        Source of randomness (None: fresh entropy); a Generator is used (and
        advanced) as is.

    Shapes
    ------
    x: (n, n_in), W: (n_in, n_out), b: (n_out,), y: (n, n_out).

    Gradients (for upstream ``dy``: (n, n_out))
    -------------------------------------------
    :math:`\partial L/\partial W = x^T dy` (n_in, n_out),
    :math:`\partial L/\partial b = \sum_i dy_i` (n_out,),
    :math:`\partial L/\partial x = dy\, W^T` (n, n_in).

    The bias is a parameter of the layer, never a column glued onto ``x``: the
    2016 code *added* 1 to every input by broadcasting when it meant to append
    a constant input, and nothing complained.
    """

    def __init__(self, n_in: int, n_out: int, init: str = "xavier",
                 seed: SeedLike = None) -> None:
        super().__init__()
        self.n_in = check_int(n_in, "n_in", minimum=1)
        self.n_out = check_int(n_out, "n_out", minimum=1)
        self.init = check_choice(init, "init", INITS)
        rng = make_rng(seed)
        if init == "xavier":
            limit = np.sqrt(6.0 / (self.n_in + self.n_out))
            W = rng.uniform(-limit, limit, size=(self.n_in, self.n_out))
            b = np.zeros(self.n_out)
        elif init == "he":
            W = rng.normal(0.0, np.sqrt(2.0 / self.n_in), size=(self.n_in, self.n_out))
            b = np.zeros(self.n_out)
        else:
            W = rng.random((self.n_in, self.n_out))
            b = rng.random(self.n_out)
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self._x = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.shape[-1:] != (self.n_in,):
            raise ValueError(f"{self!r} expects x with {self.n_in} features (its last axis), "
                             f"got shape {x.shape}")
        self._x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dy: np.ndarray) -> np.ndarray:
        self.backward_params(dy)
        return self.backward_input(dy)

    def backward_params(self, dy: np.ndarray) -> None:
        if self._x is None:
            raise RuntimeError("Dense.backward called before forward")
        # New arrays, never written in place: a caller holding the previous
        # gradients keeps what it was given.
        self.grads["W"] = self._x.T @ dy
        self.grads["b"] = dy.sum(axis=0)

    def backward_input(self, dy: np.ndarray) -> np.ndarray:
        return dy @ self.params["W"].T

    def interval(self, lo: np.ndarray, hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        r"""Bounds of :math:`xW + b` over the box ``lo <= x <= hi``.

        With centre :math:`c = (lo + hi)/2` and radius :math:`r = (hi - lo)/2`,
        :math:`y \in [cW + b - r|W|,\; cW + b + r|W|]`: each weight takes the
        end of the input interval that lowers (or raises) the output, so a
        negative weight pairs the upper output bound with ``lo``.
        Shapes: lo, hi (n, n_in) -> (n, n_out) each.
        """
        W = self.params["W"]
        centre = (lo + hi) * 0.5 @ W + self.params["b"]
        radius = (hi - lo) * 0.5 @ np.abs(W)
        return centre - radius, centre + radius

    def config(self) -> dict:
        return {"n_in": self.n_in, "n_out": self.n_out}

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out})"
