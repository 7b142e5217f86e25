"""Saliency maps: |d f_c / dx| and gradient x input of a CNN and an MLP.

The maps are compared with central finite differences computed here
(``tests/finite_differences.py``, independent of mininn's backward passes).
A random CNN of ReLUs and max pooling is piecewise linear, so a central
difference with h = 1e-6 is exact up to round-off unless a kink lies within
h of the image: the images are random in (0.05, 0.95) and we assert a
relative error below 1e-6 (a wrong gradient is off by O(1)).
"""
from __future__ import annotations

import numpy as np
import pytest

import mininn
from mininn.convolution import Conv2D
from mininn.pooling import Flatten, MaxPool2D, Unflatten
from mininn.search import gradient_times_input, saliency

from finite_differences import numeric_vjp, rel_error


def small_cnn(seed=0, bias=True):
    rng = np.random.default_rng(seed)
    conv = Conv2D(1, 3, 3, padding=1, init="he", seed=rng)
    dense = mininn.Dense(3 * 3 * 3, 4, seed=rng)
    if bias:
        conv.params["b"][:] = rng.normal(0, 0.1, 3)
        dense.params["b"][:] = rng.normal(0, 0.1, 4)
    return mininn.Sequential([Unflatten((1, 6, 6)), conv, mininn.ReLU(), MaxPool2D(2),
                              Flatten(), dense])


def images(n=5, k=36, seed=1):
    return np.random.default_rng(seed).uniform(0.05, 0.95, size=(n, k))


@pytest.mark.parametrize("output", [0, 3, None, "per image"])
def test_saliency_is_the_absolute_finite_difference_gradient(output):
    net, X = small_cnn(), images()
    classes = {None: net.forward(X).argmax(axis=1),
               "per image": np.array([0, 1, 2, 3, 1])}.get(output, output)
    out = classes if output == "per image" else output
    S = saliency(net, out, X=X)
    assert S.shape == X.shape and np.all(S >= 0)
    for i in range(len(X)):
        c = int(np.broadcast_to(classes, (len(X),))[i])
        dy = np.zeros((1, 4))
        dy[0, c] = 1.0
        numeric = numeric_vjp(lambda x: net.forward(x), X[i:i + 1].copy(), dy)
        assert rel_error(S[i], np.abs(numeric[0])) < 1e-6


def test_gradient_times_input_sums_to_the_logit_without_biases():
    # ReLU, max pooling and bias-free affine layers are positively homogeneous
    # of degree 1, so sum_i x_i df/dx_i = f(x) (Euler) -- exactly, to rounding.
    net, X = small_cnn(bias=False), images()
    G = gradient_times_input(net, 2, X=X)
    assert np.allclose(G.sum(axis=1), net.forward(X)[:, 2], rtol=1e-12, atol=1e-12)


def test_gradient_times_input_keeps_the_sign_and_is_zero_on_blank_pixels():
    net, X = small_cnn(), images()
    X[:, :6] = 0.0
    G = gradient_times_input(net, 1, X=X)
    assert np.all(G[:, :6] == 0.0)
    assert np.array_equal(np.sign(G), np.sign(X * net.input_gradient(X, 1)))


def test_mlp_saliency_matches_input_gradient():
    net = mininn.mlp([4, 5, 3], hidden="tanh", seed=0)
    X = images(6, 4)
    assert np.array_equal(saliency(net, 1, X=X), np.abs(net.input_gradient(X, 1)))


def test_bad_arguments_name_the_argument():
    net, X = small_cnn(), images()
    with pytest.raises(TypeError, match="net"):
        saliency("not a net", 0, X=X)
    with pytest.raises(ValueError, match="X"):
        saliency(net, 0, X=X[0])
    with pytest.raises(ValueError, match="X"):
        saliency(net, 0, X=X[:, :35])
    with pytest.raises(ValueError, match="output"):
        saliency(net, 4, X=X)
    with pytest.raises(ValueError, match="output"):
        saliency(net, np.array([0, 1]), X=X)
    with pytest.raises(ValueError, match="output"):
        gradient_times_input(net, np.array([0, 1, 2, 3, 9]), X=X)
    with pytest.raises(ValueError, match="X"):
        saliency(net, 0, X=np.full_like(X, np.nan))


def test_image_batches_give_maps_of_the_same_shape_for_either_kind_of_cnn():
    flat = small_cnn()
    images_net = mininn.Sequential(flat.layers[1:])             # takes (n, 1, 6, 6) directly
    X = images()
    X4 = X.reshape(-1, 1, 6, 6)
    expected = saliency(flat, 2, X=X).reshape(X4.shape)
    assert np.array_equal(saliency(flat, 2, X=X4), expected)
    assert np.array_equal(saliency(images_net, 2, X=X4), expected)
    assert gradient_times_input(images_net, X=X4).shape == X4.shape
