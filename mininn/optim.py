"""Optimisers that update any list of arrays in place.

``opt.step(params, grads)`` moves each array of ``params`` against the
matching gradient (a descent step). The same classes train weights
(``params = net.parameters()``) and move inputs in input search
(``params = [X]``; to *ascend*, pass the negated gradient).

State (velocities, moments) is kept per position in the list and created on
the first step; ``reset()`` forgets it. Passing arrays of other shapes later,
or a gradient whose shape differs from its array's, is an error rather than
a silent broadcast.
"""
from __future__ import annotations

from typing import List, Sequence

import numpy as np

from ._validation import check_positive


class Optimizer:
    """Shared state handling of the optimisers."""

    def __init__(self, lr: float) -> None:
        self.lr = lr
        self.t = 0
        self._state: List[List[np.ndarray]] = []

    @property
    def lr(self) -> float:
        """The learning rate, a float > 0 (may be changed between steps)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_positive(value, "lr")
        # Also kept as a 0-d array: NumPy multiplies an array by a 0-d array
        # without first converting a Python float, as it does on every call.
        self._lr_array = np.array(self._lr)

    def reset(self) -> None:
        """Forget the step count and all per-array state."""
        self.t = 0
        self._state = []

    def _init_state(self, params: Sequence[np.ndarray], n_buffers: int) -> None:
        """Create zero buffers on the first step; check shapes on later ones."""
        if not self._state:
            self._state = [[np.zeros_like(p) for p in params] for _ in range(n_buffers)]
            return
        buffers = self._state[0]
        if len(buffers) != len(params) or any(b.shape != p.shape for b, p in zip(buffers, params)):
            raise ValueError(
                f"{type(self).__name__}.step got arrays of shapes {[p.shape for p in params]}, "
                f"but its state was made for {[b.shape for b in buffers]}; "
                "call reset() to reuse the optimiser for other arrays")

    @staticmethod
    def _check_lists(params, grads) -> None:
        """Same length, and each gradient exactly the shape of its array (no broadcasting)."""
        if len(params) != len(grads):
            raise ValueError(f"params and grads must have the same length, got {len(params)} and {len(grads)}")
        try:
            for p, g in zip(params, grads):
                if g.shape != p.shape:
                    break
            else:
                return
        except AttributeError:      # not an array: named below
            pass
        for i, (p, g) in enumerate(zip(params, grads)):
            if not isinstance(g, np.ndarray):
                raise TypeError(f"grads[{i}] must be a NumPy array, got {type(g).__name__}")
            if g.shape != p.shape:
                raise ValueError(f"grads[{i}] must have the shape of params[{i}] {p.shape}, "
                                 f"got {g.shape}")

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        """One update of every array in ``params`` (in place), after checking the lists.

        Each gradient must have exactly its array's shape (no broadcasting).
        """
        self._check_lists(params, grads)
        self._step(params, grads)

    def _step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:  # pragma: no cover
        """The update itself, unchecked (``fit`` calls it once the first step was checked)."""
        raise NotImplementedError


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional (Nesterov) momentum.

    With momentum :math:`\mu` (PyTorch's formulation, so results match
    ``torch.optim.SGD`` to rounding):

    .. math::
        v \leftarrow \mu v + g, \qquad
        \theta \leftarrow \theta - \eta\, v
        \quad(\text{Nesterov: } \theta \leftarrow \theta - \eta\,(g + \mu v)).

    With :math:`\mu = 0` this is plain :math:`\theta \leftarrow \theta - \eta g`.

    Parameters
    ----------
    lr : float > 0
        Learning rate :math:`\eta`.
    momentum : float in [0, 1)
    nesterov : bool
        Nesterov momentum (needs momentum > 0).
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(lr)
        self.momentum = check_positive(momentum, "momentum", allow_zero=True)
        if self.momentum >= 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum}")
        if nesterov and self.momentum == 0.0:
            raise ValueError("nesterov=True needs momentum > 0, got momentum=0")
        self.nesterov = bool(nesterov)

    def _step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        self.t += 1
        lr = self._lr_array
        if self.momentum == 0.0:
            for p, g in zip(params, grads):
                p -= lr * g
            return
        self._init_state(params, 1)
        mu = self.momentum
        for p, g, v in zip(params, grads, self._state[0]):
            v *= mu
            v += g
            if self.nesterov:
                p -= lr * (g + mu * v)
            else:
                p -= lr * v

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum}, nesterov={self.nesterov})"


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015) with bias correction.

    .. math::
        m \leftarrow \beta_1 m + (1 - \beta_1) g, \quad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \\
        \theta \leftarrow \theta - \eta\, \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}.

    Defaults: :math:`\eta = 10^{-3}`, :math:`\beta = (0.9, 0.999)`,
    :math:`\epsilon = 10^{-8}` (as in the paper and in PyTorch).
    """

    def __init__(self, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(lr)
        try:
            b1, b2 = (float(b) for b in betas)
        except (TypeError, ValueError):
            raise TypeError(f"betas must be a pair of floats, got {betas!r}") from None
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"betas must lie in [0, 1), got {betas!r}")
        self.betas = (b1, b2)
        self.eps = check_positive(eps, "eps")

    def _step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        self._init_state(params, 2)
        self.t += 1
        b1, b2 = self.betas
        # Fold both bias corrections into the step size (as PyTorch does).
        step_size = self.lr * np.sqrt(1.0 - b2 ** self.t) / (1.0 - b1 ** self.t)
        eps_hat = self.eps * np.sqrt(1.0 - b2 ** self.t)
        for p, g, m, v in zip(params, grads, self._state[0], self._state[1]):
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            p -= step_size * m / (np.sqrt(v) + eps_hat)

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps})"
