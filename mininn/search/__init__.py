"""Input search: which input makes an output of a trained network largest?

(Package docstring and exports are completed when the modules land.)
"""
from __future__ import annotations

from .results import AscentResult, ExactResult, SearchResult

# --- continuous ascent (ascent.py) ---
from .ascent import GOALS, METHODS, find_input, maximize_input, minimize_input, reach_target

# --- bounds, exhaustive, local, branch and bound, binary and box (the rest) ---
from .binary import BINARY_METHODS, best_binary_input
from .bounds import RELAXATIONS, output_bounds
from .box import best_box_input
from .branch_and_bound import Progress
from .exhaustive import MAX_EXHAUSTIVE_BITS, MAX_VALUES_BITS, exhaustive_values

# --- images: saliency, adversarial examples, certified robustness ---
from .adversarial import ATTACKS, AttackResult, attack, epsilon_box, fgsm, margin, pgd
from .robustness import CertifyResult, RadiiResult, certify, robustness_radii
from .saliency import gradient_times_input, saliency
