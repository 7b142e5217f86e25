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
# # 04 · Which input makes the output largest?
#
# The question students ask right after training their first network. For a
# trained network $f$ and an output unit $j$, find
#
# $$
# x^\star = \arg\max_{x \in [lo, hi]^k} f_j(x)
# \qquad\text{or, for binary inputs,}\qquad
# x^\star = \arg\max_{x \in \{0, 1\}^k} f_j(x).
# $$
#
# The weights are frozen; the *input* is the variable. Gradient ascent needs
# $\nabla_x f_j(x)$ — one forward pass and one backward pass with the upstream
# gradient $e_j$, exactly the $\bar X$ of notebook 01:
#
# $$x \leftarrow x + \eta\, \nabla_x f_j(x).$$
#
# This notebook replays the 2016 question where this went wrong, fixes it two
# ways (projection, sigmoid reparametrisation), draws every path on the
# network's landscape, then solves the binary version exactly — with a
# certificate — on the 2016 network and on a 10-bit network that hides a pattern.

# %%
import numpy as np
import matplotlib.pyplot as plt

import mininn
from mininn import plotting
from mininn.datasets import all_bit_strings, hidden_pattern, problem_2016
from mininn.search import (best_binary_input, exhaustive_values, maximize_input, output_bounds,
                           reach_target)

np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. The 2016 network
#
# Trained exactly as in 2016 (and in notebook 03): 2-3-1, sigmoid units,
# uniform $[0, 1)$ initialisation, per-sample SGD, $\eta = 0.1$, 5000 epochs.

# %%
X16, y16 = problem_2016()
net = mininn.mlp([2, 3, 1], hidden="sigmoid", output="sigmoid", init="uniform", seed=0)
mininn.fit(net, X16, y16, "mse", mininn.SGD(0.1), epochs=5000, batch_size=1, seed=0)
corners = all_bit_strings(2)
f_corners = net.forward(corners)[:, 0]
for x, f in zip(corners, f_corners):
    print(f"f({x}) = {f:.4f}")

# %% tags=["check"]
assert f_corners[1] > 0.9 and np.all(np.delete(f_corners, 1) < 0.1)   # corner [0, 1] wins

# %% [markdown]
# ## 2. The 2016 failure, reproduced
#
# The 2016 code started from $x_0 = [1, u]$ with $u$ random, and ran gradient
# descent on $(f(x) - 1)^2$ with nothing to keep $x$ in the unit square. It ended
# at $x = [-0.11, 1.997]$. `method="none"` runs exactly that (the original weights
# are lost, so our network and its end point differ — the failure does not):

# %%
start = np.array([1.0, np.random.default_rng(0).random()])    # the 2016 start [1, u]
free = reach_target(net, 0, target=1.0, x0=start, method="none", steps=1000)
print(free.summary())

# %% tags=["check"]
assert not free.inside[0]                       # the search left [0, 1]^2 ...
assert free.x[1] > 1.0                          # ... over the top edge
assert free.value > f_corners.max()             # where the output beats every corner

# %% [markdown]
# **Why.** Nothing is wrong with the gradient: the trained network's output
# simply keeps rising *outside* the square. Along the ray from the centre through
# the winning corner $[0, 1]$, the output increases monotonically well past the
# corner — the sigmoids saturate but never turn back. Unconstrained ascent
# follows it for ever; the answer "$x = [-0.11, 1.997]$" is a point the network
# was never trained on and the question never allowed.

# %%
ts = np.linspace(0, 3, 7)
ray = np.array([0.5, 0.5]) + ts[:, None] * np.array([-0.5, 0.5])   # t = 1 is the corner [0, 1]
f_ray = net.forward(ray)[:, 0]
for t, x, f in zip(ts, ray, f_ray):
    print(f"t = {t:.1f}  x = {x}  f(x) = {f:.6f}")

# %% tags=["check"]
assert np.all(np.diff(f_ray) > 0)               # rising all the way out to t = 3

