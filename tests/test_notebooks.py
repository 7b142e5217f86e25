"""The notebooks run top to bottom; exercises fail when blank and pass when solved.

Every notebook in ``notebooks/`` is executed with nbclient in a fresh kernel
whose working directory is a temporary folder and whose matplotlib backend is
Agg. A cell that raises fails the test -- and the notebooks' own ``check``
cells assert what they compute, with stated tolerances. After the last cell a
figure audit runs in the same kernel: every figure must have a title, axis
labels and, where an axes holds several lines, a legend.

Exercises (``notebooks/exercises/``) are run three ways: as handed out (every
grading cell must FAIL, printing "FAIL" and raising AssertionError), with a
typical wrong answer in the student's cell (grading must FAIL too), and as
the solution (``notebooks/exercises/solutions/``: every grading cell prints
"PASS").

The committed notebooks carry no outputs and are exactly what
``notebooks/_build.py`` writes.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from nbclient import NotebookClient  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
EX_DIR = NB_DIR / "exercises"
SOL_DIR = EX_DIR / "solutions"

TUTORIALS = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
EXERCISES = sorted(EX_DIR.glob("*.ipynb"))

# A generous per-cell limit: a hang fails the test instead of blocking the suite.
CELL_TIMEOUT = 120

# Runs in the notebook's kernel after its last cell.
FIGURE_AUDIT = r'''
import matplotlib.pyplot as _plt


def _figure_problems():
    problems = []
    for num in _plt.get_fignums():
        fig = _plt.figure(num)
        sup = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
        supx = fig._supxlabel.get_text() if getattr(fig, "_supxlabel", None) else ""
        supy = fig._supylabel.get_text() if getattr(fig, "_supylabel", None) else ""
        for i, ax in enumerate(a for a in fig.axes if a.get_label() != "<colorbar>"):
            where = f"figure {num}, axes {i} ({ax.get_title()!r})"
            if not (sup or ax.get_title() or ax.get_title("left")):
                problems.append(f"{where}: no title")
            if not (ax.get_xlabel() or supx) or not (ax.get_ylabel() or supy):
                problems.append(f"{where}: an axis has no label")
            if len(ax.lines) >= 2 and ax.get_legend() is None and not fig.legends:
                problems.append(f"{where}: {len(ax.lines)} lines but no legend")
    return problems


_problems = _figure_problems()
print(f"figure audit: {len(_plt.get_fignums())} figures checked")
assert not _problems, "figures without title/labels/legend:\n" + "\n".join(_problems)
'''

# One typical mistake per exercise, put in place of the student's cell.
WRONG_ANSWERS = {
    "ex1_tanh_backward": '''
class MyTanh:
    def __init__(self):
        self.params, self.grads = {}, {}
    def forward(self, z):
        self.z = z
        self.a = np.tanh(z)
        return self.a
    def backward(self, da):
        return da * (1.0 - self.z ** 2)      # wrong: 1 - z^2 instead of 1 - tanh(z)^2
''',
    "ex2_dense_backward": '''
class MyDense:
    def __init__(self, n_in, n_out, seed=0):
        r = np.random.default_rng(seed)
        self.n_in, self.n_out = n_in, n_out
        self.params = {"W": r.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out)),
                       "b": r.normal(0.0, 0.1, size=n_out)}
        self.grads = {"W": np.zeros((n_in, n_out)), "b": np.zeros(n_out)}
    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]
    def backward(self, dy):
        self.grads["W"] = self.x.T @ dy
        self.grads["b"] = dy.mean(axis=0)    # wrong: mean instead of sum over the batch
        return dy @ self.params["W"].T
''',
    "ex3_input_gradient": '''
def input_gradient(X, W1, b1, W2, b2):
    H = np.tanh(X @ W1 + b1)
    y = sigmoid(H @ W2 + b2)
    return (y * (1.0 - y)) @ W2.T @ W1.T     # wrong: forgets the tanh derivative
''',
    "ex4_projected_step": '''
def projected_step(net, x, lr, lo, hi):
    return x + lr * net.input_gradient(x, output=0)   # wrong: never projected
''',
}


def _load_build():
    spec = importlib.util.spec_from_file_location("_notebook_build", NB_DIR / "_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def _errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _tree(folder: Path) -> set:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}


def run_notebook(nb, workdir: Path, allow_errors: bool = False, audit: bool = True):
    """Execute ``nb`` (in place) in a fresh kernel; return it."""
    if audit:
        nb.cells.append(nbformat.v4.new_code_cell(FIGURE_AUDIT, metadata={"tags": ["audit"]}))
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    # The kernel imports this checkout's mininn, whatever is installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            allow_errors=allow_errors,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute(env=env)
    return nb


def read(path: Path):
    return nbformat.read(str(path), as_version=4)


@pytest.fixture(scope="module")
def repo_snapshot():
    """The notebooks folder before any notebook runs, compared after all of them."""
    before = _tree(NB_DIR)
    yield
    assert _tree(NB_DIR) == before, "running the notebooks wrote files into notebooks/"


# --------------------------------------------------------------- the files
def test_there_are_five_tutorials_and_at_least_three_exercises():
    names = [p.stem for p in TUTORIALS]
    assert names == ["01_forward_backward", "02_gradient_checking", "03_training",
                     "04_optimal_input", "05_digits"]
    assert len(EXERCISES) >= 3
    assert sorted(p.name for p in SOL_DIR.glob("*.ipynb")) == [p.name for p in EXERCISES]


def test_committed_notebooks_are_what_the_generator_writes():
    build = _load_build()
    assert build.stale(NB_DIR) == [], (
        "notebooks differ from notebooks/_build.py: run `python notebooks/_build.py`")
    generated = set(build.notebooks())
    on_disk = {p.relative_to(NB_DIR).as_posix() for p in NB_DIR.rglob("*.ipynb")
               if ".ipynb_checkpoints" not in p.parts}
    assert on_disk == generated


@pytest.mark.parametrize("path", TUTORIALS + EXERCISES + sorted(SOL_DIR.glob("*.ipynb")),
                         ids=lambda p: p.relative_to(NB_DIR).as_posix())
def test_committed_without_outputs(path):
    nb = read(path)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_checks_what_it_computes(path):
    nb = read(path)
    checks = [c for c in nb.cells if "check" in _tags(c)]
    assert len(checks) >= 3
    assert all("assert" in c.source for c in checks)
    assert any(c.cell_type == "markdown" and "$" in c.source for c in nb.cells)   # LaTeX math


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_exercise_and_solution_differ_only_in_the_student_cell(path):
    exercise, solution = read(path), read(SOL_DIR / path.name)
    assert len(exercise.cells) == len(solution.cells)
    student = 0
    for ex_cell, sol_cell in zip(exercise.cells, solution.cells):
        assert _tags(ex_cell) == _tags(sol_cell)
        if "student" in _tags(ex_cell):
            student += 1
            assert "# YOUR CODE HERE" in ex_cell.source
            assert "raise NotImplementedError" in ex_cell.source
            assert "NotImplementedError" not in sol_cell.source
        else:
            assert ex_cell.source == sol_cell.source
    assert student == 1
    checks = [c for c in exercise.cells if "check" in _tags(c)]
    assert len(checks) >= 2 and all("grade(" in c.source for c in checks)


# ----------------------------------------------------------- running them
@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_runs_top_to_bottom(path, tmp_path, repo_snapshot):
    nb = run_notebook(read(path), tmp_path)
    assert "figure audit" in _stdout(nb.cells[-1])


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_solution_passes_every_check(path, tmp_path, repo_snapshot):
    nb = run_notebook(read(SOL_DIR / path.name), tmp_path)
    checks = [c for c in nb.cells if "check" in _tags(c)]
    for cell in checks:
        out = _stdout(cell)
        assert out.startswith("PASS") and "FAIL" not in out, out


def _assert_checks_fail(nb):
    """Every grading cell printed FAIL and raised AssertionError; no other cell raised."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = _errors(cell)
        if "check" in _tags(cell):
            assert errors and errors[0]["ename"] == "AssertionError", cell.source
            assert _stdout(cell).startswith("FAIL"), _stdout(cell)
        else:
            assert not errors, f"a non-grading cell raised:\n{cell.source}\n{errors}"


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_blank_exercise_fails_its_checks(path, tmp_path, repo_snapshot):
    # Every cell is run (errors recorded, not raised) so that each grading cell
    # is seen to fail on its own. The first grading cell raising
    # AssertionError is what stops a student's top-to-bottom run.
    nb = run_notebook(read(path), tmp_path, allow_errors=True, audit=False)
    _assert_checks_fail(nb)
    first_error = next(c for c in nb.cells if c.cell_type == "code" and _errors(c))
    assert "check" in _tags(first_error)
    assert "not implemented yet" in _stdout(first_error)


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_wrong_answer_fails_its_checks(path, tmp_path, repo_snapshot):
    nb = read(path)
    student = [c for c in nb.cells if "student" in _tags(c)]
    assert len(student) == 1 and path.stem in WRONG_ANSWERS
    student[0].source = WRONG_ANSWERS[path.stem].strip("\n")
    nb = run_notebook(nb, tmp_path, allow_errors=True, audit=False)
    checks = [c for c in nb.cells if "check" in _tags(c)]
    failed = [c for c in checks if _errors(c)]
    # Some check catches the mistake (which one depends on the mistake: an
    # unprojected step, say, passes the interior-direction check).
    assert failed, "no grading cell caught the wrong answer"
    for cell in failed:
        assert _errors(cell)[0]["ename"] == "AssertionError"
        assert _stdout(cell).startswith("FAIL")
    assert not any(_errors(c) for c in nb.cells if "check" not in _tags(c))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
