"""What every figure of :mod:`mininn.plotting` shares: reading results, axes, styles.

Search results are read by attribute (duck typing), with the vocabulary of
:mod:`mininn.search.results`: an input-search result (``AscentResult``) has

* ``trajectory`` (n_records, n_starts, k): x at each recorded step,
* ``trajectory_values`` (n_records, n_starts): the output there,
* ``steps`` (n_records,): the iteration number of each record,
* ``best``, ``bounds``, ``output``, ``method``;

any search result has ``x`` (k,) and ``xs`` (n_starts, k). Arguments are
checked with :mod:`mininn._validation`; nothing here computes a gradient.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors as mcolors
from matplotlib import patheffects
from matplotlib.axes import Axes

from .._validation import as_float_array, check_bounds, check_int

# Where a legend may go: "outside" the axes (the default of the busy figures,
# so it never hides what is drawn), or one of matplotlib's own locations.
LEGEND_LOCATIONS = ("outside", "best", "upper right", "upper left", "lower left",
                    "lower right", "right", "center left", "center right", "lower center",
                    "upper center", "center")


def new_or_given_axes(ax) -> Axes:
    """The Axes to draw on: ``ax`` itself, or a new figure's Axes when None."""
    if ax is None:
        _, ax = plt.subplots()
        return ax
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def check_net_2d(net, what: str) -> None:
    """Refuse anything but a network with a ``forward`` and 2 inputs."""
    if not callable(getattr(net, "forward", None)):
        raise TypeError(f"net must be a network with a forward(X) method (a mininn "
                        f"Sequential), got {type(net).__name__}")
    n_inputs = getattr(net, "n_inputs", None)
    if n_inputs is not None and n_inputs != 2:
        raise ValueError(f"{what} draws networks with 2 inputs, but net takes {n_inputs} "
                         f"(net.n_inputs); for k != 2 use plot_coordinates and plot_objective")


def evaluate(net, X: np.ndarray, output: int) -> np.ndarray:
    """Output ``output`` of ``net`` at the rows of X, (n, 2) -> (n,), in one forward call."""
    Y = np.asarray(net.forward(X))
    if Y.ndim != 2 or Y.shape[0] != X.shape[0] or Y.shape[1] <= output:
        raise ValueError(f"net.forward returned shape {Y.shape} for {X.shape[0]} points; "
                         f"expected (n, n_outputs) with output {output} < n_outputs")
    return Y[:, output]


def as_results(results, name: str = "results", allow_empty: bool = False,
               need_path: bool = True) -> List[Any]:
    """One result or a list of results -> a list.

    With ``need_path`` every result must have a ``trajectory``; otherwise a
    result with only ``xs`` (an exact search) is accepted too.
    """
    if results is None:
        items: List[Any] = []
    elif hasattr(results, "trajectory") or hasattr(results, "xs"):
        items = [results]
    elif isinstance(results, (list, tuple)):
        items = list(results)
    else:
        raise TypeError(f"{name} must be a search result (e.g. mininn.search.AscentResult) or "
                        f"a list of them, got {type(results).__name__}")
    if not items and not allow_empty:
        raise ValueError(f"{name} must hold at least one search result, got none")
    for i, r in enumerate(items):
        if not hasattr(r, "trajectory") and (need_path or not hasattr(r, "xs")):
            wanted = "a 'trajectory' attribute (n_records, n_starts, k)"
            if not need_path:
                wanted += " or an 'xs' attribute (n_starts, k)"
            raise TypeError(f"{name}[{i}] must be a search result with {wanted}, "
                            f"got {type(r).__name__}")
    return items


def trajectory(result, name: str) -> np.ndarray:
    """``result.trajectory`` as a finite float array (n_records, n_starts, k)."""
    traj = as_float_array(result.trajectory, f"{name}.trajectory", ndim=3)
    if min(traj.shape) == 0:
        raise ValueError(f"{name}.trajectory must have shape (n_records, n_starts, k) with "
                         f"every size >= 1, got {traj.shape}")
    return traj


def points(result, name: str) -> np.ndarray:
    """The points to draw of a result: its trajectory, or its final ``xs`` as one record."""
    if hasattr(result, "trajectory"):
        return trajectory(result, name)
    xs = as_float_array(result.xs, f"{name}.xs", ndim=2)
    return xs[None]


def steps_of(result, name: str, n_records: int) -> np.ndarray:
    """``result.steps`` (n_records,), or 0, 1, 2, ... when the result has none."""
    steps = getattr(result, "steps", None)
    if steps is None:
        return np.arange(n_records, dtype=float)
    steps = as_float_array(steps, f"{name}.steps", ndim=1)
    if steps.shape[0] != n_records:
        raise ValueError(f"{name}.steps must have one entry per recorded step ({n_records}), "
                         f"got shape {steps.shape}")
    return steps


def trajectory_values(result, name: str, shape: Tuple[int, int]) -> np.ndarray:
    """``result.trajectory_values`` (n_records, n_starts), checked against the trajectory."""
    if not hasattr(result, "trajectory_values"):
        raise TypeError(f"{name} must have a 'trajectory_values' attribute (n_records, "
                        f"n_starts), got {type(result).__name__} without one")
    values = as_float_array(result.trajectory_values, f"{name}.trajectory_values", ndim=2)
    if values.shape != shape:
        raise ValueError(f"{name}.trajectory_values must have shape (n_records, n_starts) = "
                         f"{shape} to match its trajectory, got {values.shape}")
    return values