# %% [markdown]
# ## 3. Fix 1: projected gradient ascent
#
# Take the step, then **project** back onto the box — for a box the projection is
# a clip, coordinate by coordinate:
#
# $$x \leftarrow \Pi_{[lo, hi]}\big(x + \eta \nabla_x f(x)\big), \qquad \Pi_{[lo,hi]}(v)_i = \min(\max(v_i, lo_i), hi_i).$$
#
# At a solution the first-order (KKT) conditions hold coordinate by coordinate:
# an interior coordinate has $\partial f/\partial x_i = 0$; a coordinate at its lower
# bound has $\partial f/\partial x_i \le 0$ (the gradient points out of the box);
# at its upper bound, $\partial f/\partial x_i \ge 0$. The result's `kkt` field checks
# exactly this, and its `grad_norm` is the norm of the projected step.

# %%
proj = maximize_input(net, x0=start, method="projected")
print(proj.summary())
g = net.input_gradient(proj.x[None])[0]
print("gradient at the end:", g)

# %% tags=["check"]
# Projection lands exactly on the corner [0, 1] ...
assert np.array_equal(proj.x, [0.0, 1.0]) and proj.kkt.all()
# ... and the KKT signs, checked by hand: x0 = lo with df/dx0 <= 0, x1 = hi with df/dx1 >= 0.
assert g[0] <= 0 <= g[1]
# The input gradient the search used agrees with central differences (h = 1e-6).
h = 1e-6
fd = np.array([(net.forward(proj.xs + h * e) - net.forward(proj.xs - h * e))[0, 0] / (2 * h)
               for e in np.eye(2)])
assert np.max(np.abs(fd - g)) <= 1e-8 * (np.max(np.abs(g)) + 1e-12)

# %% [markdown]
# ## 4. Fix 2: a sigmoid reparametrisation — and where it stalls
#
# Instead of constraining $x$, write it as a function of an unconstrained $z$,
# $$x = lo + (hi - lo)\,\sigma(z),$$
# and ascend in $z$. The chain rule (by hand, as always) gives
# $$\frac{\partial f}{\partial z_i} = \frac{\partial f}{\partial x_i}\,(hi_i - lo_i)\,\sigma(z_i)\,\big(1 - \sigma(z_i)\big).$$
# $x$ can never leave the box. But the factor $\sigma'(z_i)$ vanishes near the
# bounds: a coordinate that *starts* on a bound is deep in the sigmoid's flat tail.
# From the 2016 start, $x_0 = 1$ is taken $10^{-12}$ inside the box, where
# $\sigma'(z) \approx 10^{-12}$ — so $x_0$ never moves, and the search stalls on the
# wrong edge. From the centre of the box it works.
#
# `method="mirror"` keeps the same map but moves $z$ with the plain $x$-gradient
# (entropic mirror ascent, no $\sigma'$ factor), so it does not stall at the edges;
# with Adam it reaches the optimum from the 2016 start too.

# %%
sig_centre = maximize_input(net, method="sigmoid")                     # start: box centre
sig_2016 = maximize_input(net, x0=start, method="sigmoid")             # start: [1, u]
mirror = maximize_input(net, x0=start, method="mirror", optimizer=mininn.Adam(0.1))
for name, res in [("sigmoid, from the centre", sig_centre), ("sigmoid, from the 2016 start", sig_2016),
                  ("mirror + Adam, from the 2016 start", mirror)]:
    print(f"{name:>36}: x = {res.x}, f = {res.value:.4f}, kkt = {res.kkt[0]}")

# %% [markdown]
# Note the `kkt = False` of the run from the centre: it is within a few
# hundredths of $[0, 1]$ but can only *approach* the bounds ($\sigma(z) = 1$ only as
# $z \to \infty$, and $\sigma'$ shrinks on the way), so after 1000 steps it is still
# further from them than the KKT check's tolerance ($10^{-4}$ of the box width).
# The check is honest about that too.

# %% tags=["check"]
assert np.max(np.abs(sig_centre.x - [0, 1])) < 0.05
assert sig_2016.x[0] > 0.99 and not sig_2016.kkt[0]     # stalled on the edge x0 = 1, and flagged
assert np.max(np.abs(mirror.x - [0, 1])) < 0.05
assert all(r.inside.all() for r in (sig_centre, sig_2016, mirror))

# %% [markdown]
# ## 5. Every path on one landscape
#
# `plotting.plot_landscape` draws $f$ over an area larger than the box (one
# vectorised forward pass over a grid), the box, its four corners with their
# outputs, and every trajectory with its start (circle) and end (star).

