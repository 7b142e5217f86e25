r"""2-d convolution: the formula, loops to read, im2col to run, the layer ``Conv2D``.

Notation (batch first, channels first, as in PyTorch):
``x``: (n, C, H, W) images, ``w``: (F, C, kh, kw) kernels, ``b``: (F,) biases,
stride ``s``, zero padding ``P``. ``xp`` is ``x`` with ``P`` zeros added on each
side of both image axes, (n, C, H + 2P, W + 2P).

**Forward.** Deep learning's convolution is a cross-correlation (no flip):

.. math::
    y_{n,f,i,j} = b_f + \sum_{c,p,q} w_{f,c,p,q}\; xp_{n,c,\,s i + p,\,s j + q},

for ``0 <= i < H_out = (H + 2P - kh) // s + 1`` (``W_out`` alike; the last
rows of ``xp`` are in no window if ``s`` does not divide ``H + 2P - kh``).

**Backward**, for an upstream gradient ``dy``: (n, F, H_out, W_out); each
formula is the chain rule applied to the one above:

.. math::
    \frac{\partial L}{\partial w_{f,c,p,q}} = \sum_{n,i,j} dy_{n,f,i,j}\; xp_{n,c,\,si+p,\,sj+q},
    \qquad
    \frac{\partial L}{\partial b_f} = \sum_{n,i,j} dy_{n,f,i,j},

.. math::
    \frac{\partial L}{\partial xp_{n,c,u,v}} = \sum_{f,i,j} dy_{n,f,i,j}\; w_{f,c,\,u - si,\,v - sj}
    \quad (w = 0 \text{ outside its } kh \times kw \text{ window}),

and ``dx = dxp[:, :, P:P+H, P:P+W]``: the padding is not an input, its
gradient is dropped. Pixels of ``xp`` in no window get 0.

**dx is a correlation with the flipped kernel.** Dilate ``dy`` (``s - 1``
zeros between its entries: ``dyd[n, f, s i, s j] = dy[n, f, i, j]``, zero
elsewhere) and pad it with ``kh - 1`` (``kw - 1``) zeros in front and behind.
In the sum above put ``t = s i``, so that ``dy`` becomes ``dyd[t]`` and
``u - s i = u - t`` is the kernel row ``p``; in the padded ``dyd`` row ``t``
is row ``t + kh - 1 = u + p'`` with ``p' = kh - 1 - p`` (columns alike):

.. math::
    dxp_{n,c,u,v} = \sum_{f,p',q'} \tilde w_{c,f,p',q'}\; dyd_{n,f,\,u+p',\,v+q'},
    \qquad \tilde w_{c,f,p',q'} = w_{f,c,\,kh-1-p',\,kw-1-q'},

the forward formula again (stride 1, no bias), with the kernel rotated by 180
degrees and its two channel axes swapped: the backward of a convolution is a
convolution. ``conv2d_backward_loop`` computes ``dx`` exactly so.

**From the loops to im2col.** ``conv2d_loop`` visits the output pixels one
at a time: the window ``xp[:, :, s i : s i + kh, s j : s j + kw]`` times the
kernels, summed over ``(c, p, q)``. ``sliding_window_view`` gives all windows
at once as a view (n, C, H_out, W_out, kh, kw), no copy. Copying each window
into one column indexed by ``(c, p, q)`` gives the matrix
``cols``: (C kh kw, H_out W_out n) ("im2col"), and the sums of all pixels
become one matrix product, ``y_mat = w_mat @ cols + b`` with
``w_mat = w.reshape(F, C kh kw)`` and ``y_mat``: (F, H_out W_out n). Since
``y_mat`` is linear in ``w_mat`` and in ``cols``, with ``dy_mat`` = ``dy`` laid
out like ``y_mat``:

.. math::
    dw_{mat} = dy_{mat}\, cols^T, \qquad db = dy_{mat} \mathbf{1}, \qquad
    dcols = w_{mat}^T\, dy_{mat}, \qquad dx = \mathrm{col2im}(dcols),

where ``col2im``, the transpose of ``im2col``, adds every entry of ``dcols``
back to the pixel it was copied from. That is the correlation with the
flipped kernel, summed in another order: ``col2im`` walks the output pixels
and scatters ``w^T dy`` into each one's window; the correlation walks the
input pixels and gathers from the windows that cover them. The tests check
that both give the same numbers to 1e-12.
"""
from __future__ import annotations

from typing import Tuple, Union

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validation import SeedLike, check_choice, check_int, make_rng
from .layers import INITS, Layer

