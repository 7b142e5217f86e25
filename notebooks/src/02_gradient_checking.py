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
# # 02 · Gradient checking: when can a number be trusted?
#
# Every derivative in mininn is written by hand, so every one of them can be
# wrong. The independent check is a **finite difference**: it needs nothing but
# the forward pass. But a finite difference is itself an approximation, and
# reading "relative error 3e-6" correctly needs to know where the error comes
# from. This notebook measures it:
#
# 1. forward versus central differences — truncation error $O(h)$ versus $O(h^2)$;
# 2. choosing the step $h$ — truncation against round-off, on a log–log plot;
# 3. float32 versus float64;
# 4. kinks — ReLU at 0, where no derivative exists;
# 5. reading a report that points at a deliberately broken layer.

# %%
import warnings

import numpy as np
import matplotlib.pyplot as plt

import mininn
from mininn import gradcheck, plotting
from mininn.activations import sigmoid, softplus
from mininn.gradcheck import (check_layer, check_network, layer_objective,
                              numerical_gradient, step_size_sweep, taylor_test)

np.set_printoptions(precision=4, suppress=True)
EPS_MACH = np.finfo(np.float64).eps
print(f"float64 machine epsilon: {EPS_MACH:.2e}")

# %% [markdown]
# ## 1. Forward versus central differences
#
# Taylor's theorem around $x$:
# $$f(x \pm h) = f(x) \pm h f'(x) + \tfrac{h^2}{2} f''(x) \pm \tfrac{h^3}{6} f^{(3)}(x) + O(h^4).$$
#
# The **forward** difference keeps the $h^2$ term:
# $$\frac{f(x+h) - f(x)}{h} = f'(x) + \tfrac{h}{2} f''(x) + O(h^2) \qquad\text{error } O(h).$$
#
# The **central** difference cancels it (the even terms cancel in $f(x+h) - f(x-h)$):
# $$\frac{f(x+h) - f(x-h)}{2h} = f'(x) + \tfrac{h^2}{6} f^{(3)}(x) + O(h^4) \qquad\text{error } O(h^2).$$
#
# That is the **truncation** error. The second error is **round-off**: each value
# of $f$ is stored with a relative error up to $\varepsilon_{mach} \approx 2.2\times 10^{-16}$,
# and dividing their difference by $h$ magnifies it to about $\varepsilon_{mach} |f| / h$.
#
# The test function: output 0 of a small untrained 2-3-1 sigmoid network as a
# function of its first input, whose exact derivative comes from `input_gradient`.

# %%
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

# %% tags=["check"]
s = list(slopes.values())
assert abs(s[0] - 1) < 0.1 and abs(s[1] - 2) < 0.1        # truncation: O(h) and O(h^2)
assert abs(s[2] + 1) < 0.3 and abs(s[3] + 1) < 0.3        # round-off: O(1/h)
assert err_central.min() < err_forward.min() / 100        # central wins by orders of magnitude

# %% [markdown]
# ## 2. Choosing the step
#
# Adding the two errors gives the total, and its minimum the best step:
#
# | | total error | best $h$ | best error |
# |---|---|---|---|
# | forward | $\frac{h}{2}\lvert f''\rvert + \frac{2\varepsilon\lvert f\rvert}{h}$ | $\sim\sqrt{\varepsilon} \approx 10^{-8}$ | $\sim\sqrt{\varepsilon} \approx 10^{-8}$ |
# | central | $\frac{h^2}{6}\lvert f^{(3)}\rvert + \frac{\varepsilon\lvert f\rvert}{h}$ | $\sim\varepsilon^{1/3} \approx 10^{-5}$ | $\sim\varepsilon^{2/3} \approx 10^{-11}$ |
#
# (taking $|f|$, $|f''|$, $|f^{(3)}|$ of order 1). Hence mininn's default
# `gradcheck.DEFAULT_EPS` $= 10^{-5}$, and the rule of thumb that a correct smooth
# gradient agrees to about $10^{-10}$. Smaller is **not** better: below the best
# step the error *grows* again, like $1/h$.