# %%
results = [free, proj, sig_centre, sig_2016, mirror]
labels = ["none (2016)", "projected", "sigmoid, centre start", "sigmoid, 2016 start",
          "mirror + Adam"]
fig, ax = plt.subplots(figsize=(7.5, 6))
ax = plotting.plot_landscape(net, results=results, labels=labels, ax=ax,
                             title="2016 network: f(x) and every input-search path")
plt.show()

# %% tags=["check"]
drawn = [line for line in ax.lines if line.get_gid() == "trajectory"]
assert len(drawn) == len(results)                  # one line per path (one start each)
assert [t.get_text() for t in ax.get_legend().get_texts()] == labels

# %% [markdown]
# The same runs as the output against the step: the unconstrained search climbs
# highest — to a value no input in the box can reach.

# %%
fig, ax = plt.subplots(figsize=(7, 4))
plotting.plot_objective(results, labels=labels, ax=ax,
                        title="2016 network: output along each search")
ax.set_xscale("symlog", linthresh=10)
plt.show()

# %% [markdown]
# ## 6. Binary inputs: exhaustive and exact branch and bound
#
# The 2016 question was really about *binary* inputs. Over $\{0, 1\}^k$ there is no
# gradient to follow, but there are two sure methods.
#
# **Exhaustive**: evaluate all $2^k$ strings (vectorised in chunks).
#
# **Exact branch and bound**: a node fixes some bits and leaves the others free
# in $[0, 1]$. A *sound upper bound* of $f_j$ over the node's box prunes the node
# when it cannot beat the best string found so far. Interval arithmetic gives
# such a bound layer by layer: for `Dense`, with centre $c$ and radius $r$ of the
# input box,
# $$xW + b \in \left[\,cW + b - r\,|W|,\; cW + b + r\,|W|\,\right],$$
# and a monotone activation maps $[l, u]$ to $[\sigma(l), \sigma(u)]$. (mininn uses
# tighter linear "CROWN" bounds where it can.) When no open node is left, the
# incumbent is **proved** optimal: its value meets the bound, and
# `certified=True`.

# %%
ex16 = best_binary_input(net, method="exhaustive", seed=0)
bb16 = best_binary_input(net, method="exact", seed=0)
print(ex16)
print(bb16)
lower, upper = output_bounds(net, 0, bounds=(0.0, 1.0), relaxation="interval")
print(f"interval bound of f over the whole square: [{lower:.6f}, {upper:.6f}]")

# %% [markdown]
# On this small network the interval bound over the whole square is already
# *tight*: its upper end is $f([0, 1])$ itself, so branch and bound proves the optimum
# at its root node. Monotonicity alone does not explain that — every sigmoid unit is
# monotone in each input. Interval arithmetic bounds each hidden unit $u$ on its own:
# it takes $h_u$ at its largest or smallest value (whichever raises the output, by the
# sign of the output weight $v_u$), and each such extreme sits at the corner where
# $x_i = 1$ if $W_{iu} v_u > 0$ and $x_i = 0$ otherwise. The bound is attained only if
# all hidden units ask for the **same** corner: for each input $i$, the products
# $W_{iu} v_u$ must have one sign across all units $u$. Here they do:

# %%
W1, v = net[0].params["W"], net[2].params["W"][:, 0]       # (2, 3) and (3,)
signs = np.sign(W1 * v)                                    # sign of W_iu v_u: row i, column u
corner = (signs[:, 0] > 0).astype(float)                   # the corner the first unit asks for
print("sign of W_iu * v_u (rows: inputs, columns: hidden units):\n", signs)
print("every unit asks for the corner", corner, "where f =", net.forward(corner[None])[0, 0].round(6))

# %% tags=["check"]
assert np.array_equal(ex16.x, [0, 1]) and np.array_equal(bb16.x, [0, 1])
assert bb16.certified and bb16.value == ex16.value
# The bound is sound: every corner lies inside it (up to float64 round-off, 1e-12).
assert lower <= f_corners.min() + 1e-12 and f_corners.max() <= upper + 1e-12
# ... and tight, for the reason above: one sign per input across the hidden units.
assert np.all(signs == signs[:, :1]) and np.array_equal(corner, [0.0, 1.0])
assert abs(upper - net.forward(corner[None])[0, 0]) < 1e-12

