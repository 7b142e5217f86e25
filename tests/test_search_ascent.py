"""Tests for mininn.search.ascent: continuous input search in a box.

The 2016 story first (the unconstrained search leaves the unit square, the
constrained ones find [0, 1], the sigmoid reparametrisation stalls from the
2016 start), then gradients against central finite differences, optimisers
against optima known by hand, batching, the result object and bad input.
"""
from __future__ import annotations

import inspect
import re
import warnings

import numpy as np
import pytest

import mininn
from mininn.search import (
    AscentResult,
    find_input,
    maximize_input,
    minimize_input,
    reach_target,
)
from mininn.search.ascent_problem import make_problem

METHODS = ["none", "projected", "sigmoid", "mirror"]
BOXED = ["projected", "sigmoid", "mirror"]


# --------------------------------------------------------------------------
# fixtures: the 2016 network and small nets with known optima
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def net2016():
    """The 2016 network: 2-3-1 sigmoid, uniform init, per-sample SGD, lr 0.1, 5000 epochs."""
    X = np.array([[0, 1], [1, 0], [1, 1], [0, 0]], dtype=float)
    y = np.array([1, 0, 0, 0], dtype=float)
    net = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=0)
    mininn.fit(net, X, y, "mse", mininn.SGD(0.1), epochs=5000, batch_size=1, seed=0)
    out = net.forward(X)[:, 0]
    assert out[0] > 0.9 and np.all(out[1:] < 0.1), out   # it learnt the task
    return net


def start_2016(seed: int) -> np.ndarray:
    """The 2016 start: x0 = [1, u], u ~ U[0, 1) from the seed."""
    return np.array([1.0, np.random.default_rng(seed).random()])


def linear_sigmoid(w, b=0.1, activation=mininn.Sigmoid):
    """f(x) = activation(x @ w + b): its maximiser over a box is hi where w > 0, lo where w < 0."""
    w = np.asarray(w, dtype=float)
    net = mininn.Sequential([mininn.Dense(w.size, 1, seed=0), activation()])
    net[0].params["W"][:] = w[:, None]
    net[0].params["b"][:] = b
    return net


W4 = np.array([2.0, -1.5, 0.5, -3.0])
LO4 = np.array([-1.0, 0.0, -2.0, 0.5])
HI4 = np.array([1.0, 2.0, 0.0, 1.5])


def numeric_gradient(fun, c, h=1e-6):
    """Central differences of fun: (n, k) -> (n,), one coordinate at a time, all rows at once."""
    grad = np.empty_like(c)
    for i in range(c.shape[1]):
        e = np.zeros_like(c)
        e[:, i] = h
        grad[:, i] = (fun(c + e) - fun(c - e)) / (2 * h)
    return grad


def assert_first_order(res):
    """KKT holds at a corner optimum -- except that "sigmoid" only approaches the bounds."""
    if res.method == "sigmoid":
        # x = lo + (hi - lo) sigma(z) nears a bound only as z -> inf, and
        # sigma' shrinks on the way: after 2000 Adam steps x is still ~1e-4
        # short of the bound, just outside the KKT tolerance (1e-4 of the
        # width). The projected gradient is that small distance.
        assert np.all(res.grad_norm < 1e-3)
        assert np.all(res.grad_norm > 0)
    else:
        assert res.kkt.all()


def rel_error(a, n):
    return np.max(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-8))


# --------------------------------------------------------------------------
# the 2016 story
# --------------------------------------------------------------------------

def test_projected_from_2016_start_finds_0_1(net2016):
    res = maximize_input(net2016, x0=start_2016(0), method="projected")
    np.testing.assert_allclose(res.x, [0.0, 1.0], atol=0.05)
    assert res.inside.all() and res.kkt.all()
    assert res.value == pytest.approx(net2016.forward(res.x[None])[0, 0])


def test_sigmoid_from_centre_finds_0_1(net2016):
    res = maximize_input(net2016, method="sigmoid")            # no x0: the box centre
    np.testing.assert_array_equal(res.trajectory[0], [[0.5, 0.5]])
    np.testing.assert_allclose(res.x, [0.0, 1.0], atol=0.05)
    assert res.inside.all()


@pytest.mark.parametrize("goal, target", [("max", None), ("target", 1.0)])
def test_none_leaves_the_unit_square(net2016, goal, target):
    # The 2016 failure, reproduced: descent on (f - 1)^2 (or ascent on f)
    # with nothing keeping x in [0, 1]^2 walks out of the square.
    res = find_input(net2016, goal=goal, target=target, x0=start_2016(0), method="none")
    assert not res.inside[0]
    assert res.x[1] > 1.0
    # ... and the output outside is higher than anywhere in the square's corners
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    assert res.value > net2016.forward(corners).max()


def test_sigmoid_from_2016_start_stalls(net2016):
    # Known behaviour, shown not hidden: x0[0] = 1 sits in the sigmoid's flat
    # tail (z = logit(1 - 1e-12) = 27.6, dx/dz ~ 1e-12), so the coordinate
    # never comes back. Ten 2016 starts (seeds 0..9) in one batch.
    X0 = np.array([start_2016(s) for s in range(10)])
    sig = maximize_input(net2016, x0=X0, method="sigmoid")
    stalled = np.max(np.abs(sig.xs - [0.0, 1.0]), axis=1) > 0.05
    # Measured: all 10 stall on the wrong edge x0 = 1 (see the module docstring).
    assert stalled.sum() == 10
    assert np.all(sig.xs[:, 0] > 0.99)
    assert not sig.kkt.any()                     # and the KKT check says so
    assert sig.stop_reason == "steps"      # grad_tol is measured in x: a stall is not convergence
    # The same ten starts with projection all reach the optimum.
    proj = maximize_input(net2016, x0=X0, method="projected")
    np.testing.assert_allclose(proj.xs, np.tile([0.0, 1.0], (10, 1)), atol=0.05)


