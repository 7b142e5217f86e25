"""The one place where arguments are checked.

Every public entry validates its arguments once, here, and fails with a
message that names the argument, what was expected and what arrived. Inner
loops (training, input search, branch and bound) call unchecked internals.

The rules, the same everywhere in mininn:

* a wrong *type* is a ``TypeError``; a right type with a wrong *value*
  (range, shape, NaN) is a ``ValueError``;
* ``bool`` is never accepted where a number is expected;
* arrays become float64 (integers and booleans are cast, on a copy);
* ``seed`` is None (fresh entropy), an int >= 0, or a ``numpy.random.Generator``
  (used, and advanced, as is);
* ``bounds`` is a pair ``(lo, hi)`` of scalars, per-feature ``(k,)`` arrays or
  per-start ``(n_starts, k)`` arrays, finite, with ``lo < hi`` and a finite
  width ``hi - lo``.
"""
from __future__ import annotations

import math
import numbers
from typing import Optional, Sequence, Tuple, Union

import numpy as np

SeedLike = Union[None, int, np.random.Generator]


# ------------------------------------------------------------------ scalars
def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_int(value, name: str, minimum: Optional[int] = None,
              maximum: Optional[int] = None) -> int:
    """Return ``value`` as an int, refusing bools, floats and out-of-range values."""
    if type(value) is int:
        pass                    # the usual case, without the slower ABC check below
    elif isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_real(value, name: str, minimum: Optional[float] = None,
               maximum: Optional[float] = None, *, open_min: bool = False,
               open_max: bool = False) -> float:
    """Return ``value`` as a finite float in the given range.

    The range is ``[minimum, maximum]``; ``open_min``/``open_max`` exclude an
    end. A missing end is unbounded.
    """
    if not _is_real(value):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    parts = []
    if minimum is not None:
        parts.append(f"{'>' if open_min else '>='} {minimum:g}")
    if maximum is not None:
        parts.append(f"{'<' if open_max else '<='} {maximum:g}")
    expected = "a finite number" + (" " + " and ".join(parts) if parts else "")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    too_low = minimum is not None and (value <= minimum if open_min else value < minimum)
    too_high = maximum is not None and (value >= maximum if open_max else value > maximum)
    if too_low or too_high:
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return value


