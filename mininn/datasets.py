"""Tiny deterministic data sets for learning and teaching.

Every function here returns plain NumPy arrays, batch first:

* ``X`` has shape ``(n, features)`` and dtype float64;
* ``y`` has shape ``(n,)`` and dtype float64 (``load_digits`` returns int64
  class labels instead).

A network with one output produces ``(n, 1)``; use ``y[:, None]`` (or
``y.reshape(-1, 1)``) as its target.

Nothing here touches global random state. Functions that draw random numbers
take ``seed``: an ``int`` (passed to :func:`numpy.random.default_rng`) or a
:class:`numpy.random.Generator` (used as is, so a caller can thread one
generator through several calls). The same seed gives the same arrays, bit for
bit.

Contents
--------
problem_2016
    The four-point data set of the 2016 question that started mininn.
xor
    The two-bit exclusive or.
all_bit_strings
    Every bit string of length k, row i = binary digits of i.
hidden_pattern
    Only one secret k-bit string is labelled 1 (optionally sampled, noisy).
parity
    Every k-bit string labelled by the parity of its number of ones.
two_moons
    Two interleaving half circles in the plane, plus Gaussian noise.
load_digits
    The 1,797 8x8 handwritten digits of the UCI optical-digits data set.
train_test_split
    A seeded split into a training and a test part, without replacement.
"""
from __future__ import annotations

import math
import numbers
from importlib import resources
from typing import Optional, Tuple, Union

import numpy as np

__all__ = [
    "problem_2016",
    "xor",
    "all_bit_strings",
    "hidden_pattern",
    "parity",
    "two_moons",
    "load_digits",
    "train_test_split",
]

SeedLike = Union[int, np.random.Generator]

#: Largest ``k`` for which :func:`all_bit_strings` and :func:`parity`
#: enumerate all ``2**k`` strings (2**24 rows x 24 float64 columns = 3.2 GB).
MAX_ENUMERATED_BITS = 24

#: Largest ``k`` for which :func:`hidden_pattern` enumerates all strings
#: (2**16 = 65,536 rows); beyond it, pass ``n_samples`` to sample instead.
MAX_HIDDEN_PATTERN_ENUMERATED_BITS = 16

#: Default share of pattern copies when :func:`hidden_pattern` samples.
DEFAULT_POSITIVE_FRACTION = 0.25

_DIGITS_N_SAMPLES = 1797
_DIGITS_IMAGE_SHAPE = (8, 8)
_DIGITS_MAX_PIXEL = 16


# --------------------------------------------------------------------------
# Argument validation helpers
# --------------------------------------------------------------------------

def _is_int(value: object) -> bool:
    """True for Python and NumPy integers, False for ``bool``."""
    return isinstance(value, numbers.Integral) and not isinstance(
        value, (bool, np.bool_)
    )


def _check_int(name: str, value: object, low: int, high: Optional[int] = None) -> int:
    """Return ``value`` as ``int`` if it is an integer in ``[low, high]``.

    Raises ``TypeError`` for a non-integer and ``ValueError`` for an integer
    out of range; both messages name the argument, the expected range and the
    received value.
    """
    if high is None:
        expected = f"an integer >= {low}"
    else:
        expected = f"an integer between {low} and {high}"
    if not _is_int(value):
        raise TypeError(
            f"{name} must be {expected}, got {value!r} of type {type(value).__name__}"
        )
    value = int(value)  # type: ignore[arg-type]
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be {expected}, got {value}")
    return value


def _check_real(
    name: str,
    value: object,
    low: float,
    high: Optional[float] = None,
    *,
    open_interval: bool = False,
) -> float:
    """Return ``value`` as ``float`` if it is a finite real number in range.

    The range is ``[low, high]`` (``(low, high)`` with ``open_interval``),
    or ``[low, inf)`` when ``high`` is None.
    """
    if high is None:
        expected = f"a finite number >= {low}"
    elif open_interval:
        expected = f"a number strictly between {low} and {high}"
    else:
        expected = f"a number between {low} and {high}"
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be {expected}, got {value!r} of type {type(value).__name__}"
        )
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be {expected}, got {value}")
    if open_interval:
        in_range = low < value and (high is None or value < high)
    else:
        in_range = low <= value and (high is None or value <= high)
    if not in_range:
        raise ValueError(f"{name} must be {expected}, got {value}")
    return value


