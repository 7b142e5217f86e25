"""Sequential: backward, input gradient, Jacobian, parameters, summary, save/load."""
from __future__ import annotations

import numpy as np
import pytest

import mininn
from mininn import activations
from mininn.layers import Dense
from mininn.network import Sequential, mlp

from finite_differences import numeric_vjp, rel_error

ACTIVATION_NAMES = list(activations.ACTIVATIONS)


def numeric_jacobian(net, X, h=1e-6):
    """(n, out, in) by central differences: all 2k shifted batches at once."""
    n, k = X.shape
    shifts = np.eye(k) * h
    plus = net.forward((X[:, None, :] + shifts).reshape(-1, k)).reshape(n, k, -1)
    minus = net.forward((X[:, None, :] - shifts).reshape(-1, k)).reshape(n, k, -1)
    return ((plus - minus) / (2 * h)).transpose(0, 2, 1)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("hidden", ACTIVATION_NAMES)
def test_input_gradient_and_jacobian_match_finite_differences(depth, hidden):
    rng = np.random.default_rng(depth)
    sizes = [3] + [5] * (depth - 1) + [2]
    net = mlp(sizes, hidden=hidden, output="sigmoid", seed=depth)
    X = rng.normal(size=(6, 3))
    J = net.jacobian(X)
    assert J.shape == (6, 2, 3)
    numeric = numeric_jacobian(net, X)
    # ReLU-like nets: a random point lies within h of a kink with probability
    # ~1e-6, so the plain comparison is valid; atol covers tiny derivatives.
    np.testing.assert_allclose(J, numeric, rtol=1e-6, atol=1e-9)
    for j in range(2):
        G = net.input_gradient(X, output=j)
        assert G.shape == (6, 3)
        np.testing.assert_array_equal(G, J[:, j, :])


@pytest.mark.parametrize("hidden", ["tanh", "relu", "sigmoid"])
def test_backward_fills_every_parameter_gradient(hidden):
    rng = np.random.default_rng(0)
    net = mlp([4, 6, 3], hidden=hidden, output="identity", seed=0)
    X = rng.normal(size=(5, 4))
    dY = rng.normal(size=(5, 3))
    net.forward(X)
    dX = net.backward(dY)
    np.testing.assert_allclose(dX, numeric_vjp(net.forward, X.copy(), dY), rtol=1e-6, atol=1e-9)
    net.forward(X)
    net.backward(dY)
    for name, param, grad in list(net.named_parameters()):
        numeric = numeric_vjp(lambda _: net._forward(X), param, dY)
        assert rel_error(grad, numeric) < 1e-6, name


def test_input_gradient_leaves_parameter_gradients_alone():
    net = mlp([2, 3, 1], seed=0)
    X = np.ones((2, 2))
    net.forward(X)
    net.backward(np.ones((2, 1)))
    before = [g.copy() for g in net.gradients()]
    net.input_gradient(np.zeros((4, 2)))
    net.jacobian(np.zeros((4, 2)))
    for a, b in zip(before, net.gradients()):
        np.testing.assert_array_equal(a, b)


def test_bias_is_a_parameter_not_a_column():
    """The 2016 bug: ``x + 1`` (broadcast) instead of appending a constant input."""
    net = mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", seed=0)
    x = np.array([[0.0, 1.0]])
    first = net.layers[0]
    np.testing.assert_allclose(first.forward(x), x @ first.params["W"] + first.params["b"])
    # Appending the bias column gives a 3-wide input, which the net refuses:
    with pytest.raises(ValueError, match="X must have 2 features"):
        net.forward(np.hstack([x, np.ones((1, 1))]))
    # and a single sample must be a batch, with a hint how to make one:
    with pytest.raises(ValueError, match=r"X\[None, :\]"):
        net.forward(np.array([0.0, 1.0]))


