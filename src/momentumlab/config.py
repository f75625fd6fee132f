"""Study config loading: from what was read (by Snakemake or by you) to a checked :class:`Plan`.

:func:`load_study` is the one entry point. It refuses, before any job exists, every config that
would run the wrong study or fail later, with one line per problem naming the key path (e.g.
``objectives.quad2d.dim`` or ``kappas[0]``) and what is allowed:

1. the files themselves, re-read with a strict YAML reader (``source=``): duplicate keys (both
   line numbers), YAML 1.1 surprises (``1:30`` is 90, ``010`` is 8, ``1_000``, dates), tags
   other than plain YAML's (``!!python/complex``), keys that YAML reads as booleans, None or
   numbers (``on:``, ``~:``, ``123:``), and configs that expand past :data:`MAX_VALUES` values
   (an alias bomb);
2. the schema (``workflow/schemas/config.schema.yaml``), in one validator pass that also fills
   the defaults and casts integral floats (``2.0``, ``1e1``, ``"5"``) where an integer is
   declared; every number must be finite (NaN, inf, ``1e400``, ``.nan``, JSON ``Infinity``);
3. what a schema cannot say: distinct values after canonical formatting, labels that survive
   the CSV tables, a fixed start of the right length that is not the minimiser, 1-D quadratics
   (whose kappa would be ignored), logistic sizes, every job name full-matching its wildcard;
4. the study's size (simulations, jobs, the largest job's memory) against ``limits``, the
   refinement's points counted at their upper bound (:func:`study_size`).

Numbers written ``1e-3`` are text to YAML 1.1 (what PyYAML and Snakemake read); they become
numbers here, everywhere but the top-level ``title``.
"""

from __future__ import annotations

import copy
import inspect
import json
import math
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import yaml

from . import theory
from .api import resolve_starts
from .engine import curve_iterations
from .errors import ConfigError
from .methods import METHODS
from .naming import LABEL_MAX, STUDY_ALLOWED, WILDCARDS, fmt, job_name_problem, study_problem
from .objectives import OBJECTIVES, make_objective
from .refine import max_points_per_round
from .study import OBJECTIVE_OPTIONS, Plan, method_alphas, plan
from .tables import parse

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"
MAX_VALUES = 100_000  # values in a config, aliases expanded: an alias bomb stops here
_TINY = 1e-290  # below this, tol * gap_0 is no longer a normal float
LIMIT_KEYS = ("simulations", "jobs", "job_memory_gb")
TEXT_KEYS = ("title", "study")  # top-level keys kept as written, never read as numbers
# words YAML 1.1, YAML 1.2 or the table reader turn into booleans, None or numbers
RESERVED_LABELS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "none", "nan",
                   "inf", "infinity"}  # fmt: skip
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null",
                                                   "seq", "map", "merge")}  # fmt: skip
_KINDS = {"bool": "boolean", "null": "null (None)", "int": "integer", "float": "number"}
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")
_OCTAL = re.compile(r"^[-+]?0[0-7_]+$")


class StudyConfigError(ConfigError):
    """A study config refused; ``problems`` holds one line per problem (key: what, allowed)."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"Invalid study config:\n{lines}\nSee config/README.md.")


# ---------------------------------------------------------------------------------------------
# 1. the files, read strictly


def check_source(path: str | Path) -> dict:
    """Re-read a config file strictly; return its data, or raise :class:`StudyConfigError`.

    JSON files are read as the YAML they also are (for line numbers); JSON's ``NaN`` and
    ``Infinity`` are caught later, by the finite-number check on what Snakemake read.
    """
    name = _display(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StudyConfigError([f"{name}: cannot be read ({exc})"]) from None
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            try:  # not YAML 1.1 but JSON (tabs...): no line numbers, but duplicates still count
                return json.loads(text, object_pairs_hook=_json_pairs(name))
            except ValueError:
                raise StudyConfigError([f"{name}: not valid YAML or JSON: {exc}"]) from None
        except RecursionError:
            raise StudyConfigError(
                [f"{name}: nested too deeply; allowed: a plain config"]
            ) from None
        if node is None:
            raise StudyConfigError([f"{name}: empty; allowed: a mapping of config keys"])
        problems = list(_node_problems(node, name))
        if problems:
            raise StudyConfigError(problems)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _display(path) -> str:
    """A path as the user would write it: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _json_pairs(name):
    def pairs(items):
        seen = set()
        for k, _ in items:
            if k in seen:
                raise StudyConfigError([f"{name}: the key {k!r} is given twice; allowed: once"])
            seen.add(k)
        return dict(items)

    return pairs


