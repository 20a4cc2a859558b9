"""polyloss: loss surfaces of multilayer networks, from path polynomials to spin-glass complexity.

Choromanska, Henaff, Mathieu, Ben Arous, LeCun, "The Loss Surfaces of Multilayer Networks",
AISTATS 2015, derived symbolically (sympy), evaluated at scale (numpy, mpmath, torch), checked
against simulated spin glasses and trained networks, and published as LaTeX and figures.

The public names are loaded lazily: ``import polyloss`` imports neither torch nor matplotlib.
"""

from __future__ import annotations

import importlib

from .errors import (
    DamagedResultError,
    DataError,
    InvalidInputError,
    LaTeXError,
    MissingDependencyError,
    PolylossError,
    ResumeError,
    SizeLimitError,
    StageError,
    TaskError,
    TrainingDivergedError,
)

__version__ = "0.1.0"  # the one place it is written: the package metadata reads it (pyproject.toml)

# public name -> module that defines it (imported on first use)
_LAZY = {
    "ReLUNetwork": "polyloss.symbolic.network",
    "Mixture": "polyloss.mixture",
    "path_polynomial": "polyloss.symbolic.paths",
    "derive_hamiltonian": "polyloss.symbolic.hamiltonian",
    "Formula": "polyloss.symbolic.formula",
    "e_infinity": "polyloss.numeric.complexity",
    "theta": "polyloss.numeric.complexity",
    "energy_thresholds": "polyloss.numeric.complexity",
    "scenario_criterion": "polyloss.numeric.complexity",
    "scenario_boundary": "polyloss.numeric.complexity",
    "network_mixture": "polyloss.symbolic.hamiltonian",
    "expected_critical_points": "polyloss.numeric.critical_counts",
    "SphericalSpinGlass": "polyloss.numeric.spinglass",
    "descend": "polyloss.numeric.optimisers",
    "critical_points": "polyloss.numeric.critical_search",
    "spinglass_minima": "polyloss.experiments.spinglass_minima",
    "train_replicas": "polyloss.numeric.training",
}

__all__ = sorted(_LAZY) + [
    "PolylossError", "InvalidInputError", "SizeLimitError", "LaTeXError", "ResumeError",
    "DataError", "DamagedResultError", "TaskError", "MissingDependencyError", "StageError",
    "TrainingDivergedError", "__version__",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'polyloss' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
