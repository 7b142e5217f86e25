"""The checker that teaches: kinks, step size, complex step, Taylor test, big
networks, hygiene (precision, copies, selftest) and the report's bands.
"""
from __future__ import annotations

import subprocess
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import mininn  # noqa: E402
from mininn import gradcheck  # noqa: E402
from mininn.activations import LeakyReLU, ReLU, Sigmoid, Softplus, Tanh  # noqa: E402
from mininn.gradcheck import (  # noqa: E402
    PrecisionWarning, StepSizeSweep, check_gradient, check_input_gradient, check_layer,
    check_loss, check_network, layer_objective, numerical_gradient, step_size_sweep, taylor_test,
    taylor_test_layer)
from mininn.layers import Dense  # noqa: E402
from mininn.plotting.gradcheck import plot_step_size_sweep  # noqa: E402

from broken_layers import SigmoidUsingZ, StudentReLU  # noqa: E402

H = gradcheck.DEFAULT_EPS


# ==================================================================== kinks
def test_relu_within_h_of_its_kink_is_reported_as_kink_and_accepted():
    # x[0, 0] and x[0, 1] lie within h of 0: x +- h straddles the kink, and
    # the central difference (a mix of slopes 0 and 1) is meaningless there.
    x = np.array([[0.3 * H, -0.2 * H, 0.5], [1.0, -0.7, 1.2]])
    report = check_layer(ReLU(), x)
    row = report["x"]
    assert report.passed and row.status == "kink"
    assert "2 of 6 perturbations cross a kink" in row.note
    assert "x[0, 0]" in row.note and "kink of ReLU at 0" in row.note
    assert "accepted" in row.note
    assert "kink" in str(report) and "kink" in report._repr_html_()


def test_kink_rows_are_not_silent_passes_but_their_errors_are_small():
    x = np.array([[0.5 * H, 2.0]])
    row = check_layer(LeakyReLU(0.1), x)["x"]
    assert row.status == "kink" and row.ok
    assert row.rel_error < gradcheck.KINK_SLACK


class ReLUDerivativeOneAtZero(ReLU):
    """ReLU'(0) = 1 instead of mininn's 0."""

    def forward(self, z):
        out = super().forward(z)
        self._active = z >= 0
        return out


class ReLUWrongSlope(ReLU):
    """Slope 0.5 instead of 1 for z > 0: simply wrong."""

    def backward(self, da):
        return da * self._active * 0.5


def test_relu_derivative_one_at_zero_is_not_an_error():
    # At z = 0 the one-sided slopes are 0 (left) and 1 (right); every value in
    # [0, 1] is a valid subgradient, so ReLU'(0) = 1 is as right as mininn's
    # ReLU'(0) = 0. Both must be accepted, as "kink".
    x = np.array([[0.0, 1.5, -2.0], [0.0, 0.0, 0.7]])
    for layer in (ReLU(), ReLUDerivativeOneAtZero()):
        report = check_layer(layer, x)
        assert report.passed and report["x"].status == "kink", str(report)


def test_relu_with_a_wrong_slope_elsewhere_fails():
    x = np.array([[0.0, 1.5, -2.0], [0.0, 0.0, 0.7]])
    report = check_layer(ReLUWrongSlope(), x)
    row = report["x"]
    assert row.status == "FAIL" and row.band == "probably wrong"
    assert row.worst_index in ((0, 1), (1, 2))       # the entries with z > 0


def test_a_wrong_slope_at_the_kink_itself_is_rejected():
    class ReLUSlopeTwoAtZero(ReLU):
        def backward(self, da):
            return da * np.where(self._z == 0, 2.0, self._active)

        def forward(self, z):
            self._z = z
            return super().forward(z)

    report = check_layer(ReLUSlopeTwoAtZero(), np.array([[0.0, 1.0]]))
    assert report["x"].status == "FAIL" and "OUTSIDE the one-sided slopes" in report["x"].note


def test_a_students_layer_declares_its_kinks():
    x = np.array([[0.0, 0.2 * H, 1.0]])
    undeclared = check_layer(StudentReLU(), x)
    assert not undeclared.passed
    assert "kink here that the checker was not told about" in undeclared["x"].note

    class Declared(StudentReLU):
        kinks = (0.0,)

    assert check_layer(Declared(), x)["x"].status == "kink"


