r"""Check the gradient of one output with respect to the input: ``net.input_gradient``.

Vectorised: the 2k perturbed copies :math:`x_i \pm h_{ic} e_c` of every sample
(k input features) are stacked into one ``(2 k n, k)`` batch and go through
ONE forward pass; the samples do not interact, so

.. math::
    G^{num}_{ic} = \frac{Y_j(x_i + h_{ic} e_c) - Y_j(x_i - h_{ic} e_c)}{2 h_{ic}},
    \qquad h_{ic} = h \max(1, |x_{ic}|).
"""
from __future__ import annotations

import math

import numpy as np

from .._validation import check_callable, check_output
from ..pooling import Unflatten
from .compare import compare, join_notes
from .diagnosis import diagnose, verdict
from .differences import DEFAULT_EPS
from .engine import (Setup, check_options, checker_rng, kink_opinion, roundoff,
                     second_opinion)
from .kinks import KinkWatch, forward_watching, network_watch, stacked_crossings
from .network_checks import crashing, check_network_object, network_input
from .noise import network_scale
from .precision import float64_params
from .probes import base_point, central_difference, entry_steps
from .report import RTOL, GradCheckReport, GradCheckRow, shape_row


def check_input_gradient(net, output: int = 0, *, X, eps: float = DEFAULT_EPS,
                         rtol: float = RTOL) -> GradCheckReport:
    r"""Check ``net.input_gradient(X, output)`` = :math:`\partial Y_{:,j} / \partial X`.

    Memory: the stacked batch holds ``2 k n`` rows at every layer's width.
    Kinks: the one-sided slopes use the unperturbed :math:`Y_j(x_i)`.

    Parameters
    ----------
    net : Sequential (with ``input_gradient``)
    output : int
        The output j whose gradient is checked.
    X : array (n, n_inputs), n >= 1, or the images (n, C, H, W) the network takes
        (checked as rows: indices in the report are (sample, flat pixel)); never modified.
    eps, rtol : float > 0
        Step h and the pass tolerance on the relative error.
    """
    check_network_object(net)
    check_callable(getattr(net, "input_gradient", None), "net.input_gradient")
    output = check_output(output, getattr(net, "n_outputs", None))
    eps, rtol, *_ = check_options(eps, rtol)
    X = network_input(net, X)
    if X.ndim > 2:
        # images (n, C, H, W): the same layers behind an Unflatten, checked on rows
        net = type(net)([Unflatten(X.shape[1:])] + list(net.layers))
        X = X.reshape(len(X), -1)
    n, k = X.shape
    layers = list(net.layers)
    title = f"input gradient of {type(net).__name__}, output {output}"
    with float64_params(layers, [f"layers[{i}]" for i in range(len(layers))]):
        analytic = crashing(lambda: np.asarray(net.input_gradient(X.copy(), output),
                                                dtype=np.float64))
        if isinstance(analytic, GradCheckRow):
            rows = [analytic]
        elif analytic.shape != X.shape:
            rows = [shape_row("X", analytic.shape, X.shape, "input_gradient")]
        else:
            rows = [_stacked_row(layers, X, output, analytic, eps, rtol)]
        diagnosis = ""
        if rows[0].status == "FAIL":
            # any upstream dy will do here: a wrong backward fails for every dy
            extra, culprits, _ = diagnose(layers, X, None, None, checker_rng(0), eps, rtol,
                                          "full", 1, 1)
            diagnosis = verdict(net, rows, extra, culprits, "")
            rows += extra
    return GradCheckReport(rows, title, rtol, eps, diagnosis=diagnosis)


def _stacked_row(layers, X, output, analytic, eps, rtol) -> GradCheckRow:
    n, k = X.shape
    watch, plan = network_watch(layers)
    _, N = network_scale(layers, X)
    Y0, base_watched = forward_watching(layers, X.copy(), plan)
    H = entry_steps(X, eps)                                            # (n, k)
    steps = np.concatenate([np.eye(k)[None] * H[:, :, None],
                            -np.eye(k)[None] * H[:, :, None]], axis=1)  # (n, 2k, k)
    stacked = (X[:, None, :] + steps).reshape(n * 2 * k, k)
    actual = stacked.reshape(n, 2, k, k) - X[:, None, None, :]         # steps really taken
    Ys, watched = forward_watching(layers, stacked, plan)
    f0 = Y0[:, output]
    fs = Ys[:, output].reshape(n, 2, k)
    up = np.einsum("icc->ic", actual[:, 0])
    down = -np.einsum("icc->ic", actual[:, 1])
    plus, minus = fs[:, 0], fs[:, 1]
    numeric = central_difference(f0[:, None], plus, minus, up, down)
    left, right = (f0[:, None] - minus) / down, (plus - f0[:, None]) / up
    crossed, several, example = stacked_crossings(watch, base_watched, watched, n, k)
    scale = np.maximum(N[:, output], np.abs(f0))[:, None]          # per sample: Y[i, j]
    noise = roundoff(scale, (up + down) / 2)
    row = compare(f"X (d Y[:, {output}] / d X)", analytic, numeric, noise.reshape(-1), rtol,
                  crossed.reshape(-1), (left.reshape(-1), right.reshape(-1)), several.reshape(-1),
                  index_of=lambda j: (j // k, j % k), size=X.size, kink_example=example)
    if row.status == "FAIL" and math.isfinite(row.numeric):
        on_kink = bool(crossed[row.worst_index])
        row.status, opinion = _second_opinion(layers, X, output, row, eps, rtol,
                                              float(scale[row.worst_index[0], 0]), on_kink)
        row.note = join_notes(row.note, opinion)
    return row


def _second_opinion(layers, X, output, row: GradCheckRow, eps, rtol, scale, on_kink):
    """The engine's second opinion on the worst (sample, feature), one sample at a time."""
    i, c = row.worst_index
    sample = X[i:i + 1].copy()
    watch, plan = network_watch(layers)
    if not watch:
        watch = KinkWatch()

    def evaluate():
        out, watched = forward_watching(layers, sample.copy(), plan)
        return float(out[0, output]), watched

    setup = Setup(evaluate, watch, base_point(evaluate, watch), eps, rtol, "full",
                  checker_rng(0), 1, 1, scale)
    single = GradCheckRow(row.name, "FAIL", row.abs_error, row.rel_error, (0, c), row.analytic,
                          row.numeric, 1, 1)
    return (kink_opinion if on_kink else second_opinion)(setup, sample, single)
