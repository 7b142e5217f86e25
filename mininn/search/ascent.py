r"""Continuous input search: which input in a box makes output j largest?

Gradient ascent on the *input* of a trained network, with the network's
weights frozen. For output j, written :math:`f_j(x)`, ``find_input`` solves
one of

.. math::
    \max_{lo \le x \le hi} f_j(x), \qquad
    \min_{lo \le x \le hi} f_j(x), \qquad
    \min_{lo \le x \le hi} (f_j(x) - t)^2,

optionally with an L2 penalty :math:`p\,\lVert x - r\rVert^2` toward a
reference point r (subtracted when maximising, added otherwise). Every step
uses the network's handwritten input gradient (one forward and one
input-only backward pass for all starts at once) -- never finite differences.

Why a box? The 2016 question that mininn grew from ran unconstrained
gradient descent on :math:`(f(x) - 1)^2` and ended at ``x = [-0.11, 1.997]``:
the trained network's output keeps rising beyond the unit square, so nothing
stops x from leaving it. The four methods:

``"none"``
    Plain (unconstrained) steps :math:`x \leftarrow x - \eta\, \nabla L(x)`.
    Kept on purpose: it reproduces the 2016 failure.
``"projected"``
    Projected gradient: step, then clip into the box,
    :math:`x \leftarrow \mathrm{clip}(x - \eta \nabla L(x), lo, hi)`. Lands
    exactly on the bounds; the usual choice.
``"sigmoid"``
    Reparametrise :math:`x = lo + (hi - lo)\,\sigma(z)` and optimise the
    unconstrained z with the chain rule,
    :math:`\partial L/\partial z = \partial L/\partial x \cdot (hi - lo)\,\sigma(z)(1 - \sigma(z))`.
    x never leaves the box, but the factor :math:`\sigma'(z)` vanishes near
    the bounds: a coordinate that starts on (or drifts to) a bound barely
    moves again. **Known failure, shown rather than hidden:** started at the
    2016 start ``x0 = [1, u]``, the coordinate :math:`x_0 = 1` is taken
    :math:`10^{-12}` inside the box, i.e. z = logit(1 - 1e-12) = 27.6, where
    :math:`\partial x_0/\partial z_0 \approx 10^{-12}`: it stalls on the
    wrong edge :math:`x_0 = 1` whatever the optimiser (Adam's
    :math:`\epsilon = 10^{-8}` swamps a z-gradient of ~1e-14) and however
    many steps. Started at the box centre it finds [0, 1].
``"mirror"``
    Entropic mirror descent on the box: the same map
    :math:`x = lo + (hi - lo)\,\sigma(u)`, but the dual variable moves with
    the plain x-gradient, :math:`u \leftarrow u - \eta\, \nabla_x L(x)` --
    no :math:`\sigma'` factor, so it does not stall at the edges. This is
    exact mirror descent for the mirror map
    :math:`\psi(x) = \sum_i (hi_i - lo_i)\,[s_i \log s_i + (1 - s_i)\log(1 - s_i)]`,
    :math:`s = (x - lo)/(hi - lo)`, whose gradient is :math:`\mathrm{logit}(s) = u`.
    Not stalled is not fast, though: a start on a bound has u = +-27.6 and
    u moves at speed :math:`\eta |\nabla_x L|`, so where the gradient is
    small the way back takes many steps (Adam, which normalises the step,
    comes back much sooner than plain SGD).

Internally every goal becomes a loss L to *minimise* (L = -objective for
"max"), because mininn's optimisers are descent methods; any of them (SGD
with momentum, Adam) moves the optimised coordinates (x, z or u).

``use_logit=True`` optimises the pre-activation of a last monotone
activation (``net[:-1]``) instead of the output itself: the same maximiser,
but no vanishing gradient where a sigmoid output saturates (in float64
:math:`\sigma(z)` is exactly 1.0 for z beyond ~37, so its gradient is exactly
0 and all such points tie). Reported values stay the network's real output.

All starts advance together as one (n_starts, k) array; every operation is
row-wise, so a start gives the same path alone or among others. ``bounds``
may give each start its own box, ``(n_starts, k)`` arrays (e.g. an
:math:`\varepsilon`-box around each image intersected with [0, 1]: projected
ascent is then the adversarial-example search PGD, one step of it FGSM).
"""
from __future__ import annotations

