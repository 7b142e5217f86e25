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

from .._validation import SeedLike, check_layer_contract
from .complex_step import complex_rows, require_analytic
from .engine import Setup, base_point, check_block, check_options, checker_rng
from .kinks import KinkWatch, kinks_of
from .precision import float64_copy, float64_params
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

    Returns
    -------
    GradCheckReport with rows ``"x"`` and one per parameter key. The layer's
    parameters are exactly as before; its ``grads`` hold the analytic
    gradients that were checked.
    """
    check_layer_object(layer)
    eps, rtol, mode, n_samples, n_directions, method = check_options(
        eps, rtol, mode, n_samples, n_directions, method)
    rng = checker_rng(seed)
    x = float64_copy(x, "x")
    if method == "complex":
        require_analytic(layer)
    with float64_params([layer], ["layer"]):
        y = forward_checked(layer, x)
        dy = rng.standard_normal(y.shape)
        dx = backward_checked(layer, dy)
        analytic, rows = analytic_rows(layer, dx, x.shape)
        if method == "complex":
            rows += complex_rows(layer, x, dy, analytic, eps, rtol)
        else:
            rows += _central_rows(layer, x, dy, analytic, y, eps, rtol, mode, rng,
                                  n_samples, n_directions)
        layer.forward(x)   # leave the layer's cache and grads as for the point checked
        layer.backward(dy)
    return GradCheckReport(rows, layer_title(layer), rtol, eps, method)


def layer_title(layer) -> str:
    """The layer's repr when it is short and informative, else its class name."""
    text = repr(layer)
    return text if len(text) < 60 and "object at 0x" not in text else type(layer).__name__


def _central_rows(layer, x, dy, analytic, y, eps, rtol, mode, rng, n_samples, n_directions):
    watch = KinkWatch()
    kinks = kinks_of(layer)
    for k in kinks:
        watch.add("x", k, f"the kink of {type(layer).__name__} at")

    def evaluate():
        return float(np.sum(layer.forward(x) * dy)), [x] * len(kinks)

    scale = float(np.sum(np.abs(y * dy)))   # round-off in f grows with sum |y * dy|
    setup = Setup(evaluate, watch, base_point(evaluate, watch), eps, rtol, mode, rng,
                  n_samples, n_directions, scale)
    rows = []
    for key, g in analytic.items():
        arr = x if key == "x" else layer.params[key]
        rows.append(check_block(setup, key, arr, g))
    return rows
