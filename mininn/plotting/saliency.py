"""Pictures of what a CNN looks at: saliency maps, class images, adversarial pairs, radii.

The maps, images and radii come from :mod:`mininn.search` (``saliency``,
``gradient_times_input``, ``find_input``, ``attack``, ``robustness_radii``);
these functions only draw them. Every image row has its own colour bar (one
scale per row, shared by its panels), every panel a title, and no tick marks
or axis labels: an image has no axes to label.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ._common import as_images, new_or_given_axes

__all__ = ["plot_saliency", "plot_class_images", "plot_adversarial", "plot_radii"]

# One row of images: (images (n, h, w), titles, cmap, vmin, vmax, colour bar label, gid).
Row = Tuple[np.ndarray, Sequence[str], str, float, float, str, str]


def _symmetric(maps: np.ndarray) -> float:
    top = float(np.max(np.abs(maps)))
    return top if top > 0 else 1.0


def _rows_figure(rows: List[Row], title: Optional[str], panel_size: float = 1.5) -> Figure:
    """One row of panels per entry of ``rows``, each row with its colour bar."""
    n = max(len(r[0]) for r in rows)
    fig, axes = plt.subplots(len(rows), n, squeeze=False, layout="compressed",
                             figsize=(panel_size * n + 1.4,
                                      (panel_size + 0.35) * len(rows) + (0.4 if title else 0.1)))
    for r, (images, titles, cmap, vmin, vmax, label, gid) in enumerate(rows):
        for i, ax in enumerate(axes[r]):
            if i >= len(images):
                ax.set_visible(False)
                continue
            im = ax.imshow(images[i], cmap=cmap, vmin=vmin, vmax=vmax)
            im.set_gid(gid)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(titles[i], fontsize=8)
        fig.colorbar(axes[r, 0].images[0], ax=list(axes[r]), label=label, shrink=0.9)
    if title:
        fig.suptitle(title)
    return fig


def plot_saliency(images, maps, *, shape=None, titles: Optional[Sequence[str]] = None,
                  signed: bool = False, map_label: Optional[str] = None,
                  title: Optional[str] = "Saliency maps") -> Figure:
    r"""Images (top row) and their saliency maps (bottom row).

    Parameters
    ----------
    images, maps : arrays (n, h, w), (n, 1, h, w) or (n, h w) with ``shape``
        The images and a map per image, e.g. ``saliency(net, X=images)``.
    shape : (h, w), optional
        For flat rows (default: square).
    titles : list of n str, optional
        Titles of the image panels (the map panels repeat them).
    signed : bool
        Signed maps (gradient x input): a diverging colour map centred on 0.
        Otherwise ``|df/dx|`` from 0 (white) to the largest value.
    map_label : str, optional
        The maps' colour bar label.

    Returns
    -------
    Figure
        Image artists have gid ``"image"`` and ``"saliency"``.
    """
    pics, maps = as_images(images, shape, "images"), as_images(maps, shape, "maps")
    if maps.shape != pics.shape:
        raise ValueError(f"maps must have one map per image, shaped like images {pics.shape}, "
                         f"got {maps.shape}")
    titles = _titles(titles, len(pics), "image")
    if signed:
        top = _symmetric(maps)
        row = (maps, titles, "RdBu_r", -top, top,
               map_label or r"$x \cdot \partial f_c / \partial x$", "saliency")
    else:
        row = (maps, titles, "Reds", 0.0, _symmetric(maps),
               map_label or r"$|\partial f_c / \partial x|$", "saliency")
    return _rows_figure([(pics, titles, "gray_r", 0.0, 1.0, "pixel value", "image"), row], title)


def _titles(titles, n: int, word: str) -> List[str]:
    if titles is None:
        return [f"{word} {i}" for i in range(n)]
    titles = [str(t) for t in titles]
    if len(titles) != n:
        raise ValueError(f"titles must hold one title per image ({n}), got {len(titles)}")
    return titles


def plot_class_images(results, *, shape=None, title: Optional[str] = None) -> Figure:
    r"""The image each class likes best: one panel per input-search result.

    ``results``: a list of results of ``find_input`` (one per class), read by
    attribute: ``x`` (the image), ``output`` (the class) and ``value`` (its
    score there). Pixels are drawn on the valid range [0, 1].
    """
    results = list(results)
    if not results:
        raise ValueError("results must hold at least one search result, got none")
    pics = as_images(np.array([r.x for r in results]), shape, "results' x")
    titles = [f"class {r.output}\n$f_{{{r.output}}}$ = {r.value:.3g}" for r in results]
    return _rows_figure([(pics, titles, "gray_r", 0.0, 1.0, "pixel value", "image")],
                        title or "The image in $[0, 1]^k$ each class likes best")


def plot_adversarial(images, result, *, shape=None, title: Optional[str] = None) -> Figure:
    r"""Original images, the attack's images and their difference, one column each.

    Parameters
    ----------
    images : (n, k) array
        The images attacked (``X`` of the attack).
    result : AttackResult
        Read by attribute: ``xs`` (n, k), ``labels``, ``predictions``,
        ``epsilon`` (n,), ``fooled``.

    The difference row uses a diverging colour map centred on 0 with the
    largest ε of the images at its ends (no pixel moves further).
    """
    pics = as_images(images, shape, "images")
    adv = as_images(result.xs, shape, "result.xs")
    if adv.shape != pics.shape:
        raise ValueError(f"images must be the images attacked, shape {adv.shape}, got "
                         f"{pics.shape}")
    labels, predictions = np.asarray(result.labels), np.asarray(result.predictions)
    eps = np.asarray(result.epsilon, dtype=float)
    top = float(eps.max())
    rows = [(pics, [f"label {c}" for c in labels], "gray_r", 0.0, 1.0, "pixel value", "image"),
            (adv, [f"predicted {p}" + ("" if f else " (held)")
                   for p, f in zip(predictions, result.fooled)],
             "gray_r", 0.0, 1.0, "pixel value", "adversarial"),
            (adv - pics, [f"change, ε = {e:.3g}" for e in eps], "RdBu_r", -top, top,
             "pixel change", "difference")]
    return _rows_figure(rows, title or "Adversarial examples: image, attack, change")


def plot_radii(result, *, ax: Optional[Axes] = None, title: Optional[str] = None) -> Axes:
    r"""Certified ε and attack ε per image, images sorted by the attack's ε.

    ``result`` (a ``RadiiResult``) is read by attribute:
    ``certified_epsilon``, ``attack_epsilon`` (inf: no attack found up to
    ``eps_max``), ``eps_max``. A vertical segment joins the two radii of an
    image: the true robust radius lies on it, undecided by either method.
    """
    cert = np.asarray(result.certified_epsilon, dtype=float)
    hit = np.asarray(result.attack_epsilon, dtype=float)
    if cert.shape != hit.shape or cert.ndim != 1 or cert.size == 0:
        raise ValueError(f"result must hold one certified and one attack radius per image, got "
                         f"shapes {cert.shape} and {hit.shape}")
    ax = new_or_given_axes(ax)
    order = np.argsort(np.where(np.isfinite(hit), hit, np.inf), kind="stable")
    cert, hit = cert[order], hit[order]
    i = np.arange(len(cert))
    found = np.isfinite(hit)
    top = np.where(found, hit, result.eps_max)
    ax.vlines(i, cert, top, color="0.75", lw=2, gid="undecided", label="undecided")
    ax.plot(i, cert, "o", color="tab:green", ms=4, gid="certified",
            label="certified ε (sound bounds)")
    ax.plot(i[found], hit[found], "x", color="tab:red", ms=5, gid="attack",
            label="attack ε (PGD counterexample)")
    if not found.all():
        ax.plot(i[~found], top[~found], "^", color="tab:red", mfc="none", ms=5, gid="no attack",
                label=f"no attack up to ε = {result.eps_max:g}")
    ax.set_xlabel("image (sorted by attack ε)")
    ax.set_ylabel("ε (max-norm radius)")
    ax.set_title(title or "Certified vs attack radius per image")
    ax.legend(loc="upper left", fontsize=8)
    return ax
