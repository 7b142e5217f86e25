"""Pictures of a network, its training and the searches run on it.

=============================  =================================================
:func:`plot_landscape`         output j of a 2-input network over the plane, the
                               box, its corners and every search path
                               (``landscape.py``)
:func:`plot_coordinates`       each coordinate x_i of a path against the step
                               (``paths.py``)
:func:`plot_objective`         the output along one or several paths (``paths.py``)
:func:`plot_history`           the training curve of a History (``training.py``)
:func:`plot_decision_surface`  a 2-input classifier's probability, boundary and
                               data (``surface.py``)
:func:`plot_images`            a grid of images with titles and one colour bar
                               (``images.py``)
:func:`plot_saliency`          images and their saliency maps (``saliency.py``)
:func:`plot_class_images`      the image each class likes best (``saliency.py``)
:func:`plot_adversarial`       images, their adversarial examples and the change
                               (``saliency.py``)
:func:`plot_radii`             certified vs attack radius per image (``saliency.py``)
:func:`animate_trajectories`   the paths growing step by step, as a GIF
                               (``animation.py``)
:func:`plot_step_size_sweep`   a gradient check's error against the step size
                               (``gradcheck.py``)
=============================  =================================================

Every function returns what it drew on (an Axes, the Figure of a grid, or the
GIF's path), takes ``ax=`` to draw into an existing Axes where that makes
sense, sets a title, axis labels and a legend, and never calls ``plt.show()``.
Figures read results and compute no gradients: a landscape needs only the
network's outputs, in one vectorised ``forward`` call.

Search results are read by attribute, with the words of
:mod:`mininn.search.results` (``trajectory``, ``trajectory_values``,
``steps``, ``best``, ``bounds``, ``output``, ``method``, ``xs``).
Bounds are ``bounds=(lo, hi)`` as in the search: ``lo`` and ``hi`` scalars or
arrays of length k -- not one ``(lo_i, hi_i)`` pair per coordinate.

The artists carry a ``gid`` ("contour", "box", "corner", "trajectory",
"start", "end", "found", "coordinate", "bound", "objective", "loss",
"surface", "boundary", "data", "image", ...) so that a test or a student can
find what was drawn: ``[l for l in ax.lines if l.get_gid() == "trajectory"]``.

This package imports matplotlib, so ``import mininn`` does not load it; use
``from mininn import plotting``.
"""
from __future__ import annotations

from .animation import animate_trajectories
from .gradcheck import plot_step_size_sweep
from .images import plot_images
from .landscape import plot_landscape
from .saliency import plot_adversarial, plot_class_images, plot_radii, plot_saliency
from .paths import plot_coordinates, plot_objective
from .surface import plot_decision_surface
from .training import plot_history

__all__ = [
    "plot_landscape",
    "plot_coordinates",
    "plot_objective",
    "plot_history",
    "plot_decision_surface",
    "plot_images",
    "plot_saliency",
    "plot_class_images",
    "plot_adversarial",
    "plot_radii",
    "animate_trajectories",
    "plot_step_size_sweep",
]