def test_mirror_from_2016_start_is_slow_not_stalled(net2016):
    X0 = np.array([start_2016(s) for s in range(3)])
    res = maximize_input(net2016, x0=X0, method="mirror", optimizer=mininn.Adam(0.1))
    np.testing.assert_allclose(res.xs, np.tile([0.0, 1.0], (3, 1)), atol=0.05)


# --------------------------------------------------------------------------
# the search's gradient against finite differences of its own objective
# --------------------------------------------------------------------------

GRAD_CASES = [
    # (method, goal, target, penalty, use_logit)
    ("none", "max", None, 0.0, False),
    ("projected", "min", None, 0.0, False),
    ("projected", "target", 0.7, 0.0, False),
    ("projected", "max", None, 0.3, False),
    ("sigmoid", "max", None, 0.0, False),
    ("sigmoid", "min", None, 0.5, False),
    ("sigmoid", "target", 0.2, 0.1, False),
    ("mirror", "max", None, 0.2, False),
    ("projected", "max", None, 0.0, True),
    ("sigmoid", "target", 0.9, 0.4, True),
    ("mirror", "min", None, 0.3, True),
]


@pytest.mark.parametrize("method, goal, target, penalty, use_logit", GRAD_CASES)
def test_search_gradient_matches_finite_differences(method, goal, target, penalty, use_logit):
    # A random 3-5-2 tanh/sigmoid net, 4 points, per-feature bounds.
    net = mininn.mlp([3, 5, 2], hidden="tanh", output="sigmoid", seed=1)
    lo, hi = np.array([-1.0, 0.0, 0.5]), np.array([1.0, 2.0, 3.0])
    X = np.random.default_rng(2).uniform(lo + 0.1, hi - 0.1, size=(4, 3))
    problem, _ = make_problem(net, 1, goal=goal, target=target, x0=X, bounds=(lo, hi),
                              method=method, penalty=penalty, reference=np.array([0.2, 1.5, 1.0]),
                              use_logit=use_logit)
    sign = -1.0 if goal == "max" else 1.0       # the optimiser descends on L = sign * J

    def loss_c(c):
        return sign * problem.evaluate(c)[2]

    c = problem.to_coords(X)
    x, value, J, grad_c, grad_x = problem.evaluate(c)
    np.testing.assert_allclose(x, X, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(value, net.forward(X)[:, 1], rtol=1e-14)   # the real output
    if method == "mirror":
        # mirror moves u with the x-gradient: compare with d L / d x.
        def loss_x(xs):
            return sign * problem.evaluate(problem.to_coords(xs))[2]
        num = numeric_gradient(loss_x, X)
        assert rel_error(grad_c, num) < 1e-7
    else:
        num = numeric_gradient(loss_c, c)
        assert rel_error(grad_c, num) < 1e-7
    # and grad_x is d L / d x whatever the coordinates
    problem_x, _ = make_problem(net, 1, goal=goal, target=target, x0=X, bounds=(lo, hi),
                                method="projected", penalty=penalty,
                                reference=np.array([0.2, 1.5, 1.0]), use_logit=use_logit)
    num_x = numeric_gradient(lambda xs: sign * problem_x.evaluate(xs)[2], X)
    assert rel_error(grad_x, num_x) < 1e-7


def test_objective_formula_by_hand():
    # f(x) = sigmoid(x @ w + b); target 0.3, penalty 0.5 toward r: J = (f - t)^2 + p |x - r|^2.
    net = linear_sigmoid([1.0, -2.0], b=0.5)
    x = np.array([[0.2, 0.7]])
    r = np.array([0.1, 0.4])
    problem, _ = make_problem(net, 0, goal="target", target=0.3, x0=x, penalty=0.5, reference=r)
    f = 1.0 / (1.0 + np.exp(-(0.2 - 1.4 + 0.5)))
    expected = (f - 0.3) ** 2 + 0.5 * ((0.2 - 0.1) ** 2 + (0.7 - 0.4) ** 2)
    assert problem.evaluate(x.copy())[2][0] == pytest.approx(expected, rel=1e-14)
    # with use_logit the objective is on the pre-activation: (g - logit(0.3))^2 + penalty
    problem, _ = make_problem(net, 0, goal="target", target=0.3, x0=x, penalty=0.5, reference=r,
                              use_logit=True)
    g = 0.2 - 1.4 + 0.5
    expected = (g - np.log(0.3 / 0.7)) ** 2 + 0.5 * (0.1 ** 2 + 0.3 ** 2)
    assert problem.evaluate(x.copy())[2][0] == pytest.approx(expected, rel=1e-13)


# --------------------------------------------------------------------------
# optimisers against optima known by hand
# --------------------------------------------------------------------------

@pytest.mark.parametrize("method", BOXED)
def test_maximiser_of_monotone_net_is_the_signed_corner(method):
    # f = sigmoid(x @ w + b) is increasing in x_i where w_i > 0: the maximiser
    # in the box is hi there and lo where w_i < 0.
    net = linear_sigmoid(W4)
    res = maximize_input(net, n_starts=5, bounds=(LO4, HI4), method=method, seed=3,
                         optimizer=mininn.Adam(0.1), steps=2000)
    expected = np.where(W4 > 0, HI4, LO4)
    np.testing.assert_allclose(res.xs, np.tile(expected, (5, 1)), atol=1e-2 * (HI4 - LO4).max())
    assert res.inside.all()
    assert_first_order(res)


@pytest.mark.parametrize("method", BOXED)
def test_minimiser_of_monotone_net_is_the_opposite_corner(method):
    # At the minimiser the pre-activation is -10.4 and f ~ 3e-5: the output
    # sigmoid saturates and its gradient fades (Adam, remembering the early
    # large gradients, then takes tiny steps). Optimising the logit -- the
    # same minimiser -- is the remedy, and what this test uses.
    net = linear_sigmoid(W4)
    res = minimize_input(net, n_starts=3, bounds=(LO4, HI4), method=method, seed=4,
                         optimizer=mininn.Adam(0.1), steps=2000, use_logit=True)
    expected = np.where(W4 > 0, LO4, HI4)
    np.testing.assert_allclose(res.xs, np.tile(expected, (3, 1)), atol=2e-2)
    assert res.goal == "min"
    assert_first_order(res)
    assert res.value == pytest.approx(net.forward(expected[None])[0, 0], abs=1e-3)


def test_projected_lands_exactly_on_the_corner():
    net = linear_sigmoid(W4)
    res = maximize_input(net, x0=(LO4 + HI4) / 2, bounds=(LO4, HI4), method="projected",
                         steps=5000)
    np.testing.assert_array_equal(res.x, np.where(W4 > 0, HI4, LO4))
    assert res.stop_reason == "grad_tol" and res.grad_norm[0] == 0.0


def test_penalty_gives_the_interior_optimum_by_hand():
    # f(x) = x @ w + b (identity output). Maximising w.x - p |x - r|^2 sets
    # w - 2 p (x - r) = 0, i.e. x* = r + w / (2p) = [0.5, 0.5] + [1, -0.5] / 4.
    net = linear_sigmoid([1.0, -0.5], b=0.0, activation=mininn.Identity)
    for method in BOXED:
        res = maximize_input(net, penalty=2.0, method=method, steps=2000, grad_tol=1e-10)
        np.testing.assert_allclose(res.x, [0.75, 0.375], atol=1e-6)
        assert res.kkt.all()
        assert res.objective == pytest.approx(0.75 - 0.5 * 0.375 - 2.0 * (0.25**2 + 0.125**2))


@pytest.mark.parametrize("method", BOXED)
@pytest.mark.parametrize("use_logit", [False, True])
def test_target_goal_hits_the_target(method, use_logit):
    net = linear_sigmoid(W4)
    res = reach_target(net, target=0.3, n_starts=4, bounds=(LO4, HI4), method=method, seed=5,
                       optimizer=mininn.Adam(0.05), steps=3000, use_logit=use_logit)
    np.testing.assert_allclose(res.values, 0.3, atol=1e-4)
    assert res.goal == "target" and res.target == 0.3
    assert res.inside.all()


def test_use_logit_reaches_the_corner_when_the_output_is_saturated():
    # f = sigmoid(-100 x0 + 100 x1 + 60): sigma(z) is exactly 1.0 for z > ~37,
    # so on most of the box f == 1.0 and its gradient is exactly 0.
    net = linear_sigmoid([-100.0, 100.0], b=60.0)
    grid = np.stack(np.meshgrid(np.linspace(0, 1, 21), np.linspace(0, 1, 21)), -1).reshape(-1, 2)
    assert np.mean(net.forward(grid)[:, 0] == 1.0) > 0.5
    assert np.all(net.input_gradient(np.array([[0.5, 0.5]])) == 0.0)
    # On the probability the search cannot move: the gradient is exactly 0.
    plain = maximize_input(net, method="projected")
    np.testing.assert_array_equal(plain.x, [0.5, 0.5])
    assert plain.n_iter == 0 and plain.stop_reason == "grad_tol"
    # On the logit it walks to the true maximiser [0, 1]; reported values stay probabilities.
    for method in BOXED:
        res = maximize_input(net, method=method, use_logit=True, optimizer=mininn.Adam(0.05),
                             steps=1000)
        np.testing.assert_allclose(res.x, [0.0, 1.0], atol=1e-2)
        assert res.value == net.forward(res.x[None])[0, 0] == 1.0
        assert res.objective > 150.0          # the logit, near -0 + 100 + 60


# --------------------------------------------------------------------------
# batching, reproducibility, recording
# --------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("make_opt", [lambda: None, lambda: mininn.Adam(0.05),
                                      lambda: mininn.SGD(0.1, momentum=0.9)])
