r"""Pictures of a network and of the searches run on it.

* :func:`plot_landscape` — for a network with two inputs: the output
  :math:`f_j(x)` as filled contours over an area larger than the box, the box,
  its four corners with their outputs, and every input-search trajectory
  (several methods on one figure, one legend entry each);
* :func:`plot_coordinates` — for any k: each coordinate :math:`x_i` against
  the step, with the bounds as dashed lines;
* :func:`plot_objective` — the output value :math:`f_j(x_t)` against the step,
  for one or several searches;
* :func:`plot_history` — the training curve of a :class:`mininn.training.History`;
* :func:`animate_trajectories` — the landscape with the trajectories growing
  step by step, saved as a GIF (Pillow, which matplotlib itself depends on).

Every function returns what it drew on (an Axes, or the GIF's path), takes an
optional ``ax=`` to draw into, sets a title, axis labels and a legend, and
never calls ``plt.show()``.

The search results are read by attribute only (duck typing): any object with
the fields of :class:`mininn.inputs.InputSearchResult` that a function needs
(``trajectory``, ``values``, ``steps``, ``best``, ``method``, ``output``,
``bounds``) will do. Nothing here computes a gradient: the landscape needs the
network's outputs only, evaluated in one vectorised ``forward`` call.

This module imports matplotlib, so ``import mininn`` does not load it; use
``from mininn import plotting``.

Bounds follow the same convention as the input search: ``bounds=(lo, hi)``
with ``lo`` and ``hi`` scalars or arrays of length k — **not** one
``(lo_i, hi_i)`` pair per coordinate.

The artists carry a ``gid`` ("contour", "box", "corners", "corner",
"trajectory", "start", "end", "coordinate", "bound", "objective",
"objective_start", "loss", "val_loss") so that a test or a student can find
what was drawn: ``[l for l in ax.lines if l.get_gid() == "trajectory"]``.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from ._validation import as_float_array, check_int, check_positive

__all__ = [
    "plot_landscape",
    "plot_coordinates",
    "plot_objective",
    "plot_history",
    "animate_trajectories",
]

# Markers shared by the landscape and the animation (and named in the legend title).
_START = dict(marker="o", markersize=7, markerfacecolor="white", markeredgewidth=1.8,
              linestyle="none")
_END = dict(marker="*", markersize=15, markeredgecolor="black", markeredgewidth=0.8,
            linestyle="none")
_MARKER_NOTE = "circle = start, star = end"


# ---------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------

def _axes(ax) -> Axes:
    """The Axes to draw on: ``ax`` itself, or a new figure's Axes when None."""
    if ax is None:
        _, ax = plt.subplots()
        return ax
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _as_results(results, name: str = "results", allow_empty: bool = False) -> List[Any]:
    """One result or a list of results -> a list of result objects."""
    if results is None:
        items: List[Any] = []
    elif hasattr(results, "trajectory"):
        items = [results]
    elif isinstance(results, (list, tuple)):
        items = list(results)
    else:
        raise TypeError(f"{name} must be a search result (with a 'trajectory' attribute, e.g. "
                        f"mininn.inputs.InputSearchResult) or a list of them, "
                        f"got {type(results).__name__}")
    if not items and not allow_empty:
        raise ValueError(f"{name} must hold at least one search result, got none")
    for i, r in enumerate(items):
        if not hasattr(r, "trajectory"):
            raise TypeError(f"{name}[{i}] must be an input-search result with a 'trajectory' "
                            f"attribute (n_records, n_starts, k), got {type(r).__name__}")
    return items


def _trajectory(result, name: str) -> np.ndarray:
    """``result.trajectory`` as a finite float array (n_records, n_starts, k)."""
    traj = as_float_array(result.trajectory, f"{name}.trajectory", ndim=3)
    if min(traj.shape) == 0:
        raise ValueError(f"{name}.trajectory must have shape (n_records, n_starts, k) with "
                         f"every size >= 1, got {traj.shape}")
    return traj


