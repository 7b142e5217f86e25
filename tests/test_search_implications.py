"""Domain propagation and reduced-cost fixing in the binary search (issue 12).

Both only ever drop bit strings that cannot matter: checked by enumerating
every string of small random nodes.
"""
from __future__ import annotations

import numpy as np
import pytest
from search_nets import HIDDEN, bit_rows, random_net

from mininn.search.bounds import linear_parts
from mininn.search.implications import fix_bits, propagate
from mininn.search.problem import make_problem

K = 8
ALL = bit_rows(K)


def _members(states):
    """(2**K,) bool: the strings of the sub-cube ``states`` (-1 free)."""
    fixed = states >= 0
    return np.all(~fixed | (ALL == states), axis=1)


@pytest.mark.parametrize("seed", range(6))
def test_propagation_keeps_every_string_that_satisfies_the_splits(seed):
    rng = np.random.default_rng(seed)
    H, B = 6, 40
    W = rng.normal(0.0, 1.0, (K, H)) * rng.uniform(0.5, 3.0)
    b = rng.normal(0.0, 1.5, H)
    states = np.where(rng.random((B, K)) < 0.3, rng.integers(0, 2, (B, K)), -1).astype(np.int8)
    sigma = rng.choice([-1, 0, 0, 1], (B, H)).astype(np.int8)
    new, empty = propagate(W, b, states, sigma)
    assert np.all((states < 0) | (new == states))             # fixed bits stay fixed
    z = ALL @ W + b
    fixed_more = empty_seen = 0
    for r in range(B):
        ok = _members(states[r]) & np.all(sigma[r] * z >= 0, axis=1)
        assert np.all(_members(new[r])[ok])                    # no satisfying string lost
        if empty[r]:
            assert not ok.any()
            empty_seen += 1
        fixed_more += int((new[r] >= 0).sum() > (states[r] >= 0).sum())
    assert fixed_more > 0 and empty_seen > 0                   # not vacuous


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("seed", range(3))
def test_reduced_cost_fixing_drops_only_strings_below_the_incumbent(hidden, seed):
    rng = np.random.default_rng(seed)
    net = random_net(K, 2, hidden, "identity", seed=seed)
    problem = make_problem(net, 0, ("max", "min")[seed % 2])
    B = 60
    states = np.where(rng.random((B, K)) < rng.uniform(0.0, 0.9, (B, 1)), rng.integers(0, 2, (B, K)), -1).astype(np.int8)
    free = states < 0
    lo = (states == 1).astype(float)
    hi = np.where(free, 1.0, lo)
    lin, coef, _ = linear_parts(problem.layers, lo, hi)
    scores = problem.score(ALL)
    fixed_total = 0
    for quantile in (0.5, 0.9, 0.99, 1.0):
        best = float(np.quantile(scores, quantile))
        closed = lambda u, strict=False: np.asarray(u) <= best  # noqa: E731
        new, new_free = fix_bits(states, free, lin, coef, closed)
        assert np.array_equal(new_free, new < 0)
        for r in range(B):
            dropped = _members(states[r]) & ~_members(new[r])
            assert np.all(scores[dropped] <= best + 1e-12 * (1 + abs(best)))
            fixed_total += int(dropped.any())
    assert fixed_total > 0
