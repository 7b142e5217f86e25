"""Write mininn's tutorial and exercise notebooks from the sources in this file.

    python notebooks/_build.py            # (re)write every .ipynb next to this file
    python notebooks/_build.py --check    # exit 1 if a committed .ipynb differs

The notebooks are committed *without outputs*; this script is their single
source, so a change is made here and the notebooks are regenerated (the test
suite checks that the committed files are exactly what this script writes).

Source format: each notebook is one string in which a line starting with
``%% `` opens a new cell::

    %% md                  a Markdown cell
    %% code                a code cell
    %% code check          a code cell tagged "check" (a grading cell)
    %% student             the student's cell of an exercise, as handed out
    %% solution            the same cell filled in (solutions only)

An exercise notebook contains every cell except ``%% solution`` ones; its
solution notebook puts each ``%% solution`` cell in place of the ``%% student``
cell just before it. Both cells carry the tag "student", so the pair differs
in exactly those cells.

Cell ids are derived from the notebook name and the cell position, so the
output is byte-for-byte reproducible.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import nbformat

HERE = Path(__file__).resolve().parent

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


# --------------------------------------------------------------------- parser
def _parse(source: str) -> List[Tuple[str, List[str], str]]:
    """Split a source string into (kind, tags, text) triples."""
    cells: List[Tuple[str, List[str], str]] = []
    kind, tags, lines = None, [], []
    for line in source.strip("\n").split("\n"):
        if line.startswith("%% "):
            if kind is not None:
                cells.append((kind, tags, "\n".join(lines).strip("\n")))
            words = line[3:].split()
            kind, tags, lines = words[0], words[1:], []
            if kind not in ("md", "code", "student", "solution"):
                raise ValueError(f"unknown cell kind {kind!r} in line {line!r}")
        else:
            lines.append(line)
    if kind is not None:
        cells.append((kind, tags, "\n".join(lines).strip("\n")))
    return cells


def _notebook(stem: str, source: str, solution: bool) -> nbformat.NotebookNode:
    """Build one notebook; ``solution`` swaps each student cell for its solution."""
    parsed = _parse(source)
    chosen: List[Tuple[str, List[str], str]] = []
    for kind, tags, text in parsed:
        if kind == "solution":
            if not chosen or chosen[-1][0] != "student":
                raise ValueError(f"{stem}: a 'solution' cell must follow a 'student' cell")
            if solution:
                chosen[-1] = ("solution", tags, text)
            continue
        chosen.append((kind, tags, text))
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for i, (kind, tags, text) in enumerate(chosen):
        cell_id = f"{stem}-{i:02d}"[-64:]
        if kind == "md":
            cell = nbformat.v4.new_markdown_cell(text, id=cell_id)
        else:
            cell = nbformat.v4.new_code_cell(text, id=cell_id)
            if kind in ("student", "solution"):
                tags = ["student", *tags]
        if tags:
            cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def notebooks() -> Dict[str, nbformat.NotebookNode]:
    """Every notebook, keyed by its path relative to ``notebooks/``."""
    out: Dict[str, nbformat.NotebookNode] = {}
    for stem, source in TUTORIALS.items():
        out[f"{stem}.ipynb"] = _notebook(stem, source, solution=False)
    for stem, source in EXERCISES.items():
        out[f"exercises/{stem}.ipynb"] = _notebook(stem, source, solution=False)
        out[f"exercises/solutions/{stem}.ipynb"] = _notebook(stem + "-solution", source,
                                                              solution=True)
    return out


def render(nb: nbformat.NotebookNode) -> str:
    """The exact text written for a notebook."""
    return nbformat.writes(nb) + "\n"


def build(root: Path = HERE) -> List[Path]:
    """Write every notebook under ``root``; return the paths written."""
    written = []
    for rel, nb in notebooks().items():
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(nb), encoding="utf-8")
        written.append(path)
    return written


def stale(root: Path = HERE) -> List[str]:
    """Notebooks under ``root`` that are missing or differ from what ``build`` writes."""
    bad = []
    for rel, nb in notebooks().items():
        path = Path(root) / rel
        if not path.exists() or path.read_text(encoding="utf-8") != render(nb):
            bad.append(rel)
    return bad


# ======================================================================
# Sources. Notebook code imports only mininn, numpy and matplotlib.
# ======================================================================
TUTORIALS: Dict[str, str] = {}
EXERCISES: Dict[str, str] = {}

TUTORIALS["01_forward_backward"] = r'''
%% md
# 01 · Forward and backward through one layer, by hand

A network is a chain of small functions. Training it and asking questions of it
(*which input makes this output largest?*) both need the derivative of a number
at the end of the chain with respect to things at the start: the weights, or the
input. This notebook works the chain rule out for the smallest interesting
piece — one `Dense` layer followed by a `Sigmoid`, scored by the mean squared
error — then computes the same derivatives with mininn and **checks** them
against finite differences.

The last part replays a bug from the 2016 code mininn grew from — the bias
*added* to the input by broadcasting instead of *appended* as a constant
input — and shows why it cannot happen the same way here.

Every claim in this notebook is checked by an `assert` with a stated tolerance:
if a formula or the library were wrong, the notebook would fail.

%% code
import numpy as np
import matplotlib.pyplot as plt

import mininn
from mininn.datasets import problem_2016

np.set_printoptions(precision=4, suppress=True)

%% md
## 1. The forward pass

A batch of $n$ samples with $d$ features each is a matrix $X \in \mathbb{R}^{n\times d}$
(one sample per **row**: batch first). The layer and the loss are

$$
Z = X W + \mathbf{1}_n b^{\top}, \qquad
A = \sigma(Z), \qquad
L = \frac{1}{nm}\sum_{i=1}^{n}\sum_{j=1}^{m} \left(A_{ij} - T_{ij}\right)^2,
$$

with weights $W \in \mathbb{R}^{d\times m}$, bias $b \in \mathbb{R}^{m}$, targets
$T \in \mathbb{R}^{n\times m}$ and the logistic function
$\sigma(z) = 1/(1+e^{-z})$ applied elementwise. The term
$\mathbf{1}_n b^{\top}$ — the same bias added to every row — is exactly what
NumPy's broadcasting does in `X @ W + b`.

%% code
rng = np.random.default_rng(0)
n, d, m = 5, 3, 2
X = rng.normal(size=(n, d))          # (n, d) inputs
T = rng.uniform(size=(n, m))         # (n, m) targets in [0, 1]

dense = mininn.Dense(d, m, seed=1)   # W: (d, m), b: (m,)
sigmoid = mininn.Sigmoid()
mse = mininn.MSE()
W, b = dense.params["W"], dense.params["b"]
print("W", W.shape, "b", b.shape)

# by hand, with NumPy only
Z_hand = X @ W + b
A_hand = 1.0 / (1.0 + np.exp(-Z_hand))
L_hand = np.mean((A_hand - T) ** 2)

# with mininn
A = sigmoid.forward(dense.forward(X))
L = mse.forward(A, T)
print(f"L by hand = {L_hand:.12f}\nL mininn  = {L:.12f}")

%% code check
# Same formula, same operations: agreement to a few units in the last place.
np.testing.assert_allclose(A, A_hand, rtol=1e-14, atol=0)
assert abs(L - L_hand) <= 1e-14 * abs(L_hand)

%% md
## 2. The backward pass, derived

Work backwards, one factor of the chain rule at a time. Write
$\bar{V} = \partial L / \partial V$ for "the gradient of the loss with respect to $V$",
always of the same shape as $V$.

**Loss.** $L$ is a mean over $nm$ squares, so
$$\bar{A} = \frac{2}{nm}\,(A - T).$$

**Sigmoid.** $A_{ij} = \sigma(Z_{ij})$ touches one entry only, and
$\sigma'(z) = \sigma(z)\,(1-\sigma(z))$, so
$$\bar{Z} = \bar{A} \odot A \odot (1 - A)$$
(elementwise products: the Jacobian of an elementwise function is diagonal).

**Dense.** From $Z_{ij} = \sum_k X_{ik} W_{kj} + b_j$:

* $\partial Z_{ij} / \partial W_{kj} = X_{ik}$, summed over the rows $i$:
  $$\bar{W}_{kj} = \sum_i X_{ik}\,\bar{Z}_{ij} \quad\Longrightarrow\quad \bar{W} = X^{\top}\bar{Z} \quad (d\times m);$$
* $\partial Z_{ij} / \partial b_j = 1$ for **every** row $i$ — the bias was broadcast
  over the batch in the forward pass, so its gradient is a **sum** over the batch:
  $$\bar{b} = \sum_i \bar{Z}_{i,:} = \bar{Z}^{\top}\mathbf{1}_n \quad (m);$$
* $\partial Z_{ij} / \partial X_{ik} = W_{kj}$, summed over the outputs $j$:
  $$\bar{X} = \bar{Z}\,W^{\top} \quad (n\times d).$$

The last one is the gradient with respect to the **input**. Training never
needs it for the first layer, but it is the whole point of input search
(notebook 04).

%% code
# by hand
dA_hand = 2.0 * (A_hand - T) / A_hand.size
dZ_hand = dA_hand * A_hand * (1.0 - A_hand)
dW_hand = X.T @ dZ_hand
db_hand = dZ_hand.sum(axis=0)
dX_hand = dZ_hand @ W.T

# with mininn: loss.backward() starts the chain, each layer's backward continues it
dX = dense.backward(sigmoid.backward(mse.backward()))
dW, db = dense.grads["W"], dense.grads["b"]
print("dL/dW =\n", dW, "\ndL/db =", db, "\ndL/dX =\n", dX)

%% md
To compare two arrays we use the **relative error**
$$\mathrm{rel}(a, b) = \frac{\max_i |a_i - b_i|}{\max\left(\max_i |a_i| + \max_i |b_i|,\ 10^{-300}\right)},$$
which does not care about the overall scale of the numbers. Two computations
of the same formula in float64 agree to about $10^{-15}$.

%% code
def rel_error(a, b):
    """Largest difference, relative to the size of the numbers (floored to avoid 0/0)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)) + np.max(np.abs(b)), 1e-300)

for name, ours, hand in [("W", dW, dW_hand), ("b", db, db_hand), ("X", dX, dX_hand)]:
    print(f"dL/d{name}: relative error mininn vs by hand = {rel_error(ours, hand):.1e}")

%% code check
# Same formulas, different operation order: float64 round-off only.
assert rel_error(dW, dW_hand) < 1e-12
assert rel_error(db, db_hand) < 1e-12
assert rel_error(dX, dX_hand) < 1e-12

%% md
## 3. Checking the derivation with finite differences

Agreement between mininn and our NumPy lines only shows that both implement
the same formulas — they could be the same *wrong* formulas. An independent
check needs nothing but the forward pass: the **central difference**

$$
\frac{\partial L}{\partial \theta} \approx \frac{L(\theta + h) - L(\theta - h)}{2h},
\qquad \text{error} = O(h^2),
$$

one parameter entry at a time. With $h = 10^{-6}$ in float64, truncation
($\sim h^2 = 10^{-12}$) and round-off ($\sim 10^{-16}/h = 10^{-10}$) leave a
relative error between $10^{-11}$ and $10^{-9}$ for smooth functions like this one;
notebook 02 explains where these numbers come from.

%% code
def loss_at():
    """The loss for the current contents of X, W and b (forward pass only)."""
    return mse.forward(sigmoid.forward(dense.forward(X)), T)


def numerical_gradient(f, arr, h=1e-6):
    """Central differences of the scalar f() with respect to each entry of arr (changed in place, then restored)."""
    grad = np.zeros_like(arr)
    for idx in np.ndindex(arr.shape):
        old = arr[idx]
        arr[idx] = old + h
        f_plus = f()
        arr[idx] = old - h
        f_minus = f()
        arr[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


num = {"W": numerical_gradient(loss_at, W), "b": numerical_gradient(loss_at, b),
       "X": numerical_gradient(loss_at, X)}
for name, analytic in [("W", dW), ("b", db), ("X", dX)]:
    print(f"dL/d{name}: relative error analytic vs central differences = "
          f"{rel_error(analytic, num[name]):.1e}")

%% code check
for name, analytic in [("W", dW), ("b", db), ("X", dX)]:
    assert rel_error(analytic, num[name]) < 1e-7, name

%% md
### A wrong bias gradient does not survive the check

"The bias is broadcast, so its gradient is a sum" is the step people get wrong:
a frequent slip is to *average* over the batch, or to take the first row only.
Both give an array of the right shape — the finite differences still catch them.

%% code
wrong = {"mean over the batch": dZ_hand.mean(axis=0), "first row only": dZ_hand[0]}
for label, guess in wrong.items():
    print(f"{label:>20}: relative error {rel_error(guess, num['b']):.2f}")

%% code check
# Both slips are off by O(1), seven orders of magnitude above the tolerance.
for guess in wrong.values():
    assert rel_error(guess, num["b"]) > 1e-2

%% md
mininn's gradient checker does all of this (for every parameter *and* the
input, with a random upstream gradient) for any object that follows the Layer
contract — the built-in layers or your own. It is the subject of notebook 02.

