"""The gradient checker itself: numerical gradients, layer/loss/network checks, reports.

The checker is judged in both directions: correct gradients (every built-in
layer and loss, mlps with every activation) must pass, and deliberately
wrong ones (a Dense that forgets a transpose, a Sigmoid whose backward uses
z instead of sigma(z)) must FAIL with the culprit named. Expected errors in
float64 with h = 1e-5: truncation h^2 |f'''| / 6 ~ 1e-11 plus round-off
eps_mach |f| / h ~ 1e-11, so correct gradients agree to ~1e-9 and the pass
line is a relative error of 1e-7 (RTOL).
"""
from __future__ import annotations

import numpy as np
import pytest

import mininn
from mininn import gradcheck
from mininn.activations import ACTIVATIONS
from mininn.gradcheck import (
    GradCheckReport, assert_gradients_ok, check_gradient, check_input_gradient, check_layer,
    check_loss, check_network, error_band, numerical_gradient)
from mininn.layers import Dense

from broken_layers import DenseForgotTransposeInW, DenseForgotTransposeInX, SigmoidUsingZ
from mininn.losses import MSE, BinaryCrossEntropy, SoftmaxCrossEntropy

SHAPES = [(1, 1, 1), (4, 3, 2), (7, 5, 6)]     # (batch, n_in, n_out)
SEEDS = [0, 1, 2]


# ------------------------------------------------------------------ helpers
class Scale:
    """A student's layer that does NOT subclass mininn.layers.Layer: y = x * a."""

    def __init__(self, n, seed=0):
        self.params = {"a": np.random.default_rng(seed).normal(size=n)}
        self.grads = {"a": np.zeros(n)}

    def forward(self, x):
        self._x = x
        return x * self.params["a"]

    def backward(self, dy):
        self.grads["a"] = np.sum(dy * self._x, axis=0)
        return dy * self.params["a"]


# ------------------------------------------------------ numerical_gradient
def test_numerical_gradient_of_sin_matches_cos_for_any_shape():
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    g = numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    assert g.shape == x.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-9, atol=1e-10)


def test_numerical_gradient_restores_x_exactly_and_supports_closures():
    # CS231n style: f ignores its argument and reads the array through a closure.
    x = np.random.default_rng(1).normal(size=5)
    before = x.copy()
    g = numerical_gradient(lambda _: float(np.sum(x ** 3)), x)
    np.testing.assert_allclose(g, 3 * before ** 2, rtol=1e-8)
    assert x.tobytes() == before.tobytes()


def test_numerical_gradient_restores_x_even_when_f_raises():
    x = np.arange(4.0)
    before = x.copy()
    calls = []

    def f(v):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return float(np.sum(v))

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    assert np.array_equal(x, before)


def test_numerical_gradient_casts_integers_on_a_copy():
    x = np.array([1, 2, 3])
    g = numerical_gradient(lambda v: float(np.sum(v ** 2)), x)
    np.testing.assert_allclose(g, [2, 4, 6], rtol=1e-9)
    assert x.dtype.kind == "i" and np.array_equal(x, [1, 2, 3])


def test_numerical_gradient_complex_step_is_exact_to_round_off():
    x = np.linspace(-2, 2, 7)
    g = numerical_gradient(lambda v: np.sum(np.exp(v) * np.sin(v)), x, method="complex")
    np.testing.assert_allclose(g, np.exp(x) * (np.sin(x) + np.cos(x)), rtol=1e-14, atol=1e-15)


# -------------------------------------------------------- every layer passes
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("init", ["xavier", "he", "uniform"])
def test_dense_passes(shape, seed, init):
    n, n_in, n_out = shape
    x = np.random.default_rng(seed).normal(size=(n, n_in))
    report = check_layer(Dense(n_in, n_out, init=init, seed=seed), x, seed=seed)
    assert_gradients_ok(report)
    assert sorted(report.names) == ["W", "b", "x"]
    assert all(row.rel_error < 1e-7 and row.checked == row.size for row in report)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(1, 1), (4, 3), (6, 7)])
@pytest.mark.parametrize("seed", SEEDS)
def test_every_activation_passes(name, shape, seed):
    x = 3 * np.random.default_rng(seed).normal(size=shape)
    report = check_layer(ACTIVATIONS[name](), x, seed=seed)
    assert_gradients_ok(report)
    assert report.names == ["x"]