# %% [markdown]
# Why does `exact` report more strings `evaluated` than the $2^2 = 4$ there are?
# Before branching, it runs the local search of section 8 (relax, round, then
# single-bit flips from 16 restarts) to get a good first incumbent, and that search
# does not remember which strings it has already seen. It is a fixed start-up cost:
# wasted at $k = 2$, where exhaustive search is the right tool, negligible at $k = 20$.

# %% tags=["check"]
assert ex16.evaluated == 4 and bb16.evaluated > ex16.evaluated

# %% [markdown]
# ## 7. A 10-bit network that hides a pattern
#
# Grow the 2016 problem to $k = 10$ bits: among all $2^{10} = 1024$ strings,
# only one secret pattern $p$ is labelled 1. Train a 10-8-1 network on all of them,
# then ask the trained network alone which input it likes best. Branch and bound
# should find $p$ again — and prove that no other string scores higher.

# %%
Xp, yp, pattern = hidden_pattern(10, seed=0)
netp = mininn.mlp([10, 8, 1], hidden="tanh", output="sigmoid", seed=0)
histp = mininn.fit(netp, Xp, yp, mininn.BinaryCrossEntropy(), mininn.Adam(0.01),
                   epochs=200, batch_size=64, seed=0)
print("hidden pattern:", pattern.astype(int), "  final loss:", round(histp.loss[-1], 6))

found = best_binary_input(netp, method="exact", seed=0)
everything = exhaustive_values(netp)            # f at all 1024 strings, in counting order
runner_up = np.sort(everything)[-2]
print(found)
print(f"f(pattern) = {found.value:.4f}, best other string {runner_up:.4f}; "
      f"{found.nodes} nodes bounded instead of {2 ** 10} strings")

# %% tags=["check"]
assert np.array_equal(found.x, pattern)                 # recovered ...
assert found.certified and found.gap <= 1e-12           # ... and proved optimal
assert found.value == everything.max()                  # exhaustive agrees
assert found.nodes < 2 ** 10 / 10                       # with far fewer nodes than strings

# %% [markdown]
# For comparison, the continuous relaxation: projected ascent on $[0, 1]^{10}$
# from 8 random starts (on the logit, `use_logit=True`, so the saturated sigmoid
# does not flatten the gradient), then rounding. It finds the pattern here too —
# but nothing certifies it.

# %%
relaxed = maximize_input(netp, n_starts=8, method="projected", use_logit=True, steps=300, seed=1)
rounded = np.round(relaxed.x)
print("relaxed optimum:", relaxed.x, "\nrounded:        ", rounded.astype(int))
fig, ax = plt.subplots(figsize=(7, 4))
plotting.plot_coordinates(relaxed, ax=ax,
                          title="10-bit network: coordinates of x along projected ascent")
plt.show()

# %% tags=["check"]
assert np.array_equal(rounded, pattern)

# %% [markdown]
# ## 8. The cost of each method as $k$ grows
#
# Random $k$-16-1 networks (tanh hidden, sigmoid output), $k = 4 \dots 20$. The cost
# that does not depend on the machine is the number of single strings evaluated
# by a forward pass (for `"exact"` this includes the local search that finds its
# first incumbent; the number of branch-and-bound nodes is printed too); seconds
# are shown as well (they vary from run to run). Exhaustive
# grows as $2^k$; local search (rounding + bit flips) and branch and bound grow
# slowly on these networks. Only exhaustive and exact are guaranteed; only they
# carry `certified=True`.
#
# At small $k$ the table looks upside down: for $k = 4$ local search evaluates
# far more strings than the 16 that exist. It climbs from many starts at once and
# re-evaluates every single-bit flip of each string on every round, whether or not
# that string was seen before; the same start-up search runs inside `exact`.
# Below about $k = 10$, just enumerate.

# %%
ks = [4, 8, 12, 16, 20]
table = {m: {"evaluated": [], "seconds": [], "value": [], "certified": []}
         for m in ("exhaustive", "local", "exact")}
