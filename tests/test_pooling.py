"""MaxPool2D, Flatten and Unflatten: values against a naive reference, finite
differences, the tie rule, interval bounds, bad input, and a CNN in Sequential.

Max pooling is piecewise linear: away from ties (two near-equal maxima in a
window) a central difference with h = 1e-6 has no truncation error, only
round-off (~1e-10 here), so we assert ``max|analytic - numeric| / max|numeric|``
below 1e-7 -- after checking that every window's two largest values are more
than 1e-4 apart, so that no step crosses a kink.
"""
from __future__ import annotations

import numpy as np
import pytest

from mininn.activations import ReLU
from mininn.convolution import Conv2D
from mininn.layers import Dense
from mininn.pooling import Flatten, MaxPool2D, Unflatten

from finite_differences import numeric_vjp

# (n, C, H, W, size, stride): odd sizes, leftover rows, overlapping windows.
POOLS = [
    (2, 3, 8, 8, 2, None),
    (2, 2, 7, 9, 2, None),
    (1, 2, 7, 8, 3, 1),
    (2, 1, 9, 9, 3, 2),
    (3, 2, 5, 5, 1, None),
    (2, 2, 6, 6, 2, 3),
    (1, 1, 4, 6, 4, 1),
]


def naive_maxpool(x, k, s):
    n, C, H, W = x.shape
    H_out, W_out = (H - k) // s + 1, (W - k) // s + 1
    y = np.empty((n, C, H_out, W_out))
    for a, c, i, j in np.ndindex(y.shape):
        y[a, c, i, j] = max(x[a, c, s * i + p, s * j + q] for p in range(k) for q in range(k))
    return y