def _round_half_up(x: float) -> int:
    """Nearest integer to ``x >= 0``, halves rounded up (0.5 -> 1, 2.5 -> 3)."""
    return int(math.floor(x + 0.5))


def _rng(seed: SeedLike) -> np.random.Generator:
    """Turn ``seed`` (a non-negative int or a Generator) into a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if not _is_int(seed):
        raise TypeError(
            "seed must be a non-negative integer or a numpy.random.Generator, "
            f"got {seed!r} of type {type(seed).__name__}"
        )
    if int(seed) < 0:  # type: ignore[arg-type]
        raise ValueError(
            "seed must be a non-negative integer or a numpy.random.Generator, "
            f"got {seed}"
        )
    return np.random.default_rng(int(seed))  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Boolean data sets
# --------------------------------------------------------------------------

def problem_2016() -> Tuple[np.ndarray, np.ndarray]:
    """The four-point data set of the 2016 question that mininn grew from.

    Someone trained a 2-3-1 sigmoid network (per-sample SGD, learning rate
    0.1, 5000 epochs) so that only the input ``x = [0, 1]`` gives an output
    near 1, then asked *which input makes the output largest?* Gradient
    descent on :math:`(f(x) - 1)^2` with respect to ``x`` ended at
    ``x = [-0.11, 1.997]`` -- outside the unit square, because nothing kept
    ``x`` in :math:`[0, 1]^2`. The same code also *added* the bias 1 to ``x``
    by broadcasting instead of appending it as a column. mininn keeps the bias
    inside ``Dense`` and offers constrained and exact binary input search; this
    data set is the one to replay the story on.

    Returns
    -------
    X : ndarray of shape (4, 2), float64
        ``[[0, 1], [1, 0], [1, 1], [0, 0]]`` (the original row order).
    y : ndarray of shape (4,), float64
        ``[1, 0, 0, 0]``: only ``x = [0, 1]`` is labelled 1, i.e.
        :math:`y = (1 - x_0)\\, x_1`.

    Examples
    --------
    >>> X, y = problem_2016()
    >>> X[y == 1]
    array([[0., 1.]])
    """
    X = np.array([[0, 1], [1, 0], [1, 1], [0, 0]], dtype=np.float64)
    y = np.array([1, 0, 0, 0], dtype=np.float64)
    return X, y


def xor() -> Tuple[np.ndarray, np.ndarray]:
    """The exclusive or of two bits: the classic data set no line separates.

    Returns
    -------
    X : ndarray of shape (4, 2), float64
        All two-bit inputs in counting order ``[[0, 0], [0, 1], [1, 0], [1, 1]]``
        (the same rows as ``all_bit_strings(2)``).
    y : ndarray of shape (4,), float64
        :math:`y = x_0 \\oplus x_1 = (x_0 + x_1) \\bmod 2`, i.e. ``[0, 1, 1, 0]``.
    """
    X = all_bit_strings(2)
    y = np.array([0, 1, 1, 0], dtype=np.float64)
    return X, y


def all_bit_strings(k: int) -> np.ndarray:
    """Every bit string of length ``k``, in counting order.

    Row ``i`` holds the binary digits of ``i`` with the most significant bit
    in column 0:

    .. math:: X_{ij} = \\lfloor i / 2^{k-1-j} \\rfloor \\bmod 2,
              \\qquad i = \\sum_j X_{ij}\\, 2^{k-1-j}.

    Parameters
    ----------
    k : int
        Number of bits, ``1 <= k <= 24``. The result has ``2**k * k`` float64
        entries: 8 MB at ``k = 16``, 3.2 GB at ``k = 24``.

    Returns
    -------
    X : ndarray of shape (2**k, k), float64
        Entries 0.0 and 1.0; all rows are distinct.

    Raises
    ------
    TypeError
        If ``k`` is not an integer.
    ValueError
        If ``k`` is outside ``[1, 24]``.

    Examples
    --------
    >>> all_bit_strings(2)
    array([[0., 0.],
           [0., 1.],
           [1., 0.],
           [1., 1.]])
    """
    k = _check_int("k", k, 1, MAX_ENUMERATED_BITS)
    return _bit_strings(k)


def _bit_strings(k: int) -> np.ndarray:
    """Unvalidated body of :func:`all_bit_strings`."""
    index = np.arange(2**k, dtype=np.int64)  # (2**k,)
    X = np.empty((2**k, k), dtype=np.float64)
    # One vectorised operation per *column* (k of them), none per row; this
    # keeps the integer intermediate at (2**k,) instead of (2**k, k).
    for j in range(k):
        X[:, j] = (index >> (k - 1 - j)) & 1
    return X


def _check_pattern(pattern: object, k: int) -> np.ndarray:
    """Validate a user-supplied pattern: shape (k,), finite, only 0 and 1."""
    try:
        p = np.asarray(pattern)
    except Exception as exc:  # e.g. ragged nested lists
        raise TypeError(
            f"pattern must be an array-like of shape ({k},) holding 0 and 1, "
            f"got {pattern!r}"
        ) from exc
    if p.dtype == object or not (
        np.issubdtype(p.dtype, np.number) or np.issubdtype(p.dtype, np.bool_)
    ):
        raise TypeError(
            f"pattern must be a numeric array-like of shape ({k},) holding 0 and 1, "
            f"got dtype {p.dtype}"
        )
    if p.shape != (k,):
        raise ValueError(
            f"pattern must have shape ({k},) to match k={k}, got shape {p.shape}"
        )
    p = p.astype(np.float64)
    bad = ~((p == 0.0) | (p == 1.0))
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"pattern must hold only 0 and 1, got {p[j].item()!r} at index {j}"
        )
    return p


def hidden_pattern(
    k: int,
    pattern: Optional[np.ndarray] = None,
    n_samples: Optional[int] = None,
    noise: float = 0.0,
    positive_fraction: Optional[float] = None,
    seed: SeedLike = 0,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bit strings of which only one -- the hidden ``pattern`` -- is labelled 1.

    This is the 2016 problem grown to ``k`` bits: a network learns to say 1 on
    a single secret string, and input search has to find that string again
    from the trained network alone.

    .. math:: y(x) = [\\, x = p \\,] = \\prod_{j=0}^{k-1} \\bigl(1 - |x_j - p_j|\\bigr)

    Two modes:

    * ``n_samples=None`` (enumerate, ``k <= 16``): ``X`` is
      ``all_bit_strings(k)``; exactly one row (row
      :math:`\\sum_j p_j 2^{k-1-j}`) has label 1.
    * ``n_samples=n`` (sample, any ``k``, e.g. 20 to 40 where ``2**k`` rows
      no longer fit): ``floor(positive_fraction * n + 1/2)`` rows are copies of the
      pattern, the others are uniform random bit strings that are *not* the
      pattern (a random string equal to the pattern, probability
      :math:`2^{-k}` per row, gets one random bit flipped). Rows are then
      shuffled. Without the planted copies a network would almost never see
      a positive example.

    In both modes ``noise`` then flips every label independently with
    probability ``noise`` (the "noisy version"); ``X`` is never changed.

    Random draws, all from one generator in this order: the pattern (when
    ``pattern`` is None), the random rows, the shuffle, the label flips.

    Parameters
    ----------
    k : int
        Number of bits: ``1 <= k <= 16`` when enumerating, ``k >= 1`` when
        sampling.
    pattern : array-like of shape (k,), optional
        The positive string, entries 0 or 1. Drawn uniformly from the
        generator when None.
    n_samples : int, optional
        Number of rows to sample (``>= 1``); None enumerates all ``2**k``.
    noise : float, default 0.0
        Probability in ``[0, 1]`` of flipping each label.
    positive_fraction : float, optional
        Sampling mode only: share in ``[0, 1]`` of rows that are copies of the
        pattern (default 0.25). Must be None when enumerating, where the share
        is fixed at ``2**-k``.
    seed : int or numpy.random.Generator, default 0
        Source of all randomness.

    Returns
    -------
    X : ndarray of shape (2**k, k) or (n_samples, k), float64
        Bit strings, entries 0.0 and 1.0.
    y : ndarray of shape (2**k,) or (n_samples,), float64
        Labels 0.0/1.0: ``1`` exactly where a row equals the pattern, then
        flipped with probability ``noise``.
    pattern : ndarray of shape (k,), float64
        The hidden string (a copy of the argument, or the one drawn).

    Raises
    ------
    TypeError
        If an argument has the wrong type (e.g. ``k`` not an integer).
    ValueError
        If ``k``, ``n_samples``, ``noise`` or ``positive_fraction`` is out of
        range, if ``pattern`` has the wrong shape or a value other than 0/1,
        or if ``positive_fraction`` is given without ``n_samples``.

    Examples
    --------
    >>> X, y, p = hidden_pattern(3, pattern=[0, 1, 1])
    >>> X[y == 1]
    array([[0., 1., 1.]])
    """
    sampling = n_samples is not None
    if sampling:
        k = _check_int("k", k, 1)
        n_samples = _check_int("n_samples", n_samples, 1)
    else:
        if _is_int(k) and int(k) > MAX_HIDDEN_PATTERN_ENUMERATED_BITS:  # type: ignore[arg-type]
            raise ValueError(
                f"k must be an integer between 1 and "
                f"{MAX_HIDDEN_PATTERN_ENUMERATED_BITS} when n_samples is None "
                f"(all 2**k strings are enumerated), got {k}; pass n_samples "
                f"to sample strings instead"
            )
        k = _check_int("k", k, 1, MAX_HIDDEN_PATTERN_ENUMERATED_BITS)
    noise = _check_real("noise", noise, 0.0, 1.0)
    if positive_fraction is not None:
        if not sampling:
            raise ValueError(
                "positive_fraction must be None when n_samples is None (all 2**k "
                "strings are enumerated and exactly one is positive), "
                f"got {positive_fraction!r}"
            )
        positive_fraction = _check_real("positive_fraction", positive_fraction, 0.0, 1.0)
    elif sampling:
        positive_fraction = DEFAULT_POSITIVE_FRACTION
    rng = _rng(seed)

    if pattern is None:
        p = rng.integers(0, 2, size=k).astype(np.float64)
    else:
        p = _check_pattern(pattern, k)

    if not sampling:
        X = _bit_strings(k)
        y = np.all(X == p, axis=1).astype(np.float64)
    else:
        assert n_samples is not None and positive_fraction is not None
        n_positive = _round_half_up(positive_fraction * n_samples)
        n_negative = n_samples - n_positive
        negatives = rng.integers(0, 2, size=(n_negative, k)).astype(np.float64)
        clash = np.all(negatives == p, axis=1)  # (n_negative,)
        if clash.any():
            rows = np.flatnonzero(clash)
            cols = rng.integers(0, k, size=rows.size)
            negatives[rows, cols] = 1.0 - negatives[rows, cols]
        X = np.concatenate([np.tile(p, (n_positive, 1)), negatives], axis=0)
        y = np.concatenate([np.ones(n_positive), np.zeros(n_negative)])
        order = rng.permutation(n_samples)
        X, y = X[order], y[order]

    if noise > 0.0:
        flip = rng.random(y.shape[0]) < noise
        y = np.where(flip, 1.0 - y, y)
    return X, y, p.copy()


