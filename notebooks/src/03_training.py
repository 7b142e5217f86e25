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
# # 03 · Training: the 2016 problem, XOR, learning rates and initialisation
#
# Training is gradient descent on the weights: after a forward pass over a
# mini-batch $B$, the backward pass gives $\nabla_\theta L_B$ for every parameter
# $\theta$, and the optimiser takes a step
#
# $$\theta \leftarrow \theta - \eta\, \nabla_\theta L_B(\theta).$$
#
# `mininn.fit` repeats this for `epochs` passes over the data, shuffling the
# rows every epoch (a permutation — each sample once per epoch) with the
# generator made from `seed`, so a run is reproducible bit for bit.
#
# This notebook trains the 2016 network and an XOR network, draws their
# training curves and decision surfaces, and measures — with asserts — what the
# learning rate and the initialisation do.

# %%
import numpy as np
import matplotlib.pyplot as plt

import mininn
from mininn import plotting
from mininn.datasets import problem_2016, xor

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. The 2016 problem
#
# Four points, one positive: $y = 1$ only at $x = [0, 1]$, i.e. $y = (1 - x_0)\,x_1$.
# The original setup, replayed exactly: a 2-3-1 network with sigmoid hidden and
# output units, weights (and biases) drawn uniformly from $[0, 1)$, the mean squared
# error, per-sample SGD (`batch_size=1`) with $\eta = 0.1$ for 5000 epochs.

# %%
X16, y16 = problem_2016()
net16 = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=0)
hist16 = mininn.fit(net16, X16, y16, loss="mse", optimizer=mininn.SGD(0.1),
                    epochs=5000, batch_size=1, seed=0)
out16 = net16.forward(X16)[:, 0]
for x, t, f in zip(X16, y16, out16):
    print(f"x = {x}   target {t:.0f}   f(x) = {f:.4f}")
print(hist16)

# %% tags=["check"]
# The network separates the positive corner clearly (original result: ~0.97 and < 0.03).
assert out16[0] > 0.9 and np.all(out16[1:] < 0.1)
assert hist16.loss[-1] < 1e-2 and hist16.loss[-1] < hist16.loss[0] / 10

# %% [markdown]
# ### The training curve
#
# `History.loss[e]` is the mean loss over epoch $e$'s mini-batches, measured as
# the weights moved. A log scale shows the phases: a plateau while the sigmoids
# sit near $1/2$ and the gradient is small, a drop when the hidden units
# specialise, then a slow tail as the outputs saturate towards 0 and 1.

# %%
ax = plotting.plot_history(hist16, log=True,
                           title="2016 network: MSE per epoch (per-sample SGD, lr 0.1)")

# %% tags=["check"]
loss16 = np.asarray(hist16.loss)
# The tail keeps improving: the last 1000 epochs lower the loss further.
assert loss16[-1] < loss16[-1000]
assert ax.get_yscale() == "log" and len(ax.lines) == 1


# %% [markdown]
# ## 2. Decision surfaces
#
# A network with two inputs is a function on the plane, and one vectorised
# forward pass over a grid draws it. Stack the grid points into an
# $(N^2, 2)$ batch, run `forward`, reshape the output to $(N, N)$ and hand it to
# `contourf`. The contour at $f = 1/2$ is the **decision boundary**.

# %%
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
    ax.figure.colorbar(cs, ax=ax, label="p(x)" if logits else "f(x)")
    return cs

fig, ax = plt.subplots(figsize=(5.5, 4.5))
surface16 = decision_surface(net16, X16, y16, ax, "2016 problem: f(x) and the boundary f = 1/2")

# %% [markdown]
# ## 3. XOR needs a hidden layer
#
# XOR, $y = x_0 \oplus x_1$, labels two opposite corners 1. No line separates them,
# so a single unit $\sigma(w^\top x + b)$ cannot classify all four points. With
# the cross-entropy on logits,
# $L = \frac1n\sum_i \left[\operatorname{softplus}(z_i) - y_i z_i\right]$,
# the best such model is worth working out: by symmetry of XOR the optimum is
# $w = 0$, $b = 0$, a probability of $1/2$ everywhere and a loss of exactly
# $\ln 2 \approx 0.693$. Training finds it:

# %%
Xx, yx = xor()
bce = mininn.BinaryCrossEntropy(from_logits=True)   # the net outputs logits z; p = sigmoid(z)

