"""The Layer contract's rules of behaviour, and student code that crashes.

Besides the right numbers, a layer owes its caller three manners
(``docs/architecture.md``): ``forward`` leaves its input alone, ``backward``
leaves ``params`` alone (updating weights is the optimiser's job), and
``backward`` *overwrites* ``grads`` instead of adding to them. Each broken
rule is a FAIL row named after the method that broke it.

A layer (or loss, or function) that raises inside ``forward``/``backward`` --
a forgotten transpose makes ``@`` raise a ValueError -- ends in a FAIL row
whose ``crash`` names the exception and the student's own line
(``crash.py``), with a hint, instead of a traceback through the checker. An
exception with no frame of the caller's code in it is the caller's wrong
argument, and is raised as usual.
"""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np

from .crash import crash_of, hint
from .report import GradCheckRow, failure_row


def crash_row(name: str, what: str, exc: Exception) -> Optional[GradCheckRow]:
    """A FAIL row for ``what`` (e.g. ``"backward"``) raising ``exc`` in the caller's code.

    The row's ``crash`` holds the exception's type and the caller's line
    (``crash.py``); its note says the same in words, with a hint. Returns
    None when no frame of the traceback is the caller's (a mininn error
    about a wrong argument): the caller should re-raise.
    """
    crash = crash_of(exc)
    if crash is None:
        return None
    code = f": {crash.code}" if crash.code else ""
    note = (f"{what} raised {crash.exception}: {crash.message} -- at {crash.where}{code}; "
            f"hint: {hint(exc)}")
    return failure_row(name, note, 0, crash=crash)


def snapshot(arrays: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    return {key: np.array(value, copy=True) for key, value in arrays.items()}


def changed_params(layer, saved: Dict[str, np.ndarray], label: str = "") -> List[str]:
    """Names of the parameters that differ from ``saved``; each is put back as it was."""
    changed = []
    for key, before in saved.items():
        now = layer.params.get(key)
        same = isinstance(now, np.ndarray) and now.shape == before.shape and np.array_equal(
            now, before, equal_nan=True)
        if not same:
            changed.append(f"{label}params[{key!r}]")
            if isinstance(now, np.ndarray) and now.shape == before.shape and now.flags.writeable:
                now[...] = before
            else:
                layer.params[key] = before.copy()
    return changed


def side_effect_row(method: str, problems: List[str]) -> Optional[GradCheckRow]:
    """One FAIL row for the rules ``method`` broke (None if it broke none)."""
    if not problems:
        return None
    return failure_row(method, "; ".join(problems), 0)


def forward_modified_input(x_before: np.ndarray, x_after: np.ndarray) -> str:
    if np.array_equal(x_before, x_after, equal_nan=True):
        return ""
    where = tuple(int(i) for i in np.argwhere(x_before != x_after)[0])
    return (f"forward modified its input in place (x{list(where)} was {x_before[where]:.4g}, "
            f"became {x_after[where]:.4g}): the caller's array -- and the previous layer's "
            "cached output -- changed. Work on a new array (np.where, np.maximum, x * mask) "
            "instead of assigning into x")


def backward_changed(names: List[str]) -> str:
    if not names:
        return ""
    return (f"backward changed {', '.join(names)}: backward must only write grads; updating the "
            "weights is the optimiser's job (the checker put them back)")


def accumulates(first: Dict[str, np.ndarray], second: Dict[str, np.ndarray]) -> str:
    """Compare grads after two backward calls with the same dy: they must be equal."""
    grown = [key for key in first
             if key in second and np.shape(first[key]) == np.shape(second[key])
             and not np.allclose(first[key], second[key], rtol=1e-12, atol=0.0)]
    if not grown:
        return ""
    names = ", ".join(f"grads[{key!r}]" for key in grown)
    return (f"backward accumulates into {names} instead of overwriting it: a second backward "
            "with the same dy gave different values (write grads[...] = ..., not +=)")