def test_n_starts_at_once_equal_each_start_alone(net2016, method, make_opt):
    X0 = np.random.default_rng(7).random((4, 2))
    together = maximize_input(net2016, x0=X0, method=method, optimizer=make_opt(),
                              steps=200, grad_tol=0.0, penalty=0.1)
    for i in range(4):
        alone = maximize_input(net2016, x0=X0[i], method=method, optimizer=make_opt(),
                               steps=200, grad_tol=0.0, penalty=0.1)
        np.testing.assert_allclose(together.trajectory[:, i], alone.trajectory[:, 0],
                                   rtol=0, atol=1e-12)
        np.testing.assert_allclose(together.trajectory_values[:, i],
                                   alone.trajectory_values[:, 0], rtol=0, atol=1e-12)


def test_random_starts_are_reproducible_and_in_the_box():
    net = linear_sigmoid(W4)
    a = maximize_input(net, n_starts=6, bounds=(LO4, HI4), seed=11, steps=5)
    b = maximize_input(net, n_starts=6, bounds=(LO4, HI4), seed=11, steps=5)
    c = maximize_input(net, n_starts=6, bounds=(LO4, HI4), seed=12, steps=5)
    np.testing.assert_array_equal(a.trajectory, b.trajectory)
    assert not np.array_equal(a.trajectory[0], c.trajectory[0])
    assert np.all((a.trajectory[0] >= LO4) & (a.trajectory[0] < HI4))
    # a Generator is used as given
    d = maximize_input(net, n_starts=6, bounds=(LO4, HI4), seed=np.random.default_rng(11), steps=5)
    np.testing.assert_array_equal(a.trajectory, d.trajectory)


