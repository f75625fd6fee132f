"""The one place that turns grid coordinates into text for file names and table cells.

Numbers are canonical: equal floats give equal text (1e-3, 0.001 and 0.0010 all give
``0.001``), so a coordinate always names the same file.
"""

from __future__ import annotations

import math


def fmt(x: float) -> str:
    """Canonical text of a number: the shortest round-trip repr of the float, no '+'."""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == int(x) and abs(x) < 1e16:
        return str(int(x))
    return repr(x).replace("e+", "e")


# A simulation job's outputs, relative and without extension; the workflow's rule patterns are
# built from this string, so it is the only place the layout is written down.
JOB_PATTERN = "{objective}/kappa_{kappa}/{method}/{shard}"


def job_path(objective: str, kappa: float, method: str, shard: str) -> str:
    """Relative path (no extension) of a simulation job's outputs, with a canonical kappa."""
    return JOB_PATTERN.format(objective=objective, kappa=fmt(kappa), method=method, shard=shard)


def point_shard(alpha: float, beta: float) -> str:
    return f"a{fmt(alpha)}_b{fmt(beta)}"
