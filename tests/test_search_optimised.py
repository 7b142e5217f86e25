"""Optimised linear bounds and hidden-unit splits (issue 12).

* the hand-written gradients of the bound with respect to the hinge slopes
  (alpha) and the split multipliers (beta) match mininn's finite differences;
* every bound stays sound -- for any alpha in range and beta >= 0, after
  each optimisation, with and without split units -- on sampled points of
  the node (the box intersected with the split constraints);
* split constraints are respected: the interval of every layer holds on
  every sampled point that satisfies them;
* with unit splits from the first node, the exact search still equals
  enumeration on many random small nets of every activation.
"""
from __future__ import annotations

import time

import numpy as np
import pytest
from search_nets import HIDDEN, bit_rows, random_net

import mininn
from mininn import activations as act
from mininn.gradcheck import numerical_gradient
from mininn.layers import Dense
from mininn.search import exhaustive_values
from mininn.search.binary import search_bits
from mininn.search.bounds import linear_upper, preactivation_bounds
from mininn.search.branching import unit_promises
from mininn.search.optimised import Units, gradient, optimise, split_bound, substitute
from mininn.search.problem import make_problem


def hinge_net(k, widths, slopes, seed, output="identity"):
    """Dense layers with the given hidden widths, each followed by a hinge
    (slope 0 = ReLU, else LeakyReLU(slope), concave when > 1) or by the
    activation named (a curve: "sigmoid", "tanh"; or "softplus")."""
    rng = np.random.default_rng(seed)
    layers, n_in = [], k
    for width, s in zip(widths, slopes):
        unit = (act.ACTIVATIONS[s]() if isinstance(s, str)
                else act.ReLU() if s == 0 else act.LeakyReLU(s))
        layers += [Dense(n_in, width, seed=rng), unit]
        layers[-2].params["W"] *= rng.uniform(1.0, 2.5)
        layers[-2].params["b"] = rng.normal(0.0, 0.7, width)
        n_in = width
    layers += [Dense(n_in, 1, seed=rng), act.ACTIVATIONS[output]()]
    return mininn.Sequential(layers)


NETS = [([6], [0.0]), ([5, 4], [0.0, 0.0]), ([5, 4], [0.1, 3.0]), ([4, 3, 3], [0.0, 0.5, 0.0]),
        ([6], ["sigmoid"]), ([5, 4], ["tanh", 0.0]), ([4, 3, 3], ["sigmoid", "softplus", "tanh"])]


def _node(problem, hinges, rng, B=5):
    """Random boxes inside [-1, 2]^k and random split signs."""
    k = problem.k
    lo = rng.uniform(-1.0, 1.0, (B, k))
    hi = lo + rng.uniform(0.0, 1.0, (B, k)) * (rng.random((B, k)) < 0.8)
    sigma = rng.choice([-1.0, 0.0, 0.0, 1.0], (B, hinges.n))
    return lo, hi, sigma


def _pre_activations(problem, hinges, X):
    """(score (n,), z (n, N)): every hinge unit's input at each row of X."""
    Z, parts = X, []
    for i, step in enumerate(problem.layers):
        if i in hinges.slices:
            parts.append(Z)
        Z = step.forward(Z)
    return problem.finish(X, 0), np.concatenate(parts, axis=1)


def _samples(problem, hinges, lo, hi, sigma, rng, n=400):
    """Per node: sampled points of the box (corners included) that satisfy
    the split constraints sigma * z >= 0, with their scores and all inputs z."""
    out = []
    for b in range(lo.shape[0]):
        X = lo[b] + rng.random((n, problem.k)) * (hi[b] - lo[b])
        X = np.concatenate([X, np.where(rng.random((n, problem.k)) < 0.5, lo[b], hi[b])])
        score, z = _pre_activations(problem, hinges, X)
        ok = np.all(sigma[b] * z >= 0, axis=1)
        out.append((X[ok], score[ok]))
    return out


