"""One SGD step of the digits CNN of issue 13: mininn, bare NumPy, mininn's loops, PyTorch.

Usage::

    python benchmarks/conv_step.py                # 30 rounds of 20 steps per contender
    python benchmarks/conv_step.py --quick        # a few rounds: checks that the script works
    python benchmarks/conv_step.py --json out.json

The workload: Conv 8@3x3 pad 1 -> ReLU -> MaxPool 2 -> Flatten -> Dense 10,
softmax cross-entropy (mean over the batch), a batch of 128 digits as
(128, 1, 8, 8) float64 images, and one SGD step (lr 0.1) that also forms the
gradient of the loss with respect to the input images. The contenders:

* ``mininn``: the layers of ``mininn.convolution`` / ``mininn.pooling`` /
  ``mininn.layers``, called in sequence (forward, loss, backward down to the
  input, ``mininn.optim.SGD``);
* ``numpy im2col``: the same step written as bare NumPy in this file (im2col
  rows per output pixel, max pooling by reshaping the 8 x 8 maps into 2 x 2
  blocks) -- what one writes without a library;
* ``mininn loops``: mininn with ``Conv2D`` swapped for the readable loop
  version (``conv2d_loop`` / ``conv2d_backward_loop``);
* ``pytorch``: the same network in PyTorch eager mode, same weights (if torch
  is importable; ``pip install torch==2.13.0``).

BLAS (and PyTorch) run on ONE thread (threadpoolctl if installed, else the
environment variables, set before NumPy loads). Contenders run interleaved,
A B C D A B C D ..., each round from the same weights; the table gives the
median and minimum time per step and ratios of medians. Before timing, every
contender makes one step from the same weights, and its updated weights,
input gradient and loss must agree with mininn's to 1e-12.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import statistics
import sys
import time

HAVE_THREADPOOLCTL = importlib.util.find_spec("threadpoolctl") is not None
if not HAVE_THREADPOOLCTL:        # must happen before NumPy loads its BLAS
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

from mininn.activations import ReLU  # noqa: E402
from mininn.convolution import Conv2D, conv2d_backward_loop, conv2d_loop  # noqa: E402
from mininn.datasets import load_digits  # noqa: E402
from mininn.layers import Dense  # noqa: E402
from mininn.losses import SoftmaxCrossEntropy  # noqa: E402
from mininn.optim import SGD  # noqa: E402
from mininn.pooling import Flatten, MaxPool2D  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

BATCH, LR, TOL = 128, 0.1, 1e-12
TARGET_TORCH_RATIO = 1.0      # issue 13: mininn's step no slower than PyTorch eager
TARGET_LOOP_RATIO = 50.0      # issue 13: the loop version within 50x of PyTorch eager
THREAD_LIMITER = None


# ----------------------------------------------------------------- the data
def digits_batch():
    X, y = load_digits()
    return np.ascontiguousarray(X[:BATCH].reshape(BATCH, 1, 8, 8)), y[:BATCH].copy()


def initial_weights():
    conv, dense = Conv2D(1, 8, 3, padding=1, seed=0), Dense(128, 10, seed=1)
    conv.params["b"] = np.random.default_rng(2).normal(0, 0.1, size=8)   # nonzero biases
    dense.params["b"] = np.random.default_rng(3).normal(0, 0.1, size=10)
    return {"W1": conv.params["W"], "b1": conv.params["b"],
            "W2": dense.params["W"], "b2": dense.params["b"]}


# ----------------------------------------------------------- the contenders
class LoopConv2D(Conv2D):
    """Conv2D computed by the readable loop versions."""

    def forward(self, x):
        self._x = x
        return conv2d_loop(x, self.params["W"], self.params["b"], self.stride, self.padding)

    def backward(self, dy):
        dx, self.grads["W"], self.grads["b"] = conv2d_backward_loop(
            dy, self._x, self.params["W"], self.stride, self.padding)
        return dx


class MininnStep:
    def __init__(self, weights, conv_class=Conv2D):
        conv, dense = conv_class(1, 8, 3, padding=1), Dense(128, 10)
        conv.params.update(W=weights["W1"].copy(), b=weights["b1"].copy())
        dense.params.update(W=weights["W2"].copy(), b=weights["b2"].copy())
        self.layers = [conv, ReLU(), MaxPool2D(2), Flatten(), dense]
        self.loss, self.opt = SoftmaxCrossEntropy(), SGD(lr=LR)

    def __call__(self, X, y):
        a = X
        for layer in self.layers:
            a = layer.forward(a)
        loss = self.loss.forward(a, y)
        d = self.loss.backward()
        for layer in reversed(self.layers):
            d = layer.backward(d)
        params = [p for layer in self.layers for p in layer.params.values()]
        grads = [layer.grads[k] for layer in self.layers for k in layer.params]
        self.opt.step(params, grads)
        return loss, d

    def weights(self):
        conv, dense = self.layers[0], self.layers[-1]
        return {"W1": conv.params["W"], "b1": conv.params["b"],
                "W2": dense.params["W"], "b2": dense.params["b"]}


class NumpyStep:
    """The step in bare NumPy: conventional im2col (one row per output pixel)."""

    def __init__(self, weights):
        self.w = {k: v.copy() for k, v in weights.items()}

    def __call__(self, X, y):
        W1, b1, W2, b2 = self.w["W1"], self.w["b1"], self.w["W2"], self.w["b2"]
        n = X.shape[0]
        xp = np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1)))
        cols = sliding_window_view(xp, (3, 3), axis=(2, 3)).transpose(0, 2, 3, 1, 4, 5)
        cols = cols.reshape(n * 64, 9)                              # rows (n, i, j)
        z = cols @ W1.reshape(8, 9).T + b1                          # (n 64, 8)
        a = np.maximum(z, 0.0)
        blocks = a.reshape(n, 4, 2, 4, 2, 8)                        # 2 x 2 blocks of the maps
        windows = blocks.transpose(0, 1, 3, 5, 2, 4).reshape(n, 4, 4, 8, 4)
        first = windows.argmax(axis=-1)[..., None] == np.arange(4)  # ties: the first maximum
        pooled = windows.max(axis=-1)                               # (n, 4, 4, 8)
        flat = pooled.transpose(0, 3, 1, 2).reshape(n, 128)         # channel-first, as Flatten
        logits = flat @ W2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = -np.mean(shifted[np.arange(n), y] - np.log(total[:, 0]))
        dlogits = exp / total
        dlogits[np.arange(n), y] -= 1.0
        dlogits /= n
        dW2, db2 = flat.T @ dlogits, dlogits.sum(axis=0)
        dpooled = (dlogits @ W2.T).reshape(n, 8, 4, 4).transpose(0, 2, 3, 1)
        dwin = (first * dpooled[..., None]).reshape(n, 4, 4, 8, 2, 2).transpose(0, 1, 4, 2, 5, 3)
        dz = dwin.reshape(n * 64, 8) * (z > 0)
        dW1, db1 = (dz.T @ cols).reshape(8, 1, 3, 3), dz.sum(axis=0)
        dcols = (dz @ W1.reshape(8, 9)).reshape(n, 8, 8, 3, 3)
        dxp = np.zeros_like(xp)
        for p in range(3):
            for q in range(3):
                dxp[:, 0, p:p + 8, q:q + 8] += dcols[:, :, :, p, q]
        for key, grad in (("W1", dW1), ("b1", db1), ("W2", dW2), ("b2", db2)):
            self.w[key] -= LR * grad
        return float(loss), dxp[:, :, 1:-1, 1:-1]

    def weights(self):
        return self.w


class TorchStep:
    def __init__(self, weights):
        conv = torch.nn.Conv2d(1, 8, 3, padding=1, dtype=torch.float64)
        dense = torch.nn.Linear(128, 10, dtype=torch.float64)
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(weights["W1"]))
            conv.bias.copy_(torch.from_numpy(weights["b1"]))
            dense.weight.copy_(torch.from_numpy(weights["W2"].T.copy()))   # Linear stores W.T
            dense.bias.copy_(torch.from_numpy(weights["b2"]))
        self.model = torch.nn.Sequential(conv, torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                         torch.nn.Flatten(), dense)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR)
        self.xt = self.yt = None

    def __call__(self, X, y):
        if self.xt is None:          # tensors made once: the data is not part of the step
            self.xt = torch.from_numpy(X).requires_grad_(True)
            self.yt = torch.from_numpy(y)
        self.xt.grad = None
        self.opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(self.model(self.xt), self.yt)
        loss.backward()
        self.opt.step()
        return float(loss.detach()), self.xt.grad

    def weights(self):
        conv, dense = self.model[0], self.model[4]
        return {"W1": conv.weight.detach().numpy(), "b1": conv.bias.detach().numpy(),
                "W2": dense.weight.detach().numpy().T, "b2": dense.bias.detach().numpy()}


# ------------------------------------------------------ checks and timing
def agreement(make, weights, X, y, reference):
    """Largest difference to mininn after one step: weights, input gradient, loss."""
    step = make(weights)
    loss, dx = step(X, y)
    dx = dx.numpy() if torch is not None and isinstance(dx, torch.Tensor) else dx
    ref_loss, ref_dx, ref_w = reference
    diffs = [abs(loss - ref_loss), float(np.max(np.abs(dx - ref_dx)))]
    diffs += [float(np.max(np.abs(np.asarray(step.weights()[k]) - ref_w[k]))) for k in ref_w]
    return max(diffs)


def measure(contenders, weights, X, y, rounds, steps):
    """Interleaved rounds; each round times ``steps`` steps from fresh weights. ms/step."""
    times = {name: [] for name in contenders}
    for make in contenders.values():          # warm-up (imports, first allocations)
        make(weights)(X, y)
    for _ in range(rounds):
        for name, make in contenders.items():
            n_steps = max(1, steps // 20) if name == "mininn loops" else steps
            step = make(weights)
            gc.collect()
            gc.disable()
            start = time.perf_counter()
            for _ in range(n_steps):
                step(X, y)
            elapsed = time.perf_counter() - start
            gc.enable()
            times[name].append(1e3 * elapsed / n_steps)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--steps", type=int, default=20, help="steps per timed run")
    parser.add_argument("--quick", action="store_true", help="3 rounds of 4 steps")
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args(argv)
    rounds, steps = (3, 4) if args.quick else (args.rounds, args.steps)

    global THREAD_LIMITER             # kept alive: the pin holds while it exists
    if HAVE_THREADPOOLCTL:
        from threadpoolctl import threadpool_limits
        THREAD_LIMITER = threadpool_limits(limits=1)
    if torch is not None:
        torch.set_num_threads(1)

    X, y = digits_batch()
    weights = initial_weights()
    contenders = {"mininn": MininnStep, "numpy im2col": NumpyStep,
                  "mininn loops": lambda w: MininnStep(w, LoopConv2D)}
    if torch is not None:
        contenders["pytorch"] = TorchStep

    ref_step = MininnStep(weights)
    ref_loss, ref_dx = ref_step(X, y)
    reference = (ref_loss, ref_dx.copy(), {k: v.copy() for k, v in ref_step.weights().items()})
    checks = {name: agreement(make, weights, X, y, reference)
              for name, make in contenders.items() if name != "mininn"}
    for name, diff in checks.items():
        print(f"agreement {name} vs mininn after one step (weights, input gradient, loss): "
              f"max |diff| = {diff:.1e} {'ok' if diff <= TOL else 'FAILED'} (tol {TOL:g})")

    times = measure(contenders, weights, X, y, rounds, steps)
    median = {k: statistics.median(v) for k, v in times.items()}
    base = median.get("pytorch", median["mininn"])
    base_name = "pytorch" if "pytorch" in median else "mininn"
    print(f"\nOne SGD step incl. input gradient, batch {BATCH} x (1, 8, 8), float64, "
          f"1 thread, {rounds} rounds")
    print(f"{'contender':<14} {'median ms':>10} {'min ms':>8} {'x ' + base_name:>10} "
          f"{'x mininn':>9}")
    for name in contenders:
        print(f"{name:<14} {median[name]:>10.3f} {min(times[name]):>8.3f} "
              f"{median[name] / base:>10.2f} {median[name] / median['mininn']:>9.2f}")
    targets = {}
    if "pytorch" in median:
        targets["mininn / pytorch <= 1"] = median["mininn"] / median["pytorch"]
        targets["loops / pytorch <= 50"] = median["mininn loops"] / median["pytorch"]
        limits = {"mininn / pytorch <= 1": TARGET_TORCH_RATIO,
                  "loops / pytorch <= 50": TARGET_LOOP_RATIO}
        for label, value in targets.items():
            print(f"target {label}: {value:.2f} {'met' if value <= limits[label] else 'NOT met'}")
    else:
        print("pytorch not importable: skipped (pip install torch==2.13.0)")

    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"median_ms": median, "min_ms": {k: min(v) for k, v in times.items()},
                       "agreement": checks, "targets": targets, "rounds": rounds, "steps": steps,
                       "numpy": np.__version__,
                       "torch": torch.__version__ if torch is not None else None,
                       "threadpoolctl": HAVE_THREADPOOLCTL, "machine": platform.machine(),
                       "python": platform.python_version()}, handle, indent=2)
    return 0 if all(diff <= TOL for diff in checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
