"""The standalone benchmark scripts of issues 12 and 13 keep working.

Each runs on its ``--quick`` sizes in a subprocess. No time is asserted (a
unit test cannot know how loaded the machine is); what is asserted is that the
script finishes and that its agreement checks hold: the CNN step of every
contender equals mininn's, and mininn's certified optimum equals the MILP
solver's where scipy is installed.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "benchmarks"


def run(script: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / script), "--quick"], capture_output=True,
                          text=True, timeout=300)


def test_conv_step_agrees_with_every_contender():
    result = run("conv_step.py")
    assert result.returncode == 0, result.stderr
    agreements = [line for line in result.stdout.splitlines() if line.startswith("agreement")]
    assert len(agreements) >= 2                        # numpy im2col and the loop version at least
    assert all(" ok " in line for line in agreements)
    assert "target loops / pytorch" in result.stdout or "loops" in result.stdout


def test_exact_vs_milp_certifies_and_agrees():
    result = run("exact_vs_milp.py")
    assert result.returncode == 0, result.stderr
    table = result.stdout.strip().split("\n\n")[-1].splitlines()
    header, rows = table[0].split(), [line.split() for line in table[1:]]
    assert header[:3] == ["cell", "mininn", "s"] and len(rows) == 3
    for row in rows:
        certified = row[header.index("cert") - 1]     # "3/3" ("mininn s" is two header words)
        assert certified == "3/3", row
        assert "NO" not in row and "DISAGREE" not in " ".join(row)


def test_a_met_cell_says_how_far_highs_got():
    """A cell certified within its limit where HiGHS has no proof reports the
    gap HiGHS left on each net (the issue asks how far it gets)."""
    sys.path.insert(0, str(ROOT))
    try:
        from exact_vs_milp import Cell, verdict
    finally:
        sys.path.remove(str(ROOT))
    cell = Cell(40, 64, "xavier", "relu", 60.0, "limit")
    rows = [dict(certified=True, seconds=t, agree=None, milp_proved=p, milp_gap=g)
            for t, p, g in [(1.0, False, 3.9), (16.0, False, 3.31), (1.2, True, 0.0)]]
    text = verdict({"cell": cell, "rows": rows})
    assert text == "met (HiGHS proved 1/3 in 60 s: gap 3.9, gap 3.3, proved)"
    rows[0]["certified"], rows[0]["gap"] = False, 0.5
    assert verdict({"cell": cell, "rows": rows}).startswith("MISSED (2/3 certified in 60 s")
