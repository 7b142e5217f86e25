"""Adversarial examples and certified robustness (mininn.search.adversarial, .robustness).

* A linear classifier is worked out by hand: its margin over an L-infinity
  box is smallest at the corner x - eps sign(w_c - w_j), so the exact robust
  radius is m / |w_c - w_j|_1; interval bounds of one affine layer are exact,
  so the certified and the attack radius must both land within tol of it.
* On a small CNN and an MLP: soundness by sampling (no sampled image in a
  certified box changes the prediction), no image both certified and
  attacked, counterexamples verified by forward passes and inside their boxes,
  certified radius <= attack radius.
"""
from __future__ import annotations

import numpy as np
import pytest

import mininn
from mininn.convolution import Conv2D
from mininn.pooling import Flatten, MaxPool2D, Unflatten
from mininn.search import (attack, certify, epsilon_box, fgsm, margin, output_bounds, pgd,
                           robustness_radii)


def small_cnn(seed=0):
    rng = np.random.default_rng(seed)
    return mininn.Sequential([Unflatten((1, 6, 6)), Conv2D(1, 3, 3, padding=1, init="he", seed=rng),
                              mininn.ReLU(), MaxPool2D(2), Flatten(),
                              mininn.Dense(27, 4, seed=rng)])


def images(n=8, k=36, seed=1):
    return np.random.default_rng(seed).uniform(0.0, 1.0, size=(n, k))


def linear_net(seed=0, k=5, classes=2):
    net = mininn.Sequential([mininn.Dense(k, classes, seed=seed)])
    net[0].params["b"][:] = np.random.default_rng(seed).normal(0, 0.3, classes)
    return net


def predictions(net, X):
    return net.forward(X).argmax(axis=1)


# ------------------------------------------------------------------ boxes, margins
def test_epsilon_box_is_the_ball_cut_to_the_pixel_range():
    X = np.array([[0.0, 0.5, 0.98]])
    lo, hi = epsilon_box(X, epsilon=0.05)
    assert np.allclose(lo, [[0.0, 0.45, 0.93]]) and np.allclose(hi, [[0.05, 0.55, 1.0]])
    lo, hi = epsilon_box(np.vstack([X, X]), epsilon=[0.1, 0.2], bounds=(-1.0, 2.0))
    assert np.allclose(hi - lo, [[0.2] * 3, [0.4] * 3])


def test_margin_is_positive_iff_the_label_is_predicted():
    net, X = small_cnn(), images(20)
    pred = predictions(net, X)
    assert np.all(margin(net, X=X) > 0)
    other = (pred + 1) % 4
    assert np.all(margin(net, other, X=X) < 0)
    Y = net.forward(X)
    assert np.allclose(margin(net, 0, X=X), Y[:, 0] - Y[:, 1:].max(axis=1))


# ------------------------------------------------------------------ the linear case by hand
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_classifier_radii_are_exact(seed):
    net = linear_net(seed)
    X = np.random.default_rng(seed + 10).uniform(-1, 1, size=(6, 5))
    c = predictions(net, X)
    W, b = net[0].params["W"], net[0].params["b"]
    d = (W[:, 0] - W[:, 1]) * np.where(c == 0, 1, -1)[:, None]       # (6, 5): w_c - w_other
    exact = np.abs(X @ (W[:, 0] - W[:, 1]) + b[0] - b[1]) / np.abs(d).sum(axis=1)
    tol = 1e-4
    radii = robustness_radii(net, X=X, eps_max=20.0, eps_tol=tol, bounds=(-50.0, 50.0),
                             relaxation="interval")
    assert np.all(radii.certified_epsilon <= exact) and np.all(exact - radii.certified_epsilon <= tol)
    assert np.all(radii.attack_epsilon >= exact - 1e-12)
    assert np.all(radii.attack_epsilon - exact <= tol)
    # the counterexample is the corner x - eps sign(w_c - w_other) (up to the last
    # few Adam steps), and it is classified otherwise
    assert np.all(predictions(net, radii.xs) != c)
    assert np.all(np.abs(radii.xs - X).max(axis=1) <= radii.attack_epsilon + 1e-12)


