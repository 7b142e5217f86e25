"""Best binary input: exhaustive, local and exact (branch and bound) search.

The exact search must agree with enumeration on many random networks of every
activation, certify what it proves and only that, and respect its budgets.
"""
from __future__ import annotations

import time

import numpy as np
import pytest
from search_nets import HIDDEN, BoundedDoubler, Doubler, bit_rows, planted_net, random_net

import mininn
from mininn import activations as act
from mininn.layers import Dense
from mininn.search import MAX_EXHAUSTIVE_BITS, best_binary_input, exhaustive_values
from mininn.search.binary import search_bits
from mininn.search.bounds import resolve_relaxation
from mininn.search.branch_and_bound import Cutoff, GapRule
from mininn.search.problem import make_problem


# ---------------------------------------------------------------------------
# exact == exhaustive on many random networks
# ---------------------------------------------------------------------------
def _cases(n=60):
    cases = []
    for i in range(n):
        cases.append(dict(seed=100 + i, k=3 + i % 10, n_hidden=i % 4, hidden=HIDDEN[i % 6],
                          output=("sigmoid", "identity")[(i // 6) % 2], n_out=1 + (i // 4) % 2,
                          relaxation="interval" if (i // 6) % 3 == 2 else "auto"))
    return cases


def _id(c):
    return f"k{c['k']}-{c['n_hidden']}x{c['hidden']}-{c['output']}-{c['relaxation']}-s{c['seed']}"


@pytest.mark.parametrize("case", _cases(), ids=_id)
def test_exact_equals_exhaustive(case):
    net = random_net(case["k"], case["n_hidden"], case["hidden"], case["output"],
                     n_out=case["n_out"], seed=case["seed"])
    j = case["n_out"] - 1
    values = exhaustive_values(net, j)
    for goal in ("max", "min"):
        optimum = values.max() if goal == "max" else values.min()
        full = best_binary_input(net, j, goal=goal, method="exhaustive")
        assert full.value == pytest.approx(optimum, abs=1e-12)
        # gap_tol=0: the optimum itself, proved without any slack
        exact = best_binary_input(net, j, goal=goal, relaxation=case["relaxation"], gap_tol=0.0,
                                  seed=case["seed"])
        assert exact.value == pytest.approx(optimum, abs=1e-12)
        assert exact.certified and exact.stop_reason == "proved"
        assert exact.gap == 0.0 and exact.bound == exact.value
        if np.count_nonzero(np.abs(values - optimum) <= 1e-12) == 1:
            np.testing.assert_array_equal(exact.x, full.x)
        # whatever x is returned, it attains the reported value
        assert net.forward(exact.x[None])[0, j] == pytest.approx(exact.value, abs=1e-15)
        # the default tolerance: optimal up to gap_tol * (1 + |value|)
        default = best_binary_input(net, j, goal=goal, relaxation=case["relaxation"],
                                    seed=case["seed"])
        assert default.certified and default.stop_reason == "proved"
        assert abs(default.value - optimum) <= 1e-9 * (1 + abs(optimum)) + 1e-15
        assert default.gap <= 1e-9 * (1 + abs(default.value))


@pytest.mark.parametrize("case", _cases()[::3], ids=_id)
def test_branch_and_bound_alone_finds_the_optimum(case):
    """From a useless first incumbent (all zeros), with tiny batches and
    depth-first popping after 4 open nodes, the branch and bound must still
    find and certify the optimum by itself."""
    net = random_net(case["k"], case["n_hidden"], case["hidden"], case["output"],
                     n_out=case["n_out"], seed=case["seed"])
    j = case["n_out"] - 1
    values = exhaustive_values(net, j)
    for goal, node_batch in [("max", 1), ("min", 3)]:
        problem = make_problem(net, j, goal)
        kind = resolve_relaxation(problem, case["relaxation"])
        out = search_bits(problem, np.zeros(problem.k), relaxation=kind, gap_tol=0.0,
                          max_nodes=None, time_limit=None, node_batch=node_batch,
                          t0=time.perf_counter(), best_first_limit=4)
        optimum = values.max() if goal == "max" else values.min()
        assert out.stop_reason == "proved"
        ends = problem.to_output([out.upper, out.best])
        assert ends[0] == ends[1]                     # gap_tol=0: no gap on the output
        assert problem.values(out.x[None])[0] == pytest.approx(optimum, abs=1e-12)


def test_exact_certifies_planted_20_bit_pattern():
    rng = np.random.default_rng(7)
    pattern = rng.integers(0, 2, 20).astype(float)
    net = planted_net(20, pattern, seed=7)
    result = best_binary_input(net, seed=0)
    np.testing.assert_array_equal(result.x, pattern)
    assert result.certified and result.stop_reason == "proved"
    assert result.bound == pytest.approx(result.value, abs=1e-12)
    assert result.value == pytest.approx(net.forward(pattern[None])[0, 0], abs=1e-15)
    # interval bounds certify it too (with more nodes, never fewer than 1)
    interval = best_binary_input(net, relaxation="interval", seed=0)
    np.testing.assert_array_equal(interval.x, pattern)
    assert interval.certified and interval.nodes >= result.nodes >= 1
    # and enumeration agrees (2**20 strings)
    np.testing.assert_array_equal(best_binary_input(net, method="exhaustive").x, pattern)


def test_saturated_sigmoid_output_is_still_exact():
    # output logit up to ~80: sigma rounds to exactly 1.0 on many strings; the
    # search runs on the logit, so it still finds the largest logit
    net = random_net(8, 1, "tanh", "sigmoid", seed=3, width=6)
    net.layers[-2].params["W"] *= 40.0
    logits = exhaustive_values(net[:-1], 0)
    result = best_binary_input(net, gap_tol=0.0, seed=0)
    assert result.value == exhaustive_values(net, 0).max()
    assert result.certified
    assert net[:-1].forward(result.x[None])[0, 0] == pytest.approx(logits.max(), rel=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_large_outputs_proved_iff_certified(seed):
    """Issue 11: outputs of size ~1e4 were "proved" with certified=False (an
    absolute tolerance one ulp too small). The tolerance is relative plus
    absolute, and the two labels agree."""
    net = random_net(12, 1 + seed % 2, HIDDEN[seed % 6], "identity", seed=seed, width=8)
    for layer in net.layers:
        if isinstance(layer, Dense):
            layer.params["b"] += 3e3
    [layer for layer in net.layers if isinstance(layer, Dense)][-1].params["W"] *= 50.0
    values = exhaustive_values(net, 0)
    assert np.abs(values).max() > 1e3
    for goal in ("max", "min"):
        result = best_binary_input(net, goal=goal, seed=seed)
        optimum = values.max() if goal == "max" else values.min()
        assert result.certified and result.stop_reason == "proved"
        assert result.gap <= 1e-9 * (1 + abs(result.value))
        assert abs(result.value - optimum) <= 1e-9 * (1 + abs(optimum))


# ---------------------------------------------------------------------------
# exhaustive against a naive forward
# ---------------------------------------------------------------------------
def _exhaustive_nets(k):
    rng = np.random.default_rng(k)
    big = random_net(k, 1, "sigmoid", "identity", seed=k + 1, width=5)
    big.layers[0].params["W"] *= 500.0   # |first-layer tables| > 300: no exp-product shortcut
    d = Dense(k, 4, seed=rng)
    return {
        "sigmoid": random_net(k, 1, "sigmoid", "sigmoid", seed=k, width=6),
        "tanh-2-layers": random_net(k, 2, "tanh", "identity", seed=k, width=5),
        "no-hidden": random_net(k, 0, "sigmoid", "sigmoid", seed=k),
        "two-outputs": random_net(k, 1, "relu", "sigmoid", n_out=2, seed=k, width=4),
        "large-weights": big,
        "custom-first": mininn.Sequential([Doubler(), d, act.Tanh(), Dense(4, 1, seed=rng)]),
    }


@pytest.mark.parametrize("k", [1, 4, 9, 12])
def test_exhaustive_values_match_naive_forward(k):
    X = bit_rows(k)
    np.testing.assert_array_equal(X, mininn.datasets.all_bit_strings(k))
    for name, net in _exhaustive_nets(k).items():
        j = net.n_outputs - 1
        naive = net.forward(X)[:, j]
        sizes = [1, 7, 100, 2 ** k + 3] if k <= 9 else [1000, 4096, 2 ** k + 3]
        for chunk in sizes:
            values = exhaustive_values(net, j, chunk_size=chunk)
            np.testing.assert_allclose(values, naive, rtol=1e-12, atol=1e-13, err_msg=name)
            for goal in ("max", "min"):
                result = best_binary_input(net, j, goal=goal, method="exhaustive",
                                           chunk_size=chunk)
                target = naive.max() if goal == "max" else naive.min()
                assert result.value == pytest.approx(target, abs=1e-12), name
                assert result.certified and result.gap == 0 and result.evaluated == 2 ** k
                assert result.stop_reason == "enumerated"


# ---------------------------------------------------------------------------
# budgets
# ---------------------------------------------------------------------------
def test_node_budget_returns_uncertified_result_with_gap():
    net = random_net(16, 1, "tanh", "sigmoid", seed=11, width=24)
    values = exhaustive_values(net, 0)
    for goal in ("max", "min"):
        result = best_binary_input(net, goal=goal, relaxation="interval", max_nodes=64,
                                   node_batch=8, seed=0)
        assert not result.certified and result.stop_reason == "max_nodes"
        assert result.gap > 0 and result.nodes <= 64 + 2
        if goal == "max":
            assert result.value <= values.max() + 1e-12 <= result.bound + 2e-12
        else:
            assert result.value >= values.min() - 1e-12 >= result.bound - 2e-12
        assert result.gap == pytest.approx(abs(result.bound - result.value))


def test_cutoff_closes_bounds_within_the_gap_of_the_incumbent():
    # scores are outputs before the sigmoid: a bound closes its node when its
    # output is within gap_tol (1 + |v|) of the incumbent's output v
    problem = make_problem(random_net(4, 1, "relu", "sigmoid", seed=0), 0, "max")
    cutoff = Cutoff(GapRule(problem, gap_tol=1e-3), best=0.5)
    v = 1 / (1 + np.exp(-0.5))
    just_in = np.log(1 / (1 / (v + 0.9e-3 * (1 + v)) - 1))     # output v + 0.9 tolerances
    just_out = np.log(1 / (1 / (v + 1.1e-3 * (1 + v)) - 1))
    ub = np.array([0.4, 0.5, just_in, just_out, 3.0])
    assert cutoff.best == 0.5
    assert cutoff(ub).tolist() == [True, True, True, False, False]
    assert cutoff(ub, strict=True).tolist() == [True, True, False, False, False]


def test_time_budget_returns_uncertified_result():
    net = random_net(16, 1, "tanh", "sigmoid", seed=11, width=24)
    result = best_binary_input(net, relaxation="interval", time_limit=1e-9, seed=0)
    assert result.stop_reason == "time_limit"
    assert not result.certified and result.gap > 0
    assert result.bound >= exhaustive_values(net, 0).max() - 1e-12


# ---------------------------------------------------------------------------
# local search
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_local_search_ends_in_a_local_optimum(seed):
    k = 12
    net = random_net(k, 1 + seed % 2, HIDDEN[seed], "sigmoid", seed=seed, width=8)
    for goal in ("max", "min"):
        result = best_binary_input(net, goal=goal, method="local", restarts=4, seed=seed)
        assert result.method == "local" and result.stop_reason == "local_optimum"
        assert set(np.unique(result.x)) <= {0.0, 1.0}
        flips = np.repeat(result.x[None], k, axis=0)
        flips[np.arange(k), np.arange(k)] = 1 - flips[np.arange(k), np.arange(k)]
        neighbours = net.forward(flips)[:, 0]
        if goal == "max":
            assert np.all(neighbours <= result.value + 1e-12) and result.bound >= result.value
        else:
            assert np.all(neighbours >= result.value - 1e-12) and result.bound <= result.value
        assert result.nodes == 0 and result.evaluated > 0
        # xs: every climbed string (2 per restart), x the best of them
        assert result.xs.shape == (8, k) and result.values.shape == (8,)
        np.testing.assert_allclose(result.values, net.forward(result.xs)[:, 0], atol=1e-15)
        best = result.values.max() if goal == "max" else result.values.min()
        assert result.value == best
        again = best_binary_input(net, goal=goal, method="local", restarts=4, seed=seed)
        np.testing.assert_array_equal(again.x, result.x)


def test_local_finds_the_planted_pattern():
    pattern = np.random.default_rng(3).integers(0, 2, 20).astype(float)
    result = best_binary_input(planted_net(20, pattern, seed=3), method="local", seed=0)
    np.testing.assert_array_equal(result.x, pattern)


# ---------------------------------------------------------------------------
# custom layers, side effects
# ---------------------------------------------------------------------------
def test_custom_layers():
    rng = np.random.default_rng(4)
    d1, d2 = Dense(8, 5, seed=rng), Dense(5, 1, seed=rng)
    bare = mininn.Sequential([d1, Doubler(), act.Tanh(), d2, act.Sigmoid()])
    values = bare.forward(bit_rows(8))[:, 0]
    assert best_binary_input(bare, method="exhaustive").value == pytest.approx(values.max())
    assert best_binary_input(bare, method="local", seed=0).value <= values.max() + 1e-12
    with pytest.raises(ValueError, match="interval"):
        best_binary_input(bare, seed=0)
    bounded = mininn.Sequential([d1, BoundedDoubler(), act.Tanh(), d2, act.Sigmoid()])
    result = best_binary_input(bounded, seed=0)          # "auto" falls back to interval
    assert result.certified and result.value == pytest.approx(values.max(), abs=1e-12)
    with pytest.raises(ValueError, match="relaxation"):
        best_binary_input(bounded, relaxation="linear", seed=0)


def test_search_leaves_the_network_caches_alone():
    net = random_net(6, 1, "sigmoid", "sigmoid", seed=1, width=4)
    X = np.random.default_rng(0).random((5, 6))
    net.forward(X)
    dX = net.backward(np.ones((5, 1)))
    grads = [g.copy() for g in net.gradients()]
    net.forward(X)
    for method in ("exhaustive", "local", "exact"):
        best_binary_input(net, method=method, seed=0)
    np.testing.assert_array_equal(net.backward(np.ones((5, 1))), dX)
    for before, after in zip(grads, net.gradients()):
        np.testing.assert_array_equal(before, after)


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------
def test_bad_input():
    net = random_net(4, 1, "tanh", "sigmoid", n_out=2, seed=0, width=3)
    with pytest.raises(ValueError, match="output"):
        best_binary_input(net, 2)
    with pytest.raises(ValueError, match="output"):
        best_binary_input(net, -1)
    with pytest.raises(ValueError, match="output"):
        exhaustive_values(net, 5)
    with pytest.raises(TypeError, match="output"):
        best_binary_input(net, 0.5)
    with pytest.raises(ValueError, match="method"):
        best_binary_input(net, method="brute")
    with pytest.raises(ValueError, match="relaxation"):
        best_binary_input(net, relaxation="zonotope")
    with pytest.raises(ValueError, match="relaxation"):
        best_binary_input(net, relaxation="crown")          # the 0.1 name
    for goal in ("target", "maximize", None):
        with pytest.raises(ValueError, match="goal"):
            best_binary_input(net, goal=goal)
    with pytest.raises(TypeError, match="mininn.Sequential"):
        best_binary_input(lambda x: x)
    with pytest.raises(ValueError, match="number of inputs of net is unknown"):
        best_binary_input(mininn.Sequential([act.Sigmoid()]))
    with pytest.raises(ValueError, match="number of inputs of net is unknown"):
        exhaustive_values(mininn.Sequential([act.Tanh(), act.Sigmoid()]))
    for name, value in [("max_nodes", 0), ("max_nodes", -5), ("time_limit", 0.0),
                        ("time_limit", -1.0), ("restarts", 0), ("node_batch", 0),
                        ("chunk_size", 0), ("gap_tol", -1e-9), ("gap_tol", 1.0),
                        ("gap_tol", float("nan")), ("time_limit", float("nan"))]:
        with pytest.raises(ValueError, match=name):
            best_binary_input(net, **{name: value})
    for name, value in [("max_nodes", 10.5), ("node_batch", True), ("gap_tol", "1e-9"),
                        ("seed", 1.5)]:
        with pytest.raises(TypeError, match=name):
            best_binary_input(net, **{name: value})
    with pytest.raises(ValueError, match="seed"):
        best_binary_input(net, seed=-1)
    with pytest.raises(ValueError, match="chunk_size"):
        exhaustive_values(net, 0, chunk_size=0)


def test_k_too_large_for_exhaustive():
    k = MAX_EXHAUSTIVE_BITS + 1
    net = mininn.mlp([k, 2, 1], hidden="tanh", output="sigmoid", seed=0)
    with pytest.raises(ValueError, match=rf"k = {k}.*'exact'.*'local'"):
        best_binary_input(net, method="exhaustive")
    with pytest.raises(ValueError, match=f"k = {k}"):
        exhaustive_values(net, 0)
    # the other methods still work there
    assert best_binary_input(net, method="local", restarts=2, seed=0).x.shape == (k,)