for k in ks:
    rnet = mininn.mlp([k, 16, 1], hidden="tanh", output="sigmoid", seed=k)
    for method, row in table.items():
        res = best_binary_input(rnet, method=method, seed=0)
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
plt.show()

# %% tags=["check"]
ex, lo_, bb = table["exhaustive"], table["local"], table["exact"]
assert ex["evaluated"] == [2 ** k for k in ks]
assert all(ex["certified"]) and all(bb["certified"])
assert bb["value"] == ex["value"]                         # exact = exhaustive, every k
assert all(v <= e for v, e in zip(lo_["value"], ex["value"]))   # local never beats the optimum
assert bb["evaluated"][-1] < ex["evaluated"][-1] / 100    # k = 20: >100x fewer evaluations
assert lo_["evaluated"][0] > ex["evaluated"][0] == 16     # k = 4: local re-evaluates strings

# %% [markdown]
# ## 9. "Are you sure?" — sharper bounds, smaller trees
#
# `"exact"` proves its answer by bounding every node of its tree. Inside a
# node, a ReLU unit whose input $z$ can be on both sides of 0, $l < 0 < u$, is
# replaced by lines: the chord from $(l, 0)$ to $(u, u)$ above it, and *any*
# line $\alpha z$ with $0 \le \alpha \le 1$ below it. Each $\alpha$ gives a
# sound bound $U(\alpha)$ of the output over the node, so $\alpha$ is a free
# parameter: `mininn.search.optimised` lowers $U$ by projected gradient
# descent on $\alpha$ (the gradient written by hand, checked against finite
# differences in the tests). Below, a 3-2-1 network whose second hidden unit
# enters the output with weight $-1$, so its *lower* line counts.

# %%
from mininn import activations
from mininn.layers import Dense
from mininn.search.bounds import preactivation_bounds
from mininn.search.optimised import Units, optimise, substitute
from mininn.search.problem import make_problem

rng = np.random.default_rng(1)
first, last = Dense(3, 2, seed=1), Dense(2, 1, seed=1)
first.params["W"][...] = rng.normal(0.0, 1.5, (3, 2))
first.params["b"][...] = rng.normal(0.0, 0.5, 2)
last.params["W"][...] = [[1.0], [-1.0]]
last.params["b"][...] = 0.0
tiny = mininn.Sequential([first, activations.ReLU(), last])

score = make_problem(tiny, 0, "max")                 # output 0, to maximise
units = Units(score.layers, 3)
lo, hi = np.zeros((1, 3)), np.ones((1, 3))           # the whole cube as one node
intervals, lines = preactivation_bounds(score.layers, lo, hi)
centre, radius = 0.5 * (lo + hi), 0.5 * (hi - lo)
l, u = intervals[1][0][0, 1], intervals[1][1][0, 1]  # the second unit's input interval
rule = units.default_alpha(intervals)                # alpha = 1 here: u >= -l


def bound(a):
    alpha = rule.copy()
    alpha[0, 1] = a
    return substitute(score.layers, lines, intervals, centre, radius, units, alpha,
                      None, None)[0][0]


tuned_bound, _, tuned, _ = optimise(score.layers, lines, intervals, centre, radius, units,
                                    rule, None, None, steps=20)
best_true = score.score(all_bit_strings(3)).max()
print(f"z in [{l:.3f}, {u:.3f}];  alpha = {rule[0, 1]:.2f} -> U = {bound(rule[0, 1]):.4f};  "
      f"tuned alpha = {tuned[0, 1]:.3f} -> U = {tuned_bound[0]:.4f};  true max = {best_true:.4f}")

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
z = np.linspace(l, u, 200)
axes[0].plot(z, np.maximum(z, 0), "k", lw=2, label="ReLU(z)")
axes[0].plot(z, u * (z - l) / (u - l), "C3", label="chord (upper line)")
axes[0].plot(z, rule[0, 1] * z, "C0--", label=f"lower line, rule: alpha = {rule[0, 1]:.2f}")
axes[0].plot(z, tuned[0, 1] * z, "C2", label=f"lower line, tuned: alpha = {tuned[0, 1]:.2f}")
axes[0].set(xlabel="z (input of the unit)", ylabel="output of the unit",
            title="One unstable ReLU and its lines")
