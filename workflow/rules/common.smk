# Config loading: friendly schema check, snakemake's validate (fills defaults), the job plan.


import jsonschema
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

import momentumlab
from momentumlab.study import coerce_numbers, plan

SCHEMA = f"{workflow.basedir}/workflow/schemas/config.schema.yaml"
ENV = "../envs/momentumlab.yaml"  # relative to the rule files


def _where(error):
    """The key path of an error as a user writes it, e.g. objectives.quad2d.dim or kappas[0]."""
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path]
    return "".join(parts).lstrip(".") or "(top level)"


def _explain(error):
    """One line per problem: the key, what is wrong, and what is allowed."""
    key = _where(error)
    allowed = error.schema.get("description") if isinstance(error.schema, dict) else None
    if error.validator == "additionalProperties":
        allowed_keys = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed_keys))
        return f"{key}: unknown key(s) {extra}; allowed keys: {allowed_keys}"
    if error.validator == "oneOf" or error.validator == "propertyNames":
        best = jsonschema.exceptions.best_match(error.context) if error.context else None
        detail = best.message if best else error.message
        return f"{key}: {detail}; allowed: {allowed or error.schema}"
    if error.validator == "required":
        return f"{key}: {error.message}"
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


def job_outputs(suffix):
    return [f"results/sims/{path}.{suffix}" for path in JOBS]


def job_params(wildcards):
    return JOBS[f"{wildcards.objective}/kappa_{wildcards.kappa}/{wildcards.method}/{wildcards.shard}"].as_params()


wildcard_constraints:
    objective=r"[A-Za-z][A-Za-z0-9_-]*",
    kappa=r"[0-9][-0-9.e]*",
    method="|".join(momentumlab.METHODS),
    shard=r"[A-Za-z0-9][-A-Za-z0-9._]*",
