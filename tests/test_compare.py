"""Comparing two studies: config differences, flagged cells, archives, version refusals.

Two small studies are made in-process (the library's own job, gather and summarise functions,
then the manifest), the second a copy of the first with one objective's budget cut so that it
binds: on the 2-D bowl at kappa = 100 GD at its best grid step needs about 350 iterations to
reach tol, so a budget of 150 censors every GD run there, while every run at kappa = 10 (and
every run of the other objective) finishes far inside it and is bit-for-bit the same.
"""

from __future__ import annotations

import copy
import json
import shutil

import pytest

from momentumlab.compare import DIFF_COLUMNS, classify, compare, diff_rows, write_comparison
from momentumlab.config import load_study
from momentumlab.pipeline import summarise_tables
from momentumlab.stats import COLUMNS
from momentumlab.studies import StudyError, export, open_study, write_manifest
from momentumlab.study import SIM_COLUMNS, simulate_job
from momentumlab.tables import read_csv, write_csv

BUDGET = 150
BASE = {
    "study": "base",
    "objectives": {
        "bowl": {"type": "quadratic", "dim": 2, "spectrum": "two_point"},
        "wide": {"type": "quadratic", "dim": 4, "spectrum": "logspace"},
    },
    "kappas": [10, 100],
    "methods": ["gd", "heavy_ball"],
    "alpha_unit": "inv_L",
    "alphas": {"gd": [1.0, 1.9], "heavy_ball": [2.0, 3.3]},
    "betas": [0.5, 0.8],
    "seeds": 6,  # >= 6: the median's and the speedup's 95% intervals exist
    "max_iter": 20000,
    "stats": {"bootstrap_resamples": 200},
}


def make_study(results, cfg: dict) -> dict:
    """A finished study folder results/<study>/ (tables and manifest, no report)."""
    plan = load_study(copy.deepcopy(cfg))
    tables = results / plan.study / "tables"
    sims = [row for job in plan.jobs for row in simulate_job(job)[0]]
    write_csv(tables / "simulations.csv", sims, SIM_COLUMNS)
    out = {name: str(tables / f"{name}.csv") for name in COLUMNS}
    summarise_tables(str(tables / "simulations.csv"), out, plan.config["stats"])
    return write_manifest(
        results / plan.study / "study.json", study=plan.study, config=plan.config,
        config_files=[], tables_dir=tables,
    )  # fmt: skip


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare") / "results"
    make_study(root, BASE)
    cut = copy.deepcopy(BASE)
    cut["study"] = "budget"
    cut["objectives"]["bowl"]["max_iter"] = BUDGET
    make_study(root, cut)
    return root


def cells(rows, **where):
    return [r for r in rows if all(r[k] == v for k, v in where.items())]


def test_a_study_compared_with_itself_flags_nothing(results, tmp_path):
    a, b, config, rows = compare("base", results / "base", results)
    assert config == []
    assert rows and {r["change"] for r in rows} == {"same"}
    counts = write_comparison(a, b, config, rows, tmp_path)
    assert counts == {"same": len(rows)}
    assert read_csv(tmp_path / "diff.csv")[0].keys() == set(DIFF_COLUMNS)
    assert "0 cells changed beyond their interval" in (tmp_path / "index.html").read_text()


