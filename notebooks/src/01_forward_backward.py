# ---
# jupyter:
#   jupytext:
#     formats: ipynb,src//py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Forward and backward through one layer, by hand
#
# A network is a chain of small functions. Training it and asking questions of it
# (*which input makes this output largest?*) both need the derivative of a number
# at the end of the chain with respect to things at the start: the weights, or the
# input. This notebook works the chain rule out for the smallest interesting
# piece — one `Dense` layer followed by a `Sigmoid`, scored by the mean squared
# error — then computes the same derivatives with mininn and **checks** them
# against finite differences.
#
# The last part replays a bug from the 2016 code mininn grew from — the bias
# *added* to the input by broadcasting instead of *appended* as a constant
# input — and shows why it cannot happen the same way here.
#
# Every claim in this notebook is checked by an `assert` with a stated tolerance:
# if a formula or the library were wrong, the notebook would fail.

# %%
import numpy as np
import matplotlib.pyplot as plt

import mininn
from mininn.datasets import problem_2016

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. The forward pass
#
# A batch of $n$ samples with $d$ features each is a matrix $X \in \mathbb{R}^{n\times d}$
# (one sample per **row**: batch first). The layer and the loss are
#
# $$
# Z = X W + \mathbf{1}_n b^{\top}, \qquad
# A = \sigma(Z), \qquad
# L = \frac{1}{nm}\sum_{i=1}^{n}\sum_{j=1}^{m} \left(A_{ij} - T_{ij}\right)^2,
# $$
#
# with weights $W \in \mathbb{R}^{d\times m}$, bias $b \in \mathbb{R}^{m}$, targets
# $T \in \mathbb{R}^{n\times m}$ and the logistic function
# $\sigma(z) = 1/(1+e^{-z})$ applied elementwise. The term
# $\mathbf{1}_n b^{\top}$ — the same bias added to every row — is exactly what
# NumPy's broadcasting does in `X @ W + b`.

# %%
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

# %% tags=["check"]
# Same formula, same operations: agreement to a few units in the last place.
np.testing.assert_allclose(A, A_hand, rtol=1e-14, atol=0)
assert abs(L - L_hand) <= 1e-14 * abs(L_hand)

# %% [markdown]
# ## 2. The backward pass, derived
#
# Work backwards, one factor of the chain rule at a time. Write
# $\bar{V} = \partial L / \partial V$ for "the gradient of the loss with respect to $V$",
# always of the same shape as $V$.
#
# **Loss.** $L$ is a mean over $nm$ squares, so
# $$\bar{A} = \frac{2}{nm}\,(A - T).$$
#
# **Sigmoid.** $A_{ij} = \sigma(Z_{ij})$ touches one entry only, and
# $\sigma'(z) = \sigma(z)\,(1-\sigma(z))$, so
# $$\bar{Z} = \bar{A} \odot A \odot (1 - A)$$
# (elementwise products: the Jacobian of an elementwise function is diagonal).
#
# **Dense.** From $Z_{ij} = \sum_k X_{ik} W_{kj} + b_j$:
#
# * $\partial Z_{ij} / \partial W_{kj} = X_{ik}$, summed over the rows $i$:
#   $$\bar{W}_{kj} = \sum_i X_{ik}\,\bar{Z}_{ij} \quad\Longrightarrow\quad \bar{W} = X^{\top}\bar{Z} \quad (d\times m);$$
# * $\partial Z_{ij} / \partial b_j = 1$ for **every** row $i$ — the bias was broadcast
#   over the batch in the forward pass, so its gradient is a **sum** over the batch:
#   $$\bar{b} = \sum_i \bar{Z}_{i,:} = \bar{Z}^{\top}\mathbf{1}_n \quad (m);$$
# * $\partial Z_{ij} / \partial X_{ik} = W_{kj}$, summed over the outputs $j$:
#   $$\bar{X} = \bar{Z}\,W^{\top} \quad (n\times d).$$
#
# The last one is the gradient with respect to the **input**. Training never
# needs it for the first layer, but it is the whole point of input search
# (notebook 04).

# %%
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


# %% [markdown]
# To compare two arrays we use the **relative error**
# $$\mathrm{rel}(a, b) = \frac{\max_i |a_i - b_i|}{\max\left(\max_i |a_i| + \max_i |b_i|,\ 10^{-300}\right)},$$
# which does not care about the overall scale of the numbers. Two computations
# of the same formula in float64 agree to about $10^{-15}$.

