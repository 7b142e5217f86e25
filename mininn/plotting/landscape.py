r"""The output landscape of a 2-input network, with the input-search paths on it.

:func:`plot_landscape` draws :math:`f_j(x)` as filled contours over an area
larger than the box, the box, its four corners with their outputs, and every
path of every search result (one legend entry per result). The grid and the
corners are evaluated in **one** vectorised ``net.forward`` call.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .._validation import check_bool, check_bounds, check_choice, check_int, check_output, \
    check_positive
from ._common import (LEGEND_LOCATIONS, as_results, check_net_2d, common_output, evaluate,
                      halo, legend_labels, new_or_given_axes, place_legend, points,
                      result_bounds, result_style)

MARKER_NOTE = "hollow marker = start, star = end"


def _boxes(results, trajs, bounds):
    """The box(es) to draw, (n_boxes, 2) lo and hi: ``bounds``, the results' or the unit box."""
    if bounds is not None:
        lo, hi = check_bounds(bounds, 2)
        return lo[None], hi[None]
    los, his = [], []
    for i, (r, traj) in enumerate(zip(results, trajs)):
        box = result_bounds(r, f"results[{i}]", 2, traj.shape[1])
        if box is not None:
            los.append(box[0])
            his.append(box[1])
    if not los:
        return np.array([[0.0, 0.0]]), np.array([[1.0, 1.0]])
    # Per-start boxes that coincide are drawn once; the first one seen is the
    # main box (its corners are annotated).
    both = np.hstack([np.vstack(los), np.vstack(his)])
    _, first = np.unique(both, axis=0, return_index=True)
    both = both[np.sort(first)]
    return both[:, :2], both[:, 2:]


def _output(net, output, results) -> int:
    """The output to draw: ``output``, else the one all results searched, else 0."""
    if output is None:
        output = common_output(results)
        if output is None and len(results) > 1 and any(hasattr(r, "output") for r in results):
            raise ValueError("the results search different outputs "
                             f"({[getattr(r, 'output', None) for r in results]}); pass output=j "
                             f"to choose the output to draw")
        output = 0 if output is None else output
    return check_output(output, getattr(net, "n_outputs", None))


