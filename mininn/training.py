"""``fit``: mini-batch training of a network, returning a ``History``.

One epoch visits every sample once: the rows are shuffled (a permutation,
i.e. *without* replacement) by a Generator made from ``seed``, then cut into
consecutive mini-batches. For each batch::

    pred  = net forward(xb)
    value = loss.forward(pred, yb)
    net backward(loss.backward())      # first layer: parameter gradients only
    optimizer.step(params, grads)

Arguments are checked once, here at the entry; the inner loop does no
validation and no copies beyond the per-epoch shuffle, because on tutorial
sized networks the per-update overhead *is* the running time.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

from . import losses as _losses
from ._validation import SeedLike, as_batch, as_float_array, check_int, make_rng
from .network import Sequential
from .optim import SGD


@dataclass
class History:
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

    def __repr__(self) -> str:
        last = f", final loss {self.loss[-1]:.6g}" if self.loss else ""
        val = f", final val_loss {self.val_loss[-1]:.6g}" if self.val_loss else ""
        return f"History({self.epochs} epochs{last}{val})"


def _prepare_target(loss, y, pred_shape, name: str) -> np.ndarray:
    prepare = getattr(loss, "prepare_target", None)
    if prepare is None:
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
    X : array (n, n_inputs)
    y : array (n, n_outputs), or (n,) for one output, or integer labels (n,)
        for ``SoftmaxCrossEntropy``.
    loss : Loss or str
        ``"mse"`` (default), ``"bce"``, ``"softmax_cross_entropy"`` or a loss object.
    optimizer : Optimizer, optional
        Default ``SGD(lr=0.1)``. Its state carries over between calls.
    epochs : int >= 1
    batch_size : int >= 1 or None
        Samples per update; None means the whole set (full-batch). 1 is
        per-sample SGD, as in the 2016 code.
    shuffle : bool
        Reshuffle the rows every epoch (without replacement).
    seed : None, int or numpy.random.Generator
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
        When the loss becomes NaN or infinite; the message gives the epoch
        and suggests a smaller learning rate.
    """
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be a mininn Sequential, got {type(net).__name__}")
    X = as_batch(X, "X", net.n_inputs)
    n = X.shape[0]
    y_arr = np.asarray(y)
    if y_arr.ndim == 0 or y_arr.shape[0] != n:
        raise ValueError(f"X and y must hold the same number of samples, got X with {n} rows "
                         f"and y of shape {y_arr.shape}")
    loss = _losses.get(loss)
    if optimizer is None:
        optimizer = SGD(lr=0.1)
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must have a step(params, grads) method, got {type(optimizer).__name__}")
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = n if batch_size is None else check_int(batch_size, "batch_size", minimum=1)
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
        X_val = as_batch(X_val, "validation_data X", net.n_inputs)
        Y_val = _prepare_target(loss, y_val, (X_val.shape[0], out_shape[1]), "validation_data y")

    history = History()
    bar = _progress(verbose, epochs)
    every = 1 if verbose == 2 else max(1, epochs // 10)

    # The lean inner loop: everything it touches is bound to a local name,
    # and what does not change between updates is worked out once, here.
    layers = net.layers
    forwards = [layer.forward for layer in layers]
    # Backward, as Sequential._backward(dY, input_grad=False) does it: the
    # layers after the first, last to first, then only the first layer's
    # parameter gradients (training never needs dL/dX).
    backwards = [layer.backward for layer in layers[:0:-1]]
    first_params = getattr(layers[0], "backward_params", layers[0].backward)
    loss_forward, loss_backward = loss.forward, loss.backward
    step = optimizer.step
    params = net.parameters()                 # updated in place, so fetched once
    # Layers assign fresh gradient arrays on every backward, so the arrays
    # are looked up per step, through these (layer, key) pairs.
    grad_slots = [(layer, key) for layer in layers for key in layer.params]
    batches = [(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
    isfinite = math.isfinite

    for epoch in range(1, epochs + 1):
        if shuffle:
            order = rng.permutation(n)
            Xe, Ye = X[order], Y[order]
        else:
            Xe, Ye = X, Y
        total = 0.0
        for start, stop in batches:
            out = Xe[start:stop]
            for forward in forwards:
                out = forward(out)
            value = loss_forward(out, Ye[start:stop])
            if not isfinite(value):
                raise FloatingPointError(
                    f"training diverged: the loss became {value} in epoch {epoch} "
                    f"(batch starting at sample {start}); try a smaller learning rate "
                    f"(optimizer {optimizer!r})")
            total += value * (stop - start)
            grad = loss_backward()
            for backward in backwards:
                grad = backward(grad)
            first_params(grad)
            step(params, [layer.grads[key] for layer, key in grad_slots])
        history.loss.append(total / n)
        if validation_data is not None:
            history.val_loss.append(float(loss_forward(net._forward(X_val), Y_val)))
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
