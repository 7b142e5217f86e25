r"""Best binary input: which bit string :math:`x \in \{0,1\}^k` makes output j largest?

Three methods, from sure-but-slow to fast-and-sure:

``"exhaustive"``
    All :math:`2^k` strings, in chunks of bounded memory
    (:mod:`mininn.search.exhaustive`), up to ``k = MAX_EXHAUSTIVE_BITS``.
``"local"``
    Relax, round and climb by bit flips (:mod:`mininn.search.local`): a
    local optimum, not certified.
``"exact"``
    Best-first branch and bound over the bits
    (:mod:`mininn.search.branch_and_bound`). A node fixes some bits and
    leaves the others free: it is the sub-cube
    :math:`lo \le x \le hi` with :math:`lo_i = hi_i` on the fixed bits, and
    a sound bound of the score over that box (:mod:`mininn.search.bounds`)
    is a bound over all its completions. With linear bounds
    :math:`s(x) \le a^T x + c`, a node branches on the free bit with the
    largest :math:`|a_i|` and is completed by the bound's own maximiser
    :math:`x_i = [a_i > 0]`; with interval bounds it branches on the bit of
    largest total path weight and is completed by the incumbent's bits. The
    first incumbent comes from the local search, and every better string
    found on the way is climbed by bit flips too. Before a node is split it
    fixes the bits whose other value cannot beat the incumbent by the
    node's own linear bound (reduced-cost fixing), and the bits that its
    split units force (propagation; :mod:`mininn.search.implications`).

    For networks whose hidden activations include ReLU, LeakyReLU, sigmoid
    or tanh, the default ``relaxation="auto"`` goes further once a search
    needs more than ``ESCALATE_NODES`` nodes: it starts again from the root
    (keeping its incumbent) and bounds every node with its relaxation
    *optimised* by projected gradient descent
    (:mod:`mininn.search.optimised`), each child starting from its
    parent's: the slopes of the hinges' lines, the touching points of the
    sigmoid and tanh units' tangent lines, and the multipliers of split
    units. A node may also split a ReLU or LeakyReLU unit whose input
    interval crosses 0 into :math:`z_j \le 0` and :math:`z_j \ge 0`
    (*hidden-unit splits*) instead of fixing a bit, whichever promises more
    (a unit's promise is its output coefficient times the gap of its chord
    where the node's bound is reached, a bit's the size of its
    coefficient), calibrated by what earlier splits of each kind achieved
    (:mod:`mininn.search.branching`). A split of a first-layer unit also
    narrows the input intervals of the layer's other units to what it
    implies (:func:`~mininn.search.implications.implied_intervals`), which
    tightens their lines. When the score is one hidden layer of ReLU or
    LeakyReLU units (slope <= 1) away from the bits, the units that raise
    it are bounded by *hull lines* in input space instead of chords, tuned
    the same way (:mod:`mininn.search.hull`): on a cube of many bits a chord
    is loose everywhere but at two corners. Sigmoid and tanh units are not split
    by default: with optimised tangent points, bit splits closed the
    benchmark's networks 3-10x sooner (``search_bits(split_curves=True)``
    splits them at 0, ``cut_curves=True`` also at the middle of their
    interval, as GenBaB does).

Minimising output j is maximising :math:`-z_j` (see
:mod:`mininn.search.problem`); the result's ``bound`` is then a *lower*
bound on the minimum.
"""
from __future__ import annotations

import time
from typing import Callable, Optional

import numpy as np

from .._validation import SeedLike, check_choice, check_int, check_real, make_rng
from .branching import CURVE_PREFERENCE, UNIT_PREFERENCE, SplitChooser, children, unit_promises
from .bounds import RELAXATIONS, linear_parts, resolve_relaxation, score_upper
from .image_bounds import dense_equivalent, supports_linear
from .branch_and_bound import (Outcome, branch_and_bound, check_budget, exact_result,
                               progress_callback)
