r"""Check a layer: any object following the Layer contract, a student's included.

A layer maps arrays to arrays, so it is checked through the scalar

.. math::
    f(x) = \mathrm{sum}(\mathrm{forward}(x) \odot dy)

for a random upstream gradient ``dy``: its gradient is exactly what
``backward(dy)`` returns (the vector-Jacobian product), for the input and
for every parameter.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from .._validation import SeedLike, check_layer_contract, check_nonempty
from .complex_step import complex_rows, require_analytic
from .contract import (accumulates, backward_changed, changed_params, crash_row,
                       forward_modified_input, side_effect_row, snapshot)
from .engine import Setup, check_block, check_options, checker_rng
from .kinks import KinkWatch, kinks_of
from .noise import layer_output_scale
from .precision import float64_copy, float64_params, is_low_precision
from .probes import base_point
from .report import RTOL, GradCheckReport, GradCheckRow, failure_row, shape_row


def check_layer_object(layer, name: str = "layer") -> None:
    """The Layer contract, with a hint when a network was passed instead."""
    hint = "; for a network use check_network" if hasattr(layer, "layers") else ""
    check_layer_contract(layer, name, hint)


def forward_checked(layer, x: np.ndarray) -> np.ndarray:
    """``layer.forward(x)`` as a real, finite array."""
    y = np.asarray(layer.forward(x))
    if y.dtype.kind not in "biuf":
        raise TypeError(f"layer.forward must return a real array, got dtype {y.dtype}")
    if not np.all(np.isfinite(y)):
        raise ValueError("layer.forward(x) returned NaN or inf; pick an x where the layer is finite")
    return y


def backward_checked(layer, dy: np.ndarray) -> np.ndarray:
    """``layer.backward(dy)`` as a float64 array (None is refused)."""
    dx = layer.backward(dy)
    if dx is None:
        raise TypeError("layer.backward(dy) returned None; it must return dx, the gradient "
                        "with respect to the layer's input")
    return np.asarray(dx, dtype=np.float64)


def analytic_rows(layer, dx: np.ndarray, x_shape) -> Tuple[Dict[str, np.ndarray], List[GradCheckRow]]:
    """The analytic gradients of a layer (copies) and FAIL rows for missing/misshapen ones."""
    analytic, bad = {}, []
    if dx.shape != tuple(x_shape):
        bad.append(shape_row("x", dx.shape, x_shape, "backward's dx"))
    else:
        analytic["x"] = dx.copy()
    for key, p in layer.params.items():
        g = layer.grads.get(key)
        if g is None:
            bad.append(failure_row(key, f"grads has no entry {key!r} after backward", p.size))
        elif np.shape(g) != p.shape:
            bad.append(shape_row(key, np.shape(g), p.shape, f"grads[{key!r}]"))
        else:
            analytic[key] = np.array(g, dtype=np.float64, copy=True)
    return analytic, bad


def layer_objective(layer, x, *, seed: SeedLike = None) -> Tuple[Callable, np.ndarray]:
    r"""The scalar a layer is checked through, and its analytic gradient.

    Returns ``(f, g)`` with :math:`f(x') = \mathrm{sum}(\mathrm{forward}(x') \odot dy)`
    for a random upstream ``dy`` (standard normal, from ``seed``) and
    :math:`g = \mathrm{backward}(dy)` at ``x``. Handy with ``taylor_test`` and
    ``step_size_sweep``. Calling ``f`` runs ``layer.forward``.
    """
    check_layer_object(layer)
    x = float64_copy(x, "x")
    y = forward_checked(layer, x)
    dy = checker_rng(seed).standard_normal(y.shape)
    g = backward_checked(layer, dy)

    def f(z):
        return float(np.sum(layer.forward(z) * dy))

    return f, g


def check_layer(layer, x, *, seed: SeedLike = None, eps: Optional[float] = None,
                rtol: float = RTOL, mode: str = "full", n_samples: int = 10,
                n_directions: int = 3, method: str = "central") -> GradCheckReport:
    r"""Check a layer's ``backward`` against finite differences.

    Works on ANY object with ``forward``, ``backward``, ``params`` and
    ``grads`` (the Layer contract) -- no need to subclass
    ``mininn.layers.Layer``. With a random upstream gradient ``dy`` it checks
    the vector-Jacobian products

    .. math::
        dx = \frac{\partial\, \mathrm{sum}(\mathrm{forward}(x) \odot dy)}{\partial x},
        \qquad
        \mathrm{grads}[k] = \frac{\partial\, \mathrm{sum}(\mathrm{forward}(x) \odot dy)}{\partial\, \mathrm{params}[k]}.

    Parameters
    ----------
    layer : object following the Layer contract
    x : array
        The input, e.g. ``(n, n_in)``; never modified (the check uses a
        float64 copy; float32 input warns, integers are cast).
    seed : None, int >= 0 or numpy.random.Generator
        Draws ``dy`` (and the samples/directions of the cheaper modes). A
        correct layer passes for every ``dy``; pass a seed to repeat a run.
    eps : float > 0, optional
        Step h: default 1e-5 for central differences (``DEFAULT_EPS``),
        1e-20 for the complex step.
    rtol : float > 0
        A row passes when its relative error is below ``rtol``.
    mode : {"full", "sampled", "directional"}
        Every entry; ``n_samples`` random entries per array; or
        ``n_directions`` random directions per array (falls back to
        "full" for an array that fails).
    method : {"central", "complex"}
        ``"complex"`` is for analytic layers only (Dense, Sigmoid, Tanh,
        Softplus, Identity, or your layer with ``analytic = True``); ReLU and
        LeakyReLU raise a ValueError saying why.

    Kinks
    -----
    ReLU and LeakyReLU (and subclasses) have a kink at input 0; any layer may
    declare its own with an attribute ``kinks = (0.0,)``. Entries whose
    perturbation crosses a kink are accepted when the analytic value lies
    between the one-sided slopes: the row reads ``"kink"``.

    Manners and crashes
    -------------------
    ``forward`` must leave its input alone, ``backward`` must leave ``params``
    alone and overwrite (not add to) ``grads``: each broken rule is a FAIL row
    named ``"forward"`` or ``"backward"``. A layer that raises inside
    ``forward``/``backward`` gives a FAIL row naming the line of its own code
    and a hint, not a traceback.

    Returns
    -------
    GradCheckReport with rows ``"x"`` and one per parameter key (and
    ``"forward"``/``"backward"`` rows for broken manners or crashes). The
    layer's parameters are exactly as before; its ``grads`` hold the
    analytic gradients that were checked.
    """
    check_layer_object(layer)
    eps, rtol, mode, n_samples, n_directions, method = check_options(
        eps, rtol, mode, n_samples, n_directions, method)
    rng = checker_rng(seed)
    low = is_low_precision(x) or any(is_low_precision(p) for p in layer.params.values())
    x = check_nonempty(float64_copy(x, "x"), "x")
    if method == "complex":
        require_analytic(layer)
    with float64_params([layer], ["layer"]):
        original = snapshot(layer.params)
        rows, analytic, dy, y = _first_pass(layer, x, rng)
        if analytic is not None:
            if method == "complex":
                rows += complex_rows(layer, x, dy, analytic, eps, rtol)
            else:
                rows += _central_rows(layer, x, dy, analytic, y, eps, rtol, mode, rng,
                                      n_samples, n_directions)
            layer.forward(x.copy())   # leave the layer's cache and grads as for the point checked
            layer.backward(dy)
            changed_params(layer, original)   # a backward that updates: put the weights back
    for row in rows:
        row.low_precision = low
    return GradCheckReport(rows, layer_title(layer), rtol, eps, method)


def _call(rows: List[GradCheckRow], what: str, fn, *args):
    """``fn(*args)``, or None with a FAIL row when the caller's code raises inside it."""
    try:
        return fn(*args), True
    except Exception as exc:
        row = crash_row(what, what, exc)
        if row is None:
            raise
        rows.append(row)
        return None, False


