"""The notebooks: in step with their sources, run top to bottom, grade honestly.

Discovery, not lists: every ``notebooks/src/*.py`` is a notebook source
(jupytext percent format) paired with an ``.ipynb``; a source with nbgrader
solution cells is an exercise, any other a tutorial. Each exercise's typical
wrong answers live next to its source in ``NAME.mistakes.md``. Adding a
notebook, an exercise or a mistake needs no edit here.

* Pairs: both files of each pair hold the same inputs, no ``.ipynb`` has
  outputs, student notebooks are what ``notebooks/build.py`` generates, and no
  orphan ``.ipynb`` lies around (``build.problems`` names each with its fix).
  The build itself is exercised on a copy: an edit in either file of a pair
  survives, a hand-edited student notebook is never overwritten.
* Tutorials run in a fresh kernel (working directory: a temporary folder,
  backend Agg); their ``check`` cells assert what they compute; a figure audit
  runs after the last cell, and no cell shows a stray matplotlib repr.
* Exercises run blank (every grading cell FAILs: "not implemented yet"), with
  each wrong answer (some grading cell FAILs) and solved (every cell PASSes).
  A FAIL is printed once and raises ``GradingFailure``, never a traceback.
* nbgrader for real (``generate_assignment``, ``autograde``) on a temporary
  course: blank and wrong submissions score below full marks, solutions full.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
jupytext = pytest.importorskip("jupytext")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from nbclient import NotebookClient  # noqa: E402

from mininn.grading import GradingFailure, grade  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"


def _load_build():
    spec = importlib.util.spec_from_file_location("_notebook_build", NB_DIR / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()
SOURCES = build.sources()
_IS_EXERCISE = {src: build.is_exercise(jupytext.read(src)) for src in SOURCES}
TUTORIALS = [src for src in SOURCES if not _IS_EXERCISE[src]]
EXERCISES = [src for src in SOURCES if _IS_EXERCISE[src]]

CELL_TIMEOUT = 120          # a hang fails the test instead of blocking the suite

# Runs in the notebook's kernel after its last cell.
FIGURE_AUDIT = r'''
import matplotlib.pyplot as _plt


def _same_colours(a, b):
    return (a.get_cmap().name == b.get_cmap().name
            and (a.norm.vmin, a.norm.vmax) == (b.norm.vmin, b.norm.vmax))


def _figure_problems():
    problems = []
    for num in _plt.get_fignums():
        fig = _plt.figure(num)
        bars = [a._colorbar for a in fig.axes if getattr(a, "_colorbar", None) is not None]
        sup = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
        supx = fig._supxlabel.get_text() if getattr(fig, "_supxlabel", None) else ""
        supy = fig._supylabel.get_text() if getattr(fig, "_supylabel", None) else ""
        for i, ax in enumerate(a for a in fig.axes if a.get_label() != "<colorbar>"):
            where = f"figure {num}, axes {i} ({ax.get_title()!r})"
            if not (sup or ax.get_title() or ax.get_title("left")):
                problems.append(f"{where}: no title")
            if ax.images:
                # An image needs a colour bar (its own or one shared with the same colours
                # and range), not axis labels on invisible ticks.
                if not all(any(_same_colours(im, bar.mappable) for bar in bars)
                           for im in ax.images):
                    problems.append(f"{where}: an image without a colour bar")
                if (ax.get_xlabel() or ax.get_ylabel() or supx or supy) and not (
                        len(ax.get_xticks()) and len(ax.get_yticks())):
                    problems.append(f"{where}: axis labels on an image without ticks")
                continue
            if not (ax.get_xlabel() or supx) or not (ax.get_ylabel() or supy):
                problems.append(f"{where}: an axis has no label")
            if len(ax.lines) >= 2 and ax.get_legend() is None and not fig.legends:
                problems.append(f"{where}: {len(ax.lines)} lines but no legend")
    return problems


_problems = _figure_problems()
print(f"figure audit: {len(_plt.get_fignums())} figures checked")
assert not _problems, "figures without title/labels/legend/colour bar:\n" + "\n".join(_problems)
'''

# What a forgotten `;` or `_ =` shows below a plotting call.
STRAY_REPR = re.compile(r"^\[?\(?<(matplotlib|mpl_toolkits|Axes|Figure)|^\[?Text\(|"
                        r"<matplotlib\.[\w.]+ (object )?at 0x", re.M)


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def _errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def _kernel_env() -> dict:
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    # The kernel imports this checkout's mininn, whatever is installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_notebook(nb, workdir: Path, allow_errors: bool = False):
    """Execute ``nb`` (in place) in a fresh kernel; return it."""
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            allow_errors=allow_errors,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute(env=_kernel_env())
    return nb


def read(path: Path):
    return nbformat.read(str(path), as_version=4)


def mistakes(source: Path) -> dict:
    """``{title: code}`` from the ``NAME.mistakes.md`` next to an exercise's source."""
    path = source.with_name(source.stem + ".mistakes.md")
    if not path.exists():
        return {}
    found = {}
    for section in re.split(r"^## ", path.read_text(encoding="utf-8"), flags=re.M)[1:]:
        title = section.split("\n", 1)[0].strip()
        code = re.search(r"```python\n(.*?)```", section, flags=re.S)
        assert code, f"{path.name}, '{title}': no ```python block"
        found[title] = code.group(1)
    return found


