# Config loading: friendly schema check, snakemake's validate (fills defaults), the job plan.


import jsonschema
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

import momentumlab
from momentumlab.naming import JOB_PATTERN
from momentumlab.study import coerce_numbers, plan

SCHEMA = f"{workflow.basedir}/workflow/schemas/config.schema.yaml"
ENV = "../envs/momentumlab.yaml"  # relative to the rule files


def _where(error, *more):
    """The key path of an error as a user writes it, e.g. objectives.quad2d.dim or kappas[0]."""
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in [*error.absolute_path, *more]]
    return "".join(parts).lstrip(".") or "(top level)"


def _allowed(error):
    """What is allowed where the error is: the nearest description, from the error upwards."""
    while error is not None:
        if isinstance(error.schema, dict) and error.schema.get("description"):
            return error.schema["description"]
        error = error.parent
    return None


def _fitting_branches(error):
    """The errors of the oneOf branches whose type fits the value (a list or a mapping...)."""
    branches = {}
    for e in error.context:
        branches.setdefault(e.relative_schema_path[0], []).append(e)

    def misfit(e):  # the branch wants another type of value altogether
        return e.validator == "type" and not e.relative_path

    return [e for errs in branches.values() if not any(map(misfit, errs)) for e in errs]


def _explain(error):
    """One line per problem: the key, what is wrong, and what is allowed."""
    key = _where(error)
    allowed = _allowed(error)
    if error.validator == "additionalProperties":
        allowed_keys = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed_keys))
        where = f" in {key}" if error.absolute_path else ""
        return "\n  - ".join(
            f"{_where(error, k)}: unknown key; allowed keys{where}: {', '.join(allowed_keys)}"
            for k in extra
        )
    if error.validator in ("oneOf", "anyOf"):
        fitting = _fitting_branches(error)
        if fitting:
            return "\n  - ".join(_explain(e) for e in fitting)
        return f"{key}: {error.instance!r} is not allowed; allowed: {allowed}"
    if "propertyNames" in error.relative_schema_path:
        return f"{key}: the key {error.instance!r} is not allowed; allowed keys: {allowed}"
    if error.validator == "const":
        return f"{key}: {error.instance!r} is not allowed; allowed: {allowed}"
    if error.validator == "uniqueItems":
        values = error.instance
        dups = []
        for i, v in enumerate(values):
            if v in values[:i] and v not in dups:
                dups.append(values[values.index(v)])  # as first written
        return f"{key}: {dups} given more than once in {values}; allowed: {allowed}"
    return f"{key}: {error.message}" + (f"; allowed: {allowed}" if allowed else "")


def check_config(config):
    with open(SCHEMA) as fh:
        schema = yaml.safe_load(fh)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = "\n".join(f"  - {_explain(e)}" for e in errors)
        raise WorkflowError(f"Invalid study config:\n{lines}\nSee config/README.md.")
    validate(config, str(SCHEMA))  # snakemake's own validation, which also fills in defaults
    try:
        return plan(config)
    except momentumlab.ConfigError as exc:
        raise WorkflowError(f"Invalid study config:\n  - {exc}\nSee config/README.md.") from None


config.update(coerce_numbers(dict(config)))
PLAN = check_config(config)
JOBS = PLAN.by_path
NUMERICS = momentumlab.NUMERICS_VERSION
CONFIG_FILES = [str(p) for p in workflow.overwrite_configfiles] or ["config/config.yaml"]


SIM_ROOT = "results/sims"
SIM_OUTPUT = f"{SIM_ROOT}/{JOB_PATTERN}"  # + ".sims.csv" / ".curves.csv"


def job_outputs(suffix):
    """Every simulation job's output of one kind, in the plan's canonical order."""
    return [f"{SIM_ROOT}/{path}.{suffix}" for path in JOBS]


def job_params(wildcards):
    """A simulation job's parameters, looked up by its wildcards (never parsed from a path)."""
    return JOBS[JOB_PATTERN.format(**wildcards)].as_params()


wildcard_constraints:
    objective=r"[A-Za-z][A-Za-z0-9_-]*",
    kappa=r"[0-9][-0-9.e]*",
    method="|".join(momentumlab.METHODS),
    shard=r"[A-Za-z0-9][-A-Za-z0-9._]*",