def _steps(result, name: str, n_records: int) -> np.ndarray:
    """``result.steps`` (n_records,), or 0, 1, 2, ... when the result has none."""
    steps = getattr(result, "steps", None)
    if steps is None:
        return np.arange(n_records, dtype=float)
    steps = as_float_array(steps, f"{name}.steps", ndim=1)
    if steps.shape[0] != n_records:
        raise ValueError(f"{name}.steps must have one entry per recorded step ({n_records}), "
                         f"got shape {steps.shape}")
    return steps


def _values(result, name: str, shape: Tuple[int, int]) -> np.ndarray:
    """``result.values`` (n_records, n_starts), checked against the trajectory."""
    if not hasattr(result, "values"):
        raise TypeError(f"{name} must have a 'values' attribute (n_records, n_starts), "
                        f"got {type(result).__name__} without one")
    values = as_float_array(result.values, f"{name}.values", ndim=2)
    if values.shape != shape:
        raise ValueError(f"{name}.values must have shape (n_records, n_starts) = {shape} to "
                         f"match its trajectory, got {values.shape}")
    return values


def _start_index(start, result, name: str, n_starts: int, arg: str = "start") -> int:
    """The start to draw: ``start``, or ``result.best`` when None; checked in range."""
    if start is None:
        start, arg = getattr(result, "best", 0), f"{name}.best"
    start = check_int(start, arg)
    if not 0 <= start < n_starts:
        raise ValueError(f"{arg} must be a start index in 0..{n_starts - 1} (the result has "
                         f"{n_starts} start{'s' if n_starts > 1 else ''}), got {start}")
    return start


def _labels(labels, results: Sequence[Any]) -> List[str]:
    """Legend labels: given, or each result's ``method``."""
    if labels is None:
        return [str(getattr(r, "method", f"result {i}")) for i, r in enumerate(results)]
    if isinstance(labels, str):
        labels = [labels]
    labels = list(labels)
    if len(labels) != len(results):
        raise ValueError(f"labels must hold one label per result ({len(results)}), "
                         f"got {len(labels)}: {labels!r}")
    return [str(label) for label in labels]


def _box(bounds, k: int, name: str = "bounds") -> Tuple[np.ndarray, np.ndarray]:
    """``(lo, hi)`` with scalars or (k,) arrays -> two (k,) arrays with lo < hi."""
    try:
        lo, hi = bounds
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (lo, hi) of scalars or arrays of length {k}, "
                        f"got {bounds!r}") from None
    lo = as_float_array(lo, f"{name} lo")
    hi = as_float_array(hi, f"{name} hi")
    for arr, which in ((lo, "lo"), (hi, "hi")):
        if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != k):
            raise ValueError(f"{name} {which} must be a scalar or an array of length {k}, "
                             f"got shape {arr.shape}")
    lo, hi = np.broadcast_to(lo, (k,)).copy(), np.broadcast_to(hi, (k,)).copy()
    if np.any(lo >= hi):
        hint = ""
        if k == 2 and lo[0] < lo[1] and hi[0] < hi[1]:
            # ((0, 1), (0, 1)) read as (lo, hi) is degenerate; it was surely
            # meant as one (lo_i, hi_i) pair per coordinate.
            pairs = np.asarray(bounds, dtype=float)
            hint = (f"; bounds are (lo, hi) as in the input search, not one pair per "
                    f"coordinate: did you mean ({pairs[:, 0].tolist()}, "
                    f"{pairs[:, 1].tolist()})?")
        raise ValueError(f"{name} must have lo < hi in every coordinate, got lo={lo.tolist()}, "
                         f"hi={hi.tolist()}{hint}")
    return lo, hi


def _common_output(results: Sequence[Any]) -> Optional[int]:
    """The output index shared by all results, None if they have none or disagree."""
    outputs = {getattr(r, "output", None) for r in results}
    if len(outputs) == 1:
        (output,) = outputs
        return output
    return None


def _color(i: int) -> str:
    """Colour of coordinate i (matplotlib's default cycle)."""
    return f"C{i % 10}"