@pytest.mark.parametrize("steps, every, expected", [
    (10, 1, list(range(11))),
    (10, 3, [0, 3, 6, 9, 10]),
    (9, 3, [0, 3, 6, 9]),
    (5, 10, [0, 5]),
])
def test_record_every_shapes(net2016, steps, every, expected):
    res = maximize_input(net2016, n_starts=3, steps=steps, record_every=every, grad_tol=0.0,
                         seed=0)
    assert res.steps.tolist() == expected
    assert res.trajectory.shape == (len(expected), 3, 2)
    assert res.trajectory_values.shape == (len(expected), 3)
    assert res.n_iter == steps and res.stop_reason == "steps"
    np.testing.assert_array_equal(res.trajectory[-1], res.xs)
    np.testing.assert_array_equal(res.trajectory_values[-1], res.values)
    np.testing.assert_allclose(res.trajectory_values, net2016.forward(res.trajectory.reshape(-1, 2))
                               .reshape(len(expected), 3), rtol=1e-14)


def test_early_stop_records_the_final_step():
    net = linear_sigmoid(W4)
    res = maximize_input(net, bounds=(LO4, HI4), steps=10000, record_every=7)
    assert res.stop_reason == "grad_tol" and res.n_iter < 10000
    assert res.steps[-1] == res.n_iter and np.all(np.diff(res.steps) > 0)
    assert np.all(res.grad_norm < 1e-6)


def test_the_callers_optimizer_is_not_touched(net2016):
    opt = mininn.SGD(0.1, momentum=0.9)
    maximize_input(net2016, optimizer=opt, steps=20)
    assert opt.t == 0
    # no velocity was left behind: its next step is a fresh optimiser's step
    a, b = np.ones(2), np.ones(2)
    opt.step([a], [np.full(2, 0.5)])
    mininn.SGD(0.1, momentum=0.9).step([b], [np.full(2, 0.5)])
    np.testing.assert_array_equal(a, b)
    adam = mininn.Adam(0.01)
    first = maximize_input(net2016, optimizer=adam, steps=20, grad_tol=0.0)
    again = maximize_input(net2016, optimizer=adam, steps=20, grad_tol=0.0)
    np.testing.assert_array_equal(first.x, again.x)


# --------------------------------------------------------------------------
# KKT check and the result object
# --------------------------------------------------------------------------

def test_kkt_true_at_the_optimum_false_elsewhere(net2016):
    found = maximize_input(net2016, x0=start_2016(0), method="projected")
    assert found.kkt.all()
    one_step = maximize_input(net2016, method="projected", steps=1)     # still near the centre
    assert not one_step.kkt.any()
    # a start on the wrong corner: the gradient points into the box there
    wrong = maximize_input(net2016, x0=[1.0, 0.0], method="projected", steps=1)
    assert not wrong.kkt.any() and wrong.grad_norm[0] > 1e-3
    # the opposite goal at the maximiser fails the check too
    minim = minimize_input(net2016, x0=[0.0, 1.0], method="projected", steps=1)
    assert not minim.kkt[0]


def test_kkt_for_none_is_plain_stationarity(net2016):
    res = maximize_input(net2016, x0=start_2016(0), method="none", steps=3)
    assert not res.kkt[0]
    grad = net2016.input_gradient(res.x[None])
    assert res.grad_norm[0] == pytest.approx(np.linalg.norm(grad), rel=1e-12)


def test_result_fields_and_summary(net2016):
    res = maximize_input(net2016, n_starts=3, method="mirror", steps=50, seed=1)
    assert isinstance(res, AscentResult)
    assert res.x.shape == (2,) and isinstance(res.value, float)
    assert res.xs.shape == (3, 2) and res.values.shape == (3,) and res.objectives.shape == (3,)
    assert res.grad_norm.shape == (3,) and res.kkt.dtype == bool and res.inside.dtype == bool
    assert res.best == int(np.argmax(res.values))
    np.testing.assert_array_equal(res.x, res.xs[res.best])
    assert res.value == res.values[res.best]
    assert res.objective == res.objectives[res.best]
    assert res.method == "mirror" and res.goal == "max" and res.output == 0
    assert res.target is None and res.seconds >= 0.0
    np.testing.assert_array_equal(res.bounds[0], [0, 0])
    np.testing.assert_array_equal(res.bounds[1], [1, 1])
    text = repr(res)
    assert "mirror" in text and "n_iter=50" in text and len(text) < 400
    lines = res.summary().splitlines()
    assert "kkt" in lines[1] and lines[-1] == "(* = best start)"
    starts = [line.split()[0] for line in lines[3:-1]]
    assert starts == [f"{i}" for i in range(3)]          # one row per start ...
    assert [line for line in lines[3:-1] if " * " in line][0].startswith(f"{res.best} *")
    assert "<table>" in res._repr_html_()


