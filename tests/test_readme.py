"""The README's promises: its two commands and its example are what we test."""
from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
CI = Path(__file__).resolve().parents[1] / ".ci" / "run"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second():
    text = README.read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, re.S).group(1).strip().splitlines()
    assert first_block == [
        'python -m pip install -e . && python -m mininn demo',
        'python -m pip install -e ".[test]" && python -m pytest',
    ]
    assert text.index("```bash") < text.index("\n## ")          # before any section
    assert first_block[1] in CI.read_text()


def test_readme_python_example_runs(capsys):
    text = README.read_text()
    example = re.search(r"## A short example\n\n```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(example, "README example", "exec"), namespace)
    best = namespace["best"]
    assert abs(best.x[0]) < 0.05 and abs(best.x[1] - 1) < 0.05
    assert namespace["G"].shape == (4, 2) and namespace["J"].shape == (4, 1, 2)
    assert namespace["report"].passed


def test_readme_has_no_unfilled_placeholder():
    # a line that is one upper-case word (such as PERF_TABLE) is a template
    # slot nobody filled in, not text for a reader
    lines = [line for line in README.read_text().splitlines()
             if re.fullmatch(r"[A-Z][A-Z0-9_]{3,}", line.strip())]
    assert lines == []