def _first_pass(layer, x: np.ndarray, rng: np.random.Generator):
    """forward, backward and the contract's manners; ``(rows, analytic, dy, y)``.

    ``analytic`` is None when forward or backward crashed or returned nothing.
    """
    rows: List[GradCheckRow] = []
    saved = snapshot(layer.params)
    x_in = x.copy()
    y, ran = _call(rows, "forward", forward_checked, layer, x_in)
    if not ran:
        return rows, None, None, None
    problems = [forward_modified_input(x, x_in)]
    problems += [f"forward changed {name}" for name in changed_params(layer, saved)]
    forward_row = side_effect_row("forward", [p for p in problems if p])
    dy = rng.standard_normal(y.shape)
    dx, ran = _call(rows, "backward", layer.backward, dy)
    if not ran or dx is None:
        if ran:
            rows.append(failure_row("backward", "backward(dy) returned None; it must return dx, "
                                    "the gradient with respect to the layer's input (a "
                                    "forgotten `return dx`?)", x.size))
        return rows + ([forward_row] if forward_row else []), None, None, None
    dx = np.asarray(dx, dtype=np.float64)
    problems = [backward_changed(changed_params(layer, saved))]
    analytic, bad = analytic_rows(layer, dx, x.shape)
    first = snapshot({key: g for key, g in layer.grads.items() if isinstance(g, np.ndarray)})
    if _call([], "forward", layer.forward, x.copy())[1] and _call([], "backward", layer.backward, dy)[1]:
        second = {key: g for key, g in layer.grads.items() if isinstance(g, np.ndarray)}
        problems.append(accumulates(first, second))
        changed_params(layer, saved)
    backward_row = side_effect_row("backward", [p for p in problems if p])
    rows += [r for r in (forward_row, backward_row) if r] + bad
    return rows, analytic, dy, y


def layer_title(layer) -> str:
    """The layer's repr when it is short and informative, else its class name."""
    text = repr(layer)
    return text if len(text) < 60 and "object at 0x" not in text else type(layer).__name__


def _central_rows(layer, x, dy, analytic, y, eps, rtol, mode, rng, n_samples, n_directions):
    watch = KinkWatch()
    kinks = kinks_of(layer)
    for k in kinks:
        watch.add("x", k, getattr(k, "kind", f"the kink of {type(layer).__name__} at"))

    def evaluate():
        # a copy: a forward that modifies its input must not move the probe
        return float(np.sum(layer.forward(x.copy()) * dy)), [x] * len(kinks)

    # f = sum(y * dy) is known to eps times the size of the terms that make y
    scale = float(np.sum(layer_output_scale(layer, x, y) * np.abs(dy)))
    setup = Setup(evaluate, watch, base_point(evaluate, watch), eps, rtol, mode, rng,
                  n_samples, n_directions, scale, _counts(x))
    rows = []
    for key, g in analytic.items():
        arr = x if key == "x" else layer.params[key]
        try:
            rows.append(check_block(setup, key, arr, g))
        except Exception as exc:
            row = crash_row(key, "forward (at a perturbed point)", exc)
            if row is None:
                raise
            rows.append(row)
    return rows


def _counts(x: np.ndarray):
    """The counts a wrong reduction divides or multiplies by (for the tell-tale ratios)."""
    return ((int(x.shape[0]), "the batch size"),) if x.ndim >= 1 else ()
