"""A grid of images (digits, their best inputs, differences) with titles and one colour bar.

An image has no axes to label: each panel gets a title, the figure a colour
bar saying what the grey levels mean, and no tick marks.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .._validation import check_int, check_real
from ._common import as_images


def plot_images(images, *, shape: Optional[Tuple[int, int]] = None,
                titles: Optional[Sequence[str]] = None, ncols: Optional[int] = None,
                cmap: str = "gray_r", vmin: Optional[float] = None,
                vmax: Optional[float] = None, colorbar_label: str = "pixel value",
                title: Optional[str] = None, panel_size: float = 1.6) -> Figure:
    """Draw n images in a grid, one title each, one shared colour bar.

    Parameters
    ----------
    images : array (n, h, w), or (n, h * w) with ``shape=(h, w)``
        The images; row 0 of an image is drawn at the top.
    shape : (h, w), optional
        Needed when the images are flat rows.
    titles : list of n str, optional
        Title of each panel.
    ncols : int, optional
        Panels per row (default min(n, 10)).
    cmap : str
        Colour map ("gray_r": 0 white, 1 black; a diverging map such as
        "RdBu_r" with ``vmin=-vmax`` for differences).
    vmin, vmax : float, optional
        Values at the two ends of the colour bar, shared by every panel so one
        bar reads them all (default the images' min and max).
    colorbar_label : str
        What the colours are ("pixel value", "pixel change", ...).
    title : str, optional
        Title of the whole figure.
    panel_size : float
        Inches per panel.

    Returns
    -------
    matplotlib.figure.Figure
        Images have gid ``"image"``; the colour bar is the figure's last Axes.
    """
    arr = as_images(images, shape, "images")
    n = arr.shape[0]
    if titles is not None:
        titles = [str(t) for t in titles]
        if len(titles) != n:
            raise ValueError(f"titles must hold one title per image ({n}), got {len(titles)}")
    ncols = min(n, 10) if ncols is None else check_int(ncols, "ncols", minimum=1)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    vmin = float(arr.min()) if vmin is None else check_real(vmin, "vmin")
    vmax = float(arr.max()) if vmax is None else check_real(vmax, "vmax")
    if not vmin < vmax:
        vmax = vmin + 1.0  # constant images: any non-empty range draws them
    panel_size = check_real(panel_size, "panel_size", 0.2, 10.0)

    # The compressed layout (constrained, for fixed-aspect panels) keeps each title
    # clear of the row above and the colour bar next to the panels.
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, layout="compressed",
                             figsize=(panel_size * ncols + 0.8,
                                      (panel_size + 0.3) * nrows + (0.4 if title else 0.1)))
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.set_visible(False)
            continue
        im = ax.imshow(arr[i], cmap=cmap, vmin=vmin, vmax=vmax)
        im.set_gid("image")
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    fig.colorbar(axes.flat[0].images[0], ax=axes, label=colorbar_label, shrink=0.9)
    if title:
        fig.suptitle(title)
    return fig
