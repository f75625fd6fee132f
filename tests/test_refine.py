"""Adaptive refinement (momentumlab.refine): honest chains, proposals, determinism, quality."""

from __future__ import annotations

import copy
import dataclasses
import math
import random

import numpy as np
import pytest
import yaml
from workflow_helpers import QUICK, ROOT, copy_workflow, snakemake, study_config

from momentumlab import refine, stats, theory
from momentumlab.study import ema_alpha, plan, simulate_job
from momentumlab.tables import read_csv

QUICK_CFG = study_config(ROOT / QUICK)


def _small(**changes) -> dict:
    """The quick preset's quadratic alone, one kappa, with ``changes``."""
    cfg = copy.deepcopy(QUICK_CFG)
    cfg["objectives"] = {"quad2d": cfg["objectives"]["quad2d"]}
    cfg.update(kappas=[100.0], **changes)
    return cfg


def _round(cfg, rows, round_=1, search=None):
    s = refine.Settings.from_config(cfg)
    search = search if search is not None else refine.coarse_search(plan(cfg).jobs)
    return refine.refine_round(round_, search, rows, s, list(cfg["objectives"]))


def _proposals(table, fold, round_=1):
    return sorted(
        (r["method"], r["point_alpha"], r["beta"])
        for r in table
        if r["round"] == round_ and r["fold"] == fold
    )


# --------------------------------------------------------------------------- honesty


def test_a_chain_never_sees_its_held_out_seeds():
    """Chain g's proposals depend only on the seeds outside fold g: rewriting every fold-0 run
    leaves chain 0's proposals as they were, and moves chain 1's (which tunes on fold 0)."""
    cfg = _small(methods=["heavy_ball"], seeds=6)
    rows = [r for j in plan(cfg).jobs for r in simulate_job(j)[0]]
    before = _round(cfg, rows)
    assert _proposals(before, 0) and _proposals(before, 1)
    # fold 0 = even seeds: make a far corner of the grid the best there, by a lot
    corner = (min(r["alpha"] for r in rows), min(r["beta"] for r in rows))
    leaked = []
    for r in rows:
        r = dict(r)
        if r["seed"] % 2 == 0:
            fast = (r["alpha"], r["beta"]) == corner
            r.update(status="converged", iterations=1 if fast else 10_000)
        leaked.append(r)
    after = _round(cfg, leaked)
    assert _proposals(after, 0) == _proposals(before, 0)  # its tuning seeds did not change
    assert _proposals(after, 1) != _proposals(before, 1)  # the test can see a leak


def test_each_fold_is_measured_at_a_tuning_from_its_own_chain():
    """A refined point only chain 1 searched is never fold 0's tuning, however good it is."""
    rows = []
    points = [(0.01, 0.5), (0.02, 0.5), (0.04, 0.5)]
    for i, (a, b) in enumerate(points):
        for seed in range(6):
            rows.append(
                {"objective": "q", "objective_type": "quadratic", "stochastic": False,
                 "kappa": 100.0, "dim": 2, "mu": 1.0, "L": 100.0, "method": "heavy_ball",
                 "alpha": a, "alpha_L": a * 100, "beta": b, "seed": seed, "status": "converged",
                 "iterations": 1 if i == 2 else 100 + i, "first_hit": 1, "final_gap": 0.0,
                 "diverged_at": None, "tol": 1e-6, "max_iter": 1000}
            )  # fmt: skip
    search = [
        {"objective": "q", "kappa": 100.0, "method": "heavy_ball", "fold": f, "round": rd,
         "point_alpha": a * 100, "alpha": a, "beta": b, "new": True}
        for (a, b), f, rd in zip(points, [None, None, 1], [0, 0, 1], strict=True)
    ]  # fmt: skip
    settings = {"alpha_unit": "inv_L", "extend_factor": 10.0}
    honest = stats.summarise(rows, n_resamples=100, search=search, refine=settings)["best"][0]
    naive = stats.summarise(rows, n_resamples=100)["best"][0]
    # in sample, every point counts: the refined point is the best, found in round 1
    assert honest["alpha_L"] == 4.0 and honest["round"] == 1
    # held out: fold 1 (odd seeds) is measured at the refined point (1 iteration), fold 0 at
    # the best coarse point (100): the upper quartile shows it; without chains both are at 1
    assert honest["q75_iter"] == 100 and naive["q75_iter"] == 1
    assert honest["folds_agree"] is False and naive["folds_agree"] is True