Pair = Union[int, Tuple[int, int]]


def output_size(x_shape, kernel: Tuple[int, int], stride: int = 1, padding: int = 0,
                kernel_name: str = "kernel_size") -> Tuple[int, int]:
    """``(H_out, W_out)`` of windows ``kernel`` = (kh, kw) sliding over (n, C, H, W) images.

    Checks that x is 4-d, ``stride >= 1``, ``padding >= 0`` and that the
    window fits in the padded image (ValueErrors name x, stride, padding or
    ``kernel_name``).
    """
    stride = check_int(stride, "stride", minimum=1)
    padding = check_int(padding, "padding", minimum=0)
    if len(x_shape) != 4:
        raise ValueError(f"x must be 4-d with shape (n, C, H, W), got shape {tuple(x_shape)}")
    (kh, kw), H, W = kernel, x_shape[2] + 2 * padding, x_shape[3] + 2 * padding
    if kh > H or kw > W:
        raise ValueError(f"{kernel_name} ({kh}, {kw}) is larger than the image x padded by "
                         f"padding={padding}: x has shape {tuple(x_shape)}, padded {H} x {W}")
    return (H - kh) // stride + 1, (W - kw) // stride + 1


def _geometry(x_shape, w_shape, stride: int, padding: int, b_shape=None) -> Tuple[int, int]:
    """Check x, w, (b,) stride and padding of a convolution; return (H_out, W_out)."""
    if len(w_shape) != 4:
        raise ValueError(f"w must be 4-d with shape (F, C, kh, kw), got shape {tuple(w_shape)}")
    if b_shape is not None and tuple(b_shape) != (w_shape[0],):
        raise ValueError(f"b must have shape ({w_shape[0]},), one bias per kernel, got {b_shape}")
    if len(x_shape) == 4 and x_shape[1] != w_shape[1]:
        raise ValueError(f"x must have in_channels={w_shape[1]} channels (axis 1), "
                         f"got shape {tuple(x_shape)}")
    return output_size(x_shape, w_shape[2:], stride, padding)


def _check_dy(dy, x_shape, w_shape, stride: int, padding: int) -> None:
    """dy must have the shape of the output."""
    expected = (x_shape[0], w_shape[0], *_geometry(x_shape, w_shape, stride, padding))
    if np.shape(dy) != expected:
        raise ValueError(f"dy must have the shape of the output, {expected}, got {np.shape(dy)}")


def pad(x: np.ndarray, padding: int) -> np.ndarray:
    """``x``: (n, C, H, W) with ``padding`` zeros on each side of H and W."""
    if padding == 0:
        return x
    n, C, H, W = x.shape
    # Memory ordered (c, h, w, n), as im2col reads it (see im2col).
    xp = np.zeros((C, H + 2 * padding, W + 2 * padding, n), dtype=x.dtype).transpose(3, 0, 1, 2)
    xp[:, :, padding:padding + H, padding:padding + W] = x
    return xp


# --------------------------------------------------------------- loop version
def conv2d_loop(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1,
                padding: int = 0) -> np.ndarray:
    r"""The forward formula, one output pixel at a time (written to be read).

    ``y[:, :, i, j] = b + sum over (c, p, q) of w * (the window of pixel (i, j))``,
    for all samples and kernels at once: ``einsum("ncpq,fcpq->nf")`` is the
    formula's sum, its letters the formula's indices.

    Shapes: x (n, C, H, W), w (F, C, kh, kw), b (F,) -> y (n, F, H_out, W_out).
    """
    x, w, b = np.asarray(x), np.asarray(w), np.asarray(b)
    H_out, W_out = _geometry(x.shape, w.shape, stride, padding, b.shape)
    s, (kh, kw) = stride, w.shape[2:]
    xp = pad(x, padding)
    y = np.empty((x.shape[0], w.shape[0], H_out, W_out), dtype=np.result_type(x, w))
    for i in range(H_out):
        for j in range(W_out):
            window = xp[:, :, s * i:s * i + kh, s * j:s * j + kw]     # (n, C, kh, kw)
            y[:, :, i, j] = b + np.einsum("ncpq,fcpq->nf", window, w)
    return y