@pytest.mark.parametrize("slope", [0.0, 0.2, 1.0])
def test_leaky_relu_with_any_slope_passes(slope):
    x = np.random.default_rng(3).normal(size=(5, 4))
    assert_gradients_ok(check_layer(mininn.LeakyReLU(slope), x))


def test_a_students_layer_that_does_not_subclass_layer_is_checked():
    layer = Scale(3)
    x = np.random.default_rng(0).normal(size=(4, 3))
    report = check_layer(layer, x)
    assert not isinstance(layer, mininn.Layer)
    assert report.passed and sorted(report.names) == ["a", "x"]


# ---------------------------------------------------------- every loss passes
def _loss_cases(seed):
    rng = np.random.default_rng(seed)
    return [
        (MSE(), rng.normal(size=(4, 3)), rng.normal(size=(4, 3))),
        (MSE(), rng.normal(size=(6, 1)), rng.normal(size=6)),
        (BinaryCrossEntropy(), rng.uniform(0.05, 0.95, (5, 2)), rng.integers(0, 2, (5, 2))),
        (BinaryCrossEntropy(), rng.uniform(0.05, 0.95, (3, 1)), rng.uniform(0, 1, (3, 1))),
        (BinaryCrossEntropy(from_logits=True), 4 * rng.normal(size=(5, 2)), rng.uniform(0, 1, (5, 2))),
        (SoftmaxCrossEntropy(), 3 * rng.normal(size=(6, 4)), rng.integers(0, 4, 6)),
        (SoftmaxCrossEntropy(), 3 * rng.normal(size=(5, 3)), rng.dirichlet(np.ones(3), 5)),
    ]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", range(7))
def test_every_loss_passes(seed, case):
    loss, pred, target = _loss_cases(seed)[case]
    report = check_loss(loss, pred, target)
    assert_gradients_ok(report)
    assert report.names == ["pred"] and report.rows[0].checked == pred.size


def test_check_loss_accepts_a_name():
    assert check_loss("mse", np.ones((2, 2)), np.zeros((2, 2))).passed


# -------------------------------------------------------- networks pass
@pytest.mark.parametrize("hidden", list(ACTIVATIONS))
@pytest.mark.parametrize("sizes", [[3, 4, 2], [2, 5, 4, 3]])
def test_check_network_passes_on_mlps_with_every_activation(hidden, sizes):
    rng = np.random.default_rng(len(sizes))
    net = mininn.mlp(sizes, hidden=hidden, output="identity", seed=1)
    X = rng.normal(size=(6, sizes[0]))
    report = check_network(net, X, rng.normal(size=(6, sizes[-1])), "mse")
    assert_gradients_ok(report)
    expected = {name for name, _, _ in net.named_parameters()} | {"X"}
    assert set(report.names) == expected


@pytest.mark.parametrize("loss, output, make_y", [
    ("bce", "sigmoid", lambda rng, n, c: rng.integers(0, 2, (n, c))),
    (BinaryCrossEntropy(from_logits=True), "identity", lambda rng, n, c: rng.uniform(0, 1, (n, c))),
    ("softmax_cross_entropy", "identity", lambda rng, n, c: rng.integers(0, c, n)),
])
def test_check_network_passes_with_every_loss(loss, output, make_y):
    rng = np.random.default_rng(0)
    net = mininn.mlp([4, 6, 3], hidden="tanh", output=output, seed=2)
    X = rng.normal(size=(8, 4))
    assert_gradients_ok(check_network(net, X, make_y(rng, 8, 3), loss))


def test_check_network_on_the_2016_network():
    X = np.array([[0, 1], [1, 0], [1, 1], [0, 0]])
    y = np.array([1, 0, 0, 0])
    net = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=0)
    assert_gradients_ok(check_network(net, X, y, "mse"))


@pytest.mark.parametrize("hidden", list(ACTIVATIONS))
@pytest.mark.parametrize("depth", [1, 2, 4])
def test_check_input_gradient_passes(hidden, depth):
    rng = np.random.default_rng(depth)
    sizes = [3] + [5] * (depth - 1) + [2]
    net = mininn.mlp(sizes, hidden=hidden, output="tanh", seed=depth)
    X = rng.normal(size=(5, 3))
    for output in range(2):
        report = check_input_gradient(net, output, X=X)
        assert_gradients_ok(report)
        assert report.rows[0].checked == X.size


