r"""Check a whole network: every parameter and the input against the loss,
and the gradient of one output with respect to the input.

When a network check fails, every layer (and the loss) is checked on its own
at the input it sees, and the report names the one whose backward is wrong
-- a parameter-free Sigmoid included.
"""
from __future__ import annotations

import math

import numpy as np

from .. import losses as _losses
from .._validation import SeedLike, as_batch, check_layer_contract, check_output
from .differences import DEFAULT_EPS
from .engine import ROUNDOFF_FACTOR, Setup, base_point, check_block, check_options, checker_rng
from .engine import compare
from .function_checks import check_loss, prepare_target
from .kinks import forward_watching, network_watch, stacked_crossings
from .layer_checks import check_layer
from .precision import MACHINE_EPS, as_scalar, float64_copy, float64_params
from .report import RTOL, GradCheckReport, failure_row, shape_row


def check_network_object(net, name: str = "net") -> None:
    """A Sequential-like object: ``layers`` following the Layer contract, ``named_parameters``."""
    if not hasattr(net, "layers") or not hasattr(net, "named_parameters"):
        raise TypeError(f"{name} must be a mininn Sequential (with layers and named_parameters), "
                        f"got {type(net).__name__}")
    for i, layer in enumerate(net.layers):
        check_layer_contract(layer, f"{name}.layers[{i}]")


def network_input(net, X) -> np.ndarray:
    """X as a float64 copy of shape (n >= 1, net.n_inputs)."""
    return as_batch(float64_copy(X, "X"), "X", getattr(net, "n_inputs", None))


