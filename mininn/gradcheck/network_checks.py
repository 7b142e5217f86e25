r"""Check a whole network: every parameter and the input against the loss.

When the check fails, every layer (and the loss) is checked on its own at
the input it sees (``diagnosis.py``), and the report names the one whose
backward is wrong -- a parameter-free Sigmoid included.
"""
from __future__ import annotations

import math

import numpy as np

from .. import losses as _losses
from .._validation import SeedLike, as_batch, check_layer_contract, check_same_samples
from .contract import accumulates, backward_changed, changed_params, crash_row, snapshot
from .diagnosis import diagnose, verdict
from .differences import DEFAULT_EPS
from .engine import Setup, check_block, check_options, checker_rng
from .function_checks import prepare_target
from .kinks import forward_watching, network_watch
from .noise import loss_scale, network_scale
from .precision import as_scalar, float64_copy, float64_params, is_low_precision
from .probes import base_point
from .report import RTOL, GradCheckReport, GradCheckRow, failure_row, shape_row


def check_network_object(net, name: str = "net") -> None:
    """A Sequential-like object: ``layers`` following the Layer contract, ``named_parameters``."""
    if not hasattr(net, "layers") or not hasattr(net, "named_parameters"):
        raise TypeError(f"{name} must be a mininn Sequential (with layers and named_parameters), "
                        f"got {type(net).__name__}")
    for i, layer in enumerate(net.layers):
        check_layer_contract(layer, f"{name}.layers[{i}]")


def network_input(net, X) -> np.ndarray:
    """X as a float64 copy of shape (n >= 1, net.n_inputs), or the images the
    network takes (``Sequential.check_input``)."""
    if callable(getattr(net, "check_input", None)):
        return net.check_input(float64_copy(X, "X"), "X")
    return as_batch(float64_copy(X, "X"), "X", getattr(net, "n_inputs", None))


def forward_layers(layers, X: np.ndarray) -> np.ndarray:
    """The network's output, layer by layer (on a copy of X: a layer may not modify it)."""
    X = X.copy()
    for layer in layers:
        X = layer.forward(X)
    return X


def _all_params(layers):
    return {(i, key): p for i, layer in enumerate(layers) for key, p in layer.params.items()}


def check_network(net, X, y, loss="mse", *, seed: SeedLike = None, eps: float = DEFAULT_EPS,
                  rtol: float = RTOL, mode: str = "full", n_samples: int = 10,
                  n_directions: int = 3, include_input: bool = True) -> GradCheckReport:
    r"""Check every parameter gradient of a network (and dL/dX) against the loss.

    For :math:`L = \mathrm{loss}(\mathrm{net}(X), y)`, one forward and backward pass
    give the analytic :math:`\partial L / \partial \theta` of every parameter
    (rows named like ``"0.Dense.W"``) and :math:`\partial L / \partial X` (row
    ``"X"``); each is compared with central differences of L. Kinks of ReLU
    and LeakyReLU units anywhere in the network are watched.

    Parameters
    ----------
    net : Sequential
    X : array (n, n_inputs), n >= 1; never modified.
    y : targets with n rows (whatever ``loss`` accepts).
    loss : Loss or str
    seed : None, int >= 0 or Generator
        For the sampled and directional modes and the diagnosis.
    eps, rtol, mode, n_samples, n_directions : see ``check_layer``.
    include_input : bool
        Also check dL/dX (row ``"X"``).
    """
    check_network_object(net)
    eps, rtol, mode, n_samples, n_directions, _ = check_options(
        eps, rtol, mode, n_samples, n_directions)
    rng = checker_rng(seed)
    layers = list(net.layers)
    low = is_low_precision(X) or any(is_low_precision(p) for p in _all_params(layers).values())
    X = network_input(net, X)
    check_same_samples(X.shape[0], y)
    loss = _losses.get(loss)
    title = f"{type(net).__name__} with {loss!r}"
    with float64_params(layers, [f"layers[{i}]" for i in range(len(layers))]):
        Y = crashing(lambda: forward_layers(layers, X))
        if isinstance(Y, GradCheckRow):
            return _with_diagnosis(net, [Y], layers, X, loss, y, rng, eps, rtol, title)
        Y = np.asarray(Y, dtype=np.float64)
        target = prepare_target(loss, y, Y.shape)
        value = as_scalar(loss.forward(Y, target), "loss.forward")
        if not math.isfinite(value):
            raise ValueError(f"the loss at X is {value}; the check needs a finite loss")
        dY = np.asarray(loss.backward(), dtype=np.float64)
        saved = snapshot({f"{i}.{type(layers[i]).__name__}.{k}": p
                          for (i, k), p in _all_params(layers).items()})
        dX = crashing(lambda: np.asarray(net.backward(dY), dtype=np.float64))
        if isinstance(dX, GradCheckRow):
            return _with_diagnosis(net, [dX], layers, X, loss, y, rng, eps, rtol, title)
        rows = _manners(net, layers, X, target, loss, saved)
        _, N = network_scale(layers, X)
        # f = L(Y): the loss's own terms, plus Y's round-off carried through dL/dY
        scale = loss_scale(loss, Y, target, value) + float(np.sum(N * np.abs(dY)))
        watch, plan = network_watch(layers, loss)

        def evaluate():
            out, watched = forward_watching(layers, X.copy(), plan)
            return loss.forward(out, target), watched

        counts = ((int(X.shape[0]), "the batch size"),)
        setup = Setup(evaluate, watch, base_point(evaluate, watch), eps, rtol, mode, rng,
                      n_samples, n_directions, scale, counts)
        for pname, param, grad in list(net.named_parameters()):
            if grad is None:
                rows.append(failure_row(pname, "the layer's grads has no entry for it after "
                                               "backward", param.size))
            elif np.shape(grad) != param.shape:
                rows.append(shape_row(pname, np.shape(grad), param.shape, "its gradient"))
            else:
                rows.append(crashing(lambda: check_block(
                    setup, pname, param, np.array(grad, dtype=np.float64)), pname))
        if include_input:
            if dX.shape != X.shape:
                rows.append(shape_row("X", dX.shape, X.shape, "backward's dX"))
            else:
                rows.append(crashing(lambda: check_block(setup, "X", X, dX), "X"))
        report = _with_diagnosis(net, rows, layers, X, loss, y, rng, eps, rtol, title,
                                 mode, n_samples, n_directions)
        # leave the layers' caches and grads as for the point checked (and the weights as given)
        loss.forward(forward_layers(layers, X), target)
        net.backward(loss.backward())
        for i, layer in enumerate(layers):
            changed_params(layer, {k.split(".", 2)[2]: v for k, v in saved.items()
                                   if k.startswith(f"{i}.")})
    for row in report.rows:
        row.low_precision = low
    return report


