"""Working precision: every check runs in float64, on copies, whatever comes in.

Finite differences divide a difference of two nearby values of f by a small
step h, so the round-off of f is amplified by 1/h. In float32 that round-off
(1.2e-7 relative) leaves nothing to compare at h ~ 1e-5; the checker
therefore computes in float64 and says so (``PrecisionWarning``) when it was
handed anything less.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Sequence

import numpy as np

from .._validation import as_float_array

MACHINE_EPS = float(np.finfo(np.float64).eps)
SMALLEST = float(np.finfo(np.float64).tiny)


class PrecisionWarning(UserWarning):
    """A check was asked for in low precision; it runs in float64 on a copy instead."""


def warn_low_precision(name: str, dtype, stacklevel: int = 4) -> None:
    """Say that ``name`` came in as ``dtype`` (float16/float32) and what that costs."""
    resolution = float(np.finfo(dtype).eps)
    warnings.warn(
        f"{name} is {dtype}: its round-off ({resolution:.1e} relative) divided by a step h makes "
        f"finite differences useless below ~{resolution ** (2 / 3):.0e}; the check runs in float64 "
        "on a copy instead. If your layer computes in low precision internally, expect relative "
        "errors near 1e-4 from round-off alone, not from a wrong gradient.",
        PrecisionWarning, stacklevel=stacklevel)


def float64_copy(value, name: str) -> np.ndarray:
    """A float64 **copy** of ``value`` (never the caller's array), finite and real.

    float16/float32 warn (``PrecisionWarning``); integers and booleans are cast.
    """
    dtype = getattr(value, "dtype", None)
    if dtype is not None and np.dtype(dtype).kind == "f" and np.dtype(dtype).itemsize < 8:
        warn_low_precision(name, dtype)
    return as_float_array(value, name, copy=True)


def as_scalar(value, name: str) -> float:
    """``value`` as a Python float, or a TypeError naming ``name``."""
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must return a real scalar, got {type(value).__name__} "
                        f"with shape {arr.shape} and dtype {arr.dtype}")
    return float(arr.reshape(()))


@contextmanager
def float64_params(layers, names: Sequence[str]):
    """Run a check on float64 parameters; the original arrays are put back afterwards.

    Parameters are perturbed *in place* (a layer reads its own arrays), so
    they must be writable ndarrays. Non-float64 ones are swapped for float64
    copies while the check runs (float32 warns) and restored afterwards.
    """
    swapped = []
    try:
        for layer, lname in zip(layers, names):
            for key, p in list(layer.params.items()):
                where = f"{lname}.params[{key!r}]"
                if not isinstance(p, np.ndarray):
                    raise TypeError(f"{where} must be a real numpy array, got {type(p).__name__}")
                as_float_array(p, where)          # real and finite, or the error names it
                if p.dtype != np.float64:
                    if p.dtype.kind == "f":
                        warn_low_precision(where, p.dtype, stacklevel=5)
                    swapped.append((layer, key, p))
                    layer.params[key] = p.astype(np.float64)
                elif not p.flags.writeable:
                    raise ValueError(f"{where} is read-only; the checker perturbs it in place")
        yield
    finally:
        for layer, key, p in swapped:
            layer.params[key] = p


def is_low_precision(value) -> bool:
    """True for float16/float32 data (what the report's bands excuse)."""
    dtype = getattr(value, "dtype", None)
    return dtype is not None and np.dtype(dtype).kind == "f" and np.dtype(dtype).itemsize < 8
