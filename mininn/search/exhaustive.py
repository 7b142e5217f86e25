r"""Exhaustive enumeration: the score of every bit string, in chunks of bounded memory.

Bit order everywhere: column 0 is the most significant bit, so string
number i (as in ``mininn.datasets.all_bit_strings``) has
:math:`x_c = \lfloor i / 2^{k-1-c} \rfloor \bmod 2`.

The first affine layer is never applied to a materialised :math:`(2^k, k)`
input: splitting the bits into a high part (the first ``k - m`` columns)
and a low part (the last ``m``), string number :math:`i = h\,2^m + l` has

.. math:: x W + b = \underbrace{(x_{high} W_{high} + b)}_{H[h]}
                   + \underbrace{x_{low} W_{low}}_{L[l]},

a sum of rows of two small tables; when a sigmoid follows,
:math:`e^{-(H+L)} = e^{-H} e^{-L}` is a product of two exponentiated tables,
with no exponential per string. Cost :math:`O(2^k \cdot \text{net})`,
memory :math:`O(\text{chunk} \cdot \text{width})`.
"""
from __future__ import annotations

from typing import Iterator, Optional, Tuple

import numpy as np

from .. import activations
from .._validation import check_int
from .problem import Affine, Problem, make_problem

#: Largest k that ``best_binary_input(method="exhaustive")`` accepts (2**26 strings).
MAX_EXHAUSTIVE_BITS = 26
#: Largest k for which :func:`exhaustive_values` returns all 2**k values (128 MiB).
MAX_VALUES_BITS = 24


def bits(index: np.ndarray, k: int) -> np.ndarray:
    """Rows of bits (most significant first) of the integers ``index``: (n,) -> (n, k)."""
    shifts = np.arange(k - 1, -1, -1, dtype=np.int64)
    return ((index[:, None] >> shifts) & 1).astype(np.float64)


def auto_chunk(problem: Problem) -> int:
    """Strings per chunk: about 2**18 numbers in the widest layer's output.

    2 MiB per array: cache friendly, and below the size at which a threaded
    BLAS splits a matrix-vector product over threads.
    """
    width = max([getattr(step, "n_out", None) or 1 for step in problem.layers] + [1])
    return max(256, 1 << max(0, (1 << 18) // width).bit_length() - 1)


def enumerate_scores(problem: Problem,
                     chunk_size: Optional[int]) -> Iterator[Tuple[int, np.ndarray]]:
    """Yield (start, scores of strings start .. start + len - 1), chunk by chunk."""
    if chunk_size is None:
        chunk_size = auto_chunk(problem)
    k = problem.k
    n = 1 << k
    first = problem.layers[0]
    if type(first) is not Affine:
        for start in range(0, n, chunk_size):
            index = np.arange(start, min(start + chunk_size, n), dtype=np.int64)
            yield start, problem.score(bits(index, k))
        return
    m = min(k, 12)
    W, b = first.W, first.b
    H = bits(np.arange(1 << (k - m), dtype=np.int64), k - m) @ W[:k - m] + b
    L = bits(np.arange(1 << m, dtype=np.int64), m) @ W[k - m:]
    rest = 1                                         # the next step to apply
    fast_sigmoid = (len(problem.layers) > 2
                    and type(problem.layers[1]) is activations.Sigmoid
                    and np.abs(H).max() < 300 and np.abs(L).max() < 300)
    if fast_sigmoid:
        H, L = np.exp(-H), np.exp(-L)
        rest = 2
    low_mask = (1 << m) - 1
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        if start % (1 << m) == 0 and stop % (1 << m) == 0:
            # whole blocks of the low table: broadcast instead of gathering
            h = H[start >> m:stop >> m]
            z = h[:, None, :] * L[None] if fast_sigmoid else h[:, None, :] + L[None]
            z = z.reshape(stop - start, -1)
        else:
            index = np.arange(start, stop, dtype=np.int64)
            z = H[index >> m]
            if fast_sigmoid:
                z *= L[index & low_mask]
            else:
                z += L[index & low_mask]
        if fast_sigmoid:
            z += 1.0
            np.reciprocal(z, out=z)
        yield start, problem.finish(z, rest)


def best_string(problem: Problem, chunk_size: Optional[int]) -> np.ndarray:
    """The string with the largest score (the first in counting order on ties): (k,)."""
    best_score, best_index = -np.inf, 0
    for start, scores in enumerate_scores(problem, chunk_size):
        i = int(np.argmax(scores))
        if scores[i] > best_score:
            best_score, best_index = float(scores[i]), start + i
    return bits(np.array([best_index], dtype=np.int64), problem.k)[0]


def exhaustive_values(net, output: int = 0, *, chunk_size: Optional[int] = None) -> np.ndarray:
    r"""Output j at every bit string, in counting order: (2**k,).

    Entry i is :math:`f_j(x^{(i)})` with :math:`x^{(i)}_c = \lfloor i /
    2^{k-1-c} \rfloor \bmod 2` (column 0 the most significant bit), as in
    ``mininn.datasets.all_bit_strings(k)``.

    Parameters
    ----------
    net : Sequential
        A network with ``k = net.n_inputs <= MAX_VALUES_BITS`` inputs.
    output : int
        The output unit j.
    chunk_size : int or None
        Strings scored per chunk (memory is ``O(chunk_size * width)``);
        None picks about ``2**18 / width``.
    """
    problem = make_problem(net, output, "max")
    if chunk_size is not None:
        chunk_size = check_int(chunk_size, "chunk_size", minimum=1)
    k = problem.k
    if k > MAX_VALUES_BITS:
        raise ValueError(f"exhaustive_values returns 2**k values and accepts k <= "
                         f"{MAX_VALUES_BITS}; this network has k = {k} inputs. Use "
                         f"best_binary_input(net, method='exact') for the best string")
    values = np.empty(1 << k)
    for start, scores in enumerate_scores(problem, chunk_size):
        values[start:start + scores.size] = problem.to_output(scores)
    return values
