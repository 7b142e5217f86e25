r"""Check the gradient of a scalar function, and of a loss.

``check_gradient`` is for anything that is not a layer -- an input-search
objective, say; ``check_loss`` checks ``loss.backward()`` against central
differences of ``loss.forward``.
"""
from __future__ import annotations

import math
from typing import Callable, Optional

import numpy as np

from .. import losses as _losses
from .._validation import check_broadcastable, check_callable, check_nonempty, check_ordered
from .contract import crash_row
from .differences import DEFAULT_EPS
from .engine import Setup, check_block, check_options, checker_rng
from .kinks import KinkWatch, loss_kinks
from .noise import loss_scale
from .precision import as_scalar, float64_copy
from .probes import base_point
from .report import RTOL, GradCheckReport, GradCheckRow, shape_row


def check_gradient(f: Callable, x, grad, *, eps: float = DEFAULT_EPS, rtol: float = RTOL,
                   lo=None, hi=None, kinks: Optional[Callable] = None,
                   name: str = "x") -> GradCheckReport:
    r"""Check ``grad`` = :math:`\nabla f(x)` by central differences, kinks and box edges included.

    Where the objective clips or projects onto a box ``[lo, hi]``, its
    derivative jumps at the edges: an entry within h of ``lo`` or ``hi`` is
    judged by its one-sided slopes (row status ``"kink"``), as are entries
    whose perturbation changes the sign of ``kinks(x)``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; it receives a float64 copy of ``x`` (perturbed).
    x : array, any shape
        The point (never modified).
    grad : array shaped like x
        The analytic gradient to check.
    eps, rtol : float > 0
        Step h and the pass tolerance on the relative error.
    lo, hi : float or array broadcastable to x, optional
        Box edges where f has a kink.
    kinks : callable, optional
        ``kinks(x) -> array`` of quantities whose **sign** changes exactly
        where f has a kink, e.g. ``lambda x: x @ W + b`` for the ReLU units
        after a Dense layer.
    name : str
        The row's name in the report.

    A ``grad`` of the wrong shape, or an f that raises, is a FAIL row (the
    gradient or the function under test is wrong), not an exception.
    """
    check_callable(f, "f")
    if kinks is not None:
        check_callable(kinks, "kinks")
    eps, rtol, *_ = check_options(eps, rtol)
    work = check_nonempty(float64_copy(x, "x"), "x")
    g = float64_copy(grad, "grad")
    title = f"f at {name} {work.shape}"
    if g.shape != work.shape:       # the gradient under test is wrong: a FAIL, not an argument error
        return GradCheckReport([shape_row(name, g.shape, work.shape, "grad")], title, rtol, eps)
    watch = KinkWatch()
    bounds = []
    for label, bound in (("lo", lo), ("hi", hi)):
        if bound is not None:
            b = float64_copy(bound, label)
            check_broadcastable(b, work.shape, label)
            bounds.append(b)
            watch.add("x", b, f"the {'lower' if label == 'lo' else 'upper'} bound")
    if len(bounds) == 2:
        check_ordered(*bounds)
    if kinks is not None:
        watch.add("kinks(x)", 0.0, "the sign change at")

    def evaluate():
        watched = [work] * len(bounds) + ([np.asarray(kinks(work), dtype=np.float64)] if kinks else [])
        return as_scalar(f(work), "f"), watched

    row = _guarded(name, "f", lambda: check_block(
        Setup(evaluate, watch, base_point(evaluate, watch), eps, rtol, "full", checker_rng(0),
              1, 1), name, work, g))
    return GradCheckReport([row], title, rtol, eps)


def _guarded(name: str, what: str, run) -> GradCheckRow:
    """``run()``, or a FAIL row naming the caller's line when their code raises inside it."""
    try:
        return run()
    except Exception as exc:
        row = crash_row(name, what, exc)
        if row is None:
            raise
        return row


def prepare_target(loss, y, shape, name: str = "y"):
    """The loss's own target preparation, once, with errors naming ``name``."""
    prepare = getattr(loss, "prepare_target", None)
    if prepare is None:
        return y
    try:
        return prepare(y, shape)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"{name}: {exc}") from None


def check_loss(loss, pred, target, *, eps: float = DEFAULT_EPS,
               rtol: float = RTOL) -> GradCheckReport:
    r"""Check ``loss.backward()`` = :math:`\partial L / \partial\, \mathrm{pred}`.

    ``loss`` is a loss object or name (``"mse"``, ``"bce"``,
    ``"softmax_cross_entropy"``); ``target`` whatever that loss accepts
    (e.g. integer labels for ``SoftmaxCrossEntropy``). For
    ``BinaryCrossEntropy`` on probabilities the clip of p to
    ``[eps, 1 - eps]`` is a kink, watched like ReLU's.
    """
    loss = _losses.get(loss)
    eps, rtol, *_ = check_options(eps, rtol)
    p = check_nonempty(float64_copy(pred, "pred"), "pred")
    title = repr(loss)
    try:
        value = as_scalar(loss.forward(p.copy(), target), "loss.forward")
        analytic = loss.backward()
    except Exception as exc:
        row = crash_row("pred", "the loss", exc)
        if row is None:
            raise
        return GradCheckReport([row], title, rtol, eps)
    if not math.isfinite(value):
        raise ValueError(f"the loss at pred is {value}; pick predictions where it is finite")
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != p.shape:
        return GradCheckReport([shape_row("pred", analytic.shape, p.shape, "loss.backward()")],
                               title, rtol, eps)
    t = prepare_target(loss, target, p.shape, "target")
    watch = KinkWatch()
    kinks = loss_kinks(loss)
    for k in kinks:
        watch.add("pred", k, f"the clip of {type(loss).__name__} at")

    def evaluate():
        return loss.forward(p.copy(), t), [p] * len(kinks)

    counts = ((int(p.shape[0]), "the batch size"), (int(p.size), "the number of predictions"))
    setup = Setup(evaluate, watch, base_point(evaluate, watch), eps, rtol, "full",
                  checker_rng(0), 1, 1, loss_scale(loss, p, t, value), counts)
    row = _guarded("pred", "the loss", lambda: check_block(setup, "pred", p, analytic.copy()))
    loss.forward(p.copy(), t)   # leave the loss's cache for the point checked
    return GradCheckReport([row], title, rtol, eps)