axes[0].legend(fontsize=8)
grid = np.linspace(0.0, 1.0, 101)
axes[1].plot(grid, [bound(a) for a in grid], "k", label="bound U(alpha)")
axes[1].plot(rule[0, 1], bound(rule[0, 1]), "C0o", label="rule")
axes[1].plot(tuned[0, 1], tuned_bound[0], "C2o", label="after 20 projected Adam steps")
axes[1].axhline(best_true, color="grey", ls=":", label="true maximum")
axes[1].set(xlabel="alpha (slope of the lower line)", ylabel="upper bound of the output",
            title="Every alpha is sound; the best one is tightest")
axes[1].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% tags=["check"]
assert l < 0 < u and rule[0, 1] == 1.0
assert best_true <= tuned_bound[0] < bound(rule[0, 1]) - 0.3     # sound, and much tighter
assert all(bound(a) >= best_true - 1e-12 for a in grid)          # every alpha is sound

# %% [markdown]
# A branch and bound can also *split a unit*: one child where $z \le 0$, one
# where $z \ge 0$. In each child the unit is linear — its relaxation gap is
# gone — and the constraint is folded into the bound with a multiplier
# ($\beta$, tuned like $\alpha$). With `relaxation="auto"` the exact search
# splits units as well as bits once a search gets long; with `"linear"` it
# splits bits only and keeps the rule's slopes. On a 28-bit network with
# $N(0, 1)$ weights both find and certify the same optimum; the tree is what
# differs.

# %%
wide = mininn.mlp([28, 16, 1], hidden="relu", output="identity", seed=1)
normal = np.random.default_rng(1)
for p in wide.parameters():
    p[...] = normal.standard_normal(p.shape)
trees = {rel: best_binary_input(wide, relaxation=rel, seed=0) for rel in ("linear", "auto")}
for rel, res in trees.items():
    print(f"{rel:>6}: value {res.value:.6f}  certified {res.certified}  nodes {res.nodes:>6}  "
          f"bound evaluations {res.bound_evaluations:>6}")
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(["bits only, rule's slopes\n(relaxation='linear')",
         "bits and units, tuned slopes\n(relaxation='auto')"],
        [trees["linear"].nodes, trees["auto"].nodes], color=["C0", "C2"])
ax.set(xlabel="nodes bounded to certify the optimum", ylabel="exact search")
ax.set_title("Splitting hidden units shrinks the tree")
fig.tight_layout()
plt.show()

# %% tags=["check"]
assert all(res.certified for res in trees.values())
assert trees["linear"].value == trees["auto"].value
assert trees["auto"].nodes < trees["linear"].nodes / 2

# %% [markdown]
# The chord is a line in $z$. As a function of the bits it is parallel to
# $w$, and on a cube of many bits it touches $f(z(x))$ at only two corners:
# where $z$ reaches $l$ and where it reaches $u$. A line that is above the
# unit at every corner of the node's box is just as sound, whatever its
# slope, so with one hidden layer the exact search gives each unit that
# raises the output a *hull line* with a slope of its own for every bit,
# $\nu_i = (s + \theta_i (1 - s))\, w_i$ with $\theta_i \in [0, 1]$ (the chord is
# $\theta_i = u / (u - l)$ for every bit), and tunes the $\theta_i$ per node like
# the slopes $\alpha$ (`mininn.search.hull`). Below, the 2-bit score
# $s(x) = \mathrm{ReLU}(x_1 + x_2 - 1) - 0.75\,\mathrm{ReLU}(x_1 + 1) + 0.75$,
# which is 0, $-0.75$, 0 and 0.25 at the four corners. The chord of the first
# unit, $(x_1 + x_2) / 2$, bounds it by $-0.25 x_1 + 0.5 x_2$, at most 0.5; the
# hull line $x_1$ ($\theta = (1, 0)$) by $0.25 x_1$, at most 0.25: the true
# maximum. Tuned from the chord, the search finds another line with the same
# maximum (the green bars; dotted: each bound's maximum).

# %%
from mininn.search.hull import Hull
from mininn.search.optimised import split_bound