import math
import time
from typing import Optional

import numpy as np

from .._validation import SeedLike, check_int, check_positive
from ..network import Sequential
from .ascent_problem import GOALS, METHODS, AscentProblem, fresh_optimizer, make_problem
from .results import AscentResult

__all__ = ["find_input", "maximize_input", "minimize_input", "reach_target", "METHODS", "GOALS"]


def find_input(net: Sequential, output: int = 0, *, goal: str = "max",
               target: Optional[float] = None, bounds=(0.0, 1.0), method: str = "projected",
               x0=None, n_starts: Optional[int] = None, optimizer=None, steps: int = 1000,
               grad_tol: float = 1e-6, record_every: int = 1, penalty: float = 0.0,
               reference=None, use_logit: bool = False, kkt_tol: float = 1e-4,
               seed: SeedLike = None) -> AscentResult:
    r"""Search the box for the input that maximises, minimises or hits output j.

    Parameters
    ----------
    net : Sequential
        A trained network with k inputs; its weights are not changed.
    output : int
        Output unit j.
    goal : {"max", "min", "target"}
        Maximise :math:`f_j(x)`, minimise it, or minimise :math:`(f_j(x) - t)^2`
        (what the 2016 code did with t = 1).
    target : float, only for goal "target"
        The value t to reach.
    bounds : (lo, hi)
        Scalars, per-feature arrays (k,), or per-start arrays (n_starts, k)
        (one box per start); finite, lo < hi, finite width. Method "none"
        ignores them while searching but uses them for the starts and for
        the result's ``inside`` and ``kkt``.
    method : {"none", "projected", "sigmoid", "mirror"}
        How the box is kept (see the module docstring).
    x0 : array (k,) or (n_starts, k), optional
        Starts. For "projected", "sigmoid" and "mirror" they must lie in the
        box; "none" accepts any. A network that starts with a convolution
        takes images of any size: give x0 as images, (C, H, W) or
        (n_starts, C, H, W); the search then moves flat points of
        k = C*H*W values (``x.reshape(C, H, W)`` is the image).
    n_starts : int, optional
        Instead of x0: this many starts drawn uniformly in the box from
        ``seed``. Without x0 and n_starts: one start at the box centre (one
        per box for per-start bounds).
    optimizer : mininn optimizer instance, optional
        Default ``SGD(lr=0.1)``. A deep copy is reset and used, so the
        caller's object is left as it was. It descends on L (L = -objective
        for "max"); for "mirror" it moves u with :math:`\nabla_x L`.
    steps : int >= 1
        Maximum number of updates.
    grad_tol : float >= 0
        Stop early when every start's stationarity measure (``grad_norm`` of
        the result: the projected-gradient norm in x, the plain gradient norm
        for "none") is below it. For "sigmoid" and "mirror" it is measured
        in x, not in z or u, so a start stalled in the sigmoid's flat tail
        does **not** count as converged. ``grad_tol=0`` runs all steps.
    record_every : int >= 1
        Keep x and :math:`f_j(x)` every this many steps (step 0 and the final
        step are always kept).
    penalty : float >= 0
        Weight p of the L2 penalty :math:`p\lVert x - r\rVert^2`, subtracted
        from the objective for "max", added for "min" and "target".
    reference : scalar or array (k,) (or (n_starts, k) with per-start bounds), optional
        The point r of the penalty; default the centre of the box.
    use_logit : bool
        Optimise the pre-activation g of the last layer (which must be a
        monotone activation such as Sigmoid) instead of :math:`f_j`: same
        maximiser and minimiser, no vanishing gradient when the output
        saturates. For "target", t is mapped to the pre-activation
        (``logit(t)`` for a sigmoid). Reported values stay :math:`f_j(x)`.
    kkt_tol : float >= 0
        Tolerance of the result's first-order optimality check ``kkt``.
    seed : None, int >= 0 or numpy.random.Generator
        Source of the random starts (``n_starts``).

    Returns
    -------
    AscentResult
        ``x`` (k,) and ``value``: the best start's final point and output;
        ``xs`` (n_starts, k), ``values`` (n_starts,); ``objectives``;
        ``trajectory`` (n_records, n_starts, k) and ``trajectory_values``
        (n_records, n_starts) at the recorded ``steps``; ``n_iter``;
        ``stop_reason`` ("steps" or "grad_tol"); ``grad_norm``; ``kkt``.

    Raises
    ------
    TypeError, ValueError
        A malformed argument, named in the message (checked before any step).
    FloatingPointError
        The objective, its gradient or x stopped being finite (a step too
        large, or a target or penalty too large for the network's outputs):
        the search stops and says where, rather than return NaN.

    Notes
    -----
    Cost per step: one forward and one input-only backward pass of the
    network on the (n_starts, k) array of all starts.

    The "sigmoid" method stalls where the reparametrisation is flat: from the
    2016 start ``x0 = [1, u]`` the coordinate :math:`x_0 = 1` (taken 1e-12
    inside the box) has :math:`\partial x_0/\partial z_0 \approx 10^{-12}` and
    never moves again. Use "projected", or start "sigmoid" inside the box.
    "mirror" has no vanishing factor but its dual variable starts 27.6 away
    when x0 is on a bound: give it more steps or Adam.

    Examples
    --------
    >>> import mininn
    >>> from mininn.search import find_input
    >>> net = mininn.Sequential([mininn.Dense(2, 1), mininn.Sigmoid()])
    >>> net[0].params["W"][:] = [[-2.0], [3.0]]
    >>> find_input(net, goal="max").x
    array([0., 1.])
    """
    problem, starts = make_problem(net, output, goal=goal, target=target, bounds=bounds,
                                   method=method, x0=x0, n_starts=n_starts, penalty=penalty,
                                   reference=reference, use_logit=use_logit, seed=seed)
    opt = fresh_optimizer(optimizer)
    steps = check_int(steps, "steps", minimum=1)
    record_every = check_int(record_every, "record_every", minimum=1)
    grad_tol = check_positive(grad_tol, "grad_tol", allow_zero=True)
    kkt_tol = check_positive(kkt_tol, "kkt_tol", allow_zero=True)
    return _search(problem, starts, opt, steps, grad_tol, record_every, kkt_tol)


