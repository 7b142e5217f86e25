"""The benchmark script keeps working, and the core's fast paths give the plain formulas' numbers.

``benchmarks/run.py --quick`` runs every workload on tiny sizes in a
subprocess (no timing is asserted: a unit test cannot know how loaded the
machine is). It must succeed whether or not PyTorch and scikit-learn are
installed; the second run hides them to check that they are reported as
skipped, never a crash.

The core was tuned for the benchmark (in-place arithmetic on large arrays,
a broadcast product for one-output Dense layers, a row copy for one-sample
bias gradients). Those paths must give the same numbers, bit for bit, as
the plain textbook expressions they replace; the tests below compare them
on arrays large enough to take the fast paths.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mininn
from mininn.activations import sigmoid
from mininn.layers import IN_PLACE_MIN_SIZE

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "run.py"
# What issue 5 asks the benchmark to cover.
WORKLOADS = ["tutorial_per_sample", "tutorial_full_batch", "medium", "input_gradient_2016",
             "input_gradient_tanh", "projected_ascent_2016", "projected_ascent_tanh",
             "binary_exhaustive", "binary_exact_hidden", "binary_exact_random",
             "binary_exact_normal", "gradcheck", "demo"]

# Run as a script, but with the named top-level packages made unimportable.
BLOCKER = """
import runpy, sys
blocked = set(sys.argv[1].split(","))
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ImportError(f"{name} is hidden by the test")
        return None