@pytest.mark.parametrize("widths,slopes", NETS)
def test_gradients_match_finite_differences(widths, slopes):
    rng = np.random.default_rng(len(widths))
    problem = make_problem(hinge_net(4, widths, slopes, seed=3), 0, "max")
    hinges = Units(problem.layers, problem.k, curves=True)
    lo, hi, sigma = _node(problem, hinges, rng)
    intervals, lines = preactivation_bounds(problem.layers, lo, hi, (hinges.slices, sigma))
    centre, radius = 0.5 * (lo + hi), 0.5 * (hi - lo)
    a_lo, a_hi = hinges.alpha_range
    alpha = a_lo + (a_hi - a_lo) * rng.uniform(0.1, 0.9, (lo.shape[0], hinges.n_alpha))
    beta = rng.uniform(0.1, 1.0, sigma.shape)
    args = (problem.layers, lines, intervals, centre, radius, hinges)
    upper, lam, tape = substitute(*args, alpha, beta, sigma)
    d_alpha, d_beta = gradient(problem.layers, tape, lam, centre, radius, hinges, sigma)
    n_alpha = numerical_gradient(lambda a: substitute(*args, a, beta, sigma)[0].sum(),
                                 alpha.copy())
    n_beta = numerical_gradient(lambda b: substitute(*args, alpha, b, sigma)[0].sum(),
                                beta.copy())
    scale = 1.0 + np.abs(d_alpha).max() + np.abs(d_beta).max()
    assert np.abs(d_alpha - n_alpha).max() <= 1e-6 * scale
    assert np.abs(d_beta - n_beta).max() <= 1e-6 * scale
    assert np.abs(d_beta).max() > 0                                  # not vacuous
    assert np.abs(d_alpha).max() > 0


@pytest.mark.parametrize("widths,slopes", NETS)
@pytest.mark.parametrize("seed", range(3))
def test_bounds_stay_sound_for_any_slopes_and_multipliers(widths, slopes, seed):
    rng = np.random.default_rng(seed)
    problem = make_problem(hinge_net(3, widths, slopes, seed=seed), 0,
                           ("max", "min")[seed % 2])
    hinges = Units(problem.layers, problem.k, curves=True)
    lo, hi, sigma = _node(problem, hinges, rng, B=6)
    samples = _samples(problem, hinges, lo, hi, sigma, rng)
    intervals, lines = preactivation_bounds(problem.layers, lo, hi, (hinges.slices, sigma))
    centre, radius = 0.5 * (lo + hi), 0.5 * (hi - lo)
    a_lo, a_hi = hinges.alpha_range
    bounds = []
    for _ in range(5):                                  # any slopes in range, any beta >= 0
        alpha = a_lo + (a_hi - a_lo) * rng.random((6, hinges.n_alpha))
        beta = rng.exponential(1.0, sigma.shape)
        bounds.append(substitute(problem.layers, lines, intervals, centre, radius, hinges,
                                 alpha, beta, sigma)[0])
    alpha, beta = hinges.default_alpha(intervals), np.zeros((6, hinges.n))
    for steps in (1, 3, 10):                            # after each optimisation
        u, coef, alpha, beta = optimise(problem.layers, lines, intervals, centre, radius,
                                        hinges, alpha, beta, sigma, steps=steps)
        assert np.all((alpha >= a_lo) & (alpha <= a_hi)) and np.all(beta >= 0)
        bounds.append(u)
    ub = split_bound(problem.layers, hinges, lo, hi, sigma, None, None, steps=5).ub
    bounds.append(ub)
    unsplit = np.zeros_like(sigma)
    bounds_all = [split_bound(problem.layers, hinges, lo, hi, unsplit, None, None)[0],
                  linear_upper(problem.layers, lo, hi)[0]]
    for b, (X, score) in enumerate(samples):
        if score.size:
            for u in bounds:
                assert score.max() <= u[b] + 1e-10 * (1 + abs(u[b]))
        whole = problem.score(lo[b] + rng.random((200, problem.k)) * (hi[b] - lo[b]))
        for u in bounds_all:
            assert whole.max() <= u[b] + 1e-10 * (1 + abs(u[b]))


