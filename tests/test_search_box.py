"""Best input in a continuous box, certified by branch and bound."""
from __future__ import annotations

import numpy as np
import pytest
from search_nets import random_net

from mininn.search import ExactResult, best_box_input


@pytest.mark.parametrize("k,hidden,seed", [(1, "tanh", 0), (1, "sigmoid", 1), (2, "sigmoid", 2),
                                           (2, "relu", 3), (2, "softplus", 4), (2, "tanh", 5),
                                           (2, "leaky_relu", 6)])
def test_box_search_is_certified_against_a_fine_grid(k, hidden, seed):
    net = random_net(k, 2, hidden, "sigmoid", seed=seed, width=6)
    lo, hi = np.array([-1.0, 0.0])[:k], np.array([2.0, 1.5])[:k]
    axes = [np.linspace(a, b, 20001 if k == 1 else 401) for a, b in zip(lo, hi)]
    grid = np.stack(np.meshgrid(*axes), axis=-1).reshape(-1, k)
    values = net.forward(grid)[:, 0]
    gap_tol = 1e-7
    for goal in ("max", "min"):
        result = best_box_input(net, goal=goal, bounds=(lo, hi), gap_tol=gap_tol, seed=seed)
        assert isinstance(result, ExactResult) and result.method == "box"
        assert result.certified and result.stop_reason == "proved"
        assert result.gap <= gap_tol * (1 + abs(result.value))
        assert np.all(result.x >= lo) and np.all(result.x <= hi)
        assert result.value == pytest.approx(net.forward(result.x[None])[0, 0], abs=1e-15)
        slack = gap_tol * (1 + abs(result.value))
        if goal == "max":
            # no grid point beats the certified bound, and the value is at
            # least as good as the grid's best (up to the tolerance)
            assert values.max() <= result.bound + 1e-12
            assert result.value >= values.max() - slack
        else:
            assert values.min() >= result.bound - 1e-12
            assert result.value <= values.min() + slack


def test_box_search_large_outputs_proved_iff_certified():
    net = random_net(2, 1, "tanh", "identity", seed=3, width=6)
    net.layers[-2].params["b"] += 2e4                # the last Dense (then Identity)
    for goal in ("max", "min"):
        result = best_box_input(net, goal=goal, bounds=(-1.0, 1.0), seed=0)
        assert abs(result.value) > 1e4
        assert result.certified and result.stop_reason == "proved"
        assert result.gap <= 1e-6 * (1 + abs(result.value))


def test_box_search_budget_and_bad_input():
    net = random_net(4, 2, "tanh", "sigmoid", seed=8, width=8)
    result = best_box_input(net, bounds=(-3.0, 3.0), max_nodes=3, node_batch=1, seed=0)
    assert not result.certified and result.stop_reason == "max_nodes" and result.gap > 0
    with pytest.raises(ValueError, match="bounds"):
        best_box_input(net, bounds=([0, 0, 1, 0], 1.0))
    with pytest.raises(ValueError, match="bounds"):
        best_box_input(net, bounds=([0, 0], [1, 1]))
    with pytest.raises(ValueError, match="bounds"):
        best_box_input(net, bounds=(0.0, np.inf))
    with pytest.raises(TypeError, match="bounds"):
        best_box_input(net, bounds=0.5)
    with pytest.raises(ValueError, match="gap_tol"):
        best_box_input(net, gap_tol=0.0)
    with pytest.raises(ValueError, match="output"):
        best_box_input(net, 3)
    with pytest.raises(ValueError, match="goal"):
        best_box_input(net, goal="target")
    with pytest.raises(ValueError, match="node_batch"):
        best_box_input(net, node_batch=0)