def test_a_binding_budget_flags_exactly_the_cells_it_changed(results, tmp_path):
    a, b, config, rows = compare("base", "budget", results)
    assert config == [
        {"key": "objectives.bowl.max_iter", "a": None, "b": BUDGET},
        {"key": "study", "a": "base", "b": "budget"},
    ]
    # the premise: at kappa = 10 every bowl run took fewer iterations than the cut budget,
    # and at kappa = 100 every GD run needed more
    sims = read_csv(a.tables_dir / "simulations.csv")
    bowl = [r for r in sims if r["objective"] == "bowl"]
    assert max(r["iterations"] for r in bowl if r["kappa"] == 10) < BUDGET
    assert min(r["iterations"] for r in bowl if r["kappa"] == 100 and r["method"] == "gd") > BUDGET
    # untouched: the other objective and the bowl at kappa = 10, value for value
    for r in cells(rows, objective="wide") + cells(rows, objective="bowl", kappa=10.0):
        assert r["change"] == "same", r
    # every cell whose values differ is classified as a change, and no other
    differs = {
        (r["table"], r["objective"], r["kappa"], r["method"], r["quantity"])
        for r in rows
        if (r["a"], r["a_ci_low"], r["a_ci_high"]) != (r["b"], r["b_ci_low"], r["b_ci_high"])
    }
    changed = {
        (r["table"], r["objective"], r["kappa"], r["method"], r["quantity"])
        for r in rows
        if r["change"] != "same"
    }
    assert changed == differs
    flagged = [r for r in rows if r["flagged"]]
    assert {r["objective"] for r in flagged} == {"bowl"}
    assert all(r["kappa"] in (100.0, None) for r in flagged)  # None: a slope (no kappa)
    # known answers: every GD run at kappa = 100 is now out of budget (a count with no
    # interval: flagged), GD's held-out median is beyond the budget (empty: flagged), and
    # heavy ball's speedup over a censored GD fell outside its interval
    status = {r["quantity"]: r for r in cells(flagged, table="status_counts", method="gd")}
    assert status["max_iter_runs"]["a"] == 0 and status["max_iter_runs"]["b"] == 2 * 6
    assert status["converged"]["b"] == 0
    (gd,) = cells(rows, table="best", objective="bowl", kappa=100.0, method="gd")
    assert gd["b"] is None and gd["change"] == "changed"
    (speedup,) = cells(rows, table="comparisons", kappa=100.0, objective="bowl", quantity="speedup")
    assert speedup["change"] == "beyond" and speedup["b"] < speedup["a_ci_low"], speedup
    # heavy ball itself is untouched by the cut (it settles in well under 150 iterations)
    (hb,) = cells(rows, table="best", objective="bowl", kappa=100.0, method="heavy_ball")
    assert hb["change"] == "same"
    counts = write_comparison(a, b, config, rows, tmp_path)
    assert counts["same"] + sum(counts.get(c, 0) for c in ("beyond", "changed", "within")) == len(
        rows
    )
    page = (tmp_path / "index.html").read_text()
    assert "objectives.bowl.max_iter" in page and "⚑" in page
    assert "<script" not in page and "http" not in page.split("</style>")[1]  # self-contained
    on_disk = read_csv(tmp_path / "diff.csv")
    assert sum(r["flagged"] is True for r in on_disk) == len(flagged)


def test_classify_reads_intervals_one_sided_and_absent():
    assert classify(2.0, 1.0, 3.0, 2.5, 2.0, 3.0) == "within"
    assert classify(2.0, 1.0, 3.0, 3.5, 3.2, 3.9) == "beyond"
    assert classify(2.0, 1.5, None, 1.0, 0.5, None) == "beyond"  # a lower bound only
    assert classify(2.0, None, None, 2.1, None, None) == "changed"  # no interval to judge by
    assert classify(None, None, None, None, None, None) == "same"
    assert classify(5, None, None, None, None, None) == "changed"
    assert classify("faster", None, None, "no detectable difference", None, None) == "changed"


def test_an_archive_compares_like_its_folder_and_is_deterministic(results, tmp_path):
    one = export("budget", tmp_path / "one.tar.gz", results)
    two = export(results / "budget", tmp_path / "two.tar.gz", results)
    assert one.read_bytes() == two.read_bytes()
    s = open_study(one, results, scratch=tmp_path / "unpacked")
    assert s.name == "budget" and (s.root / "config.yaml").is_file()
    assert load_study(__import__("yaml").safe_load((s.root / "config.yaml").read_text())).study
    via_folder = compare("base", "budget", results)[3]
    via_archive = compare("base", one, results, scratch=tmp_path / "s")[3]
    assert via_archive == via_folder


def test_an_edited_table_is_refused_by_export(results, tmp_path):
    copy_root = tmp_path / "results"
    shutil.copytree(results / "base", copy_root / "base")
    table = copy_root / "base" / "tables" / "best.csv"
    table.write_text(table.read_text() + "\n")
    with pytest.raises(StudyError, match="best.csv: missing or changed"):
        export("base", tmp_path / "x.tar.gz", copy_root)


@pytest.mark.parametrize("key", ["tables_version", "numerics_version"])
def test_studies_of_different_versions_are_refused_naming_both(results, tmp_path, key):
    old = tmp_path / "old"
    shutil.copytree(results / "budget", old)
    manifest = json.loads((old / "study.json").read_text())
    mine = manifest[key]
    manifest[key] = "0"
    (old / "study.json").write_text(json.dumps(manifest))
    with pytest.raises(StudyError) as info:
        compare("base", old, results)
    text = str(info.value)
    what = key.replace("_", " ")
    assert f"{what} {mine}" in text and f"{what} 0" in text and str(old) in text, text


def test_a_folder_without_a_manifest_is_not_a_study(results, tmp_path):
    (tmp_path / "half").mkdir()
    with pytest.raises(StudyError, match="no study.json"):
        compare("base", tmp_path / "half", results)
    rows = diff_rows(open_study("base", results), open_study("base", results))
    assert all(r["change"] == "same" for r in rows)


def test_an_archive_reaching_outside_its_folder_is_refused(results, tmp_path):
    import io
    import tarfile

    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        info = tarfile.TarInfo("../evil/study.json")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"{}"))
    with pytest.raises(StudyError, match="not a plain file of a study archive"):
        compare("base", bad, results, scratch=tmp_path / "x")
    assert not (tmp_path / "evil").exists()