def test_the_ranking_is_the_statistics_selection():
    rng = np.random.default_rng(3)
    for _ in range(50):
        X = rng.integers(1, 6, size=(7, 6)).astype(float)
        X[rng.random(X.shape) < 0.1] = math.inf
        cells = refine._Cells.__new__(refine._Cells)
        cells.X, cells.index = X, {(float(i), 0.0): i for i in range(7)}
        cells.ranks = rng.permutation(7)  # any tie order: the two must agree on it
        train = np.array([1, 3, 5])
        got = refine.chain_best(cells, [(float(i), 0.0) for i in range(7)], train)
        want = int(stats.select_columns(X[:, None, :], train, None, cells.ranks)[0])
        assert (got[0] if got else -1) == want


# --------------------------------------------------------------------------- proposals


def _geo(method, kappa=100.0, coarse=((1.0, 0.5), (4.0, 0.9)), factor=10.0, effective=False):
    return refine.Geometry.of(method, 1.0, kappa, "inv_L", list(coarse), factor, effective)


def test_proposals_refine_inside_and_extend_past_an_edge():
    geo = _geo("heavy_ball")
    grid = [(a, b) for a in (0.5, 1.0, 2.0) for b in (0.5, 0.8, 0.9)]
    inside = refine.propose(geo, grid, (1.0, 0.8), 1)
    assert {a for a, _ in inside} == {float(f"{math.sqrt(0.5):.5g}"), float(f"{2**0.5:.5g}"), 1.0}
    assert all(0.5 < a < 2.0 and 0.5 < b < 0.9 for a, b in inside)
    edge = refine.propose(geo, grid, (1.0, 0.9), 1)  # the top beta: 1 - beta goes below 0.1
    assert min(1 - b for _, b in edge) == pytest.approx(0.1 * 0.5**2, rel=1e-3)
    assert refine.edge_of(geo, grid, (1.0, 0.9)) == (True, refine.ENDED)
    assert refine.edge_of(geo, grid, (1.0, 0.8)) == (False, None)


def test_proposals_never_cross_the_stability_boundary():
    geo = _geo("heavy_ball", coarse=((1.0, 0.5), (3.5, 0.5)))
    limit = theory.max_stable_alpha("heavy_ball", 0.5, 1.0)  # 3.0 in units of 1/L
    grid = [(a, b) for a in (1.0, 2.0, 2.9) for b in (0.3, 0.5, 0.7)]
    got = refine.propose(geo, grid, (2.9, 0.5), 2)
    above = [a for a, b in got if b == 0.5 and a > 2.9]
    assert above and all(a < limit for a in above)
    assert all(geo.stable(*geo.uv(p)) for p in got)
    assert refine.edge_of(geo, grid, (2.9, 0.5)) == (True, refine.STABILITY)
    gd = refine.propose(_geo("gd", coarse=((1.0, 0.0),)), [(1.0, 0.0), (1.9, 0.0)], (1.9, 0.0), 1)
    assert gd and all(b == 0.0 and a < 2.0 for a, b in gd)  # GD: alpha only, below 2/L


def test_limits_stop_the_search_and_say_which():
    grid = [(a, b) for a in (1.0, 3.0) for b in (0.5, 0.9)]
    geo = _geo("heavy_ball", coarse=grid, factor=1.0)  # no extension past the coarse grid
    got = refine.propose(geo, grid, (3.0, 0.9), 1)
    assert got and all(1.0 < a <= 3.0 and 0.5 <= b <= 0.9 for a, b in got)  # inside only
    assert refine.edge_of(geo, grid, (3.0, 0.9)) == (True, refine.EXTEND)
    zero = _geo("heavy_ball", coarse=((1.0, 0.0), (2.0, 0.5)))
    searched = [(0.5, 0.0), (1.0, 0.0), (1.0, 0.5), (2.0, 0.0)]
    assert refine.edge_of(zero, searched, (1.0, 0.0)) == (True, refine.BETA_ZERO)