## 4. The same numbers from a network

Stack the two layers into a `Sequential`. Its `backward` chains the layers'
`backward` calls, so it returns $\bar{X}$ for whatever upstream gradient we pass.
With the upstream gradient $e_j$ (ones in column $j$, zeros elsewhere) it gives
the gradient of **output** $j$ with respect to the input:

$$
\frac{\partial A_{ij}}{\partial X_{ik}} = A_{ij}(1-A_{ij})\,W_{kj}
\qquad\Longrightarrow\qquad
J_i = \operatorname{diag}\!\big(A_i \odot (1-A_i)\big)\,W^{\top} \quad (m\times d).
$$

`input_gradient(X, output=j)` returns row $j$ of each $J_i$, and
`jacobian(X)` all of $J$, shape $(n, m, d)$.

%% code
net = mininn.Sequential([dense, sigmoid])
print(net.summary())

J = net.jacobian(X)                                    # (n, m, d)
S = A * (1.0 - A)                                      # (n, m): sigma'(z)
J_hand = S[:, :, None] * W.T[None, :, :]               # (n, m, d)
G1 = net.input_gradient(X, output=1)                   # (n, d)
print("J shape", J.shape, " input_gradient shape", G1.shape)

%% code check
assert J.shape == (n, m, d)
assert rel_error(J, J_hand) < 1e-14
assert rel_error(G1, J[:, 1, :]) < 1e-15
# The Jacobian contracted with the loss gradient dL/dA is dL/dX (the chain rule once more).
assert rel_error(np.einsum("nm,nmd->nd", dA_hand, J), dX_hand) < 1e-12

%% md
## 5. The 2016 broadcasting pitfall

The code mininn grew from trained a 2-3-1 network on four points and meant to
give each neuron a bias by the classic trick of **appending** a constant input
1 to every sample: $\tilde x = [x_1, x_2, 1]$, so that
$\tilde x\,\tilde W = x W + b$ with $\tilde W = \begin{bmatrix} W \\ b^{\top}\end{bmatrix}$.
What it wrote instead **added** 1 to every input:

%% code
X16 = np.array([[0, 1], [1, 0], [1, 1], [0, 0]], dtype=float)   # (4, 2)

X_meant = np.hstack([X16, np.ones((4, 1))])    # (4, 3): a constant input for the bias
X_written = X16 + 1                            # (4, 2): broadcasting adds 1 everywhere
print("meant:\n", X_meant, "\nwritten:\n", X_written)

%% md
NumPy raises no error: `X + 1` is a perfectly legal broadcast of a scalar. The
network then saw inputs in $\{1, 2\}^2$ instead of $\{0, 1\}^2$, and had **no bias
at all** — or rather, a bias tied to the weights, because
$(x + \mathbf{1})\,W = x W + \mathbf{1}^{\top} W$: each unit's "bias" was the sum of its
incoming weights, not a free parameter. Both identities, checked:

%% code
rng16 = np.random.default_rng(2016)
W_aug = rng16.uniform(size=(3, 3))       # the intended (2 + 1) x 3 weights, last row = bias
W2, b2 = W_aug[:2], W_aug[2]

appended = X_meant @ W_aug               # what the code meant: a free bias b2
dense_form = X16 @ W2 + b2               # mininn's Dense: the same thing, no column glued on
added = X_written @ W2                   # what it did: x + 1, no bias
tied = X16 @ W2 + W2.sum(axis=0)         # ... which is a bias equal to the column sums of W

%% code check
np.testing.assert_allclose(appended, dense_form, rtol=1e-15)
np.testing.assert_allclose(added, tied, rtol=1e-15)
assert not np.allclose(added, appended)  # the two models really differ

%% md
### How mininn rules it out

1. **The bias is a parameter of `Dense`.** There is no constant column to
   append, so user code never has a reason to touch the inputs to model a bias.
   `Dense(2, 3)` holds `W` of shape `(2, 3)` and `b` of shape `(3,)` and computes
   `x @ W + b`.
2. **Shapes are checked at every public entry,** and the message says what was
   expected and what arrived. Feeding the "appended" data to a network built for
   two inputs is refused; so is a single sample passed as a 1-d vector (a common
   cousin of the same mistake).

An honest caveat: `X + 1` has the right *shape*, so no shape check can see
it — what removes the bug is that, with the bias inside `Dense`, the line that
contained it no longer needs to exist.

%% code
net16 = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=0)
print(net16.summary())


def error_message(call):
    """Run call(); return the message of the ValueError/TypeError it must raise."""
    try:
        call()
    except (ValueError, TypeError) as exc:
        print(f"{type(exc).__name__}: {exc}")
        return str(exc)
    raise AssertionError("expected a ValueError or TypeError, got none")


msg_columns = error_message(lambda: net16.forward(X_meant))
msg_1d = error_message(lambda: net16.forward(X16[0]))

%% code check
assert "2 features" in msg_columns and "(4, 3)" in msg_columns
assert "x[None, :]" in msg_1d or "[None, :]" in msg_1d

%% md
### The same pitfall in the loss: `(n,)` targets against `(n, 1)` predictions

Broadcasting bites again one step later. A one-output network predicts an
array of shape `(n, 1)`; labels usually come as shape `(n,)`. In NumPy,
`pred - y` then broadcasts to an `(n, n)` matrix of *every* prediction minus
*every* label, and its mean is a plausible-looking wrong number. mininn's losses
reshape an `(n,)` target to `(n, 1)` explicitly and refuse any other mismatch.
Even a perfect prediction gets a nonzero "loss" from the broadcast:

%% code
X16_, y16 = problem_2016()
pred = y16[:, None].copy()                      # (4, 1): a PERFECT prediction, loss should be 0
silent = np.mean((pred - y16) ** 2)             # (4, 1) - (4,) -> (4, 4): every prediction minus every label
right = np.mean((pred - y16[:, None]) ** 2)     # (4, 1) - (4, 1): what was meant
print(f"(pred - y) has shape {(pred - y16).shape}: mean {silent:.4f}  <- silently wrong")
print(f"mininn MSE: {mininn.MSE().forward(pred, y16):.4f}   by hand, shapes aligned: {right:.4f}")
msg_target = error_message(lambda: mininn.MSE().forward(pred, np.zeros((2, 2))))

%% code check
assert (pred - y16).shape == (4, 4)
assert silent == 0.375          # 6 of the 16 pairs differ by 1: 6/16
assert right == 0.0 and mininn.MSE().forward(pred, y16) == 0.0
assert "(4, 1)" in msg_target and "(2, 2)" in msg_target

%% md
## 6. A picture: the layer's output and its input gradient

For a single input feature the whole story fits on one plot: the output
$a = \sigma(w x + b)$ of one unit, its derivative $\partial a/\partial x = \sigma'(wx+b)\,w$
from `input_gradient`, and the central difference of the output at a few points.

%% code
unit = mininn.Sequential([mininn.Dense(1, 1, seed=0), mininn.Sigmoid()])
unit[0].params["W"][:] = 2.0
unit[0].params["b"][:] = -1.0
xs = np.linspace(-3, 4, 200)[:, None]                  # (200, 1)
ys = unit.forward(xs)[:, 0]
gs = unit.input_gradient(xs, output=0)[:, 0]
probe = np.array([[-2.0], [0.0], [0.5], [1.5], [3.0]])
h = 1e-6
fd = (unit.forward(probe + h) - unit.forward(probe - h))[:, 0] / (2 * h)

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(xs[:, 0], ys, label=r"$a = \sigma(2x - 1)$")
ax.plot(xs[:, 0], gs, label=r"$\partial a / \partial x$ (input_gradient)")
ax.plot(probe[:, 0], fd, "o", label="central difference")
ax.set_title("One sigmoid unit and its input gradient")
ax.set_xlabel("input x")
ax.set_ylabel("value")
ax.legend()

%% code check
assert rel_error(unit.input_gradient(probe, output=0)[:, 0], fd) < 1e-8

%% md
## Summary

* Backward passes are the chain rule, one factor per layer:
  $\bar Z = \bar A \odot \sigma'(Z)$, $\bar W = X^\top \bar Z$,
  $\bar b = \sum_i \bar Z_{i,:}$, $\bar X = \bar Z W^\top$.
* Broadcasting in the forward pass becomes a **sum** in the backward pass.
* Finite differences check a derivation independently of it; a relative error
  of $10^{-11}$ to $10^{-9}$ is what a correct smooth layer gives with $h = 10^{-6}$.
* mininn keeps the bias inside `Dense` and checks shapes at every entry, so the
  2016 bug (bias added to the data) has no line of code to live in, and its
  cousins (a glued-on column, 1-d samples, `(n,)` targets) get a clear error.

Next: **02 · gradient checking** — how to choose $h$, why central differences,
float32 versus float64, kinks, and reading a report that points at a broken layer.
'''

TUTORIALS["03_training"] = r'''
%% md
# 03 · Training: the 2016 problem, XOR, learning rates and initialisation

Training is gradient descent on the weights: after a forward pass over a
mini-batch $B$, the backward pass gives $\nabla_\theta L_B$ for every parameter
$\theta$, and the optimiser takes a step

$$\theta \leftarrow \theta - \eta\, \nabla_\theta L_B(\theta).$$

`mininn.fit` repeats this for `epochs` passes over the data, shuffling the
rows every epoch (a permutation — each sample once per epoch) with the
generator made from `seed`, so a run is reproducible bit for bit.

This notebook trains the 2016 network and an XOR network, draws their
training curves and decision surfaces, and measures — with asserts — what the
learning rate and the initialisation do.

%% code
import numpy as np
import matplotlib.pyplot as plt

import mininn
from mininn import plotting
from mininn.datasets import problem_2016, xor

np.set_printoptions(precision=4, suppress=True)

%% md
## 1. The 2016 problem

Four points, one positive: $y = 1$ only at $x = [0, 1]$, i.e. $y = (1 - x_0)\,x_1$.
The original setup, replayed exactly: a 2-3-1 network with sigmoid hidden and
output units, weights (and biases) drawn uniformly from $[0, 1)$, the mean squared
error, per-sample SGD (`batch_size=1`) with $\eta = 0.1$ for 5000 epochs.

%% code
X16, y16 = problem_2016()
net16 = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=0)
hist16 = mininn.fit(net16, X16, y16, loss="mse", optimizer=mininn.SGD(0.1),
                    epochs=5000, batch_size=1, seed=0)
out16 = net16.forward(X16)[:, 0]
for x, t, f in zip(X16, y16, out16):
    print(f"x = {x}   target {t:.0f}   f(x) = {f:.4f}")
print(hist16)

%% code check
# The network separates the positive corner clearly (original result: ~0.97 and < 0.03).
assert out16[0] > 0.9 and np.all(out16[1:] < 0.1)
assert hist16.loss[-1] < 1e-2 and hist16.loss[-1] < hist16.loss[0] / 10

%% md
### The training curve

`History.loss[e]` is the mean loss over epoch $e$'s mini-batches, measured as
the weights moved. A log scale shows the phases: a plateau while the sigmoids
sit near $1/2$ and the gradient is small, a drop when the hidden units
specialise, then a slow tail as the outputs saturate towards 0 and 1.

%% code
ax = plotting.plot_history(hist16, log=True,
                           title="2016 network: MSE per epoch (per-sample SGD, lr 0.1)")

%% code check
loss16 = np.asarray(hist16.loss)
# The tail keeps improving: the last 1000 epochs lower the loss further.
assert loss16[-1] < loss16[-1000]
assert ax.get_yscale() == "log" and len(ax.lines) == 1

%% md
## 2. Decision surfaces

A network with two inputs is a function on the plane, and one vectorised
forward pass over a grid draws it. Stack the grid points into an
$(N^2, 2)$ batch, run `forward`, reshape the output to $(N, N)$ and hand it to
`contourf`. The contour at $f = 1/2$ is the **decision boundary**.

