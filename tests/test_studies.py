"""Studies as outputs: one folder per study, a shared content-addressed job cache, the index.

Two small studies run, one after the other, in one copy of the workflow. Both use the label
``bowl`` for the same objective; they share their GD jobs (same grid) and differ in heavy ball's
alphas. Under the old layout (jobs named by label, kappa, method and shard) the second evicted
the first's heavy-ball jobs and alternating the two reran them every time.
"""

from __future__ import annotations

import re

import pytest
import yaml
from workflow_helpers import SIMS_DIR, copy_workflow, snakemake, study_config

from momentumlab.naming import JOB_PATTERN, WILDCARDS, job_key
from momentumlab.study import plan
from momentumlab.tables import read_csv

pytestmark = pytest.mark.workflow

ONE = {
    "title": "study one",
    "study": "one",
    "objectives": {"bowl": {"type": "quadratic", "dim": 2, "spectrum": "two_point"}},
    "kappas": [10, 100],
    "methods": ["gd", "heavy_ball"],
    "alpha_unit": "inv_L",
    "alphas": {"gd": [1.0, 1.9], "heavy_ball": [2.0, 3.3]},
    "betas": [0.5, 0.8],
    "seeds": 4,
    "max_iter": 5000,
    "stats": {"bootstrap_resamples": 100},
}
# the same objective under the same label; another heavy-ball grid; named after its file
TWO = {**ONE, "title": "study two", "alphas": {"gd": [1.0, 1.9], "heavy_ball": [2.0, 3.0]}}
del TWO["study"]


def write(root, name, cfg) -> str:
    path = root / "config" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return str(path.relative_to(root))


def mtimes(root, under) -> dict[str, int]:
    base = root / under
    return {str(p.relative_to(base)): p.stat().st_mtime_ns for p in base.rglob("*") if p.is_file()}


def simulate_jobs(out: str) -> int:
    m = re.search(r"^simulate\s+(\d+)$", out, re.M)
    return int(m.group(1)) if m else 0


@pytest.fixture(scope="module")
def two_studies(tmp_path_factory):
    root = copy_workflow(tmp_path_factory.mktemp("studies") / "study")
    one, two = write(root, "one", ONE), write(root, "two", TWO)
    first = snakemake(root, "--cores", "2", "--configfile", one)
    after_one = {u: mtimes(root, u) for u in ("results/one", SIMS_DIR)}
    second = snakemake(root, "--cores", "2", "--configfile", two)
    return root, one, two, first.stdout + first.stderr, second.stdout + second.stderr, after_one


def test_each_study_writes_its_own_folder_and_both_reports_stay(two_studies):
    root, one, two, _, _, after_one = two_studies
    for name, title in (("one", "study one"), ("two", "study two")):
        folder = root / "results" / name
        assert title in (folder / "report" / "index.html").read_text()
        assert (folder / "tables" / "simulations.csv").is_file()
        assert list((folder / "logs" / "gather").glob("*.log"))  # one per objective
        assert list((folder / "benchmarks" / "summarise").glob("*.tsv"))
        assert (folder / "benchmarks" / "combine.tsv").is_file()
    # the second study touched nothing of the first's folder, and rewrote no cached job
    assert mtimes(root, "results/one") == after_one["results/one"]
    now = mtimes(root, SIMS_DIR)
    assert {k: now[k] for k in after_one[SIMS_DIR]} == after_one[SIMS_DIR]
    assert not (root / "results" / "tables").exists()  # nothing at the old, shared place


def test_a_shared_job_is_computed_once_and_shared(two_studies):
    root, one, two, first, second, _ = two_studies
    jobs_one = {j.path for j in plan(study_config(root / one)).jobs}
    jobs_two = {j.path for j in plan(study_config(root / two)).jobs}
    shared = jobs_one & jobs_two
    # the GD jobs (same grid) are the same jobs; heavy ball's grids differ, so its jobs do
    assert shared and all("/gd/" in p for p in shared)
    assert all("/heavy_ball/" in p for p in jobs_two - shared)
    assert simulate_jobs(first) == len(jobs_one)
    assert simulate_jobs(second) == len(jobs_two - shared)
    # the second study's table holds exactly the shared jobs' rows, byte for byte
    rows_one = read_csv(root / "results" / "one" / "tables" / "simulations.csv")
    rows_two = read_csv(root / "results" / "two" / "tables" / "simulations.csv")
    assert [r for r in rows_one if r["method"] == "gd"] == [
        r for r in rows_two if r["method"] == "gd"
    ]


def test_alternating_the_two_configs_reruns_nothing(two_studies):
    root, one, two, *_ = two_studies
    for config in (one, two, one):
        out = snakemake(root, "-n", "--configfile", config)
        text = out.stdout + out.stderr
        assert "Nothing to be done" in text, text
        assert simulate_jobs(text) == 0


def test_the_index_lists_both_studies_with_hash_date_and_headline(two_studies):
    root, *_ = two_studies
    page = (root / "results" / "index.html").read_text()
    for name in ("one", "two"):
        manifest = yaml.safe_load((root / "results" / name / "study.json").read_text())
        assert f'href="{name}/report/index.html"' in page
        assert manifest["config_hash"][:12] in page and manifest["created"] in page
        assert manifest["headline"] and manifest["headline"].split(";")[0] in page
        assert manifest["study"] == name and manifest["numerics_version"]
    assert "<script" not in page and "src=" not in page  # self-contained, nothing fetched


def test_a_job_name_is_its_content():
    cfg = study_config_of(ONE)
    job = plan(cfg).jobs[0]
    params = job.as_params()
    assert job.path == JOB_PATTERN.format(**job.wildcards)
    assert re.fullmatch(WILDCARDS["key"], job.wildcards["key"])
    assert job.path.startswith("bowl/kappa_10/gd/all-")  # readable in logs
    # every parameter is part of the name: tol, budget, seeds, start, numerics
    for key, value in (("tol", 1e-7), ("max_iter", 4999), ("seeds", 5), ("numerics", "x")):
        assert job_key({**params, key: value}) != job_key(params), key
    # and nothing else: a study name or a title does not change any job
    renamed = plan({**cfg, "study": "other", "title": "other"}).jobs
    assert [j.path for j in renamed] == [j.path for j in plan(cfg).jobs]


def study_config_of(cfg: dict) -> dict:
    from momentumlab.config import load_study

    return load_study(dict(cfg)).config


def test_the_compare_target_sets_the_two_studies_side_by_side(two_studies):
    root, one, *_ = two_studies
    target = "results/compare/one-vs-two/index.html"
    snakemake(root, "--cores", "1", target, "--configfile", one)
    rows = read_csv(root / "results" / "compare" / "one-vs-two" / "diff.csv")
    page = (root / target).read_text()
    assert "alphas.heavy_ball" in page and "Config differences" in page
    # the GD jobs are the very same jobs: GD's rows cannot differ; heavy ball's grid did
    gd = [r for r in rows if r["method"] == "gd" and r["table"] in ("best", "status_counts")]
    assert gd and all(r["change"] == "same" for r in gd)
    assert {r["table"] for r in rows} == {"comparisons", "best", "slopes", "status_counts"}