def _id(path: Path) -> str:
    return path.stem


@pytest.fixture(scope="module")
def untouched_notebooks_folder():
    """Running the notebooks writes nothing into notebooks/."""
    def tree():
        return {p.relative_to(NB_DIR).as_posix() for p in NB_DIR.rglob("*")
                if "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}
    before = tree()
    yield
    assert tree() == before, "running the notebooks wrote files into notebooks/"


# ------------------------------------------------------------ the files
def test_there_are_tutorials_and_exercises():
    assert len(TUTORIALS) >= 5 and len(EXERCISES) >= 4
    assert not (NB_DIR / "_build.py").exists()


def test_every_notebook_is_in_step_with_its_source():
    found = build.problems()
    assert not found, "\n\n".join(found)


@pytest.mark.parametrize("source", SOURCES, ids=_id)
def test_source_is_a_paired_percent_script(source):
    text = source.read_text(encoding="utf-8")
    assert "\n# %%" in text and "format_name: percent" in text
    ipynb = build.paired_ipynb(source)
    assert ipynb.exists()
    nb = read(ipynb)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    if _IS_EXERCISE[source]:
        assert ipynb.parent == NB_DIR / "exercises" / "solutions"
        assert build.student_path(ipynb).exists()
    else:
        assert ipynb.parent == NB_DIR


@pytest.mark.parametrize("source", TUTORIALS, ids=_id)
def test_tutorial_checks_what_it_computes(source):
    nb = jupytext.read(source)
    checks = [c for c in nb.cells if "check" in _tags(c)]
    assert len(checks) >= 3
    assert all("assert" in c.source for c in checks)
    assert any(c.cell_type == "markdown" and "$" in c.source for c in nb.cells)   # LaTeX math


@pytest.mark.parametrize("source", EXERCISES, ids=_id)
def test_exercise_uses_nbgrader_cells_and_the_grading_module(source):
    nb = jupytext.read(source)
    answers = build.solution_cells(nb)
    checks = build.grading_cells(nb)
    assert answers and all(build.BEGIN in c.source and build.END in c.source for c in answers)
    assert len(checks) >= 2
    ids = [c.metadata["nbgrader"]["grade_id"] for c in answers + checks]
    assert len(set(ids)) == len(ids)
    for cell in checks:
        meta = cell.metadata["nbgrader"]
        assert meta["locked"] and meta["points"] > 0 and not meta["solution"]
        assert "grade(" in cell.source
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "from mininn.grading import grade" in code and "def grade(" not in code
    assert len(mistakes(source)) >= 2, f"{source.stem}.mistakes.md: list the typical mistakes"


@pytest.mark.parametrize("source", EXERCISES, ids=_id)
def test_student_notebook_has_stubs_where_the_solution_was(source):
    solution = read(build.paired_ipynb(source))
    student = read(build.student_path(build.paired_ipynb(source)))
    assert len(student.cells) == len(solution.cells)
    for sol, stu in zip(solution.cells, student.cells):
        if sol.metadata.get("nbgrader", {}).get("solution"):
            assert "raise NotImplementedError()" in stu.source
            assert "SOLUTION" not in stu.source
            region = sol.source.split(build.BEGIN)[1].split(build.END)[0]
            for line in region.strip().split("\n"):
                assert line.strip() not in stu.source
        else:
            assert stu.source == sol.source


# ------------------------------------------------- the build keeps edits
@pytest.fixture
def copy_of_notebooks(tmp_path):
    shutil.copytree(NB_DIR, tmp_path / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return tmp_path / "notebooks"


def _age(path: Path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_an_edit_in_the_ipynb_survives_the_build(copy_of_notebooks):
    root = copy_of_notebooks
    source = sorted((root / "src").glob("*.py"))[0]
    ipynb = build.paired_ipynb(source)
    nb = read(ipynb)
    nb.cells[0].source += "\n\nAn instructor's sentence, typed in Jupyter."
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="an output\n")]
    code.execution_count = 1
    nbformat.write(nb, str(ipynb))
    _age(source, 60)
    found = build.problems(root)
    assert any(f"jupytext --sync {os.path.relpath(source, root.parent)}" in p and
               f"newer file, {os.path.relpath(ipynb, root.parent)}" in p for p in found), found
    build.build(root)
    assert "An instructor's sentence, typed in Jupyter." in source.read_text(encoding="utf-8")
    assert "typed in Jupyter" in read(ipynb).cells[0].source
    assert all(c.outputs == [] for c in read(ipynb).cells if c.cell_type == "code")
    assert build.problems(root) == []


def test_outputs_are_named_and_stripped_without_touching_inputs(copy_of_notebooks):
    root = copy_of_notebooks
    source = sorted((root / "src").glob("*.py"))[0]
    ipynb = build.paired_ipynb(source)
    nb = read(ipynb)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="an output\n")]
    nbformat.write(nb, str(ipynb))
    text = source.read_text(encoding="utf-8")
    assert any("has outputs" in p and "python notebooks/build.py" in p
               for p in build.problems(root))
    build.build(root)
    assert source.read_text(encoding="utf-8") == text
    assert build.problems(root) == []