def maximize_input(net: Sequential, output: int = 0, **kwargs) -> AscentResult:
    """The input in the box with the largest output: ``find_input(..., goal="max")``."""
    return find_input(net, output, goal="max", **_without_goal(kwargs, "maximize_input"))


def minimize_input(net: Sequential, output: int = 0, **kwargs) -> AscentResult:
    """The input in the box with the smallest output: ``find_input(..., goal="min")``."""
    return find_input(net, output, goal="min", **_without_goal(kwargs, "minimize_input"))


def reach_target(net: Sequential, output: int = 0, *, target: float, **kwargs) -> AscentResult:
    r"""Minimise :math:`(f_j(x) - t)^2` in the box: ``find_input(..., goal="target", target=t)``."""
    return find_input(net, output, goal="target", target=target,
                      **_without_goal(kwargs, "reach_target"))


def _without_goal(kwargs: dict, name: str) -> dict:
    if "goal" in kwargs:
        raise TypeError(f"{name} sets goal itself; got goal={kwargs['goal']!r} "
                        f"(use find_input(net, output, goal=...) to choose it)")
    return kwargs


# ---------------------------------------------------------------- the loop
def _search(problem: AscentProblem, starts: np.ndarray, opt, steps: int, grad_tol: float,
            record_every: int, kkt_tol: float) -> AscentResult:
    """The loop: no validation, no per-start Python work.

    NumPy's floating-point warnings are off inside it (whatever the caller's
    ``np.errstate``): every step checks instead that the objective is finite
    (a NaN or inf gradient reaches x, hence the objective, one step later;
    "none" also checks x), the last step checks everything, and a run that
    overflows stops with a ``FloatingPointError`` saying where -- it never
    returns NaN.
    """
    began = time.perf_counter()
    n, k = starts.shape
    records = _Records(steps // record_every + 2, n, k)   # 0, r, 2r, ... and the last step
    c = problem.to_coords(starts)
    clip = problem.method == "projected"
    free = problem.method == "none"              # only "none" lets x itself overflow
    it = 0
    converged = False
    with np.errstate(all="ignore"):
        while True:
            x, value, J, grad_c, grad_x = problem.evaluate(c)
            if not _finite(J) or (free and not _finite(x)):
                raise _diverged(problem, opt, it, x, J, grad_x)
            if grad_tol > 0:   # with grad_tol = 0 the measure is only needed once, at the end
                converged = bool(np.all(problem.stationarity(x, grad_x) < grad_tol))
            done = converged or it == steps
            if done or it % record_every == 0:
                records.add(it, x, value)
            if done:
                if not (_finite(x) and _finite(grad_x) and _finite(value)):
                    raise _diverged(problem, opt, it, x, J, grad_x)
                break
            opt.step([c], [grad_c])
            if clip:
                problem.clip(c)
            it += 1
        grad_norm = problem.stationarity(x, grad_x)
        kkt = problem.kkt(x, grad_x, kkt_tol)
    goal = problem.goal
    best = int(np.argmax(J)) if goal == "max" else int(np.argmin(J))
    xs = x.copy()
    vals = np.array(value, dtype=float, copy=True)
    trajectory, trajectory_values, record_steps = records.arrays()
    return AscentResult(
        x=xs[best].copy(), value=float(vals[best]), xs=xs, values=vals, goal=goal,
        output=problem.output, method=problem.method,
        stop_reason="grad_tol" if converged else "steps",
        seconds=time.perf_counter() - began, objectives=np.array(J, copy=True), best=best,
        trajectory=trajectory, trajectory_values=trajectory_values, steps=record_steps,
        n_iter=it, grad_norm=grad_norm, kkt=kkt,
        bounds=(problem.lo.copy(), problem.hi.copy()), target=problem.user_target)


class _Records:
    """The recorded steps, in buffers that grow by doubling.

    Nothing is allocated for records that are never made: a budget of
    ``steps=10**12`` that converges after 30 steps costs 31 records.
    """

    FIRST = 1024                   # records allocated at first (a 1000-step run needs no growth)

    def __init__(self, most: int, n: int, k: int) -> None:
        size = min(most, self.FIRST)
        self.most = most
        self.trajectory = np.empty((size, n, k))
        self.values = np.empty((size, n))
        self.steps = np.empty(size, dtype=np.int64)
        self.count = 0

    def add(self, it: int, x: np.ndarray, value: np.ndarray) -> None:
        r = self.count
        if r == len(self.steps):
            size = min(2 * r, self.most)
            self.trajectory = _grown(self.trajectory, size)
            self.values = _grown(self.values, size)
            self.steps = _grown(self.steps, size)
        self.trajectory[r] = x
        self.values[r] = value
        self.steps[r] = it
        self.count = r + 1

    def arrays(self):
        """(trajectory, values, steps) trimmed to the records made (copies if trimmed)."""
        r = self.count
        return tuple(a if r == len(a) else a[:r].copy()
                     for a in (self.trajectory, self.values, self.steps))


def _grown(buffer: np.ndarray, size: int) -> np.ndarray:
    bigger = np.empty((size,) + buffer.shape[1:], dtype=buffer.dtype)
    bigger[:len(buffer)] = buffer
    return bigger


def _finite(a: np.ndarray) -> bool:
    """All entries finite. One sum decides almost always (NaN and inf propagate);
    only a sum that overflows from finite terms needs the elementwise test."""
    return math.isfinite(np.add.reduce(a, axis=None)) or bool(np.isfinite(a).all())


def _diverged(problem: AscentProblem, opt, it: int, x, J, grad_x) -> FloatingPointError:
    """The error of a run whose objective, gradient or x stopped being finite."""
    ok = np.isfinite(J) & np.all(np.isfinite(grad_x), axis=1) & np.all(np.isfinite(x), axis=1)
    i = int(np.flatnonzero(~ok)[0]) if not ok.all() else 0
    who = f"start {i} of {len(J)}" if len(J) > 1 else "the start"
    if it == 0:
        return FloatingPointError(
            f"input search cannot begin: the objective or its gradient of {who} is inf or NaN "
            f"at the starting point already (is the target or the penalty too large for the "
            f"network's outputs?)")
    lr = getattr(opt, "lr", None)
    fix = f"use a smaller step (optimizer={type(opt).__name__}(lr) with lr below {lr:g})" \
        if isinstance(lr, float) else "use a smaller step size in the optimizer"
    if problem.method == "none":
        fix += " or a method that keeps x in the box (method='projected')"
    return FloatingPointError(
        f"input search diverged: after {it} steps the objective or its gradient of {who} is "
        f"inf or NaN, because the steps grew without bound; {fix}")