# %%
def rel_error(a, b):
    """Largest difference, relative to the size of the numbers (floored to avoid 0/0)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)) + np.max(np.abs(b)), 1e-300)

for name, ours, hand in [("W", dW, dW_hand), ("b", db, db_hand), ("X", dX, dX_hand)]:
    print(f"dL/d{name}: relative error mininn vs by hand = {rel_error(ours, hand):.1e}")

# %% tags=["check"]
# Same formulas, different operation order: float64 round-off only.
assert rel_error(dW, dW_hand) < 1e-12
assert rel_error(db, db_hand) < 1e-12
assert rel_error(dX, dX_hand) < 1e-12


# %% [markdown]
# ## 3. Checking the derivation with finite differences
#
# Agreement between mininn and our NumPy lines only shows that both implement
# the same formulas — they could be the same *wrong* formulas. An independent
# check needs nothing but the forward pass: the **central difference**
#
# $$
# \frac{\partial L}{\partial \theta} \approx \frac{L(\theta + h) - L(\theta - h)}{2h},
# \qquad \text{error} = O(h^2),
# $$
#
# one parameter entry at a time. With $h = 10^{-6}$ in float64, truncation
# ($\sim h^2 = 10^{-12}$) and round-off ($\sim 10^{-16}/h = 10^{-10}$) leave a
# relative error between $10^{-11}$ and $10^{-9}$ for smooth functions like this one;
# notebook 02 explains where these numbers come from.

# %%
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

# %% tags=["check"]
for name, analytic in [("W", dW), ("b", db), ("X", dX)]:
    assert rel_error(analytic, num[name]) < 1e-7, name

# %% [markdown]
# ### A wrong bias gradient does not survive the check
#
# "The bias is broadcast, so its gradient is a sum" is the step people get wrong:
# a frequent slip is to *average* over the batch, or to take the first row only.
# Both give an array of the right shape — the finite differences still catch them.

# %%
wrong = {"mean over the batch": dZ_hand.mean(axis=0), "first row only": dZ_hand[0]}
for label, guess in wrong.items():
    print(f"{label:>20}: relative error {rel_error(guess, num['b']):.2f}")

# %% tags=["check"]
# Both slips are off by O(1), seven orders of magnitude above the tolerance.
for guess in wrong.values():
    assert rel_error(guess, num["b"]) > 1e-2

# %% [markdown]
# mininn's gradient checker does all of this (for every parameter *and* the
# input, with a random upstream gradient) for any object that follows the Layer
# contract — the built-in layers or your own. It is the subject of notebook 02.
#
# ## 4. The same numbers from a network
#
# Stack the two layers into a `Sequential`. Its `backward` chains the layers'
# `backward` calls, so it returns $\bar{X}$ for whatever upstream gradient we pass.
# With the upstream gradient $e_j$ (ones in column $j$, zeros elsewhere) it gives
# the gradient of **output** $j$ with respect to the input:
#
# $$
# \frac{\partial A_{ij}}{\partial X_{ik}} = A_{ij}(1-A_{ij})\,W_{kj}
# \qquad\Longrightarrow\qquad
# J_i = \operatorname{diag}\!\big(A_i \odot (1-A_i)\big)\,W^{\top} \quad (m\times d).
# $$
#
# `input_gradient(X, output=j)` returns row $j$ of each $J_i$, and
# `jacobian(X)` all of $J$, shape $(n, m, d)$.

# %%
net = mininn.Sequential([dense, sigmoid])
print(net.summary())

J = net.jacobian(X)                                    # (n, m, d)
S = A * (1.0 - A)                                      # (n, m): sigma'(z)
J_hand = S[:, :, None] * W.T[None, :, :]               # (n, m, d)
G1 = net.input_gradient(X, output=1)                   # (n, d)
print("J shape", J.shape, " input_gradient shape", G1.shape)

# %% tags=["check"]
assert J.shape == (n, m, d)
assert rel_error(J, J_hand) < 1e-14
assert rel_error(G1, J[:, 1, :]) < 1e-15
# The Jacobian contracted with the loss gradient dL/dA is dL/dX (the chain rule once more).
assert rel_error(np.einsum("nm,nmd->nd", dA_hand, J), dX_hand) < 1e-12

# %% [markdown]
# ## 5. The 2016 broadcasting pitfall
#
# The code mininn grew from trained a 2-3-1 network on four points and meant to
# give each neuron a bias by the classic trick of **appending** a constant input
# 1 to every sample: $\tilde x = [x_1, x_2, 1]$, so that
# $\tilde x\,\tilde W = x W + b$ with $\tilde W = \begin{bmatrix} W \\ b^{\top}\end{bmatrix}$.
# What it wrote instead **added** 1 to every input:

# %%
X16 = np.array([[0, 1], [1, 0], [1, 1], [0, 0]], dtype=float)   # (4, 2)

X_meant = np.hstack([X16, np.ones((4, 1))])    # (4, 3): a constant input for the bias
X_written = X16 + 1                            # (4, 2): broadcasting adds 1 everywhere
print("meant:\n", X_meant, "\nwritten:\n", X_written)

# %% [markdown]
# NumPy raises no error: `X + 1` is a perfectly legal broadcast of a scalar. The
# network then saw inputs in $\{1, 2\}^2$ instead of $\{0, 1\}^2$, and had **no bias
# at all** — or rather, a bias tied to the weights, because
# $(x + \mathbf{1})\,W = x W + \mathbf{1}^{\top} W$: each unit's "bias" was the sum of its
# incoming weights, not a free parameter. Both identities, checked:

# %%
rng16 = np.random.default_rng(2016)
W_aug = rng16.uniform(size=(3, 3))       # the intended (2 + 1) x 3 weights, last row = bias
W2, b2 = W_aug[:2], W_aug[2]

appended = X_meant @ W_aug               # what the code meant: a free bias b2
dense_form = X16 @ W2 + b2               # mininn's Dense: the same thing, no column glued on
added = X_written @ W2                   # what it did: x + 1, no bias
tied = X16 @ W2 + W2.sum(axis=0)         # ... which is a bias equal to the column sums of W

# %% tags=["check"]
np.testing.assert_allclose(appended, dense_form, rtol=1e-15)
np.testing.assert_allclose(added, tied, rtol=1e-15)
assert not np.allclose(added, appended)  # the two models really differ

# %% [markdown]
# ### How mininn rules it out
#
# 1. **The bias is a parameter of `Dense`.** There is no constant column to
#    append, so user code never has a reason to touch the inputs to model a bias.
#    `Dense(2, 3)` holds `W` of shape `(2, 3)` and `b` of shape `(3,)` and computes
#    `x @ W + b`.
# 2. **Shapes are checked at every public entry,** and the message says what was
#    expected and what arrived. Feeding the "appended" data to a network built for
#    two inputs is refused; so is a single sample passed as a 1-d vector (a common
#    cousin of the same mistake).
#
# An honest caveat: `X + 1` has the right *shape*, so no shape check can see
# it — what removes the bug is that, with the bias inside `Dense`, the line that
# contained it no longer needs to exist.

# %%
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

# %% tags=["check"]
assert "2 features" in msg_columns and "(4, 3)" in msg_columns
assert "x[None, :]" in msg_1d or "[None, :]" in msg_1d

# %% [markdown]
# ### The same pitfall in the loss: `(n,)` targets against `(n, 1)` predictions
#
# Broadcasting bites again one step later. A one-output network predicts an
# array of shape `(n, 1)`; labels usually come as shape `(n,)`. In NumPy,
# `pred - y` then broadcasts to an `(n, n)` matrix of *every* prediction minus
# *every* label, and its mean is a plausible-looking wrong number. mininn's losses
# reshape an `(n,)` target to `(n, 1)` explicitly and refuse any other mismatch.
# Even a perfect prediction gets a nonzero "loss" from the broadcast:

# %%
X16_, y16 = problem_2016()
pred = y16[:, None].copy()                      # (4, 1): a PERFECT prediction, loss should be 0
silent = np.mean((pred - y16) ** 2)             # (4, 1) - (4,) -> (4, 4): every prediction minus every label
right = np.mean((pred - y16[:, None]) ** 2)     # (4, 1) - (4, 1): what was meant
print(f"(pred - y) has shape {(pred - y16).shape}: mean {silent:.4f}  <- silently wrong")
print(f"mininn MSE: {mininn.MSE().forward(pred, y16):.4f}   by hand, shapes aligned: {right:.4f}")
msg_target = error_message(lambda: mininn.MSE().forward(pred, np.zeros((2, 2))))

# %% tags=["check"]
assert (pred - y16).shape == (4, 4)
assert silent == 0.375          # 6 of the 16 pairs differ by 1: 6/16
assert right == 0.0 and mininn.MSE().forward(pred, y16) == 0.0
assert "(4, 1)" in msg_target and "(2, 2)" in msg_target

# %% [markdown]
# ## 6. A picture: the layer's output and its input gradient
#
# For a single input feature the whole story fits on one plot: the output
# $a = \sigma(w x + b)$ of one unit, its derivative $\partial a/\partial x = \sigma'(wx+b)\,w$
# from `input_gradient`, and the central difference of the output at a few points.

# %%
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
plt.show()

# %% tags=["check"]
assert rel_error(unit.input_gradient(probe, output=0)[:, 0], fd) < 1e-8

# %% [markdown]
# ## Summary
#
# * Backward passes are the chain rule, one factor per layer:
#   $\bar Z = \bar A \odot \sigma'(Z)$, $\bar W = X^\top \bar Z$,
#   $\bar b = \sum_i \bar Z_{i,:}$, $\bar X = \bar Z W^\top$.
# * Broadcasting in the forward pass becomes a **sum** in the backward pass.
# * Finite differences check a derivation independently of it; a relative error
#   of $10^{-11}$ to $10^{-9}$ is what a correct smooth layer gives with $h = 10^{-6}$.
# * mininn keeps the bias inside `Dense` and checks shapes at every entry, so the
#   2016 bug (bias added to the data) has no line of code to live in, and its
#   cousins (a glued-on column, 1-d samples, `(n,)` targets) get a clear error.
#
# Next: **02 · gradient checking** — how to choose $h$, why central differences,
# float32 versus float64, kinks, and reading a report that points at a broken layer.