def test_fgsm_is_one_sign_step_onto_the_faces_of_the_box():
    net = linear_net(3, k=6, classes=3)
    X = np.random.default_rng(4).uniform(0.2, 0.8, size=(10, 6))
    eps = 0.05
    res = fgsm(net, X=X, epsilon=eps)
    c = res.labels
    Y = net.forward(X)
    P = np.exp(Y - Y.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    W = net[0].params["W"]
    grad = W[:, c].T - P @ W.T                                    # d log p_c / dx, (10, 6)
    step = np.clip(X - eps * np.sign(grad), 0.0, 1.0)
    moved = margin(net, c, X=step) < margin(net, c, X=X)       # the step was the better point
    assert moved.any()
    assert np.allclose(res.xs[moved], step[moved], atol=1e-7, rtol=0)
    assert res.steps == 1 and res.method == "fgsm"


# ------------------------------------------------------------------ a CNN: soundness
def test_certified_boxes_hold_on_samples_and_attacks_are_real():
    net, X = small_cnn(2), images(12, seed=3)
    eps = 0.045
    res = certify(net, X=X, epsilon=eps, relaxation="interval", steps=10)
    assert res.certified.any() and not np.all(res.certified)
    assert not np.any(res.certified & res.attacked)
    assert np.all(res.bound <= res.values + 1e-12)               # bound <= attained margin
    lo, hi = epsilon_box(X, epsilon=eps)
    rng = np.random.default_rng(0)
    for i in np.flatnonzero(res.certified):
        samples = rng.uniform(lo[i], hi[i], size=(300, X.shape[1]))
        corners = np.where(rng.random((300, X.shape[1])) < 0.5, lo[i], hi[i])
        for S in (samples, corners):
            assert np.all(predictions(net, S) == res.labels[i])
    for i in np.flatnonzero(res.attacked):
        assert np.all(res.xs[i] >= lo[i]) and np.all(res.xs[i] <= hi[i])
        assert predictions(net, res.xs[i:i + 1])[0] != res.labels[i]
    assert "certified" in res.summary()


def test_certificate_bounds_are_output_bounds_of_the_difference_network():
    # certify's one-pass interval bound must equal output_bounds applied to a
    # network whose last layer computes f_c - f_j (built here by hand)
    net, X = small_cnn(1), images(6, seed=4)
    eps = 0.05
    res = certify(net, X=X, epsilon=eps, relaxation="interval", steps=1)
    lo, hi = epsilon_box(X, epsilon=eps)
    W, b = net[-1].params["W"], net[-1].params["b"]
    for i, c in enumerate(res.labels):
        last = mininn.Dense(27, 4)
        last.params["W"], last.params["b"] = W[:, [c]] - W, b[c] - b
        diff = mininn.Sequential(list(net.layers[:-1]) + [last])
        lows = [output_bounds(diff, j, bounds=(lo[i], hi[i]), relaxation="interval")[0]
                for j in range(4) if j != c]
        assert np.isclose(res.bound[i], min(lows), rtol=1e-12, atol=1e-12)


def test_pgd_is_at_least_as_strong_as_fgsm_here_and_stays_in_its_box():
    net, X = small_cnn(1), images(12, seed=2)
    weak, strong = fgsm(net, X=X, epsilon=0.1), pgd(net, X=X, epsilon=0.1, steps=20)
    assert strong.fooled.sum() >= weak.fooled.sum() and strong.fooled.any()
    lo, hi = strong.bounds
    assert np.all((strong.xs >= lo) & (strong.xs <= hi))
    assert np.array_equal(strong.fooled, strong.predictions != strong.labels)
    assert np.array_equal(strong.fooled, strong.values <= 0)
    assert strong.value == strong.values.min()


def test_radii_of_a_cnn_are_ordered_and_verified():
    net, X = small_cnn(2), images(8, seed=3)
    radii = robustness_radii(net, X=X, eps_max=0.5, eps_tol=2e-3, steps=10)
    found = np.isfinite(radii.attack_epsilon)
    assert found.any()
    assert np.all(radii.certified_epsilon <= radii.attack_epsilon)
    assert radii.relaxation == "linear"                       # "auto" on a CNN
    assert np.all(certify(net, X=X, epsilon=np.maximum(radii.certified_epsilon, 1e-9),
                          steps=1).certified[radii.certified_epsilon > 0])
    gap = np.abs(radii.xs[found] - X[found]).max(axis=1)
    assert np.all(gap <= radii.attack_epsilon[found] + 1e-12)
    assert np.all(predictions(net, radii.xs[found]) != radii.labels[found])
    assert "attack eps" in radii.summary()


def test_a_misclassified_image_has_both_radii_zero():
    net, X = small_cnn(), images(3)
    wrong = (predictions(net, X) + 1) % 4
    radii = robustness_radii(net, wrong, X=X, eps_tol=1e-2, steps=5)
    assert np.all(radii.certified_epsilon == 0) and np.all(radii.attack_epsilon == 0)


# ------------------------------------------------------------------ an MLP: linear bounds
def test_linear_bounds_certify_at_least_what_interval_bounds_do_and_soundly():
    net = mininn.mlp([10, 16, 16, 3], hidden="relu", seed=0)
    X = images(20, 10, seed=5)
    eps = 0.04
    lin = certify(net, X=X, epsilon=eps, relaxation="linear", steps=5)
    box = certify(net, X=X, epsilon=eps, relaxation="interval", steps=5)
    assert np.all(lin.bound >= box.bound - 1e-9)
    assert lin.certified.sum() >= box.certified.sum()
    lo, hi = epsilon_box(X, epsilon=eps)
    rng = np.random.default_rng(1)
    for i in np.flatnonzero(lin.certified):
        S = rng.uniform(lo[i], hi[i], size=(500, 10))
        assert margin(net, lin.labels[i], X=S).min() >= lin.bound[i] - 1e-9


# ------------------------------------------------------------------ bad input
def test_bad_arguments_name_the_argument():
    net, X = small_cnn(), images(4)
    with pytest.raises(TypeError, match="net"):
        attack(object(), X=X, epsilon=0.1)
    with pytest.raises(ValueError, match="X"):
        attack(net, X=X[:, :30], epsilon=0.1)
    with pytest.raises(ValueError, match="X"):
        attack(net, X=X + 2.0, epsilon=0.1)
    with pytest.raises(ValueError, match="epsilon"):
        attack(net, X=X, epsilon=0.0)
    with pytest.raises(ValueError, match="epsilon"):
        attack(net, X=X, epsilon=[0.1, 0.2])
    with pytest.raises(ValueError, match="method"):
        attack(net, X=X, epsilon=0.1, method="cw")
    with pytest.raises(ValueError, match="steps"):
        pgd(net, X=X, epsilon=0.1, steps=0)
    with pytest.raises(ValueError, match="label"):
        attack(net, 4, X=X, epsilon=0.1)
    with pytest.raises(ValueError, match="label"):
        certify(net, np.zeros(3, dtype=int), X=X, epsilon=0.1)
    with pytest.raises(ValueError, match="relaxation"):
        certify(net, X=X, epsilon=0.1, relaxation="crown")
    with pytest.raises(ValueError, match="eps_max"):
        robustness_radii(net, X=X, eps_max=0.0)
    with pytest.raises(ValueError, match="eps_tol"):
        robustness_radii(net, X=X, eps_tol=-1.0)
    with pytest.raises(TypeError, match="bounds"):
        attack(net, X=X, epsilon=0.1, bounds=0.5)


def test_a_cnn_without_unflatten_is_attacked_and_certified_on_image_batches():
    flat, X = small_cnn(2), images(6, seed=3)
    images_net = mininn.Sequential(flat.layers[1:])
    X4 = X.reshape(-1, 1, 6, 6)
    a, b = certify(flat, X=X, epsilon=0.045, steps=5), certify(images_net, X=X4, epsilon=0.045, steps=5)
    assert np.array_equal(a.bound, b.bound) and np.array_equal(a.xs, b.xs)
    assert b.xs.shape == (6, 36)
    with pytest.raises(ValueError, match="X"):
        attack(images_net, X=X, epsilon=0.1)          # rows, but the network takes images
