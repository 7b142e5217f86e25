"""Tiny deterministic data sets for learning and teaching.

Every function here returns plain NumPy arrays, batch first:

* ``X`` has shape ``(n, features)`` and dtype float64;
* ``y`` has shape ``(n,)`` and dtype float64 (``load_digits`` returns int64
  class labels instead).

A network with one output produces ``(n, 1)``; use ``y[:, None]`` (or
``y.reshape(-1, 1)``) as its target.

Nothing here touches global random state. Functions that draw random numbers
take ``seed``, as everywhere in mininn: None (the default: fresh entropy), an
int >= 0 (passed to :func:`numpy.random.default_rng`) or a
:class:`numpy.random.Generator` (used as is, so a caller can thread one
generator through several calls). The same int seed gives the same arrays,
bit for bit.

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

from .bits import (DEFAULT_POSITIVE_FRACTION, MAX_ENUMERATED_BITS,
                   MAX_HIDDEN_PATTERN_ENUMERATED_BITS, all_bit_strings, hidden_pattern, parity,
                   problem_2016, xor)
from .digits import load_digits
from .moons import two_moons
from .split import train_test_split

__all__ = [
    "problem_2016",
    "xor",
    "all_bit_strings",
    "hidden_pattern",
    "parity",
    "two_moons",
    "load_digits",
    "train_test_split",
    "MAX_ENUMERATED_BITS",
    "MAX_HIDDEN_PATTERN_ENUMERATED_BITS",
    "DEFAULT_POSITIVE_FRACTION",
]