def crashing(run, name: str = "network"):
    """``run()``, or a FAIL row naming the caller's line if their code raises inside it."""
    try:
        return run()
    except Exception as exc:
        row = crash_row(name, "a forward or backward pass", exc)
        if row is None:
            raise
        return row


def _manners(net, layers, X, target, loss, saved) -> list:
    """The contract's rules on the whole network: backward leaves params alone, overwrites grads."""
    rows = []
    modified = []
    A = X.copy()
    for i, layer in enumerate(layers):
        before = A.copy()
        out = layer.forward(A)
        if not np.array_equal(before, A, equal_nan=True):
            modified.append(f"{i}.{type(layer).__name__}")
        A = out
    if modified:
        rows.append(failure_row("forward", (
            f"forward of {', '.join(modified)} modified its input in place: the previous layer's "
            "cached output (or the caller's X) changed; work on a new array instead"), 0))
    changed = []
    for i, layer in enumerate(layers):
        mine = {k.split(".", 2)[2]: v for k, v in saved.items() if k.startswith(f"{i}.")}
        changed += changed_params(layer, mine, f"{i}.{type(layer).__name__}.")
    first = snapshot({name: g for name, _, g in net.named_parameters() if g is not None})
    try:
        loss.forward(forward_layers(layers, X), target)
        net.backward(loss.backward())
        second = {name: g for name, _, g in net.named_parameters() if g is not None}
        grows = accumulates(first, second)
    except Exception:
        grows = ""
    for i, layer in enumerate(layers):       # a backward that updates would have moved them again
        mine = {k.split(".", 2)[2]: v for k, v in saved.items() if k.startswith(f"{i}.")}
        changed_params(layer, mine)
    problems = [p for p in (backward_changed(changed), grows) if p]
    if problems:
        rows.append(failure_row("backward", "; ".join(problems), 0))
    return rows


def _with_diagnosis(net, rows, layers, X, loss, y, rng, eps, rtol, title, mode="full",
                    n_samples=1, n_directions=1) -> GradCheckReport:
    diagnosis = ""
    if any(row.status == "FAIL" for row in rows):
        extra, culprits, loss_culprit = diagnose(layers, X, loss, y, rng, eps, rtol, mode,
                                                 n_samples, n_directions)
        diagnosis = verdict(net, rows, extra, culprits, loss_culprit)
        rows = rows + extra
    return GradCheckReport(rows, title, rtol, eps, diagnosis=diagnosis)
