r"""Batched branch and bound: the engine behind the binary and the box searches.

The engine maximises the score of a :class:`~mininn.search.problem.Problem`
over a set that is split into *nodes* (sub-cubes of bit strings, or
sub-boxes of a box). It keeps the best point found, the *incumbent*, and
for every open node a *sound upper bound* of the score over the node. A
node whose bound cannot beat the incumbent is closed; the others are split
in two. When no open node is left, the incumbent is the optimum.

Each step pops up to ``node_batch`` open nodes, splits them, and bounds all
children in one array pass; every child offers candidate points (its
*completion*) that may become the incumbent. A child's bound is never
above its parent's (the parent's bound holds on the smaller set too).

**When is a gap closed?** On output j, not on the score: with
:math:`T` the map from a score to output j (the trailing activations) and
:math:`v = T(\text{incumbent})`, a node with bound U is closed when
:math:`U \le` the incumbent's score, or

.. math:: |T(U) - v| \le \text{gap\_tol}\,(1 + |v|),

a relative-plus-absolute tolerance (an output of size 1e4 is certified to
about 1e4 times gap_tol, an output near 0 to gap_tol). The engine uses
``gap_tol`` minus a few ulps, so that a search that closes every node is
``certified`` by the same rule on the reported ``value``. The closing
threshold only rises as the incumbent improves, so a node closed once stays
closed.

**Order.** While at most ``best_first_limit`` nodes are open, those with the
largest bounds are popped first (the global bound falls fastest, which is
what a budget-limited run reports); beyond that the most recently pushed,
deepest nodes, whose subtrees finish quickly, so memory stays bounded.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from .._validation import check_callable, check_int, check_positive
from .problem import Problem
from .results import ExactResult

_EPS = np.finfo(np.float64).eps


class GapRule:
    """Which bounds are close enough to the incumbent (see the module docstring)."""

    def __init__(self, problem: Problem, gap_tol: float) -> None:
        self.to_output = problem.to_output
        self.inner = max(gap_tol - 16.0 * _EPS, 0.0)

    def closed(self, ub, best: float) -> np.ndarray:
        """(m,) bool: which of the bounds ``ub`` (m,) no longer beat the score ``best``."""
        ub = np.asarray(ub, dtype=np.float64)
        ends = self.to_output(np.append(ub, best))
        v = ends[-1]
        with np.errstate(invalid="ignore"):
            near = np.abs(ends[:-1] - v) <= self.inner * (1.0 + abs(v))
        return (ub <= best) | near


class Cutoff:
    """What a node's bound must beat to stay open: the rule and the incumbent's score.

    ``cutoff(ub)`` (m,) bool: which bounds ``ub`` (m,) close their node now
    (:meth:`GapRule.closed`); ``cutoff(ub, strict=True)``: which are at or
    below the incumbent's score ``cutoff.best``, so that the part of a node
    they bound may be dropped without counting it as discarded.
    """

    def __init__(self, rule: GapRule, best: float) -> None:
        self.rule, self.best = rule, best

    def __call__(self, ub, strict: bool = False) -> np.ndarray:
        if strict:
            return np.asarray(ub) <= self.best
        return self.rule.closed(ub, self.best)


class OpenList:
    """The open nodes in growable arrays: a bound ``ub`` and named fields per node."""

    def __init__(self, best_first_limit: Optional[int], capacity: int = 4096) -> None:
        self.ub = np.empty(capacity)
        self.fields: dict = {}
        self.n = 0
        self.best_first_limit = np.inf if best_first_limit is None else best_first_limit

    def _arrays(self):
        return [self.ub, *self.fields.values()]

    def push(self, ub: np.ndarray, fields: dict) -> None:
        need = self.n + ub.size
        if not self.fields:
            self.fields = {name: np.empty((self.ub.size,) + a.shape[1:], dtype=a.dtype)
                           for name, a in fields.items()}
        if need > self.ub.size:
            size = max(need, 2 * self.ub.size)
            grown = {}
            for name, old in [("ub", self.ub), *self.fields.items()]:
                new = np.empty((size,) + old.shape[1:], dtype=old.dtype)
                new[:self.n] = old[:self.n]
                grown[name] = new
            self.ub = grown.pop("ub")
            self.fields = grown
        self.ub[self.n:need] = ub
        for name, a in fields.items():
            self.fields[name][self.n:need] = a
        self.n = need

    def pop(self, take: int):
        """(bounds (m,), fields {name: (m, ...)}) of up to ``take`` nodes."""
        n = self.n
        take = min(take, n)
        if take < n and n <= self.best_first_limit:
            # move the `take` largest bounds into the last `take` slots
            chosen = np.argpartition(self.ub[:n], n - take)[n - take:]
            tail = np.zeros(n, dtype=bool)
            tail[n - take:] = True
            picked = np.zeros(n, dtype=bool)
            picked[chosen] = True
            src = np.flatnonzero(picked & ~tail)     # chosen, outside the tail
            dst = np.flatnonzero(tail & ~picked)     # tail slots not chosen
            for arr in self._arrays():
                moving = arr[src].copy()
                arr[src] = arr[dst]
                arr[dst] = moving
        self.n = n - take
        return (self.ub[self.n:n].copy(),
                {name: a[self.n:n].copy() for name, a in self.fields.items()})

    def prune(self, rule: GapRule, best: float) -> float:
        """Drop the nodes the rule closes; return the largest dropped bound (or -inf)."""
        n = self.n
        if n == 0:
            return -np.inf
        keep = ~rule.closed(self.ub[:n], best)
        if keep.all():
            return -np.inf
        dropped = float(self.ub[:n][~keep].max())
        m = int(keep.sum())
        for arr in self._arrays():
            arr[:m] = arr[:n][keep]
        self.n = m
        return dropped

    def max_ub(self) -> float:
        return float(self.ub[:self.n].max()) if self.n else -np.inf


@dataclass
class Progress:
    """A snapshot of a running search, given to its ``progress`` callback.

    ``value`` is output j at the incumbent, ``bound`` the bound on output j
    so far (both in the goal's direction), ``gap = |bound - value|``;
    ``open`` counts the open nodes; ``stop_reason`` is None while running.
    ``depth_first``: more than ``best_first_limit`` nodes are open, so the
    deepest are taken first; the bound then stays where the nodes left from
    the best-first phase hold it, though subtrees are being closed.
    """

    nodes: int
    evaluated: int
    open: int
    value: float
    bound: float
    gap: float
    seconds: float
    stop_reason: Optional[str] = None
    depth_first: bool = False

    def __str__(self) -> str:
        state = "running" if self.stop_reason is None else self.stop_reason
        if self.depth_first and self.stop_reason is None:
            state += "; depth first, so the bound moves late"
        return (f"{self.seconds:8.2f} s  {self.nodes:>11,} nodes  {self.open:>9,} open  "
                f"value {self.value:.10g}  bound {self.bound:.10g}  gap {self.gap:.3g}  "
                f"({state})")


def check_budget(restarts, max_nodes, time_limit, node_batch):
    """The engine's options, checked once for both front ends (bits and boxes).

    Returns ``(restarts, max_nodes, time_limit, node_batch)``: ints >= 1 (the
    two budgets may be None: no limit) and a time limit > 0 seconds.
    """
    restarts = check_int(restarts, "restarts", minimum=1)
    if max_nodes is not None:
        max_nodes = check_int(max_nodes, "max_nodes", minimum=1)
    if time_limit is not None:
        time_limit = check_positive(time_limit, "time_limit")
    node_batch = check_int(node_batch, "node_batch", minimum=1)
    return restarts, max_nodes, time_limit, node_batch


def print_progress(info: Progress) -> None:
    """The ``progress=True`` callback: one line per report."""
    print(info, flush=True)


#: Seconds between two progress reports.
PROGRESS_EVERY = 1.0


def progress_callback(progress) -> Optional[Callable]:
    """The ``progress`` argument of a search as a callback: None or False
    (silent), True (:func:`print_progress`) or a callable taking a
    :class:`Progress`; a TypeError naming ``progress`` otherwise."""
    if progress is None or isinstance(progress, (bool, np.bool_)):
        return print_progress if progress else None
    check_callable(progress, "progress")
    return progress


@dataclass
class Outcome:
    """What the engine ends with (scores, not outputs)."""

    x: np.ndarray
    best: float          # score of x
    upper: float         # no point scores above this
    nodes: int
    evaluated: int
    stop_reason: str     # "proved", "max_nodes" or "time_limit"
    discarded: float = -np.inf      # largest bound of a closed node
    open_ub: Optional[np.ndarray] = None     # the open nodes' bounds (m,) ...
    open_nodes: Optional[dict] = None        # ... and fields, when stopped early
    bound_evaluations: int = 0      # set by the front end (see its module)


def branch_and_bound(problem: Problem, x_best: np.ndarray, best: float, root: dict,
                     assess: Callable, branch: Callable, *, gap_tol: float,
                     max_nodes: Optional[int], time_limit: Optional[float], node_batch: int,
                     t0: float, best_first_limit: Optional[int] = None,
                     root_ub: Optional[np.ndarray] = None,
                     progress: Optional[Callable] = None,
                     polish: Optional[Callable] = None) -> Outcome:
    """Maximise the score from the incumbent (x_best, best) and the root node(s).

    ``assess(nodes, closed) -> (ub (m,), nodes with their split choice,
    candidates (c, k), open_ (m,), own (m,) or None)``: sound upper bounds of
    the score over each node, points to try as incumbents, which nodes still
    need splitting (a closed node's bound counts as a discarded one), and
    which nodes are the single point ``candidates[i]`` (their bound is then
    that point's score); ``closed`` is a :class:`Cutoff`: ``closed(ub)``
    tells assess which bounds would close their node now, so that it can
    skip further work on them, and ``closed.best`` is the incumbent's score.
    ``branch(nodes) -> children`` (2 per parent, the parents stacked twice).
    ``root`` may hold many nodes, with known bounds ``root_ub`` (m,)
    (the open nodes of an earlier run, say); they are assessed
    ``node_batch`` at a time. ``progress(Progress)``, when given, is called
    about every ``PROGRESS_EVERY`` seconds between steps, and once at the end.
    ``polish(x) -> (x', score', evaluations)``, when given, improves each
    new incumbent (a local search from it, say) before it is used.
    """
    rule = GapRule(problem, gap_tol)
    evaluated = nodes = 0
    discarded = -np.inf            # largest bound of a node closed so far
    pool = OpenList(best_first_limit)

    def expand(children, parent_ub):
        nonlocal best, x_best, nodes, evaluated, discarded
        ub, children, candidates, open_, own = assess(children, Cutoff(rule, best))
        ub = np.minimum(ub, parent_ub)
        nodes += ub.size
        s = problem.score(candidates)
        evaluated += s.size
        if own is not None:
            ub = np.where(own, s[:ub.size], ub)
        i = int(np.argmax(s))
        if s[i] > best:
            best, x_best = float(s[i]), candidates[i].copy()
            if polish is not None:
                x_new, s_new, used = polish(x_best)
                evaluated += used
                if s_new > best:
                    best, x_best = float(s_new), x_new
            discarded = max(discarded, pool.prune(rule, best))
        done = ~open_ | rule.closed(ub, best)
        if done.any():
            discarded = max(discarded, float(ub[done].max()))
        keep = ~done
        pool.push(ub[keep], {name: a[keep] for name, a in children.items()})

    m = next(iter(root.values())).shape[0]
    root_ub = np.full(m, np.inf) if root_ub is None else root_ub
    for start in range(0, m, node_batch):
        part = slice(start, start + node_batch)
        alive = ~rule.closed(root_ub[part], best)
        if alive.any():
            expand({name: a[part][alive] for name, a in root.items()}, root_ub[part][alive])
        if not alive.all():
            discarded = max(discarded, float(root_ub[part][~alive].max()))
    def report(stop=None):
        upper = max(best, discarded, pool.max_ub())
        value, bound = problem.to_output([best, upper])
        progress(Progress(nodes, evaluated, pool.n, float(value), float(bound),
                          float(abs(bound - value)), time.perf_counter() - t0, stop,
                          depth_first=pool.n > pool.best_first_limit))

    last = time.perf_counter()
    stop_reason = "proved"
    while pool.n:
        if progress is not None and time.perf_counter() - last >= PROGRESS_EVERY:
            report()
            last = time.perf_counter()
        if rule.closed([pool.max_ub()], best)[0]:
            break
        if max_nodes is not None and nodes >= max_nodes:
            stop_reason = "max_nodes"
            break
        if time_limit is not None and time.perf_counter() - t0 >= time_limit:
            stop_reason = "time_limit"
            break
        # at least 1/32 of the open nodes per step, so that choosing the
        # best ones (O(open nodes)) costs O(1) per node however many are open
        take = max(node_batch, pool.n // 32)
        if max_nodes is not None:
            take = max(1, min(take, (max_nodes - nodes) // 2))
        parent_ub, parents = pool.pop(take)
        alive = ~rule.closed(parent_ub, best)   # the incumbent may have risen since the push
        if not alive.all():
            discarded = max(discarded, float(parent_ub[~alive].max()))
            parents = {name: a[alive] for name, a in parents.items()}
            parent_ub = parent_ub[alive]
            if not alive.any():
                continue
        expand(branch(parents), np.concatenate([parent_ub, parent_ub]))
    if progress is not None:
        report(stop_reason)
    upper = max(best, discarded, pool.max_ub())
    left = pool.pop(pool.n) if pool.n else (None, None)
    return Outcome(x_best, best, upper, nodes, evaluated, stop_reason, discarded, *left)


def exact_result(problem: Problem, xs: np.ndarray, row: int = 0, *, method: str,
                 best: Optional[float], upper: Optional[float], gap_tol: float,
                 stop_reason: str, nodes: int, evaluated: int, t0: float,
                 bound_evaluations: int = 0) -> ExactResult:
    r"""The result for the points ``xs`` (n, k) whose best is ``x = xs[row]``.

    ``values`` come from a plain forward pass through the whole network and
    ``value = values[row]``. ``upper`` bounds the score of every point (None:
    ``x`` is known to be optimal, as after enumeration); ``best`` is the
    score of ``x``. When ``upper <= best`` nothing beats ``x`` and the bound
    is ``value`` itself. ``certified`` iff :math:`|bound - value| \le
    \text{gap\_tol}(1 + |value|)`; a branch and bound (``stop_reason``
    "proved", "max_nodes", "time_limit") says "proved" iff certified, and
    "rounding" in the rare case where it closed every node but float
    rounding leaves the gap above the tolerance.
    """
    xs = np.array(xs, dtype=np.float64, ndmin=2)
    values = problem.values(xs)
    x, value = xs[row].copy(), float(values[row])
    if upper is None or upper <= best:
        bound = value
    else:
        bound = float(problem.to_output([upper])[0])
        # the bound can never be on the wrong side of a value that was reached
        bound = max(bound, value) if problem.sign > 0 else min(bound, value)
    gap = abs(bound - value)
    certified = bool(np.isfinite(bound)) and gap <= gap_tol * (1.0 + abs(value))
    if stop_reason in ("proved", "max_nodes", "time_limit"):
        if certified:
            stop_reason = "proved"
        elif stop_reason == "proved":
            stop_reason = "rounding"
    return ExactResult(x=x, value=value, xs=xs, values=values, goal=problem.goal,
                       output=problem.output, method=method, stop_reason=stop_reason,
                       seconds=time.perf_counter() - t0, bound=bound, certified=certified,
                       gap=gap, nodes=nodes, evaluated=evaluated,
                       bound_evaluations=bound_evaluations)
