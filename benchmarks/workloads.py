"""The workloads of issues 5 and 9: each builds a ``harness.Workload`` with its contenders.

Every builder takes a ``Sizes`` (full or ``--quick``) and returns a workload
whose contenders are ready to be timed, whose agreement checks have already
run, and whose targets restate the issue. A library that is not installed
(torch, scikit-learn) or a mininn module that does not exist yet
(``mininn.search``, ``mininn.gradcheck``, ``python -m mininn demo``) is
recorded as *skipped* with the reason -- never an exception.

Conventions shared by all contenders of a comparison:

* float64 everywhere (torch models are built with ``dtype=torch.float64``);
* identical initial weights: PyTorch and scikit-learn get a copy of mininn's
  (``torch.nn.Linear`` stores ``W.T``; scikit-learn's ``coefs_`` are ``W``);
* no shuffling (``shuffle=False``), so every library visits the samples in
  the same order and the trained weights can be compared.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import tracemalloc
import warnings
from dataclasses import dataclass
from typing import Callable, Dict, List, Tuple

import numpy as np

import mininn
from mininn.activations import Identity, ReLU, Sigmoid, Tanh
from mininn.layers import Dense

from harness import Check, Contender, Target, Workload

try:  # optional: pip install -e ".[bench]"
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None
try:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor
except ImportError:  # pragma: no cover - depends on the environment
    MLPClassifier = MLPRegressor = ConvergenceWarning = None

NO_TORCH = "PyTorch is not installed (pip install -e \".[bench]\")"
NO_SKLEARN = "scikit-learn is not installed (pip install -e \".[bench]\")"


@dataclass(frozen=True)
class Sizes:
    """Problem sizes: ``FULL`` is what issue 5 asks for, ``QUICK`` a smoke test."""

    epochs_sample: int = 5000        # 2016 net, 4 samples: 20,000 per-sample updates
    steps_full_batch: int = 5000
    medium: Tuple[int, int, int] = (784, 256, 10)
    medium_batch: int = 128
    medium_steps: int = 200
    medium_batches_per_epoch: int = 10
    grad_points: int = 1000
    grad_calls: int = 2000
    search_starts: int = 1000
    search_steps: int = 1000
    exhaustive_k: int = 20
    exhaustive_hidden: int = 32
    bnb_ks: Tuple[int, ...] = (20, 30, 40)
    random_hidden: int = 16
    gradcheck_sizes: Tuple[int, ...] = (64, 32, 10)
    train_epochs: int = 5000         # training of the nets that the searches use
    quick: bool = False


FULL = Sizes()
QUICK = Sizes(epochs_sample=25, steps_full_batch=100, medium=(64, 32, 10), medium_batch=16,
              medium_steps=6, medium_batches_per_epoch=3, grad_points=50, grad_calls=20,
              search_starts=50, search_steps=20, exhaustive_k=10, exhaustive_hidden=8,
              bnb_ks=(8, 10), random_hidden=4, gradcheck_sizes=(6, 4, 3),
              train_epochs=100, quick=True)


# ------------------------------------------------------------------ helpers
X_2016 = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
Y_2016 = np.array([[1.0], [0.0], [0.0], [0.0]])


def net_2016(seed: int = 0, output: str = "sigmoid") -> mininn.Sequential:
    """The 2016 network, 2-3-1 sigmoid, weights uniform in [0, 1)."""
    return mininn.mlp([2, 3, 1], hidden="sigmoid", output=output, init="uniform", seed=seed)


def clone(net: mininn.Sequential) -> mininn.Sequential:
    """A new network with the same architecture and a copy of the weights."""
    layers = []
    for layer in net.layers:
        if isinstance(layer, Dense):
            new = Dense(layer.n_in, layer.n_out)
            for key, value in layer.params.items():
                new.params[key] = value.copy()
        else:
            new = type(layer)(**layer.config())
        layers.append(new)
    return mininn.Sequential(layers)


def max_weight_difference(a: List[np.ndarray], b: List[np.ndarray]) -> float:
    return max(float(np.max(np.abs(np.asarray(p) - np.asarray(q)))) for p, q in zip(a, b))


_TRAINED: Dict[str, mininn.Sequential] = {}


def trained_2016(epochs: int) -> mininn.Sequential:
    """The 2016 network trained as in 2016 (cached: the input searches reuse it)."""
    if "2016" not in _TRAINED:
        net = net_2016(seed=0)
        mininn.fit(net, X_2016, Y_2016, "mse", mininn.SGD(0.1), epochs=epochs, batch_size=1,
                   seed=0)
        _TRAINED["2016"] = net
    return _TRAINED["2016"]


def tanh_net(k: int = 20) -> mininn.Sequential:
    """A 20-64-64-1 tanh network (random Xavier weights; the search does not care)."""
    return mininn.mlp([k, 64, 64, 1], hidden="tanh", output="identity", init="xavier", seed=1)


# ------------------------------------------------------------ PyTorch side
_TORCH_ACTIVATIONS = {Sigmoid: "Sigmoid", Tanh: "Tanh", ReLU: "ReLU", Identity: "Identity"}


def torch_model(net: mininn.Sequential):
    """The same network in PyTorch, float64, with a copy of mininn's weights."""
    modules = []
    for layer in net.layers:
        if isinstance(layer, Dense):
            lin = torch.nn.Linear(layer.n_in, layer.n_out, dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(layer.params["W"].T.copy()))
                lin.bias.copy_(torch.from_numpy(layer.params["b"].copy()))
            modules.append(lin)
        else:
            modules.append(getattr(torch.nn, _TORCH_ACTIVATIONS[type(layer)])())
    return torch.nn.Sequential(*modules)


