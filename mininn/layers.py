"""The Layer contract and the one layer with parameters, ``Dense``.

A layer is any object with

* ``params: dict[str, ndarray]`` and ``grads: dict[str, ndarray]`` (same keys,
  same shapes; both empty for a layer without parameters);
* ``forward(x) -> y``, which keeps what the next ``backward`` needs;
* ``backward(dy) -> dx``, the vector-Jacobian product: for an upstream
  gradient ``dy`` (same shape as ``y``) it returns ``dx = d sum(y * dy) / dx``
  and *overwrites* ``grads`` with ``d sum(y * dy) / d params``, summed over the
  batch. It never updates parameters and never accumulates across calls.

Optionally, ``interval(lo, hi) -> (lo_out, hi_out)``: sound elementwise bounds
of the output for every input ``x`` with ``lo <= x <= hi`` (used by the exact
binary search). Students' own layers need only the four required members;
``mininn.gradcheck.check_layer`` grades any of them.
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

from ._validation import SeedLike, check_choice, check_int, make_rng


class Layer:
    """Base class of mininn's layers (subclassing it is optional for your own).

    Besides the contract above it offers two shortcuts that a network uses
    when it does not need everything ``backward`` computes:

    * ``backward_input(dy)`` -- only ``dx``, leaving ``grads`` alone (input
      gradients and Jacobians never need parameter gradients);
    * ``backward_params(dy)`` -- only ``grads``, no ``dx`` (training never
      needs the gradient with respect to the network's input).

    Both default to ``backward``; ``Dense`` overrides them to skip a matrix
    product.
    """

    def __init__(self) -> None:
        self.params: Dict[str, np.ndarray] = {}
        self.grads: Dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dy: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward_input(self, dy: np.ndarray) -> np.ndarray:
        """Gradient with respect to the input only; ``grads`` are left untouched."""
        return self.backward(dy)

    def backward_params(self, dy: np.ndarray) -> None:
        """Parameter gradients only (the input gradient is not formed)."""
        self.backward(dy)

    def interval(self, lo: np.ndarray, hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError(f"{type(self).__name__} does not bound its output")

    def config(self) -> dict:
        """Constructor arguments, so that ``save``/``load`` can rebuild the layer."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


INITS = ("xavier", "he", "uniform")

# Arrays with at least this many elements (128 KiB of float64) are computed
# in place, in one fresh array, rather than through a chain of temporaries.
# 128 KiB is where glibc's malloc stops recycling freed blocks and asks the
# kernel for fresh pages (mmap), so every large temporary costs page faults;
# several alive at once can even make it give the memory back and fault it
# in again on the next call (a 3-15x slowdown seen on 512 KiB arrays).
# Smaller arrays keep the plain expressions: there the temporaries are
# cheap, and in-place ``out=`` calls are slightly slower (on one-element
# arrays about three times slower).
IN_PLACE_MIN_SIZE = 16384


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
    seed : None, int or numpy.random.Generator
        Source of randomness; a Generator is used (and advanced) as is.

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
        self._x = x
        y = x @ self.params["W"]
        b = self.params["b"]
        if y.size < IN_PLACE_MIN_SIZE or b.dtype != y.dtype:  # (complex-step checks)
            return y + b
        y += b          # no second large (n, n_out) array: see IN_PLACE_MIN_SIZE
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        self.backward_params(dy)
        return self.backward_input(dy)

    def backward_input(self, dy: np.ndarray) -> np.ndarray:
        W = self.params["W"]
        if W.shape[1] == 1 and W.shape[0] >= 16 and np.ndim(dy) == 2:
            # One output unit (the usual case in input search): dy W^T is an
            # outer product, each entry the single product dy_i * W_j, so
            # broadcasting gives the same numbers as the matrix product -- and
            # for 16 or more inputs it is about twice as fast as the BLAS call.
            return dy * W.T
        return dy @ W.T

    def backward_params(self, dy: np.ndarray) -> None:
        if self._x is None:
            raise RuntimeError("Dense.backward called before forward")
        # Overwrite (never accumulate) the gradients. A fresh array is
        # assigned rather than written in place so that a caller holding the
        # previous gradient keeps what it was given.
        self.grads["W"] = self._x.T @ dy
        # With one sample (per-sample SGD) the sum over the batch is that one
        # row: copying it is several times cheaper than a reduction call, and
        # gives the same numbers bit for bit.
        self.grads["b"] = dy[0].copy() if dy.shape[0] == 1 else dy.sum(axis=0)

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
