"""Bad configs are refused when the study loads: before any job runs, with a useful message.

Every case is the quick preset with one edit, written to a file and read back as Snakemake reads
it (its own ``load_configfile``), then given to :func:`momentumlab.config.load_study` with the
file as ``source``, exactly as ``workflow/rules/common.smk`` does. The message must name the
offending key and say what is allowed. A few cases, one per class of problem, are also run
through Snakemake end to end in a directory that holds a finished study: the run must be refused
at load time and nothing under ``results/`` may change (same files, bytes, modification times).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from snakemake.common.configfile import load_configfile
from workflow_helpers import QUICK, QUICK_DIR, ROOT, copy_workflow, snakemake

import momentumlab as ml
from momentumlab import theory
from momentumlab.config import MAX_VALUES, StudyConfigError, load_study
from momentumlab.naming import JOB_PATTERN, WILDCARDS, job_name_problem

QUICK_TEXT = (ROOT / QUICK).read_text()
QUICK_CFG = yaml.safe_load(QUICK_TEXT)
LINES = QUICK_TEXT.splitlines()
TOL_LINE = 1 + next(i for i, line in enumerate(LINES) if line.startswith("tol:"))


@dataclass(frozen=True)
class Case:
    id: str
    edit: Callable | None = None  # function(cfg) -> None, editing the quick preset in place
    expect: tuple[str, ...] = ()  # substrings the message must contain: the key, what is allowed
    text: Callable | None = None  # function(yaml text) -> text, for what a dict cannot say
    yaml_has: str = ""  # text the written file must hold (e.g. a number spelled `1e-3`)
    suffix: str = ".yaml"


def _set(path: str, value):
    """An edit that sets a dotted key path, e.g. ``objectives.quad2d.dim``."""

    def edit(cfg):
        *parents, last = path.split(".")
        node = cfg
        for p in parents:
            node = node[p]
        node[last] = value

    return edit


def _delete(path: str):
    def edit(cfg):
        *parents, last = path.split(".")
        node = cfg
        for p in parents:
            node = node[p]
        del node[last]

    return edit


def _rename_objective(old: str, new):
    def edit(cfg):
        cfg["objectives"] = {(new if k == old else k): v for k, v in cfg["objectives"].items()}

    return edit


def _replace(old: str, new: str):
    def text(t):
        assert old in t, f"{old!r} not in the preset"
        return t.replace(old, new, 1)

    return text


def _append(line: str):
    return lambda t: t + line


NAN, INF = math.nan, math.inf

# The first round: unknown keys, wrong types, out-of-range and duplicated values.
CASES = [
    Case(
        "unknown-top-level-key",
        _set("learning_rate", 0.1),
        ("learning_rate: unknown key", "allowed keys: ", "kappas"),
    ),
    Case(
        "unknown-objective-key",
        _set("objectives.quad2d.dimension", 2),
        (
            "objectives.quad2d.dimension: unknown key",
            "allowed keys in objectives.quad2d",
            "spectrum",
        ),
    ),
    Case(
        "unknown-objective-type",
        _set("objectives.quad2d.type", "quartic"),
        ("objectives.quad2d.type", "quartic", "quadratic, rosenbrock, logistic"),
    ),
    Case(
        "unknown-method",
        _set("methods", ["gd", "momentum", "adam"]),
        ("methods[2]", "adam", "gd, momentum, heavy_ball, nesterov"),
    ),
    Case("kappa-below-1", _set("kappas", [0.5, 100]), ("kappas[0]", "0.5", ">= 1")),
    Case("alpha-zero-list", _set("alphas", [0, 1, 2]), ("alphas[0]", "> 0")),
    Case(
        "alpha-negative-mapping",
        _set("alphas.momentum", [-1, 3, 10]),
        ("alphas.momentum[0]", "-1", "> 0"),
    ),
    Case(
        "alphas-unknown-method-key",
        _set("alphas.adam", [1, 2]),
        ("alphas", "'adam'", "default, gd, momentum, heavy_ball, nesterov"),
    ),
    Case(
        "method-without-alphas",
        _delete("alphas.heavy_ball"),
        ("alphas", "heavy_ball", "alphas.heavy_ball", "alphas.default"),
    ),
    Case("beta-one", _set("betas", [0.5, 0.9, 1.0]), ("betas[2]", "1.0", "[0, 1)")),
    Case("beta-negative", _set("betas", [-0.1, 0.5]), ("betas[0]", "-0.1", "[0, 1)")),
    Case("empty-kappas", _set("kappas", []), ("kappas", "non-empty")),
    Case("empty-methods", _set("methods", []), ("methods", "non-empty")),
    Case("empty-betas", _set("betas", []), ("betas", "non-empty")),
    Case("empty-alphas-list", _set("alphas", []), ("alphas", "non-empty")),
    Case("empty-alphas-of-a-method", _set("alphas.gd", []), ("alphas.gd", "non-empty")),
    Case("kappas-a-string", _set("kappas", "10, 100"), ("kappas", "'10, 100'", "list")),
    Case("seeds-a-float", _set("seeds", 2.5), ("seeds", "2.5", "not an integer", "integer >= 1")),
    Case("seeds-text", _set("seeds", "ten"), ("seeds", "'ten'", "integer >= 1")),
    Case(
        "rotate-text",
        _set("objectives.quad2d.rotate", "yes"),
        ("objectives.quad2d.rotate", "'yes'", "true or false"),
    ),
    Case("tol-zero", _set("tol", 0), ("tol", "(0, 1)")),
    Case("tol-one", _set("tol", 1), ("tol", "(0, 1)")),
    Case(
        "objective-tol-negative",
        _set("objectives.rosenbrock.tol", -1e-6),
        ("objectives.rosenbrock.tol", "(0, 1)"),
    ),
    Case("max-iter-zero", _set("max_iter", 0), ("max_iter", "integer >= 1")),
    Case(
        "objective-max-iter-negative",
        _set("objectives.rosenbrock.max_iter", -5),
        ("objectives.rosenbrock.max_iter", "integer >= 1"),
    ),
    Case(
        "kappas-duplicated",
        _set("kappas", [10, 100, 10]),
        ("kappas", "[10] given more than once", "distinct"),
    ),
    Case(
        # YAML reads a bare 1e-3 as text; loading turns it into the number 0.001
        "alphas-duplicated-by-spelling",
        _set("alphas.gd", [0.001, "1e-3", 1.0]),
        ("alphas.gd", "[0.001] given more than once", "distinct"),
        yaml_has="- 1e-3\n",
    ),
    Case(
        "kappas-duplicated-by-spelling",
        _set("kappas", [10, "1e1"]),
        ("kappas", "[10", "more than once", "distinct"),
        yaml_has="- 1e1\n",
    ),
    Case(
        "betas-duplicated",
        _set("betas", [0.5, 0.9, 0.90]),
        ("betas", "[0.9] given more than once", "distinct"),
    ),
    Case(
        "alphas-duplicated-list",
        _set("alphas", [1, 2, 1.0]),
        ("alphas", "[1] given more than once", "distinct"),
    ),
    Case(
        "start-wrong-dimension",
        _set("start", [1.0, 1.0, 1.0]),
        ("start", "3 coordinates", "dim 2", "'random' or a list of 2 numbers"),
    ),
    Case(
        "refine-unknown-key",
        _set("refine", {"round": 3}),
        ("refine.round", "unknown key", "centres, enabled, extend_factor, points, rounds"),
    ),
    Case(
        "refine-rounds-negative",
        _set("refine", {"rounds": -1}),
        ("refine.rounds", "integer in [0, 20]"),
    ),
    Case(
        "refine-stop-fraction-one",
        _set("refine", {"stop_fraction": 1.0}),
        ("refine.stop_fraction", "[0, 1)"),
    ),
    Case(
        "refine-extend-below-one",
        _set("refine", {"extend_factor": 0.5}),
        ("refine.extend_factor", "a number >= 1"),
    ),
    Case(
        "grid-unknown-key",
        _set("alphas.gd", {"from": 0.5, "to": 2, "num": 4, "step": 2}),
        ("alphas.gd.step", "unknown key", "from, num, spacing, to"),
    ),
    Case(
        "grid-bad-spacing",
        _set("alphas.gd", {"from": 0.5, "to": 2, "num": 4, "spacing": "cubic"}),
        ("alphas.gd.spacing", "log", "linear"),
    ),
    Case(
        "grid-num-zero",
        _set("alphas.gd", {"from": 0.5, "to": 2, "num": 0}),
        ("alphas.gd.num", "integer in [1, 1000]"),
    ),
    Case(
        "grid-repeats",
        _set("alphas.gd", {"from": 2, "to": 2, "num": 3}),
        ("alphas.gd", "repeats", "from != to"),
    ),
    Case(
        "beta-grid-log-from-zero",
        _set("betas", {"from": 0, "to": 0.9, "num": 4}),
        ("betas", "log spacing", "spacing: linear"),
    ),
    Case(
        "beta-grid-one-minus-gives-one",
        _set(
            "betas", {"from": 0.5, "to": 0, "num": 3, "spacing": "linear", "of": "one_minus_beta"}
        ),
        ("betas", "betas in [0, 1)", "one_minus_beta"),
    ),
    Case(
        "beta-grid-bad-of",
        _set("betas", {"from": 0.5, "to": 0.9, "num": 3, "of": "gap"}),
        ("betas.of", "beta", "one_minus_beta"),
    ),
    Case(
        "momentum-step-unknown",
        _set("momentum_step", "eff"),
        ("momentum_step", "alpha", "effective"),
    ),
    Case(
        "points-per-job-zero",
        _set("points_per_job", 0),
        ("points_per_job", "'all'", "integer >= 1"),
    ),
    Case(
        "objective-label-with-slash",
        _rename_objective("quad2d", "quad/2d"),
        ("objectives", "'quad/2d'", "letters, digits"),
    ),
    Case(
        "objective-label-with-space",
        _rename_objective("quad2d", "quad 2d"),
        ("objectives", "'quad 2d'", "letters, digits"),
    ),
    Case(
        "rosenbrock-dim-3",
        _set("objectives.rosenbrock.dim", 3),
        ("objectives.rosenbrock.dim", "3", "2 (Rosenbrock is 2-D)"),
    ),
    Case(
        "spectrum-flat",
        _set("objectives.quad2d.spectrum", "flat"),
        ("objectives.quad2d.spectrum", "'flat'", "two_point, logspace, uniform"),
    ),
    Case("objectives-empty", _set("objectives", {}), ("objectives", "{}", "non-empty")),
]

FINITE = "is not a finite number"
# Issue 15, one block per defect class, each as a user would write it.
CASES += [
    # 1. non-finite numbers: YAML .nan/.inf, 1e400, JSON NaN/Infinity, an int beyond any float
    Case("betas-nan", _set("betas", [NAN, 0.5]), ("betas[0]", FINITE, "[0, 1)"), yaml_has=".nan"),
    Case("noise-nan", _set("objectives.quad2d.noise", NAN), ("objectives.quad2d.noise", FINITE)),
    Case("start-scale-inf", _set("start_scale", INF), ("start_scale", FINITE, "a number > 0")),
    Case("tol-nan", _set("tol", NAN), ("tol", FINITE, "(0, 1)")),
    Case("alphas-nan", _set("alphas.gd", [NAN]), ("alphas.gd[0]", FINITE, "> 0")),
    Case("confidence-nan", _set("stats.confidence", NAN), ("stats.confidence", FINITE, "(0, 1)")),
    Case("kappas-inf", _set("kappas", [10, INF]), ("kappas[1]", FINITE, ">= 1")),
    Case(
        "kappa-1e400",
        text=_replace("kappas: [10, 100]", "kappas: [10, 1e400]"),
        expect=("kappas[1]", FINITE, ">= 1"),
    ),
    Case(
        "max-iter-beyond-any-float",
        text=_replace("max_iter: 20000\n", "max_iter: 1" + "0" * 400 + "\n"),
        expect=("max_iter", FINITE, "integer >= 1"),
    ),
    Case(
        "json-nan",
        text=lambda t: json.dumps({**yaml.safe_load(t), "tol": NAN}),
        expect=("tol", FINITE),
        yaml_has="NaN",
        suffix=".json",
    ),
    Case(
        "json-infinity",
        text=lambda t: json.dumps({**yaml.safe_load(t), "kappas": [10, INF]}),
        expect=("kappas[1]", FINITE),
        yaml_has="Infinity",
        suffix=".json",
    ),
    # 2 and 3. labels that are not text, do not survive the tables or match no job pattern
    Case(
        "label-on",
        text=_replace("  quad2d:", "  on:"),
        expect=("objectives", "the key on", "boolean", 'quote it ("on")'),
    ),
    Case("label-yes", text=_replace("  quad2d:", "  yes:"), expect=("the key yes", "boolean")),
    Case("label-tilde", text=_replace("  quad2d:", "  ~:"), expect=("the key ~", "null")),
    Case("label-123", text=_replace("  quad2d:", "  123:"), expect=("the key 123", "int")),
    Case(
        "label-quoted-True",
        _rename_objective("quad2d", "True"),
        ("objectives", "'True'", "read back as a boolean"),
    ),
    Case("label-nan", _rename_objective("quad2d", "nan"), ("'nan'", "a number", "letters")),
    Case("label-inf", _rename_objective("quad2d", "inf"), ("'inf'", "read back")),
    Case("label-true", _rename_objective("quad2d", "true"), ("'true'", "read back")),
    Case(
        "label-300-characters",
        _rename_objective("quad2d", "q" * 300),
        ("objectives", "300 characters, more than 64"),
    ),
    Case(
        "label-trailing-newline",  # a pattern ending in `$` would let it through
        _rename_objective("quad2d", "quad2d\n"),
        ("objectives", "'quad2d\\n'", "letters, digits"),
    ),
    # 5. integral floats where an integer is declared: cast when integral, else refused
    Case("dim-2.5", _set("objectives.quad2d.dim", 2.5), ("objectives.quad2d.dim", "2.5")),
    Case(
        "points-per-job-2.5",
        _set("points_per_job", 2.5),
        ("points_per_job", "2.5", "'all'", "integer >= 1"),
    ),
    # 6. a 1-D quadratic has no condition number to speak of
    Case(
        "quadratic-dim-1",
        _set("objectives.quad2d.dim", 1),
        ("objectives.quad2d.dim", "1-D quadratic", "kappas [10, 100]", "dim >= 2"),
    ),
    # 7. duplicate keys, with both line numbers
    Case(
        "duplicate-tol",
        text=_append("tol: 1.0e-3\n"),
        expect=("tol: given twice", f"lines {TOL_LINE} and {len(LINES) + 1}", "each key once"),
    ),
    Case(
        "duplicate-objective",
        text=_replace("  rosenbrock:", "  quad2d:"),
        expect=("objectives.quad2d: given twice", "lines 6 and 7"),
    ),
    Case(
        "duplicate-key-in-json",
        text=lambda t: json.dumps(yaml.safe_load(t), indent=1)[:-2] + ',\n "seeds": 5\n}',
        expect=("seeds: given twice", "bad.json lines"),
        suffix=".json",
    ),
    # 8. size: refused above the limits (raise limits.* to mean it), before any planning
    Case(
        "seeds-1e9",
        _set("seeds", 10**9),
        (
            "limits.simulations: the study needs 112,000,000,000 simulations, more than the limit "
            "5,000,000",
            "a larger limits.simulations",
        ),
    ),  # fmt: skip
    Case(
        "rotated-dim-100000",
        _set("objectives.quad2d", {"type": "quadratic", "dim": 100_000, "rotate": True}),
        (
            "limits.job_memory_gb",
            "GB of memory for its largest job",
            "a larger limits.job_memory_gb",
        ),
    ),
    Case(
        "a-million-points-one-per-job",
        lambda c: c.update(
            alphas=[1 + i / 1000 for i in range(1000)],
            betas=[i / 1000 for i in range(1000)],
            points_per_job=1,
        ),
        ("limits.jobs: the study needs 8,004,000 simulation jobs, more than the limit 20,000",),
    ),
    # the refinement counts at its upper bound: 4 (objective, kappa) x 3 rounds x 2 chains x
    # (15 gd + 105 momentum + 105 heavy_ball) new points x 4 seeds = 21,600 refined simulations
    Case(
        "refinement-above-the-simulation-limit",
        lambda c: c.update(
            refine={"rounds": 3, "points": 2, "centres": 3}, limits={"simulations": 10_000}
        ),
        (
            "limits.simulations: the study needs 448 coarse simulations plus at most 21,600 "
            "refined ones (an upper bound), 22,048 in all, more than the limit 10,000",
            "refine.rounds <= 1; refine.points <= 1; refine.centres <= 1",
            "refine.enabled: false",
            "a larger limits.simulations",
        ),
    ),  # fmt: skip
    Case(
        "refinement-above-the-job-limit",
        lambda c: c.update(refine={"rounds": 3}, limits={"jobs": 20}),
        (
            "limits.jobs: the study needs 12 coarse simulation jobs plus at most 36 refined ones",
            "refine.rounds <= 0; no refine.points in [1, 5]; no refine.centres in [1, 10]",
            "a larger limits.jobs",
        ),
    ),
    Case(
        "refined-jobs-above-the-memory-limit",  # a round's points may outnumber the coarse grid
        lambda c: c.update(refine={"points": 5, "centres": 10}, limits={"job_memory_gb": 0.005}),
        (
            "limits.job_memory_gb: the study needs 0.0205 GB of memory for its largest job (a "
            "refined job, at the refinement's upper bound), more than the limit 0.005",
            "refine.rounds <= 0; refine.points <= 1; refine.centres <= 2",
        ),
    ),  # fmt: skip
    # 9. the rest
    Case(
        "logistic-fewer-samples-than-features",
        _set("objectives.rosenbrock", {"type": "logistic", "dim": 5, "n_samples": 3}),
        ("objectives.rosenbrock.n_samples", "n_samples >= dim (5)"),
    ),
    Case(
        "logistic-batch-beyond-samples",
        _set(
            "objectives.rosenbrock",
            {"type": "logistic", "dim": 5, "n_samples": 20, "batch_size": 50},
        ),  # fmt: skip
        ("objectives.rosenbrock.batch_size", "more than n_samples 20", "from 1 to 20"),
    ),
    Case(
        "alias-bomb",
        text=lambda t: (
            t
            + "lol: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
            + "".join(
                f"l{i}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
            )
        ),  # fmt: skip
        expect=("expands to 1,234,567,9", "values, more than 100,000", "YAML aliases"),
    ),
    Case(
        "python-complex",
        text=_replace("seeds: 4", "seeds: !!python/complex 1+2j"),
        expect=("seeds (", "the tag !!python/complex is not allowed", "plain YAML"),
    ),
    Case(
        "sexagesimal",
        text=_replace("max_iter: 20000", "max_iter: 1:30"),
        expect=("max_iter (", "1:30 is a base-60 number in YAML 1.1 (90)", "write the number"),
    ),
    Case(
        "octal",
        text=_replace("seeds: 4", "seeds: 010"),
        expect=("seeds (", "010 is octal in YAML 1.1 (8) but 10 in YAML 1.2"),
    ),
    Case(
        "start-scale-underflows",
        _set("objectives.quad2d.start_scale", 1e-160),
        ("objectives.quad2d.start_scale: 1e-160", "underflows to 0", "start_scale >= 1e-142"),
    ),
    Case(
        "start-scale-below-rosenbrock-rounding",  # at 1e-12 every run is censored; 1e-16: k = 0
        _set("objectives.rosenbrock.start_scale", 1e-12),
        ("objectives.rosenbrock.start_scale: 1e-12", "(kappa 10)", "rounding, not the method"),
    ),
    Case(
        "start-at-the-minimiser",
        _set("start", [0.0, 0.0]),
        ("start", "minimiser of objectives.quad2d", "starting gap 0", "converged at iteration 0"),
    ),
    # the study name: a folder results/<study>/ (a default name comes from the file's stem)
    Case(
        "study-with-a-slash",
        _set("study", "a/b"),
        ("study: 'a/b'", "[A-Za-z0-9][A-Za-z0-9_-]{0,63}"),
    ),
    Case("study-dot-dot", _set("study", ".."), ("study: '..'", "starting with a letter or digit")),
    Case("study-empty", _set("study", ""), ("study: ''", "at most 64 characters")),
    Case("study-too-long", _set("study", "s" * 65), ("study: 'sss", "at most 64 characters")),
    Case("study-cache", _set("study", "cache"), ("study: 'cache'", "reserved", "results/cache/")),
    Case("study-Compare", _set("study", "Compare"), ("study: 'Compare'", "reserved")),
    Case("study-a-number", _set("study", 12), ("study: 12", "not text", "quote it")),
    Case("study-a-list", _set("study", ["a"]), ("study: ['a']", "not text")),
    Case(
        "study-default-from-a-dotted-file-name",
        _delete("study"),
        ("study: 'bad.v2' (the default: the name of", "bad.v2.yaml", "set study: in the config"),
        suffix=".v2.yaml",
    ),
]


def write_case(tmp_path: Path, case: Case) -> Path:
    edited = copy.deepcopy(QUICK_CFG)
    if case.edit:
        case.edit(edited)
        assert edited != QUICK_CFG, f"{case.id}: the edit changed nothing"
    text = yaml.safe_dump(edited, sort_keys=False) if case.edit else (ROOT / QUICK).read_text()
    if case.text:
        text = case.text(text)
    assert case.yaml_has in text, f"{case.id}: {case.yaml_has!r} not in\n{text}"
    path = tmp_path / f"bad{case.suffix}"
    path.write_text(text)
    return path


def load_as_the_workflow_does(path: Path):
    raw = None
    try:
        raw = load_configfile(str(path))  # what Snakemake gives the Snakefile as `config`
    except Exception as exc:  # Snakemake refuses some files itself
        pytest.fail(f"snakemake could not read {path}: {exc}")
    return load_study(raw, source=path)


def test_the_cases_are_distinct_and_many():
    assert len(CASES) >= 70
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_refused_naming_the_key_and_what_is_allowed(tmp_path, case):
    path = write_case(tmp_path, case)
    with pytest.raises(StudyConfigError) as info:
        load_as_the_workflow_does(path)
    message = str(info.value)
    assert message.startswith("Invalid study config:\n  - "), message
    assert "allowed" in message, message
    for text in case.expect:
        assert text in message, f"{case.id}: {text!r} not in the message:\n{message}"


def test_the_rounding_check_matches_what_the_engine_does():
    # where loading refuses a Rosenbrock start_scale, rounding decides; where it accepts, not
    runs = {
        s: ml.simulate("rosenbrock", "gd", kappa=10, alpha=1, alpha_unit="inv_L", seeds=4,
                       start_scale=s, max_iter=2000)
        for s in (1e-10, 1e-12, 1e-16)
    }  # fmt: skip
    assert {r.status for r in runs[1e-12]} == {"max_iter"}  # the gap never gets below tol
    assert min(r.iterations for r in runs[1e-16]) == 0  # "converged" at once
    assert [r.iterations for r in runs[1e-10]] == [
        r.iterations for r in ml.simulate("rosenbrock", "gd", kappa=10, alpha=1,
                                          alpha_unit="inv_L", seeds=4, start_scale=1e-4,
                                          max_iter=2000)
    ]  # fmt: skip
    cfg = copy.deepcopy(QUICK_CFG)
    cfg["objectives"]["rosenbrock"]["start_scale"] = 1e-10
    load_study(cfg)  # accepted
    for s in (1e-12, 1e-16):
        cfg["objectives"]["rosenbrock"]["start_scale"] = s
        with pytest.raises(StudyConfigError, match="rounding, not the method"):
            load_study(cfg)


def test_the_study_name_defaults_to_the_config_file_stem(tmp_path):
    cfg = copy.deepcopy(QUICK_CFG)
    assert cfg["study"] == "quick"  # each preset names its own study
    del cfg["study"]
    path = tmp_path / "my_run-2.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert load_as_the_workflow_does(path).study == "my_run-2"
    assert load_study(copy.deepcopy(cfg)).study == "default"  # no file: "default"
    cfg["study"] = "2024-06_check"  # digits first are fine, and it stays text
    assert load_study(cfg).config["study"] == "2024-06_check"


def test_the_quick_preset_itself_is_accepted(tmp_path):
    plan = load_as_the_workflow_does(ROOT / QUICK)
    assert len(plan.jobs) == 12 and plan.n_simulations == 448
    assert plan.config["seeds"] == 4 and plan.config["curve_points"] == 40  # a default filled
    assert "Study plan: 448 simulations in 12 jobs" in plan.describe()


# Casts: integral floats (2.0, 1e1, "5") become the integers they spell.


@pytest.mark.parametrize(
    "written, value", [("2.0", 2), ("1e1", 10), ('"5"', 5), ("1.0e+1", 10), ("7", 7)]
)
def test_integral_numbers_are_cast_where_an_integer_is_declared(tmp_path, written, value):
    text = (ROOT / QUICK).read_text() + f"points_per_job: {written}\n"
    text = text.replace("dim: 2, spectrum", f"dim: {written}, spectrum")
    (tmp_path / "c.yaml").write_text(text)
    plan = load_as_the_workflow_does(tmp_path / "c.yaml")
    ppj = plan.config["points_per_job"]
    assert ppj == value and type(ppj) is int
    dim = plan.config["objectives"]["quad2d"]["dim"]
    assert dim == value and type(dim) is int
    # the plan splits by the integer: ceil(points / value) jobs for a method of 16 points
    momentum = [j for j in plan.jobs if j.method == "momentum" and j.objective == "rosenbrock"]
    assert len(momentum) == 2 * math.ceil(12 / value)


def test_an_objective_named_title_is_coerced_like_any_other(tmp_path):
    cfg = copy.deepcopy(QUICK_CFG)
    cfg["objectives"] = {"title": {"type": "quadratic", "tol": "1e-3"}}
    plan = load_study(cfg)
    assert plan.config["objectives"]["title"]["tol"] == 0.001
    assert plan.config["title"] == QUICK_CFG["title"]  # the top-level title stays text
    assert load_study({**cfg, "title": "1e3"}).config["title"] == "1e3"


def test_problems_are_all_listed_at_once():
    cfg = {**copy.deepcopy(QUICK_CFG), "tol": NAN, "seeds": 0, "learning_rate": 1}
    with pytest.raises(StudyConfigError) as info:
        load_study(cfg)
    assert len(info.value.problems) == 3, info.value.problems


def test_raising_a_limit_lets_a_large_study_through():
    cfg = {**copy.deepcopy(QUICK_CFG), "seeds": 10**9}
    with pytest.raises(StudyConfigError, match="limits.simulations"):
        load_study(cfg)
    plan = load_study({**cfg, "limits": {"simulations": 10**12, "job_memory_gb": 10**5}})
    assert plan.n_simulations == 448 // 4 * 10**9


def test_the_plan_counts_the_refinement_at_its_upper_bound():
    refined = {**copy.deepcopy(QUICK_CFG), "refine": {"rounds": 3, "points": 2, "centres": 3}}
    off = load_study(copy.deepcopy(QUICK_CFG))
    on = load_study(refined)
    assert off.size["refined"]["simulations"] == 0
    assert off.describe().startswith("Study plan: 448 simulations in 12 jobs;")
    assert on.n_simulations == off.n_simulations == on.size["simulations"] == 448
    assert on.size["refined"]["simulations"] == 21_600
    assert on.size["total_simulations"] == 22_048
    assert on.size["refined"]["jobs"] == 36  # 12 (objective, kappa, method) x 3 rounds
    assert (
        "448 coarse simulations in 12 jobs, then at most 21,600 refined simulations in at most "
        "36 jobs (an upper bound" in on.describe()
    ), on.describe()
    # the limit holds the sum: at it the study loads, one below it is refused
    load_study({**copy.deepcopy(refined), "limits": {"simulations": 22_048}})
    with pytest.raises(StudyConfigError, match="limits.simulations"):
        load_study({**copy.deepcopy(refined), "limits": {"simulations": 22_047}})
    # cut by points_per_job: a round's 30 (gd) or 210 new points at most make 6 or 42 jobs
    cut = load_study({**copy.deepcopy(refined), "points_per_job": 5})
    assert cut.size["jobs"] == len(cut.jobs) == 4 * (1 + 3 + 3)
    assert cut.size["refined"]["jobs"] == 4 * 3 * (6 + 42 + 42)
    assert cut.size["largest"] == {"simulations": 20, "memory": cut.size["largest"]["memory"],
                                   "refined": False}  # fmt: skip
    # the same limit with the refinement off: the coarse grid alone fits
    load_study({**copy.deepcopy(QUICK_CFG), "limits": {"simulations": 448}})


def test_the_manifest_records_the_plans_size_and_what_ran(tmp_path):
    from momentumlab.studies import planned_size

    cfg = {**copy.deepcopy(QUICK_CFG), "refine": {"rounds": 3, "points": 2, "centres": 3}}
    config = load_study(cfg).config
    assert planned_size(config, tmp_path)["simulations"] is None  # no table: nothing ran
    (tmp_path / "simulations.csv").write_text("objective,seed\nq,0\nq,1\nq,2\n")
    assert planned_size(config, tmp_path) == {
        "coarse_simulations": 448, "coarse_jobs": 12, "refined_simulations_at_most": 21_600,
        "refined_jobs_at_most": 36, "simulations": 3,
    }  # fmt: skip


@pytest.mark.parametrize(
    "name", ["config.yaml", *sorted(p.name for p in (ROOT / "config" / "presets").glob("*.yaml"))]
)
def test_every_shipped_config_fits_its_limits_with_the_refinements_bound(name):
    path = ROOT / "config" / ("" if name == "config.yaml" else "presets") / name
    plan = ml.config.load_file(path)
    assert plan.size["total_simulations"] <= plan.config["limits"]["simulations"]


def test_every_planned_job_fully_matches_the_rules_wildcards():
    plan = load_study(load_configfile(str(ROOT / "config" / "config.yaml")))
    for job in plan.jobs:
        parts = job.wildcards
        assert set(parts) == set(WILDCARDS) and JOB_PATTERN.format(**parts) == job.path
        assert job_name_problem(**parts) is None, job.path
    # a full match: a trailing newline or an infinite kappa's text is refused
    assert job_name_problem(objective="quad2d\n")
    assert job_name_problem(kappa="inf")
    assert job_name_problem(shard="all\n")
    assert job_name_problem(key="abc")  # a content key is 12 hex digits
    common = (ROOT / "workflow" / "rules" / "common.smk").read_text()
    assert "wildcard_constraints:\n    **WILDCARDS," in common  # the rules use the same patterns


# The GD budget warning (issue 10): theory's iterations at GD's best step versus max_iter.


def test_warns_when_gd_cannot_reach_tol_within_the_budget():
    need = math.log(1e-6) / (2 * math.log(99 / 101))  # quad2d at kappa 100, optimal step
    assert math.ceil(need) == 346
    cfg = {**copy.deepcopy(QUICK_CFG), "kappas": [100], "max_iter": 300}
    cfg["objectives"] = {"quad2d": QUICK_CFG["objectives"]["quad2d"]}
    (warning,) = load_study(cfg).warnings
    assert "objectives.quad2d at kappa 100" in warning and "about 345 iterations" in warning
    assert "budget is 300" in warning and "raise max_iter to at least 346" in warning
    # the warning is right: GD at its best step is censored at 300 and converges by 346
    lone = ml.simulate("quadratic", "gd", kappa=100, alpha=2 / 101, starts=[1, 1], max_iter=300)
    assert lone[0].status == "max_iter"
    enough = ml.simulate("quadratic", "gd", kappa=100, alpha=2 / 101, starts=[1, 1], max_iter=346)
    assert enough[0].status == "converged"
    assert load_study({**cfg, "max_iter": 346}).warnings == []
    assert load_study({**cfg, "methods": ["momentum", "heavy_ball"]}).warnings == []


def test_the_default_study_warns_exactly_where_gd_would_be_censored():
    plan = load_study(load_configfile(str(ROOT / "config" / "config.yaml")))
    need = theory.gd_optimal(1.0, 1e4).iterations(1e-6)
    assert 34_000 < need < 35_000
    budgets = {
        (label, float(k)): spec.get("max_iter", plan.config["max_iter"])
        for label, spec in plan.config["objectives"].items()
        for k in spec.get("kappas", plan.config["kappas"])
    }
    short = {key for key, b in budgets.items() if theory.gd_optimal(1.0, key[1]).iterations(
        spec_tol(plan.config, key[0])) > b}  # fmt: skip
    assert len(plan.warnings) == len(short)
    for label, kappa in short:
        assert any(f"objectives.{label} at kappa {kappa:g}" in w for w in plan.warnings)


def spec_tol(config, label):
    return config["objectives"][label].get("tol", config["tol"])


def test_a_million_alphas_are_refused_before_the_schema_walks_them():
    # (as a file, reading 10^6 values is YAML's own cost, seconds, before the workflow's code)
    cfg = {**copy.deepcopy(QUICK_CFG), "alphas": [1.0 + i for i in range(10**6)]}
    with pytest.raises(StudyConfigError) as info:
        load_study(cfg)
    assert "the config holds 1,000,0" in str(info.value)  # counted, then refused
    assert f"more than {MAX_VALUES:,}" in str(info.value)
    assert "(top level)" in str(info.value)


# End to end: one case per class through Snakemake, in a directory holding a finished study.

E2E = {
    "unknown-top-level-key": "a schema error",
    "betas-nan": "a non-finite number",
    "kappas-inf": "a kappa whose job name would match no rule",
    "label-on": "a label that is not text",
    "seeds-1e9": "a study above the size limit",
    "refinement-above-the-simulation-limit": "a refinement whose upper bound breaks a limit",
    "duplicate-tol": "a duplicate key",
    "study-with-a-slash": "a study name that is not a safe folder",
}


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under results/: its modification time (ns) and its bytes."""
    results = root / "results"
    return {
        str(p.relative_to(results)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(results.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A workflow copy holding the results of one successful quick run."""
    root = copy_workflow(tmp_path_factory.mktemp("bad_configs") / "study")
    snakemake(root, f"{QUICK_DIR}/tables/simulations.csv", "--cores", "2", "--configfile", QUICK)
    before = snapshot(root)
    assert any(k.startswith("cache/sims/") for k in before)
    assert "quick/tables/simulations.csv" in before
    return root, before


@pytest.mark.workflow
@pytest.mark.parametrize("case", [c for c in CASES if c.id in E2E], ids=lambda c: c.id)
def test_snakemake_refuses_before_any_job_and_results_stay(study, case, tmp_path):
    root, before = study
    path = write_case(root / "config", case)
    proc = snakemake(root, "--cores", "1", "--configfile", str(path.relative_to(root)), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"{case.id}: snakemake accepted it:\n{out}"
    assert "Invalid study config" in out, out
    # refused while loading: no job was scheduled, let alone run ("Nothing to be done" neither)
    assert "Building DAG" not in out and "rule simulate" not in out, out
    assert "Nothing to be done" not in out, out
    for text in case.expect:
        assert text in out, f"{case.id}: {text!r} not in the message:\n{out}"
    after = snapshot(root)
    assert after.keys() == before.keys(), f"{case.id}: files under results/ came or went"
    changed = [k for k in before if after[k] != before[k]]
    assert not changed, f"{case.id}: changed under results/: {changed}"


@pytest.mark.workflow
def test_snakemake_prints_the_plan_size_and_accepts_the_preset(study):
    root, before = study
    proc = snakemake(root, "-n", f"{QUICK_DIR}/tables/simulations.csv", "--configfile", QUICK)
    out = proc.stdout + proc.stderr
    assert "Study plan: 448 simulations in 12 jobs; the largest job runs 48" in out, out
    assert "Nothing to be done" in out
    assert snapshot(root) == before


@pytest.mark.parametrize("label", ["quad2d", "quad50d"])
def test_the_job_memory_estimate_is_within_2x_of_the_traced_peak(label):
    import dataclasses
    import tracemalloc

    from momentumlab.config import _job_memory
    from momentumlab.study import simulate_job

    plan = load_study(load_configfile(str(ROOT / "config" / "config.yaml")))
    job = next(j for j in plan.jobs if j.objective == label and j.method == "heavy_ball")
    job = dataclasses.replace(job, kappa=100.0, max_iter=300)  # a short budget: same arrays
    estimate = _job_memory(plan.config["objectives"][label], job.n_simulations, 40, 300)
    tracemalloc.start()
    try:
        simulate_job(job)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert job.n_simulations == 1296
    assert peak / 2 < estimate < 2 * peak, (estimate, peak)
