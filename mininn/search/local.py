r"""Local search over bit strings: relax, round, then climb by single bit flips.

1. **Relax and round.** A few steps of projected gradient ascent of the
   score on the box :math:`[0, 1]^k` (all starts at once), each end rounded
   to the nearest bit string.
2. **Random strings** are added as further starts.
3. **Climb.** Each round evaluates every single-bit flip of every string
   still improving, in one pass, and takes each string's best improving
   flip. A string stops in a *local optimum*: no single flip improves it.

Not certified: a local optimum need not be the global one. The branch and
bound uses the best local optimum as its first incumbent.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from .problem import Affine, Problem

#: Gradient steps of the relaxed problem before rounding.
RELAX_STEPS = 40
_FLIP_BLOCK = 1 << 22  # numbers per block of neighbours (32 MiB)


def ascend(problem: Problem, X: np.ndarray, lo: np.ndarray, hi: np.ndarray,
           steps: int) -> np.ndarray:
    """Projected gradient ascent of the score in the box [lo, hi], all rows at once.

    Each step moves coordinate i by at most ``step * (hi_i - lo_i)`` (the
    gradient scaled by its largest entry, then clipped into the box), with
    ``step`` shrinking geometrically from 0.25 to 2 % of that: no learning
    rate to tune to the network's scale.
    """
    width = hi - lo
    step = 0.25
    decay = 0.02 ** (1.0 / max(steps, 1))
    for _ in range(steps):
        _, G = problem.score_gradient(X)
        G = G * width
        scale = np.abs(G).max(axis=1, keepdims=True)
        X = np.clip(X + step * width * G / np.where(scale > 0, scale, 1.0), lo, hi)
        step *= decay
    return X


def relaxed_starts(problem: Problem, rng: np.random.Generator, n: int) -> np.ndarray:
    """Rounded ends of projected gradient ascent on [0, 1]^k: (n, k) of 0/1.

    Start 0 is the centre of the cube, the others uniform.
    """
    k = problem.k
    X = rng.random((n, k))
    X[0] = 0.5
    X = ascend(problem, X, np.zeros(k), np.ones(k), RELAX_STEPS)
    return (X > 0.5).astype(np.float64)


def flip_scores(problem: Problem, A: np.ndarray) -> np.ndarray:
    r"""Scores of all single-bit flips of every row of A: (a, k) -> (a, k).

    Entry (r, c) scores A[r] with bit c flipped. When the first step is
    affine its output for a flip is an update, not a product:
    :math:`z' = z + (1 - 2x_c) W_c` (row c of W), so no (a k, k) matrix of
    neighbours is formed. Rows go in blocks of bounded memory.
    """
    a, k = A.shape
    first = problem.layers[0]
    affine = type(first) is Affine
    width = first.W.shape[1] if affine else k
    block = max(1, _FLIP_BLOCK // (k * max(width, 1)))
    out = np.empty((a, k))
    for start in range(0, a, block):
        R = A[start:start + block]
        m = R.shape[0]
        if affine:
            z = R @ first.W + first.b                                  # (m, width)
            z = (z[:, None, :] + (1.0 - 2.0 * R)[:, :, None] * first.W[None])
            s = problem.finish(z.reshape(m * k, width), 1)
        else:
            flips = np.repeat(R, k, axis=0)            # row r*k + c = R[r] with bit c flipped
            rows, cols = np.arange(m * k), np.tile(np.arange(k), m)
            flips[rows, cols] = 1.0 - flips[rows, cols]
            s = problem.score(flips)
        out[start:start + m] = s.reshape(m, k)
    return out


def hill_climb(problem: Problem, X: np.ndarray) -> Tuple[np.ndarray, np.ndarray, int]:
    """Best-improvement bit-flip ascent of every row of X at once.

    A flip is taken only if it raises the score by more than a few ulps, so
    that rounding noise cannot make two strings swap forever. Returns (X,
    scores, evaluations).
    """
    X = X.copy()
    n = X.shape[0]
    scores = problem.score(X)
    evaluated = n
    active = np.arange(n)
    while active.size:
        s = flip_scores(problem, X[active])
        evaluated += s.size
        best_col = np.argmax(s, axis=1)
        best = s[np.arange(active.size), best_col]
        current = scores[active]
        better = best > current + 4 * np.finfo(float).eps * np.maximum(1.0, np.abs(current))
        moved = active[better]
        X[moved, best_col[better]] = 1.0 - X[moved, best_col[better]]
        scores[moved] = best[better]
        active = moved
    return X, scores, evaluated


def local_search(problem: Problem, rng: np.random.Generator,
                 restarts: int) -> Tuple[np.ndarray, np.ndarray, int]:
    """Climb from ``restarts`` relaxed-and-rounded and ``restarts`` random strings.

    Returns (local optima (2 restarts, k), their scores, evaluations).
    """
    starts = np.concatenate([relaxed_starts(problem, rng, restarts),
                             rng.integers(0, 2, size=(restarts, problem.k)).astype(np.float64)])
    return hill_climb(problem, starts)
