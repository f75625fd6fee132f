"""Incremental per objective (issue 13): an objective's refinement, gather, statistics and
figures depend on its own jobs only, and the cheap combine writes the very bytes one
whole-study gather, summarise and refinement write.

The first tests run the library functions the rules call, on a three-objective study with
refinement (one of them stochastic, so the noise table has rows): the per-objective route
(``pipeline.refine_round`` per objective and round, ``jobfiles.gather_jobs`` and
``pipeline.summarise_tables(adjust=False)`` per objective, then ``pipeline.combine_tables``)
against the whole-study route the workflow took before (one ``refine.run_round`` over every
objective, one gather of every job file in the study's order, ``stats.summarise`` of every
row). The last test runs the workflow: changing one objective reruns that objective's jobs,
the combine, the study figures and the report, and never another objective's figures.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from workflow_helpers import copy_workflow, snakemake

from momentumlab import catalogue, pipeline, refine, stats
from momentumlab.config import load_study
from momentumlab.jobfiles import CorruptJobError, expectation, gather_jobs
from momentumlab.study import gather, run_job
from momentumlab.tables import write_csv

STUDY = {
    "study": "inc",
    "objectives": {
        "bowl": {"type": "quadratic", "dim": 2, "spectrum": "two_point"},
        "wide": {"type": "quadratic", "dim": 5, "spectrum": "logspace", "max_iter": 4000},
        "noisy": {
            "type": "logistic",
            "dim": 3,
            "n_samples": 24,
            "batch_size": 6,
            "kappas": [10, 100],
            "max_iter": 400,
            "tol": 1e-3,
        },
    },  # fmt: skip
    "kappas": [10, 100, 1000],
    "methods": ["gd", "heavy_ball"],
    "alpha_unit": "inv_L",
    "alphas": {"gd": [0.5, 1.0, 1.9], "heavy_ball": [0.25, 0.5, 1.0, 2.0, 3.0]},
    "betas": [0.5, 0.8],
    "seeds": 6,
    "max_iter": 8000,
    "stats": {"bootstrap_resamples": 100},
    "refine": {"rounds": 2, "points": 1, "centres": 2},
}
SETTINGS = {"confidence": 0.95, "bootstrap_resamples": 100, "slope_min_kappa": 10.0,
            "good_factor": 2.0, "folds": 2}  # fmt: skip
NAMES = list(catalogue.JOB_TABLES + catalogue.STATS_TABLES)


def _files(root: Path, job) -> tuple[str, str, str]:
    stem = root / "sims" / job.path
    return str(stem) + ".sims.csv", str(stem) + ".curves.csv", str(stem) + ".sha256"


class Runner:
    """Runs each job once (run_job: its two tables and checksum sidecar, as the rule does)."""

    def __init__(self, root: Path):
        self.root = root

    def __call__(self, jobs):
        out = []
        for j in jobs:
            files = _files(self.root, j)
            if not Path(files[0]).exists():
                Path(files[0]).parent.mkdir(parents=True, exist_ok=True)
                run_job(j.as_params(), *files)
            out.append(files)
        return out


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    plan = load_study(STUDY)
    objectives = list(STUDY["objectives"])
    settings = refine.Settings.from_config(plan.config)
    ppj = plan.config["points_per_job"]
    run = Runner(root)
    coarse = {o: [j for j in plan.jobs if j.objective == o] for o in objectives}

    # the whole study at once: the route the workflow took before (one checkpoint per round)
    whole = root / "whole"
    jobs, previous = list(plan.jobs), None
    for r in (1, 2):
        files = run(jobs)
        out = str(whole / f"round{r}.csv")
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        refine.run_round(r, [f[0] for f in files], previous, refine.coarse_search(plan.jobs),
                         settings.as_params(), objectives, out)  # fmt: skip
        previous = out
        jobs = plan.jobs + refine.refined_jobs(catalogue.read(out, "search"), plan.jobs, ppj)
    files = run(jobs)
    sims, curves, _ = zip(*files, strict=True)
    gather(list(sims), str(whole / "simulations.csv"))
    gather(list(curves), str(whole / "curves.csv"))
    tables = stats.summarise(
        catalogue.read(whole / "simulations.csv", "simulations"), confidence=0.95,
        n_resamples=100, slope_min_kappa=10.0, good_factor=2.0, folds=2,
        search=catalogue.read(previous, "search"), refine=settings.as_params(),
    )  # fmt: skip
    for name in catalogue.STATS_TABLES:
        write_csv(whole / f"{name}.csv", tables[name], catalogue.columns(name))
    study_order = jobs

    # objective by objective (the rules now), then the combine
    parts = root / "parts"
    objective_jobs = {}
    for o in objectives:
        jobs, previous = coarse[o], None
        for r in (1, 2):
            files = run(jobs)
            out = str(parts / "refine" / o / f"round{r}.csv")
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            pipeline.refine_round(
                r, [expectation(j) for j in jobs], *map(list, zip(*files, strict=True)),
                previous, refine.coarse_search(coarse[o]) if r == 1 else [],
                settings.as_params(), [o], out,
            )  # fmt: skip
            previous = out
            jobs = coarse[o] + refine.refined_jobs(catalogue.read(out, "search"), coarse[o], ppj)
        objective_jobs[o] = jobs
        files = run(jobs)
        tdir = parts / "tables" / o
        tdir.mkdir(parents=True, exist_ok=True)
        gather_jobs([expectation(j) for j in jobs], *map(list, zip(*files, strict=True)),
                    str(tdir / "simulations.csv"), str(tdir / "curves.csv"))  # fmt: skip
        outputs = {n: str(tdir / f"{n}.csv") for n in catalogue.STATS_TABLES}
        search = str(parts / "refine" / o / "round2.csv")
        pipeline.summarise_tables(str(tdir / "simulations.csv"), outputs, SETTINGS, search,
                                  settings.as_params(), adjust=False)  # fmt: skip
    # the study's job order, as the workflow forms it (coarse plan, then refined per objective)
    order = plan.jobs + [j for o in objectives for j in objective_jobs[o][len(coarse[o]) :]]
    pipeline.combine_tables(
        objectives, NAMES,
        [str(parts / "tables" / o / f"{n}.csv") for o in objectives for n in NAMES],
        [[j.objective, *expectation(j)["rows"].values()] for j in order],
        {n: str(parts / f"{n}.csv") for n in NAMES}, 0.95,
        [str(parts / "refine" / o / f"round{r}.csv") for o in objectives for r in (1, 2)],
        [str(parts / f"round{r}.csv") for r in (1, 2)],
    )  # fmt: skip
    return whole, parts, study_order, order, objectives


def test_the_combine_writes_the_whole_study_bytes(routes):
    whole, parts, study_order, order, _ = routes
    assert [j.path for j in order] == [j.path for j in study_order]
    for name in [*NAMES, "round1", "round2"]:
        a, b = (whole / f"{name}.csv").read_bytes(), (parts / f"{name}.csv").read_bytes()
        assert a == b, name


def test_the_case_exercises_every_cross_objective_table(routes):
    """The equality above means something: refined cells, a noise table, slopes with
    intervals, and a Holm family that spans the objectives (the per-objective tables leave it
    empty, and a Holm within one objective would give other numbers)."""
    whole, parts, _, _, objectives = routes
    t = {n: catalogue.read(whole / f"{n}.csv", n) for n in catalogue.STATS_TABLES}
    assert {r["objective"] for r in t["cells"]} == set(objectives)
    assert any(r["round"] > 0 for r in t["cells"]) and any(r["round"] > 0 for r in t["best"])
    assert t["noise"] and {r["objective"] for r in t["noise"]} == {"noisy"}
    assert any(r["slope_ci_low"] is not None for r in t["slopes"])
    assert all(r["finding"] for r in t["comparisons"])
    with_p = [r for r in t["comparisons"] if r["wilcoxon_p"] is not None]
    assert len({r["objective"] for r in with_p}) >= 2
    differs = False
    for o in objectives:
        own = catalogue.read(parts / "tables" / o / "comparisons.csv", "comparisons")
        assert own and all(r[c] is None for r in own for c in ("holm_p", "significant", "finding"))
        mine = [r for r in with_p if r["objective"] == o]
        local = stats.holm([r["wilcoxon_p"] for r in mine])
        differs |= any(a != r["holm_p"] for a, r in zip(local, mine, strict=True))
    assert differs  # the adjustment is the study's, not each objective's


def test_the_checkpoint_refuses_a_corrupt_job_file(routes, tmp_path):
    """The refinement checkpoint checks job files exactly as the gather does."""
    plan = load_study(STUDY)
    job = next(j for j in plan.jobs if j.objective == "bowl")
    root = tmp_path / "corrupt"
    sims, curves, sums = Runner(root)([job])[0]
    lines = Path(sims).read_text().splitlines(keepends=True)
    Path(sims).write_text("".join(lines[:-2]))
    out = tmp_path / "round1.csv"
    settings = refine.Settings.from_config(plan.config).as_params()
    with pytest.raises(CorruptJobError, match=re.escape(sims)):
        pipeline.refine_round(
            1,
            [expectation(job)],
            [sims],
            [curves],
            [sums],
            None,
            refine.coarse_search([job]),
            settings,
            ["bowl"],
            str(out),
        )
    assert not out.exists()


# --------------------------------------------------------------------------- the workflow

TWO = """
title: incremental check
study: inc
objectives:
  bowl: {type: quadratic, dim: 2, spectrum: two_point}
  wide: {type: quadratic, dim: 5, spectrum: logspace, max_iter: 4000}