def test_parameters_and_summary():
    net = mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", seed=0)
    names = [name for name, _, _ in net.named_parameters()]
    assert names == ["0.Dense.W", "0.Dense.b", "2.Dense.W", "2.Dense.b"]
    assert net.n_parameters() == 2 * 3 + 3 + 3 * 1 + 1
    assert all(p is q for p, q in zip(net.parameters(), [net[0].params["W"], net[0].params["b"],
                                                         net[2].params["W"], net[2].params["b"]]))
    text = net.summary()
    assert "Dense(2, 3)" in text and "W(2, 3)" in text and "total parameters: 13" in text
    html = net._repr_html_()
    assert "<table>" in html and "Dense(2, 3)" in html and "total parameters: 13" in html
    assert "13 parameters" in repr(net)
    logits = net[:-1]
    assert isinstance(logits, Sequential) and logits.layers[0] is net.layers[0]


def test_mlp_same_seed_same_weights():
    a = mlp([3, 4, 2], seed=5)
    b = mlp([3, 4, 2], seed=5)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p, q)


def test_sequential_checks_its_layers():
    with pytest.raises(ValueError, match=r"layers\[2\] expects 4 input features"):
        Sequential([Dense(2, 3), activations.Tanh(), Dense(4, 1)])
    with pytest.raises(TypeError, match=r"layers\[1\].*missing"):
        Sequential([Dense(2, 3), object()])
    with pytest.raises(ValueError, match="layers"):
        Sequential([])
    with pytest.raises(ValueError, match="hidden"):
        mlp([2, 3, 1], hidden="sigmoidd")
    with pytest.raises(ValueError, match="sizes"):
        mlp([2])


@pytest.mark.parametrize("bad, exc, match", [
    (np.array([[np.nan, 0.0]]), ValueError, "X must be finite"),
    (np.array([[np.inf, 0.0]]), ValueError, "X must be finite"),
    (np.zeros((2, 3)), ValueError, "X must have 2 features"),
    (np.zeros((0, 2)), ValueError, "at least one sample"),
    (np.array([["a", "b"]]), TypeError, "X must hold real numbers"),
])
def test_forward_bad_input(bad, exc, match):
    net = mlp([2, 3, 1], seed=0)
    with pytest.raises(exc, match=match):
        net.forward(bad)


def test_output_index_checked():
    net = mlp([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match=r"output.*0\.\.1"):
        net.input_gradient(np.zeros((1, 2)), output=2)
    with pytest.raises(TypeError, match="output"):
        net.input_gradient(np.zeros((1, 2)), output=0.5)
    with pytest.raises(ValueError, match="dY must have 2 columns"):
        net.forward(np.zeros((1, 2)))
        net.backward(np.zeros((1, 3)))


class _InPlaceScale:
    """A student's layer (no Layer base) that writes its gradient in place."""

    def __init__(self, n):
        self.params = {"a": np.full(n, 2.0)}
        self.grads = {"a": np.zeros(n)}

    def forward(self, x):
        self._x = x
        return x * self.params["a"]

    def backward(self, dy):
        self.grads["a"][...] = np.sum(dy * self._x, axis=0)
        return dy * self.params["a"]


def test_shortcuts_work_for_layers_with_only_the_four_members():
    # input_gradient leaves even in-place gradients alone; training fills them
    rng = np.random.default_rng(0)
    net = Sequential([_InPlaceScale(2), Dense(2, 1, seed=0)])
    X, dY = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    net.forward(X)
    net.backward(dY)
    before = [g.copy() for g in net.gradients()]
    G = net.input_gradient(X)
    np.testing.assert_allclose(G, np.tile(2.0 * net[1].params["W"].T, (4, 1)))
    for a, b in zip(before, net.gradients()):
        np.testing.assert_array_equal(a, b)
    net._forward(X)
    net._backward_params(dY)
    np.testing.assert_array_equal(net.gradients()[0], before[0])


def test_seed_defaults_to_none_in_dense_mlp_and_fit():
    import inspect

    for func in (Dense.__init__, mlp, mininn.fit):
        assert inspect.signature(func).parameters["seed"].default is None, func.__qualname__
    # None draws fresh weights each time; an int is reproducible
    assert not np.array_equal(mlp([2, 3, 1]).parameters()[0], mlp([2, 3, 1]).parameters()[0])
    np.testing.assert_array_equal(mlp([2, 3, 1], seed=4).parameters()[0],
                                  mlp([2, 3, 1], seed=4).parameters()[0])