def test_best_for_min_and_target(net2016):
    res = minimize_input(net2016, n_starts=5, steps=3, seed=2)
    assert res.best == int(np.argmin(res.values))
    res = reach_target(net2016, target=0.5, n_starts=5, steps=3, seed=2)
    assert res.best == int(np.argmin(np.abs(res.values - 0.5)))


def test_other_output_unit():
    net = mininn.mlp([2, 4, 3], hidden="tanh", output="identity", seed=3)
    res = maximize_input(net, 2, n_starts=2, steps=5, seed=0)
    np.testing.assert_allclose(res.values, net.forward(res.xs)[:, 2], rtol=1e-14)
    assert res.output == 2


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, name", [
    ({"bounds": (1.0, 1.0)}, ValueError, "bounds"),
    ({"bounds": (0.0, [1.0, -1.0])}, ValueError, "bounds"),
    ({"bounds": (0.0, [1.0, 1.0, 1.0])}, ValueError, "bounds"),
    ({"bounds": 1.0}, TypeError, "bounds"),
    ({"bounds": (0.0, np.inf)}, ValueError, "bounds"),
    ({"bounds": (np.nan, 1.0)}, ValueError, "bounds"),
    ({"bounds": ("a", 1.0)}, TypeError, "bounds"),
    ({"x0": [1.5, 0.5], "method": "projected"}, ValueError, "x0[0, 0]"),
    ({"x0": [0.5, -0.2], "method": "sigmoid"}, ValueError, "x0[0, 1]"),
    ({"x0": [[0.5, 0.5], [2.0, 0.5]], "method": "mirror"}, ValueError, "x0[1, 0]"),
    ({"x0": [0.5, 0.5, 0.5]}, ValueError, "x0"),
    ({"x0": np.zeros((2, 3))}, ValueError, "x0"),
    ({"x0": np.zeros((0, 2))}, ValueError, "x0"),
    ({"x0": [np.nan, 0.5]}, ValueError, "x0"),
    ({"output": 1}, ValueError, "output"),
    ({"output": -1}, ValueError, "output"),
    ({"output": 0.0}, TypeError, "output"),
    ({"goal": "target", "target": np.inf}, ValueError, "target"),
    ({"goal": "target"}, ValueError, "target"),
    ({"goal": "target", "target": "1"}, TypeError, "target"),
    ({"goal": "max", "target": 0.5}, ValueError, "target"),
    ({"goal": "maximum"}, ValueError, "goal"),
    ({"penalty": np.nan}, ValueError, "penalty"),
    ({"penalty": -1.0}, ValueError, "penalty"),
    ({"penalty": True}, TypeError, "penalty"),
    ({"penalty": 1.0, "reference": [0.5, np.inf]}, ValueError, "reference"),
    ({"penalty": 1.0, "reference": [0.5, 0.5, 0.5]}, ValueError, "reference"),
    ({"method": "projection"}, ValueError, "method"),
    ({"steps": 0}, ValueError, "steps"),
    ({"steps": 10.0}, TypeError, "steps"),
    ({"record_every": 0}, ValueError, "record_every"),
    ({"grad_tol": -1e-6}, ValueError, "grad_tol"),
    ({"kkt_tol": np.nan}, ValueError, "kkt_tol"),
    ({"x0": [0.5, 0.5], "n_starts": 3}, ValueError, "n_starts"),
    ({"n_starts": 0}, ValueError, "n_starts"),
    ({"n_starts": 2, "seed": -1}, ValueError, "seed"),
    ({"n_starts": 2, "seed": 1.5}, TypeError, "seed"),
    ({"optimizer": "sgd"}, TypeError, "optimizer"),
    ({"optimizer": mininn.SGD}, TypeError, "optimizer"),
    ({"use_logit": "yes"}, TypeError, "use_logit"),
])
def test_bad_input_is_a_clear_error(net2016, kwargs, error, name):
    with pytest.raises(error, match=re.escape(name)):
        find_input(net2016, **kwargs)


def test_old_positional_and_renamed_arguments_are_refused(net2016):
    # 0.1 took goal as the 2nd positional and tol=; 0.2 is (net, output, *, ...).
    with pytest.raises(TypeError):
        find_input(net2016, "max")
    with pytest.raises(TypeError, match="tol"):
        find_input(net2016, tol=1e-6)
    with pytest.raises(TypeError, match="goal"):
        maximize_input(net2016, goal="min")
    with pytest.raises(TypeError, match="target"):
        reach_target(net2016, 0, 0.5)


def test_none_accepts_a_start_outside_the_box(net2016):
    res = maximize_input(net2016, x0=[1.5, -0.5], method="none", steps=2)
    np.testing.assert_array_equal(res.trajectory[0], [[1.5, -0.5]])


def test_use_logit_needs_a_monotone_last_activation():
    net = mininn.Sequential([mininn.Dense(2, 1, seed=0)])
    with pytest.raises(ValueError, match="use_logit.*Dense"):
        maximize_input(net, use_logit=True)
    sig = linear_sigmoid([1.0, 1.0])
    with pytest.raises(ValueError, match=r"target"):
        reach_target(sig, target=1.0, use_logit=True)    # logit(1) is infinite
    with pytest.raises(TypeError, match="net"):
        maximize_input(np.eye(2))


