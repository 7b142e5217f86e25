r"""Any number of inputs k: a search path against the step.

* :func:`plot_coordinates` -- each coordinate :math:`x_i` of one start's path
  against the step, with its bounds;
* :func:`plot_objective` -- the output :math:`f_j(x_t)` along the path, for one
  or several searches.

Both read an input-search result (``mininn.search.AscentResult``):
``trajectory`` (n_records, n_starts, k), ``trajectory_values``
(n_records, n_starts), ``steps``, ``best``, ``bounds``, ``method``, ``output``.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from matplotlib.axes import Axes

from .._validation import check_bool, check_choice
from ._common import (LEGEND_LOCATIONS, as_results, common_output, coordinate_color, halo,
                      legend_labels, new_or_given_axes, place_legend, result_bounds,
                      result_style, start_index, steps_of, trajectory, trajectory_values)


def plot_coordinates(result, start: Optional[int] = None, *, ax: Optional[Axes] = None,
                     legend: Optional[bool] = None, legend_loc: str = "outside",
                     title: Optional[str] = None) -> Axes:
    r"""Each coordinate :math:`x_i` of one search path against the step.

    One line per coordinate i (label ``"x[i]"``): x axis ``result.steps``, y
    axis ``result.trajectory[:, start, i]``. The start's bounds are dashed
    horizontal lines: two grey ones labelled ``"bounds"`` when every
    coordinate shares them, else one pair per coordinate in its colour.

    Parameters
    ----------
    result : AscentResult
        Reads ``trajectory`` (n_records, n_starts, k), ``steps`` (n_records,),
        ``best``, ``bounds`` and ``method`` when present.
    start : int, optional
        Which start to draw; default ``result.best``.
    ax : matplotlib Axes, optional
    legend : bool, optional
        Default: a legend when k <= 10 (beyond that it would be a wall of text).
    legend_loc : str
        ``"outside"`` (right of the axes, so it never hides the steps where
        coordinates reach a bound) or a matplotlib location.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        Coordinate lines have gid ``"coordinate"``, bound lines ``"bound"``.
    """
    if not hasattr(result, "trajectory"):
        raise TypeError(f"result must be one input-search result with a 'trajectory' "
                        f"attribute (n_records, n_starts, k), got {type(result).__name__}")
    traj = trajectory(result, "result")
    n_records, n_starts, k = traj.shape
    steps = steps_of(result, "result", n_records)
    start = start_index(start, result, "result", n_starts)
    box = result_bounds(result, "result", k, n_starts)
    legend = k <= 10 if legend is None else check_bool(legend, "legend")
    legend_loc = check_choice(legend_loc, "legend_loc", LEGEND_LOCATIONS)
    ax = new_or_given_axes(ax)

    for i in range(k):
        ax.plot(steps, traj[:, start, i], color=coordinate_color(i), linewidth=1.8,
                label=f"x[{i}]", gid="coordinate", marker="." if n_records <= 30 else None)
    if box is not None:
        lo, hi = box[0][start], box[1][start]
        if np.all(lo == lo[0]) and np.all(hi == hi[0]):
            for j, v in enumerate((lo[0], hi[0])):
                ax.axhline(v, color="0.4", linestyle="--", linewidth=1.2, gid="bound",
                           label="bounds" if j == 0 else "_nolegend_")
        else:
            for i in range(k):
                for v in (lo[i], hi[i]):
                    ax.axhline(v, color=coordinate_color(i), linestyle="--", linewidth=1.0,
                               alpha=0.7, gid="bound", label="_nolegend_")
    ax.set_xlabel("step")
    ax.set_ylabel("coordinate value x[i]")
    if title is None:
        method = getattr(result, "method", None)
        title = (f"Coordinates of x along the {method + ' ' if method else ''}search "
                 f"(start {start})")
    ax.set_title(title)
    if legend:
        place_legend(ax, legend_loc, side="right", fontsize=9, ncol=1 if k <= 5 else 2)
    return ax


def plot_objective(results, *, labels: Optional[Sequence[str]] = None,
                   ax: Optional[Axes] = None, all_starts: bool = False,
                   legend_loc: str = "best", title: Optional[str] = None) -> Axes:
    r"""The output :math:`f_j(x_t)` against the step, for one or several searches.

    For each result, its best start (``result.best``) is a thick line
    labelled by ``labels`` or ``result.method``: x ``result.steps``, y
    ``result.trajectory_values[:, best]``. With ``all_starts`` every other
    start is a thin line of the same colour, without a legend entry. Result i
    has the colour and dash pattern it has in :func:`plot_landscape`.

    Parameters
    ----------
    results : result or list of results
        Read: ``trajectory_values`` (n_records, n_starts), ``steps``
        (n_records,), ``best``, ``method``, ``output``, ``trajectory``
        (for its shape).
    labels : list of str, optional
    ax : matplotlib Axes, optional
    all_starts : bool
    legend_loc : str
        A matplotlib location, or ``"outside"`` (right of the axes).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        Best-start lines have gid ``"objective"``, the others ``"objective_start"``.
    """
    results = as_results(results)
    labels = legend_labels(labels, results)
    all_starts = check_bool(all_starts, "all_starts")
    legend_loc = check_choice(legend_loc, "legend_loc", LEGEND_LOCATIONS)
    prepared = []
    for i, r in enumerate(results):
        name = f"results[{i}]"
        traj = trajectory(r, name)
        values = trajectory_values(r, name, traj.shape[:2])
        steps = steps_of(r, name, traj.shape[0])
        best = start_index(None, r, name, traj.shape[1])
        prepared.append((values, steps, best))
    ax = new_or_given_axes(ax)
    for i, ((values, steps, best), label) in enumerate(zip(prepared, labels)):
        st = result_style(i)
        if all_starts:
            for s in range(values.shape[1]):
                if s != best:
                    ax.plot(steps, values[:, s], color=st["color"], linewidth=0.7, alpha=0.35,
                            gid="objective_start", label="_nolegend_")
        ax.plot(steps, values[:, best], color=st["color"], linestyle=st["linestyle"],
                linewidth=2.0, path_effects=halo(st["color"]), label=label, gid="objective")
    output = common_output(results)
    name = f"f_{output}(x)" if output is not None else "f_j(x)"
    ax.set_xlabel("step")
    ax.set_ylabel(f"network output {name}")
    ax.set_title(title if title is not None else
                 f"Network output {name} along the search"
                 f"{' (best start thick, others thin)' if all_starts else ' (best start)'}")
    place_legend(ax, legend_loc, side="right", fontsize=9)
    return ax