@pytest.mark.parametrize("curve", ["sigmoid", "tanh"])
def test_optimised_tangent_points_tighten_the_bound(curve):
    """Optimising only the tangent points (no split, beta = 0) never loosens the
    bound and tightens it on most nodes; the bound stays sound on samples."""
    rng = np.random.default_rng(5)
    problem = make_problem(hinge_net(6, [8], [curve], seed=2), 0, "max")
    hinges = Units(problem.layers, problem.k, curves=True)
    lo = rng.uniform(-1.0, 1.0, (20, 6))
    hi = lo + rng.uniform(0.5, 1.5, (20, 6))
    sigma = np.zeros((20, hinges.n))
    intervals, lines = preactivation_bounds(problem.layers, lo, hi, (hinges.slices, sigma))
    centre, radius = 0.5 * (lo + hi), 0.5 * (hi - lo)
    start = hinges.default_alpha(intervals)
    args = (problem.layers, lines, intervals, centre, radius, hinges)
    plain = substitute(*args, start, None, None)[0]
    # the default fractions are the rule's own tangent points
    np.testing.assert_allclose(plain, substitute(*args, None, None, None)[0], rtol=1e-12)
    tuned, _, alpha, _ = optimise(*args, start, None, None, steps=20)
    assert np.all(tuned <= plain + 1e-12)
    assert np.mean(tuned < plain - 1e-6 * (1 + np.abs(plain))) > 0.5
    assert np.all((alpha >= 0.0) & (alpha <= 1.0))
    X = lo[:, None] + rng.random((20, 500, 6)) * (hi - lo)[:, None]
    scores = problem.score(X.reshape(-1, 6)).reshape(20, 500)
    assert np.all(scores.max(axis=1) <= tuned + 1e-10 * (1 + np.abs(tuned)))


@pytest.mark.parametrize("widths,slopes", NETS)
def test_split_constraints_are_respected_by_every_interval(widths, slopes):
    rng = np.random.default_rng(7)
    problem = make_problem(hinge_net(3, widths, slopes, seed=1), 0, "max")
    hinges = Units(problem.layers, problem.k, curves=True)
    lo, hi, sigma = _node(problem, hinges, rng, B=8)
    intervals, _ = preactivation_bounds(problem.layers, lo, hi, (hinges.slices, sigma))
    for b, (X, _) in enumerate(_samples(problem, hinges, lo, hi, sigma, rng)):
        Z = X
        for i, step in enumerate(problem.layers):
            l, u = intervals[i]
            assert np.all(Z >= l[b] - 1e-12) and np.all(Z <= u[b] + 1e-12)
            Z = step.forward(Z)
        # a split unit's interval lies on its side of 0 (unless the split is empty)
        for i, part in hinges.slices.items():
            l, u = intervals[i]
            s = sigma[b, part]
            assert np.all((l[b] >= 0) | (s <= 0) | (u[b] < 0))
            assert np.all((u[b] <= 0) | (s >= 0) | (l[b] > 0))