first, last = Dense(2, 2), Dense(2, 1)
first.params["W"][...] = [[1.0, 1.0], [1.0, 0.0]]
first.params["b"][...] = [-1.0, 1.0]
last.params["W"][...] = [[1.0], [-0.75]]
last.params["b"][...] = [0.75]
two_bits = make_problem(mininn.Sequential([first, activations.ReLU(), last]), 0, "max")
hinges = Units(two_bits.layers, 2)
square_lo, square_hi, no_split = np.zeros((1, 2)), np.ones((1, 2)), np.zeros((1, 2))
chord = split_bound(two_bits.layers, hinges, square_lo, square_hi, no_split, None, None)
hull = Hull.of(two_bits.layers, hinges)
hull_lines, theta = hull.tighten(square_lo, square_hi, no_split, chord,
                                 hull.empty_fractions(1, 2), steps=50)

corners2 = all_bit_strings(2)
scores = two_bits.score(corners2)


def line_at(res):
    """The node's linear bound a . x + c at the corners (c from its maximum)."""
    a = res.coef[0]
    return corners2 @ a + res.linear[0] - np.maximum(a, 0.0).sum()


print(f"chord: U = {chord.ub[0]:.4f};  hull line: theta = {np.round(theta[0, 0], 3)}, "
      f"U = {hull_lines.ub[0]:.4f};  true max = {scores.max():.4f}")
fig, ax = plt.subplots(figsize=(7, 3.5))
where = np.arange(4)
ax.bar(where - 0.27, scores, 0.27, color="k", label="score s(x)")
ax.bar(where, line_at(chord), 0.27, color="C3", label="linear bound with the chord")
ax.bar(where + 0.27, line_at(hull_lines), 0.27, color="C2",
       label="linear bound with the hull line")
ax.axhline(chord.ub[0], color="C3", ls=":")
ax.axhline(hull_lines.ub[0], color="C2", ls=":")
ax.set_xticks(where, [f"x = ({a:.0f}, {b:.0f})" for a, b in corners2])
ax.set(xlabel="corner of the square", ylabel="value at the corner",
       title="Both lines are above the score; the hull line's maximum is the optimum")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% tags=["check"]
assert abs(chord.ub[0] - 0.5) < 1e-9                          # the chord's bound
assert scores.max() - 1e-12 <= hull_lines.ub[0] <= scores.max() + 0.01   # the hull line's
assert np.all(line_at(chord) >= scores - 1e-12)                   # both lines are sound
assert np.all(line_at(hull_lines) >= scores - 1e-12)

# %% [markdown]
# Sigmoid and tanh units have free lines too. On an interval $[l, u]$ that
# crosses 0 the chord is not above $\sigma$ (it dips below it near $u$), so the
# upper line is a *tangent*: the one at any point $d$ between $d^*(l)$ (where the
# tangent passes through $(l, \sigma(l))$) and $u$ lies above $\sigma$ on the
# whole interval. The rule takes $d = d^*(l)$; the exact search tunes $d$ like
# $\alpha$, as a fraction $t \in [0, 1]$ of that range (the gradient goes through
# $\sigma''$). Below, the same 3-2-1 shape with sigmoid units; the second enters
# the output with weight $+1$, so its *upper* line counts.

# %%
from mininn.search.relaxations import tangent, tangent_ranges

rng = np.random.default_rng(1)
first_s, last_s = Dense(3, 2, seed=1), Dense(2, 1, seed=1)
first_s.params["W"][...] = rng.normal(0.0, 3.0, (3, 2))
first_s.params["b"][...] = rng.normal(0.0, 1.0, 2)
last_s.params["W"][...] = [[-1.0], [1.0]]
last_s.params["b"][...] = 0.0
tiny_s = mininn.Sequential([first_s, activations.Sigmoid(), last_s])

score_s = make_problem(tiny_s, 0, "max")
units_s = Units(score_s.layers, 3, curves=True)       # curves: sigmoid units have free lines
intervals_s, lines_s = preactivation_bounds(score_s.layers, lo, hi)
l_s, u_s = intervals_s[1][0][0, 1], intervals_s[1][1][0, 1]
d_lo, d_hi = (r[0, 1] for r in tangent_ranges(activations.Sigmoid, *intervals_s[1])[:2])
rule_s = units_s.default_alpha(intervals_s)           # t = 0: the tangent at d*(l)
col = units_s.alpha_slices[1].start + 1               # the second unit's upper tangent


