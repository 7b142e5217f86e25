"""Which layer is to blame: every layer (and the loss) checked on its own.

When a network check FAILs, each layer is checked alone at the input it
sees in the network, and the loss at the network's output. A layer that
FAILs alone is named; the network's other failures follow from it through
the chain rule. When every part passes alone, the chain rule says the whole
is right: for mininn's ``Sequential`` the network's FAIL rows then become
``uncertain`` (finite differences of the composite crossed kinks together
or lost digits), never a blame on how the gradients are chained.
"""
from __future__ import annotations

from typing import List, Tuple

from ..network import Sequential
from .compare import join_notes
from .function_checks import check_loss
from .layer_checks import check_layer
from .report import GradCheckRow


def name_culprits(layers: List[str], loss: str = "") -> str:
    """``"layer 0.A fails"``, ``"layers 0.A and 2.B fail"``, ``"layer 1.A and the loss L fail"``."""
    parts = []
    if layers:
        noun = "layer" if len(layers) == 1 else "layers"
        names = layers[0] if len(layers) == 1 else ", ".join(layers[:-1]) + " and " + layers[-1]
        parts.append(f"{noun} {names}")
    if loss:
        parts.append(f"the loss {loss}")
    verb = "fails" if len(layers) + bool(loss) == 1 else "fail"
    return f"{' and '.join(parts)} {verb}"


def diagnose(layers, X, loss, y, rng, eps, rtol, mode, n_samples,
             n_directions) -> Tuple[List[GradCheckRow], List[str], str]:
    """Check every layer on its own, at the input it sees; ``(rows, culprit layers, culprit loss)``.

    ``rows`` are the FAIL rows of the parts that fail alone, named like
    ``"1.Sigmoid.x (alone)"``.
    """
    rows, culprits, loss_culprit = [], [], ""
    A = X
    for i, layer in enumerate(layers):
        report = check_layer(layer, A, seed=rng, eps=eps, rtol=rtol, mode=mode,
                             n_samples=n_samples, n_directions=n_directions)
        prefix = f"{i}.{type(layer).__name__}"
        for row in report.failures:
            row.name = f"{prefix}.{row.name} (alone)"
            rows.append(row)
        if not report.passed:
            culprits.append(prefix)
        try:
            A = layer.forward(A.copy())
        except Exception:          # already reported as a crash of this layer
            return rows, culprits, loss_culprit
    if loss is not None:
        report = check_loss(loss, A, y, eps=eps, rtol=rtol)
        for row in report.failures:
            row.name = f"{type(loss).__name__}.pred (alone)"
            rows.append(row)
        if not report.passed:
            loss_culprit = repr(loss)
    return rows, culprits, loss_culprit


def verdict(net, rows: List[GradCheckRow], extra: List[GradCheckRow], culprits: List[str],
            loss_culprit: str) -> str:
    """The diagnosis line; for a ``Sequential`` whose parts all pass alone, downgrade ``rows``."""
    if culprits or loss_culprit:
        return (f"checked on its own, {name_culprits(culprits, loss_culprit)}: the other failures "
                "follow from it through the chain rule (see the rows marked 'alone')")
    if isinstance(net, Sequential):
        for row in rows:
            if row.status == "FAIL" and row.name not in ("forward", "backward", "network"):
                row.status = "uncertain"
                row.note = join_notes(row.note, (
                    "cannot tell: every layer and the loss pass on their own at the inputs they "
                    "see, so the chain rule makes the whole right; the finite differences of the "
                    "composite are what disagree (perturbations that cross several kinks "
                    "together, or round-off of a deep or saturated network)"))
        return ("every layer and the loss pass on their own: the disagreement of the whole is "
                "a limit of finite differences here, not a wrong backward")
    return (f"every layer and the loss pass on their own, so the network's own backward "
            f"({type(net).__name__}.backward) combines their gradients wrongly")