# Result colours: bright enough to stand out on viridis, dark enough on white;
# the same result index gets the same colour in the landscape and the objective.
_RESULT_COLORS = ("tab:red", "tab:orange", "magenta", "deepskyblue", "navy", "tab:brown",
                  "lime", "tab:pink", "black", "tab:gray")


def _result_color(i: int) -> str:
    return _RESULT_COLORS[i % len(_RESULT_COLORS)]


# ---------------------------------------------------------------------------
# the landscape
# ---------------------------------------------------------------------------

def _draw_landscape(net, output, bounds, margin, resolution, results, labels, ax, corners,
                    levels, cmap, colorbar, title) -> Dict[str, Any]:
    """Draw the landscape; return the Axes and the artists the animation moves."""
    n_inputs = getattr(net, "n_inputs", None)
    if not callable(getattr(net, "forward", None)):
        raise TypeError(f"net must be a network with a forward(X) method (a mininn "
                        f"Sequential), got {type(net).__name__}")
    if n_inputs is not None and n_inputs != 2:
        raise ValueError(f"plot_landscape draws networks with 2 inputs, but net takes "
                         f"{n_inputs} (net.n_inputs); for k != 2 use plot_coordinates "
                         f"and plot_objective")
    results = _as_results(results, allow_empty=True)
    labels = _labels(labels, results)
    trajs = []
    for i, r in enumerate(results):
        traj = _trajectory(r, f"results[{i}]")
        if traj.shape[2] != 2:
            raise ValueError(f"results[{i}].trajectory has {traj.shape[2]} coordinates per "
                             f"point (shape {traj.shape}), but the landscape is drawn over "
                             f"2 inputs")
        trajs.append(traj)

    if output is None:
        output = _common_output(results)
        if output is None and len(results) > 1 and any(hasattr(r, "output") for r in results):
            raise ValueError("the results search different outputs "
                             f"({[getattr(r, 'output', None) for r in results]}); pass output=j "
                             f"to choose the output to draw")
        output = 0 if output is None else output
    output = check_int(output, "output", minimum=0)
    n_outputs = getattr(net, "n_outputs", None)
    if n_outputs is not None and output >= n_outputs:
        raise ValueError(f"output must be an index in 0..{n_outputs - 1}, got {output}")
    if bounds is None:
        bounds = getattr(results[0], "bounds", None) if results else None
        if bounds is None:
            bounds = (0.0, 1.0)
    lo, hi = _box(bounds, 2)
    margin = check_positive(margin, "margin", allow_zero=True)
    resolution = check_int(resolution, "resolution", minimum=2, maximum=2000)
    ax = _axes(ax)

    # The view: the box widened by `margin` box-widths on each side, and
    # further if a trajectory (typically the unconstrained one) leaves it.
    width = hi - lo
    view_lo, view_hi = lo - margin * width, hi + margin * width
    if trajs:
        points = np.concatenate([t.reshape(-1, 2) for t in trajs])
        p_lo, p_hi = points.min(axis=0), points.max(axis=0)
        # Only a point beyond the area moves its edge, with a little room to spare.
        view_lo = np.where(p_lo < view_lo, p_lo - 0.05 * width, view_lo)
        view_hi = np.where(p_hi > view_hi, p_hi + 0.05 * width, view_hi)

    # One forward pass over the whole grid, with the four corners appended.
    g0 = np.linspace(view_lo[0], view_hi[0], resolution)
    g1 = np.linspace(view_lo[1], view_hi[1], resolution)
    G0, G1 = np.meshgrid(g0, g1)                       # (resolution, resolution), rows follow x[1]
    corner_x = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [lo[0], hi[1]], [hi[0], hi[1]]])
    X = np.vstack([np.column_stack([G0.ravel(), G1.ravel()]), corner_x])
    Y = np.asarray(net.forward(X))
    if Y.ndim != 2 or Y.shape[0] != X.shape[0] or Y.shape[1] <= output:
        raise ValueError(f"net.forward returned shape {Y.shape} for {X.shape[0]} points; "
                         f"expected (n, n_outputs) with output {output} < n_outputs")
    values = Y[:, output]
    Z = values[:-4].reshape(resolution, resolution)
    corner_values = values[-4:]

    name = f"f_{output}(x)"
    cs = ax.contourf(G0, G1, Z, levels=levels, cmap=cmap)
    cs.set_gid("contour")
    if colorbar:
        ax.figure.colorbar(cs, ax=ax, label=f"network output {name}")
    ax.add_patch(Rectangle((lo[0], lo[1]), width[0], width[1], fill=False, edgecolor="white",
                           linewidth=2.0, linestyle="--", gid="box", label="_box", zorder=3))
    if corners:
        ax.scatter(corner_x[:, 0], corner_x[:, 1], s=40, c="white", edgecolors="black",
                   zorder=4, gid="corners", label="_corners")
        for (c0, c1), v in zip(corner_x, corner_values):
            right, top = c0 > lo[0], c1 > lo[1]
            ax.annotate(f"f={v:.2f}", xy=(c0, c1), xytext=(6 if right else -6, 6 if top else -6),
                        textcoords="offset points", ha="left" if right else "right",
                        va="bottom" if top else "top", fontsize=9, gid="corner", zorder=5,
                        bbox=dict(boxstyle="round,pad=0.2", facecolor="white", alpha=0.8))

    lines, ends = [], []
    for i, (traj, label) in enumerate(zip(trajs, labels)):
        color = _result_color(i)
        # One Line2D per start (matplotlib draws artists one by one); only the
        # first carries the label, so each result has one legend entry.
        lines.append([ax.plot(traj[:, s, 0], traj[:, s, 1], color=color, linewidth=1.8,
                              label=label if s == 0 else "_nolegend_", gid="trajectory",
                              zorder=6)[0]
                      for s in range(traj.shape[1])])
        ax.plot(traj[0, :, 0], traj[0, :, 1], markeredgecolor=color, gid="start",
                label="_nolegend_", zorder=7, **_START)
        ends.append(ax.plot(traj[-1, :, 0], traj[-1, :, 1], markerfacecolor=color, gid="end",
                            label="_nolegend_", zorder=8, **_END)[0])

    ax.set_xlim(view_lo[0], view_hi[0])
    ax.set_ylim(view_lo[1], view_hi[1])
    ax.set_xlabel("x[0]")
    ax.set_ylabel("x[1]")
    if title is None:
        title = f"Network output {name}, box [{lo[0]:g}, {hi[0]:g}] x [{lo[1]:g}, {hi[1]:g}]"
    ax.set_title(title)
    if trajs:
        ax.legend(title=_MARKER_NOTE, title_fontsize=8, fontsize=9, loc="best")
    return dict(ax=ax, trajectories=trajs, lines=lines, ends=ends, labels=labels,
                results=results, lo=lo, hi=hi, output=output, title=title)