from .exhaustive import MAX_EXHAUSTIVE_BITS, best_string
from .hull import Hull
from .implications import ImpliedTable, Propagation, fix_bits
from .local import hill_climb, local_search
from .optimised import Units, split_bound
from .problem import Affine, Problem, make_problem
from .results import ExactResult

#: Methods of :func:`best_binary_input`.
BINARY_METHODS = ("exact", "exhaustive", "local")
#: Open nodes are popped best first up to this many, depth first beyond.
BEST_FIRST_LIMIT = 1 << 16

#: Nodes bounded with the plain linear bound before unit splits start.
ESCALATE_NODES = 2_000

_FREE = -1  # node state of a free bit (the others hold 0 or 1)


def search_bits(problem: Problem, x0: np.ndarray, *, relaxation: str, gap_tol: float,
                max_nodes: Optional[int], time_limit: Optional[float], node_batch: int,
                t0: float, best_first_limit: Optional[int] = BEST_FIRST_LIMIT,
                split_units: bool = False, escalate_nodes: int = ESCALATE_NODES,
                progress: Optional[Callable] = None, split_curves: bool = False,
                cut_curves: bool = False, hull_lines: bool = True) -> Outcome:
    """Branch and bound over the bits from the incumbent ``x0`` (k,) of 0/1.

    ``relaxation`` is "linear" or "interval" (already resolved). With
    ``split_units`` (linear bounds only) a node may split a hidden unit
    instead of a bit, and its bound is optimised over the hinges' slopes and
    the split multipliers (:mod:`mininn.search.optimised`), after a first
    run of ``escalate_nodes`` nodes with the plain bound (0: none).
    ``progress``: see :func:`~mininn.search.branch_and_bound.branch_and_bound`
    (node counts include the first run's). ``split_curves``: sigmoid and tanh
    units may be split at 0 too (their tangent points are optimised either
    way); with ``cut_curves`` also at the middle of their input interval,
    again and again, as in GenBaB (the cut has no multiplier in the bound).
    ``hull_lines``: one-hidden-layer hinge networks get hull lines
    (:mod:`mininn.search.hull`; False: chords only).

    Memory: an open node holds its k bit states (1 byte each) and, with unit
    splits, its N splittable units' split signs (1 byte each), multipliers,
    lower and upper input bounds (what its splits imply and its cuts) and
    free line parameters (8 bytes each: one slope per hinge unit, two
    tangent points per sigmoid or tanh unit), and 17 bytes on how it was
    made (:mod:`mininn.search.branching`); the implied intervals' table
    holds up to 4 H^2 floats for the H first-layer units. With hull lines a
    node also keeps p k fractions (2 bytes each, p the hidden units with a
    positive output weight): 2.6 kB for 40 bits and 33 such units, 170 MB for
    65,536 such nodes. At most ``best_first_limit`` nodes are kept best
    first, deeper ones go first beyond.
    """
    k = problem.k
    x_best = np.asarray(x0, dtype=np.float64).copy()
    best = float(problem.score(x_best[None])[0])
    order = np.argsort(-problem.path_weights(), kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    hinges = Units(problem.layers, k, curves=True) if split_units else None
    counts = {"bounds": 0, "nodes": 0, "evaluated": 0}
    if hinges is not None and hinges.n == 0:
        hinges = None                                   # nothing to split
    if hinges is not None:
        preference = np.full(hinges.n, UNIT_PREFERENCE)
        for i, part in hinges.slices.items():
            if hinges.slope[i] is None:     # a curve: never split unless asked
                preference[part] = CURVE_PREFERENCE if split_curves else np.inf
        chooser = SplitChooser(preference)
    # sigmoid/tanh units may also be cut at other points than 0 (clamps)
    pieces = split_curves and cut_curves and hinges is not None and any(
        s is None for s in hinges.slope.values())
    # split units of the first hidden layer may force bits and narrow the
    # other units' intervals (implications; built when unit splits start)
    first_step = problem.layers[0]
    implied = hinges is not None and type(first_step) is Affine and 1 in hinges.slices
    propagation = table = hull = None

    def assess(nodes, closed):
        """Bound sub-cubes; pick each one's split (bit or unit) and completion."""
        states = nodes["states"]
        empty = None
        if propagation is not None:
            states, empty = propagation(states, nodes["sigma"])
        free = states == _FREE
        lo = (states == 1).astype(np.float64)
        hi = np.where(free, 1.0, lo)
        if hinges is not None:
            sigma = nodes["sigma"].astype(np.float64)
            clamps = (nodes["zlo"], nodes["zhi"])        # cuts and implied intervals
            nb = split_bound(problem.layers, hinges, lo, hi, sigma, nodes.get("alpha"),
                             nodes.get("beta"), closed, clamps=clamps)
            if hull is not None:
                # tuned hull lines; the children start from these fractions
                nb, nodes["theta"] = hull.tighten(lo, hi, sigma, nb, nodes["theta"], closed)
            ub, coef, alpha, beta, lin = nb.ub, nb.coef, nb.alpha, nb.beta, nb.linear
            counts["bounds"] += nb.passes
            # what each unit's split would remove: the warm start's lines and
            # output coefficients (the tape), read at the witness of the best
            # bound found, where a . x is largest (a heuristic: no second
            # substitution with the optimised values)
            witness = np.where(coef > 0, hi, lo)
            unit_score, points = unit_promises(problem.layers, hinges, nb.tape, nb.intervals,
                                               sigma, witness, clamps if pieces else None)
        elif relaxation == "linear":
            lin, coef, cap = linear_parts(problem.layers, lo, hi)
            ub = np.minimum(lin, cap)
        else:
            ub, coef = score_upper(problem, lo, hi, relaxation)
        if hinges is None:
            counts["bounds"] += ub.size
        if coef is not None:
            states, free = fix_bits(states, free, lin, coef, closed)
            lo = (states == 1).astype(np.float64)
        leaf = ~free.any(axis=1)
        if empty is not None:
            # no bit string satisfies the node's constraints
            ub[empty] = -np.inf
            leaf &= ~empty
        open_ = ~leaf if empty is None else ~leaf & ~empty
        if hinges is not None:
            chooser.learn(nodes, ub, closed.best)
            fields = chooser.choose(ub, free, coef, unit_score,
                                    ~np.isnan(points) if pieces else None)
            fields.update({name: nodes[name] for name in ("sigma", "zlo", "zhi", "theta")
                           if name in nodes}, states=states, alpha=alpha, beta=beta)
            if pieces:
                # where the chosen unit would be cut (read only for unit splits)
                unit = np.maximum(fields["choice"] - k, 0)
                fields.update(point=points[np.arange(unit.size), unit])
            return ub, fields, np.where(free, coef > 0, lo), open_, leaf
        if coef is not None:
            bit = np.argmax(np.where(free, np.abs(coef), -1.0), axis=1)
            guess = (coef > 0).astype(np.float64)
        else:
            bit = np.argmin(np.where(free, rank, k), axis=1)
            guess = np.broadcast_to(x_best, states.shape)
        completion = np.where(free, guess, lo)
        return ub, {"states": states, "choice": bit}, completion, open_, leaf

    def branch(parents):
        return children(parents, k, hinges, table, pieces)

    def relay(info, final):
        # a first run that escalates does not report its end; counts add up
        if progress is None or (info.stop_reason == "max_nodes" and not final):
            return
        info.nodes += counts["nodes"]
        info.evaluated += counts["evaluated"]
        progress(info)

    def polish(x):
        """Climb from a new incumbent by bit flips (the local search's last step)."""
        X, scores, used = hill_climb(problem, x[None])
        return X[0], float(scores[0]), used

    def run(root, root_ub, budget, final=True):
        out = branch_and_bound(problem, x_best, best, root, assess, branch, gap_tol=gap_tol,
                               max_nodes=budget, time_limit=time_limit,
                               node_batch=node_batch, t0=t0, best_first_limit=best_first_limit,
                               root_ub=root_ub,
                               progress=None if progress is None else
                               (lambda info: relay(info, final)), polish=polish)
        out.bound_evaluations = counts["bounds"]
        return out

    root = {"states": np.full((1, k), _FREE, dtype=np.int8)}
    if hinges is None:
        return run(root, None, max_nodes)
    # The plain bound first: cheap per node, and enough for small problems.
    # A search that needs more nodes starts again from the root (with the
    # incumbent found so far) with optimised bounds and unit splits.
    nodes = evaluated = 0
    if escalate_nodes > 0:
        plain, hinges = hinges, None
        budget = escalate_nodes if max_nodes is None else min(escalate_nodes, max_nodes)
        last = max_nodes is not None and max_nodes <= escalate_nodes
        first = run(root, None, budget, final=last)
        if first.stop_reason != "max_nodes" or last:
            return first
        hinges = plain
        x_best, best = first.x, first.best
        nodes, evaluated = first.nodes, first.evaluated
        counts["nodes"], counts["evaluated"] = nodes, evaluated
    root["sigma"] = np.zeros((1, hinges.n), dtype=np.int8)
    root["zlo"] = np.full((1, hinges.n), -np.inf)
    root["zhi"] = np.full((1, hinges.n), np.inf)
    if implied:
        propagation = Propagation(first_step.W, first_step.b, hinges.slices[1])
        table = ImpliedTable(first_step.W, first_step.b)
    hull = Hull.of(problem.layers, hinges) if hull_lines else None
    if hull is not None:
        root["theta"] = hull.empty_fractions(1, k)
    out = run(root, None, None if max_nodes is None else max(1, max_nodes - nodes))
    out.nodes += nodes
    out.evaluated += evaluated
    return out


def best_binary_input(net, output: int = 0, *, goal: str = "max", method: str = "exact",
                      relaxation: str = "auto", restarts: int = 16,
                      max_nodes: Optional[int] = 10_000_000, time_limit: Optional[float] = None,
                      node_batch: int = 512, chunk_size: Optional[int] = None,
                      gap_tol: float = 1e-9, seed: SeedLike = None,
                      progress=None) -> ExactResult:
    r"""The bit string :math:`x \in \{0,1\}^k` that maximises (or minimises) output j.

    Parameters
    ----------
    net : Sequential
        A network with ``k = net.n_inputs`` inputs.
    output : int
        The output unit j, ``0 <= j < net.n_outputs``.
    goal : {"max", "min"}
        Maximise or minimise output j.
    method : {"exact", "exhaustive", "local"}
        Certified branch and bound, enumeration of all :math:`2^k` strings
        (``k <= MAX_EXHAUSTIVE_BITS``), or rounding plus bit-flip hill
        climbing (not certified); see the module docstring.
    relaxation : {"auto", "linear", "interval"}
        Bounds of the branch and bound (``"exact"``; ``"local"`` uses them
        for its ``bound`` over the whole cube). ``"auto"`` is ``"linear"``
        when the network holds only ``Dense`` layers and built-in
        activations (plus, for ReLU, LeakyReLU, sigmoid and tanh units,
        optimised bounds and unit splits in long searches; see the module
        docstring), else
        ``"interval"``. ``"linear"`` keeps the plain linear bounds and
        splits bits only.
    restarts : int
        ``"local"`` (and the first incumbent of ``"exact"``) climbs from
        ``restarts`` rounded relaxed optima and ``restarts`` random strings.
    max_nodes : int or None
        ``"exact"``: stop after bounding about this many nodes (None: no limit).
    time_limit : float or None
        ``"exact"``: stop after this many seconds (checked between batches).
    node_batch : int
        ``"exact"``: open nodes split and bounded together per step.
    chunk_size : int or None
        ``"exhaustive"``: strings scored per chunk (memory
        ``O(chunk_size * width)``); None picks about ``2**18 / width``.
    gap_tol : float
        In [0, 1): ``certified`` iff :math:`|bound - value| \le
        \text{gap\_tol}\,(1 + |value|)` (relative plus absolute).
    seed : None, int or numpy.random.Generator
        Random starts of ``"local"`` and ``"exact"``.
    progress : None, bool or callable
        ``"exact"``: True prints a line (nodes, open nodes, value, bound,
        gap, seconds) about every second and at the end; a callable receives
        a :class:`~mininn.search.branch_and_bound.Progress` instead.

    Returns
    -------
    ExactResult
        ``x`` (k,) of 0.0/1.0, ``value`` = output j at x, ``xs``/``values``
        (``"local"``: every climbed string; otherwise ``x[None]``),
        ``bound`` (a lower bound when minimising), ``certified``, ``gap``,
        ``nodes``, ``evaluated``, ``bound_evaluations``, ``seconds``, ``stop_reason``
        (``"enumerated"``, ``"local_optimum"``, or for ``"exact"``:
        ``"proved"`` iff certified, else ``"max_nodes"``/``"time_limit"``).

    Raises
    ------
    TypeError, ValueError
        For a non-network, a network without a ``Dense`` layer (unknown k),
        an output out of range, an unknown goal, method or relaxation, k too
        large for ``"exhaustive"``, non-positive budgets or sizes.
    """
    t0 = time.perf_counter()
    check_choice(method, "method", BINARY_METHODS)
    check_choice(relaxation, "relaxation", RELAXATIONS)
    if relaxation != "interval" and supports_linear(net):
        # a CNN computes exactly what its rewriting as Dense layers and ReLUs
        # computes (image_bounds); searched in that form it gets linear bounds
        net = dense_equivalent(net)
    problem = make_problem(net, output, goal)
    restarts, max_nodes, time_limit, node_batch = check_budget(restarts, max_nodes, time_limit,
                                                               node_batch)
    if chunk_size is not None:
        chunk_size = check_int(chunk_size, "chunk_size", minimum=1)
    gap_tol = check_real(gap_tol, "gap_tol", 0.0, 1.0, open_max=True)
    rng = make_rng(seed)
    report = progress_callback(progress)
    k = problem.k
    if method == "exhaustive" and k > MAX_EXHAUSTIVE_BITS:
        raise ValueError(
            f"method='exhaustive' enumerates 2**k strings and accepts k <= {MAX_EXHAUSTIVE_BITS}; "
            f"this network has k = {k} inputs (2**{k} strings). Use method='exact' "
            f"(certified branch and bound) or method='local' (fast, not certified)")

    common = dict(method=method, gap_tol=gap_tol, t0=t0)
    if method == "exhaustive":
        x = best_string(problem, chunk_size)
        return exact_result(problem, x, best=None, upper=None, stop_reason="enumerated",
                            nodes=0, evaluated=1 << k, **common)
    X, scores, evaluated = local_search(problem, rng, restarts)
    i = int(np.argmax(problem.sign * problem.values(X)))    # the best output, not score
    if method == "local":
        upper = np.inf
        if problem.has_interval:
            kind = resolve_relaxation(problem, relaxation)
            upper = float(score_upper(problem, np.zeros((1, k)), np.ones((1, k)), kind)[0][0])
        return exact_result(problem, X, i, best=float(scores[i]), upper=upper,
                            stop_reason="local_optimum", nodes=0, evaluated=evaluated, **common)
    kind = resolve_relaxation(problem, relaxation)
    split = (relaxation == "auto" and kind == "linear"
             and Units(problem.layers, k, curves=True).n > 0)
    out = search_bits(problem, X[i], relaxation=kind, gap_tol=gap_tol, max_nodes=max_nodes,
                      time_limit=time_limit, node_batch=node_batch, t0=t0, split_units=split,
                      progress=report)
    return exact_result(problem, out.x, best=out.best, upper=out.upper,
                        stop_reason=out.stop_reason, nodes=out.nodes,
                        evaluated=evaluated + out.evaluated,
                        bound_evaluations=out.bound_evaluations, **common)
