"""Timing machinery of the benchmark: interleaved rounds, statistics, checks, targets.

Nothing here knows about neural networks. A ``Workload`` holds several
``Contender`` s (mininn, PyTorch, scikit-learn, a bare NumPy baseline ...);
``measure`` runs them interleaved -- round 1: A B C, round 2: A B C, ... -- so
that a burst of load from another process on a shared machine hits every
contender alike, and keeps every time. Reports quote the **median** and the
ratios of medians, which a few slow outliers do not move.

Before any time is trusted, each workload runs its ``checks``: the
implementations must compute the same thing (same trained weights from the
same start, same gradients) within a stated tolerance. A failed check marks
the workload's times as untrusted in every report.
"""
from __future__ import annotations

import gc
import math
import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional


@dataclass
class Contender:
    """One implementation of a workload.

    ``prepare()`` does the untimed set-up (fresh weights, data, optimiser) and
    returns the function to time; it is called again before every round, so
    every timed run starts from the same state.
    ``units`` is how many updates / calls one timed run holds, so that the
    report can give a per-unit time as well.
    """

    name: str
    library: str
    prepare: Callable[[], Callable[[], object]]
    units: int = 1
    times: List[float] = field(default_factory=list)

    def stats(self) -> Dict[str, float]:
        t = self.times
        return {"min": min(t), "median": statistics.median(t), "max": max(t)}


@dataclass
class Check:
    """An agreement check run before timing: ``value <= tol`` must hold."""

    label: str
    value: float
    tol: float

    @property
    def ok(self) -> bool:
        return math.isfinite(self.value) and self.value <= self.tol


@dataclass
class Target:
    """A target from issue 5: ``measure(workload) <op> threshold``.

    ``measure`` returns a number or None (when a contender it needs was
    skipped); ``op`` is ``">="`` or ``"<="``; ``unit`` says how to print it.
    """

    label: str
    measure: Callable[["Workload"], Optional[float]]
    op: str
    threshold: float
    unit: str = "x"
    issue: str = "5"       # the issue that set the target (run.py groups by it)

    def evaluate(self, workload: "Workload") -> Dict[str, object]:
        try:
            value = self.measure(workload)
        except (KeyError, ValueError, ZeroDivisionError, statistics.StatisticsError):
            value = None
        if value is None:
            met = None
        elif self.op == ">=":
            met = value >= self.threshold
        else:
            met = value <= self.threshold
        return {"label": self.label, "value": value, "op": self.op,
                "threshold": self.threshold, "unit": self.unit, "met": met}


@dataclass
class Workload:
    """A named comparison: contenders, agreement checks, targets and notes."""

    key: str
    title: str
    unit: str = "run"
    contenders: List[Contender] = field(default_factory=list)
    checks: List[Check] = field(default_factory=list)
    targets: List[Target] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    skipped: Dict[str, str] = field(default_factory=dict)   # contender/library -> reason
    extra: Dict[str, object] = field(default_factory=dict)  # nodes, peak memory, ...
    reference: str = ""            # name of the contender the ratios are taken to
    rounds: Optional[int] = None   # overrides the global number of rounds
    warmup: bool = True            # one untimed run of each contender first
    finish: Optional[Callable[[], None]] = None   # called after timing (fills ``extra``)
    error: str = ""                # set when building or timing the workload failed
    clock: str = "wall"            # what the times were measured with (set by ``measure``)
    statistic: str = "median"      # what ``ratio`` compares: "median" or "min" of the rounds

    def get(self, name: str) -> Contender:
        for c in self.contenders:
            if c.name == name:
                return c
        raise KeyError(name)

    def median(self, name: str) -> float:
        return statistics.median(self.get(name).times)

    def ratio(self, name: str, to: Optional[str] = None) -> float:
        """median(name) / median(to) (or the minima, with ``statistic="min"``): above 1
        means ``to`` is faster."""
        pick = min if self.statistic == "min" else statistics.median
        return pick(self.get(name).times) / pick(self.get(to or self.reference).times)

    @property
    def trusted(self) -> bool:
        return all(c.ok for c in self.checks)


def cpu_time() -> float:
    """CPU seconds (user + system) of this process and of its finished children.

    On a shared machine the time other processes take from the CPU shows in
    the wall clock but not here. The children's part (with the resolution of
    ``os.times``) counts the subprocess of the ``demo`` workload.
    """
    t = os.times()
    return time.process_time() + t.children_user + t.children_system


#: ``--clock`` choices: what one timed run is measured with.
CLOCKS: Dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": cpu_time}