# --------------------------------------------------------------------------
# the public API speaks one vocabulary (mininn/search/results.py, docs/architecture.md)
# --------------------------------------------------------------------------

FIND_INPUT_KEYWORDS = {
    "goal": "max", "target": None, "bounds": (0.0, 1.0), "method": "projected", "x0": None,
    "n_starts": None, "optimizer": None, "steps": 1000, "grad_tol": 1e-6, "record_every": 1,
    "penalty": 0.0, "reference": None, "use_logit": False, "kkt_tol": 1e-4, "seed": None,
}
ASCENT_FUNCTIONS = ["find_input", "maximize_input", "minimize_input", "reach_target"]


@pytest.mark.parametrize("name", ASCENT_FUNCTIONS)
def test_public_signature_is_net_output_then_keywords(name):
    fun = getattr(mininn.search, name)
    assert getattr(mininn, name) is fun                   # also exported at top level
    params = list(inspect.signature(fun).parameters.values())
    net, output, rest = params[0], params[1], params[2:]
    assert (net.name, net.kind, net.default) == ("net", net.POSITIONAL_OR_KEYWORD, net.empty)
    assert (output.name, output.kind, output.default) == ("output", output.POSITIONAL_OR_KEYWORD, 0)
    assert rest and all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in rest)
    names = {p.name for p in params}
    for old in ("maximize", "lo", "hi", "tol", "batch_size"):     # words with another meaning
        assert old not in names
    if name == "reach_target":
        assert rest[0].name == "target" and rest[0].default is rest[0].empty


def test_find_input_keywords_and_defaults():
    params = inspect.signature(find_input).parameters
    keywords = {n: p.default for n, p in params.items() if p.kind == p.KEYWORD_ONLY}
    assert keywords == FIND_INPUT_KEYWORDS
    from mininn.search import GOALS, METHODS
    assert GOALS == ("max", "min", "target")
    assert METHODS == ("none", "projected", "sigmoid", "mirror")


@pytest.mark.parametrize("name", ASCENT_FUNCTIONS)
def test_result_attributes_of_every_entry(net2016, name):
    fun = getattr(mininn.search, name)
    extra = {"target": 0.5} if name == "reach_target" else {}
    res = fun(net2016, 0, n_starts=3, steps=4, record_every=2, seed=0, **extra)
    assert isinstance(res, AscentResult)
    assert res.x.shape == (2,) and isinstance(res.value, float)
    assert res.xs.shape == (3, 2) and res.values.shape == (3,)
    assert res.objectives.shape == (3,) and 0 <= res.best < 3
    assert res.trajectory.shape == (3, 3, 2) and res.trajectory_values.shape == (3, 3)
    assert res.steps.tolist() == [0, 2, 4] and res.n_iter == 4
    assert res.grad_norm.shape == (3,) and res.kkt.shape == (3,)
    assert res.goal == {"find_input": "max", "maximize_input": "max",
                        "minimize_input": "min", "reach_target": "target"}[name]
    assert res.output == 0 and res.method == "projected" and res.stop_reason == "steps"
    assert res.target == extra.get("target")
    assert [b.shape for b in res.bounds] == [(2,), (2,)]
    assert isinstance(res.seconds, float) and isinstance(res.summary(), str)


def test_seed_none_draws_fresh_starts():
    net = linear_sigmoid(W4)
    a = maximize_input(net, n_starts=4, steps=1)
    b = maximize_input(net, n_starts=4, steps=1)
    assert not np.array_equal(a.trajectory[0], b.trajectory[0])


# --------------------------------------------------------------------------
# per-start boxes: one box (n_starts, k) per start, projection row by row
# --------------------------------------------------------------------------

LO3 = np.array([[0.0, 0.0], [0.2, 0.5], [-1.0, 0.9]])
HI3 = np.array([[1.0, 1.0], [0.4, 0.6], [-0.5, 2.0]])


@pytest.mark.parametrize("method", BOXED)
def test_per_start_boxes_each_start_finds_its_own_corner(method):
    # f increases with x1 and decreases with x0: the maximiser of box i is (lo_i0, hi_i1).
    net = linear_sigmoid([-2.0, 3.0])
    res = maximize_input(net, bounds=(LO3, HI3), method=method, optimizer=mininn.Adam(0.1),
                         steps=2000, use_logit=True)
    expected = np.stack([LO3[:, 0], HI3[:, 1]], axis=1)
    np.testing.assert_allclose(res.xs, expected, atol=1e-3)
    assert res.inside.all()
    # the starts were the centres of their boxes, one per box
    np.testing.assert_allclose(res.trajectory[0], (LO3 + HI3) / 2)
    assert [b.shape for b in res.bounds] == [(3, 2), (3, 2)]
    # every recorded point lies in its own box
    assert np.all((res.trajectory >= LO3) & (res.trajectory <= HI3))


def test_per_start_boxes_equal_each_box_alone():
    net = mininn.mlp([2, 4, 1], hidden="tanh", output="sigmoid", seed=4)
    together = maximize_input(net, bounds=(LO3, HI3), n_starts=3, seed=0, steps=50,
                              grad_tol=0.0, penalty=0.3)
    for i in range(3):
        alone = maximize_input(net, bounds=(LO3[i], HI3[i]), x0=together.trajectory[0, i],
                               steps=50, grad_tol=0.0, penalty=0.3)
        np.testing.assert_allclose(together.trajectory[:, i], alone.trajectory[:, 0],
                                   rtol=0, atol=1e-12)