linear = mininn.mlp([2, 1], output="identity", seed=0)
hist_lin = mininn.fit(linear, Xx, yx, bce, mininn.SGD(1.0), epochs=1000, batch_size=None, seed=0)
print(f"linear model: final loss {hist_lin.loss[-1]:.6f}  (ln 2 = {np.log(2):.6f})")
print("probabilities:", mininn.activations.sigmoid(linear.forward(Xx)[:, 0]))

# %% tags=["check"]
assert abs(hist_lin.loss[-1] - np.log(2)) < 1e-3

# %% [markdown]
# One hidden layer of four `tanh` units is enough. We train on logits
# (`output="identity"` with `BinaryCrossEntropy(from_logits=True)`) so that the
# gradient $\sigma(z) - y$ never vanishes, full-batch, with $\eta = 1$.

# %%
net_xor = mininn.mlp([2, 4, 1], hidden="tanh", output="identity", seed=0)
hist_xor = mininn.fit(net_xor, Xx, yx, bce, mininn.SGD(1.0), epochs=1000, batch_size=None, seed=0)
p_xor = mininn.activations.sigmoid(net_xor.forward(Xx)[:, 0])
print("XOR probabilities:", p_xor, " final loss", round(hist_xor.loss[-1], 5))
fig, ax = plt.subplots(figsize=(5.5, 4.5))
surface_xor = decision_surface(net_xor, Xx, yx, ax,
                               "XOR, 2-4-1 tanh net: p(x) and the boundary p = 1/2", logits=True)

# %% tags=["check"]
assert np.array_equal(p_xor > 0.5, yx == 1)
assert hist_xor.loss[-1] < 0.05

# %% [markdown]
# ## 4. The learning rate
#
# For a small enough step, gradient descent decreases the loss at every step;
# the rate of progress is roughly proportional to $\eta$. Too large a step
# overshoots, and in a network that does two kinds of damage. The first steps
# throw the pre-activations of the hidden `tanh` units far out, where
# $\tanh'(z) = 1 - \tanh^2 z \approx 0$: the units *saturate*, their gradients
# vanish and the hidden layer stops learning. The output layer still learns, but
# with a step so large that it jumps *across* the minimum every time: the loss
# alternates between two values instead of decreasing.
#
# Same network, same initial weights (seed 0), full batch, 1000 epochs, four
# learning rates:

# %%
rates = [0.03, 0.3, 3.0, 30.0]
curves, hidden = {}, {}
for lr in rates:
    net = mininn.mlp([2, 4, 1], hidden="tanh", output="identity", seed=0)
    curves[lr] = mininn.fit(net, Xx, yx, bce, mininn.SGD(lr), epochs=1000, batch_size=None, seed=0).loss
    z = net[0].forward(Xx)                        # hidden pre-activations (4 samples, 4 units)
    print(f"lr = {lr:>5}: last two losses {curves[lr][-2]:9.5f} {curves[lr][-1]:9.5f}   "
          f"largest |hidden pre-activation| {np.abs(z).max():5.1f}")
    hidden[lr] = np.tanh(z)                       # (4 samples, 4 units)

fig, ax = plt.subplots(figsize=(7, 4))
epochs = np.arange(1, 1001)
for lr in rates:
    ax.loglog(epochs, curves[lr], label=f"lr = {lr}")
ax.set_title("XOR, 2-4-1 tanh net: training loss for four learning rates")
ax.set_xlabel("epoch")
ax.set_ylabel("cross-entropy (log scale)")
ax.legend()
plt.show()
print("lr = 30, hidden activations (one row per sample):\n", hidden[30.0].round(4))

# %% [markdown]
# At $\eta = 30$ the thick band in the figure is the loss jumping between two
# values, step after step (a period-two oscillation, printed above). The hidden
# units are saturated at $\pm 1$ with the *same* pattern for all four samples: the
# hidden layer no longer tells the inputs apart, and nothing can flow back through
# $\tanh' \approx 0$ to change that. The output layer, seeing one and the same
# hidden vector for every sample, keeps overshooting.

