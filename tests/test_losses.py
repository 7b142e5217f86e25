"""Losses: the formula in each docstring, checked by the code it describes."""
from __future__ import annotations

import numpy as np
import pytest

from mininn import losses
from mininn.activations import sigmoid



def numeric_loss_grad(loss, pred, target, h=1e-6):
    grad = np.zeros_like(pred)
    for idx in np.ndindex(pred.shape):
        old = pred[idx]
        pred[idx] = old + h
        plus = loss.forward(pred, target)
        pred[idx] = old - h
        minus = loss.forward(pred, target)
        pred[idx] = old
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def cases(seed, n=5, m=3):
    rng = np.random.default_rng(seed)
    probs = rng.uniform(0.05, 0.95, size=(n, m))
    labels = rng.integers(0, m, size=n)
    return [
        (losses.MSE(), rng.normal(size=(n, m)), rng.normal(size=(n, m))),
        (losses.BinaryCrossEntropy(), probs, rng.random((n, m))),
        (losses.BinaryCrossEntropy(from_logits=True), rng.normal(scale=3, size=(n, m)),
         (rng.random((n, m)) < 0.5).astype(float)),
        (losses.SoftmaxCrossEntropy(), rng.normal(scale=2, size=(n, m)), labels),
        (losses.SoftmaxCrossEntropy(), rng.normal(size=(n, m)), rng.dirichlet(np.ones(m), size=n)),
    ]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("case", range(5))
def test_loss_gradient_matches_finite_differences(seed, case):
    loss, pred, target = cases(seed)[case]
    loss.forward(pred, target)
    analytic = loss.backward()
    assert analytic.shape == pred.shape
    numeric = numeric_loss_grad(loss, pred.copy(), target)
    # The loss is a mean of order 1, so the difference quotient carries an
    # absolute round-off ~ eps_mach / h ~ 1e-10: relative 1e-7, absolute 1e-9.
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)


def test_mse_formula_and_reduction():
    # ((1-0)^2 + (2-4)^2 + (0-0)^2 + (3-1)^2) / 4 = (1 + 4 + 0 + 4) / 4
    pred = np.array([[1.0, 2.0], [0.0, 3.0]])
    target = np.array([[0.0, 4.0], [0.0, 1.0]])
    loss = losses.MSE()
    assert loss.forward(pred, target) == pytest.approx(9 / 4)
    np.testing.assert_allclose(loss.backward(), 2 * (pred - target) / 4)


def test_bce_equals_from_logits_and_the_formula():
    rng = np.random.default_rng(0)
    z = rng.normal(scale=2, size=(6, 2))
    t = rng.random((6, 2))
    p = sigmoid(z)
    formula = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert losses.BinaryCrossEntropy().forward(p, t) == pytest.approx(formula, rel=1e-12)
    assert losses.BinaryCrossEntropy(from_logits=True).forward(z, t) == pytest.approx(formula, rel=1e-12)