def test_ema_in_effective_steps_searches_like_heavy_ball():
    hb = _geo("heavy_ball")
    ema = _geo("momentum", coarse=((1.0 / 0.5, 0.5), (4.0 / 0.1, 0.9)), effective=True)
    grid = [(a, b) for a in (0.5, 1.0, 2.0) for b in (0.5, 0.8, 0.9)]
    egrid = [(a / (1 - b), b) for a, b in grid]
    got_hb = refine.propose(hb, grid, (1.0, 0.8), 1)
    got_ema = refine.propose(ema, egrid, (1.0 / 0.2, 0.8), 1)
    assert len(got_hb) == 8
    assert sorted((round(a * (1 - b), 9), b) for a, b in got_ema) == got_hb


def test_the_bound_on_a_chains_points_is_attained_by_one_centre():
    # best (1, 0.5) at the low-alpha and beta = 0 sides of a 2 x 2 grid: each axis gets the
    # centre, points + 1 values past the edge and points values towards the neighbour
    grid = [(a, b) for a in (1.0, 2.0) for b in (0.5, 0.8)]
    geo = _geo("heavy_ball", coarse=grid)
    for n in (1, 2, 3):
        got = refine.propose(geo, grid, (1.0, 0.5), n)
        assert len(got) == refine.max_points_per_round(n, 1, [2, 2]) == (2 * n + 2) ** 2 - 1
    # an axis with a single searched value is an edge on both sides: points + 1 on each
    gd = _geo("gd", coarse=[(0.1, 0.0)], factor=100.0)
    got = refine.propose(gd, [(0.1, 0.0)], (0.1, 0.0), 2)
    assert len(got) == refine.max_points_per_round(2, 1, [1]) == 6
    assert refine.max_points_per_round(2, 3, [12, 9]) == 3 * 35


@pytest.mark.parametrize(
    "kappas,settings",
    [([100.0], {"rounds": 3, "points": 2, "centres": 3}),
     ([10.0, 1000.0], {"rounds": 2, "points": 1, "centres": 2}),
     ([100.0], {"rounds": 2, "points": 3, "centres": 1})],
    ids=["default", "small", "one-centre"],
)  # fmt: skip
def test_the_refinement_stays_within_the_plans_upper_bound(kappas, settings):
    """The plan's bound really bounds what the refinement runs, per (kappa, method) and round
    and in all, and is not loose by more than 4x: it counts every chain's and centre's box of
    proposals apart, while the two chains mostly pick the same best points and neighbouring
    centres share much of their boxes (here it is 2.7x to 3.4x what runs)."""
    from momentumlab.config import load_study

    cfg = _small(refine=settings)
    cfg["kappas"] = kappas
    p = load_study(cfg)
    s = refine.Settings.from_config(p.config)
    rows, search, done = refine.search_in_process(p.jobs, s, ["quad2d"])
    bound = p.size["refined"]
    new = {}
    for r in search:
        if r["round"] > 0 and r["new"]:
            key = (r["kappa"], r["method"], r["round"])
            new[key] = new.get(key, 0) + 1
    assert new and max(k[2] for k in new) == settings["rounds"]
    for (_, method, _), n in new.items():
        assert n <= bound["chains"] * bound["per_chain_round"][method], (method, n)
    refined = len(rows) - p.size["simulations"]
    assert 0 < refined <= bound["simulations"]
    assert len(done) - len(p.jobs) <= bound["jobs"]
    assert bound["simulations"] <= 4 * refined, (bound["simulations"], refined)