def _path_text(path) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in path]
    return "".join(parts).lstrip(".") or "(top level)"


def _node_problems(root, name):
    """Duplicate keys, YAML 1.1 surprises, non-plain tags, non-text keys, alias bombs."""
    size = _expanded_size(root, {})
    if size > MAX_VALUES:
        yield (
            f"{name}: the config expands to {size:,} values, more than {MAX_VALUES:,} "
            f"(YAML aliases *x repeat their anchor's node at every use); allowed: a config of "
            f"at most {MAX_VALUES:,} values"
        )
        return
    seen = set()
    stack = [(root, [])]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        where = f"{_path_text(path)} ({name} line {node.start_mark.line + 1})"
        if node.tag not in _PLAIN_TAGS:
            yield (
                f"{where}: the tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not "
                f"allowed; allowed: plain YAML (numbers, text, true/false, lists, mappings)"
            )
            continue
        if isinstance(node, yaml.ScalarNode):
            yield from _scalar_surprise(node, where)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, [*path, i]) for i, v in reversed(list(enumerate(node.value))))
        else:
            lines, children = {}, []
            for knode, vnode in node.value:
                kline = knode.start_mark.line + 1
                if not isinstance(knode, yaml.ScalarNode):
                    yield f"{where}: a key at line {kline} is not text; allowed: text keys"
                    continue
                if knode.tag != "tag:yaml.org,2002:str" and knode.tag in _PLAIN_TAGS:
                    if knode.tag == "tag:yaml.org,2002:merge":
                        continue
                    kind = _KINDS[knode.tag.rsplit(":", 1)[1]]
                    yield (
                        f"{_path_text(path)} ({name} line {kline}): the key {knode.value} is "
                        f"read by YAML as a {kind}, not as text; allowed: a text key: quote it "
                        f'("{knode.value}") or choose another name'
                    )
                    continue
                key = knode.value
                if key in lines:
                    yield (
                        f"{_path_text([*path, key])}: given twice ({name} lines {lines[key]} "
                        f"and {kline}); allowed: each key once (YAML would keep the last)"
                    )
                lines.setdefault(key, kline)
                children.append((vnode, [*path, key]))
            stack.extend(reversed(children))


def _expanded_size(node, memo) -> int:
    """Values in the tree with every alias expanded (computed once per distinct node)."""
    if id(node) not in memo:
        memo[id(node)] = 1  # a recursive alias counts once
        if isinstance(node, yaml.SequenceNode):
            memo[id(node)] = 1 + sum(_expanded_size(v, memo) for v in node.value)
        elif isinstance(node, yaml.MappingNode):
            memo[id(node)] = 1 + sum(_expanded_size(v, memo) for _, v in node.value)
    return memo[id(node)]


def _scalar_surprise(node, where):
    if node.style is not None:  # quoted: text, as written
        return
    v = node.value
    if node.tag == "tag:yaml.org,2002:int" and _SEXAGESIMAL.match(v):
        yield (
            f"{where}: {v} is a base-60 number in YAML 1.1 ({yaml.safe_load(v)}) and text in "
            f"YAML 1.2; allowed: write the number plainly ({yaml.safe_load(v)}) or quote it"
        )
    elif node.tag == "tag:yaml.org,2002:float" and _SEXAGESIMAL.match(v):
        yield f"{where}: {v} is a base-60 number in YAML 1.1; allowed: write it plainly"
    elif node.tag == "tag:yaml.org,2002:int" and _OCTAL.match(v) and v.strip("+-0_"):
        yield (
            f"{where}: {v} is octal in YAML 1.1 ({yaml.safe_load(v)}) but {int(v)} in YAML 1.2;"
            f" allowed: write it without the leading 0"
        )
    elif node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") and "_" in v:
        yield f"{where}: {v} is a number in YAML 1.1 only; allowed: write it without '_'"


# ---------------------------------------------------------------------------------------------
# 2. the schema: one pass that refuses, fills defaults and casts integers


def _is_number(_checker, x) -> bool:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # an int beyond any float
        return False


