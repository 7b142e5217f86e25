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
# # Exercise 4 · One step of projected gradient ascent
#
# **Goal:** write the step that keeps input search inside its box — the fix for
# the 2016 bug, where unconstrained descent walked out of $[0, 1]^2$ (notebook 04).
#
# To maximise output 0 of a network $f$ over the box $lo \le x \le hi$, take a
# gradient step, then project back onto the box:
#
# $$
# x \leftarrow \Pi_{[lo, hi]}\big(x + \eta\, \nabla_x f(x)\big),
# \qquad \Pi_{[lo,hi]}(v)_i = \min\big(\max(v_i, lo_i), hi_i\big).
# $$
#
# Use `net.input_gradient(x, output=0)` for $\nabla_x f$ — shape $(n, k)$, one row
# per start — and `np.clip` for $\Pi$. All starts move together: no loop.
#
# **How you are graded:** the check cells print **PASS** or **FAIL** with the
# report; "Run all" stops at the first FAIL.

# %%
import numpy as np

import mininn
from mininn.grading import grade
from mininn.datasets import problem_2016
from mininn.gradcheck import check_gradient, numerical_gradient
from mininn.search import maximize_input

# The 2016 network (notebook 03): 2-3-1 sigmoid, uniform init, per-sample SGD, lr 0.1, 5000 epochs.
X16, y16 = problem_2016()
net = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=0)
mininn.fit(net, X16, y16, "mse", mininn.SGD(0.1), epochs=5000, batch_size=1, seed=0)
lo, hi = np.zeros(2), np.ones(2)


# %% [markdown]
# ## Your code
#
# Only edit this cell.

# %% nbgrader={"grade": false, "grade_id": "answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def projected_step(net, x, lr, lo, hi):
    """One projected gradient-ascent step on output 0. x: (n, k) -> new x: (n, k), inside [lo, hi]."""
    # step along net.input_gradient(x, output=0), then clip into [lo, hi]
    ### BEGIN SOLUTION
    return np.clip(x + lr * net.input_gradient(x, output=0), lo, hi)
    ### END SOLUTION


# %% [markdown]
# ## Checks
#
# **1.** Away from the edges the projection does nothing, so a tiny step divided
# by the learning rate *is* the gradient your step used. The gradient checker
# compares it with central differences of $F(x) = \sum_i f(x_i)$.

# %% nbgrader={"grade": true, "grade_id": "check_1", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def direction_check():
    x = np.array([[0.3, 0.6], [0.5, 0.5], [0.7, 0.2]])
    lr = 1e-3
    direction = (projected_step(net, x, lr, lo, hi) - x) / lr
    return check_gradient(lambda z: net.forward(z)[:, 0].sum(), x, direction, name="step / lr")

grade("the step goes along the input gradient", direction_check)


# %% [markdown]
# **2.** Near the edges, with a large step, the projection must clip exactly:
# the result is $\Pi(x + \eta\, g)$ with $g$ from finite differences, and every
# coordinate stays in $[0, 1]$.

# %% nbgrader={"grade": true, "grade_id": "check_2", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
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


# %% [markdown]
# **3.** The whole search: 300 of your steps from the 2016 start $[1, u]$ must
# stay in the box, reach the corner $[0, 1]$, and follow exactly the path of
# `mininn.search.maximize_input(..., method="projected")` with the same step size.

# %% nbgrader={"grade": true, "grade_id": "check_3", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def search_check():
    x = np.array([[1.0, np.random.default_rng(0).random()]])
    path = [x]
    for _ in range(300):
        x = projected_step(net, x, 0.1, lo, hi)
        path.append(x)
    path = np.array(path)[:, 0, :]                               # (301, 2)
    ref = maximize_input(net, x0=path[0], method="projected", optimizer=mininn.SGD(0.1),
                         steps=300, grad_tol=0.0)
    inside = bool(np.all((path >= 0) & (path <= 1)))
    at_corner = bool(np.max(np.abs(path[-1] - [0.0, 1.0])) < 0.05)
    same = bool(np.allclose(path, ref.trajectory[:, 0, :], rtol=0, atol=1e-12))
    return inside and at_corner and same, (
        f"stayed inside: {inside}; final x = {path[-1]} (near [0, 1]: {at_corner}); "
        f"same path as maximize_input: {same}")

grade("300 steps from the 2016 start reach [0, 1] inside the box", search_check)