def test_per_start_boxes_mixed_with_a_shared_end():
    # lo per start, hi a scalar: random starts fall in each start's own box
    lo = np.array([[0.0, 0.0], [0.8, 0.9]])
    net = linear_sigmoid([1.0, 1.0])
    res = maximize_input(net, bounds=(lo, 1.0), n_starts=2, seed=1, steps=1)
    assert np.all((res.trajectory[0] >= lo) & (res.trajectory[0] <= 1.0))
    np.testing.assert_array_equal(res.bounds[1], np.ones((2, 2)))


def test_per_start_boxes_with_the_wrong_number_of_rows_are_refused():
    net = linear_sigmoid([1.0, 1.0])
    with pytest.raises(ValueError, match="bounds"):
        maximize_input(net, bounds=(LO3, HI3), x0=np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="bounds"):
        maximize_input(net, bounds=(LO3, HI3), n_starts=4)
    with pytest.raises(ValueError, match="bounds"):
        maximize_input(net, bounds=(LO3, HI3[:2]))
    with pytest.raises(ValueError, match="bounds"):
        maximize_input(net, bounds=(np.zeros((3, 3)), 1.0))
    # a start outside its own box (but inside another's) is named
    x0 = (LO3 + HI3) / 2
    x0[1] = x0[0]
    with pytest.raises(ValueError, match=re.escape("x0[1, 0]")):
        maximize_input(net, bounds=(LO3, HI3), x0=x0)


# --------------------------------------------------------------------------
# issue 11: a search never returns NaN or a point outside its box
# --------------------------------------------------------------------------

def linear_net(w, b=0.0):
    """f(x) = x @ w + b, no activation."""
    net = mininn.Sequential([mininn.Dense(len(w), 1, seed=0)])
    net[0].params["W"][:] = np.asarray(w, dtype=float)[:, None]
    net[0].params["b"][:] = b
    return net


