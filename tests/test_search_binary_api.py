"""A walk through the public API of the binary and box searches and the bounds.

Every function takes ``net, output`` positionally (output defaulting to 0)
and everything else by keyword, with the words of the shared vocabulary;
every result has the same attributes.
"""
from __future__ import annotations

import importlib
import inspect
import time

import numpy as np
import pytest
from search_nets import random_net

import mininn
from mininn import search
from mininn.search import ExactResult
from mininn.search.binary import search_bits
from mininn.search.problem import make_problem

FUNCTIONS = {
    "best_binary_input": {"goal", "method", "relaxation", "restarts", "max_nodes", "time_limit",
                          "node_batch", "chunk_size", "gap_tol", "seed", "progress"},
    "best_box_input": {"goal", "bounds", "relaxation", "gap_tol", "restarts", "max_nodes",
                       "time_limit", "node_batch", "seed", "progress"},
    "exhaustive_values": {"chunk_size"},
    "output_bounds": {"bounds", "relaxation"},
}
# words of 0.1 that must not come back
RETIRED = {"maximize", "bound", "tol", "batch_size", "lo", "hi"}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_signature_net_output_positional_rest_keyword_only(name):
    function = getattr(search, name)
    params = list(inspect.signature(function).parameters.values())
    assert [p.name for p in params[:2]] == ["net", "output"]
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params[:2])
    assert params[0].default is inspect.Parameter.empty and params[1].default == 0
    rest = params[2:]
    assert all(p.kind is p.KEYWORD_ONLY for p in rest)
    assert {p.name for p in rest} == FUNCTIONS[name]
    assert not RETIRED & {p.name for p in params}
    if "seed" in FUNCTIONS[name]:
        assert inspect.signature(function).parameters["seed"].default is None
    if "goal" in FUNCTIONS[name]:
        assert inspect.signature(function).parameters["goal"].default == "max"


def test_defaults_of_the_vocabulary():
    binary = inspect.signature(search.best_binary_input).parameters
    box = inspect.signature(search.best_box_input).parameters
    assert binary["method"].default == "exact" and binary["relaxation"].default == "auto"
    assert binary["node_batch"].default == 512 and binary["gap_tol"].default == 1e-9
    assert box["bounds"].default == (0.0, 1.0) and box["gap_tol"].default == 1e-6
    bounds = inspect.signature(search.output_bounds).parameters
    assert bounds["bounds"].default is inspect.Parameter.empty
    assert bounds["relaxation"].default == "linear"
    assert set(search.BINARY_METHODS) == {"exact", "exhaustive", "local"}
    assert set(search.RELAXATIONS) == {"auto", "linear", "interval"}


def test_extra_positional_arguments_are_refused():
    net = random_net(4, 1, "tanh", "sigmoid", seed=0, width=3)
    with pytest.raises(TypeError):
        search.best_binary_input(net, 0, "exact")
    with pytest.raises(TypeError):
        search.best_box_input(net, 0, "max")
    with pytest.raises(TypeError):
        search.output_bounds(net, 0, (0.0, 1.0))
    with pytest.raises(TypeError):
        search.exhaustive_values(net, 0, 16)


def _results(net):
    yield "exact", search.best_binary_input(net, 1, seed=0)
    yield "exhaustive", search.best_binary_input(net, 1, method="exhaustive")
    yield "local", search.best_binary_input(net, 1, goal="min", method="local", restarts=3,
                                            seed=0)
    yield "box", search.best_box_input(net, 1, bounds=(-1.0, 1.0), seed=0)


