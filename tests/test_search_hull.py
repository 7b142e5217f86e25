"""Hull lines: hidden units bounded by lines in input space (issue 12).

* the hand-written gradients with respect to the fractions theta, the
  slopes alpha and the multipliers beta match mininn's finite differences;
* the bound is sound for any theta, alpha and beta in range, and after
  tuning, on every bit string of the node that satisfies its splits;
* at theta = u / (u - l) it is the chord bound of the substitution, to
  rounding; tuned, it reaches a bound the chords cannot (by hand);
* the search with hull lines equals enumeration and needs fewer nodes.
"""
from __future__ import annotations

import time

import numpy as np
import pytest
from search_nets import bit_rows
from test_search_optimised import hinge_net

import mininn
from mininn import activations as act
from mininn.gradcheck import numerical_gradient
from mininn.layers import Dense
from mininn.search import exhaustive_values
from mininn.search.binary import search_bits
from mininn.search.bounds import preactivation_bounds
from mininn.search.hull import Hull
from mininn.search.optimised import Units, split_bound, substitute
from mininn.search.problem import make_problem

SLOPES = [0.0, 0.1, 0.5]


def _setup(k, width, slope, seed, goal="max"):
    problem = make_problem(hinge_net(k, [width], [slope], seed), 0, goal)
    hinges = Units(problem.layers, k)
    return problem, hinges, Hull.of(problem.layers, hinges)


def _bit_nodes(problem, hinges, rng, B):
    """Sub-cubes of {0,1}^k (some bits fixed) and split signs."""
    k = problem.k
    states = rng.choice([-1, -1, 0, 1], (B, k))
    lo = (states == 1).astype(float)
    hi = np.where(states == -1, 1.0, lo)
    sigma = rng.choice([-1.0, 0.0, 0.0, 0.0, 1.0], (B, hinges.n))
    return lo, hi, sigma


def _random_parameters(hull, lo, hi, intervals, rng):
    """Random fractions of the unstable rising units, slopes and multipliers in range."""
    units = hull.packed(lo, hi, intervals)
    B, H = intervals[0].shape
    theta = rng.uniform(0.05, 0.95, units.cW.shape)
    alpha = rng.uniform(hull.s, 1.0, (B, H))
    beta = rng.exponential(1.0, (B, H))
    return theta, alpha, beta, units


@pytest.mark.parametrize("slope", SLOPES)
def test_gradients_match_finite_differences(slope):
    rng = np.random.default_rng(1)
    problem, hinges, hull = _setup(5, 8, slope, seed=2)
    k = problem.k
    lo = rng.uniform(-1.0, 1.0, (4, k))
    hi = lo + rng.uniform(0.2, 1.0, (4, k))
    sigma = rng.choice([-1.0, 0.0, 1.0], (4, hinges.n))
    intervals = preactivation_bounds(problem.layers, lo, hi, (hinges.slices, sigma))[0][1]
    theta, alpha, beta, units = _random_parameters(hull, lo, hi, intervals, rng)
    assert units.on.any()

    def U(th, al, be):
        return hull.bound(lo, hi, intervals, sigma, al, be, th, units).ub.sum()

    d_alpha, d_beta, d_theta = hull.gradient(lo, hi, sigma, units, hull.bound(
        lo, hi, intervals, sigma, alpha, beta, theta, units))
    numeric = [numerical_gradient(lambda t: U(t, alpha, beta), theta.copy()),
               numerical_gradient(lambda a: U(theta, a, beta), alpha.copy()),
               numerical_gradient(lambda b: U(theta, alpha, b), beta.copy())]
    for by_hand, fd in zip([d_theta, d_alpha, d_beta], numeric):
        scale = 1.0 + np.abs(by_hand).max()
        assert np.abs(by_hand - fd).max() <= 1e-6 * scale
        assert np.abs(by_hand).max() > 0                       # not vacuous


@pytest.mark.parametrize("slope", SLOPES)
@pytest.mark.parametrize("seed", range(3))
def test_bound_is_sound_on_every_string_of_the_node(slope, seed):
    rng = np.random.default_rng(seed)
    problem, hinges, hull = _setup(8, 10, slope, seed=seed, goal=("max", "min")[seed % 2])
    lo, hi, sigma = _bit_nodes(problem, hinges, rng, B=12)
    X = bit_rows(8)
    scores = problem.score(X)
    z = X @ problem.layers[0].W + problem.layers[0].b
    nb = split_bound(problem.layers, hinges, lo, hi, sigma, None, None)
    intervals = nb.intervals[1]
    bounds = []
    for _ in range(4):                                   # any parameters in range
        theta, alpha, beta, units = _random_parameters(hull, lo, hi, intervals, rng)
        bounds.append(hull.bound(lo, hi, intervals, sigma, alpha, beta, theta, units).ub)
    tuned, theta = hull.tighten(lo, hi, sigma, nb, hull.empty_fractions(12, 8), steps=20)
    assert np.all(tuned.ub <= nb.ub) and np.all(tuned.linear <= nb.linear)
    assert np.all((theta >= 0) | np.isnan(theta)) and np.all((theta <= 1) | np.isnan(theta))
    bounds += [tuned.ub, tuned.linear]
    for b in range(12):
        inside = np.all((X >= lo[b]) & (X <= hi[b]), axis=1) & np.all(sigma[b] * z >= 0, axis=1)
        if inside.any():
            best = scores[inside].max()
            for u in bounds:
                assert best <= u[b] + 1e-10 * (1 + abs(u[b]))
            # the tuned line itself: score <= coef . x + const, const from its maximum
            coef = tuned.coef[b]
            const = tuned.linear[b] - np.maximum(coef * lo[b], coef * hi[b]).sum()
            assert np.all(scores[inside] <= X[inside] @ coef + const + 1e-10)