# %%
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
plt.show()

# %% [markdown]
# `gradcheck.step_size_sweep` does the same for any scalar function and its
# gradient — here a whole `Dense` layer, through the scalar
# $\mathrm{sum}(\mathrm{forward}(x) \odot dy)$ the checker uses for layers (its gradient is
# what `backward(dy)` returns). It fits the two slopes and finds the best step.

# %%
layer = mininn.Sequential([mininn.Dense(4, 3, seed=0), mininn.Tanh()])
x_layer = np.random.default_rng(1).normal(size=(2, 4))
f_layer, g_layer = layer_objective(layer[0], x_layer, seed=0)      # the Dense layer alone
sweep = step_size_sweep(f_layer, x_layer, g_layer)
print(sweep)

# %% tags=["check"]
# Dense is linear in x, so its central difference has no truncation error at all:
# only round-off is left, and the smallest error sits at the LARGEST step.
assert sweep.best_error < 1e-9 and sweep.best_step >= 1e-3

# %% [markdown]
# A linear function is too easy — central differences are exact up to round-off.
# The `tanh` layer is not linear, and shows both regimes:

# %%
f_tanh, g_tanh = layer_objective(mininn.Tanh(), x_layer, seed=0)
sweep_tanh = step_size_sweep(f_tanh, x_layer, g_tanh)
print(sweep_tanh)
fig, ax = plt.subplots(figsize=(7, 4.5))
plotting.plot_step_size_sweep(sweep_tanh, ax=ax)
ax.set_title("Step-size sweep of a Tanh layer (gradcheck.step_size_sweep)")
plt.show()

# %% tags=["check"]
assert abs(sweep_tanh.truncation_slope - 2) < 0.2
assert abs(sweep_tanh.roundoff_slope + 1) < 0.3
assert 1e-7 <= sweep_tanh.best_step <= 1e-3 and sweep_tanh.best_error < 1e-9


# %% [markdown]
# ## 3. float32 versus float64
#
# In float32, $\varepsilon_{mach} \approx 1.2 \times 10^{-7}$: the best central step moves up to
# $\varepsilon^{1/3} \approx 5 \times 10^{-3}$ and the best reachable error to
# $\varepsilon^{2/3} \approx 2\times10^{-5}$ — a perfectly correct gradient then "fails" a
# $10^{-7}$ tolerance. Same network, same point, evaluated in float32:

# %%
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
plt.show()

# Why the float32 curve is flat at exactly 1 for small h:
gap32 = float(np.spacing(np.float32(f(0.0))))      # distance to the next float32 after f(x0)
h_flat = gap32 / (2 * abs(exact))                  # below this, f(x0+h) - f(x0-h) < one gap
same = [h for h in hs if f32(h) == f32(-h)]
print(f"float32 gap near f(x0) = {f(0.0):.4f}: {gap32:.1e}; |f'(x0)| = {abs(exact):.4f}; "
      f"gap / (2|f'|) = {h_flat:.1e}")
print(f"f32(x0 + h) == f32(x0 - h) for every h <= {max(same):.0e}")

# %% [markdown]
# **The plateau at 1.** For small $h$ the float32 curve is flat at a relative error of
# exactly 1. There, the change of $f$ between $x_0 - h$ and $x_0 + h$, about
# $2h\,|f'(x_0)|$, is smaller than the gap between neighbouring float32 numbers near
# $f(x_0)$ (about $
# arepsilon_{32}\,|f(x_0)|$). Both evaluations round to the *same*
# float32 number, their difference is exactly 0, the estimated derivative is 0, and
# its relative error is $|0 - f'|/|f'| = 1$. The plateau ends near
# $h pprox 	ext{gap}/(2|f'|)$, printed above. In float64 the same thing happens only
# below $h \sim 10^{-14}$, off the left of the plot.

