"""Splitting rows into a training and a test part (``train_test_split``)."""
from __future__ import annotations

from typing import Tuple

import numpy as np

from .._validation import SeedLike, as_float_array, check_real, make_rng
from .bits import _round_half_up


def _check_rows(value: object, name: str) -> np.ndarray:
    """``value`` as an array (dtype kept) after checking it is numeric, finite and not a scalar."""
    as_float_array(value, name)         # real numbers, finite (checked on a float64 view or copy)
    arr = np.asarray(value)
    if arr.ndim < 1:
        raise ValueError(f"{name} must have at least one dimension (n, ...), got a scalar of shape ()")
    return arr


def train_test_split(
    X: np.ndarray,
    y: np.ndarray,
    test_fraction: float = 0.25,
    seed: SeedLike = None,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split rows into a training and a test part, at random, without replacement.

    One permutation ``perm`` of ``range(n)`` is drawn; the first
    ``n_test = floor(test_fraction * n + 1/2)`` indices (``test_fraction * n``
    rounded half up) form the test part, the rest
    the training part. Every row lands in exactly one part, and the same
    ``X``/``y`` rows stay together. Dtypes are kept.

    Parameters
    ----------
    X : array-like of shape (n, features) (or any (n, ...))
        Inputs, numeric and finite.
    y : array-like of shape (n,) (or any (n, ...))
        Targets, numeric and finite, with as many rows as ``X``.
    test_fraction : float, default 0.25
        Share of rows for the test part, strictly between 0 and 1; the
        rounded count must leave at least one row on each side.
    seed : None, int >= 0 or numpy.random.Generator, default None
        Source of the permutation.

    Returns
    -------
    X_train : ndarray of shape (n - n_test, ...)
    X_test : ndarray of shape (n_test, ...)
    y_train : ndarray of shape (n - n_test, ...)
    y_test : ndarray of shape (n_test, ...)

    Raises
    ------
    TypeError
        If ``X`` or ``y`` is not numeric, or ``test_fraction``/``seed`` has the
        wrong type.
    ValueError
        If ``X`` and ``y`` have different lengths, hold non-finite values, or
        ``test_fraction`` leaves one part empty.

    Examples
    --------
    >>> X, y = load_digits()
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, 0.25, seed=0)
    >>> X_train.shape, X_test.shape
    ((1348, 64), (449, 64))
    """
    X = _check_rows(X, "X")
    y = _check_rows(y, "y")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have the same number of rows, got X with {X.shape[0]} "
            f"(shape {X.shape}) and y with {y.shape[0]} (shape {y.shape})"
        )
    n = X.shape[0]
    if n < 2:
        raise ValueError(
            f"X must have at least 2 rows to split into a training and a test "
            f"part, got {n}"
        )
    test_fraction = check_real(test_fraction, "test_fraction", 0.0, 1.0, open_min=True, open_max=True)
    n_test = _round_half_up(test_fraction * n)
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"test_fraction must leave at least one row in each part: with "
            f"n={n} rows, test_fraction={test_fraction} gives {n_test} test rows "
            f"and {n - n_test} training rows"
        )
    rng = make_rng(seed)
    perm = rng.permutation(n)
    test_idx, train_idx = perm[:n_test], perm[n_test:]
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]