def check_positive(value, name: str, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (or >= 0 with ``allow_zero``)."""
    return check_real(value, name, minimum=0.0, open_min=not allow_zero)


def check_bool(value, name: str) -> bool:
    """Return ``value`` if it is True or False (NumPy booleans included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_choice(value, name: str, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (strings), else a ValueError listing them."""
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}; got {value!r}")
    return value


def check_output(output, n_outputs: Optional[int], name: str = "output") -> int:
    """Return the output index ``output`` as an int in ``0..n_outputs - 1``."""
    output = check_int(output, name)
    if n_outputs is not None and not 0 <= output < n_outputs:
        raise ValueError(f"{name} must be an index in 0..{n_outputs - 1} "
                         f"(the network has {n_outputs} outputs), got {output}")
    return output


def check_optimizer(optimizer, name: str = "optimizer"):
    """Return ``optimizer`` if it is an optimizer *object* (with ``step(params, grads)``).

    A class passed for an instance (``SGD`` for ``SGD(0.1)``) gets a TypeError saying so.
    """
    if isinstance(optimizer, type):
        raise TypeError(f"{name} must be an optimizer object; pass an instance: "
                        f"{optimizer.__name__}(lr=0.1)")
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"{name} must have a step(params, grads) method, got "
                        f"{type(optimizer).__name__}")
    return optimizer


def make_rng(seed: SeedLike, name: str = "seed") -> np.random.Generator:
    """Turn ``None``, an int >= 0 or a Generator into a Generator (a Generator is used as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be None, an int >= 0 or a numpy.random.Generator, "
                        f"got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be None, an int >= 0 or a numpy.random.Generator, "
                         f"got {int(seed)}")
    return np.random.default_rng(int(seed))


# ------------------------------------------------------------------- arrays
def as_float_array(value, name: str, ndim: Optional[int] = None,
                   finite: bool = True, copy: bool = False) -> np.ndarray:
    """Return ``value`` as a float64 array, checking its rank and finiteness.

    Integer and boolean input is cast to float64 (on a copy); complex input,
    strings and objects are refused. ``copy=True`` always returns a new array.
    A float64 array that needs no cast is returned as is (no copy), so the
    check costs a few microseconds on the hot paths that call it.
    """
    if type(value) is not np.ndarray:
        try:
            value = np.asarray(value)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name} must be array-like, got {type(value).__name__}: {exc}") \
                from None
    arr = value
    if arr.dtype != np.float64:
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got an array of dtype {arr.dtype}")
        arr = arr.astype(np.float64)
    elif copy:
        arr = arr.copy()
    if ndim is not None and arr.ndim != ndim:
        shape = "(n, features)" if ndim == 2 else f"a {ndim}-d array"
        raise ValueError(f"{name} must be {shape}, got an array of shape {arr.shape}")
    if finite and not _all_finite(arr):
        bad = arr.size - np.count_nonzero(np.isfinite(arr))
        if bad:
            raise ValueError(f"{name} must be finite, but {bad} of its {arr.size} values are "
                             "NaN or inf")
    return arr


def _all_finite(arr: np.ndarray) -> bool:
    """True if the float64 ``arr`` surely holds no NaN or inf; False if it may.

    The sum of squares (one BLAS pass, no temporary array) is finite when
    every entry is; a NaN or inf makes it NaN or inf. It also overflows for
    entries beyond ~1e154, so False only sends the caller to the exact count.
    """
    try:
        return math.isfinite(np.vdot(arr, arr))
    except FloatingPointError:      # overflow, under np.errstate(over="raise")
        return False


def as_batch(X, name: str, n_features: Optional[int] = None) -> np.ndarray:
    """Return a float64 batch of shape ``(n, n_features)`` with n >= 1.

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


def check_bounds(bounds, k: int, *, name: str = "bounds", n_starts: Optional[int] = None,
                 strict: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """Return the box ``bounds = (lo, hi)`` as two float64 arrays.

    ``lo`` and ``hi`` may each be a scalar, a per-feature ``(k,)`` array or,
    when ``n_starts`` is given, a per-start ``(n_starts, k)`` array. Without
    ``n_starts`` the result has shape ``(k,)``; with it, ``(n_starts, k)``.
    Both must be finite with ``lo < hi`` (``lo <= hi`` with ``strict=False``)
    and a finite width ``hi - lo`` (``(-1e308, 1e308)`` is refused: its width
    overflows, and every step or bound computed from it would be NaN).
    """
    if isinstance(bounds, (str, bytes)) or not hasattr(bounds, "__len__") or len(bounds) != 2:
        raise TypeError(f"{name} must be a pair (lo, hi) of scalars or arrays of shape ({k},), "
                        f"got {bounds!r}")
    shapes = [(), (k,)] + ([(n_starts, k)] if n_starts is not None else [])
    allowed = " or ".join(str(s) if s else "a scalar" for s in shapes)
    target = (k,) if n_starts is None else (n_starts, k)
    ends = []
    for label, value in zip(("lo", "hi"), bounds):
        arr = as_float_array(value, f"{name} {label}")
        if arr.shape not in shapes:
            raise ValueError(f"{name} {label} must be {allowed} for a network with {k} inputs, "
                             f"got shape {arr.shape}")
        ends.append(np.broadcast_to(arr, target).copy())
    lo, hi = ends
    bad = lo >= hi if strict else lo > hi
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        relation = "<" if strict else "<="
        raise ValueError(f"{name} must have lo {relation} hi everywhere; at index {where} "
                         f"lo = {lo[where]:g} and hi = {hi[where]:g} "
                         f"({int(bad.sum())} of {bad.size} entries)")
    with np.errstate(over="ignore"):
        width = hi - lo
    if not np.all(np.isfinite(width)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(width))[0])
        raise ValueError(f"{name} must have a finite width hi - lo; at index {where} "
                         f"lo = {lo[where]:g} and hi = {hi[where]:g} (the width overflows)")
    return lo, hi


# ------------------------------------------------------- callables, layers
def check_callable(value, name: str) -> None:
    """Refuse anything that cannot be called (``f``, ``kinks``, ...) with a TypeError."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__}")


def check_layer_contract(layer, name: str = "layer", hint: str = "") -> None:
    """Check the four members of the Layer contract: ``forward``/``backward``
    methods and ``params``/``grads`` dicts. ``hint`` ends the message."""
    missing = [m for m in ("forward", "backward", "params", "grads") if not hasattr(layer, m)]
    if missing:
        raise TypeError(f"{name} ({type(layer).__name__}) does not follow the Layer contract: "
                        f"missing {', '.join(missing)}{hint}")
    for member in ("forward", "backward"):
        if not callable(getattr(layer, member)):
            raise TypeError(f"{name}.{member} must be a method, "
                            f"got {type(getattr(layer, member)).__name__}")
    for member in ("params", "grads"):
        if not isinstance(getattr(layer, member), dict):
            raise TypeError(f"{name}.{member} must be a dict of arrays, "
                            f"got {type(getattr(layer, member)).__name__}")


def check_nonempty(arr: np.ndarray, name: str) -> np.ndarray:
    """Refuse an array with no entries (a vacuous check or sum) with a ValueError."""
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one value, got shape {arr.shape}")
    return arr


def as_positive_vector(value, name: str, min_size: int = 1) -> np.ndarray:
    """A 1-d float64 array of at least ``min_size`` finite values, all > 0 (steps, epsilons)."""
    arr = as_float_array(value, name)
    if arr.ndim != 1 or arr.size < min_size or np.any(arr <= 0):
        raise ValueError(f"{name} must be a 1-d array of at least {min_size} positive values, "
                         f"got {np.array2string(arr, threshold=6)} (shape {arr.shape})")
    return arr


def check_broadcastable(arr: np.ndarray, shape: Tuple[int, ...], name: str,
                        to: str = "x") -> np.ndarray:
    """Return ``arr`` broadcast (read-only view) to ``shape``, or a ValueError naming both."""
    try:
        return np.broadcast_to(arr, shape)
    except ValueError:
        raise ValueError(f"{name} must be a scalar or broadcast to {to}'s shape {tuple(shape)}, "
                         f"got shape {arr.shape}") from None


def check_shape(arr: np.ndarray, shape: Tuple[int, ...], name: str, of: str) -> np.ndarray:
    """Refuse ``arr`` unless its shape is ``shape`` (that of ``of``), with a ValueError."""
    if arr.shape != tuple(shape):
        raise ValueError(f"{name} must have the shape of {of} {tuple(shape)}, got {arr.shape}")
    return arr


def check_nonzero(arr: np.ndarray, name: str) -> np.ndarray:
    """Refuse an all-zero array (a direction, say) with a ValueError."""
    if not np.any(arr):
        raise ValueError(f"{name} must not be zero")
    return arr


def check_ordered(lo: np.ndarray, hi: np.ndarray, names: Tuple[str, str] = ("lo", "hi")) -> None:
    """Refuse ``lo > hi`` anywhere (equal ends allowed) with a ValueError naming both."""
    bad = np.asarray(lo > hi)
    if bad.any():
        raise ValueError(f"{names[0]} must be <= {names[1]} everywhere, got {names[0]} > "
                         f"{names[1]} at {int(bad.sum())} of {bad.size} entries")


def check_same_samples(n: int, y, names: Tuple[str, str] = ("X", "y")) -> None:
    """Refuse targets ``y`` whose first axis does not hold ``n`` samples (a ValueError)."""
    shape = np.shape(y)
    if len(shape) == 0 or shape[0] != n:
        raise ValueError(f"{names[0]} and {names[1]} must hold the same number of samples, got "
                         f"{names[0]} with {n} rows and {names[1]} of shape {shape}")
