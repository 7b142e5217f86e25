"""Tests for mininn.datasets: shapes, exact values, determinism, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from mininn import datasets
from mininn.datasets import (
    all_bit_strings,
    hidden_pattern,
    load_digits,
    parity,
    problem_2016,
    train_test_split,
    two_moons,
    xor,
)


def _as_integers(X: np.ndarray) -> np.ndarray:
    """Integer encoded by each row, most significant bit in column 0."""
    k = X.shape[1]
    powers = 2.0 ** np.arange(k - 1, -1, -1)  # (k,) = [2**(k-1), ..., 2, 1]
    return X @ powers


# --------------------------------------------------------------------------
# problem_2016 and xor: exact values
# --------------------------------------------------------------------------

def test_problem_2016_exact_values():
    X, y = problem_2016()
    assert X.dtype == np.float64 and y.dtype == np.float64
    np.testing.assert_array_equal(X, [[0, 1], [1, 0], [1, 1], [0, 0]])
    np.testing.assert_array_equal(y, [1, 0, 0, 0])
    # Worked out by hand: y = (1 - x0) * x1 is 1 only at x = [0, 1].
    np.testing.assert_array_equal(y, (1 - X[:, 0]) * X[:, 1])


def test_xor_exact_values():
    X, y = xor()
    assert X.shape == (4, 2) and y.shape == (4,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])


@pytest.mark.parametrize("make", [problem_2016, xor])
def test_small_sets_return_fresh_arrays(make):
    X1, y1 = make()
    X1[...] = 7.0
    X2, _ = make()
    assert X2.max() == 1.0


# --------------------------------------------------------------------------
# all_bit_strings
# --------------------------------------------------------------------------

@pytest.mark.parametrize("k", [1, 2, 3, 5, 8, 12])
def test_all_bit_strings_enumerates_in_counting_order(k):
    X = all_bit_strings(k)
    assert X.shape == (2**k, k)
    assert X.dtype == np.float64
    assert set(np.unique(X)) <= {0.0, 1.0}
    assert np.unique(X, axis=0).shape[0] == 2**k  # all rows distinct
    # Row i encodes i: dot product with [2**(k-1), ..., 2, 1].
    np.testing.assert_array_equal(_as_integers(X), np.arange(2**k))


def test_all_bit_strings_most_significant_bit_first():
    X = all_bit_strings(3)
    np.testing.assert_array_equal(X[1], [0, 0, 1])
    np.testing.assert_array_equal(X[4], [1, 0, 0])
    np.testing.assert_array_equal(X[6], [1, 1, 0])


def test_all_bit_strings_accepts_numpy_integer():
    np.testing.assert_array_equal(all_bit_strings(np.int64(3)), all_bit_strings(3))


# --------------------------------------------------------------------------
# hidden_pattern, enumerated
# --------------------------------------------------------------------------

@pytest.mark.parametrize("k", [1, 2, 4, 7, 10])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hidden_pattern_labels_exactly_the_pattern_row(k, seed):
    X, y, pattern = hidden_pattern(k, seed=seed)
    assert X.shape == (2**k, k) and y.shape == (2**k,) and pattern.shape == (k,)
    assert X.dtype == y.dtype == pattern.dtype == np.float64
    np.testing.assert_array_equal(X, all_bit_strings(k))
    assert set(np.unique(pattern)) <= {0.0, 1.0}
    positives = np.flatnonzero(y == 1.0)
    # Exactly one positive, and it is the row that encodes the pattern.
    np.testing.assert_array_equal(positives, [int(_as_integers(pattern[None, :])[0])])
    np.testing.assert_array_equal(X[positives[0]], pattern)
    assert y.sum() == 1.0


def test_hidden_pattern_given_pattern_is_used_and_copied():
    p = np.array([1, 0, 1, 1])
    X, y, pattern = hidden_pattern(4, pattern=p)
    np.testing.assert_array_equal(pattern, p)
    np.testing.assert_array_equal(X[y == 1], [p])
    assert X[y == 1][0].tolist() == [1.0, 0.0, 1.0, 1.0]
    pattern[0] = 0.0
    assert p[0] == 1  # the caller's array is untouched


@pytest.mark.parametrize("pattern", [[0, 1], [True, False], np.array([1.0, 1.0])])
def test_hidden_pattern_accepts_int_bool_float_patterns(pattern):
    X, y, p = hidden_pattern(2, pattern=pattern)
    np.testing.assert_array_equal(p, np.asarray(pattern, dtype=float))
    assert y.sum() == 1.0


def test_hidden_pattern_2016_story():
    # With k=2 and pattern [0, 1], hidden_pattern is the 2016 problem (rows reordered).
    X, y, _ = hidden_pattern(2, pattern=[0, 1])
    X16, y16 = problem_2016()
    assert {tuple(r) for r in X[y == 1]} == {tuple(r) for r in X16[y16 == 1]}


@pytest.mark.parametrize("seed", [0, 5])
def test_hidden_pattern_is_deterministic(seed):
    a = hidden_pattern(6, seed=seed, noise=0.2)
    b = hidden_pattern(6, seed=seed, noise=0.2)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


def test_hidden_pattern_accepts_generator():
    a = hidden_pattern(8, seed=np.random.default_rng(3))
    b = hidden_pattern(8, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(a[2], b[2])


def test_hidden_pattern_enumerated_noise_flips_labels():
    k = 12
    _, clean, p = hidden_pattern(k, seed=0)
    _, noisy, p2 = hidden_pattern(k, noise=0.1, seed=0)
    np.testing.assert_array_equal(p, p2)  # same pattern: it is drawn first
    share = np.mean(noisy != clean)
    assert 0.08 < share < 0.12  # 4096 labels, std of the share ~ 0.005


# --------------------------------------------------------------------------
# hidden_pattern, sampled
# --------------------------------------------------------------------------

@pytest.mark.parametrize("k", [3, 20, 32, 40])
@pytest.mark.parametrize("n_samples, fraction", [(400, 0.25), (1000, 0.1), (7, 0.5)])
def test_hidden_pattern_sampled_contains_pattern_at_stated_fraction(k, n_samples, fraction):
    X, y, p = hidden_pattern(
        k, n_samples=n_samples, positive_fraction=fraction, seed=1
    )
    assert X.shape == (n_samples, k) and y.shape == (n_samples,) and p.shape == (k,)
    assert X.dtype == y.dtype == np.float64
    assert set(np.unique(X)) <= {0.0, 1.0}
    is_pattern = np.all(X == p, axis=1)
    # Labels are exactly "row equals the pattern" (no noise) ...
    np.testing.assert_array_equal(y, is_pattern.astype(float))
    # ... and the share of pattern copies is the stated one, rounded half up.
    assert int(y.sum()) == int(np.floor(fraction * n_samples + 0.5))


def test_hidden_pattern_sampled_default_fraction_is_a_quarter():
    _, y, _ = hidden_pattern(30, n_samples=1000, seed=0)
    assert y.sum() == 250
    assert datasets.DEFAULT_POSITIVE_FRACTION == 0.25


def test_hidden_pattern_sampled_rows_are_shuffled():
    _, y, _ = hidden_pattern(25, n_samples=400, seed=0)
    positives = np.flatnonzero(y)
    assert not np.array_equal(positives, np.arange(100))  # not all at the front


def test_hidden_pattern_sampled_uses_given_pattern():
    p = np.zeros(24)
    p[::3] = 1
    X, y, pattern = hidden_pattern(24, pattern=p, n_samples=200, seed=4)
    np.testing.assert_array_equal(pattern, p)
    np.testing.assert_array_equal(X[y == 1], np.tile(p, (50, 1)))


@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_hidden_pattern_sampled_extreme_fractions(fraction):
    _, y, _ = hidden_pattern(2, n_samples=50, positive_fraction=fraction, seed=0)
    assert y.mean() == fraction  # k=2: random negatives that hit the pattern are moved off it


@pytest.mark.parametrize("noise", [0.05, 0.2, 0.5])
def test_hidden_pattern_sampled_noise_flips_about_the_right_share(noise):
    n = 20_000
    X, clean, p = hidden_pattern(30, n_samples=n, seed=2)
    X2, noisy, p2 = hidden_pattern(30, n_samples=n, noise=noise, seed=2)
    # Same generator order: pattern, rows, shuffle, then flips -> same X.
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(p, p2)
    share = np.mean(noisy != clean)
    sd = np.sqrt(noise * (1 - noise) / n)
    assert abs(share - noise) < 5 * sd


def test_hidden_pattern_noise_one_flips_every_label():
    _, clean, _ = hidden_pattern(5, seed=0)
    _, noisy, _ = hidden_pattern(5, noise=1.0, seed=0)
    np.testing.assert_array_equal(noisy, 1.0 - clean)


# --------------------------------------------------------------------------
# parity
# --------------------------------------------------------------------------

@pytest.mark.parametrize("k", [1, 2, 3, 6, 10])
def test_parity_is_sum_of_bits_mod_2(k):
    X, y = parity(k)
    assert X.shape == (2**k, k) and y.shape == (2**k,)
    assert X.dtype == y.dtype == np.float64
    np.testing.assert_array_equal(X, all_bit_strings(k))
    expected = np.array([bin(i).count("1") % 2 for i in range(2**k)], dtype=float)
    np.testing.assert_array_equal(y, expected)
    assert y.sum() == 2 ** (k - 1)  # half the strings are odd


def test_parity_2_is_xor():
    Xp, yp = parity(2)
    Xx, yx = xor()
    np.testing.assert_array_equal(Xp, Xx)
    np.testing.assert_array_equal(yp, yx)


# --------------------------------------------------------------------------
# two_moons
# --------------------------------------------------------------------------

@pytest.mark.parametrize("n_samples", [2, 3, 100, 201])
def test_two_moons_shapes_and_classes(n_samples):
    X, y = two_moons(n_samples=n_samples)
    assert X.shape == (n_samples, 2) and y.shape == (n_samples,)
    assert X.dtype == y.dtype == np.float64
    assert set(np.unique(y)) == {0.0, 1.0}
    assert y.sum() == n_samples - n_samples // 2


def test_two_moons_without_noise_lies_on_the_curves():
    X, y = two_moons(n_samples=100, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    # Upper moon: unit circle around (0, 0), y >= 0.
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    # Lower moon: unit circle around (1, 0.5), y <= 0.5.
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


@pytest.mark.parametrize("seed", [0, 1, 123])
def test_two_moons_same_seed_same_data(seed):
    X1, y1 = two_moons(seed=seed)
    X2, y2 = two_moons(seed=seed)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


def test_two_moons_other_seed_other_data():
    X1, y1 = two_moons(seed=0)
    X2, y2 = two_moons(seed=1)
    assert not np.array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)  # labels depend on n_samples only


def test_two_moons_noise_has_stated_scale():
    X0, _ = two_moons(n_samples=20_000, noise=0.0)
    X, _ = two_moons(n_samples=20_000, noise=0.3, seed=7)
    assert abs(np.std(X - X0) - 0.3) < 0.01


def test_two_moons_generator_is_advanced():
    rng = np.random.default_rng(0)
    X1, _ = two_moons(seed=rng)
    X2, _ = two_moons(seed=rng)
    assert not np.array_equal(X1, X2)


# --------------------------------------------------------------------------
# load_digits
# --------------------------------------------------------------------------

def test_load_digits_shapes_dtypes_and_range():
    X, y = load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    # Raw values were integers 0..16, so 16 * X is integral.
    np.testing.assert_array_equal(16 * X, np.round(16 * X))


def test_load_digits_has_ten_balanced_classes():
    _, y = load_digits()
    np.testing.assert_array_equal(np.unique(y), np.arange(10))
    counts = np.bincount(y, minlength=10)
    assert counts.sum() == 1797
    assert counts.min() >= 170


def test_load_digits_is_deterministic_and_fresh():
    X1, y1 = load_digits()
    X2, y2 = load_digits()
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X1[0, 0] = 99.0
    assert load_digits()[0][0, 0] != 99.0


def test_load_digits_images_look_like_digits():
    X, y = load_digits()
    # The border columns of an 8x8 digit are mostly dark, the centre bright.
    images = X.reshape(-1, 8, 8)
    assert images[:, :, 0].mean() < images[:, 2:6, 2:6].mean()
    # Class means differ: a "1" is thinner (less ink) than an "8" or a "0".
    ink = np.array([X[y == d].sum(axis=1).mean() for d in range(10)])
    assert ink[1] < ink[0] and ink[1] < ink[8]


def test_shipped_digits_file_is_small_and_plain():
    from importlib import resources

    source = resources.files("mininn").joinpath("data/digits.npz")
    with resources.as_file(source) as path:
        assert path.stat().st_size < 100_000
        with np.load(path, allow_pickle=False) as data:
            assert sorted(data.files) == ["images", "target"]
            assert data["images"].dtype == np.uint8
            assert data["images"].shape == (1797, 8, 8)
            assert data["target"].dtype == np.uint8


# --------------------------------------------------------------------------
# train_test_split
# --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "n, fraction, n_test", [(100, 0.25, 25), (10, 0.3, 3), (1797, 0.25, 449), (2, 0.5, 1), (7, 0.5, 4)]
)
def test_train_test_split_sizes(n, fraction, n_test):
    X = np.arange(3 * n, dtype=float).reshape(n, 3)
    y = np.arange(n)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_fraction=fraction, seed=0)
    assert X_te.shape == (n_test, 3) and y_te.shape == (n_test,)
    assert X_tr.shape == (n - n_test, 3) and y_tr.shape == (n - n_test,)
    assert X_tr.dtype == X.dtype and y_tr.dtype == y.dtype


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_train_test_split_is_a_disjoint_partition_that_keeps_rows_together(seed):
    n = 50
    X = np.arange(2 * n, dtype=float).reshape(n, 2)  # row i = [2i, 2i + 1]
    y = np.arange(n, dtype=float)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_fraction=0.2, seed=seed)
    assert set(y_tr).isdisjoint(y_te)
    assert sorted(np.concatenate([y_tr, y_te])) == list(range(n))
    np.testing.assert_array_equal(X_tr[:, 0], 2 * y_tr)
    np.testing.assert_array_equal(X_te[:, 0], 2 * y_te)


def test_train_test_split_is_reproducible():
    X, y = load_digits()
    a = train_test_split(X, y, seed=3)
    b = train_test_split(X, y, seed=3)
    c = train_test_split(X, y, seed=4)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[3], c[3])


def test_train_test_split_accepts_lists_and_generator():
    X = [[0.0], [1.0], [2.0], [3.0]]
    y = [0, 1, 0, 1]
    a = train_test_split(X, y, 0.5, seed=np.random.default_rng(9))
    b = train_test_split(X, y, 0.5, seed=np.random.default_rng(9))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert a[0].shape == (2, 1)


# --------------------------------------------------------------------------
# Bad input: right exception type, argument named in the message
# --------------------------------------------------------------------------

@pytest.mark.parametrize("func", [all_bit_strings, parity])
@pytest.mark.parametrize(
    "k, exc, match",
    [
        (0, ValueError, r"\bk\b"),
        (25, ValueError, r"\bk\b"),
        (30, ValueError, r"\bk\b"),
        (-3, ValueError, r"\bk\b"),
        (2.0, TypeError, r"\bk\b"),
        ("3", TypeError, r"\bk\b"),
        (True, TypeError, r"\bk\b"),
        (None, TypeError, r"\bk\b"),
    ],
)
def test_bit_string_functions_reject_bad_k(func, k, exc, match):
    with pytest.raises(exc, match=match):
        func(k)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"k": 0}, ValueError, r"\bk\b"),
        ({"k": 17}, ValueError, r"\bk\b"),
        ({"k": 3.0}, TypeError, r"\bk\b"),
        ({"k": 0, "n_samples": 10}, ValueError, r"\bk\b"),
        ({"k": 3, "n_samples": 0}, ValueError, r"\bn_samples\b"),
        ({"k": 3, "n_samples": 10.0}, TypeError, r"\bn_samples\b"),
        ({"k": 3, "noise": -0.1}, ValueError, r"\bnoise\b"),
        ({"k": 3, "noise": 1.5}, ValueError, r"\bnoise\b"),
        ({"k": 3, "noise": float("nan")}, ValueError, r"\bnoise\b"),
        ({"k": 3, "noise": "0.1"}, TypeError, r"\bnoise\b"),
        ({"k": 3, "n_samples": 10, "positive_fraction": 1.2}, ValueError, r"\bpositive_fraction\b"),
        ({"k": 3, "n_samples": 10, "positive_fraction": -0.5}, ValueError, r"\bpositive_fraction\b"),
        ({"k": 3, "positive_fraction": 0.5}, ValueError, r"\bpositive_fraction\b"),
        ({"k": 3, "pattern": [0, 1]}, ValueError, r"\bpattern\b"),
        ({"k": 2, "pattern": [[0, 1]]}, ValueError, r"\bpattern\b"),
        ({"k": 3, "pattern": [0, 2, 1]}, ValueError, r"\bpattern\b"),
        ({"k": 2, "pattern": [0.5, 1]}, ValueError, r"\bpattern\b"),
        ({"k": 2, "pattern": [np.nan, 1]}, ValueError, r"\bpattern\b"),
        ({"k": 2, "pattern": ["a", "b"]}, TypeError, r"\bpattern\b"),
        ({"k": 30, "n_samples": 10, "pattern": np.ones(29)}, ValueError, r"\bpattern\b"),
        ({"k": 3, "seed": 1.5}, TypeError, r"\bseed\b"),
        ({"k": 3, "seed": -1}, ValueError, r"\bseed\b"),
    ],
)
def test_hidden_pattern_rejects_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        hidden_pattern(**kwargs)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"n_samples": 1}, ValueError, r"\bn_samples\b"),
        ({"n_samples": 0}, ValueError, r"\bn_samples\b"),
        ({"n_samples": 100.0}, TypeError, r"\bn_samples\b"),
        ({"noise": -0.1}, ValueError, r"\bnoise\b"),
        ({"noise": float("inf")}, ValueError, r"\bnoise\b"),
        ({"noise": None}, TypeError, r"\bnoise\b"),
        ({"seed": "0"}, TypeError, r"\bseed\b"),
        ({"seed": np.random.RandomState(0)}, TypeError, r"\bseed\b"),
    ],
)
def test_two_moons_rejects_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        two_moons(**kwargs)


_X10 = np.zeros((10, 2))
_y10 = np.zeros(10)


@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        ((_X10, np.zeros(9)), {}, ValueError, r"\bX\b"),
        ((_X10, _y10), {"test_fraction": 0.0}, ValueError, r"\btest_fraction\b"),
        ((_X10, _y10), {"test_fraction": 1.0}, ValueError, r"\btest_fraction\b"),
        ((_X10, _y10), {"test_fraction": 1.5}, ValueError, r"\btest_fraction\b"),
        ((_X10, _y10), {"test_fraction": "0.2"}, TypeError, r"\btest_fraction\b"),
        ((_X10, _y10), {"test_fraction": 0.01}, ValueError, r"\btest_fraction\b"),
        ((_X10, _y10), {"test_fraction": 0.99}, ValueError, r"\btest_fraction\b"),
        ((np.zeros((1, 2)), np.zeros(1)), {}, ValueError, r"\bX\b"),
        ((np.float64(1.0), _y10), {}, ValueError, r"\bX\b"),
        ((_X10, np.float64(1.0)), {}, ValueError, r"\by\b"),
        ((np.array([["a", "b"]] * 10), _y10), {}, TypeError, r"\bX\b"),
        ((_X10, np.array([None] * 10)), {}, TypeError, r"\by\b"),
        ((np.where(np.eye(10, 2) > 0, np.nan, 0.0), _y10), {}, ValueError, r"\bX\b"),
        ((_X10, np.r_[np.zeros(9), np.inf]), {}, ValueError, r"\by\b"),
        ((_X10, _y10), {"seed": 0.5}, TypeError, r"\bseed\b"),
    ],
)
def test_train_test_split_rejects_bad_input(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        train_test_split(*args, **kwargs)


def test_load_digits_rejects_a_foreign_file(tmp_path, monkeypatch):
    # A corrupt or foreign digits file gets a ValueError, not a silent result.
    from importlib import resources

    foreign = tmp_path / "mininn"
    (foreign / "data").mkdir(parents=True)
    np.savez_compressed(foreign / "data" / "digits.npz", pixels=np.zeros((3, 8, 8)))
    monkeypatch.setattr(resources, "files", lambda package: foreign)
    with pytest.raises(ValueError, match=r"must hold arrays 'images' and 'target'"):
        load_digits()


def test_datasets_module_does_not_import_sklearn():
    import inspect

    source = inspect.getsource(datasets)
    assert "import sklearn" not in source and "from sklearn" not in source


def test_seed_defaults_to_none_and_follows_the_one_rule():
    # seed=None (fresh entropy) is the default everywhere, as in fit, mlp and Dense
    import inspect

    for func in (hidden_pattern, two_moons, train_test_split):
        assert inspect.signature(func).parameters["seed"].default is None, func.__name__
    X, y = two_moons(n_samples=10)
    assert X.shape == (10, 2)
    X, y, _ = hidden_pattern(3, seed=None)
    with pytest.raises(ValueError, match=r"\bseed\b"):
        two_moons(seed=-1)
    with pytest.raises(TypeError, match=r"\bseed\b"):
        train_test_split(X, y, seed=1.5)