sys.meta_path.insert(0, Blocker())
script = sys.argv[2]
sys.argv = sys.argv[2:]
runpy.run_path(script, run_name="__main__")
"""


def _run(args, tmp_path, blocked=None, timeout=240):
    env = dict(os.environ, MPLBACKEND="Agg")
    if blocked:
        cmd = [sys.executable, "-c", BLOCKER, ",".join(blocked), str(SCRIPT), *args]
    else:
        cmd = [sys.executable, str(SCRIPT), *args]
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"exit code {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _by_key(report):
    return {w["key"]: w for w in report["workloads"]}


def test_quick_run_writes_a_consistent_report_and_a_chart(tmp_path):
    out_json, out_png = tmp_path / "bench.json", tmp_path / "bench.png"
    stdout = _run(["--quick", "--rounds", "1", "--json", str(out_json), "--plot", str(out_png)],
                  tmp_path)
    assert "== Targets (issue 5)" in stdout
    report = json.loads(out_json.read_text())
    assert report["quick"] is True and report["rounds"] == 1
    workloads = _by_key(report)
    assert set(workloads) == set(WORKLOADS)
    for key, w in workloads.items():
        assert w["error"] == "", (key, w["error"])
        assert w["trusted"], (key, w["checks"])      # every agreement check passed
        for c in w["contenders"]:
            assert len(c["times"]) == 1 and c["times"][0] > 0, (key, c["name"])
    # mininn's own contenders are never skipped where their module exists
    tutorial = workloads["tutorial_per_sample"]
    names = [c["name"] for c in tutorial["contenders"]]
    assert "mininn fit" in names and "NumPy by hand (lean loop)" in names
    assert any(c["label"].startswith("max |W mininn - W NumPy by hand|") for c in tutorial["checks"])
    if any(c["library"] in ("torch", "sklearn") for w in workloads.values()
           for c in w["contenders"]):
        # a ratio target was drawn
        assert out_png.stat().st_size > 1000


def test_missing_torch_and_sklearn_are_skipped_not_a_crash(tmp_path):
    out_json = tmp_path / "bench.json"
    stdout = _run(["--quick", "--rounds", "1", "--json", str(out_json), "--only",
                   "tutorial_per_sample", "medium", "input_gradient_2016",
                   "projected_ascent_2016"], tmp_path, blocked=["torch", "sklearn"])
    assert "torch: not installed" in stdout
    workloads = _by_key(json.loads(out_json.read_text()))
    assert set(workloads) == {"tutorial_per_sample", "medium", "input_gradient_2016",
                              "projected_ascent_2016"}
    for key, w in workloads.items():
        assert w["error"] == "" and w["trusted"], key
        assert "PyTorch" in w["skipped"], key
        assert all(c["library"] not in ("torch", "sklearn") for c in w["contenders"])
        # targets against the missing library are reported as not measured
        for t in w["targets"]:
            if "PyTorch" in t["label"] or "torch" in t["label"] or "scikit" in t["label"]:
                assert t["value"] is None and t["met"] is None, (key, t)
    assert "scikit-learn" in workloads["tutorial_per_sample"]["skipped"]


def test_unknown_workload_is_refused(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--only", "nonsense"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "invalid choice" in done.stderr


# ------------------------------------------------- fast paths = plain formulas
LARGE = (IN_PLACE_MIN_SIZE // 64 + 3, 64)    # just above the in-place threshold


def _plain_sigmoid(z):
    with np.errstate(over="ignore", under="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def test_sigmoid_large_arrays_match_the_plain_formula_and_stay_warning_free():
    z = np.random.default_rng(0).uniform(-40, 40, LARGE)
    z[0, :4] = [-1e4, 1e4, -709.9, 709.9]
    assert z.size >= IN_PLACE_MIN_SIZE
    with np.errstate(all="raise"):
        got = sigmoid(z)
    np.testing.assert_array_equal(got, _plain_sigmoid(z))
    assert got is not z and np.all(z[0, :2] == [-1e4, 1e4])   # input untouched
    assert got[0, 0] == 0.0 and got[0, 1] == 1.0                # the limits, no warning
    assert got[0, 2] == pytest.approx(np.exp(-709.9), rel=1e-12)  # tail stays exact
    # the small path agrees with the large one, element by element
    np.testing.assert_array_equal(np.vstack([sigmoid(row[None, :]) for row in z[:5]]), got[:5])
    assert isinstance(sigmoid(3.0), float) and sigmoid(3.0) == _plain_sigmoid(3.0)
    np.testing.assert_array_equal(sigmoid([[0, 1], [2, -3]]), _plain_sigmoid(np.array([[0.0, 1], [2, -3]])))
    np.testing.assert_array_equal(sigmoid(np.array([True, False])), [_plain_sigmoid(1.0), 0.5])
    with np.errstate(all="raise"):
        tiny = sigmoid(np.array([-745.0, -709.5, -720.0, -1e4, 1e4, 750.0]))
    assert tiny[0] == tiny[2] == tiny[3] == 0.0 and np.all(tiny[4:] == 1.0)
    assert tiny[1] == pytest.approx(np.exp(-709.5), rel=1e-3)    # subnormal, still close


@pytest.mark.parametrize("cls, derivative", [
    (mininn.Sigmoid, lambda a: a * (1.0 - a)),
    (mininn.Tanh, lambda a: 1.0 - a * a),
])
@pytest.mark.parametrize("shape", [(3, 5), LARGE])
def test_activation_backward_matches_the_plain_formula(cls, derivative, shape):
    rng = np.random.default_rng(1)
    z, da = rng.normal(0, 3, shape), rng.standard_normal(shape)
    layer = cls()
    a = layer.forward(z)
    da_before = da.copy()
    np.testing.assert_array_equal(layer.backward(da), da * derivative(a))
    np.testing.assert_array_equal(da, da_before)            # upstream gradient untouched
    # a complex upstream gradient (complex-step checks) still gets the full product
    dc = da + 1j * rng.standard_normal(shape)
    np.testing.assert_array_equal(layer.backward(dc), dc * derivative(a))
    # so does one that broadcasts to a larger shape
    big = rng.standard_normal((2,) + shape)
    np.testing.assert_array_equal(layer.backward(big), big * derivative(a))


@pytest.mark.parametrize("n, n_in, n_out", [(1, 2, 3), (7, 2, 3), (LARGE[0], 20, 64),
                                            (50, 20, 1), (50, 3, 1), (1, 64, 1)])
def test_dense_fast_paths_match_the_plain_formulas(n, n_in, n_out):
    rng = np.random.default_rng(2)
    layer = mininn.Dense(n_in, n_out, seed=3)
    layer.params["b"][:] = rng.standard_normal(n_out)
    W, b = layer.params["W"], layer.params["b"]
    x, dy = rng.standard_normal((n, n_in)), rng.standard_normal((n, n_out))
    np.testing.assert_array_equal(layer.forward(x), x @ W + b)
    dx = layer.backward(dy)
    np.testing.assert_array_equal(dx, dy @ W.T)
    np.testing.assert_array_equal(layer.backward_input(dy), dy @ W.T)
    np.testing.assert_array_equal(layer.grads["W"], x.T @ dy)
    np.testing.assert_array_equal(layer.grads["b"], dy.sum(axis=0))
    # the bias gradient is a fresh array, never a view of the upstream gradient
    assert not np.shares_memory(layer.grads["b"], dy)
    # a complex bias (complex-step check) is still added, not cast away
    layer.params["b"] = b + 1e-20j
    assert np.iscomplexobj(layer.forward(x))


def test_fit_gives_the_same_weights_as_a_hand_written_loop():
    # per-sample SGD on the 2016 problem, no shuffling: mininn's fit against
    # the textbook update written out by hand, bit for bit
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    Y = np.array([[1.0], [0.0], [0.0], [0.0]])
    net = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=0)
    W1, b1, W2, b2 = (p.copy() for p in net.parameters())
    mininn.fit(net, X, Y, "mse", mininn.SGD(0.1), epochs=50, batch_size=1, shuffle=False)
    for _ in range(50):
        for i in range(4):
            x, t = X[i:i + 1], Y[i:i + 1]
            h = _plain_sigmoid(x @ W1 + b1)
            p = _plain_sigmoid(h @ W2 + b2)
            d2 = (2.0 * (p - t)) * (p * (1.0 - p))
            d1 = (d2 @ W2.T) * (h * (1.0 - h))
            W2 -= 0.1 * (h.T @ d2)
            b2 -= 0.1 * d2.sum(axis=0)
            W1 -= 0.1 * (x.T @ d1)
            b1 -= 0.1 * d1.sum(axis=0)
    for got, want in zip(net.parameters(), [W1, b1, W2, b2]):
        np.testing.assert_array_equal(got, want)