def draw_landscape(net, output, *, bounds, margin, resolution, results, labels, ax, corners,
                   levels, cmap, colorbar, legend_loc, title) -> Dict[str, Any]:
    """Draw the landscape; return the Axes and the artists the animation moves."""
    check_net_2d(net, "plot_landscape")
    results = as_results(results, allow_empty=True, need_path=False)
    labels = legend_labels(labels, results)
    trajs = []
    for i, r in enumerate(results):
        traj = points(r, f"results[{i}]")
        if traj.shape[2] != 2:
            raise ValueError(f"results[{i}] has {traj.shape[2]} coordinates per point "
                             f"(shape {traj.shape}), but the landscape is drawn over 2 inputs")
        trajs.append(traj)
    output = _output(net, output, results)
    los, his = _boxes(results, trajs, bounds)
    margin = check_positive(margin, "margin", allow_zero=True)
    resolution = check_int(resolution, "resolution", minimum=2, maximum=2000)
    corners, colorbar = check_bool(corners, "corners"), check_bool(colorbar, "colorbar")
    legend_loc = check_choice(legend_loc, "legend_loc", LEGEND_LOCATIONS)
    levels = check_int(levels, "levels", minimum=2, maximum=1000)
    ax = new_or_given_axes(ax)

    # The view: the boxes widened by `margin` box-widths on each side, and
    # further if a path (typically the unconstrained one) leaves that area.
    lo, hi = los.min(axis=0), his.max(axis=0)
    width = hi - lo
    view_lo, view_hi = lo - margin * width, hi + margin * width
    if trajs:
        pts = np.concatenate([t.reshape(-1, 2) for t in trajs])
        p_lo, p_hi = pts.min(axis=0), pts.max(axis=0)
        view_lo = np.where(p_lo < view_lo, p_lo - 0.05 * width, view_lo)
        view_hi = np.where(p_hi > view_hi, p_hi + 0.05 * width, view_hi)

    # One forward pass over the grid with the main box's four corners appended.
    g0 = np.linspace(view_lo[0], view_hi[0], resolution)
    g1 = np.linspace(view_lo[1], view_hi[1], resolution)
    G0, G1 = np.meshgrid(g0, g1)                       # (resolution, resolution), rows follow x[1]
    (a0, a1), (b0, b1) = los[0], his[0]
    corner_x = np.array([[a0, a1], [b0, a1], [a0, b1], [b0, b1]])
    values = evaluate(net, np.vstack([np.column_stack([G0.ravel(), G1.ravel()]), corner_x]),
                      output)
    Z = values[:-4].reshape(resolution, resolution)

    name = f"f_{output}(x)"
    cs = ax.contourf(G0, G1, Z, levels=levels, cmap=cmap)
    cs.set_gid("contour")
    if colorbar:
        ax.figure.colorbar(cs, ax=ax, label=f"network output {name}")
    for box_lo, box_hi in zip(los, his):
        ax.add_patch(Rectangle(tuple(box_lo), *(box_hi - box_lo), fill=False,
                               edgecolor="white", linewidth=1.5, linestyle="--", gid="box",
                               label="_box", zorder=3))
    if corners:
        ax.scatter(corner_x[:, 0], corner_x[:, 1], s=40, c="white", edgecolors="black",
                   zorder=4, gid="corners", label="_corners")
        for (c0, c1), v in zip(corner_x, values[-4:]):
            right, top = c0 > a0, c1 > a1
            ax.annotate(f"f={v:.2f}", xy=(c0, c1), xytext=(6 if right else -6, 6 if top else -6),
                        textcoords="offset points", ha="left" if right else "right",
                        va="bottom" if top else "top", fontsize=9, gid="corner", zorder=5,
                        bbox=dict(boxstyle="round,pad=0.2", facecolor="white", alpha=0.8))

    lines, ends, handles = [], [], []
    for i, (r, traj, label) in enumerate(zip(results, trajs, labels)):
        st = result_style(i)
        effects = halo(st["color"])
        line_kw = dict(color=st["color"], linestyle=st["linestyle"], linewidth=st["linewidth"])
        mark_kw = dict(marker=st["marker"], markersize=st["markersize"], markerfacecolor="none",
                       markeredgecolor=st["color"], markeredgewidth=2.0)
        if hasattr(r, "trajectory"):
            # One Line2D per start; only the first carries the label.
            lines.append([ax.plot(traj[:, s, 0], traj[:, s, 1], **line_kw, zorder=st["zorder"],
                                  path_effects=effects, gid="trajectory",
                                  label=label if s == 0 else "_nolegend_")[0]
                          for s in range(traj.shape[1])])
            ax.plot(traj[0, :, 0], traj[0, :, 1], linestyle="none", **mark_kw,
                    path_effects=effects, zorder=st["zorder"] + 1, gid="start",
                    label="_nolegend_")
            ends.append(ax.plot(traj[-1, :, 0], traj[-1, :, 1], linestyle="none", marker="*",
                                markersize=15, markerfacecolor=st["color"],
                                markeredgecolor="black", markeredgewidth=0.8,
                                zorder=st["zorder"] + 2, gid="end", label="_nolegend_")[0])
            handles.append(Line2D([], [], **dict(line_kw, linewidth=min(st["linewidth"], 3.0)),
                                  **dict(mark_kw, markersize=8), label=label))
        else:
            # A search without a path (exhaustive, exact): its answers as big hollow
            # crosses, so a path's end star at the same point shows inside.
            found = dict(linestyle="none", marker="X", markerfacecolor="none",
                         markeredgecolor=st["color"], markeredgewidth=2.0)
            ax.plot(traj[0, :, 0], traj[0, :, 1], markersize=20, **found, path_effects=effects,
                    zorder=st["zorder"] + 1, gid="found", label="_nolegend_")
            handles.append(Line2D([], [], markersize=10, **found, label=label))

    ax.set_xlim(view_lo[0], view_hi[0])
    ax.set_ylim(view_lo[1], view_hi[1])
    ax.set_xlabel("x[0]")
    ax.set_ylabel("x[1]")
    if title is None:
        title = f"Network output {name}, box [{a0:g}, {b0:g}] x [{a1:g}, {b1:g}]"
    ax.set_title(title)
    if handles:
        note = MARKER_NOTE if lines else None
        place_legend(ax, legend_loc, handles=handles, title=note, title_fontsize=8, fontsize=9)
    return dict(ax=ax, trajectories=[t for r, t in zip(results, trajs)
                                     if hasattr(r, "trajectory")],
                path_results=[r for r in results if hasattr(r, "trajectory")],
                lines=lines, ends=ends, title=title)


