"""mininn: a pure-NumPy neural-network library for learning and teaching."""
from __future__ import annotations

__version__ = "0.1.0"