def torch_weights(model) -> List[np.ndarray]:
    """PyTorch's parameters in mininn's order and layout (W as (in, out), then b)."""
    out = []
    for module in model:
        if isinstance(module, torch.nn.Linear):
            out += [module.weight.detach().numpy().T, module.bias.detach().numpy()]
    return out


def torch_trainer(net, X, Y, batch_size: int, epochs: int, lr: float, loss: str):
    """Idiomatic eager training: zero_grad, forward, loss, backward, step.

    The mini-batches are sliced once up front (a favour to PyTorch: mininn's
    ``fit`` slices inside its loop). Returns (model, run).
    """
    model = torch_model(net)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    if loss == "mse":
        loss_fn = torch.nn.MSELoss()
        Yt = torch.from_numpy(np.asarray(Y, dtype=np.float64))
    else:
        loss_fn = torch.nn.CrossEntropyLoss()
        Yt = torch.from_numpy(np.asarray(Y, dtype=np.int64))
    Xt = torch.from_numpy(X)
    n = X.shape[0]
    batches = [(Xt[s:s + batch_size], Yt[s:s + batch_size]) for s in range(0, n, batch_size)]

    def run():
        for _ in range(epochs):
            for xb, yb in batches:
                opt.zero_grad()
                value = loss_fn(model(xb), yb)
                value.backward()
                opt.step()
    return model, run


# ------------------------------------------------------- scikit-learn side
def sklearn_estimator(kind: str, net, X, y, batch_size: int, epochs: int, lr: float):
    """A scikit-learn MLP that starts from mininn's weights.

    scikit-learn draws its own initial weights; to start from mininn's, the
    estimator is fitted for one epoch (which builds its internals), then its
    ``coefs_``/``intercepts_`` are overwritten and ``warm_start=True`` makes
    the timed ``fit`` continue from them. momentum 0, alpha 0 (no L2), tol 0,
    and n_iter_no_change larger than the epochs so it never stops early.
    """
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    hidden = tuple(layer.n_out for layer in dense[:-1])
    act = {Sigmoid: "logistic", Tanh: "tanh", ReLU: "relu", Identity: "identity"}[
        type(net.layers[1])]
    cls = MLPRegressor if kind == "regressor" else MLPClassifier
    est = cls(hidden_layer_sizes=hidden, activation=act, solver="sgd", learning_rate="constant",
              learning_rate_init=lr, momentum=0.0, nesterovs_momentum=False, alpha=0.0,
              tol=0.0, batch_size=batch_size, shuffle=False, max_iter=1,
              n_iter_no_change=epochs + 10, early_stopping=False, random_state=0,
              warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    est.coefs_ = [layer.params["W"].copy() for layer in dense]
    est.intercepts_ = [layer.params["b"].copy() for layer in dense]
    est.set_params(max_iter=epochs)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)
    return est, run


def sklearn_weights(est) -> List[np.ndarray]:
    out = []
    for W, b in zip(est.coefs_, est.intercepts_):
        out += [W, b]
    return out


# ------------------------------------------------------------ NumPy by hand
SAME_MATHS = "NumPy by hand (same maths)"


def numpy_by_hand(net, X, Y, epochs: int, lr: float):
    """The 2016 training written as a lean NumPy loop (per-sample SGD, MSE).

    No validation, no loss value, no overflow guard on exp: the floor that
    a hand-written loop reaches. Returns (weights, run).
    """
    weights = [p.copy() for p in net.parameters()]
    rows = [(X[i:i + 1], Y[i:i + 1]) for i in range(X.shape[0])]

    def run():
        W1, b1, W2, b2 = weights        # the updates below are in place
        for _ in range(epochs):
            for x, t in rows:
                h = 1.0 / (1.0 + np.exp(-(x @ W1 + b1)))
                p = 1.0 / (1.0 + np.exp(-(h @ W2 + b2)))
                d2 = 2.0 * (p - t) * (p * (1.0 - p))
                d1 = (d2 @ W2.T) * (h * (1.0 - h))
                W2 -= lr * (h.T @ d2)
                b2 -= lr * d2[0]
                W1 -= lr * (x.T @ d1)
                b1 -= lr * d1[0]
    return weights, run