def bound_s(t):
    alpha = rule_s.copy()
    alpha[0, col] = t
    return substitute(score_s.layers, lines_s, intervals_s, centre, radius, units_s, alpha,
                      None, None)[0][0]


ts = np.linspace(0.0, 1.0, 101)
curve = np.array([bound_s(t) for t in ts])
t_best = ts[np.argmin(curve)]
tuned_s, _, alpha_s, _ = optimise(score_s.layers, lines_s, intervals_s, centre, radius,
                                  units_s, rule_s, None, None, steps=20)
true_s = score_s.score(all_bit_strings(3)).max()
print(f"z in [{l_s:.2f}, {u_s:.2f}], tangent points d in [{d_lo:.2f}, {d_hi:.2f}]")
print(f"rule (t = 0): U = {bound_s(0.0):.4f};  best t = {t_best:.2f}: U = {curve.min():.4f};  "
      f"all lines tuned (20 steps): U = {tuned_s[0]:.4f};  true max = {true_s:.4f}")

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
z = np.linspace(l_s, u_s, 300)
sig = activations.Sigmoid().forward
axes[0].plot(z, sig(z), "k", lw=2, label="sigmoid(z)")
chord_slope = (sig(u_s) - sig(l_s)) / (u_s - l_s)
axes[0].plot(z, sig(l_s) + chord_slope * (z - l_s), color="grey", ls=":",
             label="chord (not above sigmoid)")
for t, style, name in [(0.0, "C0--", "rule"), (t_best, "C2", "tuned")]:
    d = d_lo + t * (d_hi - d_lo)
    a, b = tangent(activations.Sigmoid, np.array(d))
    axes[0].plot(z, a * z + b, style, label=f"upper tangent, {name}: d = {d:.2f}")
    axes[0].plot(d, sig(d), style[:2] + "o")
axes[0].set(xlabel="z (input of the unit)", ylabel="output of the unit", ylim=(-0.1, 1.6),
            title="One sigmoid unit across 0 and its upper line")
axes[0].legend(fontsize=8)
axes[1].plot(ts, curve, "k", label="bound U(t)")
axes[1].plot(0.0, bound_s(0.0), "C0o", label="rule: d = d*(l)")
axes[1].plot(t_best, curve.min(), "C2o", label="best t")
axes[1].axhline(true_s, color="grey", ls=":", label="true maximum")
axes[1].set(xlabel="t (where the tangent touches: d = d*(l) + t (u - d*(l)))",
            ylabel="upper bound of the output", title="Every touching point is sound")
axes[1].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% tags=["check"]
assert l_s < 0 < u_s and 0 < d_lo < d_hi == u_s
assert np.all(curve >= true_s - 1e-12)                             # every t is sound
assert 0.05 < t_best < 0.95 and curve.min() < bound_s(0.0) - 0.05  # inside, and tighter
assert true_s <= tuned_s[0] <= curve.min() + 1e-3                  # Adam finds it too

# %% [markdown]
# Splitting a sigmoid or tanh unit at 0 helps less than splitting a ReLU (each half
# is still curved), and with tuned tangents a bit split does better: by default
# the exact search splits bits and ReLU units, and only tunes the lines of
# sigmoid and tanh units.

# %% [markdown]
# ## Summary
#
# | method | keeps $x$ valid | finds | cost | guarantee |
# |---|---|---|---|---|
# | `"none"` | no | a point outside the box (2016) | steps × (forward + backward) | — |
# | `"projected"` | yes (clip) | a KKT point of the box | same | local |
# | `"sigmoid"` | yes (reparametrised) | a KKT point, unless it stalls in the flat tail | same | local |
# | `"mirror"` | yes | a KKT point, no stall at edges | same | local |
# | `"exhaustive"` | binary | the best string | $2^k$ evaluations | exact |
# | `"local"` | binary | a string no single flip improves | a few thousand evaluations | none |
# | `"exact"` | binary | the best string + proof | nodes × bound | certified |
#
# The 2016 answer $x = [-0.11, 1.997]$ was the right answer to the wrong
# question; constrained and exact search answer the one that was asked.