def test_result_attributes():
    net = random_net(5, 1, "tanh", "sigmoid", n_out=2, seed=2, width=3)
    for method, result in _results(net):
        assert isinstance(result, ExactResult)
        assert result.method == method and result.output == 1
        assert result.goal == ("min" if method == "local" else "max")
        assert result.x.shape == (5,) and result.x.dtype == np.float64
        assert isinstance(result.value, float)
        assert result.value == pytest.approx(net.forward(result.x[None])[0, 1], abs=1e-15)
        assert result.xs.ndim == 2 and result.xs.shape[1] == 5
        assert result.values.shape == (result.xs.shape[0],)
        assert result.n_starts == result.xs.shape[0]
        assert any(np.array_equal(row, result.x) for row in result.xs)
        if method != "local":
            np.testing.assert_array_equal(result.xs, result.x[None])
        for name in ("bound", "gap", "seconds"):
            assert isinstance(getattr(result, name), float)
        assert isinstance(result.certified, bool)
        assert isinstance(result.nodes, int) and isinstance(result.evaluated, int)
        assert result.seconds >= 0 and result.gap >= 0
        assert result.gap == pytest.approx(abs(result.bound - result.value))
        assert result.certified == (result.gap <= result_tol(method) * (1 + abs(result.value)))
        if method in ("exact", "box"):
            assert (result.stop_reason == "proved") == result.certified
            assert result.nodes >= 1
        text = result.summary()
        assert "ExactResult" in text and "certified" in text and "gap" in text
        assert "<table>" in result._repr_html_()
        if method != "box":
            assert "".join(str(int(b)) for b in result.x) in repr(result)


def result_tol(method):
    return 1e-6 if method == "box" else 1e-9


def test_exported_at_top_level():
    assert mininn.best_binary_input is search.best_binary_input
    assert not hasattr(mininn, "binary")
    with pytest.raises(ImportError):
        importlib.import_module("mininn.binary")


@pytest.mark.parametrize("search_name", ["best_binary_input", "best_box_input"])
def test_progress_reports_end_with_the_result(search_name):
    net = mininn.mlp([30, 16, 1], hidden="relu", output="identity", seed=3)
    seen = []
    result = getattr(search, search_name)(net, seed=0, progress=seen.append,
                                          max_nodes=20_000)
    assert seen and all(isinstance(p, search.Progress) for p in seen)
    last = seen[-1]
    assert last.stop_reason == result.stop_reason
    assert last.nodes == result.nodes and last.value == pytest.approx(result.value)
    assert last.bound == pytest.approx(result.bound, abs=1e-6 * (1 + abs(result.bound)))
    assert [p.nodes for p in seen] == sorted(p.nodes for p in seen)
    assert all(p.stop_reason is None for p in seen[:-1])
    assert result.bound_evaluations >= result.nodes > 0


@pytest.mark.parametrize("limit", [8, None])
def test_progress_says_when_the_search_goes_depth_first(monkeypatch, limit):
    monkeypatch.setattr(search.branch_and_bound, "PROGRESS_EVERY", 0.0)   # every step
    problem = make_problem(mininn.mlp([16, 12, 1], hidden="tanh", output="identity", seed=3),
                           0, "max")
    seen = []
    out = search_bits(problem, np.zeros(16), relaxation="interval", gap_tol=1e-9,
                      max_nodes=None, time_limit=None, node_batch=4, t0=time.perf_counter(),
                      best_first_limit=limit, progress=seen.append)
    assert out.stop_reason == "proved" and len(seen) > 10
    deep = [p for p in seen if p.depth_first]
    assert all(p.open > 8 for p in deep)
    if limit is None:
        assert not deep
    else:
        assert deep and all(p.open <= 8 for p in seen if not p.depth_first)
        assert "depth first" in str(deep[0]) and "depth first" not in str(seen[-1])


def test_progress_true_prints_and_wrong_type_names_progress(capsys):
    net = mininn.mlp([12, 6, 1], hidden="relu", output="identity", seed=3)
    result = search.best_binary_input(net, seed=0, progress=True)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert f"{result.nodes:,} nodes" in line and "proved" in line
    for value in ("yes", 1):
        with pytest.raises(TypeError, match="progress"):
            search.best_binary_input(net, seed=0, progress=value)
