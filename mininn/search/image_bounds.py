r"""Linear (CROWN-style) bounds through a CNN: the network rewritten as affine maps and ReLUs.

A CNN of ``Unflatten``, ``Conv2D``, ``ReLU``, ``MaxPool2D``, ``Flatten`` and
``Dense`` layers computes, on flat inputs, exactly the same function as a
chain of affine maps and ReLUs:

* ``Unflatten`` and ``Flatten`` move no number (both use numpy's row-major
  order ``(c, h, w)``): they disappear;
* ``Conv2D`` is affine, :math:`y = x M + b_{rep}`: row i of the matrix M is the
  convolution of the i-th unit image (bias 0), and :math:`b_{rep}` repeats
  each kernel's bias over its output pixels;
* ``MaxPool2D`` is a tree of maxima of two, and
  :math:`\max(a, b) = \mathrm{relu}(a) - \mathrm{relu}(-a) + \mathrm{relu}(b - a)`
  holds for all real a, b: an affine map to :math:`(a, -a, b - a)`, a ReLU,
  and an affine map back (an odd element out is carried as
  :math:`\mathrm{relu}(c) - \mathrm{relu}(-c)`);
* consecutive affine maps are multiplied into one.

The linear bounds then follow the usual recipe (:mod:`mininn.search.bounds`
for dense networks): an interval for the input of every ReLU, the two lines
of the ReLU on it (the chord above; below, the line through 0 with slope 1
or 0, whichever matches the longer side), and a substitution backwards from
the bounded quantity -- here the margins :math:`f_c - f_j` -- to the input,
whose minimum over the box is exact. The ReLU input intervals come from
interval arithmetic through the *original* layers where they exist (exact for
the first convolution, exact maxima for the pooling outputs), intersected with
interval arithmetic through the affine steps; for the first level of a pooling
tree that follows the first layer's ReLU (the usual Conv -> ReLU -> MaxPool)
they are tightened by the same backward substitution, deeper levels keep
their intervals. Bounds of the differences :math:`b - a` are what the
substitution gains: intervals forget that a and b come from overlapping
windows of the same pixels.

Every number is computed in float64 without directed rounding: sound up to
rounding errors of relative order :math:`10^{-15}`, as the other bounds.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np

from .. import activations
from ..convolution import Conv2D, conv2d
from ..layers import Dense
from ..network import Sequential
from ..pooling import Flatten, MaxPool2D, Unflatten

__all__ = ["affine_relu_steps", "dense_equivalent", "linear_margin_lower", "supports_linear"]

# A step is ("affine", W, b) with y = x W + b, or ("relu", tight) where tight
# is None or the index of a layer output whose interval bounds the ReLU's input.
Step = tuple


def supports_linear(net) -> bool:
    """Does :func:`affine_relu_steps` understand ``net``: a CNN on flat inputs
    (``Unflatten`` first) of the layers below, with a convolution or pooling?"""
    known = (Dense, Conv2D, MaxPool2D, Flatten, Unflatten, activations.ReLU, activations.Identity)
    layers = getattr(net, "layers", [])
    return (bool(layers) and type(layers[0]) is Unflatten and len(layers[0].shape) == 3
            and any(type(layer) in (Conv2D, MaxPool2D) for layer in layers)
            and all(type(layer) in known for layer in layers))


def _conv_matrix(layer: Conv2D, shape) -> Tuple[np.ndarray, np.ndarray, tuple]:
    """(M (k, m), bias (m,), output shape (F, H_out, W_out)) of the convolution on (C, H, W)."""
    k = int(np.prod(shape))
    basis = np.eye(k).reshape(k, *shape)
    W, b = layer.params["W"], layer.params["b"]
    out = conv2d(basis, W, np.zeros_like(b), layer.stride, layer.padding)      # (k, F, Ho, Wo)
    F, Ho, Wo = out.shape[1:]
    return out.reshape(k, -1), np.repeat(b, Ho * Wo), (F, Ho, Wo)


def _pool_steps(layer: MaxPool2D, shape) -> Tuple[List[Step], tuple]:
    """The max of every window as affine maps and ReLUs (module docstring)."""
    C, H, W = shape
    s, k = layer.stride, layer.size
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    index = np.arange(C * H * W).reshape(C, H, W)
    # groups[w] = the flat indices of window w's pixels, windows in (c, i, j) order
    groups = np.array([[index[c, s * i + p, s * j + q] for p in range(k) for q in range(k)]
                       for c in range(C) for i in range(Ho) for j in range(Wo)])
    width = C * H * W
    steps: List[Step] = []
    while groups.shape[1] > 1:
        m = groups.shape[1]
        pairs, odd = m // 2, m % 2
        n_win = groups.shape[0]
        n_units = n_win * (3 * pairs + 2 * odd)
        P = np.zeros((width, n_units))
        Q = np.zeros((n_units, n_win * (pairs + odd)))
        unit = 0
        new_groups = np.zeros((n_win, pairs + odd), dtype=int)
        for w in range(n_win):
            for t in range(pairs + odd):
                out = w * (pairs + odd) + t
                new_groups[w, t] = out
                if t < pairs:
                    a, b = groups[w, 2 * t], groups[w, 2 * t + 1]
                    P[a, unit], P[a, unit + 1], P[b, unit + 2], P[a, unit + 2] = 1, -1, 1, -1
                    Q[unit, out], Q[unit + 1, out], Q[unit + 2, out] = 1, -1, 1
                    unit += 3
                else:
                    c = groups[w, -1]
                    P[c, unit], P[c, unit + 1] = 1, -1
                    Q[unit, out], Q[unit + 1, out] = 1, -1
                    unit += 2
        steps += [("affine", P, np.zeros(n_units)), ("relu", None),
                  ("affine", Q, np.zeros(Q.shape[1]))]
        groups, width = new_groups, Q.shape[1]
    return steps, (C, Ho, Wo)


def affine_relu_steps(net, k: int) -> List[Step]:
    """The network on flat inputs of width k as merged affine maps and ReLUs.

    The ReLU steps that follow a layer of the network (not the pooling tree's
    own) carry that layer's index, so that its interval bounds can be used.
    """
    steps: List[Step] = []
    shape: Optional[tuple] = None
    for i, layer in enumerate(net.layers):
        kind = type(layer)
        if kind is Unflatten:
            shape = layer.shape
        elif kind is Flatten or kind is activations.Identity:
            continue
        elif kind is Conv2D:
            M, b, shape = _conv_matrix(layer, shape)
            steps.append(("affine", M, b))
        elif kind is MaxPool2D:
            pool, shape = _pool_steps(layer, shape)
            steps += pool
        elif kind is Dense:
            steps.append(("affine", layer.params["W"], layer.params["b"]))
        elif kind is activations.ReLU:
            steps.append(("relu", i))
        else:
            raise ValueError(f"linear bounds through a CNN do not know layers[{i}] "
                             f"({kind.__name__})")
    merged: List[Step] = []
    for step in steps:
        if step[0] == "affine" and merged and merged[-1][0] == "affine":
            _, W0, b0 = merged.pop()
            step = ("affine", W0 @ step[1], b0 @ step[1] + step[2])
        merged.append(step)
    return merged


def dense_equivalent(net):
    """A ``Sequential`` of ``Dense`` layers and ReLUs computing what ``net`` computes
    on flat inputs (:func:`affine_relu_steps`): the dense networks' linear
    bounds (``output_bounds``, ``best_box_input``) then work through the CNN."""
    layers = []
    for step in affine_relu_steps(net, net.n_inputs):
        if step[0] == "affine":
            dense = Dense(*step[1].shape, seed=0)
            dense.params["W"], dense.params["b"] = step[1], step[2]
            layers.append(dense)
        else:
            layers.append(activations.ReLU())
    return Sequential(layers)


def _lines(l: np.ndarray, u: np.ndarray):
    """ReLU lines on [l, u]: (upper slope, upper intercept, lower slope), lower intercept 0."""
    cross = (l < 0) & (u > 0)
    span = np.where(cross, u - l, 1.0)
    aU = np.where(u <= 0, 0.0, np.where(l >= 0, 1.0, u / span))
    bU = np.where(cross, -l * u / span, 0.0)
    aL = np.where(u <= 0, 0.0, np.where(l >= 0, 1.0, (u > -l).astype(float)))
    return aU, bU, aL


def _lower(steps, lines, top: int, lam: np.ndarray, const: np.ndarray, centre, radius):
    """Lower bounds of ``lam . (output of steps[top]) + const`` over each box.

    lam (B, R, width), const (B, R); returns (B, R)."""
    for i in range(top, -1, -1):
        step = steps[i]
        if step[0] == "affine":
            const = const + lam @ step[2]
            # one matrix product for all boxes and rows (not one per box)
            lam = (lam.reshape(-1, lam.shape[2]) @ step[1].T).reshape(*lam.shape[:2], -1)
        else:
            aU, bU, aL = lines[i]
            pos, neg = np.maximum(lam, 0.0), np.minimum(lam, 0.0)
            const = const + np.einsum("brn,bn->br", neg, bU)
            lam = pos * aL[:, None, :] + neg * aU[:, None, :]
    return (const + np.einsum("brk,bk->br", lam, centre)
            - np.einsum("brk,bk->br", np.abs(lam), radius))


def linear_margin_lower(net, labels: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                        chunk: int = 64) -> np.ndarray:
    r"""(n,) lower bounds of :math:`\min_j f_c - f_j` over each box (lo, hi) (n, k), c = labels.

    The network must end with ``Dense`` (the margins are its last affine map's
    differences) and hold only the layers of :func:`supports_linear`.
    Boxes are bounded ``chunk`` at a time (memory: chunk x units^2 floats).
    """
    steps = affine_relu_steps(net, lo.shape[1])
    n_out = net.n_outputs
    out = np.empty(len(labels))
    for start in range(0, len(labels), chunk):
        part = slice(start, start + chunk)
        out[part] = _chunk_lower(net, steps, labels[part], lo[part], hi[part], n_out)
    return out


def _chunk_lower(net, steps, labels, lo, hi, n_out) -> np.ndarray:
    B = len(labels)
    centre, radius = 0.5 * (lo + hi), 0.5 * (hi - lo)
    # interval bounds of every layer's output, through the original layers
    layer_bounds, l, u = [], lo, hi
    for layer in net.layers:
        l, u = layer.interval(l, u)
        layer_bounds.append((l.reshape(B, -1), u.reshape(B, -1)))
    lines: List = [None] * len(steps)
    hl, hu = lo, hi                          # bounds of the current step's input
    for i, step in enumerate(steps):
        if step[0] == "affine":
            W, b = step[1], step[2]
            mid, rad = 0.5 * (hl + hu) @ W + b, 0.5 * (hu - hl) @ np.abs(W)
            hl, hu = mid - rad, mid + rad
            continue
        if step[1] is not None:              # the input of a network ReLU: its layer before
            zl, zu = layer_bounds[step[1] - 1]
            zl, zu = np.maximum(zl, hl), np.minimum(zu, hu)
        elif i == _first_pool_relu(steps) and i == 3 and steps[0][0] == "affine":
            # the pooling tree's first ReLUs, right after the first layer's ReLU:
            # substitute backwards, for the units whose interval crosses 0 in some
            # box (the others' lines are exact already)
            # (only there: a box's bounds never depend on the other boxes)
            zl, zu = hl.copy(), hu.copy()
            crossing = (hl < 0) & (hu > 0)
            rows = np.flatnonzero(np.any(crossing, axis=0))
            low, up = _two_layer_bounds(steps[i - 1][1][:, rows], steps[i - 1][2][rows],
                                        lines[1], steps[0][1], steps[0][2], centre, radius)
            mask = crossing[:, rows]
            zl[:, rows] = np.where(mask, np.maximum(zl[:, rows], low), zl[:, rows])
            zu[:, rows] = np.where(mask, np.minimum(zu[:, rows], up), zu[:, rows])
        else:                                # deeper pooling levels: intervals
            zl, zu = hl, hu
        lines[i] = _lines(zl, zu)
        hl, hu = np.maximum(zl, 0.0), np.maximum(zu, 0.0)
    # margins f_c - f_j: rows e_c - e_j on the network's output
    lam = np.zeros((B, n_out, n_out))
    lam[np.arange(B), :, labels] = 1.0
    lam[:, np.arange(n_out), np.arange(n_out)] -= 1.0
    lower = _lower(steps, lines, len(steps) - 1, lam, np.zeros((B, n_out)), centre, radius)
    lower[np.arange(B), labels] = np.inf
    return lower.min(axis=1)


def _two_layer_bounds(W: np.ndarray, b: np.ndarray, lines, M: np.ndarray, m: np.ndarray,
                      centre: np.ndarray, radius: np.ndarray):
    r"""Lower and upper bounds of :math:`z = \mathrm{relu}(x M + m) W + b` over each box.

    The backward substitution of ``_lower`` for one sparse W (a pooling unit
    reads two pixels): each nonzero :math:`W_{nr}` takes the ReLU's lower line
    if it has the bound's sign, else the upper one, and brings row n of
    :math:`M^T` into row r's coefficients on x. Cost: (nonzeros x k) per box,
    where the dense product costs (rows x width x k).
    """
    aU, bU, aL = lines
    n_idx, r_idx = np.nonzero(W)
    w = W[n_idx, r_idx]
    out = []
    for sign in (1.0, -1.0):                     # lower bound of sign * z
        ws = sign * w
        slope = np.where(ws > 0, aL[:, n_idx], aU[:, n_idx])              # (B, E)
        g = ws * slope
        const = sign * b + np.zeros((len(aU), 1))
        np.add.at(const.T, r_idx, (np.where(ws < 0, ws * bU[:, n_idx], 0.0) + g * m[n_idx]).T)
        coef = np.zeros((W.shape[1], len(aU), M.shape[0]))                # (R, B, k)
        np.add.at(coef, r_idx, (g.T[:, :, None] * M.T[n_idx][:, None, :]))
        coef = coef.transpose(1, 0, 2)                                    # (B, R, k)
        low = (const + np.einsum("brk,bk->br", coef, centre)
               - np.einsum("brk,bk->br", np.abs(coef), radius))
        out.append(low if sign > 0 else -low)
    return out


def _first_pool_relu(steps) -> int:
    return next((i for i, s in enumerate(steps) if s[0] == "relu" and s[1] is None), -1)
