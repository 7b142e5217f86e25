"""Boolean data sets: the 2016 problem, XOR, all bit strings, a hidden pattern, parity."""
from __future__ import annotations

import math
from typing import Optional, Tuple

import numpy as np

from .._validation import SeedLike, as_float_array, check_int, check_real, make_rng

#: enumerate all ``2**k`` strings (2**24 rows x 24 float64 columns = 3.2 GB).
MAX_ENUMERATED_BITS = 24

#: Largest ``k`` for which :func:`hidden_pattern` enumerates all strings
#: (2**16 = 65,536 rows); beyond it, pass ``n_samples`` to sample instead.
MAX_HIDDEN_PATTERN_ENUMERATED_BITS = 16

#: Default share of pattern copies when :func:`hidden_pattern` samples.
DEFAULT_POSITIVE_FRACTION = 0.25


def _round_half_up(x: float) -> int:
    """Nearest integer to ``x >= 0``, halves rounded up (0.5 -> 1, 2.5 -> 3)."""
    return int(math.floor(x + 0.5))


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
    k = check_int(k, "k", minimum=1, maximum=MAX_ENUMERATED_BITS)
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
    """A user-supplied pattern as float64: shape (k,), only 0 and 1."""
    p = as_float_array(pattern, "pattern", finite=False)
    if p.shape != (k,):
        raise ValueError(f"pattern must have shape ({k},) to match k={k}, got shape {p.shape}")
    bad = ~((p == 0.0) | (p == 1.0))
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise ValueError(f"pattern must hold only 0 and 1, got {p[j].item()!r} at index {j}")
    return p


def hidden_pattern(
    k: int,
    pattern: Optional[np.ndarray] = None,
    n_samples: Optional[int] = None,
    noise: float = 0.0,
    positive_fraction: Optional[float] = None,
    seed: SeedLike = None,
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
    seed : None, int >= 0 or numpy.random.Generator, default None
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
        k = check_int(k, "k", minimum=1)
        n_samples = check_int(n_samples, "n_samples", minimum=1)
    else:
        if check_int(k, "k", minimum=1) > MAX_HIDDEN_PATTERN_ENUMERATED_BITS:
            raise ValueError(
                f"k must be an integer between 1 and "
                f"{MAX_HIDDEN_PATTERN_ENUMERATED_BITS} when n_samples is None "
                f"(all 2**k strings are enumerated), got {k}; pass n_samples "
                f"to sample strings instead"
            )
        k = check_int(k, "k", minimum=1, maximum=MAX_HIDDEN_PATTERN_ENUMERATED_BITS)
    noise = check_real(noise, "noise", 0.0, 1.0)
    if positive_fraction is not None:
        if not sampling:
            raise ValueError(
                "positive_fraction must be None when n_samples is None (all 2**k "
                "strings are enumerated and exactly one is positive), "
                f"got {positive_fraction!r}"
            )
        positive_fraction = check_real(positive_fraction, "positive_fraction", 0.0, 1.0)
    elif sampling:
        positive_fraction = DEFAULT_POSITIVE_FRACTION
    rng = make_rng(seed)

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
    TypeError, ValueError
        As :func:`all_bit_strings` (``k`` not an integer, or outside ``[1, 24]``).
    """
    X = all_bit_strings(k)
    y = np.mod(X.sum(axis=1), 2.0)
    return X, y
