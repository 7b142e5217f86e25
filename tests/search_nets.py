"""Networks for the tests of the binary and box searches and of the bounds."""
from __future__ import annotations

import numpy as np

import mininn
from mininn import activations as act
from mininn.layers import Dense, Layer

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "identity"]


def bit_rows(k: int) -> np.ndarray:
    """All 2**k bit strings by hand: row i holds the bits of i, MSB in column 0."""
    index = np.arange(2 ** k)
    return ((index[:, None] >> np.arange(k - 1, -1, -1)) & 1).astype(np.float64)


def random_net(k, n_hidden, hidden, output, n_out=1, seed=0, width=None):
    """An MLP with xavier weights scaled up 1-3x and N(0, 1) biases, so that
    the activations work in their non-linear range."""
    rng = np.random.default_rng(seed)
    widths = [int(rng.integers(2, 9)) if width is None else width for _ in range(n_hidden)]
    net = mininn.mlp([k, *widths, n_out], hidden=hidden, output=output, seed=rng)
    for layer in net.layers:
        if isinstance(layer, Dense):
            layer.params["W"] *= rng.uniform(1.0, 3.0)
            layer.params["b"][...] = rng.normal(0.0, 1.0, layer.params["b"].shape)
    return net


def planted_net(k, pattern, seed=0):
    """A k-10-1 sigmoid net whose unique maximiser is ``pattern``.

    Six "aligned" hidden units have weights +w on the pattern's ones and -w on
    its zeros (w in [0.5, 1.5]), so each is largest exactly at the pattern;
    their output weights are positive. Flipping any bit lowers every aligned
    unit's pre-activation by at least 0.5, which lowers the output logit by
    more than 0.3; four random "distractor" units with output weights +-0.05
    can move it by at most 0.2. So the pattern is the unique maximiser.
    """
    rng = np.random.default_rng(seed)
    sign = 2.0 * pattern - 1.0
    aligned = sign[:, None] * rng.uniform(0.5, 1.5, (k, 6))
    distract = rng.normal(0.0, 1.0, (k, 4))
    d1 = Dense(k, 10)
    d1.params["W"] = np.concatenate([aligned, distract], axis=1)
    d1.params["b"] = np.concatenate([-np.clip(aligned, 0, None).sum(axis=0) + 0.5,
                                     rng.normal(0.0, 1.0, 4)])
    d2 = Dense(10, 1)
    out_weights = np.concatenate([rng.uniform(0.5, 1.5, 6), rng.choice([-0.05, 0.05], 4)])
    d2.params["W"] = out_weights[:, None]
    d2.params["b"] = np.array([-2.0])
    return mininn.Sequential([d1, act.Sigmoid(), d2, act.Sigmoid()])


class Doubler(Layer):
    """A custom layer (y = 2x) without ``interval``."""

    def forward(self, x):
        return 2.0 * x

    def backward(self, dy):
        return 2.0 * dy


class BoundedDoubler(Doubler):
    """The same layer with its (exact) ``interval``."""

    def interval(self, lo, hi):
        return 2.0 * lo, 2.0 * hi
