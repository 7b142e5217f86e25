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
# # Exercise 5 · The backward pass of a convolution
#
# **Goal:** write the `backward` method of a 2-d convolution layer (stride 1,
# zero padding $P$), the loop version: the gradients of the kernels, of the
# biases and of the input.
#
# Shapes: $x$ is $(n, C, H, W)$, the kernels $w$ are $(F, C, k_h, k_w)$, the biases
# $b$ are $(F,)$; $x_p$ is $x$ with $P$ zeros on each side of both image axes.
# The forward pass (given below) is the correlation
#
# $$
# y_{n,f,i,j} = b_f + \sum_{c,p,q} w_{f,c,p,q}\; x_{p\,n,c,\,i+p,\,j+q} .
# $$
#
# For an upstream gradient $dy$ of shape $(n, F, H_{out}, W_{out})$ the chain rule gives
#
# $$
# dw_{f,c,p,q} = \sum_{n,i,j} dy_{n,f,i,j}\; x_{p\,n,c,\,i+p,\,j+q},
# \qquad
# db_f = \sum_{n,i,j} dy_{n,f,i,j},
# $$
#
# and the gradient of the padded input is the **correlation of $dy$, padded with
# $k_h - 1$ (and $k_w - 1$) zeros, with the kernel rotated by 180° and its two
# channel axes swapped**:
#
# $$
# dx_{p\,n,c,u,v} = \sum_{f,p',q'} \tilde w_{c,f,p',q'}\; dy^{pad}_{n,f,\,u+p',\,v+q'},
# \qquad \tilde w_{c,f,p',q'} = w_{f,c,\,k_h-1-p',\,k_w-1-q'} .
# $$
#
# The padding is not an input: `backward` returns $dx$, the gradient of the
# **unpadded** $x$, of shape $(n, C, H, W)$. Use the function `correlate` below
# (stride 1, no padding, no bias) for $dx$, and `np.einsum` or loops for $dw$.
# As always, `backward` *overwrites* `self.grads` and *returns* $dx$.
#
# **How you are graded:** run every cell; the check cells print **PASS** or
# **FAIL** with the report; "Run all" stops at the first FAIL.

# %%
import numpy as np

import mininn
from mininn.convolution import Conv2D
from mininn.grading import grade
from mininn.gradcheck import check_layer

rng = np.random.default_rng(0)


def correlate(x, w):
    """y[n, f, i, j] = sum over (c, p, q) of w[f, c, p, q] * x[n, c, i + p, j + q].

    Stride 1, no padding, no bias. x: (n, C, H, W), w: (F, C, kh, kw)
    -> y: (n, F, H - kh + 1, W - kw + 1).
    """
    n, C, H, W = x.shape
    F, _, kh, kw = w.shape
    y = np.zeros((n, F, H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            y[:, :, i, j] = np.einsum("ncpq,fcpq->nf", x[:, :, i:i + kh, j:j + kw], w)
    return y


# %% [markdown]
# ## Your code
#
# Fill in `backward`. Only edit this cell.

# %% nbgrader={"grade": false, "grade_id": "answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
class MyConv2D:
    """Convolution, stride 1, zero padding. x (n, C, H, W) -> y (n, F, H_out, W_out)."""

    def __init__(self, in_channels, out_channels, kernel_size, padding=0, seed=0):
        r = np.random.default_rng(seed)
        kh, kw = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else kernel_size
        self.padding = padding
        self.params = {"W": r.normal(0.0, 0.5, size=(out_channels, in_channels, kh, kw)),
                       "b": r.normal(0.0, 0.1, size=out_channels)}
        self.grads = {"W": np.zeros_like(self.params["W"]), "b": np.zeros(out_channels)}

    def forward(self, x):
        P = self.padding
        self.x_shape = x.shape
        self.xp = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))        # kept for backward
        return correlate(self.xp, self.params["W"]) + self.params["b"][None, :, None, None]

    def backward(self, dy):
        # set self.grads["W"] (F, C, kh, kw) and self.grads["b"] (F,), overwriting them,
        # then return dx, the gradient with respect to the unpadded input (n, C, H, W)
        ### BEGIN SOLUTION
        W = self.params["W"]
        F, C, kh, kw = W.shape
        _, _, H_out, W_out = dy.shape
        dW = np.zeros_like(W)
        for p in range(kh):
            for q in range(kw):
                seen = self.xp[:, :, p:p + H_out, q:q + W_out]      # what offset (p, q) saw
                dW[:, :, p, q] = np.einsum("nfij,ncij->fc", dy, seen)
        self.grads["W"] = dW
        self.grads["b"] = dy.sum(axis=(0, 2, 3))
        dy_padded = np.pad(dy, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
        w_flipped = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)       # (C, F, kh, kw)
        dxp = correlate(dy_padded, w_flipped)
        pad = self.padding
        _, _, H, Wd = self.x_shape
        return dxp[:, :, pad:pad + H, pad:pad + Wd]       # the padding is not an input
        ### END SOLUTION


