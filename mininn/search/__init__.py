r"""Input search: which input makes an output of a trained network largest?

Every search here takes ``(net, output)`` first and everything else by
keyword, and speaks the same words (see ``results.py``): ``goal`` ("max",
"min" or "target"), ``bounds=(lo, hi)``, and a result with the best point
``x`` and its ``value``, every start's ``xs`` and ``values``, ``stop_reason``
and ``seconds``.

=====================  =======================================================
module                 what it answers
=====================  =======================================================
``ascent``             gradient ascent on the input inside a box (methods
                       none, projected, sigmoid, mirror), from many starts at
                       once, with the path it took -> ``AscentResult``
``binary``, ``box``    the best bit string, or the best point of a box, with a
                       certificate (branch and bound) -> ``ExactResult``
``exhaustive``,        the other two binary methods: all 2^k strings, and
``local``              rounding plus bit flips
``relaxations``,       sound bounds of an output over a box: interval
``bounds``,            arithmetic, linear (CROWN-style) bounds, and bounds
``optimised``,         optimised per node (alpha/beta), through image layers
``image_bounds``,      too; hull lines in input space for one hidden layer
``hull``
``branch_and_bound``,  the generic batched engine behind ``binary`` and ``box``
``implications``       (and what a split forces)
``saliency``,          questions about a classifier's images: which pixels
``adversarial``,       matter, the smallest change that fools it, and a proof
``robustness``         that none exists within eps
=====================  =======================================================
"""
from __future__ import annotations

from .results import AscentResult, ExactResult, SearchResult

# --- continuous ascent ---
from .ascent import GOALS, METHODS, find_input, maximize_input, minimize_input, reach_target

# --- bounds, exhaustive, local, branch and bound, binary and box ---
from .binary import BINARY_METHODS, best_binary_input
from .bounds import RELAXATIONS, output_bounds
from .box import best_box_input
from .branch_and_bound import Progress
from .exhaustive import MAX_EXHAUSTIVE_BITS, MAX_VALUES_BITS, exhaustive_values

# --- images: saliency, adversarial examples, certified robustness ---
from .adversarial import ATTACKS, AttackResult, attack, epsilon_box, fgsm, margin, pgd
from .robustness import CertifyResult, RadiiResult, certify, robustness_radii
from .saliency import gradient_times_input, saliency

__all__ = [
    "SearchResult", "AscentResult", "ExactResult", "Progress", "AttackResult", "CertifyResult",
    "RadiiResult",
    "find_input", "maximize_input", "minimize_input", "reach_target", "GOALS", "METHODS",
    "best_binary_input", "best_box_input", "exhaustive_values", "output_bounds",
    "BINARY_METHODS", "RELAXATIONS", "MAX_EXHAUSTIVE_BITS", "MAX_VALUES_BITS",
    "saliency", "gradient_times_input", "attack", "fgsm", "pgd", "margin", "epsilon_box",
    "ATTACKS", "certify", "robustness_radii",
]