def numpy_same_maths(net, X, Y, epochs: int, lr: float):
    """The lean loop, computing everything ``fit`` computes (per-sample SGD, MSE).

    On top of ``numpy_by_hand``: the loss value of every update (``fit``
    records it in its History), the bias gradient as the sum over the batch
    (the formula; ``d[0]`` is its one-row special case), and the sigmoid
    kept free of overflow warnings -- by one ``np.errstate`` around the
    whole loop, the cheapest way a hand-written loop can. Returns
    (weights, run).
    """
    weights = [p.copy() for p in net.parameters()]
    rows = [(X[i:i + 1], Y[i:i + 1]) for i in range(X.shape[0])]

    def run():
        W1, b1, W2, b2 = weights        # the updates below are in place
        losses = []
        with np.errstate(over="ignore", under="ignore"):
            for _ in range(epochs):
                total = 0.0
                for x, t in rows:
                    h = 1.0 / (1.0 + np.exp(-(x @ W1 + b1)))
                    p = 1.0 / (1.0 + np.exp(-(h @ W2 + b2)))
                    e = p - t
                    total += float(np.vdot(e, e)) / e.size
                    d2 = (2.0 / e.size) * e * (p * (1.0 - p))
                    d1 = (d2 @ W2.T) * (h * (1.0 - h))
                    W2 -= lr * (h.T @ d2)
                    b2 -= lr * d2.sum(axis=0)
                    W1 -= lr * (x.T @ d1)
                    b1 -= lr * d1.sum(axis=0)
                losses.append(total / len(rows))
        return losses
    return weights, run


# ================================================================ workloads
def tutorial(sizes: Sizes, full_batch: bool) -> Workload:
    """The 2016 network: per-sample SGD (20,000 updates) or full-batch (5,000 steps)."""
    lr = 0.1
    if full_batch:
        epochs, batch = sizes.steps_full_batch, 4
        key, title = "tutorial_full_batch", (f"Tutorial scale, full batch: 2016 net 2-3-1 sigmoid, "
                                            f"{epochs:,} steps on 4 samples")
    else:
        epochs, batch = sizes.epochs_sample, 1
        key, title = "tutorial_per_sample", (f"Tutorial scale, per-sample SGD: 2016 net 2-3-1 "
                                            f"sigmoid, {4 * epochs:,} updates")
    updates = epochs * 4 // batch
    w = Workload(key, title, unit="step" if full_batch else "update", reference="mininn fit")
    start = net_2016(seed=0)

    def mininn_prepare(output="sigmoid", rate=lr):
        net = clone(start) if output == "sigmoid" else clone_with_output(start, output)
        opt = mininn.SGD(rate)
        return net, lambda: mininn.fit(net, X_2016, Y_2016, "mse", opt, epochs=epochs,
                                       batch_size=batch, shuffle=False)

    w.contenders.append(Contender("mininn fit", "mininn", lambda: mininn_prepare()[1], updates))
    if not full_batch:
        w.contenders.append(Contender("NumPy by hand (lean loop)", "numpy",
                                      lambda: numpy_by_hand(start, X_2016, Y_2016, epochs, lr)[1],
                                      updates))
        w.contenders.append(Contender(SAME_MATHS, "numpy",
                                      lambda: numpy_same_maths(start, X_2016, Y_2016, epochs,
                                                               lr)[1], updates))
    # agreement: mininn against the hand loop, PyTorch and scikit-learn
    ref_net, run = mininn_prepare()
    history = run()
    ref = ref_net.parameters()
    if not full_batch:
        weights, run = numpy_by_hand(start, X_2016, Y_2016, epochs, lr)
        run()
        w.checks.append(Check("max |W mininn - W NumPy by hand| after training",
                              max_weight_difference(ref, weights), 1e-12))
        weights, run = numpy_same_maths(start, X_2016, Y_2016, epochs, lr)
        losses = run()
        w.checks.append(Check("max |W mininn - W NumPy same maths| after training",
                              max_weight_difference(ref, weights), 1e-12))
        # the loss values too: the same-maths loop computes what fit records
        w.checks.append(Check("max |epoch loss mininn - NumPy same maths|",
                              float(np.max(np.abs(np.subtract(history.loss, losses)))), 1e-12))
    if torch is None:
        w.skipped["PyTorch"] = NO_TORCH
    else:
        w.contenders.append(Contender(
            "PyTorch eager", "torch",
            lambda: torch_trainer(start, X_2016, Y_2016, batch, epochs, lr, "mse")[1], updates))
        model, run = torch_trainer(start, X_2016, Y_2016, batch, epochs, lr, "mse")
        run()
        w.checks.append(Check("max |W mininn - W PyTorch| after training (same maths)",
                              max_weight_difference(ref, torch_weights(model)), 1e-12))
    if MLPRegressor is None:
        w.skipped["scikit-learn"] = NO_SKLEARN
    else:
        y1 = Y_2016.ravel()
        w.contenders.append(Contender(
            "scikit-learn MLPRegressor", "sklearn",
            lambda: sklearn_estimator("regressor", start, X_2016, y1, batch, epochs, lr)[1],
            updates))
        est, run = sklearn_estimator("regressor", start, X_2016, y1, batch, epochs, lr)
        run()
        # scikit-learn: identity output, loss (1/2) mean squared error. mininn
        # with an identity output, MSE and half the learning rate takes the
        # same steps (d MSE = 2 d (MSE/2), and 0.05 * 2g = 0.1 * g exactly).
        twin, run = mininn_prepare(output="identity", rate=lr / 2)
        run()
        w.checks.append(Check(
            "max |W mininn - W scikit-learn| (mininn with identity output, lr/2)",
            max_weight_difference(twin.parameters(), sklearn_weights(est)), 1e-9))
        w.notes.append(
            "scikit-learn's MLPRegressor has an identity output layer (no final sigmoid) and "
            "minimises (1/2)*MSE, so its run is not the same computation: it saves one "
            "sigmoid per update. Its agreement is checked against mininn with an identity "
            "output and half the learning rate, which takes the same steps.")
    w.notes.append("mininn fit records the loss of every update (as scikit-learn does); "
                   "the PyTorch loop and the lean hand loop do not, the same-maths hand loop "
                   "does (issue 9's reference: 'a bare NumPy loop of the same maths').")
    if not full_batch:
        w.notes.append("the same-maths loop does the same floating-point operations as fit (its "
                       "weights and epoch losses are checked bit for bit); fit adds the calls "
                       "through network, layers, loss and optimiser, an np.errstate per sigmoid "
                       "call (the loop has one around all updates), Dense's input-width check, "
                       "SGD's gradient-shape check, a finite-loss test per update and a "
                       "parameter test every ~100 updates.")
    ratio = lambda name: (lambda wl: wl.ratio(name))  # noqa: E731
    if not full_batch:
        w.targets.append(Target(f"mininn fit / {SAME_MATHS}, per update",
                                lambda wl: wl.ratio("mininn fit", SAME_MATHS),
                                "<=", 1.25, issue="9"))
        w.targets.append(Target("PyTorch eager / mininn, per update", ratio("PyTorch eager"),
                                ">=", 4.0, issue="9"))
        w.targets.append(Target("scikit-learn / mininn, per update",
                                ratio("scikit-learn MLPRegressor"), ">=", 1.5))
    else:
        w.targets.append(Target("PyTorch eager / mininn, per step", ratio("PyTorch eager"),
                                ">=", 4.0))
        w.targets.append(Target("scikit-learn / mininn, per step",
                                ratio("scikit-learn MLPRegressor"), ">=", 1.5))
    return w