def _is_integer(_checker, x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and _is_number(_checker, x)


def _wants_integer(schema: dict) -> bool:
    branches = [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]
    return any(isinstance(b, dict) and b.get("type") == "integer" for b in branches)


def _validator(schema: dict):
    import jsonschema
    from jsonschema import Draft202012Validator

    base_properties = Draft202012Validator.VALIDATORS["properties"]

    def properties(validator, props, instance, schema):
        if isinstance(instance, dict):
            for key, sub in props.items():
                if key not in instance and isinstance(sub, dict) and "default" in sub:
                    instance[key] = copy.deepcopy(sub["default"])
                v = instance.get(key)
                if isinstance(v, float) and _is_number(None, v) and v.is_integer():
                    if isinstance(sub, dict) and _wants_integer(sub):
                        instance[key] = int(v)
        yield from base_properties(validator, props, instance, schema)

    types = Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"number": _is_number, "integer": _is_integer}
    )
    cls = jsonschema.validators.extend(
        Draft202012Validator, validators={"properties": properties}, type_checker=types
    )
    return cls(schema)


def _where(error, *more):
    """The key path of an error as a user writes it, e.g. objectives.quad2d.dim or kappas[0]."""
    return _path_text([*error.absolute_path, *more])


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


def _non_finite(x) -> bool:
    """NaN, an infinity, or an integer beyond any float."""
    return isinstance(x, int | float) and not isinstance(x, bool) and not _is_number(None, x)


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
        what = "is not a finite number" if _non_finite(error.instance) else "is not allowed"
        return f"{key}: {error.instance!r} {what}; allowed: {allowed}"
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
    if error.validator == "type" and _non_finite(error.instance):
        x = error.instance
        shown = repr(x) if isinstance(x, float) else f"an integer of {len(str(abs(x)))} digits"
        return (
            f"{key}: {shown} is not a finite number (NaN and infinity, written "
            f".nan, .inf, 1e400, NaN or Infinity, are refused); allowed: {allowed}"
        )
    if error.validator == "type" and error.validator_value == "integer":
        return f"{key}: {error.instance!r} is not an integer; allowed: {allowed}"
    return f"{key}: {error.message}" + (f"; allowed: {allowed}" if allowed else "")


def load_schema(path: str | Path | None = None) -> dict:
    with open(path or SCHEMA_PATH) as fh:
        return yaml.safe_load(fh)


