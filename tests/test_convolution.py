"""Conv2D and the convolution functions: loop == im2col, a naive reference,
finite differences, interval bounds, bad input, and a whole small CNN.

Derivatives are compared with central finite differences computed here
(``tests/finite_differences.py``, independent of mininn.gradcheck), in float64
with h = 1e-6 and a random upstream gradient dy. A convolution is linear in x
and in W, so a central difference has no truncation error, only round-off:
f = sum(y * dy) adds up to ~1000 terms, so its rounding error is about
eps_mach * sum|y * dy| ~ 1e-13 and the difference quotient's ~1e-13 / h = 1e-7
*absolute*. An entry of 0.01 would then fail an elementwise relative test,
so we measure the error against the gradient's size,
``max|analytic - numeric| / max|numeric|``, and assert it below 1e-7 for one
layer (1e-6 for the whole CNN, whose loss sums more terms); a wrong formula
(forgotten flip, padding kept, bias summed over the wrong axes) gives O(1).
"""
from __future__ import annotations

import numpy as np
import pytest

from mininn.activations import ReLU
from mininn.convolution import (Conv2D, col2im, conv2d, conv2d_backward, conv2d_backward_loop,
                                conv2d_loop, im2col)
from mininn.layers import Dense
from mininn.pooling import Flatten, MaxPool2D

from finite_differences import layer_gradients, numeric_vjp


def grad_error(analytic, numeric):
    """max |analytic - numeric| / max |numeric| (see the module docstring)."""
    assert analytic.shape == numeric.shape
    return np.max(np.abs(analytic - numeric)) / max(np.max(np.abs(numeric)), 1e-12)

# (n, C, H, W, F, kernel, stride, padding): odd sizes, rectangles, strides
# that leave rows in no window, padding wider than the kernel's half.
GEOMETRIES = [
    (1, 1, 5, 5, 1, (3, 3), 1, 0),
    (2, 3, 7, 6, 4, (3, 2), 2, 1),
    (3, 2, 9, 8, 3, (4, 3), 3, 2),
    (2, 2, 4, 4, 2, (5, 5), 1, 1),
    (2, 1, 8, 8, 8, (3, 3), 1, 1),     # the digits CNN's layer
    (1, 2, 6, 7, 3, (1, 1), 2, 0),
    (2, 2, 3, 5, 2, (3, 3), 2, 3),
]


def _data(geometry, seed=0):
    n, C, H, W, F, (kh, kw), s, P = geometry
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, C, H, W))
    w = rng.normal(size=(F, C, kh, kw))
    b = rng.normal(size=F)
    H_out, W_out = (H + 2 * P - kh) // s + 1, (W + 2 * P - kw) // s + 1
    dy = rng.normal(size=(n, F, H_out, W_out))
    return x, w, b, dy, s, P


def naive_conv(x, w, b, s, P):
    """The formula with one scalar loop per index; padding as an index test, not an array."""
    n, C, H, W = x.shape
    F, _, kh, kw = w.shape
    H_out, W_out = (H + 2 * P - kh) // s + 1, (W + 2 * P - kw) // s + 1
    y = np.zeros((n, F, H_out, W_out))
    for a in range(n):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    total = b[f]
                    for c in range(C):
                        for p in range(kh):
                            for q in range(kw):
                                u, v = s * i + p - P, s * j + q - P   # pixel of x (unpadded)
                                if 0 <= u < H and 0 <= v < W:
                                    total += w[f, c, p, q] * x[a, c, u, v]
                    y[a, f, i, j] = total
    return y


def naive_conv_backward(dy, x, w, s, P):
    """Chain rule on naive_conv, scalar by scalar: every product w * x sends dy to both."""
    n, C, H, W = x.shape
    F, _, kh, kw = w.shape
    dx, dw, db = np.zeros_like(x), np.zeros_like(w), np.zeros(F)
    for a, f, i, j in np.ndindex(dy.shape):
        db[f] += dy[a, f, i, j]
        for c, p, q in np.ndindex(C, kh, kw):
            u, v = s * i + p - P, s * j + q - P
            if 0 <= u < H and 0 <= v < W:
                dx[a, c, u, v] += dy[a, f, i, j] * w[f, c, p, q]
                dw[f, c, p, q] += dy[a, f, i, j] * x[a, c, u, v]
    return dx, dw, db


