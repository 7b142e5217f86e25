"""Optimisers: hand-computed steps and known optima."""
from __future__ import annotations

import numpy as np
import pytest

from mininn.optim import SGD, Adam


def quadratic_grad(x, A, b):
    """f(x) = 1/2 x^T A x - b^T x, gradient A x - b, minimum at A^{-1} b."""
    return A @ x - b


def test_sgd_plain_step_by_hand():
    p = np.array([1.0, -2.0])
    SGD(lr=0.5).step([p], [np.array([2.0, 4.0])])
    np.testing.assert_array_equal(p, [0.0, -4.0])      # p - 0.5 g


def test_sgd_momentum_steps_by_hand():
    # v1 = g1 = 1, p1 = 0 - 0.1*1 = -0.1; v2 = 0.9*1 + 1 = 1.9, p2 = -0.1 - 0.19 = -0.29
    p = np.zeros(1)
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step([p], [np.ones(1)])
    opt.step([p], [np.ones(1)])
    np.testing.assert_allclose(p, [-0.29])
    # Nesterov: v1 = 1, p1 = -0.1*(1 + 0.9) = -0.19
    q = np.zeros(1)
    SGD(lr=0.1, momentum=0.9, nesterov=True).step([q], [np.ones(1)])
    np.testing.assert_allclose(q, [-0.19])


def test_adam_first_step_is_lr_times_sign():
    p = np.array([0.0, 0.0, 0.0])
    Adam(lr=0.01).step([p], [np.array([3.0, -1e-3, 0.0])])
    np.testing.assert_allclose(p, [-0.01, 0.01, 0.0], rtol=1e-4)  # eps=1e-8 vs |g|=1e-3


@pytest.mark.parametrize("opt", [SGD(0.1), SGD(0.05, momentum=0.9), SGD(0.05, momentum=0.9, nesterov=True),
                                 Adam(0.05)], ids=repr)
def test_optimisers_reach_the_known_minimum_of_a_quadratic(opt):
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    x = np.array([5.0, 5.0])
    bias = np.array([1.0])            # a second array in the same list
    for _ in range(3000):
        opt.step([x, bias], [quadratic_grad(x, A, b), 2 * (bias - 0.5)])
    np.testing.assert_allclose(x, np.linalg.solve(A, b), atol=1e-6)
    np.testing.assert_allclose(bias, [0.5], atol=1e-6)


def test_updates_in_place_and_state_checks():
    x = np.zeros((2, 3))
    opt = Adam()
    before = x
    opt.step([x], [np.ones((2, 3))])
    assert x is before and np.all(x < 0)
    with pytest.raises(ValueError, match="reset"):
        opt.step([np.zeros(4)], [np.ones(4)])
    opt.reset()
    opt.step([np.zeros(4)], [np.ones(4)])
    with pytest.raises(ValueError, match="same length"):
        opt.step([np.zeros(4)], [])


@pytest.mark.parametrize("make, match", [
    (lambda: SGD(lr=0), "lr"), (lambda: SGD(lr=-1), "lr"), (lambda: SGD(lr=float("nan")), "lr"),
    (lambda: SGD(0.1, momentum=1.0), "momentum"), (lambda: SGD(0.1, nesterov=True), "nesterov"),
    (lambda: Adam(betas=(0.9, 1.0)), "betas"), (lambda: Adam(eps=0), "eps"),
])
def test_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()
    with pytest.raises(TypeError, match="lr"):
        SGD(lr="fast")


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: SGD(0.1, momentum=0.9), Adam])
def test_a_wrong_shaped_gradient_is_refused_not_broadcast(make):
    # before: SGD(.1).step([np.zeros(3)], [np.ones(1)]) broadcast the gradient
    x = np.zeros(3)
    with pytest.raises(ValueError, match=r"grads\[0\]"):
        make().step([x], [np.ones(1)])
    with pytest.raises(ValueError, match=r"grads\[1\]"):
        make().step([x, np.zeros((2, 2))], [np.ones(3), np.ones((2, 1))])
    np.testing.assert_array_equal(x, 0.0)          # nothing moved