NO_SHORTCUT = "mininn fit without the shortcut (dL/dX formed)"


class WithInputGradient(mininn.Sequential):
    """A Sequential whose training backward also forms the first layer's dL/dX."""

    def _backward_params(self, dY):
        self._backward(dY)


def clone_with_output(net: mininn.Sequential, output: str) -> mininn.Sequential:
    """A copy of ``net`` whose final activation is replaced by ``output``."""
    copy = clone(net)
    copy.layers[-1] = mininn.activations.get(output)
    return copy


def medium(sizes: Sizes) -> Workload:
    """784-256-10 ReLU, batch 128, 200 SGD steps, softmax cross-entropy, float64."""
    n_in, n_hidden, n_out = sizes.medium
    batch, steps = sizes.medium_batch, sizes.medium_steps
    per_epoch = sizes.medium_batches_per_epoch
    epochs = steps // per_epoch
    steps = epochs * per_epoch
    n = batch * per_epoch
    lr = 0.01
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, n_in))
    labels = rng.integers(0, n_out, n)
    start = mininn.mlp([n_in, n_hidden, n_out], hidden="relu", output="identity", init="he",
                       seed=0)
    w = Workload("medium", f"Medium scale: {n_in}-{n_hidden}-{n_out} ReLU, batch {batch}, "
                           f"{steps} SGD steps, softmax cross-entropy, float64",
                 unit="step", reference="mininn fit")

    def mininn_prepare():
        net = clone(start)
        opt = mininn.SGD(lr)
        return net, lambda: mininn.fit(net, X, labels, mininn.SoftmaxCrossEntropy(), opt,
                                       epochs=epochs, batch_size=batch, shuffle=False)

    def bare_prepare():
        # The five products of one training step, on buffers allocated once:
        # the BLAS limit. Forward: X W1, H W2; weight gradients: X^T dZ1,
        # H^T dZ2; hidden gradient: dZ2 W2^T (the input gradient X's is not needed).
        W1, _, W2, _ = start.parameters()
        g = np.random.default_rng(1)
        H = np.maximum(g.standard_normal((batch, n_hidden)), 0.0)
        dZ1 = g.standard_normal((batch, n_hidden))
        dZ2 = g.standard_normal((batch, n_out))
        Xb = [X[s:s + batch] for s in range(0, n, batch)]
        bufs = [np.empty((batch, n_hidden)), np.empty((batch, n_out)),
                np.empty((n_in, n_hidden)), np.empty((n_hidden, n_out)),
                np.empty((batch, n_hidden))]
        mm = np.matmul

        def run():
            for _ in range(epochs):
                for xb in Xb:
                    mm(xb, W1, out=bufs[0])
                    mm(H, W2, out=bufs[1])
                    mm(xb.T, dZ1, out=bufs[2])
                    mm(H.T, dZ2, out=bufs[3])
                    mm(dZ2, W2.T, out=bufs[4])
        return run

    def no_shortcut_prepare():
        net = WithInputGradient(clone(start).layers)
        opt = mininn.SGD(lr)
        return lambda: mininn.fit(net, X, labels, mininn.SoftmaxCrossEntropy(), opt,
                                  epochs=epochs, batch_size=batch, shuffle=False)

    w.contenders.append(Contender("mininn fit", "mininn", lambda: mininn_prepare()[1], steps))
    w.contenders.append(Contender("5 bare matrix products", "numpy", bare_prepare, steps))
    w.contenders.append(Contender(NO_SHORTCUT, "mininn", no_shortcut_prepare, steps))
    ref_net, run = mininn_prepare()
    run()
    ref = ref_net.parameters()
    scale = max(float(np.max(np.abs(p))) for p in ref)
    if torch is None:
        w.skipped["PyTorch"] = NO_TORCH
    else:
        w.contenders.append(Contender(
            "PyTorch eager", "torch",
            lambda: torch_trainer(start, X, labels, batch, epochs, lr, "xent")[1], steps))
        model, run = torch_trainer(start, X, labels, batch, epochs, lr, "xent")
        run()
        w.checks.append(Check("max |W mininn - W PyTorch| / max |W| after training",
                              max_weight_difference(ref, torch_weights(model)) / scale, 1e-12))
    if MLPClassifier is None:
        w.skipped["scikit-learn"] = NO_SKLEARN
    else:
        w.contenders.append(Contender(
            "scikit-learn MLPClassifier", "sklearn",
            lambda: sklearn_estimator("classifier", start, X, labels, batch, epochs, lr)[1],
            steps))
        est, run = sklearn_estimator("classifier", start, X, labels, batch, epochs, lr)
        run()
        w.checks.append(Check("max |W mininn - W scikit-learn| / max |W| after training",
                              max_weight_difference(ref, sklearn_weights(est)) / scale, 1e-12))
    w.notes.append("all three minimise the same loss: mean softmax cross-entropy over the "
                   "batch (scikit-learn's MLPClassifier puts the softmax in its output layer, "
                   "mininn and PyTorch in the loss); same data order, same initial weights.")
    w.targets.append(Target("mininn / 5 bare matrix products (BLAS limit)",
                            lambda wl: wl.ratio("mininn fit", "5 bare matrix products"),
                            "<=", 1.15, issue="9"))
    w.targets.append(Target("worth of Layer.backward_params (no dL/dX for the data): "
                            f"'{NO_SHORTCUT}' / mininn fit",
                            lambda wl: wl.ratio(NO_SHORTCUT), ">=", 1.3, issue="9"))
    w.notes.append(f"'{NO_SHORTCUT}' trains through Sequential._backward, as if Layer had no "
                   "backward_params shortcut: the first layer also forms dL/dX = dZ1 W1^T, a "
                   "sixth product as large as X W1. The shortcut is kept because this ratio "
                   "is above 1.3.")
    w.targets.append(Target("PyTorch eager / mininn (one thread)",
                            lambda wl: wl.ratio("PyTorch eager"), ">=", 1.0))
    return w


