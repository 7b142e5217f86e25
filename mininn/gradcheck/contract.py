"""The Layer contract's rules of behaviour, and student code that crashes.

Besides the right numbers, a layer owes its caller three manners
(``docs/architecture.md``): ``forward`` leaves its input alone, ``backward``
leaves ``params`` alone (updating weights is the optimiser's job), and
``backward`` *overwrites* ``grads`` instead of adding to them. Each broken
rule is a FAIL row named after the method that broke it.

A layer (or loss, or function) that raises inside ``forward``/``backward`` --
a forgotten transpose makes ``@`` raise a ValueError -- ends in a FAIL row
that names the student's own line (the innermost frame of the traceback
outside mininn and NumPy) and a hint, instead of a traceback through the
checker. An exception with no frame of the caller's code in it is the
caller's wrong argument, and is raised as usual.
"""
from __future__ import annotations

import linecache
import os
import traceback
from typing import Dict, List, Optional

import numpy as np

from .report import GradCheckRow, failure_row

_MININN = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_NUMPY = os.path.dirname(os.path.abspath(np.__file__))


def _foreign(filename: str) -> bool:
    path = os.path.abspath(filename)
    return not (path.startswith(_MININN + os.sep) or path.startswith(_NUMPY + os.sep))


def student_line(exc: BaseException) -> Optional[str]:
    """``file:line: code`` of the innermost traceback frame outside mininn and NumPy."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _foreign(f.filename)]
    if not frames:
        return None
    frame = frames[-1]
    code = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
    return f"{os.path.basename(frame.filename)}:{frame.lineno}: {code}"


def _hint(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, ValueError) and ("matmul" in text or "shapes" in text or "aligned" in text):
        return ("the shapes of a matrix product do not fit: write each shape down, e.g. x (n, n_in), "
                "W (n_in, n_out), dy (n, n_out); a forgotten (or extra) transpose .T?")
    if isinstance(exc, ValueError) and "broadcast" in text:
        return ("two arrays of different shapes were combined elementwise: a sum over the wrong "
                "axis, or a forgotten transpose .T or keepdims?")
    if isinstance(exc, (AttributeError, KeyError)):
        return "something forward should have stored for backward is missing or misnamed"
    if isinstance(exc, IndexError):
        return "an index is out of range: check the axis and the shapes"
    return "read the line above: the error happened in your code"


def crash_row(name: str, what: str, exc: Exception) -> Optional[GradCheckRow]:
    """A FAIL row for ``what`` (e.g. ``"backward"``) raising ``exc`` in the caller's code.

    Returns None when no frame of the traceback is the caller's (a mininn
    error about a wrong argument): the caller should re-raise.
    """
    where = student_line(exc)
    if where is None:
        return None
    note = f"{what} raised {type(exc).__name__}: {exc} -- at {where}; hint: {_hint(exc)}"
    return failure_row(name, note, 0)


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