%% code
def decision_surface(net, X, y, ax, title, logits=False, lim=(-0.5, 1.5), resolution=150):
    """Filled contours of the network's output (probability) over a square, data on top."""
    g = np.linspace(*lim, resolution)
    G0, G1 = np.meshgrid(g, g)
    grid = np.column_stack([G0.ravel(), G1.ravel()])      # (N^2, 2): one batch
    out = net.forward(grid)[:, 0]
    prob = mininn.activations.sigmoid(out) if logits else out
    cs = ax.contourf(G0, G1, prob.reshape(G0.shape), levels=np.linspace(0, 1, 11), cmap="RdBu_r")
    ax.contour(G0, G1, prob.reshape(G0.shape), levels=[0.5], colors="k", linewidths=2)
    for label, marker in [(0, "o"), (1, "s")]:
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], marker=marker, s=90, edgecolors="k",
                   c="white" if label == 0 else "gold", label=f"y = {label}", zorder=3)
    ax.set_title(title)
    ax.set_xlabel("x[0]")
    ax.set_ylabel("x[1]")
    ax.legend(loc="lower right")
    return cs

fig, ax = plt.subplots(figsize=(5.5, 4.5))
decision_surface(net16, X16, y16, ax, "2016 problem: f(x) and the boundary f = 1/2")

%% md
## 3. XOR needs a hidden layer

XOR, $y = x_0 \oplus x_1$, labels two opposite corners 1. No line separates them,
so a single unit $\sigma(w^\top x + b)$ cannot classify all four points. With
the cross-entropy on logits,
$L = \frac1n\sum_i \left[\operatorname{softplus}(z_i) - y_i z_i\right]$,
the best such model is worth working out: by symmetry of XOR the optimum is
$w = 0$, $b = 0$, a probability of $1/2$ everywhere and a loss of exactly
$\ln 2 \approx 0.693$. Training finds it:

%% code
Xx, yx = xor()
bce = mininn.BinaryCrossEntropy(from_logits=True)   # the net outputs logits z; p = sigmoid(z)

linear = mininn.mlp([2, 1], output="identity", seed=0)
hist_lin = mininn.fit(linear, Xx, yx, bce, mininn.SGD(1.0), epochs=1000, batch_size=None)
print(f"linear model: final loss {hist_lin.loss[-1]:.6f}  (ln 2 = {np.log(2):.6f})")
print("probabilities:", mininn.activations.sigmoid(linear.forward(Xx)[:, 0]))

%% code check
assert abs(hist_lin.loss[-1] - np.log(2)) < 1e-3

%% md
One hidden layer of four `tanh` units is enough. We train on logits
(`output="identity"` with `BinaryCrossEntropy(from_logits=True)`) so that the
gradient $\sigma(z) - y$ never vanishes, full-batch, with $\eta = 1$.

%% code
net_xor = mininn.mlp([2, 4, 1], hidden="tanh", output="identity", seed=0)
hist_xor = mininn.fit(net_xor, Xx, yx, bce, mininn.SGD(1.0), epochs=1000, batch_size=None)
p_xor = mininn.activations.sigmoid(net_xor.forward(Xx)[:, 0])
print("XOR probabilities:", p_xor, " final loss", round(hist_xor.loss[-1], 5))
fig, ax = plt.subplots(figsize=(5.5, 4.5))
decision_surface(net_xor, Xx, yx, ax, "XOR, 2-4-1 tanh net: p(x) and the boundary p = 1/2",
                 logits=True)

%% code check
assert np.array_equal(p_xor > 0.5, yx == 1)
assert hist_xor.loss[-1] < 0.05

%% md
## 4. The learning rate

For a small enough step, gradient descent decreases the loss at every step;
the rate of progress is roughly proportional to $\eta$. Too large a step
overshoots — and in a network it does something worse: it throws the
pre-activations of the hidden `tanh` units far out, where
$\tanh'(z) = 1 - \tanh^2 z \approx 0$. The units *saturate*, their gradients
vanish and training stalls for good at a high loss.

Same network, same initial weights (seed 0), full batch, 1000 epochs, four
learning rates:

%% code
rates = [0.03, 0.3, 3.0, 30.0]
curves = {}
for lr in rates:
    net = mininn.mlp([2, 4, 1], hidden="tanh", output="identity", seed=0)
    curves[lr] = mininn.fit(net, Xx, yx, bce, mininn.SGD(lr), epochs=1000, batch_size=None).loss
    z = net[0].forward(Xx)                        # hidden pre-activations (4 samples, 4 units)
    print(f"lr = {lr:>5}: final loss {curves[lr][-1]:.5f}   "
          f"largest |hidden pre-activation| {np.abs(z).max():8.1f}")

fig, ax = plt.subplots(figsize=(7, 4))
epochs = np.arange(1, 1001)
for lr in rates:
    ax.loglog(epochs, curves[lr], label=f"lr = {lr}")
ax.set_title("XOR, 2-4-1 tanh net: training loss for four learning rates")
ax.set_xlabel("epoch")
ax.set_ylabel("cross-entropy (log scale)")
ax.legend()

%% code check
final = {lr: curves[lr][-1] for lr in rates}
# Up to a point, a larger step trains faster ...
assert final[0.03] > final[0.3] > final[3.0]
# ... beyond it training breaks: lr 30 ends far worse than lr 3, above the linear model's ln 2.
assert final[30.0] > np.log(2) > 100 * final[3.0]

%% md
## 5. Initialisation

**Symmetry.** If every hidden unit starts with the same weights, every unit
computes the same function, receives the same gradient and takes the same
step — for ever. The hidden layer then behaves like a single unit, and (as
section 3 showed) XOR is out of reach. Random initialisation exists to break
this symmetry.

%% code
sym = mininn.mlp([2, 4, 1], hidden="tanh", output="identity", seed=0)
for layer in sym.layers:
    if "W" in layer.params:
        layer.params["W"][:] = 0.5
        layer.params["b"][:] = 0.0
hist_sym = mininn.fit(sym, Xx, yx, bce, mininn.SGD(1.0), epochs=1000, batch_size=None)
W1 = sym[0].params["W"]
print("first-layer weights after training (one column per hidden unit):\n", W1)
print("final loss", round(hist_sym.loss[-1], 4))

%% code check
# All four columns are still identical, bit for bit: the symmetry was never broken.
assert np.all(W1 == W1[:, :1])
assert hist_sym.loss[-1] > 0.4   # stuck well above the 4-unit random-init run

%% md
**Scale and luck.** mininn's `Dense` offers three schemes:

| `init` | $W$ | $b$ |
|---|---|---|
| `"xavier"` (Glorot) | $U(-a, a)$, $a = \sqrt{6/(n_\text{in}+n_\text{out})}$ | 0 |
| `"he"` | $\mathcal{N}(0,\, 2/n_\text{in})$ | 0 |
| `"uniform"` (2016) | $U[0, 1)$ | $U[0, 1)$ |

With a *small* network the draw still matters: a 2-2-1 tanh net has just
enough capacity for XOR, and some draws lead gradient descent into a **local
minimum** where two points stay at probability $1/2$. Ten seeds per scheme,
same training:

%% code
schemes = ["xavier", "he", "uniform"]
final_losses = {}
for init in schemes:
    final_losses[init] = np.array([
        mininn.fit(mininn.mlp([2, 2, 1], hidden="tanh", output="identity", init=init, seed=s),
                   Xx, yx, bce, mininn.SGD(1.0), epochs=1000, batch_size=None).loss[-1]
        for s in range(10)])
    solved = np.sum(final_losses[init] < 0.05)
    print(f"{init:>8}: solved {solved}/10   final losses {np.round(final_losses[init], 3)}")

fig, ax = plt.subplots(figsize=(7, 3.5))
for i, init in enumerate(schemes):
    ax.scatter(np.full(10, i) + np.linspace(-0.15, 0.15, 10), final_losses[init], label=init)
ax.axhline(np.log(4) / 4, color="0.5", linestyle=":", label=r"$\ln(4)/4$: two points at 1/2")
ax.set_yscale("log")
ax.set_xticks(range(len(schemes)), schemes)
ax.set_title("XOR with a 2-2-1 tanh net: final loss of 10 seeds per initialisation")
ax.set_xlabel("initialisation scheme")
ax.set_ylabel("final cross-entropy (log scale)")
ax.legend(fontsize=8)
fig.tight_layout()

%% md
The final losses fall into two clusters: solved ($< 0.01$) and stuck at
$\approx \ln(4)/4 = 0.347$ — the loss of a model that gets two points right with
certainty and says $1/2$ for the other two:
$\frac14\,(0 + 0 + \ln 2 + \ln 2) = \ln(4)/4$.

%% code check
all_losses = np.concatenate(list(final_losses.values()))
solved_mask = all_losses < 0.05
stuck_mask = np.abs(all_losses - np.log(4) / 4) < 0.01
assert np.all(solved_mask | stuck_mask)              # exactly two outcomes
assert solved_mask.sum() >= 15 and stuck_mask.sum() >= 3   # most runs succeed, some don't

%% md
## Summary

* `fit` = forward, loss, backward, optimiser step, per mini-batch; per-sample
  SGD on the 2016 data reproduces the original network.
* A decision surface is one forward pass over a grid.
* XOR is not linearly separable: the best linear model outputs $1/2$
  everywhere (loss $\ln 2$); one hidden layer solves it.
* The learning rate trades speed against stability; too large a rate
  saturates hidden units and training stalls.
* Identical initial weights never become different; random draws break the
  symmetry, and for small networks some draws end in local minima.

Next: **04 · optimal input** — the trained 2016 network asked *which input
makes the output largest?*
'''

TUTORIALS["04_optimal_input"] = r'''
%% md
# 04 · Which input makes the output largest?

The question students ask right after training their first network. For a
trained network $f$ and an output unit $j$, find

$$
x^\star = \arg\max_{x \in [lo, hi]^k} f_j(x)
\qquad\text{or, for binary inputs,}\qquad
x^\star = \arg\max_{x \in \{0, 1\}^k} f_j(x).
$$

The weights are frozen; the *input* is the variable. Gradient ascent needs
$\nabla_x f_j(x)$ — one forward pass and one backward pass with the upstream
gradient $e_j$, exactly the $\bar X$ of notebook 01:

$$x \leftarrow x + \eta\, \nabla_x f_j(x).$$

This notebook replays the 2016 question where this went wrong, fixes it two
ways (projection, sigmoid reparametrisation), draws every path on the
network's landscape, then solves the binary version exactly — with a
certificate — on the 2016 network and on a 10-bit network that hides a pattern.

%% code
import time

import numpy as np
import matplotlib.pyplot as plt

import mininn
from mininn import plotting
from mininn.binary import best_binary_input, exhaustive_values, output_bounds
from mininn.datasets import all_bit_strings, hidden_pattern, problem_2016
from mininn.inputs import find_input, maximize_input, reach_target

np.set_printoptions(precision=4, suppress=True)

%% md
## 1. The 2016 network

Trained exactly as in 2016 (and in notebook 03): 2-3-1, sigmoid units,
uniform $[0, 1)$ initialisation, per-sample SGD, $\eta = 0.1$, 5000 epochs.

%% code
X16, y16 = problem_2016()
net = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=0)
mininn.fit(net, X16, y16, "mse", mininn.SGD(0.1), epochs=5000, batch_size=1, seed=0)
corners = all_bit_strings(2)
f_corners = net.forward(corners)[:, 0]
for x, f in zip(corners, f_corners):
    print(f"f({x}) = {f:.4f}")

%% code check
assert f_corners[1] > 0.9 and np.all(np.delete(f_corners, 1) < 0.1)   # corner [0, 1] wins

%% md
## 2. The 2016 failure, reproduced

The 2016 code started from $x_0 = [1, u]$ with $u$ random, and ran gradient
descent on $(f(x) - 1)^2$ with nothing to keep $x$ in the unit square. It ended
at $x = [-0.11, 1.997]$. `method="none"` runs exactly that (the original weights
are lost, so our network and its end point differ — the failure does not):

%% code
start = np.array([1.0, np.random.default_rng(0).random()])    # the 2016 start [1, u]
free = reach_target(net, 1.0, x0=start, method="none", steps=1000)
print(free.summary())

%% code check
assert not free.inside[0]                       # the search left [0, 1]^2 ...
assert free.x[0, 1] > 1.0                       # ... over the top edge
assert free.value[0] > f_corners.max()          # where the output beats every corner

