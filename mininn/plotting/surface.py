r"""The decision surface of a 2-input classifier: its probability over the plane.

:func:`plot_decision_surface` draws :math:`p(x)` (the network's output, or
:math:`\sigma(z(x))` when the network outputs a logit z) as filled contours
with a colour bar, the decision boundary :math:`p = 1/2` as a black line, and
the data on top. The grid is one vectorised ``net.forward`` call.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from .._validation import as_batch, as_float_array, check_bool, check_bounds, check_choice, \
    check_int, check_output, check_positive, check_real
from ..activations import sigmoid
from ._common import LEGEND_LOCATIONS, check_net_2d, evaluate, new_or_given_axes, place_legend

# Class markers: white circles for 0, gold squares for 1 (then more shapes).
_CLASS_STYLE = (("o", "white"), ("s", "gold"), ("^", "tab:green"), ("D", "tab:purple"))


def plot_decision_surface(net, output: int = 0, *, X=None, y=None, logits: bool = False,
                          area=None, margin: float = 0.5, threshold: float = 0.5,
                          resolution: int = 150, ax: Optional[Axes] = None,
                          cmap: str = "RdBu_r", colorbar: bool = True,
                          legend_loc: str = "outside", title: Optional[str] = None) -> Axes:
    r"""Draw a 2-input classifier's probability over the plane, its boundary and the data.

    Parameters
    ----------
    net : Sequential
        A network with 2 inputs whose output ``output`` is a probability in
        [0, 1], or a logit z with ``logits=True`` (then :math:`p = \sigma(z)`).
    output : int
        The output unit drawn.
    X : array (n, 2), optional
        Data points drawn on top, one marker shape per class of ``y``.
    y : array (n,) or (n, 1), optional
        Their labels (needed with X).
    logits : bool
        The network outputs logits; the colours show :math:`\sigma(z)`.
    area : (lo, hi), optional
        The drawn square, scalars or (2,) arrays. Default: the data's range
        (or the unit square) widened by ``margin`` of its width on each side.
    margin : float >= 0
    threshold : float in (0, 1)
        The probability drawn as the decision boundary.
    resolution : int in 2..2000
    ax : matplotlib Axes, optional
    cmap : str
        Any matplotlib colour map; levels are fixed at 0, 0.1, ..., 1 so that
        colours mean the same probability in every figure.
    colorbar : bool
        A colour bar labelled with what the colours are.
    legend_loc : str
        ``"outside"`` (below the axes) or a matplotlib location.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        Contours gid ``"surface"``, boundary ``"boundary"``, data ``"data"``.

    Raises
    ------
    ValueError
        The output leaves [0, 1] without ``logits=True``; X is not (n, 2);
        y does not match X.
    """
    check_net_2d(net, "plot_decision_surface")
    output = check_output(output, getattr(net, "n_outputs", None))
    logits, colorbar = check_bool(logits, "logits"), check_bool(colorbar, "colorbar")
    threshold = check_real(threshold, "threshold", 0.0, 1.0, open_min=True, open_max=True)
    margin = check_positive(margin, "margin", allow_zero=True)
    resolution = check_int(resolution, "resolution", minimum=2, maximum=2000)
    legend_loc = check_choice(legend_loc, "legend_loc", LEGEND_LOCATIONS)
    if X is not None:
        X = as_batch(X, "X", 2)
        if y is None:
            raise ValueError("y is needed with X: one label per row of X")
        y = as_float_array(y, "y")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.shape != (X.shape[0],):
            raise ValueError(f"y must have shape ({X.shape[0]},) or ({X.shape[0]}, 1) to match "
                             f"X {X.shape}, got {y.shape}")
    elif y is not None:
        raise ValueError("y was given without X: pass the points X (n, 2) too")
    if area is None:
        lo, hi = (X.min(axis=0), X.max(axis=0)) if X is not None else (np.zeros(2), np.ones(2))
        width = np.where(hi > lo, hi - lo, 1.0)
        lo, hi = lo - margin * width, hi + margin * width
    else:
        lo, hi = check_bounds(area, 2, name="area")
    ax = new_or_given_axes(ax)

    g0 = np.linspace(lo[0], hi[0], resolution)
    g1 = np.linspace(lo[1], hi[1], resolution)
    G0, G1 = np.meshgrid(g0, g1)
    out = evaluate(net, np.column_stack([G0.ravel(), G1.ravel()]), output)
    if logits:
        prob = sigmoid(out)
    elif out.min() < 0.0 or out.max() > 1.0:
        raise ValueError(f"output {output} of net leaves [0, 1] (from {out.min():.3g} to "
                         f"{out.max():.3g}), so it is not a probability; if the network "
                         f"outputs logits, pass logits=True")
    else:
        prob = out
    P = prob.reshape(G0.shape)
    cs = ax.contourf(G0, G1, P, levels=np.linspace(0.0, 1.0, 11), cmap=cmap)
    cs.set_gid("surface")
    name = f"f_{output}(x)"
    if colorbar:
        label = f"P(y = 1) = sigmoid({name})" if logits else f"P(y = 1) = {name}"
        ax.figure.colorbar(cs, ax=ax, label=label, ticks=np.linspace(0.0, 1.0, 6))
    boundary = ax.contour(G0, G1, P, levels=[threshold], colors="black", linewidths=2.0)
    boundary.set_gid("boundary")
    handles = [Line2D([], [], color="black", linewidth=2.0,
                      label=f"boundary P = {threshold:g}")]
    if X is not None:
        for j, label in enumerate(np.unique(y)):
            marker, color = _CLASS_STYLE[j % len(_CLASS_STYLE)]
            pts = X[y == label]
            ax.scatter(pts[:, 0], pts[:, 1], marker=marker, s=90, c=color, edgecolors="black",
                       zorder=3, gid="data", label=f"y = {label:g}")
            handles.append(Line2D([], [], linestyle="none", marker=marker, markersize=9,
                                  markerfacecolor=color, markeredgecolor="black",
                                  label=f"y = {label:g}"))
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x[0]")
    ax.set_ylabel("x[1]")
    ax.set_title(title if title is not None else f"Decision surface of output {output}")
    place_legend(ax, legend_loc, handles=handles, fontsize=9)
    return ax
