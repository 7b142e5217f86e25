r"""``Sequential``: a stack of layers, its input gradient and Jacobian; ``mlp``.

For a network :math:`f = f_L \circ \dots \circ f_1` the chain rule gives, for
an upstream gradient ``dY``: (n, out),

.. math::
    \frac{\partial\, \mathrm{sum}(Y \odot dY)}{\partial X}
    = J_1^T \cdots J_L^T\, dY,

one layer's ``backward`` at a time, from the last to the first. Choosing
``dY = e_j`` (a one-hot column) gives the gradient of output j with respect to
the **input**: ``input_gradient``. Stacking all ``e_j`` gives the Jacobian.

The network knows nothing of training or of input search; it offers the
derivatives they need. Saving and loading live in ``mininn.saving``.
"""
from __future__ import annotations

from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np

from . import activations
from ._table import Tabular
from ._validation import (SeedLike, as_batch, as_float_array, check_choice, check_int,
                          check_layer_contract, check_output, make_rng)
from .convolution import Conv2D
from .layers import INITS, Dense, Layer
from .pooling import Flatten, Unflatten
from .saving import load, save  # noqa: F401 - mininn.load is network.load


class Sequential(Tabular):
    """A feed-forward network: ``Y = layers[-1](...layers[0](X))``.

    Parameters
    ----------
    layers : list of layers
        Any objects following the Layer contract (``mininn.layers``). The
        feature counts of consecutive ``Dense`` layers must chain.

    Shapes
    ------
    X: (n, n_inputs) -> Y: (n, n_outputs). ``n_inputs``/``n_outputs`` come from
    the first and last ``Dense`` layer (None if there is none).

    A network whose first layer with a fixed input is a ``Conv2D`` (or a
    ``MaxPool2D``) takes **images** X: (n, C, H, W) instead, C = the
    convolution's ``in_channels`` (``in_channels``; ``n_inputs`` is None):
    forward, input gradients (shaped like X), Jacobians ((n, n_outputs, C, H,
    W)) and ``fit`` accept them. A network that starts with ``Unflatten``
    takes flat rows (n, C H W) and turns them into images itself.

    Public methods check their arguments; the underscored ``_forward``,
    ``_backward``, ``_backward_params``, ``_backward_input`` and
    ``_input_gradient`` are the same computations unchecked, for inner loops
    (training, input search) that checked their arguments once. The last
    three use the Layer shortcuts (``mininn.layers.Layer``).
    """

    def __init__(self, layers: Sequence) -> None:
        if isinstance(layers, (Layer, str)) or not hasattr(layers, "__iter__"):
            raise TypeError(f"layers must be a list of layers, got {type(layers).__name__}")
        layers = list(layers)
        if not layers:
            raise ValueError("layers must hold at least one layer, got an empty list")
        for i, layer in enumerate(layers):
            check_layer_contract(layer, f"layers[{i}]")
        width, channels = None, None
        for i, layer in enumerate(layers):
            n_in = getattr(layer, "n_in", None)
            if n_in is not None and width is not None and n_in != width:
                raise ValueError(
                    f"layers[{i}] expects {n_in} input features but the layer before it "
                    f"produces {width}")
            width = getattr(layer, "n_out", width)
            c_in = getattr(layer, "in_channels", None)
            if c_in is not None and channels is not None and c_in != channels:
                raise ValueError(
                    f"layers[{i}] expects {c_in} input channels but the layer before it "
                    f"produces {channels}")
            channels = _channels_after(layer, channels)
        self.layers: List = layers
        first = _first_fixed(layers)
        images = first is not None and getattr(first, "n_in", None) is None
        #: Channels of the images the network takes (None: rows, or any channels).
        self.in_channels: Optional[int] = getattr(first, "in_channels", None) if images else None
        self._takes_images = images
        sized = [layer for layer in layers if hasattr(layer, "n_in")]
        self.n_inputs: Optional[int] = sized[0].n_in if sized and not images else None
        self.n_outputs: Optional[int] = sized[-1].n_out if sized else None

    # ------------------------------------------------------------------ basics
    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index):
        """``net[i]`` is a layer; ``net[:-1]`` a network sharing the same layers."""
        if isinstance(index, slice):
            return Sequential(self.layers[index])
        return self.layers[index]

    def __iter__(self):
        return iter(self.layers)

    # ------------------------------------------------------- forward/backward
    def check_input(self, X, name: str = "X") -> np.ndarray:
        """``X`` as a float64 batch this network takes, or a ValueError naming ``name``.

        Rows (n, n_inputs), or images (n, C, H, W) with C = ``in_channels``
        for a network that starts with a convolution (see the class docstring).
        """
        if not self._takes_images:
            return as_batch(X, name, self.n_inputs)
        arr = as_float_array(X, name)
        first = _first_fixed(self.layers)
        if arr.ndim != 4:
            raise ValueError(f"{name} must be a batch of images (n, C, H, W): the network starts "
                             f"with {first!r}; got shape {arr.shape}")
        if self.in_channels is not None and arr.shape[1] != self.in_channels:
            raise ValueError(f"{name} must have {self.in_channels} channels (axis 1) for "
                             f"{first!r}, got shape {arr.shape}")
        if arr.shape[0] == 0:
            raise ValueError(f"{name} must hold at least one sample, got shape {arr.shape}")
        return arr

    def forward(self, X) -> np.ndarray:
        """Output of the network. X: (n, n_inputs) (or images) -> (n, n_outputs)."""
        return self._forward(self.check_input(X))

    __call__ = forward

    def predict(self, X) -> np.ndarray:
        """Same as ``forward`` (scikit-learn's name)."""
        return self.forward(X)

    def _forward(self, X: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, dY) -> np.ndarray:
        """Back-propagate ``dY``: (n, n_outputs) from the last ``forward``.

        Fills every layer's ``grads`` (overwriting, summed over the batch) and
        returns dL/dX: (n, n_inputs).
        """
        dY = as_float_array(dY, "dY", ndim=2)
        if self.n_outputs is not None and dY.shape[1] != self.n_outputs:
            raise ValueError(f"dY must have {self.n_outputs} columns, got shape {dY.shape}")
        return self._backward(dY)

    def _backward(self, dY: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            dY = layer.backward(dY)
        return dY

    def _backward_params(self, dY: np.ndarray) -> None:
        """Backward for training: every layer's ``grads``, but no dL/dX.

        The first layer's input is the data, whose gradient training never
        uses: ``Layer.backward_params`` skips it.
        """
        layers = self.layers
        for layer in layers[:0:-1]:
            dY = layer.backward(dY)
        first = layers[0]
        if isinstance(first, Layer):
            first.backward_params(dY)
        else:                       # only the four members: Layer's default
            Layer.backward_params(first, dY)

    def _backward_input(self, dY: np.ndarray) -> np.ndarray:
        """The vector-Jacobian product dY -> dX, every layer's ``grads`` left alone."""
        for layer in reversed(self.layers):
            if isinstance(layer, Layer):
                dY = layer.backward_input(dY)
            else:                   # only the four members: Layer's default
                dY = Layer.backward_input(layer, dY)
        return dY

    # ---------------------------------------------------- input derivatives
    def input_gradient(self, X, output: int = 0) -> np.ndarray:
        r"""Gradient of output ``output`` with respect to the input, per sample.

        Returns :math:`G_{ik} = \partial Y_{i,j} / \partial X_{ik}`: (n, n_inputs),
        with j = ``output`` (shaped like X for images). One forward and one
        backward pass with the upstream gradient :math:`e_j`; the layers'
        ``grads`` are left as they were.
        """
        X = self.check_input(X)
        output = check_output(output, self.n_outputs)
        return self._input_gradient(X, output)[1]

    def _input_gradient(self, X: np.ndarray, output: int = 0) -> Tuple[np.ndarray, np.ndarray]:
        """Unchecked: (Y, dY[:, output]/dX) for inner loops such as input search."""
        Y = self._forward(X)
        dY = np.zeros(Y.shape, dtype=Y.dtype)
        dY[:, output] = 1.0
        return Y, self._backward_input(dY)

    def jacobian(self, X) -> np.ndarray:
        r"""Jacobian :math:`J_{ijk} = \partial Y_{ij} / \partial X_{ik}`: (n, n_outputs, n_inputs).

        (n, n_outputs, C, H, W) for images. All outputs at once: each sample
        is repeated once per output, the batch goes through one forward and
        one backward pass with one-hot upstream gradients, and the result is
        reshaped.
        """
        X = self.check_input(X)
        n = X.shape[0]
        n_out = self.n_outputs if self.n_outputs is not None else self._forward(X[:1]).shape[1]
        repeated = np.repeat(X, n_out, axis=0)          # row i*n_out + j = X[i]
        Y = self._forward(repeated)
        dY = np.tile(np.eye(n_out, dtype=Y.dtype), (n, 1))  # row i*n_out + j = e_j
        return self._backward_input(dY).reshape(n, n_out, *X.shape[1:])

    # ------------------------------------------------------------ parameters
    def named_parameters(self) -> Iterator[Tuple[str, np.ndarray, np.ndarray]]:
        """Yield ``(name, param, grad)``; names read ``"2.Dense.W"`` (index, layer, key)."""
        for i, layer in enumerate(self.layers):
            for key, value in layer.params.items():
                yield f"{i}.{type(layer).__name__}.{key}", value, layer.grads.get(key)

    def parameters(self) -> List[np.ndarray]:
        """All parameter arrays, first layer first (the arrays themselves, not copies)."""
        return [p for layer in self.layers for p in layer.params.values()]

    def gradients(self) -> List[np.ndarray]:
        """The gradients matching ``parameters()``, from the last ``backward``."""
        try:
            return [layer.grads[k] for layer in self.layers for k in layer.params]
        except KeyError:
            for i, layer in enumerate(self.layers):
                missing = [k for k in layer.params if k not in layer.grads]
                if missing:
                    raise ValueError(
                        f"layers[{i}] ({type(layer).__name__}) has parameters {missing} but "
                        f"no gradient for them in grads (keys {sorted(layer.grads)}); its "
                        "backward must set grads[key] for every key of params") from None
            raise

    def n_parameters(self) -> int:
        return int(sum(p.size for p in self.parameters()))

    # --------------------------------------------------------------- display
    def _table(self):
        rows = []
        shape = (self.in_channels, None, None) if self._takes_images else (self.n_inputs,)
        for i, layer in enumerate(self.layers):
            shape = _shape_after(layer, shape)
            shown = ", ".join("?" if size is None else str(size) for size in shape)
            shapes = " + ".join(f"{k}{tuple(v.shape)}" for k, v in layer.params.items())
            count = sum(v.size for v in layer.params.values())
            rows.append((i, repr(layer), f"(n, {shown})", f"{count} = {shapes}" if shapes else "0"))
        return (None, ("#", "layer", "output", "parameters"), rows,
                f"total parameters: {self.n_parameters()}")

    def __repr__(self) -> str:
        inner = ",\n".join(f"  {layer!r}" for layer in self.layers)
        return f"Sequential([\n{inner}\n])  # {self.n_parameters()} parameters"

    # ------------------------------------------------------------ save/load
    def save(self, path) -> None:
        """Write the network to ``path`` as an ``.npz`` file (no pickle): ``mininn.saving.save``.

        Read it back with ``mininn.load(path)``.
        """
        save(self, path)


def _first_fixed(layers):
    """The first layer that fixes the input: one with ``n_in`` (rows), a
    convolution (``in_channels``) or a pooling layer (images); None if none."""
    for layer in layers:
        if getattr(layer, "n_in", None) is not None or hasattr(layer, "in_channels") \
                or hasattr(layer, "output_shape"):
            return layer
    return None


def _channels_after(layer, channels: Optional[int]) -> Optional[int]:
    """Image channels after ``layer`` (None once the images became rows)."""
    if isinstance(layer, Conv2D):
        return layer.out_channels
    if isinstance(layer, Unflatten):
        return layer.shape[0] if len(layer.shape) == 3 else None
    if isinstance(layer, (Flatten, Dense)):
        return None
    return channels


def _shape_after(layer, shape: tuple) -> tuple:
    """One sample's output shape after ``layer`` (None for a size not known without data)."""
    if isinstance(layer, Unflatten):
        return layer.shape
    if isinstance(layer, Flatten):
        return (None,) if None in shape else (int(np.prod(shape)),)
    if hasattr(layer, "output_shape") and len(shape) == 3:
        if None not in shape:
            return tuple(layer.output_shape((1, *shape))[1:])
        return (getattr(layer, "out_channels", shape[0]), None, None)
    if getattr(layer, "n_out", None) is not None:
        return (layer.n_out,)
    return shape


def mlp(sizes: Sequence[int], hidden: str = "tanh", output: str = "identity",
        init: str = "xavier", seed: SeedLike = None) -> Sequential:
    """A multilayer perceptron: Dense layers of the given sizes with activations between.

    Parameters
    ----------
    sizes : sequence of int
        ``[n_inputs, hidden_1, ..., n_outputs]``, at least two entries, e.g.
        ``[2, 3, 1]`` for the 2016 network.
    hidden : str
        Activation after each hidden Dense layer: one of
        ``"sigmoid", "tanh", "relu", "leaky_relu", "softplus", "identity"``.
    output : str
        Activation after the last Dense layer (same names). Use
        ``"identity"`` with ``SoftmaxCrossEntropy`` or a from-logits BCE.
    init : {"xavier", "he", "uniform"}
        Weight initialisation of every Dense layer (see ``Dense``).
    seed : None, int >= 0 or numpy.random.Generator, default None
        One generator draws all layers in order: the same seed gives the same
        weights, bit for bit.
    """
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a list of layer widths like [2, 3, 1], got {sizes!r}")
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least the input and output widths, got {list(sizes)!r}")
    sizes = [check_int(s, f"sizes[{i}]", minimum=1) for i, s in enumerate(sizes)]
    names = tuple(activations.ACTIVATIONS)
    check_choice(hidden, "hidden", names)
    check_choice(output, "output", names)
    check_choice(init, "init", INITS)
    rng = make_rng(seed)
    layers: List = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dense(n_in, n_out, init=init, seed=rng))
        is_last = i == len(sizes) - 2
        layers.append(activations.ACTIVATIONS[output if is_last else hidden]())
    return Sequential(layers)
