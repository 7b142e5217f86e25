"""Tests of mininn.binary: exhaustive, local and exact (branch and bound) search
for the best binary input, and the soundness of the bounds it relies on."""
from __future__ import annotations

import numpy as np
import pytest

import mininn
import mininn.binary
from mininn import activations as act
from mininn.binary import (MAX_EXHAUSTIVE_BITS, BinarySearchResult, BoxSearchResult, _relax,
                           best_binary_input, best_box_input, exhaustive_values, output_bounds)
from mininn.layers import Dense, Layer

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "identity"]


def bit_rows(k: int) -> np.ndarray:
    """All 2**k bit strings by hand: row i holds the bits of i, MSB in column 0."""
    index = np.arange(2 ** k)
    return ((index[:, None] >> np.arange(k - 1, -1, -1)) & 1).astype(np.float64)


def random_net(k, n_hidden, hidden, output, n_out=1, seed=0, width=None):
    """An MLP with xavier weights scaled up 1-3x and N(0, 1) biases, so that
    the activations work in their non-linear range."""
    rng = np.random.default_rng(seed)
    widths = [int(rng.integers(2, 9)) if width is None else width for _ in range(n_hidden)]
    net = mininn.mlp([k, *widths, n_out], hidden=hidden, output=output, seed=rng)
    for layer in net.layers:
        if isinstance(layer, Dense):
            layer.params["W"] *= rng.uniform(1.0, 3.0)
            layer.params["b"][...] = rng.normal(0.0, 1.0, layer.params["b"].shape)
    return net


def planted_net(k, pattern, seed=0):
    """A k-h-1 sigmoid net whose unique maximiser is ``pattern``.

    Six "aligned" hidden units have weights +w on the pattern's ones and -w on
    its zeros (w in [0.5, 1.5]), so each is largest exactly at the pattern;
    their output weights are positive. Flipping any bit lowers every aligned
    unit's pre-activation by at least 0.5, which lowers the output logit by
    more than 0.3; four random "distractor" units with output weights +-0.05
    can move it by at most 0.2. So the pattern is the unique maximiser.
    """
    rng = np.random.default_rng(seed)
    sign = 2.0 * pattern - 1.0
    aligned = sign[:, None] * rng.uniform(0.5, 1.5, (k, 6))
    distract = rng.normal(0.0, 1.0, (k, 4))
    d1 = Dense(k, 10)
    d1.params["W"] = np.concatenate([aligned, distract], axis=1)
    d1.params["b"] = np.concatenate([-np.clip(aligned, 0, None).sum(axis=0) + 0.5,
                                     rng.normal(0.0, 1.0, 4)])
    d2 = Dense(10, 1)
    out_weights = np.concatenate([rng.uniform(0.5, 1.5, 6), rng.choice([-0.05, 0.05], 4)])
    d2.params["W"] = out_weights[:, None]
    d2.params["b"] = np.array([-2.0])
    return mininn.Sequential([d1, act.Sigmoid(), d2, act.Sigmoid()])


