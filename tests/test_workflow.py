"""The Snakemake workflow end to end on the quick preset, in temporary directories."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from workflow_helpers import (
    QUICK,
    QUICK_DIR,
    ROOT,
    SIMS_DIR,
    copy_workflow,
    snakemake,
    study_config,
)

from momentumlab.study import SIM_COLUMNS, plan, simulate_job
from momentumlab.tables import read_csv, read_header

pytestmark = pytest.mark.workflow
SIMS = f"{QUICK_DIR}/tables/simulations.csv"  # the gathered table of the quick study


def sims_mtimes(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root / SIMS_DIR)): p.stat().st_mtime_ns
        for p in sorted((root / SIMS_DIR).rglob("*.sims.csv"))
    }


def edited_preset(root: Path, **changes) -> str:
    cfg = yaml.safe_load((root / QUICK).read_text())
    cfg.update(changes)
    path = root / "config" / "presets" / "edited.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return str(path.relative_to(root))


@pytest.fixture
def workdir(tmp_path):
    return copy_workflow(tmp_path / "study")


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    """One cold run of the quick preset, shared by the tests that only read it."""
    root = copy_workflow(tmp_path_factory.mktemp("cold") / "study")
    snakemake(root, SIMS, "--cores", "2", "--configfile", QUICK)
    return root


def test_cold_run_writes_the_tidy_table(cold):
    table = cold / QUICK_DIR / "tables" / "simulations.csv"
    header = read_header(table)
    for col in ["objective", "kappa", "dim", "method", "alpha", "alpha_L", "beta", "seed",
                "status", "iterations", "final_gap"]:  # fmt: skip
        assert col in header
    assert header == SIM_COLUMNS
    rows = read_csv(table)
    cfg = study_config(cold / QUICK)
    assert len(rows) == plan(cfg).n_simulations
    assert {r["status"] for r in rows} <= {"converged", "diverged", "max_iter"}
    # GD is simulated once per alpha, never once per beta
    gd = [r for r in rows if r["method"] == "gd"]
    assert {r["beta"] for r in gd} == {0.0}
    assert len(gd) == len({(r["objective"], r["kappa"], r["alpha"], r["seed"]) for r in gd})
    # every job left a log and a benchmark
    assert list((cold / "results" / "cache" / "logs" / "simulate").rglob("*.log"))
    assert list((cold / "results" / "cache" / "benchmarks" / "simulate").rglob("*.tsv"))


def test_warm_run_is_a_no_op(cold):
    before = sims_mtimes(cold)
    table = cold / QUICK_DIR / "tables" / "simulations.csv"
    t0 = table.stat().st_mtime_ns
    proc = snakemake(cold, SIMS, "--cores", "2", "--configfile", QUICK)
    assert "Nothing to be done" in proc.stdout + proc.stderr
    assert sims_mtimes(cold) == before and table.stat().st_mtime_ns == t0


def test_dry_run_lists_the_jobs(cold, tmp_path):
    fresh = copy_workflow(tmp_path / "fresh")
    proc = snakemake(fresh, "-n", "--configfile", QUICK)
    out = proc.stdout + proc.stderr
    assert "simulate" in out and "gather" in out
    assert not (fresh / "results").exists()


def _rerun(root, preset):
    before = sims_mtimes(root)
    snakemake(root, SIMS, "--cores", "2", "--configfile", preset)
    after = sims_mtimes(root)
    changed = {k for k in after if before.get(k) != after[k]}
    return before, after, changed


def _dry_run(root, *args):
    proc = snakemake(root, "-n", *args)
    return proc.stdout + proc.stderr


def test_adding_a_beta_reruns_only_momentum_family_jobs(workdir):
    snakemake(workdir, SIMS, "--cores", "2", "--configfile", QUICK)
    cfg = yaml.safe_load((workdir / QUICK).read_text())
    preset = edited_preset(workdir, betas=[*cfg["betas"], 0.95])
    before, after, changed = _rerun(workdir, preset)
    assert changed, "no job reran"
    assert all("/gd/" not in k for k in changed)
    # the new momentum-family jobs are new files (new content, new key); every old job stays
    # cached as it was, so going back to the old betas reruns nothing
    assert changed == set(after) - set(before)
    new_plan = plan(study_config(workdir / preset))
    assert changed == {f"{j.path}.sims.csv" for j in new_plan.jobs if j.method != "gd"}
    rows = read_csv(workdir / QUICK_DIR / "tables" / "simulations.csv")
    assert any(r["beta"] == 0.95 for r in rows)


def test_adding_a_kappa_reruns_only_that_kappa(workdir):
    snakemake(workdir, SIMS, "--cores", "2", "--configfile", QUICK)
    cfg = yaml.safe_load((workdir / QUICK).read_text())
    preset = edited_preset(workdir, kappas=[*cfg["kappas"], 30])
    before, after, changed = _rerun(workdir, preset)
    assert changed and all("/kappa_30/" in k for k in changed)
    assert set(after) - set(before) == changed  # only new files; nothing old recomputed


def test_cores_1_and_2_give_byte_identical_tables(cold, tmp_path):
    one = copy_workflow(tmp_path / "one")
    snakemake(one, SIMS, "--cores", "1", "--configfile", QUICK)
    for name in ["simulations.csv", "curves.csv"]:
        a = (one / QUICK_DIR / "tables" / name).read_bytes()
        b = (cold / QUICK_DIR / "tables" / name).read_bytes()
        assert a == b, name


def test_canonical_file_names_for_equal_numbers(workdir):
    # 1e1, 10 and 10.0 name the same kappa: the dry run of the edited config plans the same files
    preset = edited_preset(workdir, kappas=["1e1", 100.0])
    a = snakemake(workdir, "-n", "--configfile", preset).stdout
    preset = edited_preset(workdir, kappas=[10.0, 1.0e2])
    b = snakemake(workdir, "-n", "--configfile", preset).stdout

    def files(out):
        return sorted(set(re.findall(r"results/cache/sims/[^\s,]+", out)))

    assert files(a) == files(b) and any("kappa_10/" in f for f in files(a))


def test_a_numerics_version_bump_reruns_every_simulation_job(cold, tmp_path):
    # NUMERICS_VERSION is a param of every simulation job: changing it makes them all outdated
    root = tmp_path / "bumped"
    shutil.copytree(cold, root, symlinks=True)
    target = (SIMS, "--configfile", QUICK)
    assert "Nothing to be done" in _dry_run(root, *target)
    common = root / "workflow" / "rules" / "common.smk"
    text = common.read_text()
    assert "NUMERICS = momentumlab.NUMERICS_VERSION\n" in text
    common.write_text(text.replace("NUMERICS_VERSION\n", 'NUMERICS_VERSION + ".next"\n'))
    out = _dry_run(root, *target)
    n_jobs = len(plan(study_config(root / QUICK)).jobs)
    assert re.search(rf"^simulate\s+{n_jobs}$", out, re.M), out
    assert "params" in out.lower()


def test_points_per_job_does_not_change_the_numbers():
    # the same simulations split into one job or into many give identical rows
    cfg = study_config(ROOT / QUICK)
    cfg.update(kappas=[100.0], methods=["heavy_ball"])

    def rows(points_per_job):
        jobs = plan({**cfg, "points_per_job": points_per_job}).jobs
        out = [row for job in jobs for row in simulate_job(job)[0]]
        return sorted(out, key=lambda r: (r["objective"], r["alpha"], r["beta"], r["seed"]))

    whole, split = rows("all"), rows(5)
    assert {r["objective"] for r in whole} == {"quad2d", "rosenbrock"}
    assert len(whole) == 2 * 12 * 4 and whole == split


def test_a_corrupt_cached_job_is_refused_then_recomputed(cold, tmp_path):
    # a job file truncated at a line boundary (still valid CSV, three simulations fewer)
    root = tmp_path / "corrupt"
    shutil.copytree(cold, root, symlinks=True)
    table = root / QUICK_DIR / "tables" / "simulations.csv"
    good = table.read_bytes()
    spec = next(
        j for j in plan(study_config(root / QUICK)).jobs
        if (j.objective, j.kappa, j.method) == ("rosenbrock", 100.0, "heavy_ball")
    )  # fmt: skip
    name = f"{SIMS_DIR}/{spec.path}.sims.csv"
    job = root / name
    lines = job.read_text().splitlines(keepends=True)
    job.write_text("".join(lines[:-3]))
    target = (SIMS, "--cores", "2", "--configfile", QUICK)
    proc = snakemake(root, *target, check=False)
    log = root / QUICK_DIR / "logs" / "gather" / "rosenbrock.log"  # that objective's gather
    out = proc.stdout + proc.stderr + log.read_text()
    assert proc.returncode != 0, out
    assert name in out and "rosenbrock/kappa_100/heavy_ball/all-" in name
    assert f"{len(lines) - 4} rows, but its job simulates {len(lines) - 1}" in out
    # never folded in: Snakemake removes the failed gather's outputs, the combine never ran
    assert not (root / QUICK_DIR / "tables" / "rosenbrock" / "simulations.csv").exists()
    assert table.read_bytes() == good
    # doing what the message says recomputes that job, and the tables come out as before
    for suffix in ("sims.csv", "curves.csv", "sha256"):
        (root / SIMS_DIR / f"{spec.path}.{suffix}").unlink()
    snakemake(root, *target)
    assert table.read_bytes() == good
