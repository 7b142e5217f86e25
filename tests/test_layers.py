"""Layers and activations: values, handwritten derivatives, stability, interval bounds.

Derivatives are compared with central finite differences computed *here*
(independently of mininn.gradcheck), in float64. Expected error of a central
difference with h = 1e-6: truncation ~h^2 * f''' ~ 1e-12 plus round-off
~eps_mach * |f| / h ~ 1e-10, so we assert a relative error below 1e-7.
"""
from __future__ import annotations

import numpy as np
import pytest

import mininn
from mininn import activations
from mininn.layers import Dense, Layer

from finite_differences import layer_gradients, rel_error

ACTIVATION_NAMES = list(activations.ACTIVATIONS)


def away_from_kinks(x):
    """Move points off ReLU's kink at 0 so central differences are valid."""
    return np.where(np.abs(x) < 1e-3, 0.5, x)


# ---------------------------------------------------------------- Dense
@pytest.mark.parametrize("shape", [(1, 1, 1), (4, 3, 2), (7, 5, 6)])
@pytest.mark.parametrize("seed", [0, 1])
def test_dense_gradients_match_finite_differences(shape, seed):
    n, n_in, n_out = shape
    rng = np.random.default_rng(seed)
    layer = Dense(n_in, n_out, seed=seed)
    layer.params["b"] = rng.normal(size=n_out)
    x = rng.normal(size=(n, n_in))
    dy = rng.normal(size=(n, n_out))
    checked = layer_gradients(layer, x, dy)
    assert sorted(checked) == ["W", "b", "x"]
    for name, (analytic, numeric) in checked.items():
        assert analytic.shape == numeric.shape
        assert rel_error(analytic, numeric) < 1e-7, name


def test_dense_worked_example_by_hand():
    # x = [1, 2], W = [[1, 0, -1], [2, 1, 0]], b = [0, 1, 2]
    # y = x W + b = [1+4, 0+2, -1+0] + b = [5, 3, 1]
    layer = Dense(2, 3)
    layer.params["W"] = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
    layer.params["b"] = np.array([0.0, 1.0, 2.0])
    x = np.array([[1.0, 2.0]])
    np.testing.assert_array_equal(layer.forward(x), [[5.0, 3.0, 1.0]])
    # dy = [1, 1, 1]: dx = dy W^T = [1+0-1, 2+1+0] = [0, 3]; dW = x^T dy; db = dy
    dx = layer.backward(np.ones((1, 3)))
    np.testing.assert_array_equal(dx, [[0.0, 3.0]])
    np.testing.assert_array_equal(layer.grads["W"], [[1, 1, 1], [2, 2, 2]])
    np.testing.assert_array_equal(layer.grads["b"], [1, 1, 1])


def test_dense_backward_overwrites_and_never_updates_weights():
    layer = Dense(3, 2, seed=0)
    W0 = layer.params["W"].copy()
    x = np.ones((4, 3))
    layer.forward(x)
    layer.backward(np.ones((4, 2)))
    first = layer.grads["W"].copy()
    layer.backward(np.ones((4, 2)))
    np.testing.assert_array_equal(layer.grads["W"], first)   # not accumulated
    np.testing.assert_array_equal(layer.params["W"], W0)     # not updated


def test_backward_params_gives_the_grads_of_backward():
    # Dense's shortcut (training skips dL/dx of the first layer) fills the
    # same gradients as backward; Layer's default simply calls backward.
    rng = np.random.default_rng(0)
    x, dy = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    full, short = Dense(3, 2, seed=0), Dense(3, 2, seed=0)
    full.forward(x)
    full.backward(dy)
    short.forward(x)
    assert short.backward_params(dy) is None
    for k in full.grads:
        np.testing.assert_array_equal(short.grads[k], full.grads[k])

    class Doubler(Layer):
        def forward(self, x):
            return 2 * x

        def backward(self, dy):
            self.calls = getattr(self, "calls", 0) + 1
            return 2 * dy

    layer = Doubler()
    layer.backward_params(dy)
    assert layer.calls == 1


