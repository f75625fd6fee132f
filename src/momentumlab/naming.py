"""The one place that turns grid coordinates into text for file names and table cells.

Numbers are canonical: equal floats give equal text (1e-3, 0.001 and 0.0010 all give
``0.001``), so a coordinate always names the same file.
"""

from __future__ import annotations

import hashlib
import json
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


# Where everything generated lives. Each study writes its own folder ``results/<study>/``
# (tables, report, logs, benchmarks, its manifest ``study.json``); simulation jobs live in one
# cache that every study shares (:data:`CACHE_DIR`), addressed by content, so studies that share
# a job share its result and never evict each other; ``results/index.html`` lists the studies.
RESULTS_DIR = "results"
CACHE_DIR = f"{RESULTS_DIR}/cache"
INDEX_HTML = f"{RESULTS_DIR}/index.html"
MANIFEST = "study.json"  # a study's provenance, in its folder
STUDY_MAX = 64  # characters of a study name
STUDY_NAME = rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{STUDY_MAX - 1}}}"
RESERVED_STUDIES = {"cache", "compare"}  # folders under results/ that are not studies
STUDY_ALLOWED = (
    f"letters, digits, '_' or '-', starting with a letter or digit, at most {STUDY_MAX} "
    f"characters (the pattern {STUDY_NAME}), not {', '.join(sorted(RESERVED_STUDIES))}"
)

# A simulation job's outputs, relative to the cache's ``sims/`` and without extension; the
# workflow's rule patterns are built from this string, so it is the only place the layout is
# written down. ``key`` is the job's content hash (:func:`job_key`): the file holds what those
# exact parameters give, whatever study asked for it; the rest is there to be read in logs.
JOB_PATTERN = "{objective}/kappa_{kappa}/{method}/{shard}-{key}"
KEY_LENGTH = 12  # hex digits of the sha256 kept in a job's name (48 bits)

LABEL_MAX = 64  # characters of an objective label (it names directories and table rows)

# What each wildcard of JOB_PATTERN may hold: the workflow's ``wildcard_constraints`` are these,
# and the config check full-matches every planned job against them before any job runs.
WILDCARDS = {
    "objective": rf"[A-Za-z][A-Za-z0-9_-]{{0,{LABEL_MAX - 1}}}",
    "kappa": r"[0-9][-0-9.e]*",
    "method": "|".join(METHODS),
    "shard": r"[A-Za-z0-9][-A-Za-z0-9._]*",
    "key": rf"[0-9a-f]{{{KEY_LENGTH}}}",
}


def job_name_problem(**values: str) -> str | None:
    """Which wildcard value (if any) fails its pattern, as text; a full match is required."""
    for name, value in values.items():
        if not re.fullmatch(WILDCARDS[name], value):
            return f"{name} {value!r} does not match {WILDCARDS[name]!r}"
    return None


def job_key(params: dict) -> str:
    """A job's identity: the sha256 of its exact parameters as canonical JSON (sorted keys, the
    numerics version among them), cut to :data:`KEY_LENGTH` hex digits. Equal parameters give
    equal keys whichever study, config file or order they come from."""
    text = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:KEY_LENGTH]


def job_wildcards(params: dict) -> dict[str, str]:
    """The values of JOB_PATTERN's wildcards for a job with these parameters (a JobSpec's)."""
    return {
        "objective": params["objective"],
        "kappa": fmt(params["kappa"]),
        "method": params["method"],
        "shard": params["shard"],
        "key": job_key(params),
    }


def job_path(params: dict) -> str:
    """Relative path (no extension) of a simulation job's outputs under the cache's ``sims/``:
    readable coordinates (objective, canonical kappa, method, shard), then the content key."""
    return JOB_PATTERN.format(**job_wildcards(params))


def study_problem(name) -> str | None:
    """Why a study name would not make a safe folder ``results/<name>/`` (None: fine)."""
    if not isinstance(name, str):
        return "not text (quote it)"
    if not re.fullmatch(STUDY_NAME, name):
        if not name:
            return "empty"
        if len(name) > STUDY_MAX:
            return f"{len(name)} characters long, more than {STUDY_MAX}"
        if not re.match("[A-Za-z0-9]", name):
            return f"not starting with a letter or digit ({name[0]!r})"
        bad = next(c for c in name if not re.match("[A-Za-z0-9_-]", c))
        return f"not a safe folder name ({bad!r} is not a letter, digit, '_' or '-')"
    if name.lower() in RESERVED_STUDIES:
        return "reserved (results/cache/ holds the shared jobs, results/compare/ comparisons)"
    return None


def study_dir(name: str) -> str:
    """The folder a study writes (tables, report, logs, benchmarks, manifest): the one place it
    is formed; the workflow's rule paths all start with it."""
    return f"{RESULTS_DIR}/{name}"


def point_shard(alpha: float, beta: float) -> str:
    return f"a{fmt(alpha)}_b{fmt(beta)}"
