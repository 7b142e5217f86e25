"""The training curve of a :class:`mininn.training.History`."""
from __future__ import annotations

from typing import Optional

import numpy as np
from matplotlib.axes import Axes

from .._validation import as_float_array, check_bool
from ._common import new_or_given_axes


def plot_history(history, *, ax: Optional[Axes] = None, log: bool = False,
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
    log = check_bool(log, "log")
    if log and (np.any(loss <= 0) or np.any(val <= 0)):
        raise ValueError("log=True needs losses > 0, but history holds a loss <= 0; "
                         "use log=False")
    ax = new_or_given_axes(ax)
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