def plot_landscape(net, output: Optional[int] = None, bounds=None, margin: float = 0.5,
                   resolution: int = 200, results=None, labels: Optional[Sequence[str]] = None,
                   ax: Optional[Axes] = None, corners: bool = True, levels: int = 20,
                   cmap: str = "viridis", colorbar: bool = True,
                   title: Optional[str] = None) -> Axes:
    r"""Draw the output of a 2-input network over the plane, with search trajectories.

    Draws, on one Axes:

    * :math:`f_j(x)` as filled contours (with a colorbar) on a
      ``resolution`` × ``resolution`` grid covering the box widened by
      ``margin`` box-widths on each side — and further if a trajectory leaves
      that area, so the unconstrained search stays in view;
    * the box :math:`[lo_0, hi_0] \times [lo_1, hi_1]` as a dashed outline;
    * the four corners, each annotated with its output ``"f=0.97"``;
    * every trajectory of every result as a line, its start as a circle and
      its end as a star; all starts of one result share a colour and one
      legend entry.

    The grid and the corners are evaluated in **one** vectorised
    ``net.forward`` call: (resolution² + 4, 2) -> (resolution² + 4, n_outputs).

    Parameters
    ----------
    net : Sequential
        A network with 2 inputs (``net.n_inputs == 2``).
    output : int, optional
        The output unit j to draw. Default: the ``output`` of the results
        (all must agree), else 0.
    bounds : (lo, hi), optional
        The box, as in the input search: ``lo`` and ``hi`` scalars or arrays
        of length 2 (**not** one pair per coordinate). Default: the first
        result's ``bounds``, else (0, 1).
    margin : float >= 0
        Widening of the drawn area on each side, as a fraction of the box's
        width along that axis (0.5 on the unit square draws [-0.5, 1.5]²).
    resolution : int in 2..2000
        Grid points along each axis.
    results : result or list of results, optional
        Input-search results (``trajectory``: (n_records, n_starts, 2)).
    labels : list of str, optional
        One legend label per result; default each result's ``method``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    corners : bool
        Mark and annotate the four corners.
    levels, cmap :
        Passed to ``Axes.contourf``.
    colorbar : bool
        Add a colorbar next to ``ax``.
    title : str, optional
        Default names the output and the box.

    Returns
    -------
    matplotlib.axes.Axes
        The filled contours are the ``QuadContourSet`` in ``ax.collections``
        (gid ``"contour"``); trajectories are ``ax.lines`` with gid
        ``"trajectory"``, their markers gid ``"start"``/``"end"``.

    Raises
    ------
    ValueError
        If the network does not take 2 inputs, a trajectory does not have 2
        coordinates, the bounds are not lo < hi, or the output is out of range.
    """
    return _draw_landscape(net, output, bounds, margin, resolution, results, labels, ax,
                           corners, levels, cmap, colorbar, title)["ax"]