# ------------------------------------------------- the two implementations
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_loop_and_vectorised_agree_to_1e_12(geometry):
    x, w, b, dy, s, P = _data(geometry)
    np.testing.assert_allclose(conv2d(x, w, b, s, P), conv2d_loop(x, w, b, s, P),
                               rtol=0, atol=1e-12)
    for fast, slow in zip(conv2d_backward(dy, x, w, s, P), conv2d_backward_loop(dy, x, w, s, P)):
        assert fast.shape == slow.shape
        np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_both_match_the_naive_reference(geometry):
    x, w, b, dy, s, P = _data(geometry, seed=1)
    y = naive_conv(x, w, b, s, P)
    assert conv2d(x, w, b, s, P).shape == y.shape
    np.testing.assert_allclose(conv2d(x, w, b, s, P), y, rtol=0, atol=1e-12)
    np.testing.assert_allclose(conv2d_loop(x, w, b, s, P), y, rtol=0, atol=1e-12)
    for mine, ref in zip(conv2d_backward(dy, x, w, s, P), naive_conv_backward(dy, x, w, s, P)):
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-12)


def test_worked_example_by_hand():
    # x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], w = [[1, 0], [0, -1]], b = 10:
    # each output is 10 + top-left - bottom-right of its 2 x 2 window, i.e. 10 - 4 = 6.
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    np.testing.assert_array_equal(conv2d(x, w, np.array([10.0])), np.full((1, 1, 2, 2), 6.0))
    # Upstream gradient 1 everywhere: each pixel of x gets +1 for every window
    # where it is the top-left entry and -1 where it is the bottom-right one.
    dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), x, w)
    np.testing.assert_array_equal(dx[0, 0], [[1, 1, 0], [1, 0, -1], [0, -1, -1]])
    np.testing.assert_array_equal(dw[0, 0], [[1 + 2 + 4 + 5, 2 + 3 + 5 + 6],
                                             [4 + 5 + 7 + 8, 5 + 6 + 8 + 9]])
    np.testing.assert_array_equal(db, [4.0])


def test_dx_needs_the_flipped_kernel():
    # The correlation with the *unflipped* kernel is a classic wrong answer:
    # for an asymmetric kernel it differs from the true dx.
    x, w, b, dy, s, P = _data((2, 2, 6, 6, 3, (3, 3), 1, 1), seed=2)
    dx = conv2d_backward(dy, x, w, s, P)[0]
    unflipped = conv2d_loop(dy, w.transpose(1, 0, 2, 3), np.zeros(2), 1, 1)
    assert unflipped.shape == dx.shape
    assert np.max(np.abs(unflipped - dx)) > 0.1
    flipped = conv2d_loop(dy, w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), np.zeros(2), 1, 1)
    np.testing.assert_allclose(flipped, dx, rtol=0, atol=1e-12)


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_col2im_is_the_transpose_of_im2col(geometry):
    # <im2col(x), c> == <x, col2im(c)> for all x, c: the definition of the transpose.
    x, w, _, _, s, P = _data(geometry, seed=3)
    kh, kw = w.shape[2:]
    c = np.random.default_rng(4).normal(size=im2col(x, kh, kw, s, P).shape)
    lhs = np.sum(im2col(x, kh, kw, s, P) * c)
    rhs = np.sum(x * col2im(c, x.shape, kh, kw, s, P))
    assert abs(lhs - rhs) <= 1e-12 * max(1.0, abs(lhs))