# ------------------------------------------------------------- input search
def _input_nets(sizes: Sizes):
    return [("2016 net 2-3-1", trained_2016(sizes.train_epochs)), ("20-64-64-1 tanh net", tanh_net(20))]


BY_HAND_GRAD = "NumPy by hand (forward + backward)"
NO_INPUT_SHORTCUT = "mininn input_gradient without the shortcut (parameter gradients formed)"


class WithParameterGradients(mininn.Sequential):
    """A Sequential whose input gradient runs the full backward of every layer."""

    def _backward_input(self, dY):
        saved = [dict(layer.grads) for layer in self.layers]
        dX = self._backward(dY)
        for layer, grads in zip(self.layers, saved):
            layer.grads.update(grads)
        return dX


def input_gradient(sizes: Sizes, which: int) -> Workload:
    """d f_0 / d x for a batch of points, called many times."""
    label, net = _input_nets(sizes)[which]
    k = net.n_inputs
    n, calls = sizes.grad_points, sizes.grad_calls
    P = np.random.default_rng(2).uniform(0.0, 1.0, (n, k))
    w = Workload(f"input_gradient_{which}",
                 f"Input gradient, {label}: {n:,} points per call, {calls:,} calls",
                 unit="call", reference="mininn net.input_gradient")

    def loop(fn):
        def run():
            for _ in range(calls):
                fn()
        return run

    w.contenders.append(Contender("mininn net.input_gradient", "mininn",
                                  lambda: loop(lambda: net.input_gradient(P, 0)), calls))
    w.contenders.append(Contender("mininn net._input_gradient", "mininn",
                                  lambda: loop(lambda: net._input_gradient(P, 0)), calls))
    ref = net.input_gradient(P, 0)
    if which == 0:
        W1, b1, W2, b2 = net.parameters()

        def by_hand():
            # forward and backward of the 2-3-1 sigmoid net, the input gradient only
            h = 1.0 / (1.0 + np.exp(-(P @ W1 + b1)))
            p = 1.0 / (1.0 + np.exp(-(h @ W2 + b2)))
            return (((p * (1.0 - p)) @ W2.T) * (h * (1.0 - h))) @ W1.T

        twin = WithParameterGradients(net.layers)
        w.contenders.append(Contender(BY_HAND_GRAD, "numpy", lambda: loop(by_hand), calls))
        w.contenders.append(Contender(NO_INPUT_SHORTCUT, "mininn",
                                      lambda: loop(lambda: twin.input_gradient(P, 0)), calls))
        w.checks.append(Check("max |grad mininn - grad NumPy by hand|",
                              float(np.max(np.abs(ref - by_hand()))), 1e-12))
        w.targets.append(Target("mininn input_gradient / NumPy by hand",
                                lambda wl: wl.ratio("mininn net.input_gradient", BY_HAND_GRAD),
                                "<=", 1.25, issue="9"))
        w.targets.append(Target(f"worth of Layer.backward_input: '{NO_INPUT_SHORTCUT}' / "
                                "mininn net.input_gradient", lambda wl: wl.ratio(NO_INPUT_SHORTCUT),
                                ">=", 1.3, issue="9"))
        w.notes.append(f"'{NO_INPUT_SHORTCUT}' goes through every layer's full backward (and "
                       "puts the grads back), as if Layer had no backward_input shortcut: each "
                       "Dense layer also forms x^T dy and the bias sum. The shortcut is kept "
                       "because this ratio is above 1.3.")
    if torch is None:
        w.skipped["PyTorch"] = NO_TORCH
    else:
        model = torch_model(net)
        for p in model.parameters():
            p.requires_grad_(False)
        Pt = torch.from_numpy(P)

        def torch_grad():
            x = Pt.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(model(x)[:, 0].sum(), x)
            return g

        w.contenders.append(Contender("PyTorch torch.autograd.grad", "torch",
                                      lambda: loop(torch_grad), calls))
        w.checks.append(Check("max |grad mininn - grad PyTorch|",
                              float(np.max(np.abs(ref - torch_grad().numpy()))), 1e-12))
    w.targets.append(Target("torch.autograd.grad / mininn input_gradient",
                            lambda wl: wl.ratio("PyTorch torch.autograd.grad"), ">=", 1.8))
    return w


