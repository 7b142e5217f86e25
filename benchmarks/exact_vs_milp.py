"""Exact binary search: mininn's branch and bound against a MILP solver.

For random k-H-1 networks with a ReLU hidden layer and an identity output,
the best bit string ``x in {0,1}^k`` for the output is also the optimum of the
standard big-M mixed-integer encoding (as in OMLT or gurobi-machinelearning):

    max  w2 . h + b2
    s.t. h >= z,  h >= 0,  h <= z - L (1 - a),  h <= U a,
         z = W1^T x + b1,  x in {0,1}^k,  a in {0,1}^H,

where ``[L, U]`` are interval bounds of each pre-activation over the cube.
HiGHS solves it through ``scipy.optimize.milp``. Both run on the same networks
in one process, with BLAS pinned to one thread; the benchmark checks that the
two optima agree (to 1e-9 relative) and prints their times side by side.

Sigmoid and tanh networks cannot be encoded exactly as a MILP; for them only
mininn runs, and the target is a certificate within the time limit.

    python benchmarks/exact_vs_milp.py            # the full grid (several minutes)
    python benchmarks/exact_vs_milp.py --quick    # small cells only (seconds)
    python benchmarks/exact_vs_milp.py --only 60-16-xavier-relu

Needs scipy for the MILP (``pip install -e ".[bench]"``); without it the
MILP column says "skipped".
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from typing import List, Optional

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import mininn  # noqa: E402
from mininn.search import best_binary_input  # noqa: E402

try:
    from scipy.optimize import Bounds, LinearConstraint, milp
except ImportError:          # the MILP column is skipped
    milp = None


@dataclass
class Cell:
    k: int
    hidden: int
    weights: str          # "xavier" (mininn's default init) or "normal" (all N(0, 1))
    activation: str       # "relu", "sigmoid" or "tanh"
    time_limit: float     # seconds per network, for each solver
    target: str           # "highs" (no slower than HiGHS) or "limit" (certified within the limit)

    @property
    def name(self) -> str:
        return f"{self.k}-{self.hidden}-{self.weights}-{self.activation}"


GRID = [
    Cell(20, 16, "xavier", "relu", 60, "highs"),
    Cell(30, 16, "xavier", "relu", 60, "highs"),
    Cell(40, 16, "xavier", "relu", 60, "highs"),
    Cell(40, 16, "normal", "relu", 60, "highs"),
    Cell(40, 32, "xavier", "relu", 60, "highs"),
    Cell(60, 16, "xavier", "relu", 60, "highs"),
    Cell(80, 16, "xavier", "relu", 60, "limit"),
    Cell(40, 64, "xavier", "relu", 60, "limit"),
    Cell(40, 16, "normal", "sigmoid", 30, "limit"),
    Cell(40, 16, "normal", "tanh", 30, "limit"),
]
QUICK = [Cell(12, 8, "xavier", "relu", 10, "highs"), Cell(16, 8, "normal", "relu", 10, "highs"),
         Cell(12, 8, "normal", "sigmoid", 10, "limit")]


def make_net(cell: Cell, seed: int) -> mininn.Sequential:
    """A k-H-1 network, hidden activation ``cell.activation``, identity output."""
    net = mininn.mlp([cell.k, cell.hidden, 1], hidden=cell.activation, output="identity",
                     seed=seed)
    if cell.weights == "normal":
        rng = np.random.default_rng(1000 + seed)
        for p in net.parameters():
            p[...] = rng.standard_normal(p.shape)
    return net


def milp_optimum(net: mininn.Sequential, time_limit: float):
    """(value, seconds, proved, gap) of the big-M MILP of a k-H-1 ReLU net, by HiGHS.

    ``gap``: HiGHS's dual bound minus its best value, on the network's output
    (0 when proved; None when it found no solution).
    """
    W1, b1 = net.layers[0].params["W"], net.layers[0].params["b"]
    w2, b2 = net.layers[2].params["W"][:, 0], float(net.layers[2].params["b"][0])
    k, H = W1.shape
    L = b1 + np.minimum(W1, 0).sum(axis=0)      # interval bounds of z over {0,1}^k
    U = b1 + np.maximum(W1, 0).sum(axis=0)
    # variables: x (k), h (H), a (H)
    n = k + 2 * H
    c = np.zeros(n)
    c[k:k + H] = -w2                             # milp minimises
    rows, lower, upper = [], [], []
    for j in range(H):
        h, a = k + j, k + H + j
        row = np.zeros(n); row[:k] = -W1[:, j]; row[h] = 1.0      # h - z >= b1   (h >= z)
        rows.append(row); lower.append(b1[j]); upper.append(np.inf)
        row = np.zeros(n); row[:k] = -W1[:, j]; row[h] = 1.0; row[a] = -L[j]
        rows.append(row); lower.append(-np.inf); upper.append(b1[j] - L[j])  # h <= z - L(1-a)
        row = np.zeros(n); row[h] = 1.0; row[a] = -max(U[j], 0.0)
        rows.append(row); lower.append(-np.inf); upper.append(0.0)          # h <= U a
    lb = np.zeros(n)
    ub = np.concatenate([np.ones(k), np.maximum(U, 0.0), np.ones(H)])
    integrality = np.concatenate([np.ones(k), np.zeros(H), np.ones(H)])
    t0 = time.perf_counter()
    res = milp(c, constraints=LinearConstraint(np.array(rows), lower, upper),
               integrality=integrality, bounds=Bounds(lb, ub),
               options={"time_limit": time_limit, "mip_rel_gap": 1e-12})
    seconds = time.perf_counter() - t0
    if res.x is None:
        return None, seconds, False, None
    value, upper = -res.fun + b2, -res.mip_dual_bound + b2
    proved = res.status == 0
    return value, seconds, proved, 0.0 if proved else max(upper - value, 0.0)


def run_cell(cell: Cell, n_nets: int) -> dict:
    rows = []
    for seed in range(n_nets):
        net = make_net(cell, seed)
        result = best_binary_input(net, 0, goal="max", method="exact", max_nodes=None,
                                   time_limit=cell.time_limit, seed=seed)
        row = {"seed": seed, "seconds": result.seconds, "nodes": result.nodes,
               "bound_evaluations": result.bound_evaluations,
               "certified": result.certified, "value": result.value, "gap": result.gap,
               "milp_seconds": None, "milp_value": None, "milp_proved": None,
               "milp_gap": None, "agree": None}
        if cell.activation == "relu" and milp is not None:
            value, seconds, proved, gap = milp_optimum(net, cell.time_limit)
            row.update(milp_seconds=seconds, milp_value=value, milp_proved=proved,
                       milp_gap=gap)
            if value is not None and proved and result.certified:
                row["agree"] = abs(value - result.value) <= 1e-9 * max(1.0, abs(value))
        rows.append(row)
    return {"cell": cell, "rows": rows}


def _median(values: List[Optional[float]]) -> Optional[float]:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def highs_reached(rows: List[dict]) -> str:
    """How far HiGHS got on each net in the same time: proved, or the gap it left."""
    return ", ".join("proved" if r["milp_proved"] else
                     "no solution" if r["milp_gap"] is None else f"gap {r['milp_gap']:.2g}"
                     for r in rows if r["milp_proved"] is not None)


def verdict(out: dict) -> str:
    cell, rows = out["cell"], out["rows"]
    if not all(r["certified"] for r in rows):
        gaps = [r["gap"] for r in rows if not r["certified"]]
        text = (f"MISSED ({sum(r['certified'] for r in rows)}/{len(rows)} certified in "
                f"{cell.time_limit:g} s; gaps left {', '.join(f'{g:.2g}' for g in gaps)}")
        if any(r["milp_proved"] is not None for r in rows):
            text += "; HiGHS: " + highs_reached(rows)
        return text + ")"
    if any(r["agree"] is False for r in rows):
        return "DISAGREE with HiGHS"
    t = _median([r["seconds"] for r in rows])
    if cell.target == "highs":
        m = _median([r["milp_seconds"] for r in rows])
        if m is None:
            return "certified (HiGHS skipped)"
        return "met" if t <= m else f"MISSED ({t / m:.2f}x HiGHS)"
    if t > cell.time_limit:
        return f"MISSED ({t / cell.time_limit:.2f}x the {cell.time_limit:g} s limit)"
    proved = [r["milp_proved"] for r in rows if r["milp_proved"] is not None]
    if proved:
        reached = "" if all(proved) else f": {highs_reached(rows)}"
        return f"met (HiGHS proved {sum(proved)}/{len(proved)} in {cell.time_limit:g} s{reached})"
    return "met"


def report(results: List[dict]) -> str:
    lines = [f"{'cell':<24} {'mininn s':>9} {'nodes':>10} {'bounds':>10} {'cert':>5} "
             f"{'HiGHS s':>9} {'agree':>6}  target"]
    for out in results:
        rows = out["rows"]
        t = _median([r["seconds"] for r in rows])
        nodes = _median([r["nodes"] for r in rows])
        passes = _median([r["bound_evaluations"] for r in rows])
        m = _median([r["milp_seconds"] for r in rows])
        cert = sum(r["certified"] for r in rows)
        agree = [r["agree"] for r in rows if r["agree"] is not None]
        lines.append(f"{out['cell'].name:<24} {t:>9.3f} {nodes:>10.0f} {passes:>10.0f} "
                     f"{cert:>3}/{len(rows)} "
                     f"{'-' if m is None else f'{m:.3f}':>9} "
                     f"{('yes' if all(agree) else 'NO') if agree else '-':>6}  {verdict(out)}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small cells only")
    parser.add_argument("--nets", type=int, default=3, help="networks per cell (median)")
    parser.add_argument("--only", nargs="*", help="cell names, e.g. 60-16-xavier-relu")
    args = parser.parse_args(argv)
    cells = QUICK if args.quick else GRID
    if args.only:
        cells = [c for c in GRID + QUICK if c.name in args.only]
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass
    results = []
    for cell in cells:
        out = run_cell(cell, args.nets)
        results.append(out)
        print(report([out]).splitlines()[-1], flush=True)
    print()
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