# ------------------------------------------------------------ the layer
def _layer(geometry, seed=0):
    n, C, H, W, F, kernel, s, P = geometry
    layer = Conv2D(C, F, kernel, stride=s, padding=P, seed=seed)
    layer.params["b"] = np.random.default_rng(seed + 10).normal(size=F)
    return layer


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_layer_gradients_match_finite_differences(geometry):
    x, _, _, dy, _, _ = _data(geometry, seed=5)
    layer = _layer(geometry)
    checked = layer_gradients(layer, x, dy)
    assert sorted(checked) == ["W", "b", "x"]
    for name, (analytic, numeric) in checked.items():
        assert grad_error(analytic, numeric) < 1e-7, name      # shapes asserted there


@pytest.mark.parametrize("geometry", GEOMETRIES[:3])
def test_layer_equals_the_functions_and_the_loop(geometry):
    x, _, _, dy, s, P = _data(geometry, seed=6)
    layer = _layer(geometry)
    W, b = layer.params["W"], layer.params["b"]
    np.testing.assert_allclose(layer.forward(x), conv2d_loop(x, W, b, s, P), rtol=0, atol=1e-12)
    dx = layer.backward(dy)
    for mine, ref in zip((dx, layer.grads["W"], layer.grads["b"]),
                         conv2d_backward_loop(dy, x, W, s, P)):
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-12)


def test_grads_overwritten_not_accumulated_and_params_unchanged():
    geometry = GEOMETRIES[1]
    x, _, _, dy, _, _ = _data(geometry, seed=7)
    layer = _layer(geometry)
    before = {k: v.copy() for k, v in layer.params.items()}
    layer.forward(x)
    layer.backward(dy)
    first = {k: v.copy() for k, v in layer.grads.items()}
    layer.backward(dy)                                     # same dy again: same grads, not twice
    for key in first:
        np.testing.assert_array_equal(layer.grads[key], first[key])
        np.testing.assert_array_equal(layer.params[key], before[key])
    layer.backward_params(2 * dy)
    for key in first:
        np.testing.assert_allclose(layer.grads[key], 2 * first[key], rtol=1e-14, atol=0)


def test_backward_params_gives_the_grads_of_backward():
    geometry = GEOMETRIES[2]
    x, _, _, dy, _, _ = _data(geometry, seed=8)
    a, b = _layer(geometry), _layer(geometry)
    a.forward(x)
    b.forward(x)
    a.backward(dy)
    assert b.backward_params(dy) is None
    for key in a.grads:
        np.testing.assert_array_equal(a.grads[key], b.grads[key])


@pytest.mark.parametrize("geometry", GEOMETRIES[:5])
def test_interval_is_sound_by_sampling(geometry):
    n, C, H, W = geometry[:4]
    rng = np.random.default_rng(9)
    layer = _layer(geometry)
    centre = rng.normal(size=(1, C, H, W))
    radius = rng.uniform(0.0, 0.5, size=(1, C, H, W)) * (rng.random((1, C, H, W)) < 0.8)
    lo, hi = centre - radius, centre + radius
    lo_out, hi_out = layer.interval(lo, hi)
    samples = np.concatenate([lo, hi, lo + (hi - lo) * rng.random((300, C, H, W))])
    y = layer.forward(samples)
    assert lo_out.shape == hi_out.shape == (1,) + y.shape[1:]
    assert np.all(lo_out <= y + 1e-12) and np.all(y <= hi_out + 1e-12)
    # A point box gives the output itself.
    point_lo, point_hi = layer.interval(centre, centre)
    np.testing.assert_allclose(point_lo, layer.forward(centre), rtol=0, atol=1e-12)
    np.testing.assert_allclose(point_hi, layer.forward(centre), rtol=0, atol=1e-12)


