"""Linear bounds through a CNN (mininn.search.image_bounds).

* The rewriting is exact: the affine maps and ReLUs compute the network's
  outputs on any input, for pooling windows of 2x2 (pairs), 3x3 (an odd
  element carried through two levels), overlapping windows and strided
  convolutions.
* The bounds are sound: no sampled image of a box (uniform points and random
  corners, where a ReLU network's extremes often are) has a margin below the
  bound; on a box of width 0 the bound is the margin itself.
* They are at least as good as interval bounds inside ``certify``.
"""
from __future__ import annotations

import numpy as np
import pytest

import mininn
from mininn.convolution import Conv2D
from mininn.pooling import Flatten, MaxPool2D, Unflatten
from mininn.search import certify, epsilon_box, margin, output_bounds
from mininn.search.image_bounds import (affine_relu_steps, dense_equivalent, linear_margin_lower,
                                        supports_linear)


def cnn(seed, side=6, channels=3, kernel=3, stride=1, padding=1, pool=2, pool_stride=None,
        second_conv=False, classes=4):
    rng = np.random.default_rng(seed)
    layers = [Unflatten((1, side, side)),
              Conv2D(1, channels, kernel, stride=stride, padding=padding, init="he", seed=rng),
              mininn.ReLU()]
    layers[1].params["b"][:] = rng.normal(0, 0.2, channels)
    shape = layers[1].output_shape((1, 1, side, side))
    if second_conv:
        layers += [Conv2D(channels, 2, 2, seed=rng), mininn.ReLU()]
        shape = layers[-2].output_shape(shape)
    layers.append(MaxPool2D(pool, pool_stride))
    shape = layers[-1].output_shape(shape)
    layers += [Flatten(), mininn.Dense(int(np.prod(shape[1:])), classes, seed=rng)]
    return mininn.Sequential(layers)


NETS = {
    "2x2 pool": dict(),
    "3x3 pool, odd element carried": dict(side=7, padding=1, pool=3),
    "overlapping windows": dict(pool=3, pool_stride=1),
    "strided conv": dict(side=7, stride=2, padding=0, pool=2),
    "two convolutions": dict(side=7, second_conv=True, pool=2),
}


def flat_forward(steps, X):
    for step in steps:
        X = X @ step[1] + step[2] if step[0] == "affine" else np.maximum(X, 0.0)
    return X


@pytest.mark.parametrize("name", NETS)
def test_the_affine_relu_rewriting_computes_the_network(name):
    net = cnn(0, **NETS[name])
    k = net.n_inputs
    X = np.random.default_rng(1).uniform(-2, 2, size=(30, k))
    steps = affine_relu_steps(net, k)
    assert supports_linear(net)
    assert np.allclose(flat_forward(steps, X), net.forward(X), rtol=0, atol=1e-11)
    kinds = [s[0] for s in steps]
    assert all(a != b for a, b in zip(kinds, kinds[1:]))      # affine maps were merged


@pytest.mark.parametrize("name", NETS)
@pytest.mark.parametrize("eps", [0.02, 0.1])
def test_linear_bounds_are_sound_on_sampled_images(name, eps):
    net = cnn(2, **NETS[name])
    k = net.n_inputs
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 1, size=(6, k))
    labels = rng.integers(0, 4, size=6)
    lo, hi = epsilon_box(X, epsilon=eps)
    bound = linear_margin_lower(net, labels, lo, hi, chunk=4)
    for i in range(len(X)):
        samples = np.vstack([rng.uniform(lo[i], hi[i], size=(300, k)),
                             np.where(rng.random((300, k)) < 0.5, lo[i], hi[i])])
        assert margin(net, int(labels[i]), X=samples).min() >= bound[i] - 1e-9


def test_a_box_of_width_zero_gives_the_margin_itself():
    net = cnn(4)
    X = np.random.default_rng(5).uniform(0, 1, size=(5, 36))
    labels = np.array([0, 1, 2, 3, 0])
    bound = linear_margin_lower(net, labels, X, X.copy())
    assert np.allclose(bound, margin(net, labels, X=X), rtol=0, atol=1e-10)


