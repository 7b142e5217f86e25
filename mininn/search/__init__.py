"""Input search: which input makes an output of a trained network largest?

(Package docstring and exports are completed when the modules land.)
"""
from __future__ import annotations

from .results import AscentResult, ExactResult, SearchResult

# --- continuous ascent (ascent.py) ---
from .ascent import GOALS, METHODS, find_input, maximize_input, minimize_input, reach_target

# --- bounds, exhaustive, local, branch and bound, binary and box (the rest) ---