def coerce_numbers(value, *, top=True):
    """YAML 1.1 reads ``1e-3`` as text; turn number-like text into floats (not the title)."""
    if isinstance(value, dict):
        return {
            k: v if (top and k in TEXT_KEYS) else coerce_numbers(v, top=False)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [coerce_numbers(v, top=False) for v in value]
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        return float(value)
    return value


# ---------------------------------------------------------------------------------------------
# 3. what the schema cannot say


def _value_problems(raw) -> Iterable[str]:
    """Before anything walks the config: its size (aliases) and keys that are not text."""
    size = _tree_size(raw, {})
    if size > MAX_VALUES:
        yield (
            f"(top level): the config holds {size:,} values, more than {MAX_VALUES:,} "
            f"(YAML aliases repeat a node at every use); allowed: at most {MAX_VALUES:,}"
        )
        return
    stack = [(raw, [])]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if not isinstance(k, str):
                    yield (
                        f"{_path_text(path)}: the key {k!r} is a {type(k).__name__}, not text "
                        f"(YAML reads yes/no/on/off/true/false as booleans, ~ and null as "
                        f"None, 123 as a number); allowed: a text key: quote it or rename it"
                    )
                else:
                    stack.append((v, [*path, k]))
        elif isinstance(node, list):
            stack.extend((v, [*path, i]) for i, v in enumerate(node))


def _tree_size(x, memo) -> int:
    if not isinstance(x, dict | list):
        return 1
    if id(x) not in memo:
        memo[id(x)] = 1
        children = x.values() if isinstance(x, dict) else x
        memo[id(x)] = 1 + sum(_tree_size(v, memo) for v in children)
    return memo[id(x)]


def label_problem(label: str) -> str | None:
    """Why an objective label would not name files and table rows faithfully (None: fine)."""
    if len(label) > LABEL_MAX:
        return f"{len(label)} characters, more than {LABEL_MAX}"
    if not re.fullmatch(WILDCARDS["objective"], label):
        return "not letters, digits, '_' or '-' starting with a letter"
    if label.lower() in RESERVED_LABELS or not isinstance(parse(label), str):
        return "a word the tables and YAML read back as a boolean, None or a number"
    return None


def _study_name_problems(config: dict, sources: list[Path]) -> Iterable[str]:
    """Fill ``study`` (default: the last config file's stem, else "default") and check that it
    names a safe folder ``results/<study>/``: before the schema, so the message says where a
    default name came from."""
    given = "study" in config
    if not given:
        config["study"] = sources[-1].stem if sources else "default"
    why = study_problem(config["study"])
    if why:
        came = "" if given else f" (the default: the name of {_display(sources[-1])})"
        yield (
            f"study: {config['study']!r}{came} is {why}; allowed: a study name of "
            f"{STUDY_ALLOWED}; it names the folder results/<study>/ (set study: in the config)"
        )


def _dim(spec: dict) -> int:
    """An objective's dimension, without building it (a logistic one calibrates its data)."""
    if "dim" in spec:
        return int(spec["dim"])
    return int(inspect.signature(OBJECTIVES[spec["type"]].factory).parameters["dim"].default)


def _semantic_problems(config: dict) -> Iterable[str]:
    """Checks a JSON schema cannot express; each message names the key and what is allowed."""
    for m in config["methods"]:
        try:
            values = method_alphas(config, m)
        except ConfigError as exc:
            yield str(exc)
            continue
        if len({fmt(a) for a in values}) != len(values):
            yield f"alphas.{m}: duplicated values {values}; allowed: each alpha once"
    for key in ("kappas", "betas"):
        if len({fmt(v) for v in config[key]}) != len(config[key]):
            yield f"{key}: duplicated values {config[key]}; allowed: each value once"
    start = config["start"]
    for label, spec in config["objectives"].items():
        why = label_problem(label)
        if why:
            yield (
                f"objectives: the label {label!r} is {why}; allowed: a label of letters, "
                f"digits, '_' or '-', starting with a letter, at most {LABEL_MAX} characters, "
                f"not one of {', '.join(sorted(RESERVED_LABELS))}"
            )
        where = f"objectives.{label}"
        kappas = spec.get("kappas", config["kappas"])
        if "kappas" in spec and len({fmt(v) for v in kappas}) != len(kappas):
            yield f"{where}.kappas: duplicated values {kappas}; allowed: each value once"
        dim = _dim(spec)
        if spec["type"] == "quadratic" and dim == 1 and any(float(k) != 1 for k in kappas):
            yield (
                f"{where}.dim: a 1-D quadratic has one eigenvalue, so its condition number is 1 "
                f"whatever kappa says (kappas {kappas}); allowed: dim >= 2, or kappas: [1]"
            )
        if spec["type"] == "logistic":
            n = spec["n_samples"]
            if n < dim:
                yield (
                    f"{where}.n_samples: {n} rows for dim {dim} features make the Hessian "
                    f"singular; allowed: n_samples >= dim ({dim})"
                )
            if spec["batch_size"] > n:
                yield (
                    f"{where}.batch_size: {spec['batch_size']} is more than n_samples {n}; "
                    f"allowed: 0 (full gradients) or an integer from 1 to {n}"
                )
        if isinstance(start, list) and len(start) != dim:
            yield (
                f"start: a fixed start has {len(start)} coordinates but objective {label!r} "
                f"has dim {dim}; allowed: 'random' or a list of {dim} numbers"
            )


def grid_values(spec: dict) -> list[float]:
    """The values of a grid generator ``{from, to, num, spacing: log|linear}``, rounded to 12
    significant digits (so that 0.1 * 3 names the file 0.3)."""
    lo, hi, num = float(spec["from"]), float(spec["to"]), int(spec["num"])
    if num == 1:
        values = np.array([lo])
    elif spec.get("spacing", "log") == "log":
        values = np.geomspace(lo, hi, num)
    else:
        values = np.linspace(lo, hi, num)
    return [float(f"{v:.12g}") for v in values]


def _expand_grids(config: dict) -> Iterable[str]:
    """Replace grid generators by their values (in place); one line per bad generator."""

    def expand(where, spec, beta=False):
        if not isinstance(spec, dict):
            return spec
        of = spec.get("of", "beta")
        if spec.get("spacing", "log") == "log" and min(spec["from"], spec["to"]) <= 0:
            problems.append(
                f"{where}: log spacing from {spec['from']:g} to {spec['to']:g} includes 0; "
                f"allowed: from and to > 0 with spacing: log, or spacing: linear"
            )
            return spec
        values = grid_values(spec)
        if beta and of == "one_minus_beta":
            values = [float(f"{1.0 - v:.12g}") for v in values]
        if beta and not all(0 <= v < 1 for v in values):
            problems.append(
                f"{where}: the grid gives betas {values}; allowed: betas in [0, 1) (with "
                f"of: one_minus_beta, from and to are 1 - beta, in (0, 1])"
            )
        if len(set(values)) != len(values):
            problems.append(
                f"{where}: the grid repeats values {values}; allowed: from != to when num > 1"
            )
        return sorted(values)

    problems: list[str] = []
    if isinstance(config["alphas"], dict):
        config["alphas"] = {m: expand(f"alphas.{m}", v) for m, v in config["alphas"].items()}
    config["betas"] = expand("betas", config["betas"], beta=True)
    return problems


def _gap_floor(obj) -> float:
    """The smallest gap f - f* resolves near the minimiser: f one ulp away from w*, per axis."""
    w = obj.minimizer
    steps = np.diag(np.spacing(np.abs(w)))
    W = np.concatenate([w[None], w + steps, w - steps])
    return float(np.max(np.abs(obj.value(W) - obj.fstar)))


def _rounding_problems(config: dict, label: str, spec: dict, key: str) -> Iterable[str]:
    """Random starts so close to a Rosenbrock minimiser that rounding decides convergence."""
    scale = spec.get("start_scale", config["start_scale"])
    tol = spec.get("tol", config["tol"])
    for kappa in sorted({float(k) for k in spec.get("kappas", config["kappas"])}):
        obj = make_objective(spec["type"], kappa)
        seeds = min(config["seeds"], 64)  # a sample of the starts is enough to see the scale
        S, _ = resolve_starts(obj, label, seeds=seeds, base_seed=config["seed"], scale=scale)
        smallest = float(np.min(obj.value(S) - obj.fstar))
        floor = _gap_floor(obj)
        if not tol * smallest > floor:
            yield (
                f"{key}: {scale:g} puts random starts so close to the minimiser of "
                f"objectives.{label} (kappa {fmt(kappa)}) that tol times the starting gap "
                f"({tol:g} x {smallest:.2g}) is below what f - f* resolves there in floating "
                f"point (about {floor:.1g}): rounding, not the method, would decide "
                f"convergence; allowed: a larger start_scale (about "
                f"{scale * math.sqrt(10 * floor / (tol * max(smallest, _TINY))):.0g} or more) "
                f"or a looser tol"
            )
            return


def _start_problems(config: dict) -> Iterable[str]:
    """A zero starting gap, where 'converged at iteration 0' means nothing: a fixed start at the
    minimiser, or random starts so close to it that tol times their gap underflows (quadratics:
    f is exact near its minimiser at 0) or drowns in rounding (Rosenbrock, checked on a sample of
    the very starts; logistic objectives are not checked: building one takes seconds)."""
    start = config["start"]
    if not isinstance(start, list):
        for label, spec in config["objectives"].items():
            scale = spec.get("start_scale", config["start_scale"])
            tol = spec.get("tol", config["tol"])
            key = f"objectives.{label}.start_scale" if "start_scale" in spec else "start_scale"
            if spec["type"] == "rosenbrock":
                yield from _rounding_problems(config, label, spec, key)
            elif scale * scale * tol < _TINY:  # the gap is about scale^2 mu d / 2, mu ~ 1
                yield (
                    f"{key}: {scale:g} puts random starts so close to the minimiser of "
                    f"objectives.{label} that tol ({tol:g}) times their starting gap (about "
                    f"start_scale^2) underflows to 0: every run would count as converged at "
                    f"iteration 0; allowed: start_scale >= {math.sqrt(_TINY / tol):.1g}"
                )
        return
    for label, spec in config["objectives"].items():
        for kappa in sorted({float(k) for k in spec.get("kappas", config["kappas"])}):
            options = {k: spec[k] for k in OBJECTIVE_OPTIONS[spec["type"]] if k in spec}
            obj = make_objective(spec["type"], kappa, **options)
            gap = float(obj.value(np.asarray([start], dtype=float))[0] - obj.fstar)
            if not gap > 0:
                yield (
                    f"start: {start} is the minimiser of objectives.{label} at kappa "
                    f"{fmt(kappa)} (starting gap {gap!r}): every run would count as converged "
                    f"at iteration 0; allowed: 'random' or a point away from the minimiser"
                )
                break


# ---------------------------------------------------------------------------------------------
# 4. size


def _job_memory(spec: dict, runs: int, curve_points: int, max_iter: int) -> float:
    """Rough peak bytes of one job: the engine's per-run arrays, the job's rows (about 1.2 KB a
    run) and the objective's own arrays; within 2x of tracemalloc's peak on the default study's
    quadratic jobs (quad50d: 7.4 MB estimated, 6.3 MB measured; quad2d: 2.3 and 3.5)."""
    d = _dim(spec)
    per_run = 8 * (10 * d + len(curve_iterations(max_iter, curve_points)) + 16) + 1200
    fixed = 0
    if spec["type"] == "quadratic" and spec.get("rotate"):
        fixed = 4 * 8 * d * d  # the rotation, its QR and the dense Hessian
    if spec["type"] == "logistic":
        n = spec["n_samples"]
        per_run += 8 * 3 * n + 8 * 2 * spec["batch_size"] * d
        fixed = 8 * 4 * n * d
    return runs * per_run + fixed


def _run_iteration_seconds(kind: str, dim: int, n_samples: int) -> float:
    """One run's iteration in a large batch, measured on one core of a 2-core machine (2026):
    about 40 ns + 11 ns per coordinate; a logistic one costs ~90 ns per feature and sample."""
    per = 90e-9 * n_samples if kind == "logistic" else 11e-9
    return 40e-9 + per * dim


REFINE_KEYS = ("rounds", "points", "centres")  # what bounds the refinement's size
REFINE_RANGES = {"rounds": (0, 20), "points": (1, 5), "centres": (1, 10)}  # the schema's


def refine_bound(config: dict) -> dict:
    """The refinement's size, an upper bound (it runs far fewer): per (objective, kappa,
    method) and round, each chain (one per cross-fitting fold that has seeds) proposes at most
    :func:`momentumlab.refine.max_points_per_round` new points. Returns the bound's factors
    (rounds, chains, points, centres; 0 rounds: refinement off) and per method its points per
    chain and round."""
    r = config.get("refine") or {}
    rounds = int(r.get("rounds", 3)) if r.get("enabled", True) else 0
    runs_per_point = 1 if isinstance(config["start"], list) else int(config["seeds"])
    folds = int((config.get("stats") or {}).get("folds", 2))
    points, centres = int(r.get("points", 2)), int(r.get("centres", 3))
    per_chain = {}
    for m in config["methods"]:
        axes = [len(method_alphas(config, m))]
        if METHODS[m].takes("beta"):
            axes.append(len(config["betas"]))
        per_chain[m] = max_points_per_round(points, centres, axes)
    return {
        "rounds": rounds, "chains": min(folds, runs_per_point), "points": points,
        "centres": centres, "per_chain_round": per_chain,
    }  # fmt: skip


def _n_jobs(points: int, ppj) -> int:
    """How many jobs ``points`` points make, cut by ``points_per_job`` (as ``study.shards``)."""
    if not points:
        return 0
    return 1 if ppj == "all" else math.ceil(points / min(ppj, points))


def study_size(config: dict) -> dict:
    """Simulations, jobs, the largest job and a worst-case time, counted without planning: the
    coarse grid's exactly (``simulations``, ``jobs``), the refinement's as an upper bound
    (``refined``: ``simulations``, ``jobs`` and the bound's factors, :func:`refine_bound`), and
    their sums (``total_simulations``, ``total_jobs``: what ``limits`` are checked against).
    ``largest`` and ``worst_seconds`` count refined jobs too."""
    ppj = config["points_per_job"]
    runs_per_point = 1 if isinstance(config["start"], list) else config["seeds"]
    bound = refine_bound(config)
    sims = jobs = r_sims = r_jobs = 0
    largest = {r: {"simulations": 0, "memory": 0.0} for r in (False, True)}  # refined?
    seconds = 0.0  # the worst case: every run to its budget
    for spec in config["objectives"].values():
        n_kappas = len(spec.get("kappas", config["kappas"]))
        max_iter = spec.get("max_iter", config["max_iter"])
        d = _dim(spec)
        cost = _run_iteration_seconds(spec["type"], d, spec.get("n_samples", 0))
        for m in config["methods"]:
            points = len(method_alphas(config, m)) * (
                len(config["betas"]) if METHODS[m].takes("beta") else 1
            )
            per_round = bound["chains"] * bound["per_chain_round"][m]  # new points, at most
            refined = bound["rounds"] * per_round
            sims += n_kappas * points * runs_per_point
            r_sims += n_kappas * refined * runs_per_point
            jobs += n_kappas * _n_jobs(points, ppj)
            sizes = [(points, False)]  # a job's points: the coarse grid's, a refined round's
            if bound["rounds"]:
                r_jobs += n_kappas * bound["rounds"] * _n_jobs(per_round, ppj)
                sizes.append((per_round, True))
            for n, is_refined in sizes:
                runs = (n if ppj == "all" else min(ppj, n)) * runs_per_point
                mem = _job_memory(spec, runs, config["curve_points"], max_iter)
                if mem > largest[is_refined]["memory"]:
                    largest[is_refined] = {"simulations": runs, "memory": mem}
            seconds += n_kappas * (points + refined) * runs_per_point * max_iter * cost
    refined_larger = largest[True]["memory"] > largest[False]["memory"]
    largest = {**largest[refined_larger], "refined": refined_larger}
    return {
        "simulations": sims, "jobs": jobs, "largest": largest, "worst_seconds": seconds,
        "refined": {"simulations": r_sims, "jobs": r_jobs, **bound},
        "total_simulations": sims + r_sims, "total_jobs": jobs + r_jobs,
    }  # fmt: skip


def _refined_text(size: dict) -> str:
    """How the refinement's upper bound is made, in the config's keys."""
    r = size["refined"]
    per = sorted(set(r["per_chain_round"].values()))
    per_text = f"{per[0]:,}" if len(per) == 1 else f"{per[0]:,} to {per[-1]:,}"
    return (
        f"refine.rounds {r['rounds']} x {r['chains']} chain(s) (stats.folds) x at most "
        f"{per_text} new points per chain and round (refine.centres {r['centres']}, "
        f"refine.points {r['points']}) per objective, kappa and method"
    )


def size_text(size: dict) -> str:
    big = size["largest"]
    r = size.get("refined") or {}
    which = "the largest job" + (" (a refined one, at most)" if big.get("refined") else "")
    if r.get("rounds"):
        counts = (
            f"{size['simulations']:,} coarse simulations in {size['jobs']:,} jobs, then at most "
            f"{r['simulations']:,} refined simulations in at most {r['jobs']:,} jobs (an upper "
            f"bound: {_refined_text(size)}; the refinement usually runs far fewer): at most "
            f"{size['total_simulations']:,} simulations in {size['total_jobs']:,} jobs"
        )
    else:
        counts = f"{size['simulations']:,} simulations in {size['jobs']:,} jobs"
    return (
        f"{counts}; {which} runs {big['simulations']:,} simulations in about "
        f"{_bytes(big['memory'])}; at most about {_duration(size['worst_seconds'])} of one core "
        f"if every run used its whole budget (most stop far sooner)"
    )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:,.0f} h"