def test_certify_with_linear_bounds_proves_more_than_with_intervals():
    net = cnn(6)
    X = np.random.default_rng(7).uniform(0, 1, size=(20, 36))
    lin = certify(net, X=X, epsilon=0.08, relaxation="linear", steps=1)
    box = certify(net, X=X, epsilon=0.08, relaxation="interval", steps=1)
    assert lin.relaxation == "linear" and box.relaxation == "interval"
    assert np.all(lin.bound >= box.bound - 1e-12)
    assert np.mean(lin.bound - box.bound) > 0
    assert certify(net, X=X, epsilon=0.08, steps=1).relaxation == "linear"   # "auto"


def test_layers_it_does_not_know_are_refused():
    net = mininn.Sequential([Unflatten((1, 4, 4)), Conv2D(1, 2, 3, seed=0), mininn.Tanh(),
                             MaxPool2D(2), Flatten(), mininn.Dense(2, 2, seed=0)])
    assert not supports_linear(net)
    with pytest.raises(ValueError, match="Tanh"):
        affine_relu_steps(net, 16)
    # certify falls back to interval bounds for it
    X = np.random.default_rng(0).uniform(size=(3, 16))
    assert certify(net, X=X, epsilon=0.01, steps=1).relaxation == "interval"


def test_a_box_gets_the_same_bound_alone_or_among_others():
    # the bisections of robustness_radii bound ever smaller subsets of the images
    net = cnn(8)
    rng = np.random.default_rng(9)
    X = rng.uniform(0, 1, size=(10, 36))
    labels = rng.integers(0, 4, size=10)
    lo, hi = epsilon_box(X, epsilon=rng.uniform(0.01, 0.1, size=10))
    together = linear_margin_lower(net, labels, lo, hi)
    alone = [linear_margin_lower(net, labels[i:i + 1], lo[i:i + 1], hi[i:i + 1])[0]
             for i in range(10)]
    assert np.allclose(together, alone, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["2x2 pool", "3x3 pool, odd element carried", "strided conv"])
def test_output_bounds_are_linear_through_a_cnn_and_sound(name):
    net = cnn(10, **NETS[name])
    k = net.n_inputs
    rng = np.random.default_rng(11)
    X = rng.uniform(0, 1, size=(4, k))
    lo, hi = epsilon_box(X, epsilon=0.05)
    assert np.allclose(dense_equivalent(net).forward(X), net.forward(X), rtol=0, atol=1e-11)
    for j in range(4):
        lin = output_bounds(net, j, bounds=(lo, hi), relaxation="linear")
        box = output_bounds(net, j, bounds=(lo, hi), relaxation="interval")
        auto = output_bounds(net, j, bounds=(lo, hi))
        assert np.array_equal(auto[0], lin[0]) and np.array_equal(auto[1], lin[1])
        assert np.all(lin[0] >= box[0] - 1e-9) and np.all(lin[1] <= box[1] + 1e-9)
        for i in range(len(X)):
            samples = np.vstack([rng.uniform(lo[i], hi[i], size=(200, k)),
                                 np.where(rng.random((200, k)) < 0.5, lo[i], hi[i])])
            out = net.forward(samples)[:, j]
            assert lin[0][i] - 1e-9 <= out.min() and out.max() <= lin[1][i] + 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_exact_binary_search_on_a_cnn_uses_linear_bounds_and_equals_enumeration(seed):
    """best_binary_input searches a CNN in its exact Dense+ReLU form (linear bounds):
    the optimum equals enumeration of all 2^16 images, its value is the CNN's own
    output, and linear bounds need fewer nodes than interval bounds."""
    from mininn.convolution import Conv2D
    from mininn.pooling import Flatten, MaxPool2D, Unflatten
    from mininn.search import best_binary_input, exhaustive_values

    net = mininn.Sequential([Unflatten((1, 4, 4)), Conv2D(1, 2, 3, padding=1, seed=seed),
                             mininn.ReLU(), MaxPool2D(2), Flatten(), mininn.Dense(8, 2, seed=seed)])
    values = exhaustive_values(net, 1)
    for goal, best in (("max", values.max()), ("min", values.min())):
        linear = best_binary_input(net, 1, goal=goal, relaxation="linear", seed=0)
        assert linear.certified and abs(linear.value - best) <= 1e-9
        assert abs(linear.value - float(net.forward(linear.x[None])[0, 1])) <= 1e-12
    interval = best_binary_input(net, 1, relaxation="interval", seed=0)
    linear = best_binary_input(net, 1, relaxation="linear", seed=0)
    assert abs(interval.value - linear.value) <= 1e-12 and linear.nodes < interval.nodes
