"""The one place that turns grid coordinates into text for file names and table cells.

Numbers are canonical: equal floats give equal text (1e-3, 0.001 and 0.0010 all give
``0.001``), so a coordinate always names the same file.
"""

from __future__ import annotations

import math
import re

from .methods import METHODS


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

LABEL_MAX = 64  # characters of an objective label (it names directories and table rows)

# What each wildcard of JOB_PATTERN may hold: the workflow's ``wildcard_constraints`` are these,
# and the config check full-matches every planned job against them before any job runs.
WILDCARDS = {
    "objective": rf"[A-Za-z][A-Za-z0-9_-]{{0,{LABEL_MAX - 1}}}",
    "kappa": r"[0-9][-0-9.e]*",
    "method": "|".join(METHODS),
    "shard": r"[A-Za-z0-9][-A-Za-z0-9._]*",
}


def job_name_problem(**values: str) -> str | None:
    """Which wildcard value (if any) fails its pattern, as text; a full match is required."""
    for name, value in values.items():
        if not re.fullmatch(WILDCARDS[name], value):
            return f"{name} {value!r} does not match {WILDCARDS[name]!r}"
    return None


def job_path(objective: str, kappa: float, method: str, shard: str) -> str:
    """Relative path (no extension) of a simulation job's outputs, with a canonical kappa."""
    return JOB_PATTERN.format(objective=objective, kappa=fmt(kappa), method=method, shard=shard)


def point_shard(alpha: float, beta: float) -> str:
    return f"a{fmt(alpha)}_b{fmt(beta)}"