%% md
**Why.** Nothing is wrong with the gradient: the trained network's output
simply keeps rising *outside* the square. Along the ray from the centre through
the winning corner $[0, 1]$, the output increases monotonically well past the
corner — the sigmoids saturate but never turn back. Unconstrained ascent
follows it for ever; the answer "$x = [-0.11, 1.997]$" is a point the network
was never trained on and the question never allowed.

%% code
ts = np.linspace(0, 3, 7)
ray = np.array([0.5, 0.5]) + ts[:, None] * np.array([-0.5, 0.5])   # t = 1 is the corner [0, 1]
f_ray = net.forward(ray)[:, 0]
for t, x, f in zip(ts, ray, f_ray):
    print(f"t = {t:.1f}  x = {x}  f(x) = {f:.6f}")

%% code check
assert np.all(np.diff(f_ray) > 0)               # rising all the way out to t = 3

%% md
## 3. Fix 1: projected gradient ascent

Take the step, then **project** back onto the box — for a box the projection is
a clip, coordinate by coordinate:

$$x \leftarrow \Pi_{[lo, hi]}\big(x + \eta \nabla_x f(x)\big), \qquad \Pi_{[lo,hi]}(v)_i = \min(\max(v_i, lo_i), hi_i).$$

At a solution the first-order (KKT) conditions hold coordinate by coordinate:
an interior coordinate has $\partial f/\partial x_i = 0$; a coordinate at its lower
bound has $\partial f/\partial x_i \le 0$ (the gradient points out of the box);
at its upper bound, $\partial f/\partial x_i \ge 0$. The result's `kkt` field checks
exactly this, and its `grad_norm` is the norm of the projected step.

%% code
proj = maximize_input(net, x0=start, method="projected")
print(proj.summary())
g = net.input_gradient(proj.x)[0]
print("gradient at the end:", g)

%% code check
# Projection lands exactly on the corner [0, 1] ...
assert np.array_equal(proj.best_x, [0.0, 1.0]) and proj.kkt.all()
# ... and the KKT signs, checked by hand: x0 = lo with df/dx0 <= 0, x1 = hi with df/dx1 >= 0.
assert g[0] <= 0 <= g[1]
# The input gradient the search used agrees with central differences (h = 1e-6).
h = 1e-6
fd = np.array([(net.forward(proj.x + h * e) - net.forward(proj.x - h * e))[0, 0] / (2 * h)
               for e in np.eye(2)])
assert np.max(np.abs(fd - g)) <= 1e-8 * (np.max(np.abs(g)) + 1e-12)

%% md
## 4. Fix 2: a sigmoid reparametrisation — and where it stalls

Instead of constraining $x$, write it as a function of an unconstrained $z$,
$$x = lo + (hi - lo)\,\sigma(z),$$
and ascend in $z$. The chain rule (by hand, as always) gives
$$\frac{\partial f}{\partial z_i} = \frac{\partial f}{\partial x_i}\,(hi_i - lo_i)\,\sigma(z_i)\,\big(1 - \sigma(z_i)\big).$$
$x$ can never leave the box. But the factor $\sigma'(z_i)$ vanishes near the
bounds: a coordinate that *starts* on a bound is deep in the sigmoid's flat tail.
From the 2016 start, $x_0 = 1$ is taken $10^{-12}$ inside the box, where
$\sigma'(z) \approx 10^{-12}$ — so $x_0$ never moves, and the search stalls on the
wrong edge. From the centre of the box it works.