def plot_landscape(net, output: Optional[int] = None, *, bounds=None, results=None,
                   labels: Optional[Sequence[str]] = None, margin: float = 0.5,
                   resolution: int = 200, ax: Optional[Axes] = None, corners: bool = True,
                   levels: int = 20, cmap: str = "viridis", colorbar: bool = True,
                   legend_loc: str = "outside", title: Optional[str] = None) -> Axes:
    r"""Draw output j of a 2-input network over the plane, with the search paths on it.

    Draws, on one Axes:

    * :math:`f_j(x)` as filled contours with a colour bar, on a
      ``resolution`` x ``resolution`` grid covering the box widened by
      ``margin`` box-widths on each side -- and further if a path leaves that
      area, so the unconstrained search stays in view;
    * the box :math:`[lo_0, hi_0] \times [lo_1, hi_1]` as a dashed outline
      (each distinct per-start box when the results have several);
    * the four corners of the (first) box, each annotated ``"f=0.97"``;
    * every path of every input-search result: a line per start, a hollow
      marker at its start and a star at its end. Result i has its own colour
      (far from every colour of viridis, with a contrasting outline), dash
      pattern, start-marker shape and width -- the first widest and lowest --
      so paths running on top of each other stay distinguishable;
    * a result without a path (``best_binary_input``, ``best_box_input``):
      its points ``xs`` as crosses.

    The legend has one entry per result; by default it sits below the axes,
    where it hides nothing (``fig.tight_layout()`` or
    ``savefig(..., bbox_inches="tight")`` make room for it).

    Parameters
    ----------
    net : Sequential
        A network with 2 inputs.
    output : int, optional
        The output unit j to draw. Default: the ``output`` of the results
        (all must agree), else 0.
    bounds : (lo, hi), optional
        The box: ``lo`` and ``hi`` scalars or arrays of shape (2,). Default:
        the results' ``bounds``, else (0, 1).
    results : result or list of results, optional
        Search results: ``trajectory`` (n_records, n_starts, 2) is drawn as
        paths; a result with only ``xs`` (n_starts, 2) as points.
    labels : list of str, optional
        One legend label per result; default each result's ``method``.
    margin : float >= 0
        Widening of the drawn area on each side, as a fraction of the box's
        width along that axis (0.5 on the unit square draws [-0.5, 1.5]^2).
    resolution : int in 2..2000
        Grid points along each axis; the grid is one (resolution^2 + 4, 2) batch.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    corners, colorbar : bool
        Annotate the four corners; add a colour bar next to ``ax``.
    levels : int in 2..1000
        About this many contour levels (matplotlib picks round values over
        the range of the drawn outputs).
    cmap : str
        A matplotlib colour map (the path colours are chosen to stand out on
        the default, viridis).
    legend_loc : str
        ``"outside"`` (below the axes) or a matplotlib location ("best", ...).
    title : str, optional
        Default names the output and the box.

    Returns
    -------
    matplotlib.axes.Axes
        The filled contours have gid ``"contour"``, the box ``"box"``, the
        corner annotations ``"corner"``; path lines ``"trajectory"``, their
        markers ``"start"`` and ``"end"``; points of path-less results ``"found"``.

    Raises
    ------
    ValueError
        The network does not take 2 inputs, a result does not have 2
        coordinates, the bounds are not lo < hi, or the output is out of range.
    TypeError
        ``net``, ``ax`` or a result of the wrong kind.
    """
    return draw_landscape(net, output, bounds=bounds, margin=margin, resolution=resolution,
                          results=results, labels=labels, ax=ax, corners=corners,
                          levels=levels, cmap=cmap, colorbar=colorbar, legend_loc=legend_loc,
                          title=title)["ax"]