def test_bce_on_probabilities_is_clipped_and_finite():
    loss = losses.BinaryCrossEntropy()
    value = loss.forward(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
    assert np.isfinite(value) and value == pytest.approx(-np.log(1e-12), rel=1e-6)
    assert np.all(np.isfinite(loss.backward()))


def test_bce_from_logits_is_stable_for_huge_logits():
    loss = losses.BinaryCrossEntropy(from_logits=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = loss.forward(np.array([[1e4, -1e4]]), np.array([[0.0, 1.0]]))
        grad = loss.backward()
    assert value == pytest.approx(1e4)          # softplus(1e4) - 0 and softplus(-1e4) + 1e4
    np.testing.assert_allclose(grad, [[0.5, -0.5]])


def test_softmax_cross_entropy_by_hand_and_stable():
    # logits [0, ln 3]: softmax = [1/4, 3/4]; label 1 -> loss = -ln(3/4)
    z = np.array([[0.0, np.log(3.0)]])
    loss = losses.SoftmaxCrossEntropy()
    assert loss.forward(z, np.array([1])) == pytest.approx(-np.log(0.75))
    np.testing.assert_allclose(loss.backward(), [[0.25, -0.25]])
    with np.errstate(over="raise", invalid="raise"):
        assert np.isfinite(loss.forward(np.array([[1e4, -1e4, 0.0]]), np.array([0])))


def test_one_dimensional_target_for_single_output():
    loss = losses.MSE()
    assert loss.forward(np.array([[1.0], [2.0]]), np.array([1.0, 0.0])) == pytest.approx(2.0)


def test_loss_bad_targets_name_the_argument():
    with pytest.raises(ValueError, match="target.*shape"):
        losses.MSE().forward(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="target.*finite"):
        losses.MSE().forward(np.zeros((2, 1)), np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match="target labels"):
        losses.SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(TypeError, match="target labels must be integers"):
        losses.SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="loss"):
        losses.get("hinge")


# ------------------------------------------------- targets validated (issue 11)
def test_list_targets_work_like_arrays():
    # before: MSE()(np.array([[.5]]), [[1.]]) raised AttributeError
    assert losses.MSE()(np.array([[0.5]]), [[1.0]]) == pytest.approx(0.25)
    assert losses.BinaryCrossEntropy()(np.array([[0.5], [0.5]]), [1, 0]) == pytest.approx(np.log(2))
    assert losses.SoftmaxCrossEntropy()(np.zeros((2, 2)), [0, 1]) == pytest.approx(np.log(2))
    assert losses.MSE()([[0.5]], np.array([[1.0]])) == pytest.approx(0.25)


@pytest.mark.parametrize("loss, pred", [
    (losses.MSE(), np.zeros((2, 1))),
    (losses.BinaryCrossEntropy(), np.full((2, 1), 0.5)),
    (losses.BinaryCrossEntropy(from_logits=True), np.zeros((2, 1))),
    (losses.SoftmaxCrossEntropy(), np.zeros((2, 1))),
])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_targets_are_refused(loss, pred, bad):
    # before: a NaN target returned nan silently (inf may fail the range check first)
    with pytest.raises(ValueError, match=r"\btarget\b"):
        loss(pred, np.array([[1.0], [bad]]))


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("t", [-0.5, 1.5, 2.0])
def test_bce_targets_outside_0_1_are_refused(from_logits, t):
    with pytest.raises(ValueError, match=r"target.*\[0, 1\]"):
        losses.BinaryCrossEntropy(from_logits=from_logits)(np.full((2, 1), 0.5), np.array([[1.0], [t]]))


@pytest.mark.parametrize("t, match", [
    (np.array([[1.5, -0.5], [0.5, 0.5]]), "negative"),        # before: a loss of -2.37
    (np.array([[0.5, 0.2], [0.5, 0.5]]), "sum to 1"),
    (np.array([[2.0, 0.0], [0.0, 1.0]]), "sum to 1"),
])
def test_softmax_targets_must_be_distributions(t, match):
    with pytest.raises(ValueError, match=r"target.*" + match):
        losses.SoftmaxCrossEntropy()(np.array([[3.0, -1.0], [0.0, 2.0]]), t)


@pytest.mark.parametrize("name", ["MSE", "BinaryCrossEntropy", "SoftmaxCrossEntropy"])
def test_get_a_loss_class_asks_for_an_instance(name):
    with pytest.raises(TypeError, match=rf"instance.*{name}\(\)"):
        losses.get(getattr(losses, name))


# ------------------------------------------- expected underflow is silent
def test_expected_underflow_does_not_raise():
    with np.errstate(all="raise"):
        # before: underflow in exp (the softmax share of the logit 0 is e^-1000)
        loss = losses.SoftmaxCrossEntropy()
        assert loss(np.array([[1000.0, 0.0]]), np.array([0])) == 0.0
        np.testing.assert_array_equal(loss.backward(), [[0.0, 0.0]])
        assert loss(np.array([[1000.0, 0.0]]), np.array([1])) == pytest.approx(1000.0)
        # before: underflow in the square of an error of 1e-200
        mse = losses.MSE()
        assert mse(np.array([[1e-200]]), np.array([[0.0]])) == 0.0
        assert mse.backward()[0, 0] == 2e-200
        bce = losses.BinaryCrossEntropy(from_logits=True)
        assert np.isfinite(bce(np.array([[800.0, -800.0]]), np.array([[1.0, 0.0]])))


def test_extreme_logits_give_a_finite_softmax_loss():
    # before: NaN (0 * log 0 of the vanished class, after z - max overflowed)
    z = np.array([[1.7e308, -1.7e308]])
    loss = losses.SoftmaxCrossEntropy()
    assert loss(z, np.array([0])) == 0.0
    np.testing.assert_array_equal(loss.backward(), [[0.0, 0.0]])
    with np.errstate(all="raise"):
        assert loss(z, np.array([0])) == 0.0


def test_a_perfect_prediction_has_loss_plus_zero_not_minus_zero():
    # -sum(0) is -0.0, which prints as "-0.0" and puzzles a student
    value = losses.SoftmaxCrossEntropy()(np.array([[1000.0, 0.0]]), np.array([0]))
    assert value == 0.0 and str(value) == "0.0"
