"""Argument checks shared by the public entry points.

Every public function validates its arguments once, at the entry, and fails
with a message that names the argument, what was expected and what arrived.
Inner loops (training, input search) call the unchecked internals instead.
"""
from __future__ import annotations

import numbers
from typing import Optional, Union

import numpy as np

SeedLike = Union[None, int, np.random.Generator]


def as_float_array(value, name: str, ndim: Optional[int] = None,
                   finite: bool = True) -> np.ndarray:
    """Return ``value`` as a float64 array, checking its rank and finiteness.

    Integer and boolean input is cast to float64 (on a copy); complex input,
    strings and objects are refused.
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like, got {type(value).__name__}: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {arr.dtype}")
    if arr.dtype != np.float64:
        arr = arr.astype(np.float64)
    if ndim is not None and arr.ndim != ndim:
        shape = "(n, features)" if ndim == 2 else f"a {ndim}-d array"
        raise ValueError(f"{name} must be {shape}, got an array of shape {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite, but {bad} of its {arr.size} values are NaN or inf")
    return arr


def as_batch(X, name: str, n_features: Optional[int] = None) -> np.ndarray:
    """Return a float64 batch of shape ``(n, n_features)``.

    A 1-d array of length ``n_features`` is *not* silently promoted: batches are
    2-d, and the message says how to make one (``x[None, :]``).
    """
    arr = as_float_array(X, name)
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 1 and n_features is not None and arr.shape[0] == n_features:
            hint = f"; for a single sample use {name}[None, :] (shape (1, {n_features}))"
        raise ValueError(f"{name} must be 2-d with shape (n, features), got shape {arr.shape}{hint}")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(
            f"{name} must have {n_features} features (columns), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one sample, got shape {arr.shape}")
    return arr


def check_int(value, name: str, minimum: Optional[int] = None,
              maximum: Optional[int] = None) -> int:
    """Return ``value`` as an int, refusing bools, floats and out-of-range values."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_positive(value, name: str, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (or >= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        expected = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {expected}, got {value!r}")
    return value


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` if it is one of ``choices`` (strings), else a ValueError listing them."""
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}; got {value!r}")
    return value


def make_rng(seed: SeedLike, name: str = "seed") -> np.random.Generator:
    """Turn ``None``, an int or a Generator into a Generator (a Generator is used as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(
            f"{name} must be None, a non-negative int or a numpy.random.Generator, got {seed!r}")
    return np.random.default_rng(int(seed))