# %% tags=["check"]
assert err_central.min() < 1e-9 and err_central32.min() > 1e-7   # float32 cannot pass 1e-7
assert best32 > 100 * best_c                                      # and wants a much larger step
# The plateau: the estimate is exactly 0 (relative error exactly 1) below gap / (2 |f'|) ...
small = hs < h_flat / 2
assert small.sum() >= 10 and np.all(err_central32[small] == 1.0)
# ... and not far above it.
assert np.all(err_central32[hs > 4 * h_flat] < 1.0)

# %% [markdown]
# mininn's checker therefore refuses to run in low precision: given float32
# data it warns (`PrecisionWarning`, explaining the round-off) and runs the
# check on a float64 copy.

# %%
x32 = x_layer.astype(np.float32)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    report32 = check_layer(mininn.Sigmoid(), x32, seed=0)
for w in caught:
    print(f"{w.category.__name__}: {w.message}")
print(report32)

# %% tags=["check"]
assert any(issubclass(w.category, gradcheck.PrecisionWarning) for w in caught)
assert report32.passed and x32.dtype == np.float32                # the caller's array untouched

# %% [markdown]
# ## 4. Kinks: ReLU at 0
#
# $\mathrm{ReLU}(z) = \max(z, 0)$ has no derivative at $z = 0$: the slope is 0 on the left
# and 1 on the right, and *any* value in $[0, 1]$ is a valid subgradient. mininn
# takes $\mathrm{ReLU}'(0) = 0$. A central difference straddling the kink,
# $\frac{\mathrm{ReLU}(h) - \mathrm{ReLU}(-h)}{2h} = \tfrac12$, is neither — a naive check
# reports a relative error of 1 for a correct layer. More generally, an input
# within $h$ of 0 mixes the two slopes.
#
# mininn's checker watches for this: when the perturbation moves a unit's input
# across its kink, it computes the one-sided slopes and accepts the analytic value
# if it lies between them. The row then reads **kink** — not "pass", not "FAIL" —
# with a note naming the entry.

# %%
z = np.array([[0.0, 3e-6, -2e-6, 0.8, -1.1]])      # three entries within h = 1e-5 of the kink
relu = mininn.ReLU()
relu.forward(z)
analytic = relu.backward(np.ones_like(z))
naive = numerical_gradient(lambda v: float(np.sum(np.maximum(v, 0.0))), z.copy())
print("analytic ReLU'(z):         ", analytic)
print("naive central differences: ", naive)

report_kink = check_layer(relu, z, seed=0)
print(report_kink)

# %% tags=["check"]
assert abs(naive[0, 0] - 0.5) < 1e-6 and analytic[0, 0] == 0.0   # the straddling difference
assert report_kink.passed and report_kink["x"].status == "kink"


# %% [markdown]
# Kink awareness is not a licence for any value: a slope that is wrong *away*
# from the kink still fails. Here is a leaky ReLU whose backward uses slope 0.1 on
# the negative side while its forward uses 0.01:

# %%
class LeakyWithWrongSlope(mininn.LeakyReLU):
    """Forward with slope 0.01 for z < 0; backward (wrongly) with 0.1."""

    def backward(self, da):
        return da * np.where(self._active, 1.0, 0.1)


report_slope = check_layer(LeakyWithWrongSlope(), z, seed=0)
print(report_slope)

# %% [markdown]
# The note says what became of the kinks: the three entries next to 0 were judged by
# their one-sided slopes, and there any value between them is right — so the kinks
# were considered and do **not** explain the error. The worst entry, $z = -1.1$, is far
# from the kink: analytic $0.1\,dy$ against numeric $0.01\,dy$, a ratio of 10.

# %% tags=["check"]
assert not report_slope.passed and report_slope["x"].status == "FAIL"
assert report_slope["x"].worst_index == (0, 4)                       # z = -1.1, far from 0
assert "do not explain" in report_slope["x"].note
assert abs(report_slope["x"].analytic / report_slope["x"].numeric - 10) < 1e-6