def test_an_edit_in_the_source_survives_the_build(copy_of_notebooks):
    root = copy_of_notebooks
    source = sorted((root / "src").glob("ex*.py"))[0]
    ipynb = build.paired_ipynb(source)
    _age(ipynb, 60)
    source.write_text(source.read_text(encoding="utf-8").replace(
        "# %% [markdown]\n", "# %% [markdown]\n# A new first line.\n#\n", 1), encoding="utf-8")
    assert any("newer file, " + os.path.relpath(source, root.parent) in p
               for p in build.problems(root))
    build.build(root)
    assert "A new first line." in read(ipynb).cells[0].source
    assert "A new first line." in read(build.student_path(ipynb)).cells[0].source
    assert build.problems(root) == []


def test_a_hand_edited_student_notebook_is_never_overwritten(copy_of_notebooks):
    root = copy_of_notebooks
    source = sorted((root / "src").glob("ex*.py"))[0]
    student = build.student_path(build.paired_ipynb(source))
    nb = read(student)
    nb.cells[0].source += "\nedited by hand"
    nbformat.write(nb, str(student))
    assert any("edited by hand" in p for p in build.problems(root))
    done, refused = build.build(root)
    assert refused and "edited by hand" in read(student).cells[0].source


def test_orphans_are_deleted_when_generated_and_named_otherwise(copy_of_notebooks):
    root = copy_of_notebooks
    source = sorted((root / "src").glob("ex*.py"))[0]
    solution = build.paired_ipynb(source)
    student = build.student_path(solution)
    source.unlink()
    stray = root / "06_new.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), str(stray))
    found = build.problems(root)
    assert any(os.path.relpath(student, root.parent) in p and "deletes it" in p for p in found)
    assert any(os.path.relpath(solution, root.parent) in p and "no source" in p for p in found)
    assert any("06_new.ipynb" in p and "jupytext --set-formats" in p for p in found)
    build.build(root)
    assert not student.exists() and solution.exists() and stray.exists()