def start_index(start, result, name: str, n_starts: int) -> int:
    """The start to draw: ``start``, or ``result.best`` when None; checked in range."""
    arg = "start"
    if start is None:
        start, arg = getattr(result, "best", 0), f"{name}.best"
    # n_starts - 1 is the last start: "start must be <= 3, got 4" names the range.
    return check_int(start, arg, minimum=0, maximum=n_starts - 1)


def result_bounds(result, name: str, k: int, n_starts: int) -> Optional[Tuple[np.ndarray,
                                                                              np.ndarray]]:
    """``result.bounds`` as two (n_starts, k) arrays, or None if the result has none."""
    bounds = getattr(result, "bounds", None)
    if bounds is None:
        return None
    return check_bounds(bounds, k, name=f"{name}.bounds", n_starts=n_starts)


def legend_labels(labels, results: Sequence[Any]) -> List[str]:
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


def common_output(results: Sequence[Any]) -> Optional[int]:
    """The output index shared by all results, None if they have none or disagree."""
    outputs = {getattr(r, "output", None) for r in results}
    if len(outputs) == 1:
        (output,) = outputs
        return output
    return None


def place_legend(ax: Axes, loc: str, *, side: str = "below", handles=None, **kwargs):
    """Draw the legend at ``loc``; ``"outside"`` puts it ``side`` of the axes ("below"/"right").

    Outside the axes it can cover nothing that is drawn; ``fig.tight_layout()``
    or ``savefig(..., bbox_inches="tight")`` make room for it.
    """
    if handles is not None:
        kwargs["handles"] = handles
    if loc != "outside":
        return ax.legend(loc=loc, **kwargs)
    if side == "right":
        return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                         **kwargs)
    n = len(handles) if handles is not None else len(ax.get_legend_handles_labels()[1])
    # Below the x label: the offset is in axes fractions, so it holds for any figure size.
    return ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), borderaxespad=0.0,
                     ncol=min(n, 3), **kwargs)


# ----------------------------------------------------------------- styles
def coordinate_color(i: int) -> str:
    """Colour of coordinate i (matplotlib's default cycle)."""
    return f"C{i % 10}"


# Result colours, chosen far from every colour of viridis (RGB distance >= 0.4,
# tested) so a path never melts into the landscape; navy or gold would.
RESULT_COLORS = ("#e41a1c", "magenta", "black", "cyan", "#ff7f00", "white")
# Overlapping paths stay distinguishable: the first result is drawn widest and
# lowest, each later one thinner, on top and with its own dash pattern, so a
# path running on top of another leaves the lower one visible at its sides.
RESULT_LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 2)))
RESULT_WIDTHS = (5.0, 3.6, 2.8, 2.4, 2.2, 2.0)
# Start markers: a different shape and size per result, hollow, so starts at
# the same point show as nested shapes instead of one circle.
START_MARKERS = ("o", "s", "D", "^", "v", "P")
START_SIZES = (17.0, 13.0, 10.0, 8.5, 7.0, 6.0)


def halo(color) -> list:
    """A contrasting outline (path effect) that keeps a line visible on any background."""
    r, g, b = mcolors.to_rgb(color)
    dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
    return [patheffects.withStroke(linewidth=3.0, foreground="white" if dark else "black"),
            patheffects.Normal()]


def result_style(i: int) -> dict:
    """Colour, dash, width, z-order and start marker of result i (of a landscape or objective)."""
    n = len(RESULT_COLORS)
    j = min(i, len(RESULT_WIDTHS) - 1)
    return dict(color=RESULT_COLORS[i % n], linestyle=RESULT_LINESTYLES[i % n],
                linewidth=RESULT_WIDTHS[j], zorder=6 + 0.01 * i,
                marker=START_MARKERS[i % n], markersize=START_SIZES[j])


def as_images(images, shape, name: str) -> np.ndarray:
    """(n, h, w) images from (n, h, w), (n, 1, h, w) or flat (n, h w) with ``shape``."""
    arr = as_float_array(images, name)
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 2:
        if shape is None:
            side = int(round(np.sqrt(arr.shape[1])))
            if side * side != arr.shape[1]:
                raise ValueError(f"{name} are flat rows of {arr.shape[1]} pixels: give "
                                 f"shape=(h, w)")
            shape = (side, side)
        h, w = (check_int(s, "shape", minimum=1) for s in shape)
        if arr.shape[1] != h * w:
            raise ValueError(f"shape {(h, w)} needs {h * w} values per image, {name} have "
                             f"{arr.shape[1]} (shape {arr.shape})")
        arr = arr.reshape(-1, h, w)
    if arr.ndim != 3 or arr.shape[0] == 0:
        raise ValueError(f"{name} must be (n, h, w), (n, 1, h, w) or (n, h * w) with n >= 1, "
                         f"got shape {arr.shape}")
    return arr