@pytest.mark.parametrize("slope", SLOPES)
def test_chord_fractions_give_the_substitution_bound(slope):
    """theta = u / (u - l) for every bit is the chord: the same bound as the
    substitution with the same alpha and beta."""
    rng = np.random.default_rng(3)
    problem, hinges, hull = _setup(7, 9, slope, seed=5)
    lo, hi, sigma = _bit_nodes(problem, hinges, rng, B=10)
    intervals, lines = preactivation_bounds(problem.layers, lo, hi, (hinges.slices, sigma))
    theta, alpha, beta, units = _random_parameters(hull, lo, hi, intervals[1], rng)
    l, u = intervals[1]
    unit = hull.rising[units.at]
    rows = np.arange(10)[:, None]
    chord = u[rows, unit] / (u[rows, unit] - l[rows, unit])
    theta = np.repeat(chord[:, :, None], 7, axis=2)
    centre, radius = 0.5 * (lo + hi), 0.5 * (hi - lo)
    plain = substitute(problem.layers, lines, intervals, centre, radius, hinges, alpha, beta,
                       sigma)[0]
    hull_ub = hull.bound(lo, hi, intervals[1], sigma, alpha, beta, theta, units).ub
    np.testing.assert_allclose(hull_ub, plain, rtol=1e-12, atol=1e-12)
    assert units.on.any()


def test_tuned_lines_reach_the_hull_by_hand():
    r"""s(x) = relu(x1 + x2 - 1) - 0.75 relu(x1 + 1) + 0.75 on {0,1}^2: 0, -0.75,
    0, 0.25. The chord of the first unit, (x1 + x2) / 2, gives -0.25 x1 +
    0.5 x2 <= 0.5; its hull line x1 (theta = (1, 0)) gives 0.25 x1 <= 0.25,
    the optimum."""
    d1, d2 = Dense(2, 2), Dense(2, 1)
    d1.params["W"] = np.array([[1.0, 1.0], [1.0, 0.0]])
    d1.params["b"] = np.array([-1.0, 1.0])
    d2.params["W"] = np.array([[1.0], [-0.75]])
    d2.params["b"] = np.array([0.75])
    net = mininn.Sequential([d1, act.ReLU(), d2])
    problem = make_problem(net, 0, "max")
    hinges = Units(problem.layers, 2)
    hull = Hull.of(problem.layers, hinges)
    lo, hi, sigma = np.zeros((1, 2)), np.ones((1, 2)), np.zeros((1, 2))
    nb = split_bound(problem.layers, hinges, lo, hi, sigma, None, None, steps=50)
    assert nb.ub[0] == pytest.approx(0.5, abs=1e-9)
    units = hull.packed(lo, hi, nb.intervals[1])
    exact = hull.bound(lo, hi, nb.intervals[1], sigma, nb.alpha, nb.beta,
                       np.array([[[1.0, 0.0]]]), units)
    assert exact.ub[0] == pytest.approx(0.25, abs=1e-12)
    np.testing.assert_allclose(exact.coef[0], [0.25, 0.0], atol=1e-12)
    tuned, theta = hull.tighten(lo, hi, sigma, nb, hull.empty_fractions(1, 2), steps=100)
    assert 0.25 - 1e-12 <= tuned.ub[0] <= 0.26
    # the node keeps its tuned fractions (float16): a child starting from them
    # starts at about the parent's bound
    kept = theta[:, units.at[0]].astype(np.float64)
    assert theta.dtype == np.float16 and not np.isnan(kept).any()
    again = hull.bound(lo, hi, nb.intervals[1], sigma, tuned.alpha, tuned.beta, kept, units)
    assert 0.25 - 1e-12 <= again.ub[0] <= 0.26


def test_hull_lines_apply_to_one_hidden_hinge_layer_only():
    def hull_of(widths, slopes):
        problem = make_problem(hinge_net(4, widths, slopes, 0), 0, "max")
        return Hull.of(problem.layers, Units(problem.layers, 4, curves=True))

    assert hull_of([5], [0.0]) is not None and hull_of([5], [0.5]) is not None
    assert hull_of([5], [3.0]) is None                     # concave hinge
    assert hull_of([5], ["sigmoid"]) is None
    assert hull_of([5, 4], [0.0, 0.0]) is None


@pytest.mark.parametrize("seed", range(4))
def test_search_with_hull_lines_equals_enumeration_with_fewer_nodes(seed):
    net = mininn.mlp([14, 24, 1], hidden=("relu", "leaky_relu")[seed % 2], output="identity",
                     seed=np.random.default_rng(seed))
    values = exhaustive_values(net, 0)
    nodes = {}
    for goal in ("max", "min"):
        problem = make_problem(net, 0, goal)
        for hull_lines in (True, False):
            out = search_bits(problem, np.zeros(14), relaxation="linear", gap_tol=0.0,
                              max_nodes=None, time_limit=None, node_batch=32,
                              t0=time.perf_counter(), split_units=True, escalate_nodes=0,
                              hull_lines=hull_lines)
            assert out.stop_reason == "proved"
            optimum = values.max() if goal == "max" else values.min()
            assert problem.values(out.x[None])[0] == pytest.approx(optimum, abs=1e-12)
            nodes[goal, hull_lines] = out.nodes
    assert nodes["max", True] + nodes["min", True] < nodes["max", False] + nodes["min", False]