def _split_cases():
    cases = []
    for i in range(30):
        widths = [[6], [5, 4], [4, 3, 3]][i % 3]
        slopes = [[0.0] * 3, [0.1, 3.0, 0.0], [0.5, 0.0, 1.5], ["sigmoid"] * 3,
                  ["tanh", 0.0, "sigmoid"]][(i // 3) % 5][:len(widths)]
        cases.append(dict(seed=200 + i, k=4 + i % 9, widths=widths, slopes=slopes,
                          output=("identity", "sigmoid")[(i // 9) % 2]))
    return cases


@pytest.mark.parametrize("case", _split_cases(), ids=lambda c: f"k{c['k']}-{c['widths']}"
                         f"-{c['slopes']}-{c['output']}-s{c['seed']}")
def test_unit_splits_from_the_first_node_still_find_the_optimum(case):
    net = hinge_net(case["k"], case["widths"], case["slopes"], case["seed"], case["output"])
    values = exhaustive_values(net, 0)
    # sigmoid and tanh units: tangent points only, split at 0, cut anywhere
    for goal, node_batch, curves, cut in [("max", 4, False, False), ("max", 16, True, False),
                                          ("min", 64, True, True)]:
        problem = make_problem(net, 0, goal)
        out = search_bits(problem, np.zeros(problem.k), relaxation="linear", gap_tol=0.0,
                          max_nodes=None, time_limit=None, node_batch=node_batch,
                          t0=time.perf_counter(), split_units=True, escalate_nodes=0,
                          split_curves=curves, cut_curves=cut)
        optimum = values.max() if goal == "max" else values.min()
        assert out.stop_reason == "proved"
        ends = problem.to_output([out.upper, out.best])
        assert ends[0] == ends[1]
        assert problem.values(out.x[None])[0] == pytest.approx(optimum, abs=1e-12)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_escalation_to_unit_splits_agrees_with_enumeration(hidden):
    """A few plain nodes, then optimised bounds and unit splits from the root
    (softplus and identity networks have no units to split)."""
    net = random_net(12, 2, hidden, "sigmoid", seed=4, width=8)
    values = exhaustive_values(net, 0)
    problem = make_problem(net, 0, "max")
    out = search_bits(problem, np.zeros(12), relaxation="linear", gap_tol=1e-9,
                      max_nodes=None, time_limit=None, node_batch=2,
                      t0=time.perf_counter(), split_units=True, escalate_nodes=3)
    assert out.stop_reason == "proved"
    assert problem.values(out.x[None])[0] == pytest.approx(values.max(), abs=1e-9)
    X = bit_rows(12)
    assert np.all(problem.score(X) <= out.upper + 1e-12)


@pytest.mark.parametrize("max_nodes", [50, 2600])
def test_node_budget_holds_across_the_escalation(max_nodes):
    # a net that needs tens of thousands of nodes: both budgets stop it
    net = mininn.mlp([40, 32, 1], hidden="relu", output="identity",
                     seed=np.random.default_rng(3))
    result = mininn.search.best_binary_input(net, max_nodes=max_nodes, node_batch=64, seed=0)
    assert result.nodes <= max_nodes + 2
    assert not result.certified and result.stop_reason == "max_nodes"
    optimum = mininn.search.best_binary_input(net, seed=0, max_nodes=None)
    assert optimum.certified and result.value <= optimum.value <= result.bound + 1e-9


@pytest.mark.parametrize("widths,slopes", NETS)
@pytest.mark.parametrize("seed", range(2))
def test_bounds_with_cut_intervals_are_sound(widths, slopes, seed):
    """Sigmoid/tanh pieces (zlo <= z <= zhi, as GenBaB cuts them): the bound holds
    on every sampled point of the node, and every interval respects the cuts."""
    rng = np.random.default_rng(10 + seed)
    problem = make_problem(hinge_net(3, widths, slopes, seed=seed), 0, "max")
    hinges = Units(problem.layers, problem.k, curves=True)
    lo, hi, sigma = _node(problem, hinges, rng, B=6)
    X = lo[:, None] + rng.random((6, 600, problem.k)) * (hi - lo)[:, None]
    _, z = _pre_activations(problem, hinges, X.reshape(-1, problem.k))
    z = z.reshape(6, 600, -1)
    # signs and cuts that the first sample of each node satisfies
    centre_z = z[:, 0, :]
    sigma = np.where(sigma != 0, np.sign(centre_z), 0.0)
    zlo = np.where(rng.random(sigma.shape) < 0.4, centre_z - rng.exponential(0.5, sigma.shape),
                   -np.inf)
    zhi = np.where(rng.random(sigma.shape) < 0.4, centre_z + rng.exponential(0.5, sigma.shape),
                   np.inf)
    nb = split_bound(problem.layers, hinges, lo, hi, sigma, None, None, steps=3,
                     clamps=(zlo, zhi))
    intervals, _ = preactivation_bounds(problem.layers, lo, hi,
                                        (hinges.slices, sigma, zlo, zhi))
    checked = 0
    for b in range(6):
        ok = np.all((sigma[b] * z[b] >= 0) & (z[b] >= zlo[b]) & (z[b] <= zhi[b]), axis=1)
        if not ok.any():
            continue
        checked += 1
        scores = problem.score(X[b][ok])
        assert scores.max() <= nb.ub[b] + 1e-10 * (1 + abs(nb.ub[b]))
        Z = X[b][ok]
        for i, step in enumerate(problem.layers):
            l, u = intervals[i]
            assert np.all(Z >= l[b] - 1e-12) and np.all(Z <= u[b] + 1e-12)
            Z = step.forward(Z)
    assert checked > 0
    curve = [part for i, part in hinges.slices.items() if hinges.slope[i] is None]
    score, points = unit_promises(problem.layers, hinges, nb.tape, nb.intervals, sigma,
                                  np.where(nb.coef > 0, hi, lo), (zlo, zhi))
    for part in curve:                       # a cut piece is split at its middle, never at 0
        chosen = (score[:, part] > 0) & (sigma[:, part] != 0)
        assert not np.isnan(points[:, part][chosen]).any()