def gap_between_two_largest(x, k, s):
    """Smallest gap between the largest and second largest value of any window."""
    n, C, H, W = x.shape
    gaps = []
    for a, c, i, j in np.ndindex(n, C, (H - k) // s + 1, (W - k) // s + 1):
        window = np.sort(x[a, c, s * i:s * i + k, s * j:s * j + k].ravel())
        gaps.append(window[-1] - window[-2] if window.size > 1 else np.inf)
    return min(gaps)


def _pool_and_data(geometry, seed=0):
    n, C, H, W, k, s = geometry
    rng = np.random.default_rng(seed)
    layer = MaxPool2D(k, s)
    x = rng.normal(size=(n, C, H, W))
    dy = rng.normal(size=layer.output_shape(x.shape))
    return layer, x, dy, k, s if s is not None else k


# ---------------------------------------------------------------- MaxPool2D
@pytest.mark.parametrize("geometry", POOLS)
def test_maxpool_matches_the_naive_reference(geometry):
    layer, x, _, k, s = _pool_and_data(geometry)
    np.testing.assert_array_equal(layer.forward(x), naive_maxpool(x, k, s))


@pytest.mark.parametrize("geometry", POOLS)
def test_maxpool_gradient_matches_finite_differences(geometry):
    layer, x, dy, k, s = _pool_and_data(geometry, seed=1)
    assert gap_between_two_largest(x, k, s) > 1e-4
    layer.forward(x)
    dx = layer.backward(dy)
    numeric = numeric_vjp(layer.forward, x.copy(), dy)
    assert dx.shape == x.shape
    assert np.max(np.abs(dx - numeric)) / np.max(np.abs(numeric)) < 1e-7
    assert layer.params == {} and layer.grads == {}


def test_maxpool_gradient_by_hand_with_overlapping_windows():
    # Two 3 x 3 windows with stride 1 on a 3 x 4 image: the 9 at (1, 1) is
    # the maximum of both, so it gets the sum of both dy's.
    x = np.array([[[[1.0, 2.0, 0.0, 3.0],
                    [4.0, 9.0, 5.0, 0.0],
                    [0.0, 6.0, 7.0, 8.0]]]])
    layer = MaxPool2D(3, stride=1)
    np.testing.assert_array_equal(layer.forward(x), [[[[9.0, 9.0]]]])
    dx = layer.backward(np.array([[[[10.0, 100.0]]]]))
    expected = np.zeros_like(x)
    expected[0, 0, 1, 1] = 110.0
    np.testing.assert_array_equal(dx, expected)


def test_maxpool_ties_send_the_gradient_to_the_first_maximum():
    # Window 1: all equal -> the top-left pixel. Window 2: maxima at (0, 1)
    # and (1, 0) of the window -> (0, 1), the first in reading order.
    x = np.array([[[[5.0, 5.0, 1.0, 7.0],
                    [5.0, 5.0, 7.0, 2.0]]]])
    layer = MaxPool2D(2)
    np.testing.assert_array_equal(layer.forward(x), [[[[5.0, 7.0]]]])
    dx = layer.backward(np.array([[[[1.0, 2.0]]]]))
    np.testing.assert_array_equal(dx, [[[[1.0, 0.0, 0.0, 2.0],
                                         [0.0, 0.0, 0.0, 0.0]]]])
    # One maximum gets it all: the gradient's total is dy's total, not more.
    assert dx.sum() == 3.0


def test_maxpool_backward_uses_the_last_forward_and_leaves_no_state_behind():
    layer, x, dy, _, _ = _pool_and_data(POOLS[0], seed=2)
    layer.forward(x)
    first = layer.backward(dy)
    np.testing.assert_array_equal(layer.backward(dy), first)      # same dy, same dx
    layer.forward(-x)
    assert not np.array_equal(layer.backward(dy), first)


@pytest.mark.parametrize("geometry", POOLS)
def test_maxpool_interval_is_exact_and_sound(geometry):
    layer, x, _, _, _ = _pool_and_data(geometry, seed=3)
    rng = np.random.default_rng(4)
    lo, hi = x[:1] - rng.uniform(0, 0.5, x[:1].shape), x[:1] + rng.uniform(0, 0.5, x[:1].shape)
    lo_out, hi_out = layer.interval(lo, hi)
    np.testing.assert_array_equal(lo_out, layer.forward(lo))     # max is monotone: exact
    np.testing.assert_array_equal(hi_out, layer.forward(hi))
    samples = lo + (hi - lo) * rng.random((200,) + lo.shape[1:])
    y = layer.forward(samples)
    assert np.all(lo_out <= y) and np.all(y <= hi_out)


@pytest.mark.parametrize("kwargs, error, name", [
    ({"size": 0}, ValueError, "size"),
    ({"size": 2.0}, TypeError, "size"),
    ({"size": 2, "stride": 0}, ValueError, "stride"),
    ({"size": 2, "stride": True}, TypeError, "stride"),
])
def test_maxpool_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        MaxPool2D(**kwargs)


def test_maxpool_bad_shapes():
    layer = MaxPool2D(3)
    with pytest.raises(ValueError, match="size"):
        layer.forward(np.zeros((1, 1, 2, 5)))
    with pytest.raises(ValueError, match="x"):
        layer.forward(np.zeros((1, 5, 5)))
    with pytest.raises(RuntimeError, match="forward"):
        layer.backward(np.zeros((1, 1, 1, 1)))
    layer.forward(np.zeros((1, 1, 6, 6)))
    with pytest.raises(ValueError, match="dy"):
        layer.backward(np.zeros((1, 1, 3, 3)))


def test_maxpool_config():
    layer = MaxPool2D(3, 2)
    assert MaxPool2D(**layer.config()).config() == layer.config() == {"size": 3, "stride": 2}
    assert MaxPool2D(2).config() == {"size": 2, "stride": 2}
    assert "MaxPool2D(" in repr(layer)


def test_maxpool_agrees_with_pytorch_when_installed():
    torch = pytest.importorskip("torch")
    layer, x, dy, k, s = _pool_and_data(POOLS[2], seed=5)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.max_pool2d(xt, k, s)
    yt.backward(torch.tensor(dy))
    np.testing.assert_array_equal(layer.forward(x), yt.detach().numpy())
    np.testing.assert_allclose(layer.backward(dy), xt.grad.numpy(), rtol=0, atol=1e-12)


# ------------------------------------------------------------------ Flatten
def test_flatten_is_row_major_and_backward_undoes_it():
    x = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    layer = Flatten()
    y = layer.forward(x)
    assert y.shape == (2, 12)
    assert y[1, 5] == x[1, 1, 0, 1]                # (c H + h) W + w = (1*2 + 0)*2 + 1 = 5
    dy = np.random.default_rng(0).normal(size=(2, 12))
    dx = layer.backward(dy)
    assert dx.shape == x.shape
    np.testing.assert_array_equal(dx.reshape(2, -1), dy)
    numeric = numeric_vjp(layer.forward, x.copy(), dy)
    np.testing.assert_allclose(numeric, dy.reshape(x.shape), rtol=0, atol=1e-7)
    assert layer.params == {} and layer.grads == {} and layer.config() == {}


def test_flatten_interval_and_bad_input():
    layer = Flatten()
    lo, hi = np.zeros((1, 2, 3, 3)), np.ones((1, 2, 3, 3))
    lo_out, hi_out = layer.interval(lo, hi)
    assert lo_out.shape == hi_out.shape == (1, 18)
    with pytest.raises(ValueError, match="x"):
        layer.forward(np.zeros(5))
    with pytest.raises(RuntimeError, match="forward"):
        Flatten().backward(np.zeros((1, 18)))
    layer.forward(lo)
    with pytest.raises(ValueError, match="dy"):
        layer.backward(np.zeros((1, 17)))


# ---------------------------------------------------------------- Unflatten
def test_unflatten_inverts_flatten():
    x = np.random.default_rng(0).normal(size=(3, 2 * 4 * 5))
    layer = Unflatten((2, 4, 5))
    images = layer.forward(x)
    assert images.shape == (3, 2, 4, 5) and layer.n_in == 40
    np.testing.assert_array_equal(Flatten().forward(images), x)
    np.testing.assert_array_equal(layer.backward(images), x)
    lo_out, hi_out = layer.interval(x, x + 1)
    assert lo_out.shape == hi_out.shape == (3, 2, 4, 5)
    assert Unflatten(**layer.config()).shape == (2, 4, 5)


@pytest.mark.parametrize("shape, error", [((), TypeError), ("1x8x8", TypeError),
                                          ((1, 0, 8), ValueError), ((1, 8.0, 8), TypeError)])
def test_unflatten_bad_shape(shape, error):
    with pytest.raises(error, match="shape"):
        Unflatten(shape)


def test_unflatten_bad_input():
    layer = Unflatten((1, 8, 8))
    with pytest.raises(ValueError, match="x"):
        layer.forward(np.zeros((2, 63)))
    with pytest.raises(ValueError, match="dy"):
        layer.backward(np.zeros((2, 1, 8, 7)))


def test_cnn_in_sequential_on_flat_inputs():
    # Unflatten first: the CNN takes rows of 49 pixels, like a dense network,
    # so Sequential's input gradient and Jacobian have the flat input's shape.
    from mininn.network import Sequential
    rng = np.random.default_rng(12)
    net = Sequential([Unflatten((1, 7, 7)), Conv2D(1, 3, 3, padding=1, seed=0), ReLU(),
                      MaxPool2D(2), Flatten(), Dense(27, 4, seed=1)])
    assert net.n_inputs == 49 and net.n_outputs == 4
    X = rng.normal(size=(3, 49))
    assert net.forward(X).shape == (3, 4)
    grad = net.input_gradient(X, 2)
    assert grad.shape == (3, 49)
    onehot = np.zeros((3, 4))
    onehot[:, 2] = 1.0
    numeric = numeric_vjp(net.forward, X.copy(), onehot)
    assert np.max(np.abs(grad - numeric)) / np.max(np.abs(numeric)) < 1e-6
    np.testing.assert_allclose(net.jacobian(X)[:, 2], grad, rtol=0, atol=1e-12)