# ------------------------------------------------------------ init, config
@pytest.mark.parametrize("init", ["xavier", "he", "uniform"])
def test_init_shapes_and_seed(init):
    a = Conv2D(3, 5, (3, 2), init=init, seed=0)
    assert a.params["W"].shape == a.grads["W"].shape == (5, 3, 3, 2)
    assert a.params["b"].shape == a.grads["b"].shape == (5,)
    same = Conv2D(3, 5, (3, 2), init=init, seed=0)
    np.testing.assert_array_equal(a.params["W"], same.params["W"])
    assert not np.array_equal(a.params["W"], Conv2D(3, 5, (3, 2), init=init, seed=1).params["W"])


def test_init_scales_use_fan_in_and_fan_out_of_one_pixel():
    fan_in, fan_out = 4 * 9, 16 * 9
    xavier = Conv2D(4, 16, 3, seed=0).params["W"]
    assert np.abs(xavier).max() <= np.sqrt(6.0 / (fan_in + fan_out))
    assert np.abs(xavier).max() > 0.9 * np.sqrt(6.0 / (fan_in + fan_out))
    he = Conv2D(4, 16, 3, init="he", seed=0).params["W"]
    assert abs(he.std() / np.sqrt(2.0 / fan_in) - 1) < 0.1     # 576 draws: std within ~3%


def test_config_rebuilds_the_layer():
    for layer in (Conv2D(2, 3, 3, stride=2, padding=1), Conv2D(1, 4, (2, 5))):
        clone = Conv2D(**layer.config())
        assert clone.config() == layer.config()
        assert clone.params["W"].shape == layer.params["W"].shape
        assert "Conv2D(" in repr(layer)


# --------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, error, name", [
    ({"in_channels": 0}, ValueError, "in_channels"),
    ({"in_channels": 1.5}, TypeError, "in_channels"),
    ({"out_channels": True}, TypeError, "out_channels"),
    ({"kernel_size": 0}, ValueError, "kernel_size"),
    ({"kernel_size": (3,)}, ValueError, "kernel_size"),
    ({"kernel_size": (3, 2.0)}, TypeError, "kernel_size"),
    ({"stride": 0}, ValueError, "stride"),
    ({"stride": 1.0}, TypeError, "stride"),
    ({"padding": -1}, ValueError, "padding"),
    ({"init": "glorot"}, ValueError, "init"),
    ({"seed": -1}, ValueError, "seed"),
    ({"seed": 1.5}, TypeError, "seed"),
])
def test_bad_constructor_arguments(kwargs, error, name):
    args = {"in_channels": 1, "out_channels": 2, "kernel_size": 3, **kwargs}
    with pytest.raises(error, match=name):
        Conv2D(**args)


@pytest.mark.parametrize("shape, name", [
    ((2, 3, 8, 8), "in_channels"),        # wrong channel count
    ((2, 1, 8), "x"),                     # not 4-d
    ((2, 1, 2, 8), "kernel_size"),        # 5 x 5 kernel, image 2 + 2 * 1 = 4 rows
    ((2, 1, 8, 2), "padding"),
])
def test_forward_refuses_bad_shapes(shape, name):
    layer = Conv2D(1, 2, 5, padding=1)
    with pytest.raises(ValueError, match=name):
        layer.forward(np.zeros(shape))


def test_backward_refuses_a_wrong_dy_and_a_missing_forward():
    layer = Conv2D(1, 2, 3)
    with pytest.raises(RuntimeError, match="forward"):
        layer.backward(np.zeros((1, 2, 3, 3)))
    layer.forward(np.zeros((1, 1, 5, 5)))
    with pytest.raises(ValueError, match="dy"):
        layer.backward(np.zeros((1, 2, 5, 5)))


@pytest.mark.parametrize("func", [conv2d, conv2d_loop])
def test_functions_refuse_bad_arguments(func):
    x, w, b = np.zeros((1, 2, 5, 5)), np.zeros((3, 2, 3, 3)), np.zeros(3)
    with pytest.raises(ValueError, match="w"):
        func(x, w[0], b)
    with pytest.raises(ValueError, match="b"):
        func(x, w, np.zeros(2))
    with pytest.raises(ValueError, match="in_channels"):
        func(np.zeros((1, 3, 5, 5)), w, b)
    with pytest.raises(ValueError, match="stride"):
        func(x, w, b, stride=0)
    with pytest.raises(ValueError, match="kernel_size"):
        func(x, np.zeros((3, 2, 6, 3)), b)
    with pytest.raises(ValueError, match="dy"):
        conv2d_backward(np.zeros((1, 3, 2, 2)), x, w)