def _bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return ""


def _limit_values(size: dict) -> dict:
    """What each limit is checked against: the coarse grid plus the refinement's bound."""
    return {
        "simulations": size["total_simulations"],
        "jobs": size["total_jobs"],
        "job_memory_gb": size["largest"]["memory"] / 1e9,
    }


def _refine_fits(config: dict, key: str, limits: dict) -> str:
    """``refine.<key>``: its largest value (the others as they are) within ``key``'s limit."""
    out = []
    for name in REFINE_KEYS:
        lo, hi = REFINE_RANGES[name]
        now = int(config["refine"][name])
        fits = [
            v for v in range(lo, now)
            if _limit_values(study_size({**config, "refine": {**config["refine"], name: v}}))[key]
            <= limits[key]
        ]  # fmt: skip
        out.append(f"refine.{name} <= {max(fits)}" if fits else f"no refine.{name} in [{lo}, {hi}]")
    return "; ".join(out)


def _limit_problems(config: dict, size: dict) -> Iterable[str]:
    limits = config["limits"]
    values = _limit_values(size)
    found = {
        "simulations": ("simulations", "fewer seeds, alphas, betas or kappas"),
        "jobs": ("simulation jobs", "a larger points_per_job"),
        "job_memory_gb": (
            "GB of memory for its largest job",
            "smaller jobs (points_per_job), a smaller dim",
        ),
    }
    refined = size["refined"]["rounds"] > 0
    for key in LIMIT_KEYS:
        what, smaller = found[key]
        value = values[key]
        if value <= limits[key]:
            continue
        shown = f"{value:,}" if isinstance(value, int) else f"{value:,.3g}"
        coarse = {"simulations": size["simulations"], "jobs": size["jobs"]}.get(key)
        if refined and coarse is not None:
            need = (
                f"{coarse:,} coarse {what} plus at most {size['refined'][key]:,} refined ones "
                f"(an upper bound), {shown} in all"
            )
        elif key == "job_memory_gb" and size["largest"].get("refined"):
            need = f"{shown} {what} (a refined job, at the refinement's upper bound)"
        else:
            need = f"{shown} {what}"
        allowed = f"a smaller study ({smaller})"
        if refined and (coarse is None or coarse <= limits[key]):
            allowed = (
                f"a smaller refinement ({_refine_fits(config, key, limits)}: each keeps it "
                f"within the limit, the other keys as they are; or refine.enabled: false), "
                f"{allowed}"
            )
        yield (
            f"limits.{key}: the study needs {need}, more than the limit {limits[key]:,} (the "
            f"plan: {size_text(size)}); allowed: {allowed}, or a larger limits.{key} if you "
            f"mean it"
        )