def conv2d_backward_loop(dy: np.ndarray, x: np.ndarray, w: np.ndarray, stride: int = 1,
                         padding: int = 0) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The backward formulas written to be read; ``dx`` as a correlation with the flipped kernel.

    * ``dw[:, :, p, q]``: for one kernel offset (p, q), the sum over (n, i, j)
      of ``dy`` times the pixels that offset saw, ``xp[:, :, s i + p, s j + q]``.
    * ``db``: ``dy`` summed over the batch and both image axes (not over f).
    * ``dx``: dilate ``dy``, pad it with ``kh - 1`` (``kw - 1``) zeros (plus a
      zero row or column for each row or column of ``xp`` that no window
      reached), correlate it with the kernel rotated by 180 degrees and its
      channel axes swapped -- ``conv2d_loop`` again -- and drop the padding.

    Shapes: dy (n, F, H_out, W_out), x (n, C, H, W), w (F, C, kh, kw)
    -> dx (n, C, H, W), dw (F, C, kh, kw), db (F,).
    """
    dy, x, w = np.asarray(dy), np.asarray(x), np.asarray(w)
    _check_dy(dy, x.shape, w.shape, stride, padding)
    n, F, H_out, W_out = dy.shape
    _, C, H, W = x.shape
    s, (kh, kw), P = stride, w.shape[2:], padding
    xp = pad(x, padding)
    dw = np.empty(w.shape, dtype=np.result_type(dy, x))
    for p in range(kh):
        for q in range(kw):
            seen = xp[:, :, p:p + s * H_out:s, q:q + s * W_out:s]      # (n, C, H_out, W_out)
            dw[:, :, p, q] = np.einsum("nfij,ncij->fc", dy, seen)
    db = dy.sum(axis=(0, 2, 3))
    missed_h = H + 2 * P - (s * (H_out - 1) + kh)                     # rows no window reached
    missed_w = W + 2 * P - (s * (W_out - 1) + kw)
    dyd = np.zeros((n, F, s * (H_out - 1) + 1 + 2 * (kh - 1) + missed_h,
                    s * (W_out - 1) + 1 + 2 * (kw - 1) + missed_w), dtype=dy.dtype)
    dyd[:, :, kh - 1:kh - 1 + s * H_out:s, kw - 1:kw - 1 + s * W_out:s] = dy
    w_flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)             # (C, F, kh, kw)
    dxp = conv2d_loop(dyd, w_flipped, np.zeros(C))                    # (n, C, H + 2P, W + 2P)
    return dxp[:, :, P:P + H, P:P + W], dw, db


# --------------------------------------------------------- vectorised version
def im2col(x: np.ndarray, kh: int, kw: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Every window of the padded ``x`` as one column: (C kh kw, H_out W_out n).

    Column ``(i, j, n)`` holds ``xp[n, :, s i : s i + kh, s j : s j + kw]``
    flattened in the order ``(c, p, q)``, the order of ``w.reshape(F, -1)``.
    ``sliding_window_view`` makes the windows without copying; the reshape
    copies them into the matrix.

    The sample index is the *last* (fastest) one of the columns: images are
    small (rows of 8 pixels, 4 after pooling, in the digits) and batches long,
    so copying and adding along the batch moves long runs of memory instead of
    a few pixels at a time (the numbers do not depend on the order).
    """
    H_out, W_out = output_size(np.shape(x), (kh, kw), stride, padding)
    windows = sliding_window_view(pad(x, padding), (kh, kw), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride]                  # (n, C, H_out, W_out, kh, kw)
    n, C = windows.shape[:2]
    return windows.transpose(1, 4, 5, 2, 3, 0).reshape(C * kh * kw, H_out * W_out * n)


def col2im(cols: np.ndarray, x_shape, kh: int, kw: int, stride: int = 1,
           padding: int = 0) -> np.ndarray:
    """The transpose of ``im2col``: every entry of ``cols`` is added to the
    pixel of ``x`` it was copied from (pixels in several windows get the sum;
    entries from the padding are dropped).

    Shapes: cols (C kh kw, H_out W_out n) -> (n, C, H, W) = ``x_shape``.
    """
    H_out, W_out = output_size(x_shape, (kh, kw), stride, padding)
    n, C, H, W = x_shape
    s, P = stride, padding
    cols = cols.reshape(C, kh, kw, H_out, W_out, n)
    xp = np.zeros((C, H + 2 * P, W + 2 * P, n), dtype=cols.dtype)     # ordered as cols
    for p in range(kh):           # one kernel offset at a time: a strided block of xp
        for q in range(kw):
            xp[:, p:p + s * H_out:s, q:q + s * W_out:s] += cols[:, p, q]
    return xp.transpose(3, 0, 1, 2)[:, :, P:P + H, P:P + W]


