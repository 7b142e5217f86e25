r"""Best input in a continuous box, certified by branch and bound.

The box :math:`lo \le x \le hi` is split in two along one coordinate at a
time, each part is bounded as in the binary search
(:mod:`mininn.search.bounds`), and the centre and the bound's maximising
corner of every part are tried as incumbents (the first incumbent comes
from projected gradient ascent from ``restarts`` starts). Unlike gradient
ascent the answer is global: when ``certified``, no point of the box beats
``value`` by more than ``gap_tol * (1 + |value|)``.

The split coordinate is the one with the largest side length times
linear-bound coefficient :math:`|a_i|`, plus a tenth of the static path
weight: a coordinate whose coefficient vanishes (its slack sits in a relaxed
unit) still gets split, so every side shrinks and the bound converges.
The linear bounds' error shrinks with the square of the box size; interval
bounds shrink only linearly and need far more nodes.
"""
from __future__ import annotations

import time
from typing import Callable, Optional

import numpy as np

from .._validation import SeedLike, check_bounds, check_choice, check_real, make_rng
from .bounds import RELAXATIONS, resolve_relaxation, score_upper
from .image_bounds import dense_equivalent, supports_linear
from .branch_and_bound import (Outcome, branch_and_bound, check_budget, exact_result,
                               progress_callback)
from .local import ascend
from .problem import Problem, make_problem
from .results import ExactResult

#: Projected-ascent steps of the first incumbent.
ASCENT_STEPS = 100


def search_box(problem: Problem, lo: np.ndarray, hi: np.ndarray, x0: np.ndarray, *,
               relaxation: str, gap_tol: float, max_nodes: Optional[int],
               time_limit: Optional[float], node_batch: int, t0: float,
               progress: Optional[Callable] = None) -> Outcome:
    """Branch and bound over the box [lo, hi] (each (k,)) from the incumbent x0 (k,).

    Every node is bounded once: ``bound_evaluations`` equals ``nodes``."""
    x_best = x0.copy()
    best = float(problem.score(x_best[None])[0])
    influence = problem.path_weights()
    scale = float(np.max(hi - lo))

    def assess(nodes, closed):
        """Bound boxes; split each along its strongest coordinate; try the
        bound's maximising corner and the centre."""
        blo, bhi = nodes["lo"], nodes["hi"]
        width = bhi - blo
        ub, coef = score_upper(problem, blo, bhi, relaxation)
        if coef is None:
            weight = np.broadcast_to(influence, width.shape)
        else:
            weight = np.abs(coef)
            weight = weight + 0.1 * influence * (weight.sum(axis=1, keepdims=True)
                                                 / max(float(influence.sum()), 1e-300))
        strength = width * weight
        strength = np.where(strength.max(axis=1, keepdims=True) > 0, strength, width)
        split = np.argmax(strength, axis=1)
        corner = np.where(coef > 0, bhi, blo) if coef is not None else blo
        candidates = np.concatenate([0.5 * (blo + bhi), corner])
        # a box narrower than ~1e-13 of the original cannot usefully be split
        open_ = width.max(axis=1) > 1e-13 * scale
        return ub, {"lo": blo, "hi": bhi, "split": split}, candidates, open_, None

    def branch(parents):
        blo, bhi, split = parents["lo"], parents["hi"], parents["split"]
        rows = np.arange(split.size)
        mid = 0.5 * (blo[rows, split] + bhi[rows, split])
        left_hi, right_lo = bhi.copy(), blo.copy()
        left_hi[rows, split] = mid
        right_lo[rows, split] = mid
        return {"lo": np.concatenate([blo, right_lo]), "hi": np.concatenate([left_hi, bhi])}

    root = {"lo": lo[None].copy(), "hi": hi[None].copy()}
    # boxes never finish by themselves: always best first
    out = branch_and_bound(problem, x_best, best, root, assess, branch, gap_tol=gap_tol,
                           max_nodes=max_nodes, time_limit=time_limit, node_batch=node_batch,
                           t0=t0, best_first_limit=None, progress=progress)
    out.bound_evaluations = out.nodes
    return out


def best_box_input(net, output: int = 0, *, goal: str = "max", bounds=(0.0, 1.0),
                   relaxation: str = "auto", gap_tol: float = 1e-6, restarts: int = 16,
                   max_nodes: Optional[int] = 1_000_000, time_limit: Optional[float] = None,
                   node_batch: int = 256, seed: SeedLike = None,
                   progress=None) -> ExactResult:
    r"""The point of the box :math:`lo \le x \le hi` that maximises (or minimises)
    output j, certified by branch and bound (see the module docstring).

    Parameters
    ----------
    net : Sequential
    output : int
        The output unit j.
    goal : {"max", "min"}
    bounds : (lo, hi)
        The box: scalars or (k,) arrays, ``lo < hi`` everywhere, finite width.
    relaxation : {"auto", "linear", "interval"}
        As in :func:`~mininn.search.binary.best_binary_input`.
    gap_tol : float
        In (0, 1): ``certified`` iff :math:`|bound - value| \le
        \text{gap\_tol}\,(1 + |value|)`.
    restarts : int
        Starts of the projected gradient ascent that gives the first incumbent.
    max_nodes, time_limit, node_batch, seed, progress
        As in :func:`~mininn.search.binary.best_binary_input`.

    Returns
    -------
    ExactResult
        ``x`` (k,) real, ``value``, ``xs = x[None]``, ``bound`` (a lower
        bound when minimising), ``certified``, ``gap``, ``nodes``, ...;
        ``method`` is ``"box"``; ``stop_reason`` ``"proved"`` iff certified,
        else ``"max_nodes"`` or ``"time_limit"``.
    """
    t0 = time.perf_counter()
    check_choice(relaxation, "relaxation", RELAXATIONS)
    if relaxation != "interval" and supports_linear(net):
        # a CNN computes exactly what its rewriting as Dense layers and ReLUs
        # computes (image_bounds); searched in that form it gets linear bounds
        net = dense_equivalent(net)
    problem = make_problem(net, output, goal)
    gap_tol = check_real(gap_tol, "gap_tol", 0.0, 1.0, open_min=True, open_max=True)
    restarts, max_nodes, time_limit, node_batch = check_budget(restarts, max_nodes, time_limit,
                                                               node_batch)
    rng = make_rng(seed)
    report = progress_callback(progress)
    lo, hi = check_bounds(bounds, problem.k)
    kind = resolve_relaxation(problem, relaxation)

    X = lo + (hi - lo) * rng.random((restarts, problem.k))
    X[0] = 0.5 * (lo + hi)
    X = ascend(problem, X, lo, hi, ASCENT_STEPS)
    scores = problem.score(X)
    i = int(np.argmax(scores))
    out = search_box(problem, lo, hi, X[i], relaxation=kind, gap_tol=gap_tol,
                     max_nodes=max_nodes, time_limit=time_limit, node_batch=node_batch, t0=t0,
                     progress=report)
    return exact_result(problem, out.x, method="box", best=out.best, upper=out.upper,
                        gap_tol=gap_tol, stop_reason=out.stop_reason, nodes=out.nodes,
                        evaluated=restarts + out.evaluated, t0=t0,
                        bound_evaluations=out.bound_evaluations)