# ---------------------------------------------------------------------------
# any k: coordinates and objective against the step
# ---------------------------------------------------------------------------

def plot_coordinates(result, start: Optional[int] = None, ax: Optional[Axes] = None,
                     legend: Optional[bool] = None, title: Optional[str] = None) -> Axes:
    r"""Each coordinate :math:`x_i` of one search path against the step.

    One line per coordinate i (label ``"x[i]"``), x axis ``result.steps``, y
    axis ``result.trajectory[:, start, i]``; the bounds ``result.bounds`` are
    dashed horizontal lines (two grey ones labelled ``"bounds"`` when all
    coordinates share them, else one pair per coordinate in its colour).

    Parameters
    ----------
    result : InputSearchResult
        Reads ``trajectory`` (n_records, n_starts, k), ``steps``
        (n_records,), ``best``, ``bounds`` and ``method`` when present.
    start : int, optional
        Which start to draw; default ``result.best``.
    ax : matplotlib Axes, optional
    legend : bool, optional
        Default: a legend when k <= 10 (beyond that it would hide the plot).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        Coordinate lines have gid ``"coordinate"``, bound lines gid ``"bound"``.
    """
    if not hasattr(result, "trajectory"):
        raise TypeError(f"result must be one input-search result with a 'trajectory' "
                        f"attribute (n_records, n_starts, k), got {type(result).__name__}")
    traj = _trajectory(result, "result")
    n_records, n_starts, k = traj.shape
    steps = _steps(result, "result", n_records)
    start = _start_index(start, result, "result", n_starts)
    ax = _axes(ax)

    for i in range(k):
        ax.plot(steps, traj[:, start, i], color=_color(i), linewidth=1.8, label=f"x[{i}]",
                gid="coordinate", marker="." if n_records <= 30 else None)
    bounds = getattr(result, "bounds", None)
    if bounds is not None:
        lo, hi = _box(bounds, k, "result.bounds")
        if np.all(lo == lo[0]) and np.all(hi == hi[0]):
            for j, v in enumerate((lo[0], hi[0])):
                ax.axhline(v, color="0.4", linestyle="--", linewidth=1.2, gid="bound",
                           label="bounds" if j == 0 else "_nolegend_")
        else:
            for i in range(k):
                for v in (lo[i], hi[i]):
                    ax.axhline(v, color=_color(i), linestyle="--", linewidth=1.0, alpha=0.7,
                               gid="bound", label="_nolegend_")
    ax.set_xlabel("step")
    ax.set_ylabel("coordinate value x[i]")
    if title is None:
        method = getattr(result, "method", None)
        title = (f"Coordinates of x along the {method + ' ' if method else ''}search "
                 f"(start {start})")
    ax.set_title(title)
    if legend is None:
        legend = k <= 10
    if legend:
        ax.legend(fontsize=9, ncol=1 if k <= 5 else 2)
    return ax


