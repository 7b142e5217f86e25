"""mininn against PyTorch and scikit-learn, side by side in one process.

Usage::

    python benchmarks/run.py                 # everything, sizes of issue 5 (a few minutes)
    python benchmarks/run.py --quick         # tiny sizes: checks that the script works
    python benchmarks/run.py --only medium tutorial_per_sample
    python benchmarks/run.py --clock cpu --ratio-of min --rounds 9 --only tutorial_per_sample
    python benchmarks/run.py --json out.json --plot benchmarks/performance.png

PyTorch, scikit-learn and threadpoolctl come from the optional extra
(``pip install -e ".[bench]"``); whatever is missing is reported as skipped.

How it measures (see ``harness.py``): BLAS and PyTorch are pinned to ONE
thread; the contenders of a workload run interleaved, A B C A B C ..., for
``--rounds`` rounds (5 by default) after one warm-up run each; the report
gives min / median / max and ratios of medians. On a shared, loaded machine,
``--clock cpu`` times each run by the CPU time of the process (the time other
processes take shows in the wall clock only) and ``--ratio-of min`` compares
the fastest round of each contender (the least disturbed). Before timing,
every workload checks that its implementations compute the same thing.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import sys
import textwrap

# --- BLAS threads: pinned before NumPy is imported -------------------------
# With threadpoolctl installed the pin is done below, at run time, for every
# BLAS/OpenMP library loaded (NumPy's OpenBLAS, PyTorch's, scikit-learn's).
# Without it, the environment variables must be set before NumPy loads its
# BLAS, i.e. here, before the first import of numpy.
HAVE_THREADPOOLCTL = importlib.util.find_spec("threadpoolctl") is not None
if not HAVE_THREADPOOLCTL:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import harness  # noqa: E402
import workloads  # noqa: E402


def pin_threads():
    """Pin every thread pool to one thread; returns the threadpoolctl limiter (keep it alive)."""
    limiter = None
    if HAVE_THREADPOOLCTL:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(limits=1)
    if workloads.torch is not None:
        workloads.torch.set_num_threads(1)
    return limiter


def thread_report() -> list:
    """What threadpoolctl sees (library, threads), or the environment variables."""
    if HAVE_THREADPOOLCTL:
        from threadpoolctl import threadpool_info
        return [f"{i.get('internal_api')} {i.get('version')} ({os.path.basename(i['filepath'])}"
                f"{', ' + i['architecture'] if i.get('architecture') else ''}): "
                f"{i['num_threads']} thread(s)" for i in threadpool_info()]
    return [f"{var}={os.environ.get(var)}" for var in
            ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")]


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict:
    import mininn
    info = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mininn": mininn.__version__,
        "torch": workloads.torch.__version__ if workloads.torch is not None else "not installed",
        "torch threads": workloads.torch.get_num_threads() if workloads.torch is not None else None,
        "scikit-learn": "not installed",
        "threads": thread_report(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
    }
    try:
        import sklearn
        info["scikit-learn"] = sklearn.__version__
    except ImportError:
        pass
    try:
        info["load average"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass
    return info


def plot(results: list, path: str) -> None:
    """Save :func:`chart` of ``results`` to ``path`` (nothing when no ratio was measured)."""
    import matplotlib.pyplot as plt

    fig = chart(results)
    if fig is not None:
        fig.savefig(path)
        plt.close(fig)


def chart(results: list):
    """Bar chart of every ratio target (log scale): measured ratio, target tick, verdict colour."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = []   # (label, ratio, threshold, met)
    for w in results:
        if not w.trusted:
            continue
        for t in w.targets:
            r = t.evaluate(w)
            if t.unit == "x" and r["value"] is not None:
                better = "higher" if t.op == ">=" else "lower"
                # long labels (the shortcut rows) wrapped, so that none is cut off
                label = textwrap.fill(f"{t.label} ({better} is better)", 60)
                bars.append((f"{w.key}:\n{label}", r["value"], t.threshold, r["met"]))
    if not bars:
        return None
    lines = sum(b[0].count("\n") + 1 for b in bars)
    fig, ax = plt.subplots(figsize=(10, 0.22 * lines + 0.3 * len(bars) + 1.3), dpi=80)
    y = np.arange(len(bars))[::-1]
    ax.barh(y, [b[1] for b in bars], height=0.6,
            color=["#4c72b0" if b[3] else "#c44e52" for b in bars])
    for yi, (_, ratio, threshold, _) in zip(y, bars):
        ax.text(max(ratio, threshold) * 1.05, yi, f"{ratio:.2f}x", va="center", fontsize=8)
        ax.plot([threshold, threshold], [yi - 0.4, yi + 0.4], color="k", lw=2)
    ax.set_yticks(y)
    ax.set_yticklabels([b[0] for b in bars], fontsize=7)
    ax.set_xscale("log")
    ax.axvline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_xlim(min(0.5, min(b[1] for b in bars) * 0.8), max(b[1] for b in bars) * 1.8)
    ax.set_xlabel("ratio of median times (log scale); black tick = target; blue = met, red = missed",
                  fontsize=8)
    ax.set_title("mininn vs PyTorch eager and scikit-learn, one thread, float64", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="interleaved rounds (default 5, or 2 with --quick)")
    parser.add_argument("--only", nargs="+", choices=sorted(workloads.BUILDERS), metavar="NAME",
                        help="run only these workloads: " + ", ".join(workloads.BUILDERS))
    parser.add_argument("--clock", choices=sorted(harness.CLOCKS), default="wall",
                        help="time each run by the wall clock (default) or by the CPU time of "
                             "the process (steadier on a shared, loaded machine)")
    parser.add_argument("--ratio-of", choices=("median", "min"), default="median",
                        help="compare the median (default) or the fastest of each contender's "
                             "rounds in ratios and ratio targets")
    parser.add_argument("--json", metavar="PATH", help="write all results to this JSON file")
    parser.add_argument("--plot", metavar="PATH", help="write a bar chart of the ratios (PNG)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 5)
    if rounds < 1:
        parser.error(f"--rounds must be >= 1, got {rounds}")
    sizes = workloads.QUICK if args.quick else workloads.FULL

    limiter = pin_threads()  # noqa: F841 - the limits stay in force while it lives
    # Everything imported so far (PyTorch, SciPy, scikit-learn: ~10^6 objects)
    # is moved out of the collector's sight, so the gc.collect() before each
    # timed run takes microseconds instead of ~0.1 s.
    gc.collect()
    gc.freeze()
    info = machine_info()
    print("mininn benchmark" + (" (--quick: tiny sizes, not meaningful timings)" if args.quick else ""))
    for key, value in info.items():
        if isinstance(value, list):
            print(f"  {key}:")
            for item in value:
                print(f"    {item}")
        else:
            print(f"  {key}: {value}")
    print(f"  rounds: {rounds} (interleaved, after one warm-up run each)")
    print(f"  clock: {args.clock}" + (" (CPU time of the process and its children)"
                                     if args.clock == "cpu" else " (time.perf_counter)"))
    print(f"  ratios of: the {args.ratio_of} of each contender's rounds\n")

    names = args.only or list(workloads.BUILDERS)
    results = []
    started = time.perf_counter()
    for name in names:
        print(f"-- {name}", flush=True)
        began = time.perf_counter()
        try:
            w = workloads.BUILDERS[name](sizes)
        except Exception as exc:  # noqa: BLE001 - one broken workload must not stop the rest
            w = harness.Workload(name, name, error=f"{type(exc).__name__}: {exc}")
        w.key = name
        w.statistic = args.ratio_of
        if not w.error:
            try:
                harness.measure(w, w.rounds or rounds, warmup=w.warmup,
                                log=lambda s: print(s, flush=True), clock=args.clock)
                if w.finish is not None:
                    w.finish()
            except Exception as exc:  # noqa: BLE001
                w.error = f"{type(exc).__name__} while timing: {exc}"
        results.append(w)
        w.extra["wall time of this workload (set-up, checks, rounds)"] = (
            f"{time.perf_counter() - began:.1f} s")
        print("\n".join(harness.workload_report(w)) + "\n", flush=True)

    missed = 0
    for issue in sorted({t.issue for w in results for t in w.targets}, reverse=True):
        print(f"== Targets (issue {issue})")
        for w in results:
            for t in w.targets:
                if t.issue == issue:
                    r = t.evaluate(w)
                    missed += r["met"] is False
                    print("   " + harness.format_target(r) + f"   [{w.key}]")
    errors = [w.key for w in results if w.error]
    untrusted = [w.key for w in results if not w.trusted]
    print(f"\n{len(results)} workloads in {time.perf_counter() - started:.1f} s; "
          f"{missed} target(s) missed; errors: {errors or 'none'}; "
          f"disagreements: {untrusted or 'none'}")

    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"machine": info, "rounds": rounds, "clock": args.clock,
                       "ratio_of": args.ratio_of, "quick": args.quick,
                       "workloads": [harness.workload_json(w) for w in results]},
                      handle, indent=1)
    if args.plot:
        plot(results, args.plot)
    # A missed target is a finding, not a failure of the script; an exception
    # or a disagreement between libraries is.
    return 1 if errors or untrusted else 0


if __name__ == "__main__":
    sys.exit(main())