@pytest.mark.parametrize("init", ["xavier", "he", "uniform"])
def test_dense_init_schemes_and_seeding(init):
    a = Dense(50, 40, init=init, seed=3)
    b = Dense(50, 40, init=init, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(a.params["W"], b.params["W"])
    assert not np.array_equal(a.params["W"], Dense(50, 40, init=init, seed=4).params["W"])
    W = a.params["W"]
    if init == "xavier":
        limit = np.sqrt(6 / 90)
        assert np.all(np.abs(W) <= limit) and W.max() > 0.8 * limit
        assert np.all(a.params["b"] == 0)
    elif init == "he":
        assert abs(W.std() - np.sqrt(2 / 50)) < 0.02
    else:
        assert W.min() >= 0 and W.max() < 1 and a.params["b"].min() >= 0


def test_dense_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="init"):
        Dense(2, 3, init="glorot")
    with pytest.raises(ValueError, match="n_out"):
        Dense(2, 0)
    with pytest.raises(TypeError, match="n_in"):
        Dense(2.5, 3)
    with pytest.raises(TypeError, match="seed"):
        Dense(2, 3, seed="abc")


# ---------------------------------------------------------- activations
REFERENCE = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1 / np.cosh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    "softplus": (lambda z: np.log(1 + np.exp(z)), lambda z: 1 / (1 + np.exp(-z))),
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
}


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (2, 7)])
def test_activation_values_and_derivative(name, shape):
    rng = np.random.default_rng(sum(shape))
    layer = activations.get(name)
    z = away_from_kinks(rng.normal(scale=3, size=shape))
    f, df = REFERENCE[name]
    np.testing.assert_allclose(layer.forward(z), f(z), rtol=1e-13, atol=1e-15)
    da = rng.normal(size=shape)
    dz = layer.backward(da)
    np.testing.assert_allclose(dz, da * df(z), rtol=1e-12, atol=1e-15)
    # Elementwise layer: perturb every entry at once (its output depends on
    # that entry alone), which avoids the round-off of summing the whole batch.
    h = 1e-6
    numeric = (activations.get(name).forward(z + h) - activations.get(name).forward(z - h)) / (2 * h)
    # Where the derivative is tiny (tanh at |z| ~ 7: 1e-6) the difference
    # quotient carries an absolute round-off ~ eps_mach * |f| / h ~ 1e-10, so
    # relative error alone would blame a correct layer: allow atol 1e-9.
    np.testing.assert_allclose(dz, da * numeric, rtol=1e-7, atol=1e-9)
    assert layer.params == {} and layer.grads == {}


def test_relu_derivative_at_zero_is_zero():
    relu = activations.ReLU()
    relu.forward(np.array([[0.0, -0.0, 1e-300]]))
    np.testing.assert_array_equal(relu.backward(np.ones((1, 3))), [[0.0, 0.0, 1.0]])


def test_leaky_relu_slope():
    layer = activations.LeakyReLU(negative_slope=0.2)
    np.testing.assert_array_equal(layer.forward(np.array([[-2.0, 3.0]])), [[-0.4, 3.0]])
    np.testing.assert_array_equal(layer.backward(np.ones((1, 2))), [[0.2, 1.0]])
    with pytest.raises(ValueError, match="negative_slope"):
        activations.LeakyReLU(-1)