def _find_input():
    """``mininn.search.find_input``, or None while it does not exist."""
    try:
        module = importlib.import_module("mininn.search")
    except ImportError:
        return None
    return getattr(module, "find_input", None)


SEARCH = "mininn.search.find_input"


def projected_ascent(sizes: Sizes, which: int) -> Workload:
    """Maximise f_0 over [0, 1]^k from many starts at once, projected gradient ascent."""
    label, net = _input_nets(sizes)[which]
    k = net.n_inputs
    n, steps, lr = sizes.search_starts, sizes.search_steps, 0.1
    starts = np.random.default_rng(3).uniform(0.0, 1.0, (n, k))
    w = Workload(f"projected_ascent_{which}",
                 f"Projected gradient ascent, {label}: {n:,} starts x {steps:,} steps in [0,1]^{k}",
                 unit="step", reference="mininn lean loop (_input_gradient)")

    def lean():
        x = starts.copy()
        grad = net._input_gradient

        def run():
            for _ in range(steps):
                G = grad(x, 0)[1]
                G *= lr                      # x <- clip(x + lr * G, 0, 1), in place
                np.add(x, G, out=x)
                np.maximum(x, 0.0, out=x)    # two ufunc calls: cheaper than np.clip's wrapper
                np.minimum(x, 1.0, out=x)
            return x
        return x, run

    w.contenders.append(Contender("mininn lean loop (_input_gradient)", "mininn",
                                  lambda: lean()[1], steps))
    x_ref, run = lean()
    run()
    find_input = _find_input()
    if find_input is None:
        w.skipped[SEARCH] = "mininn.search is not available yet"
    else:
        def public():
            opt = mininn.SGD(lr)
            return lambda: find_input(net, 0, goal="max", x0=starts, method="projected",
                                      optimizer=opt, steps=steps, grad_tol=0.0)

        w.contenders.append(Contender(SEARCH, "mininn", public, steps))
        result = public()()
        w.checks.append(Check("max |xs find_input - x lean loop|",
                              float(np.max(np.abs(result.xs - x_ref))), 1e-12))
        w.notes.append("find_input records the whole trajectory (record_every=1, the default) "
                       "and checks the stopping rule at every step; the lean loop does neither.")
    if torch is None:
        w.skipped["PyTorch"] = NO_TORCH
    else:
        model = torch_model(net)
        for p in model.parameters():
            p.requires_grad_(False)

        def torch_prepare():
            x0 = torch.from_numpy(starts.copy())
            box = [x0]

            def run():
                x = box[0]
                for _ in range(steps):
                    x.requires_grad_(True)
                    (g,) = torch.autograd.grad(model(x)[:, 0].sum(), x)
                    with torch.no_grad():
                        x = (x + lr * g).clamp_(0.0, 1.0)
                box[0] = x
                return x
            return box, run

        w.contenders.append(Contender("PyTorch autograd loop", "torch",
                                      lambda: torch_prepare()[1], steps))
        box, run = torch_prepare()
        run()
        w.checks.append(Check("max |x mininn - x PyTorch| after all steps",
                              float(np.max(np.abs(x_ref - box[0].numpy()))), 1e-12))
    w.targets.append(Target("PyTorch / mininn lean loop",
                            lambda wl: wl.ratio("PyTorch autograd loop"), ">=", 1.8))
    if which == 0:
        name = SEARCH if find_input is not None else "mininn lean loop (_input_gradient)"
        budget = 0.05 * (n * steps) / 1e6       # the target is for 1,000 x 1,000
        w.targets.append(Target(f"{name}, {n:,} starts x {steps:,} steps",
                                lambda wl: wl.median(name), "<=", budget, unit="s"))
        if find_input is not None:
            w.targets.append(Target("mininn lean loop, same search",
                                    lambda wl: wl.median("mininn lean loop (_input_gradient)"),
                                    "<=", budget, unit="s"))
    return w