def to_images(mat: np.ndarray, n: int, H_out: int, W_out: int) -> np.ndarray:
    """(F, H_out W_out n), laid out like ``cols``, as a view (n, F, H_out, W_out)."""
    return mat.reshape(-1, H_out, W_out, n).transpose(3, 0, 1, 2)


def to_matrix(images: np.ndarray) -> np.ndarray:
    """The inverse of ``to_images``: (n, F, H_out, W_out) -> (F, H_out W_out n)."""
    return images.transpose(1, 2, 3, 0).reshape(images.shape[1], -1)


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1,
           padding: int = 0) -> np.ndarray:
    """The forward formula through im2col: ``y_mat = w_mat @ cols + b`` (module docstring).

    Shapes: x (n, C, H, W), w (F, C, kh, kw), b (F,) -> y (n, F, H_out, W_out).
    """
    x, w, b = np.asarray(x), np.asarray(w), np.asarray(b)
    H_out, W_out = _geometry(x.shape, w.shape, stride, padding, b.shape)
    cols = im2col(x, *w.shape[2:], stride, padding)
    return _output(cols, w, b, x.shape[0], H_out, W_out)


def _output(cols: np.ndarray, w: np.ndarray, b: np.ndarray, n: int, H_out: int,
            W_out: int) -> np.ndarray:
    """``y_mat = w_mat @ cols + b``, as images (n, F, H_out, W_out)."""
    return to_images(w.reshape(w.shape[0], -1) @ cols + b[:, None], n, H_out, W_out)


def _weight_grads(dy_mat: np.ndarray, cols: np.ndarray, w_shape) -> Tuple[np.ndarray, np.ndarray]:
    """``dw = dy_mat @ cols.T`` (the sum over n, i, j as one product); ``db``: row sums."""
    return (dy_mat @ cols.T).reshape(w_shape), dy_mat.sum(axis=1)


def _input_grad(dy_mat: np.ndarray, w: np.ndarray, x_shape, stride: int,
                padding: int) -> np.ndarray:
    """``dx = col2im(w_mat.T @ dy_mat)``: the gradient of ``cols``, sent back to the pixels."""
    return col2im(w.reshape(w.shape[0], -1).T @ dy_mat, x_shape, *w.shape[2:], stride, padding)


def conv2d_backward(dy: np.ndarray, x: np.ndarray, w: np.ndarray, stride: int = 1,
                    padding: int = 0) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The backward formulas through im2col (module docstring).

    Shapes: dy (n, F, H_out, W_out), x (n, C, H, W), w (F, C, kh, kw)
    -> dx (n, C, H, W), dw (F, C, kh, kw), db (F,).
    """
    dy, x, w = np.asarray(dy), np.asarray(x), np.asarray(w)
    _check_dy(dy, x.shape, w.shape, stride, padding)
    dy_mat = to_matrix(dy)
    dw, db = _weight_grads(dy_mat, im2col(x, *w.shape[2:], stride, padding), w.shape)
    return _input_grad(dy_mat, w, x.shape, stride, padding), dw, db


# ------------------------------------------------------------------ the layer
def _pair(value, name: str) -> Tuple[int, int]:
    """An int k (meaning (k, k)) or a pair of ints >= 1, as a tuple."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return check_int(value[0], name, minimum=1), check_int(value[1], name, minimum=1)
    if isinstance(value, (tuple, list)):
        raise ValueError(f"{name} must be an int or a pair (kh, kw), got {value!r}")
    k = check_int(value, name, minimum=1)
    return k, k