class CountingIdentity(mininn.Identity):
    """Identity that records the batch size of every forward call."""

    def __init__(self):
        super().__init__()
        self.batches = []

    def forward(self, z):
        self.batches.append(z.shape[0])
        return z


@pytest.mark.parametrize("n, k", [(1, 2), (4, 3), (6, 7)])
def test_check_input_gradient_uses_one_stacked_forward(n, k):
    # All 2k perturbed copies of every sample go through ONE forward call:
    # every other pass (input_gradient's own, the unperturbed one, the
    # round-off estimate) sees the n samples only -- whatever n and k are.
    counter = CountingIdentity()
    net = mininn.Sequential([Dense(k, 4, seed=0), mininn.Tanh(), counter, Dense(4, 2, seed=1)])
    X = np.random.default_rng(0).normal(size=(n, k))
    assert check_input_gradient(net, 1, X=X).passed
    stacked = [b for b in counter.batches if b != n]
    assert stacked == [2 * k * n]


# ---------------------------------------- wrong gradients FAIL, culprit named
def test_dense_forgetting_the_transpose_of_dW_fails_with_a_shape_error():
    x = np.random.default_rng(0).normal(size=(5, 3))
    report = check_layer(DenseForgotTransposeInW(3, 4, seed=0), x)       # W is (3, 4)
    assert not report.passed
    assert [row.name for row in report.failures] == ["W"]
    assert "shape (4, 3)" in report["W"].note and "transpose" in report["W"].note
    assert report.rows[0].name == "W"                                      # worst first
    with pytest.raises(AssertionError, match="transpose"):
        report.assert_ok()


def test_dense_forgetting_the_transpose_of_dW_fails_even_when_the_shape_fits():
    x = np.random.default_rng(1).normal(size=(5, 4))
    report = check_layer(DenseForgotTransposeInW(4, 4, seed=1), x)       # square W
    assert [row.name for row in report.failures] == ["W"]
    row = report["W"]
    assert row.band == "probably wrong" and row.worst_index is not None
    i, j = row.worst_index
    assert i != j        # the diagonal of a transposed matrix is right; off it, it is not


def test_dy_never_repeats_the_callers_data_drawn_with_the_same_seed():
    # With dy = x, x^T dy is symmetric and a forgotten transpose is invisible.
    # The checker mixes its int seed with a constant, so this still fails.
    x = np.random.default_rng(0).normal(size=(4, 3))
    report = check_layer(DenseForgotTransposeInW(3, 3, seed=0), x, seed=0)
    assert [row.name for row in report.failures] == ["W"]


def test_dense_forgetting_the_transpose_of_dx_fails():
    x = np.random.default_rng(2).normal(size=(3, 4))
    report = check_layer(DenseForgotTransposeInX(4, 4, seed=2), x)
    assert [row.name for row in report.failures] == ["x"]


def test_sigmoid_using_z_instead_of_sigma_fails_and_is_named():
    x = np.random.default_rng(0).normal(size=(4, 3))
    report = check_layer(SigmoidUsingZ(), x)
    assert not report.passed and report.failures[0].name == "x"
    assert report.failures[0].rel_error > 1e-2
    assert "SigmoidUsingZ" in str(report)


def test_check_network_names_the_broken_layer():
    net = mininn.Sequential([Dense(3, 4, seed=0), SigmoidUsingZ(), Dense(4, 2, seed=1)])
    X = np.random.default_rng(0).normal(size=(5, 3))
    report = check_network(net, X, np.zeros((5, 2)), "mse")
    assert not report.passed
    names = [row.name for row in report.failures]
    assert "1.SigmoidUsingZ.x (alone)" in names
    assert "1.SigmoidUsingZ" in report.diagnosis
    assert "2.Dense.W" not in names        # the layer after the bug is fine
    assert "diagnosis" in str(report)