# ------------------------------------------------------------ binary search
def _binary_search():
    """``mininn.search.best_binary_input``, or None while it does not exist."""
    try:
        module = importlib.import_module("mininn.search")
    except ImportError:
        return None
    return getattr(module, "best_binary_input", None)


def binary_exhaustive(sizes: Sizes) -> Workload:
    k, h = sizes.exhaustive_k, sizes.exhaustive_hidden
    name = "best_binary_input(method='exhaustive')"
    w = Workload("binary_exhaustive", f"Binary search, exhaustive over 2^{k} inputs of a "
                                      f"{k}-{h}-1 sigmoid net", unit="run", reference=name)
    search = _binary_search()
    if search is None:
        w.skipped["mininn.search"] = "mininn.search.best_binary_input is not available yet"
        w.reference = ""
        return w
    net = mininn.mlp([k, h, 1], hidden="sigmoid", output="sigmoid", seed=4)
    w.contenders.append(Contender(name, "mininn",
                                  lambda: (lambda: search(net, method="exhaustive")), 1))
    tracemalloc.start()
    result = search(net, method="exhaustive")
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    w.extra["peak memory (tracemalloc, one run)"] = f"{peak:.1f} MiB"
    w.extra["best value"] = f"{result.value:.12g}"
    # Check against plain enumeration: every bit string through net.forward.
    best = -np.inf
    chunk = 1 << min(k, 14)
    for first in range(0, 2**k, chunk):
        index = np.arange(first, first + chunk)[:, None]
        bits = ((index >> np.arange(k)[::-1]) & 1).astype(float)
        best = max(best, float(np.max(net.forward(bits)[:, 0])))
    w.checks.append(Check("|best value - plain enumeration with net.forward|",
                          abs(best - result.value), 1e-12))
    w.targets.append(Target(f"exhaustive 2^{k}, median time",
                            lambda wl: wl.median(name), "<=", 0.1 * 2.0 ** (k - 20), unit="s"))
    w.targets.append(Target(f"exhaustive 2^{k}, peak memory", lambda wl: peak, "<=", 64.0,
                            unit="MiB"))
    return w


def _hidden_pattern_net(k: int, epochs: int, seed: int = 0) -> mininn.Sequential:
    """A k-16-1 sigmoid net trained to say 1 only on one hidden k-bit pattern."""
    from mininn.datasets import hidden_pattern
    X, y = hidden_pattern(k, n_samples=1024, seed=seed)[:2]
    net = mininn.mlp([k, 16, 1], hidden="sigmoid", output="sigmoid", seed=seed)
    mininn.fit(net, X, np.asarray(y, float).reshape(len(X), 1), "bce", mininn.Adam(0.02),
               epochs=epochs, batch_size=64, seed=seed)
    return net


def _normal_net(k: int, hidden: int, seed: int) -> mininn.Sequential:
    """A k-hidden-1 sigmoid net with every weight and bias drawn from N(0, 1)."""
    rng = np.random.default_rng(seed)
    net = mininn.mlp([k, hidden, 1], hidden="sigmoid", output="sigmoid", seed=seed)
    for layer in net.layers[::2]:
        for key, value in layer.params.items():
            value[...] = rng.standard_normal(value.shape)
    return net


