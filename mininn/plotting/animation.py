"""The search paths growing step by step over the landscape, saved as a GIF.

Uses matplotlib's ``PillowWriter`` (Pillow is a dependency of matplotlib itself).
"""
from __future__ import annotations

import os
from typing import Optional, Sequence, Tuple

import matplotlib.pyplot as plt
import numpy as np

from .._validation import check_int
from ._common import as_results, steps_of, trajectory
from .landscape import draw_landscape


def animate_trajectories(net, results, path, *, fps: int = 8, frames: int = 20,
                         output: Optional[int] = None, bounds=None,
                         labels: Optional[Sequence[str]] = None, margin: float = 0.5,
                         resolution: int = 80, dpi: int = 72,
                         figsize: Tuple[float, float] = (6.0, 5.5)) -> str:
    """Save a GIF of the search paths growing over the landscape of a 2-input network.

    The background is :func:`~mininn.plotting.plot_landscape` (drawn once);
    frame t shows every path up to step ``s_t``, with the star at its current
    point. The frame steps ``s_t`` are ``frames`` evenly spaced step numbers
    from 0 to the largest last step among the results (rounded, duplicates
    dropped, so the GIF has ``min(frames, last_step + 1)`` frames); results
    whose steps differ stay aligned by step number. Each frame's title shows
    its step.

    Parameters
    ----------
    net, output, bounds, labels, margin, resolution :
        As for :func:`~mininn.plotting.plot_landscape`.
    results : AscentResult or list of them
        Each needs ``trajectory`` (n_records, n_starts, 2) and ``steps``.
    path : str or os.PathLike
        Where to write; must end in ``.gif``.
    fps : int >= 1
        Frames per second.
    frames : int >= 2
        Largest number of frames (a few dozen keep the file small).
    dpi : int >= 10
    figsize : (width, height) in inches

    Returns
    -------
    str
        ``path``.
    """
    from matplotlib.animation import FuncAnimation, PillowWriter

    path = os.fspath(path)
    if not isinstance(path, str) or not path.lower().endswith(".gif"):
        raise ValueError(f"path must be a file name ending in .gif, got {path!r}")
    fps = check_int(fps, "fps", minimum=1)
    frames = check_int(frames, "frames", minimum=2)
    dpi = check_int(dpi, "dpi", minimum=10)
    results = as_results(results)
    steps = [steps_of(r, f"results[{i}]", trajectory(r, f"results[{i}]").shape[0])
             for i, r in enumerate(results)]

    fig, ax = plt.subplots(figsize=figsize)
    try:
        drawn = draw_landscape(net, output, bounds=bounds, margin=margin,
                               resolution=resolution, results=results, labels=labels, ax=ax,
                               corners=True, levels=20, cmap="viridis", colorbar=True,
                               legend_loc="outside", title=None)
        last = max(float(s[-1]) for s in steps)
        frame_steps = np.unique(np.round(np.linspace(0.0, last, frames)))
        base_title = drawn["title"]
        # Lay out with the two-line title every frame has, legend below included.
        ax.set_title(f"{base_title}\nstep {last:g}")
        fig.tight_layout()

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