def test_diverging_run_stops_with_a_clear_error_not_nan():
    # (w.x - 1)^2 with |w|^2 = 13 and step 1: each step multiplies the residual
    # by 1 - 2 * 13 = -25, so x overflows after ~220 steps. 0.1 returned
    # x = [nan, nan] with stop_reason "steps".
    net = linear_net([2.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # and no RuntimeWarning leaks out
        with pytest.raises(FloatingPointError, match="optimizer") as info:
            reach_target(net, target=1.0, x0=[0.5, 0.5], method="none",
                         optimizer=mininn.SGD(1.0))
    assert "after" in str(info.value) and "steps" in str(info.value)
    # the same under numpy's strictest error settings: our error, not numpy's
    with np.errstate(all="raise"), pytest.raises(FloatingPointError, match="optimizer"):
        reach_target(net, target=1.0, x0=[0.5, 0.5], method="none", optimizer=mininn.SGD(1.0))
    # an objective that overflows at the start already: named before any step
    with pytest.raises(FloatingPointError, match="target"):
        reach_target(net, target=1e300, x0=[0.5, 0.5])
    # with a step small enough it converges to the target
    res = reach_target(net, target=1.0, x0=[0.5, 0.5], method="none", optimizer=mininn.SGD(0.01))
    assert res.value == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_huge_penalty_gives_a_finite_answer_in_the_box(method):
    # p = 1e308: 2 * p overflows. 0.1 returned NaN for every method.
    net = linear_sigmoid([1.0, -1.0])
    if method == "none":
        # nothing bounds x: 1e308 times a distance overflows after two steps, and says so
        with pytest.raises(FloatingPointError, match="method"):
            maximize_input(net, penalty=1e308, method=method, steps=50)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = maximize_input(net, penalty=1e308, method=method, steps=50)
    for a in (res.x, res.xs, res.values, res.objectives, res.trajectory, res.trajectory_values,
              res.grad_norm):
        assert np.all(np.isfinite(a))
    assert np.isfinite(res.value) and res.inside.all()
    assert np.all((res.trajectory >= 0.0) & (res.trajectory <= 1.0))


def test_penalty_that_overflows_on_the_box_is_refused():
    net = linear_sigmoid([1.0, -1.0])
    with pytest.raises(ValueError, match="penalty"):
        maximize_input(net, penalty=1e308, bounds=(-10.0, 10.0))
    with pytest.raises(ValueError, match="penalty"):
        maximize_input(net, penalty=1.0, bounds=(-1e200, 1e200))


def test_bounds_whose_width_overflows_are_refused():
    net = linear_sigmoid([1.0, -1.0])
    for bounds in [(-1e308, 1e308), (np.array([0.0, -1e308]), np.array([1.0, 1e308]))]:
        with pytest.raises(ValueError, match="bounds"):
            maximize_input(net, bounds=bounds)
    # a wide box with a finite width is fine
    res = maximize_input(net, bounds=(-1e307, 1e307), steps=3)
    assert np.all(np.isfinite(res.xs))


def test_a_two_dimensional_bound_is_never_reduced_to_its_first_row():
    # Row 1's box excludes row 0's optimum: each start must keep to its own row.
    net = linear_net([1.0, 1.0])
    lo = np.array([[0.0, 0.0], [-3.0, -2.0]])
    hi = np.array([[1.0, 1.0], [-2.0, -1.0]])
    res = maximize_input(net, bounds=(lo, hi), n_starts=2, seed=0, steps=200)
    np.testing.assert_array_equal(res.xs, hi)
    np.testing.assert_array_equal(res.bounds[0], lo)
    # one start cannot have two boxes: an error naming bounds and the shape
    with pytest.raises(ValueError, match=r"bounds.*\(2, 2\)"):
        maximize_input(net, bounds=(lo, hi), x0=[0.5, 0.5])


def test_a_huge_step_budget_allocates_only_what_it_records():
    # 0.1 allocated (steps + 2) records up front: 10**12 steps asked for 14.6 TiB.
    net = linear_sigmoid(W4)
    res = maximize_input(net, bounds=(LO4, HI4), steps=10**12)
    assert res.stop_reason == "grad_tol" and res.n_iter < 1000
    assert res.trajectory.shape == (res.n_iter + 1, 1, 4)
    assert res.steps.tolist() == list(range(res.n_iter + 1))


def test_a_long_run_records_every_step():
    # more records than the first record buffer holds: the buffer grows
    net = mininn.mlp([2, 3, 1], hidden="tanh", output="sigmoid", seed=2)
    res = maximize_input(net, n_starts=2, seed=0, steps=5000, grad_tol=0.0,
                         optimizer=mininn.SGD(1e-4))
    assert res.steps.tolist() == list(range(5001))
    assert res.trajectory.shape == (5001, 2, 2) and res.trajectory_values.shape == (5001, 2)
    np.testing.assert_array_equal(res.trajectory[-1], res.xs)
    np.testing.assert_allclose(res.trajectory_values,
                               net.forward(res.trajectory.reshape(-1, 2)).reshape(5001, 2),
                               rtol=1e-14)
    every = maximize_input(net, n_starts=2, seed=0, steps=5000, grad_tol=0.0,
                           optimizer=mininn.SGD(1e-4), record_every=1000)
    np.testing.assert_array_equal(every.trajectory, res.trajectory[::1000])


# --------------------------------------------------------------------------
# issue 13's building block: adversarial examples as projected ascent in
# per-start boxes (an eps-box around each image, intersected with [0, 1])
# --------------------------------------------------------------------------

def eps_boxes(images, eps):
    return np.clip(images - eps, 0.0, 1.0), np.clip(images + eps, 0.0, 1.0)


def test_adversarial_boxes_linear_score_by_hand():
    # Score f(x) = w.x + b; to lower it within |x - image|_inf <= eps and
    # [0, 1], each pixel goes to its box's lo where w > 0, hi where w < 0.
    rng = np.random.default_rng(0)
    k, n, eps = 16, 5, 0.1
    w = rng.normal(size=k)
    w += 0.5 * np.sign(w)                               # |w_i| >= 0.5: 100 steps cross any box
    net = linear_net(w, b=0.3)
    images = rng.random((n, k))
    images[:, :3] = [0.0, 1.0, 0.05]                    # pixels on / near the edges of [0, 1]
    lo, hi = eps_boxes(images, eps)
    expected = np.where(w > 0, lo, hi)
    # PGD: many projected steps from the images themselves
    pgd = minimize_input(net, bounds=(lo, hi), x0=images, steps=100, optimizer=mininn.SGD(0.01))
    np.testing.assert_allclose(pgd.xs, expected, atol=1e-12)
    np.testing.assert_allclose(pgd.values, expected @ w + 0.3, rtol=1e-12)
    assert pgd.kkt.all() and pgd.inside.all()
    # every point on the way stays in its own eps-box and in [0, 1]
    assert np.all((pgd.trajectory >= lo) & (pgd.trajectory <= hi))
    assert np.all(np.abs(pgd.trajectory - images) <= eps + 1e-15)
    # FGSM: one projected step long enough to cross any box lands on the same corner
    fgsm = minimize_input(net, bounds=(lo, hi), x0=images, steps=1,
                          optimizer=mininn.SGD(2 * eps / np.abs(w).min()))
    np.testing.assert_array_equal(fgsm.xs, expected)


def test_adversarial_boxes_flip_a_classifier_only_with_a_large_enough_eps():
    # A 2-class net (output 0 is the logit of class 1); images it calls class 1.
    # The smallest score in each eps-box decides whether the label can flip.
    net = mininn.mlp([4, 8, 1], hidden="tanh", output="identity", seed=3)
    rng = np.random.default_rng(1)
    images = rng.random((40, 4))
    images = images[net.forward(images)[:, 0] > 0.1][:6]        # a clear margin
    assert len(images) >= 3
    found = []
    for eps in (1e-3, 0.5):
        lo, hi = eps_boxes(images, eps)
        res = minimize_input(net, bounds=(lo, hi), x0=images, steps=300,
                             optimizer=mininn.Adam(0.02))
        assert res.inside.all() and np.all((res.trajectory >= lo) & (res.trajectory <= hi))
        assert np.all(res.values <= net.forward(images)[:, 0] + 1e-12)   # never worse than start
        # no sample of the box scores lower than the search's answer (up to the optimiser)
        samples = rng.uniform(lo, hi, size=(2000,) + images.shape)
        scores = net.forward(samples.reshape(-1, 4))[:, 0].reshape(2000, -1)
        assert np.all(res.values <= scores.min(axis=0) + 1e-6)
        found.append(res.values < 0)
    tiny, large = found
    assert not tiny.any()                 # a 1e-3 box cannot flip these images ...
    assert large.any()                    # ... a 0.5 box flips some