@pytest.mark.parametrize("name", ["sigmoid", "softplus"])
def test_sigmoid_and_softplus_stable_for_huge_inputs(name):
    z = np.array([[-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4]])
    layer = activations.get(name)
    with np.errstate(all="raise"):          # no overflow, underflow or invalid
        out = layer.forward(z)
        grad = layer.backward(np.ones_like(z))
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(grad))
    if name == "sigmoid":
        assert out[0, 0] < 1e-300 and out[0, -1] == 1.0 and out[0, 3] == 0.5
        assert abs(out[0, 2] - np.exp(-40.0)) < 1e-30    # tail keeps its relative precision
    else:
        assert out[0, 0] < 1e-300 and out[0, -1] == 1e4 and abs(out[0, 3] - np.log(2)) < 1e-15
        assert abs(out[0, 2] - np.exp(-40.0)) / np.exp(-40.0) < 1e-12   # exact, not thresholded


def test_unknown_activation_name():
    with pytest.raises(ValueError, match="activation.*'sigmoid'"):
        activations.get("sigmoidd")


# ------------------------------------------------------------- intervals
LAYERS = [lambda: Dense(4, 3, seed=1)] + [
    (lambda n=n: activations.get(n)) for n in ACTIVATION_NAMES]


@pytest.mark.parametrize("make", LAYERS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_interval_bounds_are_sound(make, seed):
    """Every point sampled inside [lo, hi] maps inside the returned bounds."""
    rng = np.random.default_rng(seed)
    layer = make()
    width = 4
    lo = rng.normal(scale=2, size=(5, width))
    hi = lo + rng.exponential(scale=1.5, size=(5, width))
    lo_out, hi_out = layer.interval(lo, hi)
    samples = lo + rng.random((2000, 5, width)) * (hi - lo)
    # include the corners of each box, where the extremes of a linear layer lie
    corners = np.where(rng.random((200, 5, width)) < 0.5, lo, hi)
    points = np.concatenate([samples, corners]).reshape(-1, width)
    out = layer.forward(points).reshape(2200, 5, -1)
    tol = 1e-12 * (1 + np.abs(out))
    assert np.all(out >= lo_out - tol) and np.all(out <= hi_out + tol)
    assert np.all(lo_out <= hi_out)


def test_dense_interval_is_tight_and_handles_negative_weights():
    layer = Dense(2, 1)
    layer.params["W"] = np.array([[2.0], [-3.0]])
    layer.params["b"] = np.array([1.0])
    lo, hi = layer.interval(np.array([[0.0, 0.0]]), np.array([[1.0, 1.0]]))
    # max: x0 = 1 (positive weight), x1 = 0 (negative weight) -> 3; min: x0 = 0, x1 = 1 -> -2
    np.testing.assert_allclose(lo, [[-2.0]])
    np.testing.assert_allclose(hi, [[3.0]])


def test_public_names_exported():
    for name in ["Dense", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softplus", "Identity"]:
        assert hasattr(mininn, name)


def test_expected_underflow_in_activations_does_not_raise():
    # before: Tanh.backward at 1e-200 (a * a) and LeakyReLU at -1e-320 raised
    # FloatingPointError under errstate(all="raise")
    with np.errstate(all="raise"):
        tanh = activations.Tanh()
        tanh.forward(np.array([[1e-200, -1e-200, 0.5]]))
        np.testing.assert_allclose(tanh.backward(np.ones((1, 3))),
                                   [[1.0, 1.0, 1.0 - np.tanh(0.5) ** 2]], rtol=1e-15)
        leaky = activations.LeakyReLU()
        out = leaky.forward(np.array([[-1e-320, -1e-300, 2.0]]))
        assert out[0, 0] == 0.0 or abs(out[0, 0]) < 1e-320
        np.testing.assert_array_equal(leaky.backward(np.ones((1, 3))), [[0.01, 0.01, 1.0]])
        lo, hi = leaky.interval(np.array([[-1e-320]]), np.array([[1.0]]))
        assert lo[0, 0] <= 0.0 and hi[0, 0] == 1.0
        for name in ACTIVATION_NAMES:
            layer = activations.get(name)
            layer.forward(np.array([[-1e4, -745.0, -1e-320, 0.0, 1e-320, 745.0, 1e4]]))
            layer.backward(np.ones((1, 7)))
