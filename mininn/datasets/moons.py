"""A continuous data set: two interleaving half circles (``two_moons``)."""
from __future__ import annotations

from typing import Tuple

import numpy as np

from .._validation import SeedLike, check_int, check_real, make_rng


def two_moons(
    n_samples: int = 200, noise: float = 0.1, seed: SeedLike = None
) -> Tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles in the plane, plus Gaussian noise.

    With ``n0 = n_samples // 2`` points on the upper moon (class 0) and
    ``n1 = n_samples - n0`` on the lower moon (class 1), evenly spaced in
    :math:`t \\in [0, \\pi]`:

    .. math::
        x^{(0)}(t) = (\\cos t,\\ \\sin t), \\qquad
        x^{(1)}(t) = (1 - \\cos t,\\ \\tfrac12 - \\sin t),

    then :math:`\\varepsilon \\sim \\mathcal N(0, \\text{noise}^2 I_2)` is added
    to every point. Rows are in that order (class 0 first, then class 1);
    shuffle or use :func:`train_test_split` before slicing.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points, ``>= 2`` so that both classes appear.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise, ``>= 0`` (0 gives the exact
        curves and draws nothing from the generator).
    seed : None, int >= 0 or numpy.random.Generator, default None
        Source of the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
        The points.
    y : ndarray of shape (n_samples,), float64
        0.0 for the upper moon, 1.0 for the lower moon.

    Raises
    ------
    TypeError
        If ``n_samples`` is not an integer, ``noise`` not a real number or
        ``seed`` neither an integer nor a Generator.
    ValueError
        If ``n_samples < 2`` or ``noise`` is negative or not finite.
    """
    n_samples = check_int(n_samples, "n_samples", minimum=2)
    noise = check_real(noise, "noise", 0.0)
    rng = make_rng(seed)

    n0 = n_samples // 2
    n1 = n_samples - n0
    t0 = np.linspace(0.0, np.pi, n0)  # (n0,)
    t1 = np.linspace(0.0, np.pi, n1)  # (n1,)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)  # (n0, 2)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)  # (n1, 2)
    X = np.concatenate([upper, lower], axis=0)
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    if noise > 0.0:
        X = X + rng.normal(0.0, noise, size=X.shape)
    return X, y
