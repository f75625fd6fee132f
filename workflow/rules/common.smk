# Config loading: momentumlab.config checks the config (and re-reads its files strictly), fills
# the defaults and plans the jobs, before any job runs; this file only wires it in.


import re
import sys

from snakemake.exceptions import WorkflowError

import momentumlab
from momentumlab.config import StudyConfigError, load_study
from momentumlab.jobfiles import expectation
from momentumlab.naming import (
    CACHE_DIR, INDEX_HTML, JOB_PATTERN, MANIFEST, RESULTS_DIR, STUDY_NAME, WILDCARDS, study_dir,
)

SCHEMA = f"{workflow.basedir}/workflow/schemas/config.schema.yaml"
ENV = "../envs/momentumlab.yaml"  # relative to the rule files
CONFIG_FILES = [str(p) for p in workflow.overwrite_configfiles] or ["config/config.yaml"]

try:
    PLAN = load_study(config, source=CONFIG_FILES, schema=SCHEMA)
except StudyConfigError as exc:
    raise WorkflowError(str(exc)) from None
config.update(PLAN.config)
print(PLAN.describe(), file=sys.stderr)
JOBS = PLAN.by_path
NUMERICS = momentumlab.NUMERICS_VERSION


# Every path the rules write starts with one of two folders (the layout is momentumlab.naming's)
# STUDY_DIR, this study's own folder results/<study>/ (tables, report, logs, benchmarks,
# manifest), or CACHE_DIR, the simulation jobs every study shares, named by their content.
STUDY = PLAN.study
STUDY_DIR = study_dir(STUDY)
SIM_ROOT = f"{CACHE_DIR}/sims"
SIM_OUTPUT = f"{SIM_ROOT}/{JOB_PATTERN}"  # + ".sims.csv" / ".curves.csv" / ".sha256"
OBJECTIVE = "|".join(map(re.escape, config["objectives"]))  # the objective wildcard's values


def part(name, objective="{objective}"):
    """An objective's own table (its gather's, summarise's): tables/<objective>/<name>.csv;
    tables/<name>.csv is the study's (rule combine)."""
    return f"{STUDY_DIR}/tables/{objective}/{name}.csv"


def job_params(wildcards):
    """A simulation job's parameters, looked up by its wildcards (never parsed from a path)."""
    path = JOB_PATTERN.format(**wildcards)
    return (JOBS[path] if path in JOBS else refined_job(path)).as_params()  # refine.smk


wildcard_constraints:
    **WILDCARDS,