def _relu_net_with_a_unit_on_its_kink():
    net = mininn.mlp([2, 3, 1], hidden="relu", output="identity", seed=0)
    X = np.array([[0.5, -1.0], [1.0, 2.0], [-0.3, 0.4]])
    dense = net.layers[0]
    # Put unit 1's pre-activation of sample 0 exactly on the kink: z = 0.
    dense.params["b"][1] = -(X[0] @ dense.params["W"][:, 1])
    z = X @ dense.params["W"] + dense.params["b"]
    assert abs(z[0, 1]) < 1e-15
    return net, X


def test_check_network_names_the_unit_at_its_kink():
    net, X = _relu_net_with_a_unit_on_its_kink()
    report = check_network(net, X, np.zeros((3, 1)), "mse")
    assert report.passed, str(report)
    kinks = [row for row in report if row.status == "kink"]
    assert kinks, str(report)
    assert any("the input of unit 1.ReLU[0, 1]" in row.note for row in kinks)


def test_check_input_gradient_is_kink_aware():
    net, X = _relu_net_with_a_unit_on_its_kink()
    report = check_input_gradient(net, X=X)
    assert report.passed and report.rows[0].status == "kink"
    assert "moving X[0, " in report.rows[0].note and "unit 1.ReLU" in report.rows[0].note


def _clipped_objective():
    """An input-search objective: a network's output at the input clipped to [0, 1]."""
    net = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=0)

    def f(x):
        return float(net.forward(np.clip(x, 0, 1)[None])[0, 0])

    def grad(x):
        inside = (x >= 0) & (x <= 1)      # the derivative we *choose* at the edge
        return net.input_gradient(np.clip(x, 0, 1)[None])[0] * inside

    return f, grad


@pytest.mark.parametrize("x", [[0.3, 1.0], [1.0 - 0.3 * H, 0.5], [-0.5 * H, 0.5], [0.0, 1.0]])
def test_box_edges_of_a_clipping_objective_are_kinks(x):
    f, grad = _clipped_objective()
    x = np.array(x)
    report = check_gradient(f, x, grad(x), lo=0.0, hi=1.0)
    row = report.rows[0]
    assert report.passed and row.status == "kink", str(report)
    assert "bound" in row.note


def test_box_edges_a_wrong_gradient_at_the_edge_still_fails():
    f, grad = _clipped_objective()
    x = np.array([0.3, 1.0])
    assert not check_gradient(f, x, 2 * grad(x), lo=0, hi=1).passed
    # ...and without being told about the bounds, the checker cannot accept the edge
    assert not check_gradient(f, x, grad(x)).passed


def test_box_bounds_may_be_arrays_and_away_from_edges_rows_pass():
    f, grad = _clipped_objective()
    x = np.array([0.3, 0.6])
    report = check_gradient(f, x, grad(x), lo=np.zeros(2), hi=np.ones(2))
    assert report.rows[0].status == "pass"


def test_kinks_callable_for_arbitrary_objectives():
    W = np.array([[1.0, -1.0], [0.5, 2.0]])
    b = np.array([0.0, -0.5])
    c = np.array([1.0, 2.0])

    def f(x):
        return float(np.maximum(x @ W + b, 0) @ c)

    def grad(x):
        return W @ (((x @ W + b) > 0) * c)

    x = np.array([0.0, 0.25])            # x @ W + b = [0.125, 0]: unit 1 on its kink
    report = check_gradient(f, x, grad(x), kinks=lambda v: v @ W + b)
    assert report.passed and report.rows[0].status == "kink"
    assert "kinks(x)[1]" in report.rows[0].note


def test_bce_clip_is_a_kink_of_the_loss():
    # p within h of BCE's clip at 1e-12: the loss is flat beyond it.
    loss = mininn.BinaryCrossEntropy()
    report = check_loss(loss, np.array([[0.5 * H, 0.4]]), np.array([[1.0, 0.0]]))
    assert report.passed and report.rows[0].status == "kink"
    assert "clip of BinaryCrossEntropy" in report.rows[0].note


