"""Feedback that teaches, never a traceback (issue 10, section 2).

A student's mistake ends in a FAIL row that names the mistake: their own
line when their code crashes, the broken rule of the Layer contract, the
tell-tale ratio of a classic slip. The report has one string form.
"""
from __future__ import annotations

import linecache
import os
import re
import shutil
import tempfile

import numpy as np
import pytest

import mininn
from mininn.gradcheck import check_gradient, check_layer, check_network
from mininn.layers import Dense

from broken_layers import (DenseAccumulates, DenseMeanInsteadOfSum, DenseUpdatesInBackward,
                           ReLUInPlace, StudentReLU, TanhWrongSign)


class MyDense:
    """A student's Dense, correct unless told otherwise."""

    def __init__(self, n_in, n_out, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {"W": rng.normal(size=(n_in, n_out)), "b": rng.normal(size=n_out)}
        self.grads = {"W": np.zeros((n_in, n_out)), "b": np.zeros(n_out)}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dy):
        self.grads["W"] = self.x.T @ dy
        self.grads["b"] = dy.sum(axis=0)
        return dy @ self.params["W"].T


class ForgotTransposeInForward(MyDense):
    def forward(self, x):
        self.x = x
        return x @ self.params["W"].T + self.params["b"]        # the student's line


class ForgotTransposeInBackward(MyDense):
    def backward(self, dy):
        self.grads["W"] = self.x @ dy                           # the student's line
        self.grads["b"] = dy.sum(axis=0)
        return dy @ self.params["W"].T


class TransposedResult(MyDense):
    def backward(self, dy):
        super().backward(dy)
        return (dy @ self.params["W"].T).T


class TwiceTheGradient(MyDense):
    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["W"] = 2 * self.grads["W"]
        return dx


class SlightlyWrongBias(MyDense):
    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["b"] = self.grads["b"] * (1 + 1e-5)
        return dx


class TransposedSquareW(MyDense):
    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["W"] = self.grads["W"].T
        return dx


X = np.random.default_rng(0).normal(size=(4, 3))


# ------------------------------------------------------------- crashes
@pytest.mark.parametrize("layer, method, code", [
    (ForgotTransposeInForward(3, 2), "forward", "x @ self.params[\"W\"].T"),
    (ForgotTransposeInBackward(3, 2), "backward", "self.x @ dy"),
])
def test_a_crash_in_the_students_code_is_a_fail_row_with_their_line(layer, method, code):
    report = check_layer(layer, X, seed=0)                    # no exception
    assert not report.passed
    row = report[method]
    assert row.status == "FAIL"
    assert "test_gradcheck_feedback.py:" in row.note and code in row.note
    assert "ValueError" in row.note and "transpose" in row.note     # the hint
    assert "mininn" not in row.note.split("at test_gradcheck_feedback.py")[1]


def test_a_crash_inside_a_network_names_the_line_too():
    net = mininn.Sequential([Dense(3, 2, seed=0), mininn.Tanh(), ForgotTransposeInForward(2, 4)])
    report = check_network(net, X, np.zeros((4, 4)), seed=0)
    assert not report.passed
    assert "test_gradcheck_feedback.py:" in str(report)
    assert "2.ForgotTransposeInForward" in report.diagnosis


def test_a_transposed_result_is_a_fail_with_a_transpose_hint():
    report = check_layer(TransposedResult(3, 2), X, seed=0)
    assert not report.passed and "transpose" in report["x"].note
    g = np.arange(6.0).reshape(2, 3)
    report = check_gradient(lambda v: float(np.sum(v * g)), np.ones((2, 3)), g.T)
    assert not report.passed and "transpose" in report.rows[0].note


def test_a_mininn_error_about_a_wrong_argument_is_still_raised():
    with pytest.raises(ValueError):
        check_layer(Dense(3, 2, seed=0), np.ones((4, 5)))       # the caller's x, not a bug


# ------------------------------------------------------- contract manners
def test_backward_that_updates_params_is_named():
    layer = DenseUpdatesInBackward(3, 2, seed=0)
    W = layer.params["W"].copy()
    report = check_layer(layer, X, seed=0)
    assert not report.passed
    assert "backward changed params['W']" in report["backward"].note
    assert np.array_equal(layer.params["W"], W)                # put back


def test_forward_that_modifies_its_input_is_named():
    x = np.array([[-1.0, 2.0, -3.0], [0.5, -0.5, 1.0]])
    before = x.copy()
    report = check_layer(ReLUInPlace(), x, seed=0)
    assert not report.passed and "forward modified its input" in report["forward"].note
    assert np.array_equal(x, before)


