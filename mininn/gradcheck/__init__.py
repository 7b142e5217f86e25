r"""Gradient checks: is a handwritten derivative right, and can the check be trusted?

A central difference approximates a derivative without any calculus:

.. math::
    \frac{\partial f}{\partial x_i} \approx
    \frac{f(x + h e_i) - f(x - h e_i)}{2h}.

Its error is truncation (:math:`\propto h^2`) plus round-off
(:math:`\propto \varepsilon_{mach} / h`), smallest near h = 1e-5 in float64
(``step_size.py``). A layer is checked through the scalar
:math:`\mathrm{sum}(\mathrm{forward}(x) \odot dy)` for a random upstream
gradient ``dy`` (``layer_checks.py``), a network through its loss
(``network_checks.py``). The files, one concept each:

======================  =========================================================
``differences.py``      central differences and the complex step
``precision.py``        float64 copies, ``PrecisionWarning``
``noise.py``            round-off: the size of the terms f is computed from
``probes.py``           perturb an array in place, evaluate, watch the kinks
``kinks.py``            where a derivative jumps, and which perturbation crossed one
``compare.py``          the verdict on one array: pass, kink, uncertain or FAIL
``engine.py``           one array in a mode; second opinion; tell-tale ratios
``report.py``           ``GradCheckRow``, ``GradCheckReport``, the error bands
``crash.py``            student code that crashes: the exception and the student's line
``contract.py``         the Layer contract's manners; a crash as a FAIL row
``layer_checks.py``     ``check_layer``, ``layer_objective``
``complex_step.py``     the complex step for analytic layers
``function_checks.py``  ``check_gradient`` (any f), ``check_loss``
``network_checks.py``   ``check_network``
``input_gradient.py``   ``check_input_gradient``
``diagnosis.py``        which layer is to blame when a network check fails
``taylor.py``           the tolerance-free Taylor test
``step_size.py``        the step-size sweep
======================  =========================================================

A check never reports correct code as wrong: where finite differences
cannot decide (the gradient is below their round-off, or a perturbation
crosses several kinks at once), a row says ``uncertain`` -- "cannot tell",
with the reason and what to do -- and the report still ``passed``.

Typical use in pytest::

    report = check_layer(MyLayer(), x)
    report.assert_ok()          # fails with the report as its message
"""
from __future__ import annotations

from .crash import Crash
from .differences import COMPLEX_EPS, DEFAULT_EPS, numerical_gradient
from .function_checks import check_gradient, check_loss
from .kinks import KINK_SLACK
from .layer_checks import check_layer, layer_objective
from .input_gradient import check_input_gradient
from .network_checks import check_network
from .precision import PrecisionWarning
from .report import RTOL, GradCheckReport, GradCheckRow, assert_gradients_ok, error_band
from .step_size import StepSizeSweep, step_size_sweep
from .taylor import TaylorResult, taylor_test, taylor_test_layer

__all__ = [
    "DEFAULT_EPS", "COMPLEX_EPS", "RTOL", "KINK_SLACK", "PrecisionWarning", "error_band",
    "Crash", "GradCheckRow", "GradCheckReport", "assert_gradients_ok", "numerical_gradient",
    "check_gradient", "check_layer", "check_loss", "check_network", "check_input_gradient",
    "layer_objective", "taylor_test", "taylor_test_layer", "TaylorResult", "step_size_sweep",
    "StepSizeSweep",
]
