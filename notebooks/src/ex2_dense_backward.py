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
# # Exercise 2 · The backward pass of a `Dense` layer
#
# **Goal:** write the `backward` method of a fully connected layer
# $y = xW + b$ — the parameter gradients *and* the gradient with respect to the input.
#
# Shapes: $x$ is $(n, d)$, $W$ is $(d, m)$, $b$ is $(m,)$, $y$ and the upstream
# gradient $\bar y$ are $(n, m)$. From $y_{ij} = \sum_k x_{ik} W_{kj} + b_j$:
#
# $$
# \bar W = x^{\top} \bar y \;(d \times m), \qquad
# \bar b = \sum_{i} \bar y_{i,:} \;(m), \qquad
# \bar x = \bar y\, W^{\top} \;(n \times d).
# $$
#
# The bias is broadcast over the batch in the forward pass, so its gradient is a
# **sum** over the batch. Two rules of mininn's Layer contract:
# `backward` *overwrites* `self.grads` (it never adds to what was there), and it
# *returns* $\bar x$.
#
# **How you are graded:** run every cell; the check cells print **PASS** or
# **FAIL** with the report; "Run all" stops at the first FAIL.

# %%
import numpy as np

import mininn
from mininn.grading import grade
from mininn.gradcheck import check_layer, check_network

rng = np.random.default_rng(0)


# %% [markdown]
# ## Your code
#
# Fill in `backward`. Only edit this cell.

# %% nbgrader={"grade": false, "grade_id": "answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
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
        # set self.grads["W"] and self.grads["b"] (overwrite them, summed over the batch),
        # then return dx, the gradient with respect to the input
        ### BEGIN SOLUTION
        self.grads["W"] = self.x.T @ dy
        self.grads["b"] = dy.sum(axis=0)
        return dy @ self.params["W"].T
        ### END SOLUTION


# %% [markdown]
# ## Checks
#
# **1.** The gradient checker: rows `x`, `W` and `b`, each compared with central
# differences (pass: relative error $< 10^{-7}$; expect about $10^{-10}$). If a row
# fails, the report names it and shows the worst entry.

# %% nbgrader={"grade": true, "grade_id": "check_1", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
x = rng.normal(size=(5, 3))
grade("MyDense passes the gradient check (x, W and b)", lambda: check_layer(MyDense(3, 2), x, seed=0))


# %% [markdown]
# **2.** Gradients are *overwritten*, not accumulated: two identical backward
# calls must leave identical gradients.

# %% nbgrader={"grade": true, "grade_id": "check_2", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def overwrite_check():
    layer = MyDense(3, 2, seed=1)
    x, dy = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    layer.forward(x)
    layer.backward(dy)
    first = {k: np.array(v, copy=True) for k, v in layer.grads.items()}
    layer.backward(dy)
    same = all(np.array_equal(first[k], layer.grads[k]) for k in first)
    return same, ("the second call gave the same gradients" if same else
                  "the second backward call changed the gradients: they are being accumulated "
                  "(+=) instead of overwritten (=)")

grade("backward overwrites grads instead of accumulating them", overwrite_check)


# %% [markdown]
# **3.** Your layer in a two-layer network with a sigmoid, against a loss.

# %% nbgrader={"grade": true, "grade_id": "check_3", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def network_check():
    net = mininn.Sequential([MyDense(4, 3, seed=2), mininn.Sigmoid(), MyDense(3, 1, seed=3)])
    X, y = rng.normal(size=(8, 4)), rng.normal(size=8)
    return check_network(net, X, y, loss="mse", seed=0)

grade("a network of MyDense layers passes the gradient check", network_check)
