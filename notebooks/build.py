"""Keep the notebooks in step with their sources; write the student notebooks.

    python notebooks/build.py            # sync every pair, strip outputs, write student notebooks
    python notebooks/build.py --check    # change nothing; list what is out of step and the fix

Every notebook has one source, ``notebooks/src/NAME.py`` (jupytext percent
format), *paired* with its ``.ipynb``: tutorials with ``notebooks/NAME.ipynb``,
exercises with ``notebooks/exercises/solutions/NAME.ipynb`` (the instructor's
notebook, with nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION``
markers and cell metadata). Edit either file of a pair: syncing copies the
inputs of the *newer* file into the older one (``jupytext --sync``
semantics), so an edit made in Jupyter is never overwritten by the script.

For an exercise, the student notebook ``notebooks/exercises/NAME.ipynb`` is
generated from the solution notebook the way nbgrader's
``generate_assignment`` does it: each solution region becomes
``# YOUR CODE HERE`` / ``raise NotImplementedError()``. It records a hash of
what it wrote; a student notebook edited by hand is reported, never
overwritten. A student notebook whose source is gone is deleted (if
unedited); any other ``.ipynb`` without a source is reported, never deleted.

The committed ``.ipynb`` files carry no outputs; ``build`` strips them.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import jupytext
import nbformat
from jupytext.compare import NotebookDifference, compare_notebooks
from jupytext.paired_paths import paired_paths

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
FMT = "py:percent"
# nbgrader's defaults (ClearSolutions.code_stub and the delimiters).
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
GENERATED = "mininn_generated"          # notebook metadata key of a student notebook


# ------------------------------------------------------------------ the pairs
def sources(root: Path = HERE) -> List[Path]:
    """Every notebook source, ``root/src/*.py``, sorted."""
    return sorted((Path(root) / "src").glob("*.py"))


def paired_ipynb(source: Path) -> Path:
    """The ``.ipynb`` paired with a source, from its jupytext ``formats`` metadata."""
    formats = jupytext.read(source).metadata.get("jupytext", {}).get("formats")
    if not formats:
        raise ValueError(f"{source}: no jupytext 'formats' in its header, so it has no pair")
    for path, fmt in paired_paths(str(source), FMT, formats):
        if fmt.get("extension") == ".ipynb":
            return Path(path)
    raise ValueError(f"{source}: its formats {formats!r} name no .ipynb")


def solution_cells(nb) -> List:
    """The cells nbgrader treats as the student's (``nbgrader.solution`` true)."""
    return [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")]


def grading_cells(nb) -> List:
    """The locked grading cells (``nbgrader.grade`` true, code)."""
    return [c for c in nb.cells if c.cell_type == "code"
            and c.get("metadata", {}).get("nbgrader", {}).get("grade")]


def is_exercise(nb) -> bool:
    return bool(solution_cells(nb))


def student_path(solution: Path) -> Path:
    """``exercises/solutions/NAME.ipynb`` -> ``exercises/NAME.ipynb``."""
    if solution.parent.name != "solutions":
        raise ValueError(f"{solution}: an exercise's notebook must live in a 'solutions' folder")
    return solution.parent.parent / solution.name


def _rel(path: Path, root: Path = HERE) -> str:
    return os.path.relpath(path, Path(root).parent)


# --------------------------------------------------------- student notebooks
def clear_solution(source: str) -> str:
    """Replace each marked solution region by nbgrader's stub, at the marker's indentation."""
    if BEGIN not in source:
        return CODE_STUB
    out: List[str] = []
    inside = False
    for line in source.split("\n"):
        if line.strip() == BEGIN:
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + stub for stub in CODE_STUB.split("\n"))
        elif line.strip() == END:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN!r} without {END!r}")
    return "\n".join(out)


def replace_solution(source: str, replacement: str) -> str:
    """Put ``replacement`` (dedented code) in place of the marked region, at its indentation."""
    match = re.search(rf"^([ \t]*){re.escape(BEGIN)}\n.*?^[ \t]*{re.escape(END)}[ \t]*$",
                      source, flags=re.S | re.M)
    if match is None:
        return replacement
    indent = match.group(1)
    body = "\n".join(indent + line if line.strip() else line
                     for line in replacement.strip("\n").split("\n"))
    return source[: match.start()] + body + source[match.end():]


def strip_outputs(nb) -> bool:
    """Remove outputs and execution counts in place; True if anything changed."""
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs, cell.execution_count = [], None
            changed = True
        for key in ("execution", "ExecuteTime"):
            if key in cell.metadata:
                del cell.metadata[key]
                changed = True
    return changed


def _cells_hash(nb) -> str:
    cells = [{"cell_type": c.cell_type, "source": c.source, "metadata": c.metadata}
             for c in nb.cells]
    return hashlib.sha256(json.dumps(cells, sort_keys=True).encode()).hexdigest()[:16]


def student_notebook(solution_nb, source: Path, root: Path = HERE):
    """The student's version of an exercise notebook (new object; outputs stripped)."""
    nb = copy.deepcopy(solution_nb)
    strip_outputs(nb)
    nb.metadata.pop("jupytext", None)            # generated, not paired
    for cell in solution_cells(nb):
        if cell.cell_type == "code":
            cell.source = clear_solution(cell.source)
    nb.metadata[GENERATED] = {"source": os.path.relpath(source, root).replace(os.sep, "/"),
                              "cells_sha256": _cells_hash(nb)}
    return nb


def edited_by_hand(nb) -> bool:
    """A generated notebook whose cells no longer match the hash it was written with."""
    info = nb.metadata.get(GENERATED, {})
    return bool(info) and info.get("cells_sha256") != _cells_hash(nb)


def _read(path: Path):
    return nbformat.read(str(path), as_version=4)


def _write(nb, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


# ------------------------------------------------------------------ checking
def _difference(source: Path, ipynb: Path) -> Optional[str]:
    """None if the two files of a pair hold the same inputs, else jupytext's diff."""
    try:
        compare_notebooks(_read(ipynb), jupytext.read(source), fmt=FMT)
    except NotebookDifference as diff:
        return str(diff)
    return None


def problems(root: Path = HERE) -> List[str]:
    """What is out of step under ``root``, each with the command that fixes it."""
    root = Path(root)
    found: List[str] = []
    build_cmd = f"python {_rel(root / 'build.py', root)}"
    expected: Dict[Path, str] = {}
    for source in sources(root):
        src, ipynb = _rel(source, root), paired_ipynb(source)
        expected[ipynb] = "pair"
        if not ipynb.exists():
            found.append(f"{_rel(ipynb, root)} is missing: run `jupytext --sync {src}` "
                         f"(or `{build_cmd}`)")
            continue
        diff = _difference(source, ipynb)
        if diff is not None:
            newer, older = ((ipynb, source) if ipynb.stat().st_mtime > source.stat().st_mtime
                            else (source, ipynb))
            found.append(
                f"{src} and {_rel(ipynb, root)} differ. Run `jupytext --sync {src}` (or "
                f"`{build_cmd}`, which also strips outputs): it copies the inputs of the newer "
                f"file, {_rel(newer, root)}, into {_rel(older, root)}. If you edited both, copy "
                f"your edit of {_rel(older, root)} into {_rel(newer, root)} first.\n{diff}")
            continue
        nb = _read(ipynb)
        if any(c.cell_type == "code" and (c.outputs or c.execution_count is not None)
               for c in nb.cells):
            found.append(f"{_rel(ipynb, root)} has outputs: run `{build_cmd}` "
                         "(it strips them and changes no input)")
        if is_exercise(nb):
            path = student_path(ipynb)
            expected[path] = "student"
            wanted = student_notebook(nb, source, root)
            if not path.exists():
                found.append(f"{_rel(path, root)} is missing: run `{build_cmd}`")
                continue
            have = _read(path)
            if edited_by_hand(have):
                found.append(f"{_rel(path, root)} was edited by hand, but it is generated from "
                             f"{src}: move the edit there (or into {_rel(ipynb, root)}), delete "
                             f"{_rel(path, root)}, and run `{build_cmd}`")
            elif have.cells != wanted.cells or have.metadata != wanted.metadata:
                found.append(f"{_rel(path, root)} is older than {src}: run `{build_cmd}`")
    for path in sorted(root.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts or path in expected:
            continue
        if _read(path).metadata.get(GENERATED):
            found.append(f"{_rel(path, root)} was generated from a source that is gone: "
                         f"`{build_cmd}` deletes it")
        else:
            found.append(f"{_rel(path, root)} has no source in {_rel(root / 'src', root)}/: pair "
                         f"it (`jupytext --set-formats ipynb,src//py:percent {_rel(path, root)}`) "
                         "or delete it")
    return found


# ------------------------------------------------------------------ building
def sync(source: Path) -> Path:
    """``jupytext --sync`` one pair (the newer file's inputs win), then strip outputs."""
    from jupytext.cli import jupytext as jupytext_cli

    jupytext_cli(["--sync", "--quiet", str(source)])
    ipynb = paired_ipynb(source)
    nb = _read(ipynb)
    if strip_outputs(nb):
        _write(nb, ipynb)
    # The text file stays the newer one, as after a plain `jupytext --sync` from it.
    os.utime(source)
    return ipynb


def build(root: Path = HERE) -> Tuple[List[str], List[str]]:
    """Sync every pair, write student notebooks; return (what was done, what was refused)."""
    root = Path(root)
    done: List[str] = []
    refused: List[str] = []
    keep = set()
    for source in sources(root):
        ipynb = sync(source)
        keep.add(ipynb)
        nb = _read(ipynb)
        if not is_exercise(nb):
            continue
        path = student_path(ipynb)
        keep.add(path)
        wanted = student_notebook(nb, source, root)
        if path.exists():
            have = _read(path)
            if edited_by_hand(have):
                refused.append(f"{_rel(path, root)} was edited by hand: not overwritten (move "
                               f"the edit into {_rel(source, root)}, then delete the file)")
                continue
            if have.cells == wanted.cells and have.metadata == wanted.metadata:
                continue
        _write(wanted, path)
        done.append(f"wrote {_rel(path, root)}")
    for path in sorted(root.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts or path in keep:
            continue
        nb = _read(path)
        if nb.metadata.get(GENERATED) and not edited_by_hand(nb):
            path.unlink()
            done.append(f"deleted {_rel(path, root)} (its source is gone)")
        else:
            refused.append(f"{_rel(path, root)} has no source: not touched")
    return done, refused


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if anything is out of step")
    args = parser.parse_args(argv)
    if args.check:
        found = problems()
        print("\n\n".join(found) if found else "notebooks are in step with their sources")
        return 1 if found else 0
    done, refused = build()
    for line in done:
        print(line)
    for line in refused:
        print("NOT DONE:", line)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