def plot_objective(results, labels: Optional[Sequence[str]] = None, ax: Optional[Axes] = None,
                   all_starts: bool = False, title: Optional[str] = None) -> Axes:
    r"""The output value :math:`f_j(x_t)` against the step, for one or several searches.

    For each result, its best start (``result.best``) is a thick line
    labelled by ``labels`` or ``result.method``: x ``result.steps``, y
    ``result.values[:, best]``. With ``all_starts``, every other start is
    drawn thin in the same colour, without a legend entry.

    Parameters
    ----------
    results : result or list of results
        Read: ``values`` (n_records, n_starts), ``steps`` (n_records,),
        ``best``, ``method``, ``output``, ``trajectory`` (for its shape).
    labels : list of str, optional
    ax : matplotlib Axes, optional
    all_starts : bool
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        Best-start lines have gid ``"objective"``, the others
        ``"objective_start"``.
    """
    results = _as_results(results)
    labels = _labels(labels, results)
    prepared = []
    for i, r in enumerate(results):
        name = f"results[{i}]"
        traj = _trajectory(r, name)
        values = _values(r, name, traj.shape[:2])
        steps = _steps(r, name, traj.shape[0])
        best = _start_index(None, r, name, traj.shape[1])
        prepared.append((values, steps, best))
    ax = _axes(ax)
    for i, ((values, steps, best), label) in enumerate(zip(prepared, labels)):
        color = _result_color(i)
        if all_starts:
            for s in range(values.shape[1]):
                if s != best:
                    ax.plot(steps, values[:, s], color=color, linewidth=0.7, alpha=0.35,
                            gid="objective_start", label="_nolegend_")
        ax.plot(steps, values[:, best], color=color, linewidth=2.0, label=label, gid="objective")
    output = _common_output(results)
    name = f"f_{output}(x)" if output is not None else "f_j(x)"
    ax.set_xlabel("step")
    ax.set_ylabel(f"network output {name}")
    ax.set_title(title if title is not None else
                 f"Network output {name} along the search"
                 f"{' (best start thick, others thin)' if all_starts else ' (best start)'}")
    ax.legend(fontsize=9)
    return ax


# ---------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------

def plot_history(history, ax: Optional[Axes] = None, log: bool = False,
                 title: Optional[str] = None) -> Axes:
    """The training curve: ``history.loss`` (and ``history.val_loss`` if any) per epoch.

    Parameters
    ----------
    history : mininn.training.History
        Or any object with a ``loss`` list (and optionally ``val_loss``, empty
        or of the same length).
    ax : matplotlib Axes, optional
    log : bool
        Logarithmic loss axis (the losses must then be > 0).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        Epochs 1..n on the x axis; lines with gid ``"loss"`` and ``"val_loss"``.
    """
    if not hasattr(history, "loss"):
        raise TypeError(f"history must be a mininn History (with a 'loss' list), "
                        f"got {type(history).__name__}")
    loss = as_float_array(history.loss, "history.loss", ndim=1)
    if loss.shape[0] == 0:
        raise ValueError("history.loss is empty: nothing to plot (train for at least one epoch)")
    val = getattr(history, "val_loss", None)
    val = np.empty(0) if val is None else as_float_array(val, "history.val_loss", ndim=1)
    if val.shape[0] not in (0, loss.shape[0]):
        raise ValueError(f"history.val_loss must be empty or have one entry per epoch "
                         f"({loss.shape[0]}), got {val.shape[0]}")
    if log and (np.any(loss <= 0) or np.any(val <= 0)):
        raise ValueError("log=True needs losses > 0, but history holds a loss <= 0; "
                         "use log=False")
    ax = _axes(ax)
    epochs = np.arange(1, loss.shape[0] + 1)
    ax.plot(epochs, loss, color="C0", linewidth=1.8, label="training loss", gid="loss")
    if val.shape[0]:
        ax.plot(epochs, val, color="C1", linewidth=1.8, label="validation loss", gid="val_loss")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss" + (" (log scale)" if log else ""))
    ax.set_title(title if title is not None else f"Training curve ({loss.shape[0]} epochs)")
    ax.legend()
    return ax