def test_backward_that_accumulates_is_named():
    report = check_layer(DenseAccumulates(3, 2, seed=0), X, seed=0)
    assert not report.passed and "accumulates" in report["backward"].note


def test_manners_are_checked_in_a_network_and_the_layer_is_named():
    for bad in (DenseUpdatesInBackward(2, 2, seed=1), DenseAccumulates(2, 2, seed=1),
                ReLUInPlace()):
        net = mininn.Sequential([Dense(3, 2, seed=0), mininn.Tanh(), bad, Dense(2, 1, seed=2)])
        report = check_network(net, X, np.zeros((4, 1)), seed=0)
        assert not report.passed, str(report)
        assert f"2.{type(bad).__name__}" in report.diagnosis
        assert "chained" not in str(report)


# ------------------------------------------------------- tell-tale ratios
@pytest.mark.parametrize("layer, words", [
    (DenseMeanInsteadOfSum(3, 2, seed=0), ["1/4", "batch size", "mean"]),
    (TanhWrongSign(), ["sign"]),
    (TwiceTheGradient(3, 2), ["factor 2"]),
    (TransposedSquareW(3, 3), ["TRANSPOSED"]),
])
def test_tell_tale_ratios_are_named(layer, words):
    report = check_layer(layer, X, seed=0)
    assert not report.passed
    text = " ".join(row.note for row in report.failures)
    for word in words:
        assert word in text, str(report)


# ---------------------------------------------------------------- report
def test_abs_error_is_the_error_at_the_worst_entry():
    c = np.array([0.211, 10.0])
    wrong = np.array([-0.579, 15.1])
    row = check_gradient(lambda v: float(v @ c), np.zeros(2), wrong).rows[0]
    assert row.worst_index == (0,)
    assert row.abs_error == pytest.approx(abs(-0.579 - 0.211), rel=1e-6)
    assert row.rel_error == pytest.approx(1.0, rel=1e-6)


def test_the_kinks_or_float32_band_never_labels_a_kink_free_float64_fail():
    report = check_layer(SlightlyWrongBias(3, 2), X, seed=0)
    row = report["b"]
    assert row.status == "FAIL" and 1e-7 <= row.rel_error < 1e-4
    assert row.band != "ok with kinks or float32" and "kinks" not in row.band
    assert "ok with kinks or float32" not in str(report)


def test_culprits_are_named_in_good_english():
    net = mininn.Sequential([TwiceTheGradient(3, 3), mininn.Tanh(), TwiceTheGradient(3, 2, seed=1)])
    report = check_network(net, X, np.zeros((4, 2)), seed=0)
    assert "layers 0.TwiceTheGradient and 2.TwiceTheGradient fail" in report.diagnosis
    net = mininn.Sequential([TwiceTheGradient(3, 2), mininn.Tanh()])
    assert "layer 0.TwiceTheGradient fails" in check_network(net, X, np.zeros((4, 2)),
                                                              seed=0).diagnosis


def test_one_string_form_each_fail_printed_once():
    report = check_layer(TwiceTheGradient(3, 2), X, seed=0)
    text = str(report)
    assert text == report.summary()
    with pytest.raises(AssertionError) as info:
        report.assert_ok()
    assert str(info.value) == text
    table = text.split("notes:")[0]
    assert sum(line.startswith("FAIL") for line in table.splitlines()) == len(report.failures)
    assert table.count(" W ") == 1


# ------------------------------------------------- crashes in a notebook cell
CELL = '''\
import numpy as np


class CellDense:
    def __init__(self):
        rng = np.random.default_rng(0)
        self.params = {"W": rng.normal(size=(3, 2)), "b": np.zeros(2)}
        self.grads = {}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dy):
        self.grads["W"] = self.x @ dy
        self.grads["b"] = dy.sum(axis=0)
        return dy @ self.params["W"].T
'''
CELL_LINE = CELL.splitlines().index('        self.grads["W"] = self.x @ dy') + 1


@pytest.fixture
def kernel_cell_file():
    """A cell file where ipykernel writes them: <tempdir>/ipykernel_<pid>/<hash>.py."""
    root = tempfile.mkdtemp()
    folder = os.path.join(root, "ipykernel_4242")
    os.mkdir(folder)
    path = os.path.join(folder, "2083808281.py")
    with open(path, "w", encoding="utf-8") as file:
        file.write(CELL)
    yield path
    shutil.rmtree(root)


