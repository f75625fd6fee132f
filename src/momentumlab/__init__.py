"""momentumlab: when, and by how much, does gradient descent with momentum beat plain GD?

The simulation library behind the study pipeline. It never imports snakemake.

>>> import momentumlab as ml
>>> [r.iterations for r in ml.simulate("quadratic", "gd", kappa=100, alpha=2 / 101, starts=[1, 1])]
[346]
"""

from . import theory
from .api import SimRecord, simulate, start_points, trajectory
from .engine import DIVERGENCE_FACTOR, STATUSES, BatchResult, run_batch
from .errors import ConfigError
from .methods import METHODS, get_method
from .objectives import OBJECTIVES, make_objective

# Bump when a change to the numerics changes any simulated number: the workflow passes it to
# every simulation job as a parameter, so a bump reruns them all, deliberately.
NUMERICS_VERSION = "5"
# Bump when a study table's columns or their meaning change: studies made under different
# table versions are not compared (momentumlab.compare refuses, naming both).
TABLES_VERSION = "1"

__version__ = "0.1.0"

__all__ = [
    "BatchResult",
    "ConfigError",
    "DIVERGENCE_FACTOR",
    "METHODS",
    "NUMERICS_VERSION",
    "OBJECTIVES",
    "STATUSES",
    "TABLES_VERSION",
    "SimRecord",
    "get_method",
    "make_objective",
    "run_batch",
    "simulate",
    "start_points",
    "theory",
    "trajectory",
]
