# ---
# jupyter:
#   jupytext:
#     formats: exercises/solutions//ipynb,src//py:percent
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
# # Exercise 3 · The input gradient of a two-layer network
#
# **Goal:** compute, by hand, how the output of a small network changes with its
# **input** — the quantity every input search (notebook 04) is built on.
#
# The network has $k$ inputs, $m$ hidden `tanh` units and one sigmoid output:
#
# $$
# H = \tanh(X W_1 + b_1) \;(n \times m), \qquad
# y = \sigma(H W_2 + b_2) \;(n \times 1),
# $$
#
# with $W_1: (k, m)$, $b_1: (m,)$, $W_2: (m, 1)$, $b_2: (1,)$. Each sample's output
# depends only on its own row, so the gradient is one row per sample:
# $G_{ic} = \partial y_i / \partial X_{ic}$, shape $(n, k)$. Chain rule, from the output back:
#
# $$
# \frac{\partial y_i}{\partial X_{ic}} = \sigma'(z_i) \sum_{u} W_{2,u}\,\big(1 - H_{iu}^2\big)\, W_{1,cu},
# \qquad \sigma'(z) = y (1 - y).
# $$
#
# Write it with matrix operations (no loop over samples).
#
# **How you are graded:** the check cells print **PASS** or **FAIL** with the
# report; "Run all" stops at the first FAIL.

# %%
import numpy as np

import mininn
from mininn.grading import grade
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


# %% [markdown]
# ## Your code
#
# Only edit this cell.

# %% nbgrader={"grade": false, "grade_id": "answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def input_gradient(X, W1, b1, W2, b2):
    """d y_i / d X_ic for y = sigmoid(tanh(X W1 + b1) W2 + b2). X: (n, k) -> (n, k)."""
    # forward pass (keep H and y), then the chain rule backwards
    ### BEGIN SOLUTION
    H = np.tanh(X @ W1 + b1)                 # (n, m)
    y = sigmoid(H @ W2 + b2)                 # (n, 1)
    dz = y * (1.0 - y)                       # (n, 1): sigma'(z), upstream gradient 1
    dH = dz @ W2.T                           # (n, m)
    dA = dH * (1.0 - H ** 2)                 # (n, m): through tanh
    return dA @ W1.T                         # (n, k)
    ### END SOLUTION


# %% [markdown]
# ## Checks
#
# **1.** mininn's `check_gradient` compares your $G$ with central differences.
# Because the samples do not interact, $G$ is exactly the gradient of
# $F(X) = \sum_i y_i(X)$ with respect to the whole batch $X$.

# %% nbgrader={"grade": true, "grade_id": "check_1", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
grade("input_gradient matches central differences",
      lambda: check_gradient(lambda Z: network_output(Z).sum(), X, input_gradient(X, W1, b1, W2, b2),
                             name="X"))

# %% [markdown]
# **2.** A Taylor test needs no tolerance: for the right gradient $G$ the remainder
# $|F(X + \epsilon D) - F(X) - \epsilon\, G\cdot D|$ shrinks like $\epsilon^2$ (slope 2 on
# a log-log plot); for a wrong one, only like $\epsilon$ (slope 1).

# %% nbgrader={"grade": true, "grade_id": "check_2", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
grade("the Taylor remainder shrinks like eps^2",
      lambda: taylor_test(lambda Z: network_output(Z).sum(), X, input_gradient(X, W1, b1, W2, b2),
                          seed=0))


# %% [markdown]
# **3.** The same network built from mininn layers: its `input_gradient` (one
# backward pass with upstream gradient 1) must agree with yours to round-off.

# %% nbgrader={"grade": true, "grade_id": "check_3", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def agrees_with_mininn():
    net = mininn.Sequential([mininn.Dense(k, m, seed=0), mininn.Tanh(),
                             mininn.Dense(m, 1, seed=0), mininn.Sigmoid()])
    net[0].params["W"][:], net[0].params["b"][:] = W1, b1
    net[2].params["W"][:], net[2].params["b"][:] = W2, b2
    theirs = net.input_gradient(X, output=0)
    ours = np.asarray(input_gradient(X, W1, b1, W2, b2), dtype=float)
    if ours.shape != theirs.shape:
        return False, f"your gradient has shape {ours.shape}, expected {theirs.shape}"
    err = np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs))
    return err < 1e-12, f"relative difference from net.input_gradient: {err:.1e} (pass: < 1e-12)"

grade("input_gradient agrees with mininn's Sequential.input_gradient", agrees_with_mininn)