def _forward(layers, X: np.ndarray) -> np.ndarray:
    for layer in layers:
        X = layer.forward(X)
    return X


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
    X : array (n, n_inputs); never modified.
    y : targets with n rows (whatever ``loss`` accepts).
    loss : Loss or str
    seed : None, int >= 0 or Generator
        For the sampled and directional modes.
    eps, rtol, mode, n_samples, n_directions : see ``check_layer``.
    include_input : bool
        Also check dL/dX (row ``"X"``).
    """
    check_network_object(net)
    eps, rtol, mode, n_samples, n_directions, _ = check_options(
        eps, rtol, mode, n_samples, n_directions)
    rng = checker_rng(seed)
    X = network_input(net, X)
    y_arr = np.asarray(y)
    if y_arr.ndim == 0 or y_arr.shape[0] != X.shape[0]:
        raise ValueError(f"X and y must hold the same number of samples, got X with {X.shape[0]} "
                         f"rows and y of shape {y_arr.shape}")
    loss = _losses.get(loss)
    layers = list(net.layers)
    with float64_params(layers, [f"layers[{i}]" for i in range(len(layers))]):
        Y = _forward(layers, X)
        target = prepare_target(loss, y, Y.shape)
        value = as_scalar(loss.forward(Y, target), "loss.forward")
        if not math.isfinite(value):
            raise ValueError(f"the loss at X is {value}; the check needs a finite loss")
        dX = np.asarray(net.backward(loss.backward()), dtype=np.float64)
        watch, plan = network_watch(layers, loss)

        def evaluate():
            out, watched = forward_watching(layers, X, plan)
            return loss.forward(out, target), watched

        setup = Setup(evaluate, watch, base_point(evaluate, watch), eps, rtol, mode, rng,
                      n_samples, n_directions)
        rows = []
        for pname, param, grad in list(net.named_parameters()):
            if grad is None:
                rows.append(failure_row(pname, "the layer's grads has no entry for it after "
                                               "backward", param.size))
            elif np.shape(grad) != param.shape:
                rows.append(shape_row(pname, np.shape(grad), param.shape, "its gradient"))
            else:
                rows.append(check_block(setup, pname, param, np.array(grad, dtype=np.float64)))
        if include_input:
            if dX.shape != X.shape:
                rows.append(shape_row("X", dX.shape, X.shape, "backward's dX"))
            else:
                rows.append(check_block(setup, "X", X, dX))
        diagnosis = ""
        if not all(row.ok for row in rows):
            extra, diagnosis = diagnose(layers, X, loss, y, rng, eps, rtol, mode, n_samples,
                                        n_directions)
            rows += extra
        # leave the layers' caches and grads as for the point checked
        loss.forward(_forward(layers, X), target)
        net.backward(loss.backward())
    return GradCheckReport(rows, f"{type(net).__name__} with {loss!r}", rtol, eps,
                           diagnosis=diagnosis)


def diagnose(layers, X, loss, y, rng, eps, rtol, mode, n_samples, n_directions):
    """Check every layer on its own, at the input it sees, to name the culprit.

    Returns the FAIL rows of the layers (and loss) that fail alone, named
    like ``"1.Sigmoid.x (alone)"``, and a one-line diagnosis.
    """
    rows, culprits = [], []
    A = X
    for i, layer in enumerate(layers):
        report = check_layer(layer, A, seed=rng, eps=eps, rtol=rtol, mode=mode,
                             n_samples=n_samples, n_directions=n_directions)
        prefix = f"{i}.{type(layer).__name__}"
        for row in report.failures:
            row.name = f"{prefix}.{row.name} (alone)"
            rows.append(row)
        if not report.passed:
            culprits.append(f"layer {prefix}")
        A = layer.forward(A)
    if loss is not None:
        report = check_loss(loss, A, y, eps=eps, rtol=rtol)
        for row in report.failures:
            row.name = f"{type(loss).__name__}.pred (alone)"
            rows.append(row)
        if not report.passed:
            culprits.append(f"the loss {loss!r}")
    if culprits:
        uncertain = all("uncertain" in row.note or "kink here" in row.note for row in rows)
        if uncertain:
            return rows, (f"checked on its own, {' and '.join(culprits)} fails, but only where "
                          "the numeric values cannot be trusted (see the notes)")
        return rows, (f"checked on its own, {' and '.join(culprits)} fails: its backward is "
                      "wrong (the other failures follow from it through the chain rule)")
    return rows, ("every layer (and the loss) passes on its own: look at how their gradients "
                  "are chained (the network's backward) or at a kink the checker was not told about")


def check_input_gradient(net, output: int = 0, *, X, eps: float = DEFAULT_EPS,
                         rtol: float = RTOL) -> GradCheckReport:
    r"""Check ``net.input_gradient(X, output)`` = :math:`\partial Y_{:,j} / \partial X`.

    Vectorised: the 2k perturbed copies :math:`x_i \pm h e_c` of every sample
    (k input features) are stacked into one ``(2 k n, k)`` batch and go
    through ONE forward pass; the samples do not interact, so

    .. math::
        G^{num}_{ic} = \frac{Y_j(x_i + h e_c) - Y_j(x_i - h e_c)}{2h}.

    Memory: the stacked batch holds ``2 k n`` rows at every layer's width.
    Kinks: the one-sided slopes use the unperturbed :math:`Y_j(x_i)`.

    Parameters
    ----------
    net : Sequential (with ``input_gradient``)
    output : int
        The output j whose gradient is checked.
    X : array (n, n_inputs); never modified.
    eps, rtol : float > 0
        Step h and the pass tolerance on the relative error.
    """
    check_network_object(net)
    if not hasattr(net, "input_gradient"):
        raise TypeError(f"net must have an input_gradient method, got {type(net).__name__}")
    output = check_output(output, getattr(net, "n_outputs", None))
    eps, rtol, *_ = check_options(eps, rtol)
    X = network_input(net, X)
    n, k = X.shape
    layers = list(net.layers)
    with float64_params(layers, [f"layers[{i}]" for i in range(len(layers))]):
        analytic = np.asarray(net.input_gradient(X, output), dtype=np.float64)
        if analytic.shape != X.shape:
            rows = [shape_row("X", analytic.shape, X.shape, "input_gradient")]
            return GradCheckReport(rows, f"d Y[:, {output}] / d X", rtol, eps)
        watch, plan = network_watch(layers)
        Y0, base_watched = forward_watching(layers, X, plan)
        steps = eps * np.concatenate([np.eye(k), -np.eye(k)])              # (2k, k)
        stacked = (X[:, None, :] + steps[None, :, :]).reshape(n * 2 * k, k)
        actual = stacked.reshape(n, 2, k, k) - X[:, None, None, :]         # steps really taken
        Ys, watched = forward_watching(layers, stacked, plan)
        f0 = Y0[:, output]
        fs = Ys[:, output].reshape(n, 2, k)
        up = np.einsum("icc->ic", actual[:, 0])
        down = -np.einsum("icc->ic", actual[:, 1])
        plus, minus = fs[:, 0], fs[:, 1]
        numeric = (plus - minus) / (up + down)
        left, right = (f0[:, None] - minus) / down, (plus - f0[:, None]) / up
        crossed, example = stacked_crossings(watch, base_watched, watched, n, k)
        F = max(float(np.max(np.abs(f0))), float(np.max(np.abs(fs))))
        noise = ROUNDOFF_FACTOR * MACHINE_EPS * F / eps
        row = compare(f"X (d Y[:, {output}] / d X)", analytic, numeric, noise, rtol,
                      crossed.reshape(-1), (left.reshape(-1), right.reshape(-1)),
                      index_of=lambda j: (j // k, j % k), size=X.size, kink_example=example)
        rows, diagnosis = [row], ""
        if not row.ok:
            extra, diagnosis = diagnose(layers, X, None, None, checker_rng(0), eps, rtol,
                                        "full", 1, 1)
            rows += extra
    return GradCheckReport(rows, f"input gradient of {type(net).__name__}, output {output}",
                           rtol, eps, diagnosis=diagnosis)
