"""mininn: a pure-NumPy neural-network library for learning and teaching.

Every derivative is written by hand: each layer's backward pass, the loss
gradients, and the gradient of a network's output with respect to its input.
"""
from __future__ import annotations

__version__ = "0.2.0"

from . import activations, datasets, gradcheck, losses, optim, search
from .activations import Identity, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
from .convolution import Conv2D
from .layers import Dense, Layer
from .losses import MSE, BinaryCrossEntropy, SoftmaxCrossEntropy
from .network import Sequential, load, mlp
from .optim import SGD, Adam
from .pooling import Flatten, MaxPool2D, Unflatten
from .training import History, fit
from .search import ExactResult, best_binary_input
from .search import AscentResult, find_input, maximize_input, minimize_input, reach_target

__all__ = [
    "__version__", "Layer", "Dense", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softplus",
    "Identity", "MSE", "BinaryCrossEntropy", "SoftmaxCrossEntropy", "Sequential", "mlp",
    "load", "SGD", "Adam", "fit", "History", "activations", "losses", "optim", "datasets",
    "gradcheck", "search", "find_input", "maximize_input", "minimize_input", "reach_target",
    "AscentResult", "best_binary_input", "ExactResult", "Conv2D", "MaxPool2D", "Flatten",
    "Unflatten",
]