def binary_exact(sizes: Sizes, kind: str) -> Workload:
    """Exact branch and bound on hidden-pattern or random nets, k = 20, 30, 40.

    ``kind``: "hidden" (trained on a planted pattern), "random" (mininn's
    default Xavier initialisation) or "normal" (all weights N(0, 1): larger
    weights, looser interval bounds, a much harder search).
    """
    h = sizes.random_hidden
    title = {"hidden": "trained hidden-pattern k-16-1 sigmoid networks",
             "random": f"random k-{h}-1 sigmoid networks (Xavier initialisation)",
             "normal": f"random k-{h}-1 sigmoid networks (all weights N(0, 1))"}[kind]
    # Each run is timed as it is, without a warm-up run: there is nothing to
    # warm up, and a hard instance takes tens of seconds.
    w = Workload(f"binary_exact_{kind}", f"Binary search, exact branch and bound on {title}",
                 unit="run", warmup=False,
                 rounds=None if sizes.quick else (1 if kind == "normal" else 3))
    search = _binary_search()
    if search is None:
        w.skipped["mininn.search"] = "mininn.search.best_binary_input is not available yet"
        return w
    limit = 60.0
    w.notes.append(f"best_binary_input(net, method='exact', time_limit={limit:g}) with its other "
                   f"defaults (max_nodes 10,000,000); {w.rounds or 'the global number of'} "
                   "round(s), no other library to interleave with")
    results: Dict[int, object] = {}
    for k in sizes.bnb_ks:
        if kind == "hidden":
            net = _hidden_pattern_net(k, max(1, sizes.train_epochs // 25))
        elif kind == "random":
            net = mininn.mlp([k, h, 1], hidden="sigmoid", output="sigmoid", seed=k)
        else:
            net = _normal_net(k, h, seed=k)

        def prepare(net=net, k=k):
            def run():
                results[k] = search(net, method="exact", time_limit=limit)
            return run

        w.contenders.append(Contender(f"k={k}", "mininn", prepare, 1))
        if k <= 20:   # small enough to check against enumeration (2^20 rows: 0.05 s)
            best = search(net, method="exhaustive").value
            exact = search(net, method="exact", time_limit=limit).value
            w.checks.append(Check(f"k={k}: |exact - exhaustive|", abs(best - exact), 1e-12))

    def finish():
        for k, r in sorted(results.items()):
            w.extra[f"k={k}"] = (f"value {r.value:.6g}, nodes {r.nodes:,}, evaluated "
                                 f"{r.evaluated:,}, certified {r.certified}, gap {r.gap:.3g}, "
                                 f"stop {r.stop_reason}")

    w.finish = finish
    if kind == "hidden":
        k, budget = (30 if 30 in sizes.bnb_ks else max(sizes.bnb_ks)), 1.0
    else:
        k, budget = max(sizes.bnb_ks), 30.0
    w.targets.append(Target(f"{kind} k={k} certified", lambda wl: results[k].certified, ">=", 1,
                            unit="bool"))
    # A run that stopped on its node budget has no certificate, whatever its time.
    w.targets.append(Target(
        f"{kind} k={k}, median time to a certificate",
        lambda wl: wl.median(f"k={k}") if results[k].certified else float("inf"), "<=",
        budget, unit="s"))
    return w


# ----------------------------------------------------------- gradient check
def gradient_check(sizes: Sizes) -> Workload:
    dims = list(sizes.gradcheck_sizes)
    name = "check_network (parameters + input)"
    w = Workload("gradcheck", f"Gradient check of a {'-'.join(map(str, dims))} tanh network, "
                              "all parameters and the input", unit="run", reference=name)
    try:
        check_network = importlib.import_module("mininn.gradcheck").check_network
    except (ImportError, AttributeError):
        w.skipped["mininn.gradcheck"] = "mininn.gradcheck is not available yet"
        w.reference = ""
        return w
    net = mininn.mlp(dims, hidden="tanh", output="identity", seed=5)
    rng = np.random.default_rng(6)
    X = rng.standard_normal((8, dims[0]))
    y = rng.standard_normal((8, dims[-1]))
    run = lambda: check_network(net, X, y, "mse")  # noqa: E731
    w.contenders.append(Contender(name, "mininn", lambda: run, 1))
    report = run()
    w.extra["parameters checked"] = f"{net.n_parameters():,} + {X.size} input entries"
    w.extra["report passed"] = bool(report.passed)
    w.checks.append(Check("gradient check failures", float(not report.passed), 0.0))
    return w


# -------------------------------------------------------------------- demo
def demo(sizes: Sizes) -> Workload:
    cmd = [sys.executable, "-m", "mininn", "demo"]
    name = "python -m mininn demo"
    w = Workload("demo", "python -m mininn demo, end to end (a new process)", unit="run",
                 reference=name)
    if sizes.quick:
        w.skipped[name] = "not run with --quick (it takes seconds)"
        w.reference = ""
        return w
    if importlib.util.find_spec("mininn.__main__") is None:
        w.skipped[name] = "mininn has no command line (__main__) yet"
        w.reference = ""
        return w
    env = dict(os.environ, MPLBACKEND="Agg")
    folder = tempfile.mkdtemp(prefix="mininn-bench-")   # the demo may write a PNG here

    def run():
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=folder,
                              timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[1:])} failed: {done.stderr.strip()[-300:]}")

    probe = subprocess.run(cmd + ["--help"], capture_output=True, text=True, env=env,
                           cwd=folder, timeout=120)
    if probe.returncode != 0:
        w.skipped[name] = ("the demo subcommand does not exist yet: "
                           f"{(probe.stderr or probe.stdout).strip()[-160:]}")
        w.reference = ""
        return w
    w.contenders.append(Contender(name, "mininn", lambda: run, 1))
    w.notes.append("includes starting Python and importing NumPy and matplotlib; "
                   "the PNG it draws goes to a temporary folder")
    w.targets.append(Target("demo end to end, median time", lambda wl: wl.median(name), "<=",
                            3.0, unit="s"))
    return w


# ---------------------------------------------------------------- registry
BUILDERS: Dict[str, Callable[[Sizes], Workload]] = {
    "tutorial_per_sample": lambda s: tutorial(s, full_batch=False),
    "tutorial_full_batch": lambda s: tutorial(s, full_batch=True),
    "medium": medium,
    "input_gradient_2016": lambda s: input_gradient(s, 0),
    "input_gradient_tanh": lambda s: input_gradient(s, 1),
    "projected_ascent_2016": lambda s: projected_ascent(s, 0),
    "projected_ascent_tanh": lambda s: projected_ascent(s, 1),
    "binary_exhaustive": binary_exhaustive,
    "binary_exact_hidden": lambda s: binary_exact(s, "hidden"),
    "binary_exact_random": lambda s: binary_exact(s, "random"),
    "binary_exact_normal": lambda s: binary_exact(s, "normal"),
    "gradcheck": gradient_check,
    "demo": demo,
}