# -------------------------------------------------------- a whole small CNN
def test_whole_cnn_gradients_match_finite_differences():
    # Conv 4@3x3 pad 1 -> ReLU -> MaxPool 2 -> Flatten -> Dense 3 on odd 7 x 7
    # images (the pool leaves the last row and column out). ReLU and max are
    # differentiable where no pre-activation is near 0 and no window has two
    # near-equal maxima; the test checks that margin first, so that the finite
    # differences (h = 1e-6) never cross a kink.
    rng = np.random.default_rng(11)
    layers = [Conv2D(2, 4, 3, padding=1, seed=0), ReLU(), MaxPool2D(2), Flatten(),
              Dense(36, 3, seed=1)]
    layers[0].params["b"] = rng.normal(size=4) * 0.1
    x = rng.normal(size=(2, 2, 7, 7))
    dy = rng.normal(size=(2, 3))

    def forward(inp):
        for layer in layers:
            inp = layer.forward(inp)
        return inp

    z = layers[0].forward(x)
    assert np.min(np.abs(z)) > 1e-4
    windows = np.sort(np.maximum(z, 0)[:, :, :6, :6].reshape(2, 4, 3, 2, 3, 2)
                      .transpose(0, 1, 2, 4, 3, 5).reshape(2, 4, 3, 3, 4), axis=-1)
    top_gap = windows[..., -1] - windows[..., -2]
    assert np.min(top_gap[windows[..., -1] > 0]) > 1e-4

    forward(x)
    dx = dy
    for layer in reversed(layers):
        dx = layer.backward(dx)
    assert dx.shape == x.shape
    assert grad_error(dx, numeric_vjp(forward, x.copy(), dy)) < 1e-6
    for layer in (layers[0], layers[-1]):
        for key in layer.params:
            numeric = numeric_vjp(lambda _: forward(x), layer.params[key], dy)
            assert grad_error(layer.grads[key], numeric) < 1e-6


def test_agrees_with_pytorch_when_installed():
    torch = pytest.importorskip("torch")
    x, w, b, dy, s, P = _data(GEOMETRIES[2], seed=12)
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    yt = torch.nn.functional.conv2d(xt, wt, bt, stride=s, padding=P)
    yt.backward(torch.tensor(dy))
    np.testing.assert_allclose(conv2d(x, w, b, s, P), yt.detach().numpy(), rtol=0, atol=1e-12)
    for mine, theirs in zip(conv2d_backward(dy, x, w, s, P), (xt.grad, wt.grad, bt.grad)):
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=0, atol=1e-12)


def test_check_layer_grades_the_image_layers_and_catches_a_forgotten_flip():
    from mininn.gradcheck import check_layer

    class ForgottenFlip(Conv2D):
        """A typical wrong answer: dx correlates dy with the kernel as it is."""

        def backward(self, dy):
            super().backward(dy)                                  # right grads, wrong dx
            P = self.kernel_size[0] - 1 - self.padding
            return conv2d_loop(dy, self.params["W"].transpose(1, 0, 2, 3),
                               np.zeros(self.in_channels), 1, P)

    x = np.random.default_rng(13).normal(size=(2, 2, 6, 5))
    assert check_layer(Conv2D(2, 3, 3, stride=2, padding=1, seed=0), x, seed=0).passed
    assert check_layer(MaxPool2D(2), x, seed=0).passed
    assert check_layer(Flatten(), x, seed=0).passed
    wrong = check_layer(ForgottenFlip(2, 3, 3, padding=1, seed=0), x, seed=0)
    assert not wrong.passed
    assert wrong.failures