`method="mirror"` keeps the same map but moves $z$ with the plain $x$-gradient
(entropic mirror ascent, no $\sigma'$ factor), so it does not stall at the edges;
with Adam it reaches the optimum from the 2016 start too.

%% code
sig_centre = maximize_input(net, method="sigmoid")                     # start: box centre
sig_2016 = maximize_input(net, x0=start, method="sigmoid")             # start: [1, u]
mirror = maximize_input(net, x0=start, method="mirror", optimizer=mininn.Adam(0.1))
for name, res in [("sigmoid, from the centre", sig_centre), ("sigmoid, from the 2016 start", sig_2016),
                  ("mirror + Adam, from the 2016 start", mirror)]:
    print(f"{name:>36}: x = {res.best_x}, f = {res.best_value:.4f}, kkt = {res.kkt[0]}")

%% md
Note the `kkt = False` of the run from the centre: it is within a few
hundredths of $[0, 1]$ but can only *approach* the bounds ($\sigma(z) = 1$ only as
$z \to \infty$, and $\sigma'$ shrinks on the way), so after 1000 steps it is still
further from them than the KKT check's tolerance ($10^{-4}$ of the box width).
The check is honest about that too.

%% code check
assert np.max(np.abs(sig_centre.best_x - [0, 1])) < 0.05
assert sig_2016.best_x[0] > 0.99 and not sig_2016.kkt[0]     # stalled on the edge x0 = 1, and flagged
assert np.max(np.abs(mirror.best_x - [0, 1])) < 0.05
assert all(r.inside.all() for r in (sig_centre, sig_2016, mirror))

%% md
## 5. Every path on one landscape

`plotting.plot_landscape` draws $f$ over an area larger than the box (one
vectorised forward pass over a grid), the box, its four corners with their
outputs, and every trajectory with its start (circle) and end (star).

%% code
results = [free, proj, sig_centre, sig_2016, mirror]
labels = ["none (2016)", "projected", "sigmoid, centre start", "sigmoid, 2016 start",
          "mirror + Adam"]
fig, ax = plt.subplots(figsize=(7.5, 6))
plotting.plot_landscape(net, results=results, labels=labels, ax=ax,
                        title="2016 network: f(x) and every input-search path")

%% code check
drawn = [line for line in ax.lines if line.get_gid() == "trajectory"]
assert len(drawn) == len(results)                  # one line per path (one start each)
assert [t.get_text() for t in ax.get_legend().get_texts()] == labels

%% md
The same runs as the output against the step: the unconstrained search climbs
highest — to a value no input in the box can reach.

%% code
fig, ax = plt.subplots(figsize=(7, 4))
plotting.plot_objective(results, labels=labels, ax=ax,
                        title="2016 network: output along each search")
ax.set_xscale("symlog", linthresh=10)

%% md
## 6. Binary inputs: exhaustive and exact branch and bound

The 2016 question was really about *binary* inputs. Over $\{0, 1\}^k$ there is no
gradient to follow, but there are two sure methods.

**Exhaustive**: evaluate all $2^k$ strings (vectorised in chunks).

**Exact branch and bound**: a node fixes some bits and leaves the others free
in $[0, 1]$. A *sound upper bound* of $f_j$ over the node's box prunes the node
when it cannot beat the best string found so far. Interval arithmetic gives
such a bound layer by layer: for `Dense`, with centre $c$ and radius $r$ of the
input box,
$$xW + b \in \left[\,cW + b - r\,|W|,\; cW + b + r\,|W|\,\right],$$
and a monotone activation maps $[l, u]$ to $[\sigma(l), \sigma(u)]$. (mininn uses
tighter linear "CROWN" bounds where it can.) When no open node is left, the
incumbent is **proved** optimal: its value meets the bound, and
`certified=True`.

%% code
ex16 = best_binary_input(net, method="exhaustive")
bb16 = best_binary_input(net, method="exact")
print(ex16)
print(bb16)
lower, upper = output_bounds(net, np.zeros(2), np.ones(2), bound="interval")
print(f"interval bound of f over the whole square: [{lower[0]:.6f}, {upper[0]:.6f}]")

%% md
On this small network the interval bound over the whole square is already
*tight*: every hidden unit is monotone in each input with a consistent sign, so
the bound is attained at a corner, and branch and bound proves the optimum at
its root node.

%% code check
assert np.array_equal(ex16.x, [0, 1]) and np.array_equal(bb16.x, [0, 1])
assert bb16.certified and bb16.value == ex16.value
# The bound is sound: every corner lies inside it (up to float64 round-off, 1e-12).
assert lower[0] <= f_corners.min() + 1e-12 and f_corners.max() <= upper[0] + 1e-12

%% md
## 7. A 10-bit network that hides a pattern

Grow the 2016 problem to $k = 10$ bits: among all $2^{10} = 1024$ strings,
only one secret pattern $p$ is labelled 1. Train a 10-8-1 network on all of them,
then ask the trained network alone which input it likes best. Branch and bound
should find $p$ again — and prove that no other string scores higher.

%% code
Xp, yp, pattern = hidden_pattern(10, seed=0)
netp = mininn.mlp([10, 8, 1], hidden="tanh", output="sigmoid", seed=0)
histp = mininn.fit(netp, Xp, yp, mininn.BinaryCrossEntropy(), mininn.Adam(0.01),
                   epochs=200, batch_size=64, seed=0)
print("hidden pattern:", pattern.astype(int), "  final loss:", round(histp.loss[-1], 6))

found = best_binary_input(netp, method="exact")
everything = exhaustive_values(netp)            # f at all 1024 strings, in counting order
runner_up = np.sort(everything)[-2]
print(found)
print(f"f(pattern) = {found.value:.4f}, best other string {runner_up:.4f}; "
      f"{found.nodes} nodes bounded instead of {2 ** 10} strings")

%% code check
assert np.array_equal(found.x, pattern)                 # recovered ...
assert found.certified and found.gap <= 1e-12           # ... and proved optimal
assert found.value == everything.max()                  # exhaustive agrees
assert found.nodes < 2 ** 10 / 10                       # with far fewer nodes than strings

%% md
For comparison, the continuous relaxation: projected ascent on $[0, 1]^{10}$
from 8 random starts (on the logit, `use_logit=True`, so the saturated sigmoid
does not flatten the gradient), then rounding. It finds the pattern here too —
but nothing certifies it.

%% code
relaxed = maximize_input(netp, n_starts=8, method="projected", use_logit=True, steps=300, seed=1)
rounded = np.round(relaxed.best_x)
print("relaxed optimum:", relaxed.best_x, "\nrounded:        ", rounded.astype(int))
fig, ax = plt.subplots(figsize=(7, 4))
plotting.plot_coordinates(relaxed, ax=ax,
                          title="10-bit network: coordinates of x along projected ascent")

%% code check
assert np.array_equal(rounded, pattern)

%% md
## 8. The cost of each method as $k$ grows

Random $k$-16-1 networks (tanh hidden, sigmoid output), $k = 4 \dots 20$. The cost
that does not depend on the machine is the number of single strings evaluated
by a forward pass (for `"exact"` this includes the local search that finds its
first incumbent; the number of branch-and-bound nodes is printed too); seconds
are shown as well (they vary from run to run). Exhaustive
grows as $2^k$; local search (rounding + bit flips) and branch and bound grow
slowly on these networks. Only exhaustive and exact are guaranteed; only they
carry `certified=True`.

%% code
ks = [4, 8, 12, 16, 20]
table = {m: {"evaluated": [], "seconds": [], "value": [], "certified": []}
         for m in ("exhaustive", "local", "exact")}
for k in ks:
    rnet = mininn.mlp([k, 16, 1], hidden="tanh", output="sigmoid", seed=k)
    for method, row in table.items():
        res = best_binary_input(rnet, method=method)
        row["evaluated"].append(res.evaluated)
        row["seconds"].append(res.seconds)
        row["value"].append(res.value)
        row["certified"].append(res.certified)
        row.setdefault("nodes", []).append(res.nodes)

print(f"{'k':>3} | " + " | ".join(f"{m:>24}" for m in table))
print(f"{'':>3} | " + " | ".join(f"{'evaluated':>12} {'seconds':>11}" for m in table))
for i, k in enumerate(ks):
    cells = [f"{table[m]['evaluated'][i]:>12,} {table[m]['seconds'][i]:>11.4f}" for m in table]
    print(f"{k:>3} | " + " | ".join(cells) + f"   ({table['exact']['nodes'][i]} nodes)")

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for method, row in table.items():
    axes[0].semilogy(ks, row["evaluated"], "o-", label=method)
    axes[1].semilogy(ks, row["seconds"], "o-", label=method)
axes[0].set_title("Strings evaluated (machine independent)")
axes[0].set_ylabel("forward evaluations (log scale)")
axes[1].set_title("Wall-clock time (varies between runs)")
axes[1].set_ylabel("seconds (log scale)")
for a in axes:
    a.set_xlabel("number of input bits k")
    a.legend()
fig.suptitle("Best binary input: cost of each method on random k-16-1 networks")
fig.tight_layout()

%% code check
ex, lo_, bb = table["exhaustive"], table["local"], table["exact"]
assert ex["evaluated"] == [2 ** k for k in ks]
assert all(ex["certified"]) and all(bb["certified"])
assert bb["value"] == ex["value"]                         # exact = exhaustive, every k
assert all(v <= e for v, e in zip(lo_["value"], ex["value"]))   # local never beats the optimum
assert bb["evaluated"][-1] < ex["evaluated"][-1] / 100    # k = 20: >100x fewer evaluations

%% md
## Summary

| method | keeps $x$ valid | finds | cost | guarantee |
|---|---|---|---|---|
| `"none"` | no | a point outside the box (2016) | steps × (forward + backward) | — |
| `"projected"` | yes (clip) | a KKT point of the box | same | local |
| `"sigmoid"` | yes (reparametrised) | a KKT point, unless it stalls in the flat tail | same | local |
| `"mirror"` | yes | a KKT point, no stall at edges | same | local |
| `"exhaustive"` | binary | the best string | $2^k$ evaluations | exact |
| `"local"` | binary | a string no single flip improves | a few thousand evaluations | none |
| `"exact"` | binary | the best string + proof | nodes × bound | certified |

The 2016 answer $x = [-0.11, 1.997]$ was the right answer to the wrong
question; constrained and exact search answer the one that was asked.
'''

TUTORIALS["05_digits"] = r'''
%% md
# 05 · Handwritten digits: a real data set, and the inputs a classifier likes best

The data: the 8×8 handwritten digits of the UCI *Optical Recognition of
Handwritten Digits* collection — 1,797 images, each pixel the number of "on"
pixels in a 4×4 block of a 32×32 bitmap (0…16, here scaled to $[0, 1]$).
E. Alpaydin and C. Kaynak (1998), UCI Machine Learning Repository,
<https://doi.org/10.24432/C50P49>, licensed CC BY 4.0. mininn ships them inside
the package (`mininn/data/digits.npz`); nothing is downloaded.

We train a 64-32-10 softmax classifier to at least 95 % test accuracy, then ask
the headline question at this scale:

1. for each class $c$, which image in the valid pixel range $[0, 1]^{64}$
   maximises that class's score (with an L2 penalty)?
2. what is the **smallest change** that turns a real "1" into a "7"?

%% code
import numpy as np
import matplotlib.pyplot as plt

import mininn
from mininn import plotting
from mininn.activations import sigmoid
from mininn.datasets import load_digits, train_test_split
from mininn.inputs import maximize_input

np.set_printoptions(precision=3, suppress=True)

%% code
X, y = load_digits()
print("X", X.shape, X.dtype, f"pixels in [{X.min()}, {X.max()}]", "  y", y.shape, y.dtype)
print("images per class:", np.bincount(y))

fig, axes = plt.subplots(2, 10, figsize=(11, 2.8))
for ax, i in zip(axes.ravel(), range(20)):
    ax.imshow(X[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(f"label {y[i]}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("The first 20 digits (8x8 pixels, 0 = white, 1 = black)")
fig.supxlabel("pixel column")
fig.supylabel("pixel row")
fig.tight_layout()

%% code check
assert X.shape == (1797, 64) and y.shape == (1797,)
assert X.min() == 0.0 and X.max() == 1.0 and set(np.unique(y)) == set(range(10))

%% md
## 1. A softmax classifier

The network maps an image $x \in [0,1]^{64}$ to ten **logits**
$z = f(x) \in \mathbb{R}^{10}$ (a hidden layer of 32 `tanh` units, a linear output).
The class probabilities are the softmax, and the loss the cross-entropy with the
true class $t_i$:

$$
p_c = \frac{e^{z_c}}{\sum_{c'} e^{z_{c'}}}, \qquad
L = -\frac{1}{n}\sum_i \log p_{i, t_i}, \qquad
\frac{\partial L}{\partial z_{ic}} = \frac{p_{ic} - [c = t_i]}{n}.
$$

`SoftmaxCrossEntropy` fuses the two (subtracting $\max_c z_c$ first, so the
exponentials never overflow). A fixed split — 25 % of the images, drawn with
seed 0, for testing — keeps the numbers below reproducible.

%% code
X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=0)
print("train", X_train.shape, " test", X_test.shape)

net = mininn.mlp([64, 32, 10], hidden="tanh", output="identity", seed=0)
history = mininn.fit(net, X_train, y_train, loss="softmax_cross_entropy",
                     optimizer=mininn.Adam(0.01), epochs=30, batch_size=32, seed=0,
                     validation_data=(X_test, y_test))
print(net.summary())


def softmax(Z):
    """Row-wise softmax of logits Z: (n, 10) -> (n, 10), max subtracted first."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


pred_test = net.forward(X_test).argmax(axis=1)
accuracy = np.mean(pred_test == y_test)
print(f"test accuracy: {accuracy:.2%} ({np.sum(pred_test == y_test)} of {len(y_test)})")

%% code check
assert X_train.shape == (1348, 64) and X_test.shape == (449, 64)
assert accuracy >= 0.95

%% code
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
plotting.plot_history(history, ax=axes[0], log=True,
                      title="Digits: cross-entropy per epoch (Adam, lr 0.01)")
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (y_test, pred_test), 1)
im = axes[1].imshow(confusion, cmap="Blues")
for (i, j), count in np.ndenumerate(confusion):
    if count:
        axes[1].text(j, i, count, ha="center", va="center", fontsize=8,
                     color="white" if count > confusion.max() / 2 else "black")
axes[1].set_xticks(range(10))
axes[1].set_yticks(range(10))
axes[1].set_title(f"Test set confusion matrix (accuracy {accuracy:.1%})")
axes[1].set_xlabel("predicted class")
axes[1].set_ylabel("true class")
fig.colorbar(im, ax=axes[1], label="test images")
fig.tight_layout()

%% code check
assert confusion.sum() == len(y_test) and np.trace(confusion) == np.sum(pred_test == y_test)

%% md
## 2. The image each class likes best

For class $c$, search the valid pixel range for the image with the largest
logit, penalised by its squared norm:

$$
x^{(c)} = \arg\max_{x \in [0, 1]^{64}} \; z_c(x) - \lambda \lVert x \rVert^2 .
$$

Without the penalty the maximiser pushes every pixel that raises $z_c$ even
slightly to 1 and the picture is noise; the penalty $\lambda\lVert x\rVert^2$ (the
`reference` point is the blank image $0$) keeps only the pixels that matter.
`maximize_input` runs projected gradient ascent (Adam) using the network's own
input gradient $\nabla_x z_c$; at a solution the KKT conditions of the penalised
problem hold for every pixel:
$\partial z_c/\partial x_i = 2\lambda x_i$ inside $(0, 1)$, $\le 0$ at $x_i = 0$,
$\ge 2\lambda$ at $x_i = 1$.

%% code
lam = 0.1
best_images, searches = [], []
for c in range(10):
    res = maximize_input(net, output=c, x0=np.zeros(64), bounds=(0.0, 1.0), method="projected",
                         penalty=lam, reference=np.zeros(64), optimizer=mininn.Adam(0.05),
                         steps=1000, tol=1e-6)
    searches.append(res)
    best_images.append(res.best_x)
best_images = np.array(best_images)                          # (10, 64)
P_best = softmax(net.forward(best_images))
class_means = np.array([X_train[y_train == c].mean(axis=0) for c in range(10)])
corr = np.corrcoef(np.vstack([best_images, class_means]))[:10, 10:]   # (10 optimised, 10 means)
print("predicted class of each optimised image:", P_best.argmax(axis=1))
print("its probability:                         ", P_best.max(axis=1))
print("iterations:", [r.n_iter for r in searches], " stop reasons:", {r.stop_reason for r in searches})

fig, axes = plt.subplots(2, 10, figsize=(12, 3.3))
for c in range(10):
    for row, img, what in [(0, best_images[c], "optimised"), (1, class_means[c], "mean")]:
        ax = axes[row, c]
        ax.imshow(img.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"{what} {c}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
fig.suptitle(f"Top: the image in [0,1]^64 maximising each class logit (L2 penalty {lam}); "
             "bottom: mean training image")
fig.supxlabel("pixel column")
fig.supylabel("pixel row")
fig.tight_layout()

%% code check
assert np.all((best_images >= 0) & (best_images <= 1))           # valid pixels
assert np.array_equal(P_best.argmax(axis=1), np.arange(10))      # each is classified as its class
assert P_best.max(axis=1).min() > 0.99
assert all(r.kkt.all() for r in searches)                        # first-order optimal (tol 1e-4)
# The optimised image resembles its own class's mean more than any other class's mean
# (for at least 8 of the 10 classes; all 10 at the time of writing).
assert np.sum(corr.argmax(axis=1) == np.arange(10)) >= 8

%% md
## 3. The smallest change that turns a "1" into a "7"

Take a real "1" $x_1$ from the test set that the network classifies correctly.
The smallest change that makes the network call it a "7" solves

$$
\min_{x \in [0,1]^{64}} \lVert x - x_1 \rVert^2
\quad\text{subject to}\quad
m(x) = z_7(x) - \max_{j \ne 7} z_j(x) \;\ge\; \kappa,
$$

with a margin $\kappa > 0$. A penalty method turns this into
$$
\min_{x \in [0, 1]^{64}} \lVert x - x_1\rVert^2 + \mu \max\big(0,\, \kappa - m(x)\big),
$$
solved by projected gradient descent. Where the hinge is active, its gradient
is $-\mu\,\nabla_x m(x)$ with $\nabla_x m = \nabla_x z_7 - \nabla_x z_{j^\star}$
($j^\star$ the strongest other class): **one backward pass with the upstream
gradient $e_7 - e_{j^\star}$**, for every image of the batch at once. mininn's
`find_input` optimises one output at a time, so we write these few lines here.

%% code
def margin_and_gradient(x, target=7):
    """m(x) = z_target - max_{j != target} z_j and its input gradient, for a batch x: (n, 64)."""
    Z = net.forward(x)                                    # (n, 10)
    others = Z.copy()
    others[:, target] = -np.inf
    j_star = others.argmax(axis=1)
    rows = np.arange(len(x))
    margin = Z[:, target] - Z[rows, j_star]
    dZ = np.zeros_like(Z)
    dZ[:, target] = 1.0
    dZ[rows, j_star] -= 1.0
    return margin, net.backward(dZ)                       # (n,), (n, 64)


ones_ok = np.flatnonzero((y_test == 1) & (pred_test == 1))
x1 = X_test[ones_ok[0]][None, :]                          # (1, 64): a real, correctly classified 1

# The gradient of the margin, checked against central differences before we rely on it.
m0, g0 = margin_and_gradient(x1)
h = 1e-6
E = np.eye(64) * h
fd = (margin_and_gradient(x1 + E)[0] - margin_and_gradient(x1 - E)[0]) / (2 * h)
print(f"margin of the original: {m0[0]:.3f}; relative error of its gradient: "
      f"{np.max(np.abs(fd - g0[0])) / np.max(np.abs(g0[0])):.1e}")

%% code check
assert m0[0] < 0                                                  # it is not a 7 yet
assert np.max(np.abs(fd - g0[0])) <= 1e-6 * np.max(np.abs(g0[0]))

%% code
kappa, mu = 1.0, 1.0
x = x1.copy()
opt = mininn.Adam(0.01)
best_x, best_dist = None, np.inf
for step in range(1000):
    margin, grad_m = margin_and_gradient(x)
    dist = np.linalg.norm(x - x1)
    if margin[0] > 0 and dist < best_dist:                # keep the closest image called "7"
        best_x, best_dist = x.copy(), dist
    grad = 2.0 * (x - x1) - mu * grad_m * (margin < kappa)[:, None]
    opt.step([x], [grad])                                 # descent step on the penalised objective
    np.clip(x, 0.0, 1.0, out=x)                           # projection onto the pixel box

p_new = softmax(net.forward(best_x))[0]
sevens = X_train[y_train == 7]
nearest7 = sevens[np.argmin(np.linalg.norm(sevens - x1, axis=1))]
d_real = np.linalg.norm(nearest7 - x1[0])
changed = np.abs(best_x - x1)[0] > 0.05
print(f"new class {p_new.argmax()} with probability {p_new.max():.3f}")
print(f"size of the change ||x - x1|| = {best_dist:.3f}; distance to the nearest real 7 = {d_real:.3f}")
print(f"pixels changed by more than 0.05: {changed.sum()} of 64")

change_scale = np.abs(best_x - x1).max()
fig, axes = plt.subplots(1, 4, figsize=(12, 3.4))
panels = [(x1[0], "a real 1 (classified 1)", "gray_r", 0, 1),
          (best_x[0] - x1[0], "the change x - x1", "RdBu_r", -change_scale, change_scale),
          (best_x[0], f"x: classified {p_new.argmax()} (p = {p_new.max():.2f})", "gray_r", 0, 1),
          (nearest7, "nearest real 7 (training set)", "gray_r", 0, 1)]
for ax, (img, title, cmap, vmin, vmax) in zip(axes, panels):
    im = ax.imshow(img.reshape(8, 8), cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("pixel column")
    ax.set_ylabel("pixel row")
fig.colorbar(axes[1].images[0], ax=axes[1], fraction=0.046, label="pixel change")
fig.suptitle(f"The smallest change found that turns a 1 into a 7: norm {best_dist:.2f} "
             f"vs {d_real:.2f} to a real 7")
fig.tight_layout()

%% code check
assert best_x is not None and np.all((best_x >= 0) & (best_x <= 1))
assert net.forward(best_x).argmax() == 7
# Far less than what it takes to reach an actual 7: the network's "7" region comes close to this "1".
assert best_dist < 0.5 * d_real

%% md
The change is small and concentrated on a few pixels: the classifier's
decision boundary passes much closer to this "1" than any real "7" does. This
is the same question as in notebook 04 — which input makes an output
largest — asked with a constraint (stay close to $x_1$) and a box (valid
pixels). Unlike the 10-bit network of notebook 04, nothing here certifies that
the change is the smallest possible: projected gradient descent gives a local
answer, checked by what it achieves (class 7, pixels in range), not a proof.

## Summary

* `load_digits()` ships the 1,797 UCI digits (CC BY 4.0) with the package.
* A 64-32-10 tanh network with a softmax cross-entropy reaches ≥ 95 % on a
  fixed test split in about a second.
* Class-maximising images: projected ascent on $z_c(x) - \lambda\lVert x\rVert^2$ in
  $[0, 1]^{64}$, verified by the class they get, the KKT check, and their
  resemblance to the class mean.
* A "1" becomes a "7" with a change less than half the distance to any real 7.
'''

# ----------------------------------------------------------------- exercises
# The grading helper shared by every exercise (pasted into its setup cell).
_GRADE = r'''
def grade(title, check):
    """Run one check; print PASS or FAIL with its report, then assert (a FAIL stops the notebook)."""
    try:
        result = check()
    except NotImplementedError:
        print(f"FAIL  {title}\n      not implemented yet: the cell marked YOUR CODE HERE still "
              "raises NotImplementedError")
        raise AssertionError(f"{title}: not implemented yet") from None
    if isinstance(result, tuple):             # (passed, explanation)
        passed, text = result
    else:                                     # a mininn.gradcheck report (or Taylor result)
        passed, text = bool(result.passed), str(result)
    print(f"{'PASS' if passed else 'FAIL'}  {title}\n{text}")
    assert passed, f"{title} failed:\n{text}"
'''.strip("\n")

EXERCISES["ex1_tanh_backward"] = r'''
%% md
# Exercise 1 · The backward pass of `tanh`

**Goal:** write the `backward` method of a `tanh` layer, and let mininn's
gradient checker grade it.

A layer in mininn is any object with `params` and `grads` (dicts; empty here),
`forward(z)` and `backward(da)`. For an elementwise activation $a = \tanh(z)$
the backward pass receives $\bar a = \partial L / \partial a$ (same shape as $a$)
and returns

$$\bar z = \frac{\partial L}{\partial z} = \bar a \odot \tanh'(z), \qquad
\tanh'(z) = 1 - \tanh^2 z = 1 - a^2 .$$

Use the output $a$ stored by `forward` — no need to recompute $\tanh$.

**How you are graded:** run every cell. The check cells at the bottom print
**PASS** or **FAIL** with the checker's report; a FAIL stops the notebook with an
`AssertionError`. Until you fill in the marked cell, they all fail.

%% code
import numpy as np

import mininn
from mininn.gradcheck import check_layer, check_network

rng = np.random.default_rng(0)

''' + _GRADE + r'''

%% md
## Your code

Replace the line `raise NotImplementedError` with the backward pass. Only edit this cell.

%% student
class MyTanh:
    """tanh as a layer: a = tanh(z) elementwise. Shapes: z, a, da, dz all (n, features)."""

    def __init__(self):
        self.params, self.grads = {}, {}      # no parameters

    def forward(self, z):
        self.a = np.tanh(z)                   # kept for backward
        return self.a

    def backward(self, da):
        # YOUR CODE HERE: return dz = da * tanh'(z), using the stored output self.a
        raise NotImplementedError

%% solution
class MyTanh:
    """tanh as a layer: a = tanh(z) elementwise. Shapes: z, a, da, dz all (n, features)."""

    def __init__(self):
        self.params, self.grads = {}, {}      # no parameters

    def forward(self, z):
        self.a = np.tanh(z)                   # kept for backward
        return self.a

    def backward(self, da):
        return da * (1.0 - self.a ** 2)

%% md
## Checks

**1.** The gradient checker compares your `backward(dy)` with central
differences of $\mathrm{sum}(\mathrm{forward}(z) \odot dy)$ for a random upstream
`dy`; a correct smooth layer gives a relative error around $10^{-10}$ (pass: $< 10^{-7}$).

%% code check
z = rng.normal(size=(4, 5))
grade("MyTanh passes the gradient check", lambda: check_layer(MyTanh(), z))

%% md
**2.** The same check far out in the tails ($|z|$ up to 6), where $\tanh' \approx 10^{-5}$:
a formula that is only approximately right shows up here.

%% code check
z_wide = np.linspace(-6, 6, 24).reshape(4, 6)
grade("MyTanh passes the gradient check in the tails", lambda: check_layer(MyTanh(), z_wide))

%% md
**3.** Your layer inside a network: `Dense → MyTanh → Dense`, trained with the
mean squared error. `check_network` checks every weight and the input; if it
fails it checks each layer on its own and names the culprit.

%% code check
def network_check():
    net = mininn.Sequential([mininn.Dense(3, 4, seed=0), MyTanh(), mininn.Dense(4, 2, seed=1)])
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    return check_network(net, X, Y, loss="mse")

grade("a network with MyTanh passes the gradient check", network_check)
'''

EXERCISES["ex2_dense_backward"] = r'''
%% md
# Exercise 2 · The backward pass of a `Dense` layer

**Goal:** write the `backward` method of a fully connected layer
$y = xW + b$ — the parameter gradients *and* the gradient with respect to the input.

Shapes: $x$ is $(n, d)$, $W$ is $(d, m)$, $b$ is $(m,)$, $y$ and the upstream
gradient $\bar y$ are $(n, m)$. From $y_{ij} = \sum_k x_{ik} W_{kj} + b_j$:

$$
\bar W = x^{\top} \bar y \;(d \times m), \qquad
\bar b = \sum_{i} \bar y_{i,:} \;(m), \qquad
\bar x = \bar y\, W^{\top} \;(n \times d).
$$

The bias is broadcast over the batch in the forward pass, so its gradient is a
**sum** over the batch. Two rules of mininn's Layer contract:
`backward` *overwrites* `self.grads` (it never adds to what was there), and it
*returns* $\bar x$.

**How you are graded:** run every cell; the check cells print **PASS** or
**FAIL** with the report and stop at the first FAIL.

%% code
import numpy as np

import mininn
from mininn.gradcheck import check_layer, check_network

rng = np.random.default_rng(0)

''' + _GRADE + r'''

%% md
## Your code

Fill in `backward`. Only edit this cell.

%% student
class MyDense:
    """y = x @ W + b. Shapes: x (n, n_in), W (n_in, n_out), b (n_out,), y (n, n_out)."""

    def __init__(self, n_in, n_out, seed=0):
        r = np.random.default_rng(seed)
        self.n_in, self.n_out = n_in, n_out
        self.params = {"W": r.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out)),
                       "b": r.normal(0.0, 0.1, size=n_out)}
        self.grads = {"W": np.zeros((n_in, n_out)), "b": np.zeros(n_out)}

    def forward(self, x):
        self.x = x                                   # kept for backward
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dy):
        # YOUR CODE HERE: set self.grads["W"] and self.grads["b"] (overwrite them,
        # summed over the batch) and return dx, the gradient with respect to the input
        raise NotImplementedError

%% solution
class MyDense:
    """y = x @ W + b. Shapes: x (n, n_in), W (n_in, n_out), b (n_out,), y (n, n_out)."""

    def __init__(self, n_in, n_out, seed=0):
        r = np.random.default_rng(seed)
        self.n_in, self.n_out = n_in, n_out
        self.params = {"W": r.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out)),
                       "b": r.normal(0.0, 0.1, size=n_out)}
        self.grads = {"W": np.zeros((n_in, n_out)), "b": np.zeros(n_out)}

    def forward(self, x):
        self.x = x                                   # kept for backward
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dy):
        self.grads["W"] = self.x.T @ dy
        self.grads["b"] = dy.sum(axis=0)
        return dy @ self.params["W"].T

%% md
## Checks

**1.** The gradient checker: rows `x`, `W` and `b`, each compared with central
differences (pass: relative error $< 10^{-7}$; expect about $10^{-10}$). If a row
fails, the report names it and shows the worst entry.

%% code check
x = rng.normal(size=(5, 3))
grade("MyDense passes the gradient check (x, W and b)", lambda: check_layer(MyDense(3, 2), x))

%% md
**2.** Gradients are *overwritten*, not accumulated: two identical backward
calls must leave identical gradients.

%% code check
def overwrite_check():
    layer = MyDense(3, 2, seed=1)
    dy = rng.normal(size=(5, 2))
    layer.forward(x)
    layer.backward(dy)
    first = {k: np.array(v, copy=True) for k, v in layer.grads.items()}
    layer.backward(dy)
    same = all(np.array_equal(first[k], layer.grads[k]) for k in first)
    return same, ("the second call gave the same gradients" if same else
                  "the second backward call changed the gradients: they are being accumulated "
                  "(+=) instead of overwritten (=)")

grade("backward overwrites grads instead of accumulating them", overwrite_check)

%% md
**3.** Your layer in a two-layer network with a sigmoid, against a loss.

%% code check
def network_check():
    net = mininn.Sequential([MyDense(4, 3, seed=2), mininn.Sigmoid(), MyDense(3, 1, seed=3)])
    X, y = rng.normal(size=(8, 4)), rng.normal(size=8)
    return check_network(net, X, y, loss="mse")

grade("a network of MyDense layers passes the gradient check", network_check)
'''

EXERCISES["ex3_input_gradient"] = r'''
%% md
# Exercise 3 · The input gradient of a two-layer network

**Goal:** compute, by hand, how the output of a small network changes with its
**input** — the quantity every input search (notebook 04) is built on.

The network has $k$ inputs, $m$ hidden `tanh` units and one sigmoid output:

$$
H = \tanh(X W_1 + b_1) \;(n \times m), \qquad
y = \sigma(H W_2 + b_2) \;(n \times 1),
$$

with $W_1: (k, m)$, $b_1: (m,)$, $W_2: (m, 1)$, $b_2: (1,)$. Each sample's output
depends only on its own row, so the gradient is one row per sample:
$G_{ic} = \partial y_i / \partial X_{ic}$, shape $(n, k)$. Chain rule, from the output back:

$$
\frac{\partial y_i}{\partial X_{ic}} = \sigma'(z_i) \sum_{u} W_{2,u}\,\big(1 - H_{iu}^2\big)\, W_{1,cu},
\qquad \sigma'(z) = y (1 - y).
$$

Write it with matrix operations (no loop over samples).

**How you are graded:** the check cells print **PASS** or **FAIL** with the
report; a FAIL stops the notebook.

%% code
import numpy as np

import mininn
from mininn.activations import sigmoid
from mininn.gradcheck import check_gradient, taylor_test

rng = np.random.default_rng(0)
k, m, n = 3, 5, 4
W1, b1 = rng.normal(size=(k, m)), rng.normal(size=m)
W2, b2 = rng.normal(size=(m, 1)), rng.normal(size=1)
X = rng.normal(size=(n, k))


def network_output(X):
    """y = sigmoid(tanh(X W1 + b1) W2 + b2): (n, k) -> (n,)."""
    return sigmoid(np.tanh(X @ W1 + b1) @ W2 + b2)[:, 0]

''' + _GRADE + r'''

%% md
## Your code

Only edit this cell.

%% student
def input_gradient(X, W1, b1, W2, b2):
    """d y_i / d X_ic for y = sigmoid(tanh(X W1 + b1) W2 + b2). X: (n, k) -> (n, k)."""
    # YOUR CODE HERE: forward pass (keep H and y), then the chain rule backwards
    raise NotImplementedError

%% solution
def input_gradient(X, W1, b1, W2, b2):
    """d y_i / d X_ic for y = sigmoid(tanh(X W1 + b1) W2 + b2). X: (n, k) -> (n, k)."""
    H = np.tanh(X @ W1 + b1)                 # (n, m)
    y = sigmoid(H @ W2 + b2)                 # (n, 1)
    dz = y * (1.0 - y)                       # (n, 1): sigma'(z), upstream gradient 1
    dH = dz @ W2.T                           # (n, m)
    dA = dH * (1.0 - H ** 2)                 # (n, m): through tanh
    return dA @ W1.T                         # (n, k)

%% md
## Checks

**1.** mininn's `check_gradient` compares your $G$ with central differences.
Because the samples do not interact, $G$ is exactly the gradient of
$F(X) = \sum_i y_i(X)$ with respect to the whole batch $X$.

%% code check
grade("input_gradient matches central differences",
      lambda: check_gradient(lambda Z: network_output(Z).sum(), X, input_gradient(X, W1, b1, W2, b2),
                             name="X"))

%% md
**2.** A Taylor test needs no tolerance: for the right gradient $G$ the remainder
$|F(X + \epsilon D) - F(X) - \epsilon\, G\cdot D|$ shrinks like $\epsilon^2$ (slope 2 on
a log-log plot); for a wrong one, only like $\epsilon$ (slope 1).

%% code check
grade("the Taylor remainder shrinks like eps^2",
      lambda: taylor_test(lambda Z: network_output(Z).sum(), X, input_gradient(X, W1, b1, W2, b2)))

%% md
**3.** The same network built from mininn layers: its `input_gradient` (one
backward pass with upstream gradient 1) must agree with yours to round-off.

%% code check
def agrees_with_mininn():
    net = mininn.Sequential([mininn.Dense(k, m), mininn.Tanh(), mininn.Dense(m, 1), mininn.Sigmoid()])
    net[0].params["W"][:], net[0].params["b"][:] = W1, b1
    net[2].params["W"][:], net[2].params["b"][:] = W2, b2
    theirs = net.input_gradient(X, output=0)
    ours = np.asarray(input_gradient(X, W1, b1, W2, b2), dtype=float)
    if ours.shape != theirs.shape:
        return False, f"your gradient has shape {ours.shape}, expected {theirs.shape}"
    err = np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs))
    return err < 1e-12, f"relative difference from net.input_gradient: {err:.1e} (pass: < 1e-12)"

grade("input_gradient agrees with mininn's Sequential.input_gradient", agrees_with_mininn)
'''

EXERCISES["ex4_projected_step"] = r'''
%% md
# Exercise 4 · One step of projected gradient ascent

**Goal:** write the step that keeps input search inside its box — the fix for
the 2016 bug, where unconstrained descent walked out of $[0, 1]^2$ (notebook 04).

To maximise output 0 of a network $f$ over the box $lo \le x \le hi$, take a
gradient step, then project back onto the box:

$$
x \leftarrow \Pi_{[lo, hi]}\big(x + \eta\, \nabla_x f(x)\big),
\qquad \Pi_{[lo,hi]}(v)_i = \min\big(\max(v_i, lo_i), hi_i\big).
$$

Use `net.input_gradient(x, output=0)` for $\nabla_x f$ — shape $(n, k)$, one row
per start — and `np.clip` for $\Pi$. All starts move together: no loop.

**How you are graded:** the check cells print **PASS** or **FAIL** with the
report; a FAIL stops the notebook.

%% code
import numpy as np

import mininn
from mininn.datasets import problem_2016
from mininn.gradcheck import check_gradient, numerical_gradient
from mininn.inputs import maximize_input

# The 2016 network (notebook 03): 2-3-1 sigmoid, uniform init, per-sample SGD, lr 0.1, 5000 epochs.
X16, y16 = problem_2016()
net = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=0)
mininn.fit(net, X16, y16, "mse", mininn.SGD(0.1), epochs=5000, batch_size=1, seed=0)
lo, hi = np.zeros(2), np.ones(2)

''' + _GRADE + r'''

%% md
## Your code

Only edit this cell.

%% student
def projected_step(net, x, lr, lo, hi):
    """One projected gradient-ascent step on output 0. x: (n, k) -> new x: (n, k), inside [lo, hi]."""
    # YOUR CODE HERE: step along net.input_gradient(x, output=0), then clip into [lo, hi]
    raise NotImplementedError

%% solution
def projected_step(net, x, lr, lo, hi):
    """One projected gradient-ascent step on output 0. x: (n, k) -> new x: (n, k), inside [lo, hi]."""
    return np.clip(x + lr * net.input_gradient(x, output=0), lo, hi)

%% md
## Checks

**1.** Away from the edges the projection does nothing, so a tiny step divided
by the learning rate *is* the gradient your step used. The gradient checker
compares it with central differences of $F(x) = \sum_i f(x_i)$.

%% code check
def direction_check():
    x = np.array([[0.3, 0.6], [0.5, 0.5], [0.7, 0.2]])
    lr = 1e-3
    direction = (projected_step(net, x, lr, lo, hi) - x) / lr
    return check_gradient(lambda z: net.forward(z)[:, 0].sum(), x, direction, name="step / lr")

grade("the step goes along the input gradient", direction_check)

%% md
**2.** Near the edges, with a large step, the projection must clip exactly:
the result is $\Pi(x + \eta\, g)$ with $g$ from finite differences, and every
coordinate stays in $[0, 1]$.

%% code check
def projection_check():
    x = np.array([[0.02, 0.97], [0.99, 0.01], [0.5, 0.999]])
    lr = 5.0
    ours = projected_step(net, x, lr, lo, hi)
    g = numerical_gradient(lambda z: net.forward(z)[:, 0].sum(), x)
    expected = np.clip(x + lr * g, lo, hi)
    inside = bool(np.all((ours >= lo) & (ours <= hi)))
    err = float(np.max(np.abs(ours - expected)))
    return inside and err < 1e-6, (f"inside the box: {inside}; largest difference from "
                                   f"clip(x + lr * g_numeric): {err:.1e} (pass: < 1e-6)")

grade("the step is projected onto the box", projection_check)

%% md
**3.** The whole search: 300 of your steps from the 2016 start $[1, u]$ must
stay in the box, reach the corner $[0, 1]$, and follow exactly the path of
`mininn.inputs.maximize_input(..., method="projected")` with the same step size.

%% code check
def search_check():
    x = np.array([[1.0, np.random.default_rng(0).random()]])
    path = [x]
    for _ in range(300):
        x = projected_step(net, x, 0.1, lo, hi)
        path.append(x)
    path = np.array(path)[:, 0, :]                               # (301, 2)
    ref = maximize_input(net, x0=path[0], method="projected", optimizer=mininn.SGD(0.1),
                         steps=300, tol=0.0)
    inside = bool(np.all((path >= 0) & (path <= 1)))
    at_corner = bool(np.max(np.abs(path[-1] - [0.0, 1.0])) < 0.05)
    same = bool(np.allclose(path, ref.trajectory[:, 0, :], rtol=0, atol=1e-12))
    return inside and at_corner and same, (
        f"stayed inside: {inside}; final x = {path[-1]} (near [0, 1]: {at_corner}); "
        f"same path as maximize_input: {same}")

grade("300 steps from the 2016 start reach [0, 1] inside the box", search_check)
'''


TUTORIALS["02_gradient_checking"] = r'''
%% md
# 02 · Gradient checking: when can a number be trusted?

Every derivative in mininn is written by hand, so every one of them can be
wrong. The independent check is a **finite difference**: it needs nothing but
the forward pass. But a finite difference is itself an approximation, and
reading "relative error 3e-6" correctly needs to know where the error comes
from. This notebook measures it:

1. forward versus central differences — truncation error $O(h)$ versus $O(h^2)$;
2. choosing the step $h$ — truncation against round-off, on a log–log plot;
3. float32 versus float64;
4. kinks — ReLU at 0, where no derivative exists;
5. reading a report that points at a deliberately broken layer.

%% code
import warnings

import numpy as np
import matplotlib.pyplot as plt

import mininn
from mininn import gradcheck
from mininn.activations import sigmoid, softplus
from mininn.gradcheck import (check_layer, check_network, layer_objective,
                              numerical_gradient, step_size_sweep, taylor_test)

np.set_printoptions(precision=4, suppress=True)
EPS_MACH = np.finfo(np.float64).eps
print(f"float64 machine epsilon: {EPS_MACH:.2e}")

%% md
## 1. Forward versus central differences

Taylor's theorem around $x$:
$$f(x \pm h) = f(x) \pm h f'(x) + \tfrac{h^2}{2} f''(x) \pm \tfrac{h^3}{6} f^{(3)}(x) + O(h^4).$$

The **forward** difference keeps the $h^2$ term:
$$\frac{f(x+h) - f(x)}{h} = f'(x) + \tfrac{h}{2} f''(x) + O(h^2) \qquad\text{error } O(h).$$

The **central** difference cancels it (the even terms cancel in $f(x+h) - f(x-h)$):
$$\frac{f(x+h) - f(x-h)}{2h} = f'(x) + \tfrac{h^2}{6} f^{(3)}(x) + O(h^4) \qquad\text{error } O(h^2).$$

That is the **truncation** error. The second error is **round-off**: each value
of $f$ is stored with a relative error up to $\varepsilon_{mach} \approx 2.2\times 10^{-16}$,
and dividing their difference by $h$ magnifies it to about $\varepsilon_{mach} |f| / h$.

The test function: output 0 of a small untrained 2-3-1 sigmoid network as a
function of its first input, whose exact derivative comes from `input_gradient`.

%% code
net = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", seed=0)
x0 = np.array([[0.3, 0.7]])
e0 = np.array([[1.0, 0.0]])


def f(t):
    """Output 0 at x0 + t e0 (a scalar function of one variable t)."""
    return net.forward(x0 + t * e0)[0, 0]


exact = net.input_gradient(x0, output=0)[0, 0]
hs = np.logspace(-1, -13, 25)
err_forward = np.array([abs((f(h) - f(0.0)) / h - exact) for h in hs]) / abs(exact)
err_central = np.array([abs((f(h) - f(-h)) / (2 * h) - exact) for h in hs]) / abs(exact)


def loglog_slope(mask, err):
    """Least-squares slope of log(err) against log(h) over the selected steps."""
    return np.polyfit(np.log(hs[mask]), np.log(err[mask]), 1)[0]


slopes = {
    "forward, truncation (h >= 1e-5)": loglog_slope(hs >= 1e-5, err_forward),
    "central, truncation (h >= 1e-3)": loglog_slope(hs >= 1e-3, err_central),
    "forward, round-off (h <= 1e-10)": loglog_slope(hs <= 1e-10, err_forward),
    "central, round-off (h <= 1e-8)": loglog_slope(hs <= 1e-8, err_central),
}
for name, s in slopes.items():
    print(f"{name:>34}: slope {s:+.2f}")
best_f, best_c = hs[err_forward.argmin()], hs[err_central.argmin()]
print(f"best h: forward {best_f:.0e} (error {err_forward.min():.1e}), "
      f"central {best_c:.0e} (error {err_central.min():.1e})")

%% code check
s = list(slopes.values())
assert abs(s[0] - 1) < 0.1 and abs(s[1] - 2) < 0.1        # truncation: O(h) and O(h^2)
assert abs(s[2] + 1) < 0.3 and abs(s[3] + 1) < 0.3        # round-off: O(1/h)
assert err_central.min() < err_forward.min() / 100        # central wins by orders of magnitude

%% md
## 2. Choosing the step

Adding the two errors gives the total, and its minimum the best step:

| | total error | best $h$ | best error |
|---|---|---|---|
| forward | $\frac{h}{2}\lvert f''\rvert + \frac{2\varepsilon\lvert f\rvert}{h}$ | $\sim\sqrt{\varepsilon} \approx 10^{-8}$ | $\sim\sqrt{\varepsilon} \approx 10^{-8}$ |
| central | $\frac{h^2}{6}\lvert f^{(3)}\rvert + \frac{\varepsilon\lvert f\rvert}{h}$ | $\sim\varepsilon^{1/3} \approx 10^{-5}$ | $\sim\varepsilon^{2/3} \approx 10^{-11}$ |

(taking $|f|$, $|f''|$, $|f^{(3)}|$ of order 1). Hence mininn's default
`gradcheck.DEFAULT_EPS` $= 10^{-5}$, and the rule of thumb that a correct smooth
gradient agrees to about $10^{-10}$. Smaller is **not** better: below the best
step the error *grows* again, like $1/h$.

%% code
fig, ax = plt.subplots(figsize=(7, 4.5))
ax.loglog(hs, err_forward, "o-", ms=4, label="forward difference")
ax.loglog(hs, err_central, "s-", ms=4, label="central difference")
ax.loglog(hs, 0.5 * hs * err_forward[0] / (0.5 * hs[0]), ":", color="C0", label=r"slope 1: $\propto h$")
ax.loglog(hs, err_central[0] * (hs / hs[0]) ** 2, ":", color="C1", label=r"slope 2: $\propto h^2$")
ax.loglog(hs, EPS_MACH / hs, "--", color="0.4", label=r"slope -1: $\varepsilon_{mach}/h$")
ax.axvline(gradcheck.DEFAULT_EPS, color="k", lw=0.8, label="mininn's default h = 1e-5")
ax.set_ylim(1e-13, 1)
ax.set_title("Error of finite differences against the step h (float64)")
ax.set_xlabel("step h")
ax.set_ylabel("relative error of the derivative")
ax.legend(fontsize=8)

%% md
`gradcheck.step_size_sweep` does the same for any scalar function and its
gradient — here a whole `Dense` layer, through the scalar
$\mathrm{sum}(\mathrm{forward}(x) \odot dy)$ the checker uses for layers (its gradient is
what `backward(dy)` returns). It fits the two slopes and finds the best step.

%% code
layer = mininn.Sequential([mininn.Dense(4, 3, seed=0), mininn.Tanh()])
x_layer = np.random.default_rng(1).normal(size=(2, 4))
f_layer, g_layer = layer_objective(layer[0], x_layer)        # the Dense layer alone
sweep = step_size_sweep(f_layer, x_layer, g_layer)
print(sweep)

%% code check
# Dense is linear in x, so its central difference has no truncation error at all:
# only round-off is left, and the smallest error sits at the LARGEST step.
assert sweep.best_error < 1e-9 and sweep.best_step >= 1e-3

%% md
A linear function is too easy — central differences are exact up to round-off.
The `tanh` layer is not linear, and shows both regimes:

%% code
f_tanh, g_tanh = layer_objective(mininn.Tanh(), x_layer)
sweep_tanh = step_size_sweep(f_tanh, x_layer, g_tanh)
print(sweep_tanh)
fig, ax = plt.subplots(figsize=(7, 4.5))
sweep_tanh.plot(ax=ax)
ax.set_title("Step-size sweep of a Tanh layer (gradcheck.step_size_sweep)")

%% code check
assert abs(sweep_tanh.truncation_slope - 2) < 0.2
assert abs(sweep_tanh.roundoff_slope + 1) < 0.3
assert 1e-7 <= sweep_tanh.best_step <= 1e-3 and sweep_tanh.best_error < 1e-9

%% md
## 3. float32 versus float64

In float32, $\varepsilon_{mach} \approx 1.2 \times 10^{-7}$: the best central step moves up to
$\varepsilon^{1/3} \approx 5 \times 10^{-3}$ and the best reachable error to
$\varepsilon^{2/3} \approx 2\times10^{-5}$ — a perfectly correct gradient then "fails" a
$10^{-7}$ tolerance. Same network, same point, evaluated in float32:

%% code
def f32(t):
    """The same output computed entirely in float32."""
    a = (x0 + t * e0).astype(np.float32)
    for lay in net.layers:
        if lay.params:
            a = a @ lay.params["W"].astype(np.float32) + lay.params["b"].astype(np.float32)
        else:
            a = np.float32(1) / (np.float32(1) + np.exp(-a))
    return float(a[0, 0])


err_central32 = np.array([abs((f32(h) - f32(-h)) / (2 * h) - exact) for h in hs]) / abs(exact)
best32 = hs[err_central32.argmin()]
print(f"float64: best h {best_c:.0e}, error {err_central.min():.1e}")
print(f"float32: best h {best32:.0e}, error {err_central32.min():.1e}")

fig, ax = plt.subplots(figsize=(7, 4))
ax.loglog(hs, err_central, "s-", ms=4, label="central difference, float64")
ax.loglog(hs, err_central32, "^-", ms=4, label="central difference, float32")
ax.set_title("Central differences in float32 and float64")
ax.set_xlabel("step h")
ax.set_ylabel("relative error of the derivative")
ax.legend()

%% code check
assert err_central.min() < 1e-9 and err_central32.min() > 1e-7   # float32 cannot pass 1e-7
assert best32 > 100 * best_c                                      # and wants a much larger step

%% md
mininn's checker therefore refuses to run in low precision: given float32
data it warns (`PrecisionWarning`, explaining the round-off) and runs the
check on a float64 copy.

%% code
x32 = x_layer.astype(np.float32)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    report32 = check_layer(mininn.Sigmoid(), x32)
for w in caught:
    print(f"{w.category.__name__}: {w.message}")
print(report32)

%% code check
assert any(issubclass(w.category, gradcheck.PrecisionWarning) for w in caught)
assert report32.passed and x32.dtype == np.float32                # the caller's array untouched

%% md
## 4. Kinks: ReLU at 0

$\mathrm{ReLU}(z) = \max(z, 0)$ has no derivative at $z = 0$: the slope is 0 on the left
and 1 on the right, and *any* value in $[0, 1]$ is a valid subgradient. mininn
takes $\mathrm{ReLU}'(0) = 0$. A central difference straddling the kink,
$\frac{\mathrm{ReLU}(h) - \mathrm{ReLU}(-h)}{2h} = \tfrac12$, is neither — a naive check
reports a relative error of 1 for a correct layer. More generally, an input
within $h$ of 0 mixes the two slopes.

mininn's checker watches for this: when the perturbation moves a unit's input
across its kink, it computes the one-sided slopes and accepts the analytic value
if it lies between them. The row then reads **kink** — not "pass", not "FAIL" —
with a note naming the entry.

%% code
z = np.array([[0.0, 3e-6, -2e-6, 0.8, -1.1]])      # three entries within h = 1e-5 of the kink
relu = mininn.ReLU()
relu.forward(z)
analytic = relu.backward(np.ones_like(z))
naive = numerical_gradient(lambda v: float(np.sum(np.maximum(v, 0.0))), z.copy())
print("analytic ReLU'(z):         ", analytic)
print("naive central differences: ", naive)

report_kink = check_layer(relu, z)
print(report_kink)

%% code check
assert abs(naive[0, 0] - 0.5) < 1e-6 and analytic[0, 0] == 0.0   # the straddling difference
assert report_kink.passed and report_kink["x"].status == "kink"

%% md
Kink awareness is not a licence for any value: a slope that is wrong *away*
from the kink still fails. Here is a leaky ReLU whose backward uses slope 0.1 on
the negative side while its forward uses 0.01:

%% code
class LeakyWithWrongSlope(mininn.LeakyReLU):
    """Forward with slope 0.01 for z < 0; backward (wrongly) with 0.1."""

    def backward(self, da):
        return da * np.where(self._active, 1.0, 0.1)


report_slope = check_layer(LeakyWithWrongSlope(), z)
print(report_slope)

%% code check
assert not report_slope.passed and report_slope["x"].status == "FAIL"

%% md
## 5. Reading a report that points at a broken layer

A custom softplus layer, $\operatorname{softplus}(z) = \log(1 + e^z)$, with a classic slip
in its derivative: it should be $\sigma(z)$, and it is written $\sigma(-z)$.
Put it in the middle of a network and check the whole network against its loss:

%% code
class SoftplusWithASignSlip:
    """softplus as a layer -- with a deliberately wrong derivative sigma(-z) (should be sigma(z))."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, z):
        self.z = z
        return softplus(z)

    def backward(self, da):
        return da * sigmoid(-self.z)          # BUG: the sign


rng = np.random.default_rng(0)
broken = mininn.Sequential([mininn.Dense(3, 5, seed=0), SoftplusWithASignSlip(),
                            mininn.Dense(5, 1, seed=1), mininn.Sigmoid()])
X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=6).astype(float)
report = check_network(broken, X, y, loss="bce")
print(report)

%% md
How to read it, top to bottom:

* **Rows are sorted worst first.** The failing ones are the input `X` and the
  parameters of the first `Dense` layer (`0.Dense.W`, `0.Dense.b`): everything
  *below* the broken layer, because its wrong derivative is chained into them.
  The layers *above* it (`2.Dense.*`) pass — their gradients never go through
  the broken backward.
* **The band** translates the relative error into words (CS231n's rule of thumb):
  $> 10^{-2}$ "probably wrong" is a bug, not round-off.
* **Worst index, analytic, numeric**: the entry to look at first.
* When the network fails, the checker also **checks each layer on its own** at
  the input it sees, adds the failing ones as rows "… (alone)", and its
  **diagnosis** names the culprit.

%% code check
failing = {row.name for row in report.failures}
assert not report.passed
assert {"0.Dense.W", "0.Dense.b", "X"} <= failing                       # below the bug: wrong
assert report["2.Dense.W"].ok and report["2.Dense.b"].ok                 # above the bug: right
assert any(name.startswith("1.SoftplusWithASignSlip") for name in failing)  # the layer, alone
assert "1.SoftplusWithASignSlip" in report.diagnosis
assert report["0.Dense.W"].band == "probably wrong"

%% md
### The same verdict without a tolerance: the Taylor test

With the correct gradient $g$, the remainder
$r(\epsilon) = |f(x + \epsilon d) - f(x) - \epsilon\, g\cdot d|$ shrinks like $\epsilon^2$; with a
wrong one, only like $\epsilon$. The slope on a log–log plot decides — no threshold
to argue about.

%% code
class SoftplusFixed(SoftplusWithASignSlip):
    def backward(self, da):
        return da * sigmoid(self.z)


zs = rng.normal(size=(4, 5))
taylor = {}
for name, lay in [("sign slip", SoftplusWithASignSlip()), ("fixed", SoftplusFixed())]:
    f_l, g_l = layer_objective(lay, zs)
    taylor[name] = taylor_test(f_l, zs, g_l)
    print(f"{name:>9}: {taylor[name]}")

fig, ax = plt.subplots(figsize=(6.5, 4))
for name, res in taylor.items():
    ax.loglog(res.epsilons, res.residuals, "o-", ms=4, label=f"{name}: slope {res.slope:.2f}")
ax.set_title("Taylor test of the softplus layer")
ax.set_xlabel(r"step $\epsilon$")
ax.set_ylabel(r"remainder $|f(x+\epsilon d) - f(x) - \epsilon\, g \cdot d|$")
ax.legend()

%% code check
assert abs(taylor["fixed"].slope - 2) < 0.1 and taylor["fixed"].passed
assert abs(taylor["sign slip"].slope - 1) < 0.1 and not taylor["sign slip"].passed
assert check_layer(SoftplusFixed(), zs).passed

%% md
Finally, the checker's own negative control: `gradcheck.selftest()` checks a
correct sigmoid (must pass) and one whose backward uses $z$ where $\sigma(z)$
belongs (must fail), and returns the failing report — what a caught bug looks
like.

%% code
caught_bug = gradcheck.selftest()
print(caught_bug)

%% code check
assert not caught_bug.passed

%% md
## Summary

* Central differences: error $O(h^2)$ + round-off $\varepsilon/h$, best at
  $h \approx 10^{-5}$ in float64, where a correct gradient agrees to $\sim 10^{-10}$.
* Forward differences: $O(h)$, best $\sim 10^{-8}$ — avoid them for checking.
* float32 cannot check to $10^{-7}$: check in float64 (mininn does, with a warning).
* At a kink the central difference is meaningless; the one-sided slopes decide.
* A report sorted worst first, with bands in words, the worst entry, and a
  per-layer diagnosis, points at the broken layer — and the Taylor test
  confirms it without any tolerance.
'''


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only report notebooks that differ from this script; exit 1 if any")
    args = parser.parse_args(argv)
    if args.check:
        bad = stale()
        for rel in bad:
            print(f"stale: notebooks/{rel}")
        return 1 if bad else 0
    for path in build():
        print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