# ---------------------------------------------------------------------------
# animation
# ---------------------------------------------------------------------------

def animate_trajectories(net, results, path, fps: int = 8, frames: int = 20,
                         output: Optional[int] = None, bounds=None,
                         labels: Optional[Sequence[str]] = None, margin: float = 0.5,
                         resolution: int = 80, dpi: int = 72,
                         figsize: Tuple[float, float] = (5.5, 4.2)) -> str:
    """Save a GIF of the trajectories growing over the landscape of a 2-input network.

    The background is :func:`plot_landscape` (drawn once); frame t shows every
    path up to step ``s_t``, with the star at its current point. The frame
    steps ``s_t`` are ``frames`` evenly spaced step numbers from 0 to the
    largest last step among the results (rounded, duplicates dropped, so the
    GIF has ``min(frames, last_step + 1)`` frames); results whose steps differ
    stay aligned by step number. Each frame's title shows its step.

    Parameters
    ----------
    net, output, bounds, labels, margin, resolution :
        As for :func:`plot_landscape`.
    results : result or list of results
    path : str or os.PathLike
        Where to write; must end in ``.gif``.
    fps : int >= 1
        Frames per second.
    frames : int >= 2
        Maximum number of frames (a few dozen keep the file small).
    dpi : int >= 10
    figsize : (width, height) in inches

    Returns
    -------
    str
        ``path``, written with matplotlib's ``PillowWriter``.
    """
    from matplotlib.animation import FuncAnimation, PillowWriter

    path = os.fspath(path)
    if not isinstance(path, str) or not path.lower().endswith(".gif"):
        raise ValueError(f"path must be a file name ending in .gif, got {path!r}")
    fps = check_int(fps, "fps", minimum=1)
    frames = check_int(frames, "frames", minimum=2)
    dpi = check_int(dpi, "dpi", minimum=10)
    results = _as_results(results)
    steps = [_steps(r, f"results[{i}]", _trajectory(r, f"results[{i}]").shape[0])
             for i, r in enumerate(results)]

    fig, ax = plt.subplots(figsize=figsize)
    try:
        drawn = _draw_landscape(net, output, bounds, margin, resolution, results, labels, ax,
                                True, 20, "viridis", True, None)
        last = max(float(s[-1]) for s in steps)
        frame_steps = np.unique(np.round(np.linspace(0.0, last, frames)))
        base_title = drawn["title"]

        def update(t: int):
            step = frame_steps[t]
            for traj, s, lines, end in zip(drawn["trajectories"], steps, drawn["lines"],
                                           drawn["ends"]):
                shown = max(1, int(np.searchsorted(s, step, side="right")))
                for j, line in enumerate(lines):
                    line.set_data(traj[:shown, j, 0], traj[:shown, j, 1])
                end.set_data(traj[shown - 1, :, 0], traj[shown - 1, :, 1])
            ax.set_title(f"{base_title}\nstep {step:g}")
            return []

        animation = FuncAnimation(fig, update, frames=len(frame_steps), blit=False,
                                  repeat=False)
        animation.save(path, writer=PillowWriter(fps=fps), dpi=dpi)
    finally:
        plt.close(fig)
    return path
