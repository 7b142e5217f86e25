"""The grading cells' helper: a blank exercise is told from a crash by data, not by text.

``grade`` reads a report's ``crashes`` (exception type name and the
student's location, one per crash) to recognise a blank cell (its stub
raises NotImplementedError); a report that merely *mentions* the word is
graded as what it is. A crash is located as ``file:line`` in a real file.
"""
from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np
import pytest

from mininn.gradcheck import Crash, check_layer
from mininn.grading import GradingFailure, grade


class Report:
    """The smallest report grade accepts: ``passed``, ``crashes`` and its one string form."""

    def __init__(self, passed, crashes, text):
        self.passed, self.crashes, self.text = passed, crashes, text

    def __str__(self):
        return self.text


def blank_crash():
    return Crash(exception="NotImplementedError", message="", filename="cell.py", lineno=3,
                 function="backward", code="raise NotImplementedError()")


def test_a_report_whose_crash_is_not_implemented_is_a_blank_cell(capsys):
    report = Report(False, [blank_crash()], "backward raised an exception -- at cell.py:3")
    with pytest.raises(GradingFailure):
        grade("blank", lambda: report)
    out = capsys.readouterr().out
    assert out.startswith("FAIL  blank") and "not implemented yet" in out
    assert out.count("FAIL") == 1


class SaysTheWord:
    """A wrong layer whose own error message happens to mention NotImplementedError."""

    params, grads = {}, {}

    def forward(self, z):
        return np.tanh(z)

    def backward(self, da):
        raise ValueError("mode 'fast' gives NotImplementedError; pass mode='slow'")


def test_a_report_that_only_mentions_the_word_is_graded_as_what_it_is(capsys):
    report = check_layer(SaysTheWord(), np.ones((2, 3)), seed=0)
    assert [c.exception for c in report.crashes] == ["ValueError"]
    with pytest.raises(GradingFailure):
        grade("a wrong layer", lambda: report)
    out = capsys.readouterr().out
    assert "not implemented yet" not in out
    assert out.startswith("FAIL  a wrong layer") and "ValueError" in out


def test_a_blank_layer_is_not_implemented_yet_through_its_crashes(capsys):
    class Blank:
        params, grads = {}, {}

        def forward(self, z):
            return np.tanh(z)

        def backward(self, da):
            raise NotImplementedError()

    report = check_layer(Blank(), np.ones((2, 3)), seed=0)
    assert [c.exception for c in report.crashes] == ["NotImplementedError"]
    with pytest.raises(GradingFailure):
        grade("blank layer", lambda: report)
    out = capsys.readouterr().out
    assert out.startswith("FAIL  blank layer") and "not implemented yet" in out


def test_a_crash_that_escapes_the_check_keeps_file_and_line_in_a_real_file(capsys):
    def students_backward():
        W = np.ones((3, 2))
        return np.ones((5, 2)) @ W        # forgotten transpose

    with pytest.raises(GradingFailure):
        grade("backward", students_backward)
    out = capsys.readouterr().out
    assert out.startswith("FAIL  backward") and "ValueError" in out
    assert "in students_backward(), test_grading.py:" in out
    assert "np.ones((5, 2)) @ W" in out and "transpose" in out       # the line and a hint


def test_a_passing_report_with_no_crashes_prints_pass(capsys):
    grade("fine", lambda: Report(True, [], "all good"))
    assert capsys.readouterr().out == "PASS  fine\nall good\n"


CELL = """\
import numpy as np


def students_backward():
    W = np.ones((3, 2))
    return np.ones((5, 2)) @ W
"""


def test_a_crash_in_a_kernel_cell_names_the_line_of_the_cell_not_the_kernels_file(capsys):
    root = tempfile.mkdtemp()
    try:
        folder = os.path.join(root, "ipykernel_4242")      # where ipykernel writes cell files
        os.mkdir(folder)
        path = os.path.join(folder, "2083808281.py")
        with open(path, "w", encoding="utf-8") as file:
            file.write(CELL)
        namespace: dict = {}
        exec(compile(CELL, path, "exec"), namespace)
        with pytest.raises(GradingFailure):
            grade("backward", namespace["students_backward"])
    finally:
        shutil.rmtree(root)
    out = capsys.readouterr().out
    assert "in students_backward() in your cell, line 6: return np.ones((5, 2)) @ W" in out
    assert "2083808281" not in out and "ipykernel" not in out