def _run_cell(filename: str):
    namespace: dict = {}
    exec(compile(CELL, filename, "exec"), namespace)
    return namespace["CellDense"]()


def _assert_says_line_of_your_cell(text: str):
    assert f"line {CELL_LINE} of your cell" in text, text
    assert "self.x @ dy" in text
    assert "2083808281" not in text and "ipykernel" not in text and "ipython-input" not in text


def test_a_crash_in_a_kernel_cell_file_is_a_line_of_your_cell(kernel_cell_file):
    report = check_layer(_run_cell(kernel_cell_file), X, seed=0)
    row = report["backward"]
    assert row.status == "FAIL"
    _assert_says_line_of_your_cell(row.note)
    assert row.crash.exception == "ValueError" and row.crash.lineno == CELL_LINE
    assert row.crash.in_cell and row.crash.where == f"line {CELL_LINE} of your cell"


def test_a_crash_in_an_ipython_input_cell_is_a_line_of_your_cell():
    filename = "<ipython-input-7-0123456789ab>"
    linecache.cache[filename] = (len(CELL), None, CELL.splitlines(True), filename)   # as IPython does
    try:
        report = check_layer(_run_cell(filename), X, seed=0)
        net = mininn.Sequential([_run_cell(filename), mininn.Tanh()])
        network = check_network(net, X, np.zeros((4, 2)), seed=0)
    finally:
        del linecache.cache[filename]
    _assert_says_line_of_your_cell(report["backward"].note)
    _assert_says_line_of_your_cell(str(network))


def test_a_crash_in_a_real_file_keeps_file_and_line():
    report = check_layer(ForgotTransposeInBackward(3, 2), X, seed=0)
    crash = report["backward"].crash
    assert not crash.in_cell and crash.where.startswith("test_gradcheck_feedback.py:")
    assert crash.where in report["backward"].note and "of your cell" not in str(report)


# ------------------------------------------------------ crashes as data
def test_report_crashes_name_the_exception_and_the_students_line():
    report = check_layer(ForgotTransposeInForward(3, 2), X, seed=0)
    (crash,) = report.crashes
    assert crash is report["forward"].crash
    assert crash.exception == "ValueError"
    assert crash.function == "forward" and 'x @ self.params["W"].T' in crash.code
    assert crash.filename.endswith("test_gradcheck_feedback.py") and crash.lineno > 0
    assert str(report).count("ValueError") == 1                 # printed once, in its note


def test_a_report_without_crashes_has_none():
    assert check_layer(TwiceTheGradient(3, 2), X, seed=0).crashes == []
    assert all(row.crash is None for row in check_layer(TwiceTheGradient(3, 2), X, seed=0))


def test_a_crash_inside_a_network_is_in_its_crashes():
    net = mininn.Sequential([Dense(3, 2, seed=0), mininn.Tanh(), ForgotTransposeInForward(2, 4)])
    crashes = check_network(net, X, np.zeros((4, 4)), seed=0).crashes
    assert crashes and {c.exception for c in crashes} == {"ValueError"}
    assert all(c.function == "forward" for c in crashes)


# ---------------------------------------------- a FAIL row never says "accepted"
class LeakyWithWrongSlope(mininn.LeakyReLU):
    """Right at the kink (between the one-sided slopes), wrong away from it."""

    def backward(self, da):
        return da * np.where(self._active, 1.0, 0.1)


ACCEPTING = re.compile(r"\baccept|\bok\b|\bfine\b", re.I)


@pytest.mark.parametrize("layer, z", [
    (LeakyWithWrongSlope(), np.array([[0.0, 3e-6, -2e-6, 0.8, -1.1]])),   # notebook 02
    (StudentReLU(), np.array([[0.0, 2e-6, 1.0]])),                    # an undeclared kink
    (LeakyWithWrongSlope(), np.array([[0.0, -2e-6, -1e-3, 0.5]])),
])
def test_a_fail_row_never_says_accepted_or_ok(layer, z):
    report = check_layer(layer, z, seed=0)
    assert not report.passed
    for row in report.failures:
        assert not ACCEPTING.search(row.note), row.note
        assert not ACCEPTING.search(row.band), row.band
    row = report["x"]
    if row.kinks:
        assert "do not explain" in row.note


def test_a_kink_row_that_passes_still_says_accepted():
    report = check_layer(mininn.ReLU(), np.array([[0.0, 3e-6, -2e-6, 0.8, -1.1]]), seed=0)
    assert report["x"].status == "kink" and "accepted" in report["x"].note
