"""Propagation, reduced-cost fixing and implied intervals in the binary search (issue 12).

The first two only ever drop bit strings that cannot matter: checked by
enumerating every string of small random nodes. The implied intervals are
the exact bounds of a linear program with one split: checked against every
vertex of its feasible set.
"""
from __future__ import annotations

import numpy as np
import pytest
from search_nets import HIDDEN, bit_rows, random_net

from mininn.search.bounds import linear_parts
from mininn.search.implications import ImpliedTable, fix_bits, implied_intervals, propagate
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


def _lp_vertices(q, r):
    """Every vertex of {x in [0, 1]^K : q . x >= r}: the bit strings that satisfy
    it, and the points with one coordinate between 0 and 1 on q . x = r."""
    points = [ALL[ALL @ q >= r]]
    for i in np.flatnonzero(q != 0):
        base = ALL.copy()
        base[:, i] = 0.0
        t = (r - base @ q) / q[i]
        inside = (t >= 0) & (t <= 1)
        base[:, i] = t
        points.append(base[inside])
    return np.concatenate(points)


@pytest.mark.parametrize("seed", range(4))
def test_implied_intervals_are_the_exact_bounds_of_one_split(seed):
    rng = np.random.default_rng(seed)
    H = 5
    W = rng.normal(0.0, 1.0, (K, H))
    b = rng.normal(0.0, 0.7, H)
    b[0] = np.abs(W[:, 0]).sum() + 0.5          # unit 0 is active on the whole cube
    lo, hi = implied_intervals(W, b, max_elements=400)       # a few units at a time
    assert lo.shape == hi.shape == (H, 2, H)
    for m in range(H):
        for s, sigma in enumerate((-1.0, 1.0)):
            q, r = sigma * W[:, m], -sigma * b[m]   # the split: q . x >= r
            z = _lp_vertices(q, r) @ W + b
            if len(z) == 0:                         # no point of the cube is on this side
                assert m == 0 and s == 0
                assert np.all(hi[m, s] == -np.inf) and np.all(lo[m, s] == np.inf)
                continue
            np.testing.assert_allclose(hi[m, s], z.max(axis=0), atol=1e-8)
            np.testing.assert_allclose(lo[m, s], z.min(axis=0), atol=1e-8)
            # sound on every bit string of the split's side
            strings = ALL[ALL @ q >= r] @ W + b
            assert np.all(strings <= hi[m, s]) and np.all(strings >= lo[m, s])
            # the split unit itself lies on its side of 0
            assert (lo[m, s, m] >= -1e-8) if s == 1 else (hi[m, s, m] <= 1e-8)
    # a split narrows the other units: somewhere strictly inside the cube's interval
    box_hi = b + np.maximum(W, 0).sum(axis=0)
    assert np.any(hi[1:] < box_hi - 1e-6)


def test_implied_table_computes_each_row_once_on_first_use():
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(K, 6)), rng.normal(size=6)
    lo, hi = implied_intervals(W, b)
    table = ImpliedTable(W, b)
    units, side = np.array([4, 1, 4, 1, 4]), np.array([0, 1, 1, 0, 0])
    got_lo, got_hi = table(units, side)
    np.testing.assert_array_equal(got_hi, hi[units, side])
    np.testing.assert_array_equal(got_lo, lo[units, side])
    assert table.known.tolist() == [False, True, False, False, True, False]
    table.W = None                     # a known row is not computed again
    np.testing.assert_array_equal(table(np.array([1]), np.array([1]))[1], hi[[1], [1]])
