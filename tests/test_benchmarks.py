"""The benchmark script keeps working, and ``fit`` takes the textbook update, bit for bit.

``benchmarks/run.py --quick`` runs every workload on tiny sizes in a
subprocess (no timing is asserted: a unit test cannot know how loaded the
machine is). It must succeed whether or not PyTorch and scikit-learn are
installed; the second run hides them to check that they are reported as
skipped, never a crash.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import mininn

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
    assert "== Targets (issue 9)" in stdout and "== Targets (issue 5)" in stdout
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


# The chart of a run whose longest target label is the shortcut row's; prints
# the number of bars, the leftmost edge of a label (pixels) and the bars' width
# as a fraction of the figure. Run in its own process: run.py pins BLAS threads.
CHART = """
import sys, types
sys.path.insert(0, sys.argv[1])
import run

class Target:
    unit, op, threshold = "x", ">=", 1.3
    def __init__(self, label):
        self.label = label
    def evaluate(self, w):
        return {"value": 1.65, "met": True}

long = ("worth of Layer.backward_params (no dL/dX for the data): "
        "'mininn fit without the shortcut (dL/dX formed)' / mininn fit")
targets = [Target(long)] + [Target("PyTorch eager / mininn")] * 13
fig = run.chart([types.SimpleNamespace(key="medium", trusted=True, targets=targets)])
fig.canvas.draw()
renderer = fig.canvas.get_renderer()
labels = fig.axes[0].get_yticklabels()
print(len(labels), min(l.get_window_extent(renderer).x0 for l in labels),
      fig.axes[0].get_position().width)
"""


def test_chart_labels_are_wrapped_and_fit_in_the_figure(tmp_path):
    # 0.1's chart cut the longest labels off at the left edge
    done = subprocess.run([sys.executable, "-c", CHART, str(SCRIPT.parent)], cwd=tmp_path,
                          env=dict(os.environ, MPLBACKEND="Agg"), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    bars, left, width = done.stdout.split()
    assert int(bars) == 14
    assert float(left) >= 0.0                # no label starts outside the figure
    assert float(width) >= 0.5               # and the bars keep half of its width


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


# ---------------------------------------- fit against the textbook update
def _plain_sigmoid(z):
    with np.errstate(over="ignore", under="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


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