def _gd_budget_warnings(config: dict) -> list[str]:
    """Where theory says GD cannot reach tol within max_iter even at its best step."""
    if "gd" not in config["methods"]:
        return []
    out = []
    for label, spec in config["objectives"].items():
        tol = spec.get("tol", config["tol"])
        max_iter = spec.get("max_iter", config["max_iter"])
        for kappa in sorted(float(k) for k in spec.get("kappas", config["kappas"])):
            need = theory.gd_optimal(1.0, kappa).iterations(tol)
            if need > max_iter:
                key = f"objectives.{label}.max_iter" if "max_iter" in spec else "max_iter"
                out.append(
                    f"objectives.{label} at kappa {fmt(kappa)}: GD needs about {need:,.0f} "
                    f"iterations to reach tol {tol:g} even at its best step 2/(L + mu) "
                    f"(theory: the gap shrinks by ((kappa - 1)/(kappa + 1))^2 per step near "
                    f"the minimiser), but the budget is {max_iter:,}: GD will be censored "
                    f"there and a speedup over it is only a lower bound; raise {key} to at "
                    f"least {math.ceil(need):,} to compare"
                )
    return out


# ---------------------------------------------------------------------------------------------


def load_study(
    raw: dict,
    *,
    source: str | Path | Iterable[str | Path] | None = None,
    schema: str | Path | dict | None = None,
) -> Plan:
    """A config as read (YAML/JSON data) -> its checked, defaulted :class:`Plan`.

    ``source``: the file(s) ``raw`` was read from, re-read strictly (duplicate keys, YAML 1.1
    surprises, tags, alias bombs). The returned plan holds the defaulted config (``.config``),
    its size (``.size``, ``.describe()``) and warnings (``.warnings``). Raises
    :class:`StudyConfigError` (a :class:`ConfigError`) listing every problem found.
    """
    if source is not None:
        for path in [source] if isinstance(source, str | Path) else source:
            check_source(path)
    if not isinstance(raw, dict):
        raise StudyConfigError([f"(top level): {type(raw).__name__}; allowed: a mapping"])
    problems = list(_value_problems(raw))
    if problems:
        raise StudyConfigError(problems)
    config = coerce_numbers(copy.deepcopy(raw))
    sources = [] if source is None else [source] if isinstance(source, str | Path) else source
    problems = list(_study_name_problems(config, [Path(p) for p in sources]))
    if problems:
        raise StudyConfigError(problems)
    schema = schema if isinstance(schema, dict) else load_schema(schema)
    errors = sorted(
        _validator(schema).iter_errors(config), key=lambda e: list(map(str, e.absolute_path))
    )
    if errors:
        raise StudyConfigError(_explain(e) for e in errors)
    problems = list(_expand_grids(config)) or list(_semantic_problems(config))
    if problems:
        raise StudyConfigError(problems)
    size = study_size(config)
    problems = list(_limit_problems(config, size)) or list(_start_problems(config))
    if problems:
        raise StudyConfigError(problems)
    result = plan(config)
    bad = sorted(
        {f"{j.path}: {why}" for j in result.jobs if (why := job_name_problem(**j.wildcards))}
    )
    if bad:
        raise StudyConfigError(
            f"the job {b} (the rule's wildcard pattern); allowed: labels and numbers whose "
            f"names match it in full"
            for b in bad
        )
    result.config = config
    result.size = size
    result.warnings = _gd_budget_warnings(config)
    return result


def load_file(path: str | Path, *, schema=None) -> Plan:
    """Read one config file strictly and load it, as the workflow would."""
    return load_study(check_source(path), source=path, schema=schema)


__all__ = [
    "MAX_VALUES",
    "SCHEMA_PATH",
    "StudyConfigError",
    "check_source",
    "coerce_numbers",
    "label_problem",
    "load_file",
    "load_study",
    "refine_bound",
    "size_text",
    "study_size",
]