def test_ema_searches_like_heavy_ball_on_the_default_grid():
    """The EMA alphas the plan runs are step / (1 - beta) to 12 digits (study.ema_alpha), so one
    step's coordinate differs by ~1e-12 across betas; it is still one value of the axis, and
    around every coarse point of the default config both methods propose the same steps."""
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    grid = [(float(a), float(b)) for a in cfg["alphas"]["heavy_ball"] for b in cfg["betas"]]
    egrid = [(ema_alpha(a, b), b) for a, b in grid]
    for kappa in (100.0, 1e4):
        hb = _geo("heavy_ball", kappa, coarse=grid)
        ema = _geo("momentum", kappa, coarse=egrid, effective=True)
        for (a, b), e in zip(grid, egrid, strict=True):
            got_hb = refine.propose(hb, grid, (a, b), 2)
            got_ema = refine.propose(ema, egrid, e, 2)
            assert sorted((float(f"{x * (1 - y):.9g}"), y) for x, y in got_ema) == got_hb
            assert refine.edge_of(hb, grid, (a, b)) == refine.edge_of(ema, egrid, e)


# --------------------------------------------------------------------------- determinism


def test_the_search_table_and_jobs_do_not_depend_on_row_order():
    cfg = _small(methods=["gd", "heavy_ball"], seeds=4)
    rows = [r for j in plan(cfg).jobs for r in simulate_job(j)[0]]
    a = _round(cfg, rows)
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    assert _round(cfg, shuffled) == a
    jobs = refine.refined_jobs(a, plan(cfg).jobs, cfg["points_per_job"])
    again = refine.refined_jobs(list(reversed(a)), plan(cfg).jobs, cfg["points_per_job"])
    assert [j.path for j in jobs] == [j.path for j in again] and jobs == again
    # a point two chains propose is one job; every new point is in exactly one job
    new = {(r["method"], r["point_alpha"], r["beta"]) for r in a if r["round"] == 1}
    simulated = [(j.method, p[0], p[1]) for j in jobs for p in j.points]
    assert sorted(simulated) == sorted(new) and len(set(simulated)) == len(simulated)
    # a refined job is the plan's job object with other points (same budget, seeds, ...)
    coarse = {(j.objective, j.method): j for j in plan(cfg).jobs}
    for j in jobs:
        template = coarse[(j.objective, j.method)]
        assert dataclasses.replace(j, points=template.points, shard=template.shard) == template


# --------------------------------------------------------------------------- quality


def _dense(job):
    """An independent brute-force grid of one job: 60 step sizes x 40 betas over the stable
    region (GD: 400 step sizes), simulated by the library like any job."""
    if job.method == "gd":
        return dataclasses.replace(job, points=[[a, 0.0] for a in np.geomspace(0.2, 2, 400)])
    hi = {"heavy_ball": 4.5, "momentum": 4.5, "nesterov": 1.6}[job.method]
    pts = []
    for gap in np.geomspace(1e-3, 1, 40):
        for a in np.geomspace(0.2, hi, 60):
            pts.append([float(a / gap if job.method == "momentum" else a), float(1 - gap)])
    return dataclasses.replace(job, points=pts, shard="dense")


def _refined_vs_dense(cfg):
    jobs = plan(cfg).jobs
    s = refine.Settings.from_config(cfg)
    rows, search, _ = refine.search_in_process(jobs, s, list(cfg["objectives"]))
    best = stats.summarise(rows, n_resamples=100, search=search, refine=s.as_params())["best"]
    out = {}
    for j, b in zip(jobs, best, strict=True):
        dense = stats.summarise(simulate_job(_dense(j))[0], n_resamples=100)["best"][0]
        out[(j.kappa, j.method)] = (b["median_iter_in_sample"], dense["median_iter_in_sample"])
    return out


@pytest.mark.parametrize(
    "objective",
    [{"type": "quadratic", "dim": 2, "spectrum": "two_point"},
     {"type": "quadratic", "dim": 50, "spectrum": "logspace", "rotate": True}],
    ids=["2d", "50d"],
)  # fmt: skip
def test_the_refined_best_is_within_5_percent_of_a_dense_grid(objective):
    cfg = study_config(ROOT / "config" / "config.yaml")
    cfg.update(objectives={"q": objective}, kappas=[100.0], seeds=6, max_iter=20_000)
    for key, (refined, dense) in _refined_vs_dense(cfg).items():
        assert refined <= 1.05 * dense, (key, refined, dense)