# %% [markdown]
# ## 5. Reading a report that points at a broken layer
#
# A custom softplus layer, $\operatorname{softplus}(z) = \log(1 + e^z)$, with a classic slip
# in its derivative: it should be $\sigma(z)$, and it is written $\sigma(-z)$.
# Put it in the middle of a network and check the whole network against its loss:

# %%
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
report = check_network(broken, X, y, loss="bce", seed=0)
print(report)

# %% [markdown]
# How to read it, top to bottom:
#
# * **Rows are sorted worst first.** The failing ones are the input `X` and the
#   parameters of the first `Dense` layer (`0.Dense.W`, `0.Dense.b`): everything
#   *below* the broken layer, because its wrong derivative is chained into them.
#   The layers *above* it (`2.Dense.*`) pass — their gradients never go through
#   the broken backward.
# * **The band** translates the relative error into words (CS231n's rule of thumb):
#   $> 10^{-2}$ "probably wrong" is a bug, not round-off.
# * **Worst index, analytic, numeric**: the entry to look at first.
# * When the network fails, the checker also **checks each layer on its own** at
#   the input it sees, adds the failing ones as rows "… (alone)", and its
#   **diagnosis** names the culprit.

# %% tags=["check"]
failing = {row.name for row in report.failures}
assert not report.passed
assert {"0.Dense.W", "0.Dense.b", "X"} <= failing                       # below the bug: wrong
assert report["2.Dense.W"].ok and report["2.Dense.b"].ok                 # above the bug: right
assert any(name.startswith("1.SoftplusWithASignSlip") for name in failing)  # the layer, alone
assert "1.SoftplusWithASignSlip" in report.diagnosis
assert report["0.Dense.W"].band == "probably wrong"


# %% [markdown]
# ### The same verdict without a tolerance: the Taylor test
#
# With the correct gradient $g$, the remainder
# $r(\epsilon) = |f(x + \epsilon d) - f(x) - \epsilon\, g\cdot d|$ shrinks like $\epsilon^2$; with a
# wrong one, only like $\epsilon$. The slope on a log–log plot decides — no threshold
# to argue about.

# %%
class SoftplusFixed(SoftplusWithASignSlip):
    def backward(self, da):
        return da * sigmoid(self.z)


zs = rng.normal(size=(4, 5))
taylor = {}
for name, lay in [("sign slip", SoftplusWithASignSlip()), ("fixed", SoftplusFixed())]:
    f_l, g_l = layer_objective(lay, zs, seed=0)
    taylor[name] = taylor_test(f_l, zs, g_l, seed=0)
    print(f"{name:>9}: {taylor[name]}")

fig, ax = plt.subplots(figsize=(6.5, 4))
for name, res in taylor.items():
    ax.loglog(res.epsilons, res.residuals, "o-", ms=4, label=f"{name}: slope {res.slope:.2f}")
ax.set_title("Taylor test of the softplus layer")
ax.set_xlabel(r"step $\epsilon$")
ax.set_ylabel(r"remainder $|f(x+\epsilon d) - f(x) - \epsilon\, g \cdot d|$")
ax.legend()
plt.show()

# %% tags=["check"]
assert abs(taylor["fixed"].slope - 2) < 0.1 and taylor["fixed"].passed
assert abs(taylor["sign slip"].slope - 1) < 0.1 and not taylor["sign slip"].passed
assert check_layer(SoftplusFixed(), zs, seed=0).passed

# %% [markdown]
# ## Summary
#
# * Central differences: error $O(h^2)$ + round-off $\varepsilon/h$, best at
#   $h \approx 10^{-5}$ in float64, where a correct gradient agrees to $\sim 10^{-10}$.
# * Forward differences: $O(h)$, best $\sim 10^{-8}$ — avoid them for checking.
# * float32 cannot check to $10^{-7}$: check in float64 (mininn does, with a warning).
# * At a kink the central difference is meaningless; the one-sided slopes decide.
# * A report sorted worst first, with bands in words, the worst entry, and a
#   per-layer diagnosis, points at the broken layer — and the Taylor test
#   confirms it without any tolerance.