def time_once(fn: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    """Time of one call on ``clock``, with the garbage collector paused (as timeit does)."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = clock()
        fn()
        return clock() - start
    finally:
        if enabled:
            gc.enable()


def measure(workload: Workload, rounds: int, warmup: bool = True,
            log: Callable[[str], None] = print, clock: str = "wall") -> None:
    """Time every contender, interleaved: ``rounds`` rounds of A B C ...

    One untimed warm-up run per contender first (imports, caches, lazily
    built kernels), then the rounds. The order inside a round rotates, so no
    contender always runs right after the same other one. ``clock`` is a key
    of ``CLOCKS``: wall time (the default) or CPU time.
    """
    timer = CLOCKS[clock]
    workload.clock = clock
    contenders = workload.contenders
    if not contenders:
        return
    if warmup:
        for c in contenders:
            c.prepare()()
    n = len(contenders)
    for r in range(rounds):
        for i in range(n):
            c = contenders[(i + r) % n]
            fn = c.prepare()
            c.times.append(time_once(fn, timer))
        log(f"    round {r + 1}/{rounds}: " + "  ".join(
            f"{c.name} {c.times[-1]:.4g}s" for c in contenders))


# ----------------------------------------------------------------- reporting
def format_seconds(t: float) -> str:
    """A time with a unit that keeps three significant digits."""
    if t >= 1.0:
        return f"{t:.3g} s"
    if t >= 1e-3:
        return f"{t * 1e3:.3g} ms"
    if t >= 1e-6:
        return f"{t * 1e6:.3g} us"
    return f"{t * 1e9:.3g} ns"


def format_target(result: Dict[str, object]) -> str:
    value = result["value"]
    unit = result["unit"]
    if value is None:
        shown = "n/a (skipped)"
        verdict = "SKIPPED"
    else:
        if unit == "s":
            shown = format_seconds(value)
            want = format_seconds(result["threshold"])
        elif unit == "MiB":
            shown, want = f"{value:.1f} MiB", f"{result['threshold']:g} MiB"
        elif unit == "bool":
            shown, want = ("yes" if value else "no"), "yes"
        else:
            shown, want = f"{value:.2f}x", f"{result['threshold']:g}x"
        verdict = "met" if result["met"] else "MISSED"
        shown = f"{shown} (target {result['op']} {want})" if unit != "bool" else f"{shown}"
    return f"{verdict:>7}  {result['label']}: {shown}"


def workload_report(workload: Workload) -> List[str]:
    """Lines of text describing one workload's results."""
    lines = [f"== {workload.title}"]
    for note in workload.notes:
        lines.append(f"   note: {note}")
    if workload.error:
        lines.append(f"   ERROR: {workload.error}")
    for name, reason in workload.skipped.items():
        lines.append(f"   skipped {name}: {reason}")
    for check in workload.checks:
        verdict = "ok" if check.ok else "FAILED"
        lines.append(f"   check {verdict}: {check.label}: {check.value:.3g} (tolerance {check.tol:g})")
    if not workload.trusted:
        lines.append("   WARNING: the implementations disagree; the times below are NOT comparable")
    timed = [c for c in workload.contenders if c.times]
    if timed:
        head = (f"   {'contender':<40}{'per ' + workload.unit:>12}{'min':>11}{'median':>11}"
                f"{'max':>11}{'ratio' if workload.reference else '':>9}")
        lines.append(head)
        for c in timed:
            s = c.stats()
            ratio = ""
            if workload.reference and c.name != workload.reference:
                try:
                    ratio = f"{workload.ratio(c.name):.2f}x"
                except (KeyError, statistics.StatisticsError):
                    ratio = ""
            lines.append(
                f"   {c.name:<40}{format_seconds(s['median'] / c.units):>12}"
                f"{format_seconds(s['min']):>11}{format_seconds(s['median']):>11}"
                f"{format_seconds(s['max']):>11}{ratio:>9}")
        rounds = len(timed[0].times)
        if workload.reference and len(timed) > 1:
            stat = workload.statistic
            lines.append(f"   ({rounds} interleaved rounds, {workload.clock} clock; ratio = {stat} "
                         f"time / {stat} time of '{workload.reference}')")
        else:
            lines.append(f"   ({rounds} rounds, {workload.clock} clock; min / median / max of the "
                         "whole run)")
    for key, value in workload.extra.items():
        lines.append(f"   {key}: {value}")
    for target in workload.targets:
        lines.append("   " + format_target(target.evaluate(workload)))
    return lines


def workload_json(workload: Workload) -> Dict[str, object]:
    return {
        "key": workload.key,
        "title": workload.title,
        "unit": workload.unit,
        "clock": workload.clock,
        "statistic": workload.statistic,
        "reference": workload.reference,
        "trusted": workload.trusted,
        "error": workload.error,
        "notes": workload.notes,
        "skipped": workload.skipped,
        "checks": [{"label": c.label, "value": c.value, "tol": c.tol, "ok": c.ok}
                   for c in workload.checks],
        "contenders": [
            {"name": c.name, "library": c.library, "units": c.units, "times": c.times,
             **({k: v for k, v in c.stats().items()} if c.times else {}),
             **({"per_unit_median": c.stats()["median"] / c.units} if c.times else {})}
            for c in workload.contenders],
        "targets": [t.evaluate(workload) for t in workload.targets],
        "extra": {k: (v if isinstance(v, (int, float, str, bool, type(None))) else str(v))
                  for k, v in workload.extra.items()},
    }