def test_ill_conditioned_numeric_values_are_flagged_as_uncertain():
    # BCE on a saturated probability: log(1 - p) with 1 - p ~ 5e-8 amplifies
    # round-off, so central differences cannot be trusted; the report says so
    # -- "cannot tell" -- and does not blame mininn's correct code.
    net = mininn.mlp([20, 30, 30, 5], hidden="sigmoid", output="sigmoid", init="uniform", seed=0)
    rng = np.random.default_rng(100)
    X = rng.uniform(0, 1, (10, 20))
    report = check_network(net, X, rng.uniform(0, 1, (10, 5)), "bce", seed=0)
    assert report.passed and not report.failures, str(report)
    assert report.uncertain and all("cannot tell" in row.note for row in report.uncertain)
    assert "cannot tell" in str(report)


# ================================================================ step size
def _tanh_objective(seed=0):
    x = np.random.default_rng(seed).normal(size=(4, 3))
    f, g = layer_objective(Tanh(), x, seed=seed)
    return f, x, g


def test_step_size_sweep_shows_truncation_and_round_off():
    f, x, g = _tanh_objective()
    sweep = step_size_sweep(f, x, g)
    assert isinstance(sweep, StepSizeSweep)
    assert sweep.steps.shape == sweep.errors.shape == (23,)
    assert sweep.steps[0] == pytest.approx(1e-1) and sweep.steps[-1] == pytest.approx(1e-12)
    # Truncation ~ h^2 on the right, round-off ~ 1/h on the left, the best h
    # near (eps_mach)^(1/3) ~ 1e-5 -- the reason for DEFAULT_EPS.
    assert 1e-7 <= sweep.best_step <= 1e-3
    assert sweep.best_error < 1e-9
    assert sweep.truncation_slope == pytest.approx(2.0, abs=0.2)
    assert -1.5 < sweep.roundoff_slope < -0.5
    assert sweep.errors[0] > 1e3 * sweep.best_error and sweep.errors[-1] > 1e3 * sweep.best_error
    assert "best step" in str(sweep)


def test_step_size_sweep_custom_steps_and_x_untouched():
    f, x, g = _tanh_objective(1)
    before = x.copy()
    sweep = step_size_sweep(f, x, g, steps=[1e-2, 1e-4, 1e-6])
    assert sweep.best_step in (1e-4, 1e-6)
    assert np.array_equal(x, before)
    with pytest.raises(ValueError, match="steps"):
        step_size_sweep(f, x, g, steps=[1e-3, -1.0])
    with pytest.raises(ValueError, match="grad must have the shape of x"):
        step_size_sweep(f, x, g[:1])


def test_plot_step_size_sweep_draws_the_curve_and_reference_slopes():
    f, x, g = _tanh_objective()
    sweep = step_size_sweep(f, x, g)
    shown = []
    original_show = plt.show
    plt.show = lambda *a, **k: shown.append(1)
    try:
        ax = plot_step_size_sweep(sweep)
    finally:
        plt.show = original_show
    assert not shown                                    # never plt.show()
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    lines = {line.get_label(): line for line in ax.get_lines()}
    data = lines["max error of central difference"]
    np.testing.assert_array_equal(data.get_xdata(), sweep.steps)
    np.testing.assert_array_equal(data.get_ydata(), sweep.errors)

    def slope(line):
        xs, ys = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        return np.log(ys[-1] / ys[0]) / np.log(xs[-1] / xs[0])

    two = next(line for label, line in lines.items() if label.startswith("slope 2"))
    minus_one = next(line for label, line in lines.items() if label.startswith("slope -1"))
    assert slope(two) == pytest.approx(2.0) and slope(minus_one) == pytest.approx(-1.0)
    best = next(line for label, line in lines.items() if label.startswith("best h"))
    assert best.get_xdata()[0] == sweep.best_step
    assert ax.get_xlabel() == "step h"
    # on given axes, the same Axes comes back
    fig, given = plt.subplots()
    assert plot_step_size_sweep(sweep, ax=given) is given
    with pytest.raises(TypeError, match="sweep must be a StepSizeSweep"):
        plot_step_size_sweep([1, 2, 3])


