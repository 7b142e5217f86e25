r"""Saliency: which pixels does a class score depend on, to first order?

For an image x and a class score :math:`f_c` (a logit of a classifier, or any
output of a network), the **saliency map** is the absolute input gradient,

.. math:: S_c(x)_i = \left| \frac{\partial f_c}{\partial x_i}(x) \right|,

how much the score moves per unit change of pixel i: the first-order Taylor
model :math:`f_c(x + \delta) \approx f_c(x) + \nabla f_c(x)^T \delta`. The
**gradient x input** map keeps the sign and weighs each slope by the pixel,

.. math:: G_c(x)_i = x_i\, \frac{\partial f_c}{\partial x_i}(x),

the share of pixel i in the linear model's value when every pixel is moved
from 0 to its value. For a network of ReLUs and affine layers without biases
:math:`\sum_i G_c(x)_i = f_c(x)` exactly (Euler's theorem for a function that
is positively homogeneous of degree 1); biases add a constant the map leaves out.

Both are one forward and one backward pass per class: the network's own
``input_gradient`` (the chain rule of ``mininn.network``), never finite
differences. Input gradients are local: a saturated or inactive unit hides a
pixel that matters for larger changes, which is why the adversarial examples
of :mod:`mininn.search.robustness` search a whole box instead.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from .._validation import check_output
from ..network import Sequential
from .adversarial import flat_network

__all__ = ["saliency", "gradient_times_input"]


def _classes(net: Sequential, output, X: np.ndarray) -> np.ndarray:
    """One class per image: ``output`` given as an int or an (n,) array, or, for
    None, the network's prediction (the largest output) on each image."""
    n = X.shape[0]
    if output is None:
        return np.argmax(net.forward(X), axis=1)
    if np.ndim(output) == 0:
        return np.full(n, check_output(output, net.n_outputs), dtype=np.int64)
    classes = np.asarray(output)
    if classes.shape != (n,) or classes.dtype.kind not in "iu":
        raise ValueError(f"output must be None, an int or an integer array with one class per "
                         f"image, shape ({n},); got {classes.dtype} array of shape {classes.shape}")
    for c in np.unique(classes):
        check_output(int(c), net.n_outputs)
    return classes.astype(np.int64)


def _gradients(net: Sequential, output, X) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X as a float array, d f_c / dX shaped like X, the class c of each image)."""
    shape = np.shape(X)
    net, X = flat_network(net, X)
    classes = _classes(net, output, X)
    grad = np.empty_like(X)
    for c in np.unique(classes):         # one backward pass per class in the batch
        rows = classes == c
        grad[rows] = net.input_gradient(X[rows], int(c))
    return X.reshape(shape), grad.reshape(shape), classes


def saliency(net: Sequential, output: Optional[int] = None, *, X) -> np.ndarray:
    r"""The saliency map :math:`|\partial f_c / \partial x|` of each image.

    Parameters
    ----------
    net : Sequential
    output : int, (n,) int array or None
        The class c whose score is differentiated: one for all images, one per
        image, or None for each image's predicted class (its largest output).
    X : array (n, k) or (n, C, H, W)
        The images: rows for a network that takes rows (an MLP, or a CNN
        that starts with ``Unflatten``), or images for either kind.

    Returns
    -------
    ndarray, shaped like X
        :math:`S_{n,i} = |\partial f_{c_n}(X_n) / \partial X_{n,i}|`.
    """
    return np.abs(_gradients(net, output, X)[1])


def gradient_times_input(net: Sequential, output: Optional[int] = None, *, X) -> np.ndarray:
    r"""The map :math:`x \odot \partial f_c / \partial x` of each image (signed).

    Parameters and shapes as :func:`saliency`. Positive where a pixel's value
    raises the class score in the linear model around the image, negative
    where it lowers it; 0 on blank (zero) pixels whatever their slope.
    """
    X, grad, _ = _gradients(net, output, X)
    return X * grad
