"""Grading cells for exercise notebooks: PASS or FAIL, printed once, never a traceback.

A grading cell calls ``grade(title, check)``. ``check`` is a function of no
arguments that returns one of

* a report with a ``passed`` attribute (``mininn.gradcheck``'s reports and
  Taylor results): its text is ``str(report)``;
* a pair ``(passed, explanation)``;

or raises. ``grade`` prints ``PASS  title`` or ``FAIL  title`` followed by
the explanation, exactly once, and on a FAIL raises :class:`GradingFailure`
so that "Run all" stops at the first failed check (and nbgrader gives the
cell no points). When the student's code raises -- a forgotten transpose is a
NumPy ``ValueError`` from inside ``check_layer`` -- the FAIL names the
exception, quotes the student's line, and gives a hint, instead of a
traceback through mininn's internals.

The module is part of the package (not a file next to the notebooks) so
that a notebook finds it from any working directory -- nbgrader runs
submissions in its own ``autograded/`` folders -- and so that it is tested
with the checker whose reports it prints.
"""
from __future__ import annotations

import os
import sysconfig
import traceback
from typing import Callable, List, Optional, Tuple

import numpy as np

__all__ = ["GradingFailure", "grade"]


class GradingFailure(AssertionError):
    """A grading cell failed; the explanation has already been printed above it.

    Jupyter shows this exception as one line instead of a traceback
    (IPython's ``_render_traceback_`` hook); anywhere else it is an ordinary
    ``AssertionError`` whose message is the check's title.
    """

    def _render_traceback_(self) -> List[str]:
        return [f"GradingFailure: {self.args[0]} -- the notebook stops here; "
                "the explanation is printed above."]


# Frames from these folders are library code, never the student's.
def _library_dirs() -> Tuple[str, ...]:
    import mininn
    paths = sysconfig.get_paths()
    dirs = {os.path.dirname(mininn.__file__), os.path.dirname(np.__file__),
            paths["stdlib"], paths["purelib"], paths["platlib"]}
    return tuple(os.path.normcase(os.path.realpath(d)) + os.sep for d in dirs)


def _student_frame(error: BaseException) -> Tuple[Optional[traceback.FrameSummary], bool]:
    """The deepest frame not in library code (None if none), and whether it raised."""
    library = _library_dirs()
    frames = traceback.extract_tb(error.__traceback__)
    mine = [f for f in frames
            if not os.path.normcase(os.path.realpath(f.filename)).startswith(library)]
    if not mine:
        return None, False
    return mine[-1], mine[-1] is frames[-1]


def _hint(error: BaseException) -> str:
    """A hint for the usual causes of each kind of crash."""
    message = str(error).lower()
    if isinstance(error, (ValueError, IndexError)) and any(
            word in message for word in ("shape", "matmul", "broadcast", "dimension", "align")):
        return ("the shapes do not fit. Print the shape of every array on that line: a "
                "forgotten (or extra) transpose .T is the usual cause, and each gradient must "
                "have the shape of what it is the gradient of.")
    if isinstance(error, AttributeError):
        return ("an attribute is missing: does forward store what backward needs "
                "(for example self.x = x)?")
    if isinstance(error, NameError):
        return "a name is not defined: run the cells above this one first, and check the spelling."
    if isinstance(error, TypeError):
        return "a function got arguments of the wrong kind or number: compare with its docstring."
    return "read the message above, then the line it points to."


def _explain_crash(error: BaseException) -> str:
    frame, raised_there = _student_frame(error)
    who = "your code raised" if raised_there else "the checker rejected what your code gave it:"
    lines = [f"      {who} {type(error).__name__}: {error}"]
    if frame is not None and raised_there:
        where = (f"in {frame.name}(), " if frame.name != "<module>" else "") + f"line {frame.lineno}"
        code = (frame.line or "").strip()
        lines.append(f"      {where}: {code}" if code else f"      {where}")
    lines.append(f"      hint: {_hint(error)}")
    return "\n".join(lines)


def grade(title: str, check: Callable[[], object]) -> None:
    """Run one check; print PASS or FAIL with its explanation once; raise on FAIL.

    Parameters
    ----------
    title : str
        What is checked, in words; printed after PASS or FAIL.
    check : callable
        Takes no arguments; returns a report with a ``passed`` attribute or a
        pair ``(passed, explanation)``.

    Raises
    ------
    GradingFailure
        When the check fails or the student's code raises. The explanation is
        printed, not repeated in the exception.
    """
    try:
        result = check()
    except GradingFailure:
        raise
    except NotImplementedError:
        _not_implemented(title)
    except Exception as error:  # noqa: BLE001 -- any crash of the student's code is a FAIL
        print(f"FAIL  {title}\n{_explain_crash(error)}")
        raise GradingFailure(title) from None
    if isinstance(result, tuple) and len(result) == 2:
        passed, text = bool(result[0]), str(result[1])
    elif hasattr(result, "passed"):
        passed, text = bool(result.passed), str(result)
    else:
        raise TypeError(f"check must return a report with 'passed' or a pair (passed, text), "
                        f"got {type(result).__name__}")
    if not passed and "NotImplementedError" in text:
        # A checker that reports crashes instead of raising them (check_layer does)
        # still means: the student's cell is blank.
        _not_implemented(title)
    print(f"{'PASS' if passed else 'FAIL'}  {title}\n{text}")
    if not passed:
        raise GradingFailure(title)


def _not_implemented(title: str) -> None:
    print(f"FAIL  {title}\n      not implemented yet: the cell marked YOUR CODE HERE "
          "still raises NotImplementedError")
    raise GradingFailure(f"{title} (not implemented yet)") from None