def test_check_network_names_a_broken_dense_parameter():
    net = mininn.Sequential([DenseForgotTransposeInW(3, 3, seed=0), mininn.Tanh(), Dense(3, 1, seed=1)])
    X = np.random.default_rng(0).normal(size=(4, 3))
    report = check_network(net, X, np.zeros((4, 1)), "mse")
    names = [row.name for row in report.failures]
    assert names[0] in ("0.DenseForgotTransposeInW.W", "0.DenseForgotTransposeInW.W (alone)")
    assert "0.DenseForgotTransposeInW.b" not in names
    assert "0.DenseForgotTransposeInW" in report.diagnosis


def test_check_input_gradient_catches_a_wrong_backward():
    net = mininn.Sequential([Dense(2, 3, seed=0), SigmoidUsingZ(), Dense(3, 1, seed=1)])
    report = check_input_gradient(net, X=np.random.default_rng(0).normal(size=(4, 2)))
    assert not report.passed and "1.SigmoidUsingZ" in report.diagnosis


def test_a_wrong_loss_gradient_is_blamed_on_the_loss():
    class HalfMSE(MSE):
        def backward(self):
            return super().backward() / 2     # WRONG: forgot the factor 2

    net = mininn.mlp([2, 3, 1], seed=0)
    report = check_network(net, np.ones((3, 2)), np.zeros((3, 1)), HalfMSE())
    assert not report.passed and "HalfMSE" in report.diagnosis
    assert not check_loss(HalfMSE(), np.ones((3, 1)), np.zeros((3, 1))).passed


def test_missing_gradient_key_fails():
    class NoGradForB(Dense):
        def backward(self, dy):
            dx = super().backward(dy)
            del self.grads["b"]
            return dx

    report = check_layer(NoGradForB(2, 2, seed=0), np.ones((3, 2)))
    assert [row.name for row in report.failures] == ["b"]
    assert "no entry" in report["b"].note


# ------------------------------------------------------------------ report
def test_relative_error_is_the_documented_formula_at_the_worst_index():
    # f(x) = c . x has gradient c; we hand over c with one entry off by 0.5.
    c = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    wrong = c.copy()
    wrong[1, 2] += 0.5
    report = check_gradient(lambda v: float(np.sum(c * v)), np.zeros((2, 3)), wrong)
    row = report.rows[0]
    a, n = -0.5, -1.0
    assert row.worst_index == (1, 2)
    assert row.analytic == pytest.approx(a) and row.numeric == pytest.approx(n, abs=1e-9)
    assert row.abs_error == pytest.approx(0.5, abs=1e-9)
    assert row.rel_error == pytest.approx(abs(a - n) / (abs(a) + abs(n)), rel=1e-8)
    assert row.status == "FAIL" and not report.passed


def test_tiny_entries_are_judged_against_round_off_not_against_zero():
    # The gradient of f = sum(x * d) with d ~ 1e-13 in one entry: central
    # differences cannot resolve it relatively, and must not fail at random.
    d = np.array([1.0, 1e-13, -2.0])
    report = check_gradient(lambda v: float(np.sum(v * d)), np.ones(3), d)
    assert report.passed


@pytest.mark.parametrize("rel, band", [
    (0.5, "probably wrong"), (1e-2 * 1.01, "probably wrong"), (1e-3, "uncomfortable"),
    (1e-5, "ok with kinks or float32"), (1e-7, "ok with kinks or float32"), (1e-9, "good"),
    (0.0, "good"), (float("nan"), "probably wrong")])
def test_error_bands_in_words(rel, band):
    assert error_band(rel) == band


def test_report_str_html_and_assert_helper():
    x = np.random.default_rng(0).normal(size=(4, 3))
    good = check_layer(Dense(3, 2, seed=0), x)
    bad = check_layer(SigmoidUsingZ(), x)
    text = str(good)
    for word in ("status", "rel. error", "band", "worst index", "analytic", "numeric", "pass",
                 "good", "1e-07", "Dense(3, 2)"):
        assert word in text
    assert text == good.summary()                   # one string form
    assert len(text.splitlines()) == 3 + 3          # heading, header, rule, one line per row
    html = good._repr_html_()
    assert html.count("<tr") == 1 + 3 and "<table>" in html and "Dense(3, 2)" in html
    assert "FAIL" in bad._repr_html_() and "probably wrong" in bad._repr_html_()
    assert good.passed and bool(good) and not bad.passed
    assert_gradients_ok(good)
    good.assert_ok()
    with pytest.raises(AssertionError) as info:
        assert_gradients_ok(bad)
    assert str(info.value) == bad.summary()        # the report once, nothing added
    assert "FAILED" in repr(bad) and "passed" in repr(good)