# %% tags=["check"]
final = {lr: curves[lr][-1] for lr in rates}
# Up to a point, a larger step trains faster ...
assert final[0.03] > final[0.3] > final[3.0]
# ... beyond it training breaks: lr 30 ends far worse than lr 3, above the linear model's ln 2.
assert final[30.0] > np.log(2) > 100 * final[3.0]
# lr 30: a period-two oscillation between two different losses, not a plateau ...
tail = curves[30.0][-10:]
assert np.allclose(tail[::2], tail[0], rtol=1e-4) and np.allclose(tail[1::2], tail[1], rtol=1e-4)
assert abs(tail[1] - tail[0]) > 1.0
# ... with saturated hidden units that see every sample alike.
assert np.all(np.abs(hidden[30.0]) > 0.999) and np.allclose(hidden[30.0], hidden[30.0][:1], atol=2e-3)

# %% [markdown]
# ## 5. Initialisation
#
# **Symmetry.** If every hidden unit starts with the same weights, every unit
# computes the same function, receives the same gradient and takes the same
# step — for ever. The hidden layer then behaves like a single unit, and (as
# section 3 showed) XOR is out of reach. Random initialisation exists to break
# this symmetry.

# %%
sym = mininn.mlp([2, 4, 1], hidden="tanh", output="identity", seed=0)
for layer in sym.layers:
    if "W" in layer.params:
        layer.params["W"][:] = 0.5
        layer.params["b"][:] = 0.0
hist_sym = mininn.fit(sym, Xx, yx, bce, mininn.SGD(1.0), epochs=1000, batch_size=None, seed=0)
W1 = sym[0].params["W"]
print("first-layer weights after training (one column per hidden unit):\n", W1)
print("final loss", round(hist_sym.loss[-1], 4))

# %% tags=["check"]
# All four columns are still identical, bit for bit: the symmetry was never broken.
assert np.all(W1 == W1[:, :1])
assert hist_sym.loss[-1] > 0.4   # stuck well above the 4-unit random-init run

# %% [markdown]
# **Scale and luck.** mininn's `Dense` offers three schemes:
#
# | `init` | $W$ | $b$ |
# |---|---|---|
# | `"xavier"` (Glorot) | $U(-a, a)$, $a = \sqrt{6/(n_\text{in}+n_\text{out})}$ | 0 |
# | `"he"` | $\mathcal{N}(0,\, 2/n_\text{in})$ | 0 |
# | `"uniform"` (2016) | $U[0, 1)$ | $U[0, 1)$ |
#
# With a *small* network the draw still matters: a 2-2-1 tanh net has just
# enough capacity for XOR, and some draws lead gradient descent into a **local
# minimum** where two points stay at probability $1/2$. Ten seeds per scheme,
# same training:

# %%
schemes = ["xavier", "he", "uniform"]
final_losses = {}
for init in schemes:
    final_losses[init] = np.array([
        mininn.fit(mininn.mlp([2, 2, 1], hidden="tanh", output="identity", init=init, seed=s),
                   Xx, yx, bce, mininn.SGD(1.0), epochs=1000, batch_size=None, seed=0).loss[-1]
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
plt.show()

# %% [markdown]
# The final losses fall into two clusters: solved ($< 0.05$) and stuck at
# $\approx \ln(4)/4 = 0.347$ — the loss of a model that gets two points right with
# certainty and says $1/2$ for the other two:
# $\frac14\,(0 + 0 + \ln 2 + \ln 2) = \ln(4)/4$.

# %% tags=["check"]
all_losses = np.concatenate(list(final_losses.values()))
solved_mask = all_losses < 0.05
stuck_mask = np.abs(all_losses - np.log(4) / 4) < 0.01
assert np.all(solved_mask | stuck_mask)              # exactly two outcomes
assert solved_mask.sum() >= 15 and stuck_mask.sum() >= 3   # most runs succeed, some don't

# %% [markdown]
# ## Summary
#
# * `fit` = forward, loss, backward, optimiser step, per mini-batch; per-sample
#   SGD on the 2016 data reproduces the original network.
# * A decision surface is one forward pass over a grid.
# * XOR is not linearly separable: the best linear model outputs $1/2$
#   everywhere (loss $\ln 2$); one hidden layer solves it.
# * The learning rate trades speed against stability; too large a rate
#   saturates the hidden units and makes the loss oscillate between two values.
# * Identical initial weights never become different; random draws break the
#   symmetry, and for small networks some draws end in local minima.
#
# Next: **04 · optimal input** — the trained 2016 network asked *which input
# makes the output largest?*