class Conv2D(Layer):
    r"""Convolution layer (a cross-correlation, see the module docstring).

    .. math::
        y_{n,f,i,j} = b_f + \sum_{c,p,q} W_{f,c,p,q}\; xp_{n,c,\,s i + p,\,s j + q}

    Parameters
    ----------
    in_channels, out_channels : int
        C and F.
    kernel_size : int or (int, int)
        (kh, kw); an int k means (k, k).
    stride : int >= 1
    padding : int >= 0
        Zeros added on each side of both image axes.
    init : {"xavier", "he", "uniform"}
        As for ``Dense``, with :math:`n_{in} = C\,kh\,kw` (the inputs of one
        output pixel) and :math:`n_{out} = F\,kh\,kw`: ``"xavier"``
        :math:`W \sim U(-a, a)`, :math:`a = \sqrt{6 / (n_{in} + n_{out})}`;
        ``"he"`` :math:`W \sim N(0, 2 / n_{in})`; both with ``b = 0``;
        ``"uniform"``: ``W`` and ``b`` from :math:`U[0, 1)`.
    seed : None, int or numpy.random.Generator

    Shapes
    ------
    x: (n, C, H, W), W: (F, C, kh, kw), b: (F,), y: (n, F, H_out, W_out) with
    ``H_out = (H + 2 padding - kh) // stride + 1`` (``W_out`` alike).

    Gradients (for upstream ``dy``: (n, F, H_out, W_out))
    -----------------------------------------------------
    ``dW = dy_mat @ cols.T`` (the sum over n, i, j as one product),
    ``db = dy.sum(axis=(0, 2, 3))``, ``dx = col2im(W_mat.T @ dy_mat)``: the
    correlation of the dilated, padded ``dy`` with the flipped kernel, padding
    dropped. The module docstring derives all three.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Pair,
                 stride: int = 1, padding: int = 0, init: str = "xavier",
                 seed: SeedLike = None) -> None:
        super().__init__()
        self.in_channels = check_int(in_channels, "in_channels", minimum=1)
        self.out_channels = check_int(out_channels, "out_channels", minimum=1)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = check_int(stride, "stride", minimum=1)
        self.padding = check_int(padding, "padding", minimum=0)
        self.init = check_choice(init, "init", INITS)
        rng, shape = make_rng(seed), (self.out_channels, self.in_channels, *self.kernel_size)
        fan_in, fan_out = (int(np.prod(shape[1:])), self.out_channels * int(np.prod(shape[2:])))
        if init == "xavier":
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            W, b = rng.uniform(-limit, limit, size=shape), np.zeros(self.out_channels)
        elif init == "he":
            W, b = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape), np.zeros(self.out_channels)
        else:
            W, b = rng.random(shape), rng.random(self.out_channels)
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self._cols = None

    def output_shape(self, x_shape) -> Tuple[int, int, int, int]:
        """``(n, F, H_out, W_out)`` for an input of shape ``x_shape`` (checked)."""
        hw = _geometry(tuple(x_shape), self.params["W"].shape, self.stride, self.padding)
        return (x_shape[0], self.out_channels, *hw)

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        (_, _, H_out, W_out), self._x_shape = self.output_shape(x.shape), x.shape
        self._cols = im2col(x, *self.kernel_size, self.stride, self.padding)
        return _output(self._cols, self.params["W"], self.params["b"], x.shape[0], H_out, W_out)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        self._check(dy)
        dy_mat = to_matrix(dy)
        # New arrays, never written in place: grads are overwritten, not accumulated.
        self.grads["W"], self.grads["b"] = _weight_grads(dy_mat, self._cols, self.params["W"].shape)
        return _input_grad(dy_mat, self.params["W"], self._x_shape, self.stride, self.padding)

    def backward_params(self, dy: np.ndarray) -> None:
        """``grads`` only: training skips ``dx`` of the network's first layer."""
        self._check(dy)
        self.grads["W"], self.grads["b"] = _weight_grads(to_matrix(dy), self._cols,
                                                         self.params["W"].shape)

    def _check(self, dy: np.ndarray) -> None:
        if self._cols is None:
            raise RuntimeError("Conv2D.backward called before forward")
        _check_dy(dy, self._x_shape, self.params["W"].shape, self.stride, self.padding)

    def interval(self, lo: np.ndarray, hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        r"""Bounds of the convolution over the box ``lo <= x <= hi``.

        As for ``Dense``: with centre :math:`c = (lo + hi)/2` and radius
        :math:`r = (hi - lo)/2`, :math:`y \in [\mathrm{conv}(c, W) + b - \mathrm{conv}(r, |W|),\;
        \mathrm{conv}(c, W) + b + \mathrm{conv}(r, |W|)]`. Padded pixels are exactly 0
        (radius 0). Shapes: lo, hi (n, C, H, W) -> (n, F, H_out, W_out) each.
        """
        W, b = self.params["W"], self.params["b"]
        lo, hi = np.asarray(lo), np.asarray(hi)
        centre = conv2d((lo + hi) * 0.5, W, b, self.stride, self.padding)
        radius = conv2d((hi - lo) * 0.5, np.abs(W), np.zeros_like(b), self.stride, self.padding)
        return centre - radius, centre + radius

    def config(self) -> dict:
        kh, kw = self.kernel_size
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": kh if kh == kw else [kh, kw], "stride": self.stride,
                "padding": self.padding}