# ---------------------------------------------------------------------------
# exact == exhaustive on many random networks
# ---------------------------------------------------------------------------
def _cases(n=60):
    cases = []
    for i in range(n):
        cases.append(dict(seed=100 + i, k=3 + i % 10, n_hidden=i % 4, hidden=HIDDEN[i % 6],
                          output=("sigmoid", "identity")[(i // 6) % 2], n_out=1 + (i // 4) % 2,
                          bound="interval" if (i // 6) % 3 == 2 else "auto"))
    return cases


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"k{c['k']}-{c['n_hidden']}x{c['hidden']}"
                         f"-{c['output']}-{c['bound']}-s{c['seed']}")
def test_exact_equals_exhaustive(case):
    net = random_net(case["k"], case["n_hidden"], case["hidden"], case["output"],
                     n_out=case["n_out"], seed=case["seed"])
    j = case["n_out"] - 1
    values = exhaustive_values(net, j)
    for maximize in (True, False):
        full = best_binary_input(net, j, "exhaustive", maximize=maximize)
        exact = best_binary_input(net, j, "exact", maximize=maximize, bound=case["bound"],
                                  seed=case["seed"])
        optimum = values.max() if maximize else values.min()
        assert full.value == pytest.approx(optimum, abs=1e-12)
        assert exact.value == pytest.approx(optimum, abs=1e-12)
        assert exact.certified and exact.stop_reason == "proved"
        assert exact.gap <= 1e-12
        assert exact.upper_bound == pytest.approx(exact.value, abs=1e-12)
        n_optimal = np.count_nonzero(np.abs(values - optimum) <= 1e-12)
        if n_optimal == 1:
            np.testing.assert_array_equal(exact.x, full.x)
        # whatever x is returned, it attains the reported value
        assert net.forward(exact.x[None])[0, j] == pytest.approx(exact.value, abs=1e-15)


@pytest.mark.parametrize("case", _cases()[::3],
                         ids=lambda c: f"k{c['k']}-{c['hidden']}-s{c['seed']}")
def test_branch_and_bound_alone_finds_the_optimum(case, monkeypatch):
    """With a useless first incumbent (all zeros instead of the local search),
    tiny batches, and depth-first popping after 4 open nodes, the branch and
    bound must still find and certify the optimum by itself."""
    def weak_incumbent(problem, rng, restarts):
        x = np.zeros(problem.k)
        return x, float(problem.score(x[None])[0]), 1

    monkeypatch.setattr(mininn.binary, "_local", weak_incumbent)
    monkeypatch.setattr(mininn.binary, "_BEST_FIRST_LIMIT", 4)
    net = random_net(case["k"], case["n_hidden"], case["hidden"], case["output"],
                     n_out=case["n_out"], seed=case["seed"])
    j = case["n_out"] - 1
    values = exhaustive_values(net, j)
    for maximize, batch_size in [(True, 1), (False, 3)]:
        result = best_binary_input(net, j, "exact", maximize=maximize, bound=case["bound"],
                                   batch_size=batch_size)
        optimum = values.max() if maximize else values.min()
        assert result.value == pytest.approx(optimum, abs=1e-12)
        assert result.certified and result.gap <= 1e-12


def test_exact_certifies_planted_20_bit_pattern():
    rng = np.random.default_rng(7)
    pattern = rng.integers(0, 2, 20).astype(float)
    net = planted_net(20, pattern, seed=7)
    result = best_binary_input(net, 0, "exact")
    np.testing.assert_array_equal(result.x, pattern)
    assert result.certified and result.stop_reason == "proved"
    assert result.upper_bound == pytest.approx(result.value, abs=1e-12)
    assert result.gap <= 1e-12
    assert result.value == pytest.approx(net.forward(pattern[None])[0, 0], abs=1e-15)
    # interval bounds certify it too (with more nodes, never fewer than 1)
    interval = best_binary_input(net, 0, "exact", bound="interval")
    np.testing.assert_array_equal(interval.x, pattern)
    assert interval.certified and interval.nodes >= result.nodes >= 1
    # and exhaustive agrees (2**20 strings)
    np.testing.assert_array_equal(best_binary_input(net, 0, "exhaustive").x, pattern)


def test_saturated_sigmoid_output_is_still_exact():
    # output logit up to ~80: sigma rounds to exactly 1.0 on many strings; the
    # search runs on the logit, so it still finds the largest logit
    net = random_net(8, 1, "tanh", "sigmoid", seed=3, width=6)
    net.layers[-2].params["W"] *= 40.0
    logits = exhaustive_values(net[:-1], 0)
    result = best_binary_input(net, 0, "exact")
    assert result.value == exhaustive_values(net, 0).max()
    assert result.certified
    assert net[:-1].forward(result.x[None])[0, 0] == pytest.approx(logits.max(), rel=1e-12)


# ---------------------------------------------------------------------------
# exhaustive against a naive forward
# ---------------------------------------------------------------------------
class Doubler(Layer):
    """A custom layer (y = 2x) without ``interval``."""

    def forward(self, x):
        return 2.0 * x

    def backward(self, dy):
        return 2.0 * dy


class BoundedDoubler(Doubler):
    def interval(self, lo, hi):
        return 2.0 * lo, 2.0 * hi


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
    if k <= 12:
        np.testing.assert_array_equal(X, mininn.datasets.all_bit_strings(k))
    for name, net in _exhaustive_nets(k).items():
        j = net.n_outputs - 1
        naive = net.forward(X)[:, j]
        sizes = [1, 7, 100, 2 ** k + 3] if k <= 9 else [1000, 4096, 2 ** k + 3]
        for chunk in sizes:
            values = exhaustive_values(net, j, chunk_size=chunk)
            np.testing.assert_allclose(values, naive, rtol=1e-12, atol=1e-13, err_msg=name)
            for maximize in (True, False):
                result = best_binary_input(net, j, "exhaustive", maximize=maximize,
                                           chunk_size=chunk)
                target = naive.max() if maximize else naive.min()
                assert result.value == pytest.approx(target, abs=1e-12), name
                assert result.certified and result.gap == 0 and result.evaluated == 2 ** k
                assert result.stop_reason == "enumerated"


# ---------------------------------------------------------------------------
# budgets
# ---------------------------------------------------------------------------
def test_node_budget_returns_uncertified_result_with_gap():
    net = random_net(16, 1, "tanh", "sigmoid", seed=11, width=24)
    values = exhaustive_values(net, 0)
    for maximize in (True, False):
        result = best_binary_input(net, 0, "exact", maximize=maximize, bound="interval",
                                   max_nodes=64, batch_size=8)
        assert not result.certified
        assert result.stop_reason == "max_nodes"
        assert result.gap > 0
        assert result.nodes <= 64 + 2
        optimum = values.max() if maximize else values.min()
        if maximize:
            assert result.value <= optimum + 1e-12 <= result.upper_bound + 2e-12
        else:
            assert result.value >= optimum - 1e-12 >= result.upper_bound - 2e-12
        assert result.gap == pytest.approx(abs(result.upper_bound - result.value))


def test_time_budget_returns_uncertified_result():
    net = random_net(16, 1, "tanh", "sigmoid", seed=11, width=24)
    result = best_binary_input(net, 0, "exact", bound="interval", time_limit=1e-9)
    assert result.stop_reason == "time_limit"
    assert not result.certified and result.gap > 0
    assert result.upper_bound >= exhaustive_values(net, 0).max() - 1e-12


# ---------------------------------------------------------------------------
# soundness of the bounds
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("layer", [act.Sigmoid(), act.Tanh(), act.ReLU(), act.LeakyReLU(0.1),
                                   act.LeakyReLU(3.0), act.Softplus(), act.Identity()],
                         ids=lambda layer: repr(layer))
def test_relaxation_lines_enclose_the_activation(layer):
    rng = np.random.default_rng(0)
    for scale in [1e-10, 0.01, 1.0, 5.0, 40.0, 800.0]:
        a, b = rng.normal(0, scale, 500), rng.normal(0, scale, 500)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        lo[:20] = hi[:20]                                  # zero-width intervals
        aU, bU, aL, bL = _relax(layer, lo, hi)
        z = lo + rng.random((40, 1)) * (hi - lo)
        z = np.concatenate([z, lo[None], hi[None]])
        f = layer.forward(z)
        slack = 1e-14 * (1.0 + np.abs(z) + np.abs(f))     # rounding of a*z + b
        assert np.all(aL * z + bL <= f + slack)
        assert np.all(f <= aU * z + bU + slack)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_output_bounds_hold_on_random_boxes(hidden):
    rng = np.random.default_rng(1)
    net = random_net(6, 2, hidden, "sigmoid", seed=5, width=7)
    centre = rng.uniform(-1, 2, (30, 6))
    radius = rng.uniform(0, 1, (30, 6)) * (rng.random((30, 6)) < 0.7)
    lo, hi = centre - radius, centre + radius
    lower_i, upper_i = output_bounds(net, lo, hi, bound="interval")
    lower_c, upper_c = output_bounds(net, lo, hi, bound="crown")
    assert np.all(upper_c <= upper_i + 1e-12) and np.all(lower_c >= lower_i - 1e-12)
    X = lo[:, None, :] + rng.random((30, 200, 6)) * (hi - lo)[:, None, :]
    f = net.forward(X.reshape(-1, 6)).reshape(30, 200)
    for lower, upper in [(lower_i, upper_i), (lower_c, upper_c)]:
        assert np.all(f <= upper[:, None] + 1e-12)
        assert np.all(f >= lower[:, None] - 1e-12)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_output_bounds_never_underestimate_subcube_extremes(hidden):
    k = 10
    rng = np.random.default_rng(2)
    net = random_net(k, 2, hidden, "identity", seed=9, width=6)
    values = exhaustive_values(net, 0)
    X = bit_rows(k)
    for _ in range(20):
        fixed = rng.random(k) < rng.uniform(0, 0.8)
        bits = rng.integers(0, 2, k).astype(float)
        lo = np.where(fixed, bits, 0.0)
        hi = np.where(fixed, bits, 1.0)
        inside = np.all((X >= lo) & (X <= hi), axis=1)
        for bound in ("interval", "crown"):
            lower, upper = output_bounds(net, lo, hi, bound=bound)
            assert upper[0] >= values[inside].max() - 1e-12
            assert lower[0] <= values[inside].min() + 1e-12


# ---------------------------------------------------------------------------
# local search
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_local_search_ends_in_a_local_optimum(seed):
    k = 12
    net = random_net(k, 1 + seed % 2, HIDDEN[seed], "sigmoid", seed=seed, width=8)
    for maximize in (True, False):
        result = best_binary_input(net, 0, "local", maximize=maximize, restarts=4, seed=seed)
        assert result.method == "local" and result.stop_reason == "local_optimum"
        assert set(np.unique(result.x)) <= {0.0, 1.0}
        flips = np.repeat(result.x[None], k, axis=0)
        flips[np.arange(k), np.arange(k)] = 1 - flips[np.arange(k), np.arange(k)]
        neighbours = net.forward(flips)[:, 0]
        if maximize:
            assert np.all(neighbours <= result.value + 1e-12)
            assert result.upper_bound >= result.value
        else:
            assert np.all(neighbours >= result.value - 1e-12)
            assert result.upper_bound <= result.value
        assert result.nodes == 0 and result.evaluated > 0
        again = best_binary_input(net, 0, "local", maximize=maximize, restarts=4, seed=seed)
        np.testing.assert_array_equal(again.x, result.x)


def test_local_finds_the_planted_pattern():
    pattern = np.random.default_rng(3).integers(0, 2, 20).astype(float)
    result = best_binary_input(planted_net(20, pattern, seed=3), 0, "local", seed=0)
    np.testing.assert_array_equal(result.x, pattern)


# ---------------------------------------------------------------------------
# custom layers, side effects, result object
# ---------------------------------------------------------------------------
def test_custom_layers():
    rng = np.random.default_rng(4)
    d1, d2 = Dense(8, 5, seed=rng), Dense(5, 1, seed=rng)
    bare = mininn.Sequential([d1, Doubler(), act.Tanh(), d2, act.Sigmoid()])
    values = bare.forward(bit_rows(8))[:, 0]
    assert best_binary_input(bare, 0, "exhaustive").value == pytest.approx(values.max())
    assert best_binary_input(bare, 0, "local").value <= values.max() + 1e-12
    with pytest.raises(ValueError, match="interval"):
        best_binary_input(bare, 0, "exact")
    bounded = mininn.Sequential([d1, BoundedDoubler(), act.Tanh(), d2, act.Sigmoid()])
    result = best_binary_input(bounded, 0, "exact")          # "auto" falls back to interval
    assert result.certified and result.value == pytest.approx(values.max(), abs=1e-12)
    with pytest.raises(ValueError, match="crown"):
        best_binary_input(bounded, 0, "exact", bound="crown")


def test_search_leaves_the_network_caches_alone():
    net = random_net(6, 1, "sigmoid", "sigmoid", seed=1, width=4)
    X = np.random.default_rng(0).random((5, 6))
    net.forward(X)
    dX = net.backward(np.ones((5, 1)))
    grads = [g.copy() for g in net.gradients()]
    net.forward(X)
    for method in ("exhaustive", "local", "exact"):
        best_binary_input(net, 0, method)
    np.testing.assert_array_equal(net.backward(np.ones((5, 1))), dX)
    for before, after in zip(grads, net.gradients()):
        np.testing.assert_array_equal(before, after)


def test_result_object():
    net = random_net(5, 1, "tanh", "sigmoid", seed=2, width=3)
    result = best_binary_input(net, 0, "exact", maximize=False)
    assert isinstance(result, BinarySearchResult)
    assert result.goal == "min" and result.output == 0 and result.bound == result.upper_bound
    assert result.x.shape == (5,) and result.x.dtype == np.float64
    assert "".join(str(int(b)) for b in result.x) in repr(result)
    assert result.nodes >= 1 and result.seconds >= 0


# ---------------------------------------------------------------------------
# continuous box
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("k,hidden,seed", [(1, "tanh", 0), (1, "sigmoid", 1), (2, "sigmoid", 2),
                                           (2, "relu", 3), (2, "softplus", 4), (2, "tanh", 5)])
def test_box_search_is_certified_against_a_fine_grid(k, hidden, seed):
    net = random_net(k, 2, hidden, "sigmoid", seed=seed, width=6)
    lo, hi = np.array([-1.0, 0.0])[:k], np.array([2.0, 1.5])[:k]
    axes = [np.linspace(a, b, 20001 if k == 1 else 401) for a, b in zip(lo, hi)]
    grid = np.stack(np.meshgrid(*axes), axis=-1).reshape(-1, k)
    values = net.forward(grid)[:, 0]
    tol = 1e-7
    for maximize in (True, False):
        result = best_box_input(net, lo, hi, maximize=maximize, tol=tol, seed=seed)
        assert isinstance(result, BoxSearchResult) and result.method == "box"
        assert result.certified and result.stop_reason == "proved" and result.gap <= tol
        assert np.all(result.x >= lo) and np.all(result.x <= hi)
        assert result.value == pytest.approx(net.forward(result.x[None])[0, 0], abs=1e-15)
        if maximize:
            # no grid point beats the certified bound, and the value is at
            # least as good as the grid's best (up to the tolerance)
            assert values.max() <= result.upper_bound + 1e-12
            assert result.value >= values.max() - tol
        else:
            assert values.min() >= result.upper_bound - 1e-12
            assert result.value <= values.min() + tol


def test_box_search_budget_and_bad_input():
    net = random_net(4, 2, "tanh", "sigmoid", seed=8, width=8)
    result = best_box_input(net, -3.0, 3.0, max_nodes=3, batch_size=1)
    assert not result.certified and result.stop_reason == "max_nodes" and result.gap > 0
    with pytest.raises(ValueError, match="lo must be < hi"):
        best_box_input(net, [0, 0, 1, 0], 1.0)
    with pytest.raises(ValueError, match="shape"):
        best_box_input(net, [0, 0], [1, 1])
    with pytest.raises(ValueError, match="tol"):
        best_box_input(net, tol=0.0)
    with pytest.raises(ValueError, match="finite"):
        best_box_input(net, 0.0, np.inf)
    with pytest.raises(ValueError, match="output"):
        best_box_input(net, output=3)


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------
def test_bad_input():
    net = random_net(4, 1, "tanh", "sigmoid", n_out=2, seed=0, width=3)
    with pytest.raises(ValueError, match="output must be an index in 0..1"):
        best_binary_input(net, 2)
    with pytest.raises(ValueError, match="output"):
        best_binary_input(net, -1)
    with pytest.raises(ValueError, match="output"):
        exhaustive_values(net, 5)
    with pytest.raises(TypeError, match="output"):
        best_binary_input(net, 0.5)
    with pytest.raises(ValueError, match="method must be one of .*'brute'"):
        best_binary_input(net, 0, "brute")
    with pytest.raises(ValueError, match="bound"):
        best_binary_input(net, 0, bound="zonotope")
    with pytest.raises(TypeError, match="maximize"):
        best_binary_input(net, 0, maximize="yes")
    with pytest.raises(TypeError, match="mininn.Sequential"):
        best_binary_input(lambda x: x, 0)
    with pytest.raises(ValueError, match="no input size"):
        best_binary_input(mininn.Sequential([act.Sigmoid()]), 0)
    with pytest.raises(ValueError, match="no input size"):
        exhaustive_values(mininn.Sequential([act.Tanh(), act.Sigmoid()]))
    for name, value in [("max_nodes", 0), ("max_nodes", -5), ("time_limit", 0.0),
                        ("time_limit", -1.0), ("restarts", 0), ("batch_size", 0),
                        ("chunk_size", 0), ("tol", -1e-9), ("time_limit", float("nan"))]:
        with pytest.raises(ValueError, match=name):
            best_binary_input(net, 0, **{name: value})
    with pytest.raises(TypeError, match="max_nodes"):
        best_binary_input(net, 0, max_nodes=10.5)
    with pytest.raises(ValueError, match="chunk_size"):
        exhaustive_values(net, 0, chunk_size=0)


def test_k_too_large_for_exhaustive():
    k = MAX_EXHAUSTIVE_BITS + 1
    net = mininn.mlp([k, 2, 1], hidden="tanh", output="sigmoid", seed=0)
    with pytest.raises(ValueError, match=rf"k = {k}.*'exact'.*'local'"):
        best_binary_input(net, 0, "exhaustive")
    with pytest.raises(ValueError, match=f"k = {k}"):
        exhaustive_values(net, 0)
    # the other methods still work there
    assert best_binary_input(net, 0, "local", restarts=2).x.shape == (k,)


def test_output_bounds_bad_input():
    net = random_net(3, 1, "relu", "identity", seed=0, width=2)
    with pytest.raises(ValueError, match="lo must be <= hi"):
        output_bounds(net, [1, 1, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="shape"):
        output_bounds(net, [0, 0], [1, 1])
    with pytest.raises(ValueError, match="finite"):
        output_bounds(net, [0, 0, np.nan], [1, 1, 1])
    lower, upper = output_bounds(net, [0, 0, 0], [1, 1, 1])
    assert lower.shape == upper.shape == (1,) and lower[0] <= upper[0]
