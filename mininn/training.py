"""``fit``: mini-batch training of a network, returning a ``History``.

One epoch visits every sample once: the rows are shuffled (a permutation,
i.e. *without* replacement) by a Generator made from ``seed``, then cut into
consecutive mini-batches. For each batch::

    pred  = net._forward(xb)              # the network's own forward
    value = loss._forward(pred, yb)       # a mininn loss, unchecked; else loss.forward
    net._backward_params(loss.backward()) # its own backward, without dL/dX
    optimizer.step(params, net.gradients())

Arguments and targets are checked once, here at the entry; the inner loop
calls the unchecked methods of the network and of the loss.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from . import losses as _losses
from ._table import Tabular
from ._validation import (SeedLike, as_float_array, check_bool, check_int, check_optimizer,
                          make_rng)
from .network import Sequential
from .optim import SGD, Optimizer


@dataclass(repr=False)
class History(Tabular):
    """What ``fit`` recorded, one entry per epoch.

    Attributes
    ----------
    loss : list of float
        Mean training loss over the epoch's mini-batches (each weighted by
        its size), measured on the fly as the weights moved.
    val_loss : list of float
        Loss on ``validation_data`` after each epoch (empty without it).
    """

    loss: List[float] = field(default_factory=list)
    val_loss: List[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def _table(self):
        """Epochs 1..3, the last three, and every tenth in between (at most ~15 rows)."""
        n = self.epochs
        step = max(1, n // 10)
        shown = sorted({e for e in range(1, n + 1)
                        if e <= 3 or e > n - 3 or e % step == 0})
        header = ("epoch", "loss") + (("val_loss",) if self.val_loss else ())
        rows = [(e, f"{self.loss[e - 1]:.6g}")
                + ((f"{self.val_loss[e - 1]:.6g}",) if self.val_loss else ()) for e in shown]
        return f"History: {n} epochs", header, rows, None

    def __repr__(self) -> str:
        last = f", final loss {self.loss[-1]:.6g}" if self.loss else ""
        val = f", final val_loss {self.val_loss[-1]:.6g}" if self.val_loss else ""
        return f"History({self.epochs} epochs{last}{val})"


def _prepare_target(loss, y, pred_shape, name: str) -> np.ndarray:
    prepare = getattr(loss, "prepare_target", None)
    if prepare is None:         # a loss of the user's own (forward/backward only)
        return as_float_array(y, name)
    try:
        return prepare(y, pred_shape)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"{name}: {exc}") from None


def _progress(verbose: int, epochs: int):
    """A tqdm bar when asked for and available, else None (print lines instead)."""
    if verbose != 1:
        return None
    try:
        from tqdm.auto import tqdm  # optional, never a dependency
    except ImportError:
        return None
    return tqdm(total=epochs, desc="fit", unit="epoch")


def fit(net: Sequential, X, y, loss="mse", optimizer=None, epochs: int = 100,
        batch_size: Optional[int] = 32, shuffle: bool = True, seed: SeedLike = None,
        validation_data=None, verbose: int = 0) -> History:
    """Train ``net`` on (X, y) and return the per-epoch ``History``.

    Parameters
    ----------
    net : Sequential
    X : array (n, n_inputs), or images (n, C, H, W) for a network that starts with a
        convolution (``Sequential.check_input``)
    y : array (n, n_outputs), or (n,) for one output, or integer labels (n,)
        for ``SoftmaxCrossEntropy``.
    loss : Loss or str
        ``"mse"`` (default), ``"bce"``, ``"softmax_cross_entropy"`` or a loss
        object (an instance: ``MSE()``, not the class ``MSE``).
    optimizer : Optimizer, optional
        Default ``SGD(lr=0.1)``. Its state carries over between calls.
    epochs : int >= 1
    batch_size : int >= 1 or None
        Samples per update; None means the whole set (full-batch). 1 is
        per-sample SGD, as in the 2016 code.
    shuffle : bool
        Reshuffle the rows every epoch (without replacement).
    seed : None, int >= 0 or numpy.random.Generator, default None
        Drives the shuffling: with the same initial weights and seed, the
        trained weights are identical bit for bit.
    validation_data : (X_val, y_val), optional
        Evaluated after every epoch into ``History.val_loss``.
    verbose : int
        0 silent; 1 progress (a tqdm bar if tqdm is installed, otherwise a
        line every ``max(1, epochs // 10)`` epochs); 2 a line every epoch.

    Raises
    ------
    FloatingPointError
        When training diverges: the loss becomes NaN or infinite, or (checked
        every ~100 updates) a parameter does, or grows beyond 1e150. The message gives the epoch and
        suggests a smaller learning rate.
    """
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be a mininn Sequential, got {type(net).__name__}")
    X = net.check_input(X, "X")
    n = X.shape[0]
    y_arr = np.asarray(y)
    if y_arr.ndim == 0 or y_arr.shape[0] != n:
        raise ValueError(f"X and y must hold the same number of samples, got X with {n} rows "
                         f"and y of shape {y_arr.shape}")
    loss = _losses.get(loss)
    optimizer = SGD(lr=0.1) if optimizer is None else check_optimizer(optimizer)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = n if batch_size is None else check_int(batch_size, "batch_size", minimum=1)
    shuffle = check_bool(shuffle, "shuffle")
    verbose = check_int(int(verbose) if isinstance(verbose, bool) else verbose, "verbose",
                        minimum=0, maximum=2)
    rng = make_rng(seed)

    out_shape = (n, net._forward(X[:1]).shape[1])
    Y = _prepare_target(loss, y, out_shape, "y")
    if validation_data is not None:
        try:
            X_val, y_val = validation_data
        except (TypeError, ValueError):
            raise TypeError("validation_data must be a pair (X_val, y_val)") from None
        X_val = net.check_input(X_val, "validation_data X")
        Y_val = _prepare_target(loss, y_val, (X_val.shape[0], out_shape[1]), "validation_data y")

    history = History()
    bar = _progress(verbose, epochs)
    every = 1 if verbose == 2 else max(1, epochs // 10)
    params = net.parameters()       # updated in place, so fetched once
    starts = range(0, n, batch_size)
    sizes = [min(batch_size, n - s) for s in starts]
    # (start, rows of X, rows of Y, size) of every mini-batch: sliced once per
    # epoch when shuffling, once for all epochs when not
    batches = [(s, X[s:s + batch_size], Y[s:s + batch_size], m) for s, m in zip(starts, sizes)]
    # The parameters are checked every ~100 updates (and after the last
    # epoch): often enough to stop a runaway, rarely enough to cost nothing.
    check_every = max(1, 100 // len(batches))
    # The methods of the inner loop, looked up once rather than on every update.
    forward, backward_params, gradients = net._forward, net._backward_params, net.gradients
    loss_forward, loss_backward, step = loss.forward, loss.backward, optimizer.step
    # step = "check the gradients' shapes, then _step": the first update is
    # checked; the gradients keep their shapes, so later ones call _step.
    unchecked_step = optimizer._step if type(optimizer).step is Optimizer.step else step
    if type(loss).forward is _losses.Loss.forward:
        # forward = "check the target, then _forward": the targets were
        # checked above, once, so the loop calls the formula itself
        loss_forward = loss._forward
    isfinite = math.isfinite

    for epoch in range(1, epochs + 1):
        if shuffle:
            order = rng.permutation(n)
            Xe, Ye = X[order], Y[order]
            batches = [(s, Xe[s:s + batch_size], Ye[s:s + batch_size], m)
                       for s, m in zip(starts, sizes)]
        total = 0.0
        for start, xb, yb, m in batches:
            value = loss_forward(forward(xb), yb)
            if not isfinite(value):
                raise FloatingPointError(
                    f"training diverged: the loss became {value} in epoch {epoch} "
                    f"(batch starting at sample {start}); try a smaller learning rate "
                    f"(optimizer {optimizer!r})")
            total += value * m
            backward_params(loss_backward())
            grads = gradients()
            try:
                step(params, grads)
            except ValueError:
                _check_gradient_shapes(net, grads)     # names the layer, if that is the cause
                raise
            step = unchecked_step
        if epoch % check_every == 0 or epoch == epochs:
            _check_parameters(net, epoch, optimizer)
        history.loss.append(total / n)
        if validation_data is not None:
            history.val_loss.append(float(loss.forward(net._forward(X_val), Y_val)))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{history.loss[-1]:.4g}")
        elif verbose and (epoch % every == 0 or epoch == epochs or epoch == 1):
            val = f"  val_loss {history.val_loss[-1]:.6g}" if history.val_loss else ""
            print(f"epoch {epoch:>{len(str(epochs))}}/{epochs}  loss {history.loss[-1]:.6g}{val}",
                  file=sys.stdout)
    if bar is not None:
        bar.close()
    return history


def _check_gradient_shapes(net: Sequential, grads) -> None:
    """Raise a ValueError naming the first parameter whose gradient has another shape."""
    for (name, param, _), grad in zip(net.named_parameters(), grads):
        if np.shape(grad) != param.shape:
            raise ValueError(f"the gradient of {name} has shape {np.shape(grad)}, but the "
                             f"parameter has shape {param.shape}: that layer's backward "
                             "must fill grads with arrays shaped like params") from None


#: A parameter this large has diverged: its square already overflows float64.
DIVERGED_PARAMETER = 1e150


def _check_parameters(net: Sequential, epoch: int, optimizer) -> None:
    """Raise FloatingPointError if a parameter is NaN, infinite or absurdly large.

    The loss alone can hide divergence: binary cross-entropy on probabilities
    clips them, so a net whose weights ran off to 1e299 still reports a finite
    loss (with zero gradients: it never comes back).
    """
    # Each sum of squares (one pass, no temporary) is below the limit's square
    # unless an entry is NaN, infinite or near the limit (where it may
    # overflow); only then are the entries compared one by one.
    with np.errstate(over="ignore"):
        if all(np.vdot(p, p) < DIVERGED_PARAMETER ** 2 for p in net.parameters()):
            return
    for name, param, _ in net.named_parameters():
        if param.size and not np.abs(param).max() < DIVERGED_PARAMETER:   # NaN fails too
            raise FloatingPointError(
                f"training diverged: parameter {name} reached {np.abs(param).max():.3g} "
                f"in epoch {epoch} (the loss may still look finite when it saturates); "
                f"try a smaller learning rate (optimizer {optimizer!r})")