def parity(k: int) -> Tuple[np.ndarray, np.ndarray]:
    """All ``k``-bit strings labelled by their parity.

    .. math:: y = \\Bigl(\\sum_{j=0}^{k-1} x_j\\Bigr) \\bmod 2

    Flipping any single bit flips the label, which makes parity the hardest
    Boolean function for a small network; ``parity(2)`` is XOR.

    Parameters
    ----------
    k : int
        Number of bits, ``1 <= k <= 24``.

    Returns
    -------
    X : ndarray of shape (2**k, k), float64
        ``all_bit_strings(k)``.
    y : ndarray of shape (2**k,), float64
        1.0 where the number of ones is odd, else 0.0.

    Raises
    ------
    TypeError
        If ``k`` is not an integer.
    ValueError
        If ``k`` is outside ``[1, 24]``.
    """
    X = all_bit_strings(k)
    y = np.mod(X.sum(axis=1), 2.0)
    return X, y


# --------------------------------------------------------------------------
# Continuous data sets
# --------------------------------------------------------------------------

def two_moons(
    n_samples: int = 200, noise: float = 0.1, seed: SeedLike = 0
) -> Tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles in the plane, plus Gaussian noise.

    With ``n0 = n_samples // 2`` points on the upper moon (class 0) and
    ``n1 = n_samples - n0`` on the lower moon (class 1), evenly spaced in
    :math:`t \\in [0, \\pi]`:

    .. math::
        x^{(0)}(t) = (\\cos t,\\ \\sin t), \\qquad
        x^{(1)}(t) = (1 - \\cos t,\\ \\tfrac12 - \\sin t),

    then :math:`\\varepsilon \\sim \\mathcal N(0, \\text{noise}^2 I_2)` is added
    to every point. Rows are in that order (class 0 first, then class 1);
    shuffle or use :func:`train_test_split` before slicing.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points, ``>= 2`` so that both classes appear.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise, ``>= 0`` (0 gives the exact
        curves and draws nothing from the generator).
    seed : int or numpy.random.Generator, default 0
        Source of the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
        The points.
    y : ndarray of shape (n_samples,), float64
        0.0 for the upper moon, 1.0 for the lower moon.

    Raises
    ------
    TypeError
        If ``n_samples`` is not an integer, ``noise`` not a real number or
        ``seed`` neither an integer nor a Generator.
    ValueError
        If ``n_samples < 2`` or ``noise`` is negative or not finite.
    """
    n_samples = _check_int("n_samples", n_samples, 2)
    noise = _check_real("noise", noise, 0.0)
    rng = _rng(seed)

    n0 = n_samples // 2
    n1 = n_samples - n0
    t0 = np.linspace(0.0, np.pi, n0)  # (n0,)
    t1 = np.linspace(0.0, np.pi, n1)  # (n1,)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)  # (n0, 2)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)  # (n1, 2)
    X = np.concatenate([upper, lower], axis=0)
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    if noise > 0.0:
        X = X + rng.normal(0.0, noise, size=X.shape)
    return X, y


# --------------------------------------------------------------------------
# Handwritten digits
# --------------------------------------------------------------------------

def load_digits() -> Tuple[np.ndarray, np.ndarray]:
    """The 1,797 8x8 handwritten digits, pixels scaled to ``[0, 1]``.

    Each image is the count of "on" pixels in a 4x4 block of a 32x32 bitmap,
    so raw values are integers ``0..16``; here ``X = raw / 16``. Images are
    flattened row by row: pixel ``(r, c)`` is column ``8 * r + c``, so
    ``X[i].reshape(8, 8)`` shows digit ``i``.

    The data are read from the file ``mininn/data/digits.npz`` shipped with
    the package (never downloaded). Every call returns fresh arrays.

    Returns
    -------
    X : ndarray of shape (1797, 64), float64
        Pixel intensities in ``[0, 1]``.
    y : ndarray of shape (1797,), int64
        Digit labels ``0..9`` (174 to 183 images per digit).

    Raises
    ------
    ValueError
        If the shipped file is missing keys or holds arrays of the wrong shape
        or range (a corrupt or foreign file).

    Notes
    -----
    Source and licence: the 8x8 images of the "Optical Recognition of
    Handwritten Digits" data set by E. Alpaydin and C. Kaynak (1998), UCI
    Machine Learning Repository, https://doi.org/10.24432/C50P49, licensed
    under Creative Commons Attribution 4.0 (CC BY 4.0). They are the same
    1,797 images that scikit-learn ships as ``sklearn.datasets.load_digits``,
    from which ``digits.npz`` was extracted once, outside this package (see
    ``mininn/data/README.md``); mininn itself never imports scikit-learn.

    References
    ----------
    .. [1] E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten
       Digits", UCI Machine Learning Repository, 1998.
       https://doi.org/10.24432/C50P49

    Examples
    --------
    >>> X, y = load_digits()
    >>> X.shape, y.shape, float(X.min()), float(X.max())
    ((1797, 64), (1797,), 0.0, 1.0)
    """
    source = resources.files("mininn").joinpath("data/digits.npz")
    with resources.as_file(source) as path:
        with np.load(path, allow_pickle=False) as data:
            missing = {"images", "target"} - set(data.files)
            if missing:
                raise ValueError(
                    f"digits file {path} must hold arrays 'images' and 'target', "
                    f"missing {sorted(missing)}; got {sorted(data.files)}"
                )
            images = np.array(data["images"])
            target = np.array(data["target"])

    expected_images = (_DIGITS_N_SAMPLES,) + _DIGITS_IMAGE_SHAPE
    if images.shape != expected_images or target.shape != (_DIGITS_N_SAMPLES,):
        raise ValueError(
            f"digits file must hold images of shape {expected_images} and target "
            f"of shape ({_DIGITS_N_SAMPLES},), got {images.shape} and {target.shape}"
        )
    if images.min() < 0 or images.max() > _DIGITS_MAX_PIXEL:
        raise ValueError(
            f"digits images must lie in [0, {_DIGITS_MAX_PIXEL}], "
            f"got [{images.min()}, {images.max()}]"
        )
    if target.min() < 0 or target.max() > 9:
        raise ValueError(
            f"digits target must lie in [0, 9], got [{target.min()}, {target.max()}]"
        )

    X = images.reshape(_DIGITS_N_SAMPLES, -1).astype(np.float64) / _DIGITS_MAX_PIXEL
    y = target.astype(np.int64)
    return X, y


# --------------------------------------------------------------------------
# Splitting
# --------------------------------------------------------------------------

def _as_data_array(name: str, value: object) -> np.ndarray:
    """``value`` as a numeric, finite array with at least one dimension."""
    arr = np.asarray(value)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim < 1:
        raise ValueError(
            f"{name} must have at least one dimension (n, ...), got a scalar of shape ()"
        )
    if np.issubdtype(arr.dtype, np.inexact) and not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(
            f"{name} must be finite, got {arr[bad].item()!r} at index {bad}"
        )
    return arr


def train_test_split(
    X: np.ndarray,
    y: np.ndarray,
    test_fraction: float = 0.25,
    seed: SeedLike = 0,
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
    seed : int or numpy.random.Generator, default 0
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
    X = _as_data_array("X", X)
    y = _as_data_array("y", y)
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
    test_fraction = _check_real("test_fraction", test_fraction, 0.0, 1.0, open_interval=True)
    n_test = _round_half_up(test_fraction * n)
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"test_fraction must leave at least one row in each part: with "
            f"n={n} rows, test_fraction={test_fraction} gives {n_test} test rows "
            f"and {n - n_test} training rows"
        )
    rng = _rng(seed)
    perm = rng.permutation(n)
    test_idx, train_idx = perm[:n_test], perm[n_test:]
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]