def test_adding_the_readmes_example_exercise_needs_one_source_file(copy_of_notebooks):
    root = copy_of_notebooks
    readme = (NB_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Add an exercise", 1)[1]
    example = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    header = ("# ---\n# jupyter:\n#   jupytext:\n"
              "#     formats: exercises/solutions//ipynb,src//py:percent\n# ---\n\n")
    (root / "src" / "ex9_example.py").write_text(header + example, encoding="utf-8")
    (root / "src" / "ex9_example.mistakes.md").write_text(
        "## wrong sign\n\n```python\nreturn -da * self.a * (1.0 - self.a)\n```\n")
    assert any("ex9_example" in p for p in build.problems(root))
    build.build(root)
    assert build.problems(root) == []
    student = read(root / "exercises" / "ex9_example.ipynb")
    (answer,) = build.solution_cells(student)
    assert "raise NotImplementedError()" in answer.source and "SOLUTION" not in answer.source
    assert len(build.grading_cells(student)) == 1


# ------------------------------------------------------- the grading helper
def test_grade_prints_pass_once(capsys):
    grade("a check", lambda: (True, "all good"))
    assert capsys.readouterr().out == "PASS  a check\nall good\n"


def test_grade_prints_a_fail_once_and_raises_grading_failure(capsys):
    with pytest.raises(GradingFailure) as info:
        grade("a check", lambda: (False, "the report"))
    out = capsys.readouterr().out
    assert out.count("FAIL") == 1 and out.count("the report") == 1
    assert "the report" not in str(info.value)
    assert isinstance(info.value, AssertionError)
    assert len(info.value._render_traceback_()) == 1


def test_not_implemented_is_a_fail(capsys):
    def blank():
        raise NotImplementedError()
    with pytest.raises(GradingFailure):
        grade("blank", blank)
    assert "not implemented yet" in capsys.readouterr().out


def test_grade_rejects_a_check_that_returns_nothing_useful():
    with pytest.raises(TypeError, match="check"):
        grade("odd", lambda: 3.0)


# ----------------------------------------------------------- running them
@pytest.mark.parametrize("source", TUTORIALS, ids=_id)
def test_tutorial_runs_top_to_bottom(source, tmp_path, untouched_notebooks_folder):
    nb = read(build.paired_ipynb(source))
    nb.cells.append(nbformat.v4.new_code_cell(FIGURE_AUDIT))
    run_notebook(nb, tmp_path)
    assert "figure audit" in _stdout(nb.cells[-1])
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/plain", "")
            assert not STRAY_REPR.search(text), f"stray repr {text!r} below:\n{cell.source}"


def _variants(source: Path) -> dict:
    """``{name: notebook}``: the exercise blank, with each mistake, and solved."""
    solution = read(build.paired_ipynb(source))
    variants = {"blank": read(build.student_path(build.paired_ipynb(source)))}
    for title, code in mistakes(source).items():
        nb = read(build.paired_ipynb(source))
        answer = build.solution_cells(nb)[0]
        answer.source = build.replace_solution(answer.source, code)
        variants[f"mistake: {title}"] = nb
    variants["solved"] = solution
    return variants


def _run_variants(source: Path, workdir: Path) -> dict:
    """Run every variant in one kernel, one after the other (each from its first cell)."""
    variants = _variants(source)
    combined = nbformat.v4.new_notebook(metadata=variants["solved"].metadata)
    spans = {}
    for name, nb in variants.items():
        start = len(combined.cells)
        combined.cells.extend(c for c in nb.cells if c.cell_type == "code")
        spans[name] = (start, len(combined.cells))
    run_notebook(combined, workdir, allow_errors=True)
    return {name: combined.cells[a:b] for name, (a, b) in spans.items()}


def _grading(cells) -> list:
    return [c for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")]


def _assert_is_a_clean_fail(cell):
    """FAIL printed once, stopped by GradingFailure, no traceback through mininn."""
    out = _stdout(cell)
    lines = out.split("\n")
    assert lines[0].startswith("FAIL  "), out
    assert all(out.count(line) == 1 for line in lines[:2]), f"printed twice:\n{out}"
    (error,) = _errors(cell)
    assert error["ename"] == "GradingFailure", error
    assert "\n" not in error["evalue"]
    assert len(error["traceback"]) == 1 and "mininn/" not in error["traceback"][0]


@pytest.mark.parametrize("source", EXERCISES, ids=_id)
def test_exercise_blank_wrong_and_solved(source, tmp_path, untouched_notebooks_folder):
    results = _run_variants(source, tmp_path)
    for name, cells in results.items():
        others = [c for c in cells if c not in _grading(cells)]
        for cell in others:
            assert not _errors(cell), f"{name}: a cell that is not graded raised:\n{cell.source}"
        checks = _grading(cells)
        if name == "solved":
            for cell in checks:
                assert _stdout(cell).startswith("PASS") and not _errors(cell), _stdout(cell)
        elif name == "blank":
            for cell in checks:
                _assert_is_a_clean_fail(cell)
                assert "not implemented yet" in _stdout(cell)
        else:
            failed = [c for c in checks if _errors(c)]
            assert failed, f"{source.stem}, {name}: no grading cell caught it"
            for cell in failed:
                _assert_is_a_clean_fail(cell)
                out = _stdout(cell)
                if "your code raised" in out:          # a crash: the student's line is quoted
                    line = re.search(r"line \d+: (.*)", out).group(1)
                    assert line.strip() in mistakes(source)[name.split(": ", 1)[1]]


# ------------------------------------------------------ nbgrader, for real
# nbgrader's own gradebook code warns about its SQLAlchemy session; not ours to fix.
@pytest.mark.filterwarnings("ignore:Object of type:Warning")
def test_nbgrader_generates_and_autogrades_the_exercises(tmp_path, monkeypatch):
    pytest.importorskip("nbgrader")
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    # nbgrader's kernels inherit this process's environment.
    for key, value in _kernel_env().items():
        monkeypatch.setenv(key, value)
    course, assignment = tmp_path / "course", "mininn"
    db_url = f"sqlite:///{course / 'gradebook.db'}"
    (course / "source" / assignment).mkdir(parents=True)
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.course_id = "mininn"
    config.CourseDirectory.db_url = db_url
    config.ExecutePreprocessor.timeout = CELL_TIMEOUT
    api = NbGraderAPI(config=config)

    sources = {s.stem: s for s in EXERCISES}
    for stem, source in sources.items():
        shutil.copy(build.paired_ipynb(source), course / "source" / assignment / f"{stem}.ipynb")
    done = api.generate_assignment(assignment)
    assert done["success"], done["log"] + done.get("error", "")

    release = course / "release" / assignment
    students = ("blank", "wrong", "solved")
    for stem, source in sources.items():
        # The committed student notebook is what nbgrader releases.
        ours = read(build.student_path(build.paired_ipynb(source)))
        assert [c.source for c in ours.cells] == [c.source for c in read(release / f"{stem}.ipynb").cells]
        wrong = read(release / f"{stem}.ipynb")
        solved_answer = build.solution_cells(read(build.paired_ipynb(source)))[0].source
        build.solution_cells(wrong)[0].source = build.replace_solution(
            solved_answer, next(iter(mistakes(source).values())))
        submissions = {"blank": read(release / f"{stem}.ipynb"), "wrong": wrong,
                       "solved": read(course / "source" / assignment / f"{stem}.ipynb")}
        for student, nb in submissions.items():
            folder = course / "submitted" / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(folder / f"{stem}.ipynb"))
    for student in students:
        done = api.autograde(assignment, student)
        assert done["success"], done["log"] + done.get("error", "")

    with Gradebook(db_url) as gb:
        for stem in sources:
            full = gb.find_notebook(stem, assignment).max_score
            scores = {s: gb.find_submission_notebook(stem, assignment, s).score for s in students}
            assert full > 0
            assert scores["solved"] == full, (stem, scores)
            assert scores["blank"] < full and scores["wrong"] < full, (stem, scores)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
