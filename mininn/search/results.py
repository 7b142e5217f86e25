"""What every input search returns: the best point, all starts, why it stopped.

One vocabulary for every search in ``mininn.search``:

===============  ==============================================================
``x``            the best point found, ``(k,)``
``value``        the network's output ``output`` at ``x`` (a float)
``xs``           every start's final point, ``(n_starts, k)`` (one row for a
                 search with a single answer)
``values``       their outputs, ``(n_starts,)``
``goal``         ``"max"``, ``"min"`` or ``"target"``
``output``       the output unit searched
``method``       how it searched
``stop_reason``  why it stopped (each search lists its reasons)
``seconds``      wall-clock time
===============  ==============================================================

Exact searches add ``bound``, ``certified`` and ``gap`` (``ExactResult`` in
``mininn.search.branch_and_bound``); continuous ascent adds the trajectory
(``AscentResult`` in ``mininn.search.ascent``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._table import Tabular


def format_point(x: np.ndarray) -> str:
    """A point as short text: a bit string for 0/1 vectors, else rounded numbers."""
    x = np.asarray(x)
    if x.size and x.size <= 64 and np.all((x == 0) | (x == 1)):
        return "".join(str(int(b)) for b in x)
    return np.array2string(x, precision=4, separator=", ", suppress_small=True, threshold=12)


@dataclass(repr=False)
class SearchResult(Tabular):
    """Base of every search result (see the module docstring for the words).

    Attributes
    ----------
    x : ndarray (k,)
        The best point found.
    value : float
        Output ``output`` of the network at ``x``.
    xs : ndarray (n_starts, k)
        Every start's final point.
    values : ndarray (n_starts,)
        Output at each row of ``xs``.
    goal, method, stop_reason : str
    output : int
    seconds : float
    """

    x: np.ndarray
    value: float
    xs: np.ndarray
    values: np.ndarray
    goal: str
    output: int
    method: str
    stop_reason: str
    seconds: float

    @property
    def n_starts(self) -> int:
        return int(self.xs.shape[0])

    def _facts(self):
        """(name, value) pairs shown by ``summary()``; subclasses extend the list."""
        return [("x", format_point(self.x)), ("value", f"{self.value:.6g}"),
                ("goal", self.goal), ("output", self.output), ("method", self.method),
                ("starts", self.n_starts), ("stop_reason", self.stop_reason),
                ("seconds", f"{self.seconds:.3g}")]

    def _table(self):
        return (f"{type(self).__name__}", ("quantity", "value"),
                [(k, v) for k, v in self._facts()], None)

    def __repr__(self) -> str:
        facts = ", ".join(f"{k}={v}" for k, v in self._facts())
        return f"{type(self).__name__}({facts})"


@dataclass(repr=False)
class AscentResult(SearchResult):
    r"""What continuous input search (``find_input``) found, and the path it took.

    Besides the words of :class:`SearchResult` (``x = xs[best]``):

    Attributes
    ----------
    objectives : ndarray (n_starts,)
        The objective actually optimised at each final point (penalty and
        logit included; maximised for "max", minimised otherwise).
    best : int
        Index of the start with the best objective.
    trajectory : ndarray (n_records, n_starts, k)
        x at each recorded step; ``trajectory[0]`` are the starts.
    trajectory_values : ndarray (n_records, n_starts)
        The output at each recorded step.
    steps : ndarray (n_records,) of int
        Iteration number of each record: 0 first, ``n_iter`` last.
    n_iter : int
        Updates done.
    grad_norm : ndarray (n_starts,)
        Stationarity measure at the end (projected-gradient norm in x).
    kkt : ndarray (n_starts,) of bool
        First-order optimality for the box problem, within ``kkt_tol``.
    bounds : (lo, hi)
        The box, each ``(k,)`` or ``(n_starts, k)``.
    target : float or None
        The target value of goal "target".

    ``stop_reason`` is ``"steps"`` (budget used) or ``"grad_tol"`` (every
    start's ``grad_norm`` fell below ``grad_tol``).
    """

    objectives: np.ndarray
    best: int
    trajectory: np.ndarray
    trajectory_values: np.ndarray
    steps: np.ndarray
    n_iter: int
    grad_norm: np.ndarray
    kkt: np.ndarray
    bounds: tuple
    target: object = None

    @property
    def objective(self) -> float:
        """The optimised objective at ``x``."""
        return float(self.objectives[self.best])

    @property
    def inside(self) -> np.ndarray:
        """(n_starts,) bool: each final point lies in its box ``lo <= x <= hi``."""
        lo, hi = self.bounds
        return np.all((self.xs >= lo) & (self.xs <= hi), axis=1)

    def _facts(self):
        goal = self.goal if self.target is None else f"target {self.target:g}"
        return [("x", format_point(self.x)), ("value", f"{self.value:.6g}"), ("goal", goal),
                ("output", self.output), ("method", self.method), ("best", self.best),
                ("n_iter", self.n_iter), ("stop_reason", self.stop_reason),
                ("inside", bool(self.inside[self.best])), ("kkt", bool(self.kkt[self.best]))]

    def _table(self):
        goal = self.goal if self.target is None else f"target {self.target:g}"
        title = (f"input search: {goal} of output {self.output}, method {self.method!r}, "
                 f"{self.n_iter} iterations, stopped by {self.stop_reason!r}")
        inside = self.inside
        rows = [(f"{i}{' *' if i == self.best else ''}", format_point(self.xs[i]),
                 f"{self.values[i]:.6g}", bool(inside[i]), bool(self.kkt[i]),
                 f"{self.grad_norm[i]:.2e}") for i in range(self.n_starts)]
        return (title, ("start", "final x", "value", "inside", "kkt", "grad norm"), rows,
                "(* = best start)")


@dataclass(repr=False)
class ExactResult(SearchResult):
    r"""What a search for the *global* optimum found (binary or box), with a bound.

    Returned by ``best_binary_input`` (methods exact, exhaustive, local) and
    ``best_box_input``. Besides the words of :class:`SearchResult`:

    Attributes
    ----------
    bound : float
        A sound bound on the optimum in the goal's direction: for "max" no
        input of the domain gives an output above it, for "min" none below.
    certified : bool
        ``gap <= gap_tol * (1 + |value|)``: ``value`` is proved optimal.
    gap : float
        ``|bound - value|`` (0 when the optimum is proved exactly).
    nodes : int
        Branch-and-bound nodes bounded (root included); 0 for the others.
    evaluated : int
        Forward evaluations of single points.
    bound_evaluations : int
        Bounds computed, one per node and pass (an optimised bound counts
        each of its gradient steps); 0 without a branch and bound.

    ``stop_reason``: ``"enumerated"`` (exhaustive: certified by
    enumeration), ``"local_optimum"`` (local), ``"proved"`` (exact or box: the
    gap closed, so ``certified`` is True), ``"rounding"`` (every node was
    closed, but floating-point rounding leaves the gap just above
    ``gap_tol``: not certified), ``"max_nodes"`` or ``"time_limit"`` (budget
    used up, not certified). For the exact and box searches
    ``stop_reason == "proved"`` exactly when ``certified``.
    """

    bound: float
    certified: bool
    gap: float
    nodes: int
    evaluated: int
    bound_evaluations: int = 0

    def _facts(self):
        return super()._facts() + [("bound", f"{self.bound:.6g}"),
                                   ("certified", self.certified), ("gap", f"{self.gap:.3g}"),
                                   ("nodes", self.nodes), ("evaluated", self.evaluated),
                                   ("bound_evaluations", self.bound_evaluations)]
