"""What a node splits (mininn.search.branching, issue 12).

* a hidden unit on its chord (output coefficient > 0) promises that
  coefficient times the gap of the chord at the witness (the point where
  the node's linear bound is largest), worked out here by hand for one
  hidden layer; units on their line through 0, split and stable units
  promise nothing;
* the chooser learns, per kind of split, what children achieved against
  what was promised (capped by the incumbent), and chooses by the
  calibrated promises; with no evidence yet it takes the promises as
  they are.
"""
from __future__ import annotations

import numpy as np
import pytest

from search_nets import random_net

from mininn.search import branching
from mininn.search.branching import BIT, UNIT, SplitChooser, unit_promises
from mininn.search.optimised import Units, split_bound
from mininn.search.problem import make_problem


@pytest.mark.parametrize("hidden", ["relu", "leaky_relu"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unit_promise_is_the_gap_of_its_line_at_the_witness(hidden, seed):
    k, width, B = 6, 8, 16
    net = random_net(k, 1, hidden, "identity", seed=seed, width=width)
    slope = getattr(net.layers[1], "negative_slope", 0.0)
    problem = make_problem(net, 0, "max")
    units = Units(problem.layers, k)
    rng = np.random.default_rng(seed)
    lo = (rng.random((B, k)) < 0.3).astype(float)         # some bits fixed to 1 ...
    hi = np.where(rng.random((B, k)) < 0.3, lo, 1.0)     # ... some to their lo
    sigma = rng.choice([-1.0, 0.0, 0.0, 0.0, 1.0], (B, width))
    nb = split_bound(problem.layers, units, lo, hi, sigma, None, None, steps=0)
    witness = np.where(nb.coef > 0, hi, lo)
    score, _ = unit_promises(problem.layers, units, nb.tape, nb.intervals, sigma, witness)

    # by hand: z = x W + b; the rule's lines; lambda_j = the output weight
    W, b = net.layers[0].params["W"], net.layers[0].params["b"]
    lam = net.layers[2].params["W"][:, 0]
    l = b + lo @ np.maximum(W, 0) + hi @ np.minimum(W, 0)
    u = b + hi @ np.maximum(W, 0) + lo @ np.minimum(W, 0)
    l = np.where(sigma > 0, np.maximum(l, 0.0), l)          # split units: one side
    u = np.where(sigma < 0, np.minimum(u, 0.0), u)
    unstable = (l < 0) & (u > 0)
    z = np.where(nb.coef > 0, hi, lo) @ W + b
    f = np.where(z > 0, z, slope * z)
    chord_slope = (u - slope * l) / np.where(unstable, u - l, 1.0)
    chord = slope * l + chord_slope * (z - l)                # through (l, f(l)), (u, f(u))
    # only units on their chord (lambda > 0: a convex hinge's upper line) promise
    gap = np.where(lam > 0, chord - f, 0.0)
    expected = np.where(unstable & (sigma == 0), np.abs(lam) * gap, 0.0)
    np.testing.assert_allclose(score, expected, rtol=1e-12, atol=1e-12)
    assert (score >= 0).all() and (score > 0).any()
    assert (unstable & (sigma == 0) & (lam < 0)).any()     # the rule was exercised


def _children(parent_ub, split, promised):
    return {"parent_ub": np.asarray(parent_ub, float), "split": np.asarray(split, np.int8),
            "promised": np.asarray(promised, float)}


def test_a_child_achieves_what_it_closed_of_its_parents_gap():
    chooser = SplitChooser(np.full(3, 0.5))
    nodes = _children([5.0, 5.0, 5.0, 5.0, np.inf], [BIT, BIT, UNIT, UNIT, UNIT],
                      [2.0, 2.0, 1.0, 1.0, 7.0])
    ub = np.array([3.0, 6.0, -np.inf, 4.5, 1.0])
    chooser.learn(nodes, ub, best=4.0)
    # 5 -> 3 closes the whole gap to the incumbent (1); 6 is no better than 5;
    # an empty child closes the gap (1); 5 -> 4.5 closes 0.5; an unbounded
    # parent is not counted
    np.testing.assert_allclose(chooser.achieved, [1.0, 1.5])
    np.testing.assert_allclose(chooser.promised, [4.0, 2.0])
    np.testing.assert_array_equal(chooser.observed, [2, 2])
    chooser.learn({"states": np.zeros((1, 3))}, np.ones(1), best=0.0)   # the root: nothing
    np.testing.assert_array_equal(chooser.observed, [2, 2])


def test_ratios_are_one_until_enough_children_were_seen():
    chooser = SplitChooser(np.full(2, 0.5))
    n = branching.MIN_OBSERVED
    chooser.learn(_children(np.full(n - 1, 2.0), np.full(n - 1, UNIT), np.ones(n - 1)),
                  np.full(n - 1, 1.9), best=0.0)
    assert chooser.ratio(UNIT) == 1.0 and chooser.ratio(BIT) == 1.0
    chooser.learn(_children([2.0], [UNIT], [1.0]), np.array([1.9]), best=0.0)
    assert chooser.ratio(UNIT) == pytest.approx(0.1)


def test_the_choice_follows_the_calibrated_promises():
    k, N = 4, 3
    free = np.array([[True, True, False, True]] * 2)
    coef = np.array([[0.1, -0.4, 9.0, 0.2]] * 2)        # bit 2 is fixed: not a candidate
    score = np.array([[0.05, 0.15, 0.0], [0.05, 0.3, 0.0]])
    chooser = SplitChooser(np.full(N, 0.5))              # unit promise = score / 0.5
    fields = chooser.choose(np.array([3.0, 2.0]), free, coef, score)
    # promises: bit 1 gives 0.4; unit 1 gives 0.3 and 0.6
    np.testing.assert_array_equal(fields["choice"], [1, k + 1])
    np.testing.assert_array_equal(fields["split"], [BIT, UNIT])
    np.testing.assert_allclose(fields["promised"], [0.4, 0.6])
    np.testing.assert_allclose(fields["parent_ub"], [3.0, 2.0])
    # units that achieved a tenth of their promise, bits all of theirs
    n = branching.MIN_OBSERVED
    chooser.learn(_children(np.full(2 * n, 2.0), [UNIT] * n + [BIT] * n, np.ones(2 * n)),
                  np.concatenate([np.full(n, 1.9), np.full(n, 1.0)]), best=0.0)
    np.testing.assert_array_equal(chooser.choose(np.ones(2), free, coef, score)["choice"],
                                  [1, 1])
    # a unit that may never be split (preference inf) is never chosen
    never = SplitChooser(np.full(N, np.inf))
    assert (never.choose(np.ones(2), free, coef, 100 * score)["split"] == BIT).all()
    # a cut at a point other than 0 promises CUT_PREFERENCE times less
    cut = np.zeros((2, N), bool)
    cut[1, 1] = True
    fields = SplitChooser(np.full(N, 0.5)).choose(np.ones(2), free, coef, score, cut)
    np.testing.assert_allclose(fields["promised"][1], 0.4)   # the bit: 0.6 / 8 < 0.4