def test_ema_momentum_and_heavy_ball_reach_the_same_speedup():
    cfg = study_config(ROOT / "config" / "config.yaml")
    cfg.update(
        objectives={"q": {"type": "quadratic", "dim": 2, "spectrum": "two_point"}},
        kappas=[1000.0], seeds=6, methods=["gd", "momentum", "heavy_ball"], max_iter=20_000,
    )  # fmt: skip
    jobs = plan(cfg).jobs
    s = refine.Settings.from_config(cfg)
    rows, search, _ = refine.search_in_process(jobs, s, ["q"])
    comp = stats.summarise(rows, n_resamples=100, search=search, refine=s.as_params())
    speed = {r["method"]: r["speedup"] for r in comp["comparisons"]}
    assert speed["momentum"] == pytest.approx(speed["heavy_ball"], rel=0.05), speed


# --------------------------------------------------------------------------- the workflow

TINY = """
title: refine check
objectives:
  quad2d: {type: quadratic, dim: 2, spectrum: two_point}
kappas: [100]
methods: [gd, heavy_ball]
alphas: {gd: [0.5, 1, 1.9], heavy_ball: [1, 2, 3]}
betas: [0.5, 0.8]
seeds: 4
max_iter: 5000
stats: {bootstrap_resamples: 100}
refine: {rounds: 2, points: 1, centres: 2}
"""


@pytest.mark.workflow
def test_cores_1_and_2_give_byte_identical_tables_with_refinement(tmp_path):
    roots = []
    for cores in ("1", "2"):
        root = copy_workflow(tmp_path / f"cores{cores}")
        (root / "config" / "presets" / "tiny.yaml").write_text(TINY)
        target = "results/tiny/tables/best.csv"  # the study: the config file's stem
        dry = snakemake(root, "-n", target, "--configfile", "config/presets/tiny.yaml")
        out = dry.stdout + dry.stderr
        assert "Refinement: after the coarse grid, up to 2 round(s)" in out
        assert "refine" in out and "checkpoint" in out
        snakemake(root, target, "--cores", cores, "--configfile", "config/presets/tiny.yaml")
        roots.append(root)
    one, two = roots
    tables = ["simulations.csv", "curves.csv", "cells.csv", "best.csv", "comparisons.csv"]
    for name in tables:
        a = (one / "results" / "tiny" / "tables" / name).read_bytes()
        assert a == (two / "results" / "tiny" / "tables" / name).read_bytes(), name
    for name in ("round1.csv", "round2.csv"):
        a = (one / "results" / "tiny" / "refine" / name).read_bytes()
        assert a == (two / "results" / "tiny" / "refine" / name).read_bytes(), name
    best = read_csv(one / "results" / "tiny" / "tables" / "best.csv")
    assert {r["round"] for r in best} - {0} and all(r["edge"] in (True, False) for r in best)
    cells = read_csv(one / "results" / "tiny" / "tables" / "cells.csv")
    assert len(cells) > 3 + 6 and {r["round"] for r in cells} >= {0, 1}
    # a warm run is a no-op, checkpoints included
    again = snakemake(one, target, "--cores", "2", "--configfile", "config/presets/tiny.yaml")
    assert "Nothing to be done" in again.stdout + again.stderr

    # adding a beta reruns the momentum-family jobs and the checkpoints, never a GD job
    def mtimes():
        sims = one / "results" / "cache" / "sims"
        return {str(p.relative_to(sims)): p.stat().st_mtime_ns for p in sims.rglob("*.sims.csv")}

    before = mtimes()
    (one / "config" / "presets" / "tiny.yaml").write_text(
        TINY.replace("[0.5, 0.8]", "[0.5, 0.8, 0.9]")
    )
    snakemake(one, target, "--cores", "2", "--configfile", "config/presets/tiny.yaml")
    after = mtimes()
    changed = {k for k in after if before.get(k) != after[k]}
    gd = {k for k in before if "/gd/" in k}
    assert gd and all(after[k] == before[k] for k in gd) and not any("/gd/" in k for k in changed)
    # the coarse heavy-ball job has new points, so a new content key: a new file
    new = {k for k in changed if k not in before}
    assert any(k.startswith("quad2d/kappa_100/heavy_ball/all-") for k in new)
