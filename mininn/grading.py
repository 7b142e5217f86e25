"""Grading cells for exercise notebooks: PASS or FAIL, printed once, never a traceback.

A grading cell calls ``grade(title, check)``. ``check`` is a function of no
arguments that returns one of

* a report with a ``passed`` attribute (``mininn.gradcheck``'s reports and
  Taylor results): its text is ``str(report)``, and its ``crashes`` (if it
  has them) tell a blank exercise -- a crash of type NotImplementedError --
  from a wrong one;
* a pair ``(passed, explanation)``;

or raises. ``grade`` prints ``PASS  title`` or ``FAIL  title`` followed by
the explanation, exactly once, and on a FAIL raises :class:`GradingFailure`
so that "Run all" stops at the first failed check (and nbgrader gives the
cell no points). When the student's code raises -- a forgotten transpose is a
NumPy ``ValueError`` -- the FAIL names the exception, quotes the student's
line (``in f() in your cell, line N`` in a notebook, ``file:line`` in a real file;
``mininn.gradcheck.crash``), and gives a hint, instead of a traceback
through mininn's internals.

The module is part of the package (not a file next to the notebooks) so
that a notebook finds it from any working directory -- nbgrader runs
submissions in its own ``autograded/`` folders -- and so that it is tested
with the checker whose reports it prints.
"""
from __future__ import annotations

from typing import Callable, List

from .gradcheck.crash import crash_of, hint

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


def _explain_crash(error: BaseException) -> str:
    crash = crash_of(error)
    if crash is None or crash.in_library:
        lines = [f"      the checker rejected what your code gave it: "
                 f"{type(error).__name__}: {error}"]
    else:
        function = f"in {crash.function}()" if crash.function != "<module>" else ""
        if crash.in_cell:       # the kernel's name for the cell's file means nothing to a student
            where = " ".join(filter(None, [function, "in your cell,", f"line {crash.lineno}"]))
        else:
            where = ", ".join(filter(None, [function, crash.where]))
        lines = [f"      your code raised {crash.exception}: {crash.message}",
                 f"      {where}: {crash.code}" if crash.code else f"      {where}"]
    lines.append(f"      hint: {hint(error)}")
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
    crashes = getattr(result, "crashes", None) or ()
    if not passed and any(getattr(c, "exception", "") == "NotImplementedError" for c in crashes):
        # A checker that reports crashes instead of raising them (check_layer does):
        # the stub of a blank cell raised NotImplementedError.
        _not_implemented(title)
    print(f"{'PASS' if passed else 'FAIL'}  {title}\n{text}")
    if not passed:
        raise GradingFailure(title)


def _not_implemented(title: str) -> None:
    print(f"FAIL  {title}\n      not implemented yet: the cell marked YOUR CODE HERE "
          "still raises NotImplementedError")
    raise GradingFailure(f"{title} (not implemented yet)") from None