kappas: [10, 100]
methods: [gd, heavy_ball]
alphas: {gd: [0.5, 1, 1.9], heavy_ball: [1, 2, 3]}
betas: [0.5, 0.8]
seeds: 4
max_iter: 5000
stats: {bootstrap_resamples: 100}
refine: {rounds: 2, points: 1, centres: 2}
"""
CONFIG = "config/presets/inc.yaml"
JOB = re.compile(r"^(?:local)?(?:rule|checkpoint) (\w+):$")


def _dry_jobs(root: Path) -> list[tuple[str, dict]]:
    """(rule, wildcards) of every job a dry run lists."""
    out = snakemake(root, "-n", "--configfile", CONFIG).stdout
    jobs, rule = [], None
    for line in out.splitlines():
        m = JOB.match(line)
        if m:
            rule = m.group(1)
            jobs.append((rule, {}))
        elif rule and line.startswith("    wildcards: "):
            pairs = line.split(": ", 1)[1].split(", ")
            jobs[-1] = (rule, dict(p.split("=", 1) for p in pairs))
    return jobs


def _mtimes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}  # fmt: skip


@pytest.mark.workflow
def test_changing_one_objective_reruns_only_that_objective(tmp_path):
    root = copy_workflow(tmp_path / "wf")
    (root / CONFIG).write_text(TWO)
    snakemake(root, "--cores", "2", "--configfile", CONFIG)
    study = root / "results" / "inc"
    assert (study / "tables" / "bowl" / "best.csv").is_file()
    assert (study / "refine" / "wide" / "round2.csv").is_file()
    # nothing changed: nothing runs, checkpoints included
    warm = snakemake(root, "--cores", "2", "--configfile", CONFIG)
    assert "Nothing to be done" in warm.stdout + warm.stderr

    cfg = yaml.safe_load(TWO)
    cfg["objectives"]["wide"]["max_iter"] = 3000  # one objective's budget
    (root / CONFIG).write_text(yaml.safe_dump(cfg))
    jobs = _dry_jobs(root)
    rules = {rule for rule, _ in jobs}
    per_objective = {"simulate", "refine", "gather", "summarise", "objective_figure"}
    assert {"simulate", "refine", "gather", "summarise", "objective_figure", "combine",
            "study_figure", "report"} <= rules  # fmt: skip
    assert all(w["objective"] == "wide" for rule, w in jobs if rule in per_objective), jobs
    figures = {w["kind"] for rule, w in jobs if rule == "objective_figure"}
    assert figures == {"curves", "heatmap", "sensitivity"}
    # the lecture figure reads the lecture's tables alone: a budget does not redraw it
    assert {w["kind"] for rule, w in jobs if rule == "study_figure"} == {"hero", "kappa", "speedup"}

    before = _mtimes(study)
    sims_before = _mtimes(root / "results" / "cache" / "sims")
    snakemake(root, "--cores", "2", "--configfile", CONFIG)
    after = _mtimes(study)
    changed = {k for k in after if before.get(k) != after[k]}
    untouched = [k for k in before if re.search(r"(^|[/-])bowl([/.]|$)", k)]
    assert untouched and not changed & set(untouched), sorted(changed & set(untouched))
    for name in ("curves-wide", "heatmap-wide", "sensitivity-wide", "hero", "kappa", "speedup"):
        assert f"report/figures/{name}.png" in changed, name
    assert {"tables/best.csv", "report/index.html", "refine/wide/round1.csv"} <= changed
    assert "report/figures/lecture.png" not in changed
    sims_after = _mtimes(root / "results" / "cache" / "sims")
    assert all(sims_after[k] == v for k, v in sims_before.items())  # a job is never redone
    assert {k.split("/")[0] for k in sims_after if k not in sims_before} == {"wide"}
    again = snakemake(root, "--cores", "2", "--configfile", CONFIG)
    assert "Nothing to be done" in again.stdout + again.stderr