def test_matplotlib_is_imported_lazily():
    code = ("import sys, mininn; before = 'matplotlib' in sys.modules; "
            "import mininn.gradcheck; print(before, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after = out.stdout.split()
    assert after == before


# ============================================================== complex step
ANALYTIC = [lambda: Dense(3, 4, seed=0), lambda: Dense(5, 2, init="uniform", seed=1),
            Sigmoid, Tanh, Softplus, mininn.Identity]


@pytest.mark.parametrize("make", ANALYTIC)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_complex_step_agrees_with_analytic_to_1e13(make, seed):
    layer = make()
    n_in = getattr(layer, "n_in", 3)
    x = np.clip(np.random.default_rng(seed).normal(size=(6, n_in)), -2.5, 2.5)
    report = check_layer(layer, x, seed=seed, method="complex")
    assert report.method == "complex" and report.eps == gradcheck.COMPLEX_EPS
    assert report.passed
    assert all(row.rel_error < 1e-13 for row in report), str(report)
    assert "complex step" in str(report)


def test_complex_step_is_more_accurate_than_one_minus_tanh_squared_at_large_z():
    # Tanh's backward forms 1 - a^2 with a = tanh(z) close to 1: for |z| >> 1
    # that subtraction keeps an ABSOLUTE error of ~1e-16 but loses relative
    # precision (tanh'(10) = 8e-9 comes out with relative error ~1e-8). The
    # complex step has no subtraction and stays exact -- and the row still
    # passes, because the error is at round-off level.
    x = np.array([[0.5, 10.0, -12.0, 16.0]])
    row = check_layer(Tanh(), x, method="complex", seed=0)["x"]
    assert row.ok and 1e-13 < row.rel_error < gradcheck.RTOL
    assert row.abs_error < 1e-15
    # sigmoid and softplus are formed without that cancellation on the left:
    assert check_layer(Softplus(), 30 * x, method="complex")["x"].rel_error < 1e-13


def test_complex_step_leaves_dense_parameters_exactly_as_they_were():
    layer = Dense(3, 2, seed=0)
    W, b = layer.params["W"], layer.params["b"]
    copies = W.copy(), b.copy()
    check_layer(layer, np.ones((2, 3)), method="complex")
    assert layer.params["W"] is W and layer.params["b"] is b
    assert np.array_equal(W, copies[0]) and np.array_equal(b, copies[1])
    assert W.dtype == np.float64 and layer.grads["W"].dtype == np.float64


@pytest.mark.parametrize("layer", [ReLU(), LeakyReLU(), LeakyReLU(0.3)])
def test_complex_step_refuses_layers_that_are_not_analytic(layer):
    with pytest.raises(ValueError, match="not analytic"):
        check_layer(layer, np.ones((2, 2)), method="complex")


def test_complex_step_on_a_students_layer_needs_analytic_true():
    class Cube:
        params, grads = {}, {}

        def forward(self, x):
            self._x = x
            return x ** 3

        def backward(self, dy):
            return 3 * self._x ** 2 * dy

    x = np.random.default_rng(0).normal(size=(3, 2))
    with pytest.raises(ValueError, match="analytic = True"):
        check_layer(Cube(), x, method="complex")
    Cube.analytic = True
    report = check_layer(Cube(), x, method="complex")
    assert report.passed and report.rows[0].rel_error < 1e-13


def test_complex_step_catches_a_wrong_gradient():
    report = check_layer(SigmoidUsingZ(), np.random.default_rng(0).normal(size=(3, 2)),
                         method="complex")
    assert not report.passed


def test_complex_step_needs_f_to_keep_the_imaginary_part():
    with pytest.raises(TypeError, match="dropped the imaginary part"):
        numerical_gradient(lambda v: np.sum(np.abs(v)).real, np.ones(2), method="complex")


# ============================================================== Taylor test
@pytest.mark.parametrize("make", [Tanh, Sigmoid, Softplus])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_taylor_slope_of_a_correct_layer_is_two(make, seed):
    x = np.random.default_rng(seed).normal(size=(4, 3))
    result = taylor_test_layer(make(), x, seed=seed)["x"]
    assert result.passed and result.slope == pytest.approx(2.0, abs=0.1), str(result)
    assert "right" in result.verdict


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_taylor_slope_of_a_broken_layer_is_one(seed):
    x = np.random.default_rng(seed).normal(size=(4, 3))
    result = taylor_test_layer(SigmoidUsingZ(), x, seed=seed)["x"]
    assert not result.passed and result.slope == pytest.approx(1.0, abs=0.1), str(result)
    assert "WRONG" in result.verdict


def test_taylor_test_of_dense_linear_parts_and_the_cross_term():
    layer = Dense(3, 4, seed=0)
    results = taylor_test_layer(layer, np.random.default_rng(0).normal(size=(5, 3)), seed=0)
    assert set(results) == {"x", "W", "b", "all"}
    # f is linear in x alone (and in W alone): the remainder is pure round-off
    for key in ("x", "W", "b"):
        assert results[key].passed and np.isnan(results[key].slope)
        assert "linear" in results[key].verdict
    # moving x and W together leaves the term eps^2 u V dy: slope 2
    assert results["all"].slope == pytest.approx(2.0, abs=0.1)


def test_taylor_test_of_a_broken_dense_parameter():
    class DenseWrongW(Dense):
        def backward(self, dy):
            dx = super().backward(dy)
            self.grads["W"] = self.grads["W"] * 1.5
            return dx

    results = taylor_test_layer(DenseWrongW(3, 2, seed=0), np.ones((4, 3)), seed=0)
    assert not results["W"].passed and results["W"].slope == pytest.approx(1.0, abs=0.1)
    assert results["b"].passed and not results["all"].passed


def test_taylor_test_on_a_function():
    x = np.random.default_rng(0).normal(size=5)

    def f(v):
        return float(np.sum(np.sin(v) * v))

    right = np.cos(x) * x + np.sin(x)
    assert taylor_test(f, x, right, seed=0).slope == pytest.approx(2.0, abs=0.1)
    assert taylor_test(f, x, right + 0.01, seed=0).slope == pytest.approx(1.0, abs=0.1)
    result = taylor_test(f, x, right, direction=np.eye(5)[2], epsilons=[1e-2, 1e-3, 1e-4, 1e-5])
    assert result.residuals.shape == (4,) and result.slope == pytest.approx(2.0, abs=0.1)
    assert "Taylor test" in str(result)
    with pytest.raises(ValueError, match="direction must not be zero"):
        taylor_test(f, x, right, direction=np.zeros(5))
    with pytest.raises(ValueError, match="direction must have the shape"):
        taylor_test(f, x, right, direction=np.ones(4))
    with pytest.raises(ValueError, match="epsilons"):
        taylor_test(f, x, right, epsilons=[1e-2, 1e-3])
    with pytest.raises(ValueError, match="grad must have the shape of x"):
        taylor_test(f, x, right[:2])


# ============================================================== big networks
def _big_problem(hidden="tanh", seed=0):
    rng = np.random.default_rng(seed)
    net = mininn.mlp([64, 32, 10], hidden=hidden, output="identity", seed=seed)
    return net, rng.normal(size=(16, 64)), rng.integers(0, 10, 16)


@pytest.mark.parametrize("hidden", ["tanh", "relu"])
def test_full_check_of_a_64_32_10_network_every_parameter_and_the_input(hidden):
    # Every entry: 2410 parameters + 1024 inputs, two loss evaluations each
    # (the issue asks for under 2 s).
    net, X, y = _big_problem(hidden)
    report = check_network(net, X, y, "softmax_cross_entropy")
    assert report.passed, str(report)
    assert set(report.names) == {"0.Dense.W", "0.Dense.b", "2.Dense.W", "2.Dense.b", "X"}
    assert all(row.mode == "full" and row.checked == row.size for row in report)
    assert sum(row.size for row in report) == 2410 + 16 * 64


def test_directional_mode_checks_v_J_u_with_a_few_passes():
    net, X, y = _big_problem()
    report = check_network(net, X, y, "softmax_cross_entropy", mode="directional", n_directions=2)
    assert report.passed
    assert all(row.mode == "directional" and row.checked == 2 for row in report)
    assert "2 directions" in str(report)


def test_directional_mode_on_a_layer():
    report = check_layer(Dense(6, 5, seed=0), np.ones((3, 6)), mode="directional")
    assert report.passed and all(row.worst_index is None for row in report)


def test_directional_mode_falls_back_to_the_full_check_when_it_fails():
    report = check_layer(SigmoidUsingZ(), np.random.default_rng(0).normal(size=(3, 4)),
                         mode="directional")
    row = report["x"]
    assert row.status == "FAIL" and row.mode == "full" and row.checked == 12
    assert "directional check failed" in row.note and row.worst_index is not None


def test_sampled_mode_checks_m_random_entries_per_parameter():
    net, X, y = _big_problem()
    report = check_network(net, X, y, "softmax_cross_entropy", mode="sampled", n_samples=7,
                           seed=3)
    assert report.passed
    for row in report:
        assert row.mode == "sampled" and row.checked == min(7, row.size)
    assert "7/2048 sampled" in str(report)
    again = check_network(net, X, y, "softmax_cross_entropy", mode="sampled", n_samples=7,
                          seed=3)
    assert [r.worst_index for r in again] == [r.worst_index for r in report]   # seeded


def test_sampled_mode_still_catches_a_wrong_layer():
    report = check_layer(SigmoidUsingZ(), np.random.default_rng(0).normal(size=(5, 5)),
                         mode="sampled", n_samples=3, seed=0)
    assert not report.passed and report["x"].checked == 3


# ================================================================= hygiene
def test_float32_input_warns_about_round_off_and_checks_in_float64():
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    with pytest.warns(PrecisionWarning, match="round-off") as record:
        report = check_layer(Tanh(), x)
    assert "float64 on a copy" in str(record[0].message)
    assert report.passed and x.dtype == np.float32


def test_float32_parameters_warn_and_are_given_back_untouched():
    layer = Dense(3, 2, seed=0)
    layer.params["W"] = layer.params["W"].astype(np.float32)
    W = layer.params["W"]
    before = W.copy()
    with pytest.warns(PrecisionWarning, match=r"layer.params\['W'\] is float32"):
        report = check_layer(layer, np.ones((2, 3)))
    assert report.passed
    assert layer.params["W"] is W and W.dtype == np.float32 and np.array_equal(W, before)


def test_integer_input_is_cast_on_a_copy():
    x = np.array([[1, -2, 3], [0, 4, -1]])
    before = x.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")        # integers are exact: no warning
        report = check_layer(Dense(3, 2, seed=0), x)
    assert report.passed and x.dtype == before.dtype and np.array_equal(x, before)


@pytest.mark.parametrize("mode", ["full", "sampled", "directional"])
def test_callers_arrays_and_parameters_are_left_exactly_as_they_were(mode):
    net = mininn.mlp([3, 4, 2], hidden="relu", output="sigmoid", seed=0)
    params = [p for p in net.parameters()]
    copies = [p.copy() for p in params]
    X = np.random.default_rng(0).normal(size=(5, 3))
    y = np.random.default_rng(1).uniform(0, 1, (5, 2))
    X0, y0 = X.copy(), y.copy()
    check_network(net, X, y, "bce", mode=mode)
    check_input_gradient(net, 1, X=X)
    for layer in net.layers:
        check_layer(layer, X if layer is net.layers[0] else np.ones((5, 4)), mode=mode)
    assert np.array_equal(X, X0) and np.array_equal(y, y0)
    assert all(p is q for p, q in zip(net.parameters(), params))
    assert all(np.array_equal(p, c) for p, c in zip(params, copies))


def test_grads_hold_the_checked_analytic_gradients_afterwards():
    layer = Dense(3, 2, seed=0)
    x = np.random.default_rng(0).normal(size=(4, 3))
    report = check_layer(layer, x)
    row = report["W"]
    assert layer.grads["W"][row.worst_index] == row.analytic


def test_check_gradient_and_taylor_never_touch_x():
    x = np.array([0.3, 0.7])
    before = x.copy()
    check_gradient(lambda v: float(np.sum(v ** 2)), x, 2 * x)
    taylor_test(lambda v: float(np.sum(v ** 2)), x, 2 * x)
    assert np.array_equal(x, before)


# ================================================================== report
def test_report_bands_sit_next_to_each_row():
    x = np.random.default_rng(0).normal(size=(3, 2))
    lines = str(check_layer(SigmoidUsingZ(), x)).splitlines()
    assert lines[1].split()[:4] == ["status", "name", "rel.", "error"]
    assert "probably wrong" in lines[3]
    assert "good" in str(check_layer(Tanh(), x)).splitlines()[3]
