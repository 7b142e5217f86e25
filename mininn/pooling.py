r"""The parameter-free image layers: ``MaxPool2D``, ``Flatten`` and ``Unflatten``.

They sit around convolutions: ``Unflatten -> Conv2D -> ReLU -> MaxPool2D ->
Flatten -> Dense``. ``Unflatten`` turns rows of pixels (n, C H W), as
``load_digits`` gives them and as input search moves them, into images
(n, C, H, W); ``Flatten`` turns images back into rows for dense layers. None
has parameters (``params`` and ``grads`` are empty dicts); all follow the
Layer contract of ``mininn.layers``.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import numpy as np

from ._validation import check_int
from .convolution import col2im, im2col, output_size, to_images, to_matrix
from .layers import Layer


class MaxPool2D(Layer):
    r"""Max pooling: the largest value of each ``size x size`` window.

    .. math::
        y_{n,c,i,j} = \max_{0 \le p, q < k}\; x_{n,c,\,s i + p,\,s j + q}

    Parameters
    ----------
    size : int >= 1
        Window side k.
    stride : int >= 1, optional
        Step s between windows; defaults to ``size`` (windows side by side,
        not overlapping).

    Shapes
    ------
    x: (n, C, H, W) -> y: (n, C, H_out, W_out), ``H_out = (H - k) // s + 1``
    (``W_out`` alike). When ``H - k`` is not a multiple of ``s`` the last rows
    are in no window (as in PyTorch).

    Gradient (for upstream ``dy``: (n, C, H_out, W_out))
    ----------------------------------------------------
    Each window passes its ``dy`` to the pixel that holds its maximum; every
    other pixel of the window gets 0. Where windows overlap, a pixel that is
    the maximum of several windows gets the sum of their ``dy``.

    **Ties**: when several pixels of one window share the maximum, the whole
    gradient goes to the *first* of them in reading order (row by row, left
    to right, numpy's ``argmax`` convention). Any split among the tied pixels
    is a valid subgradient; PyTorch's CPU kernel picks the same pixel. Ties
    are common: on blank parts of a digit every pixel of a window is equal.

    Computed like ``Conv2D``: ``im2col`` lays each window out as a column,
    the maximum is taken down each column, and ``col2im`` puts each window's
    gradient back in place.
    """

    def __init__(self, size: int, stride: Optional[int] = None) -> None:
        super().__init__()
        self.size = check_int(size, "size", minimum=1)
        self.stride = self.size if stride is None else check_int(stride, "stride", minimum=1)
        self._first = None

    def _columns(self, x: np.ndarray) -> np.ndarray:
        """The windows of x as im2col columns, grouped (C, k k, H_out W_out n)."""
        k = self.size
        output_size(np.shape(x), (k, k), self.stride, kernel_name="size")   # checks x and size
        return im2col(x, k, k, self.stride).reshape(x.shape[1], k * k, -1)

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        cols = self._columns(x)
        top = cols.max(axis=1)                                 # (C, H_out W_out n)
        # The window's maximum is where it equals ``top``. Of tied pixels only
        # the first in reading order keeps dy: a pixel counts if it is a
        # maximum and no pixel before it in its window was one.
        is_max = cols == top[:, None]
        first, taken = is_max.copy(), is_max[:, 0].copy()
        for r in range(1, is_max.shape[1]):
            first[:, r] &= ~taken
            taken |= is_max[:, r]
        self._first, self._x_shape = first, x.shape
        n, C, H_out, W_out = self.output_shape(x.shape)
        return to_images(top, n, H_out, W_out)

    def output_shape(self, x_shape) -> Tuple[int, int, int, int]:
        """``(n, C, H_out, W_out)`` for an input of shape ``x_shape`` (checked)."""
        k = self.size
        return (x_shape[0], x_shape[1],
                *output_size(tuple(x_shape), (k, k), self.stride, kernel_name="size"))

    def backward(self, dy: np.ndarray) -> np.ndarray:
        if self._first is None:
            raise RuntimeError("MaxPool2D.backward called before forward")
        expected = self.output_shape(self._x_shape)
        if np.shape(dy) != expected:
            raise ValueError(f"dy must have the shape of the last output, {expected}, "
                             f"got {np.shape(dy)}")
        C, k = self._x_shape[1], self.size
        dy_cols = to_matrix(dy)[:, None, :]                     # (C, 1, windows): one dy each
        # Each window's dy goes to its (first) maximum; col2im puts every
        # window back in place, adding where windows overlap.
        return col2im((self._first * dy_cols).reshape(C * k * k, -1), self._x_shape,
                      k, k, self.stride)

    def interval(self, lo: np.ndarray, hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Max is non-decreasing in every input: the bounds are the max of the
        lows and the max of the highs of each window (exact, not only sound).
        Shapes: lo, hi (n, C, H, W) -> (n, C, H_out, W_out) each."""
        lo, hi = np.asarray(lo), np.asarray(hi)
        _, _, H_out, W_out = self.output_shape(lo.shape)
        return tuple(to_images(self._columns(v).max(axis=1), v.shape[0], H_out, W_out)
                     for v in (lo, hi))

    def config(self) -> dict:
        return {"size": self.size, "stride": self.stride}


class Flatten(Layer):
    r"""Each sample's image as one row: (n, C, H, W) -> (n, C H W), and back.

    ``y[n, (c H + h) W + w] = x[n, c, h, w]`` (numpy's row-major order, the
    order PyTorch's ``flatten`` uses too). Backward reshapes ``dy`` back to the
    input's shape: a reshape moves no value (its Jacobian is the identity), so
    the gradient is the same numbers in the input's shape.
    """

    def __init__(self) -> None:
        super().__init__()
        self._x_shape = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"x must have a batch axis and at least one more, got shape {x.shape}")
        self._x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        if self._x_shape is None:
            raise RuntimeError("Flatten.backward called before forward")
        expected = (self._x_shape[0], int(np.prod(self._x_shape[1:])))
        if np.shape(dy) != expected:
            raise ValueError(f"dy must have the shape of the last output, {expected}, "
                             f"got {np.shape(dy)}")
        return np.reshape(dy, self._x_shape)

    def interval(self, lo: np.ndarray, hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """The same bounds, reshaped: (n, C, H, W) -> (n, C H W) each."""
        lo, hi = np.asarray(lo), np.asarray(hi)
        return lo.reshape(lo.shape[0], -1), hi.reshape(hi.shape[0], -1)


class Unflatten(Layer):
    r"""Rows of pixels as images: (n, C H W) -> (n, C, H, W), and back.

    The inverse of ``Flatten`` (same row-major order). Put it first in a
    ``Sequential`` to give a CNN flat inputs, so that training, input
    gradients and input search see ``k = C H W`` features.

    Parameters
    ----------
    shape : sequence of int >= 1
        The shape of one sample after the layer, e.g. ``(1, 8, 8)``.

    ``n_in = prod(shape)`` is the input width ``Sequential`` checks; ``n_out``
    is None: the output is an image, not a row of features.
    """

    n_out = None

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__") or len(shape) == 0:
            raise TypeError(f"shape must be a sequence of ints such as (1, 8, 8), got {shape!r}")
        self.shape = tuple(check_int(size, "shape", minimum=1) for size in shape)
        self.n_in = int(np.prod(self.shape))

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ValueError(f"x must have shape (n, {self.n_in}) to become images of shape "
                             f"{self.shape}, got {x.shape}")
        return x.reshape(x.shape[0], *self.shape)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        if np.ndim(dy) != 1 + len(self.shape) or np.shape(dy)[1:] != self.shape:
            raise ValueError(f"dy must have shape (n, *{self.shape}), got {np.shape(dy)}")
        return np.reshape(dy, (np.shape(dy)[0], self.n_in))

    def interval(self, lo: np.ndarray, hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """The same bounds, reshaped: (n, C H W) -> (n, C, H, W) each."""
        lo, hi = np.asarray(lo), np.asarray(hi)
        return lo.reshape(lo.shape[0], *self.shape), hi.reshape(hi.shape[0], *self.shape)

    def config(self) -> dict:
        return {"shape": list(self.shape)}