def test_report_rows_are_sorted_worst_first():
    class HalfWrongDense(Dense):
        def backward(self, dy):
            dx = super().backward(dy)
            self.grads["b"] = self.grads["b"] * (1 + 1e-3)      # slightly wrong
            self.grads["W"] = self.grads["W"] * 2               # badly wrong
            return dx

    report = check_layer(HalfWrongDense(3, 2, seed=0), np.ones((4, 3)))
    assert report.names == ["W", "b", "x"]
    assert [row.status for row in report] == ["FAIL", "FAIL", "pass"]
    assert [row.band for row in report] == ["probably wrong", "uncomfortable", "good"]
    rels = [row.rel_error for row in report]
    assert rels == sorted(rels, reverse=True)
    with pytest.raises(KeyError, match="rows"):
        report["nope"]


# --------------------------------------------------------------- bad input
def test_check_layer_refuses_bad_arguments():
    layer, x = Dense(2, 2, seed=0), np.ones((3, 2))
    with pytest.raises(ValueError, match="x must be finite"):
        check_layer(layer, np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="x must be finite"):
        check_layer(layer, np.array([[1.0, np.inf]]))
    with pytest.raises(TypeError, match="x must hold real numbers"):
        check_layer(layer, np.ones((2, 2), dtype=complex))
    for eps in (0, -1e-5, float("nan")):
        with pytest.raises(ValueError, match="eps"):
            check_layer(layer, x, eps=eps)
    with pytest.raises(TypeError, match="eps"):
        check_layer(layer, x, eps="small")
    with pytest.raises(ValueError, match="rtol"):
        check_layer(layer, x, rtol=0)
    with pytest.raises(ValueError, match="mode"):
        check_layer(layer, x, mode="quick")
    with pytest.raises(ValueError, match="method"):
        check_layer(layer, x, method="forward")
    with pytest.raises(ValueError, match="n_samples"):
        check_layer(layer, x, mode="sampled", n_samples=0)
    with pytest.raises(ValueError, match="n_directions"):
        check_layer(layer, x, mode="directional", n_directions=0)
    with pytest.raises(ValueError, match="mode must be 'full' with method='complex'"):
        check_layer(layer, x, method="complex", mode="sampled")
    with pytest.raises(TypeError, match="seed"):
        check_layer(layer, x, seed="zero")


class NoBackward:
    params, grads = {}, {}

    def forward(self, x):
        return x


@pytest.mark.parametrize("layer, missing", [
    (NoBackward(), "backward"), (object(), "forward, backward, params, grads")])
def test_check_layer_refuses_objects_that_are_not_layers(layer, missing):
    with pytest.raises(TypeError, match=f"layer .*missing {missing}"):
        check_layer(layer, np.ones((1, 1)))


def test_check_layer_refuses_a_network_with_a_hint():
    with pytest.raises(TypeError, match="check_network"):
        check_layer(mininn.mlp([2, 2]), np.ones((1, 2)))


def test_check_layer_refuses_bad_layer_internals():
    class ParamsNotDict(Scale):
        def __init__(self):
            super().__init__(2)
            self.params = [np.ones(2)]

    with pytest.raises(TypeError, match="layer.params must be a dict"):
        check_layer(ParamsNotDict(), np.ones((1, 2)))

    class ListParam(Scale):
        def __init__(self):
            super().__init__(2)
            self.params = {"a": [1.0, 2.0]}

    with pytest.raises(TypeError, match=r"layer.params\['a'\] must be a real numpy array"):
        check_layer(ListParam(), np.ones((1, 2)))

    nan_layer = Scale(2)
    nan_layer.params["a"][0] = np.nan
    with pytest.raises(ValueError, match=r"layer.params\['a'\] must be finite"):
        check_layer(nan_layer, np.ones((1, 2)))

    class ReturnsNone(Scale):
        def backward(self, dy):
            super().backward(dy)

    report = check_layer(ReturnsNone(2), np.ones((1, 2)))      # the student's bug: a FAIL
    assert not report.passed and "returned None" in report["backward"].note

    class Overflowing(Scale):
        def forward(self, x):
            return x * np.inf

    with pytest.raises(ValueError, match="forward.*returned NaN or inf"):
        check_layer(Overflowing(2), np.ones((1, 2)))


