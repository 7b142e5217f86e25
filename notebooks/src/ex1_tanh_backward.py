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
# # Exercise 1 · The backward pass of `tanh`
#
# **Goal:** write the `backward` method of a `tanh` layer, and let mininn's
# gradient checker grade it.
#
# A layer in mininn is any object with `params` and `grads` (dicts; empty here),
# `forward(z)` and `backward(da)`. For an elementwise activation $a = \tanh(z)$
# the backward pass receives $\bar a = \partial L / \partial a$ (same shape as $a$)
# and returns
#
# $$\bar z = \frac{\partial L}{\partial z} = \bar a \odot \tanh'(z), \qquad
# \tanh'(z) = 1 - \tanh^2 z = 1 - a^2 .$$
#
# Use the output $a$ stored by `forward` — no need to recompute $\tanh$.
#
# **How you are graded:** run every cell. The check cells at the bottom print
# **PASS** or **FAIL** with the checker's report; "Run all" stops at the first
# FAIL. Until you fill in the marked cell, they all fail.

# %%
import numpy as np

import mininn
from mininn.grading import grade
from mininn.gradcheck import check_layer, check_network

rng = np.random.default_rng(0)


# %% [markdown]
# ## Your code
#
# Replace the line `raise NotImplementedError` with the backward pass. Only edit this cell.

# %% nbgrader={"grade": false, "grade_id": "answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
class MyTanh:
    """tanh as a layer: a = tanh(z) elementwise. Shapes: z, a, da, dz all (n, features)."""

    def __init__(self):
        self.params, self.grads = {}, {}      # no parameters

    def forward(self, z):
        self.z = z                            # the input and
        self.a = np.tanh(z)                   # the output, kept for backward
        return self.a

    def backward(self, da):
        # return dz = da * tanh'(z), using the stored output self.a
        ### BEGIN SOLUTION
        return da * (1.0 - self.a ** 2)
        ### END SOLUTION


# %% [markdown]
# ## Checks
#
# **1.** The gradient checker compares your `backward(dy)` with central
# differences of $\mathrm{sum}(\mathrm{forward}(z) \odot dy)$ for a random upstream
# `dy`; a correct smooth layer gives a relative error around $10^{-10}$ (pass: $< 10^{-7}$).

# %% nbgrader={"grade": true, "grade_id": "check_1", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
z = rng.normal(size=(4, 5))
grade("MyTanh passes the gradient check", lambda: check_layer(MyTanh(), z, seed=0))

# %% [markdown]
# **2.** The same check far out in the tails ($|z|$ up to 6), where $\tanh' \approx 10^{-5}$:
# a formula that is only approximately right shows up here.

# %% nbgrader={"grade": true, "grade_id": "check_2", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
z_wide = np.linspace(-6, 6, 24).reshape(4, 6)
grade("MyTanh passes the gradient check in the tails", lambda: check_layer(MyTanh(), z_wide, seed=0))


# %% [markdown]
# **3.** Your layer inside a network: `Dense → MyTanh → Dense`, trained with the
# mean squared error. `check_network` checks every weight and the input; if it
# fails it checks each layer on its own and names the culprit.

# %% nbgrader={"grade": true, "grade_id": "check_3", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def network_check():
    net = mininn.Sequential([mininn.Dense(3, 4, seed=0), MyTanh(), mininn.Dense(4, 2, seed=1)])
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    return check_network(net, X, Y, loss="mse", seed=0)

grade("a network with MyTanh passes the gradient check", network_check)