# %% [markdown]
# ## Checks
#
# **1.** The gradient checker, no padding: rows `x`, `W` and `b`, each compared
# with central differences (pass: relative error $< 10^{-7}$; expect about
# $10^{-10}$, a convolution is linear). A failing row names the worst entry.

# %% nbgrader={"grade": true, "grade_id": "check_1", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
x = rng.normal(size=(2, 2, 5, 5))
grade("MyConv2D passes the gradient check (no padding)",
      lambda: check_layer(MyConv2D(2, 3, 3), x, seed=0))


# %% [markdown]
# **2.** With padding 1 (the gradient of the padding must be dropped) and a
# rectangular 2×3 kernel with padding 2.

# %% nbgrader={"grade": true, "grade_id": "check_2", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
grade("MyConv2D passes the gradient check (padding 1)",
      lambda: check_layer(MyConv2D(2, 3, 3, padding=1, seed=1), x, seed=0))


# %% nbgrader={"grade": true, "grade_id": "check_3", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
x_wide = rng.normal(size=(3, 1, 4, 6))
grade("MyConv2D passes the gradient check (2x3 kernel, padding 2)",
      lambda: check_layer(MyConv2D(1, 4, (2, 3), padding=2, seed=2), x_wide, seed=0))


# %% [markdown]
# **4.** The same numbers as mininn's `Conv2D` (im2col), to $10^{-12}$, with the
# same weights.

# %% nbgrader={"grade": true, "grade_id": "check_4", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def same_as_mininn():
    mine, ref = MyConv2D(2, 3, 3, padding=1, seed=3), Conv2D(2, 3, 3, padding=1)
    ref.params["W"], ref.params["b"] = mine.params["W"].copy(), mine.params["b"].copy()
    x4 = rng.normal(size=(2, 2, 6, 5))
    dy = rng.normal(size=(2, 3, 6, 5))
    mine.forward(x4)
    ref.forward(x4)
    dx, dx_ref = mine.backward(dy), ref.backward(dy)
    for name, got, want in [("dx", dx, dx_ref), ('grads["W"]', mine.grads["W"], ref.grads["W"]),
                            ('grads["b"]', mine.grads["b"], ref.grads["b"])]:
        if np.shape(got) != want.shape:
            return False, f"{name} has shape {np.shape(got)}, expected {want.shape}"
    errors = {"dx": np.abs(dx - dx_ref).max(),
              "dW": np.abs(mine.grads["W"] - ref.grads["W"]).max(),
              "db": np.abs(mine.grads["b"] - ref.grads["b"]).max()}
    ok = all(e < 1e-12 for e in errors.values())
    return ok, "largest differences: " + ", ".join(f"{k} {v:.1e}" for k, v in errors.items())


grade("MyConv2D.backward gives the numbers of mininn's Conv2D", same_as_mininn)