def test_check_network_refuses_bad_arguments():
    net = mininn.mlp([2, 3, 1], seed=0)
    X, y = np.ones((4, 2)), np.zeros((4, 1))
    with pytest.raises(ValueError, match="X and y must hold the same number of samples"):
        check_network(net, X, np.zeros((3, 1)))
    with pytest.raises(ValueError, match="X must have 2 features"):
        check_network(net, np.ones((4, 3)), y)
    with pytest.raises(ValueError, match="X must be finite"):
        check_network(net, np.full((4, 2), np.nan), y)
    with pytest.raises(ValueError, match="X must be 2-d"):
        check_network(net, np.ones(2), y)
    with pytest.raises(TypeError, match="net must be a mininn Sequential"):
        check_network(Dense(2, 1), X, y)
    with pytest.raises(ValueError, match="loss must be one of"):
        check_network(net, X, y, loss="hinge")
    with pytest.raises(ValueError, match="^y: target"):
        check_network(net, X, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="eps"):
        check_network(net, X, y, eps=-1)
    broken = mininn.mlp([2, 1], seed=0)
    broken.layers[1] = NoBackward()
    with pytest.raises(TypeError, match=r"net.layers\[1\].*missing backward"):
        check_network(broken, X, np.zeros((4, 1)))


def test_check_input_gradient_refuses_bad_arguments():
    net = mininn.mlp([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match="output must be an index in 0..1"):
        check_input_gradient(net, 2, X=np.ones((2, 2)))
    with pytest.raises(TypeError, match="output must be an integer"):
        check_input_gradient(net, 0.5, X=np.ones((2, 2)))
    with pytest.raises(ValueError, match="X must have 2 features"):
        check_input_gradient(net, X=np.ones((2, 5)))
    with pytest.raises(ValueError, match="eps"):
        check_input_gradient(net, X=np.ones((2, 2)), eps=0)


def test_function_checks_refuse_bad_arguments():
    with pytest.raises(TypeError, match="f must be callable"):
        numerical_gradient(3.0, np.ones(2))
    with pytest.raises(TypeError, match="f must return a real scalar"):
        numerical_gradient(lambda v: v, np.ones(2))
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(np.sum, np.ones(2), eps=0)
    with pytest.raises(ValueError, match="x must be finite"):
        numerical_gradient(np.sum, np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="method"):
        numerical_gradient(np.sum, np.ones(2), method="backward")
    report = check_gradient(np.sum, np.ones(3), np.ones(2))    # the gradient under test: a FAIL
    assert not report.passed and "shape" in report.rows[0].note
    with pytest.raises(ValueError, match="lo must be <= hi"):
        check_gradient(np.sum, np.ones(2), np.ones(2), lo=1, hi=0)
    with pytest.raises(ValueError, match="hi must be a scalar or broadcast"):
        check_gradient(np.sum, np.ones(2), np.ones(2), hi=np.ones(3))
    with pytest.raises(TypeError, match="kinks must be callable"):
        check_gradient(np.sum, np.ones(2), np.ones(2), kinks=0.0)
    with pytest.raises(TypeError, match="report must be a GradCheckReport"):
        assert_gradients_ok("all good")
    with pytest.raises(ValueError, match="pred must be finite"):
        check_loss("mse", np.array([[np.inf]]), np.zeros((1, 1)))


def test_the_package_exports_the_public_checker():
    for name in ("numerical_gradient", "check_gradient", "check_layer", "check_loss",
                 "check_network", "check_input_gradient", "taylor_test", "step_size_sweep"):
        assert callable(getattr(gradcheck, name))
    assert isinstance(check_layer(SigmoidUsingZ(), np.ones((2, 2)), seed=0), GradCheckReport)
    assert not hasattr(gradcheck, "selftest")      # the broken Sigmoid lives in the tests
