"""The table catalogue: one home for every table's columns, types and docs.

The tables of a small real study (the plan's jobs run by ``run_job``, gathered, summarised and
the lecture rule, as the workflow runs them) are read back by the typed reader: every header and
every cell fits its catalogue entry. The reader refuses bad files naming file, row and column;
docs/tables.md and the Snakemake rules take their lists from the catalogue.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from momentumlab import catalogue, pipeline, stats
from momentumlab.catalogue import TABLES, TableError
from momentumlab.config import load_study
from momentumlab.study import gather, run_job

ROOT = Path(__file__).resolve().parents[1]

SMALL = {
    "objectives": {
        "bowl": {"type": "quadratic", "dim": 2},
        "noisy": {"type": "quadratic", "dim": 2, "noise": 0.05, "max_iter": 200, "kappas": [10]},
        "banana": {"type": "rosenbrock", "max_iter": 2000, "kappas": [10]},
    },
    "kappas": [1, 10, 100],
    "methods": ["gd", "heavy_ball", "momentum"],
    "alpha_unit": "inv_L",
    "alphas": {"gd": [1.0, 1.9, 2.5], "heavy_ball": [1.0, 3.0], "momentum": [1.0, 30.0]},
    "betas": [0.5, 0.9],
    "seeds": 4,
    "max_iter": 2000,
    "stats": {"bootstrap_resamples": 100},
}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Every table of a small study written by the library functions the rules call."""
    out = tmp_path_factory.mktemp("tables")
    jobs = load_study(SMALL).jobs
    sims, curves = [], []
    for i, job in enumerate(jobs):
        s, c = out / f"job{i}.sims.csv", out / f"job{i}.curves.csv"
        run_job(job.as_params(), str(s), str(c))
        sims.append(str(s))
        curves.append(str(c))
    gather(sims, str(out / "simulations.csv"))
    gather(curves, str(out / "curves.csv"))
    outputs = {name: str(out / f"{name}.csv") for name in catalogue.STATS_TABLES}
    settings = {"confidence": 0.95, "bootstrap_resamples": 100, "slope_min_kappa": 10.0,
                "good_factor": 2.0, "folds": 2}  # fmt: skip
    pipeline.summarise_tables(str(out / "simulations.csv"), outputs, settings)
    pipeline.lecture({"quadratic": {"kappa": 10}}, ["quadratic"], 1e-6,
                     str(out / "trajectories.csv"), str(out / "landscape.csv"))  # fmt: skip
    return out


def test_every_real_table_fits_its_entry(study):
    seen_empty = set()
    for name, cols in TABLES.items():
        rows = catalogue.read(study / f"{name}.csv", name)
        assert rows, name
        for c in cols:
            values = [r[c.name] for r in rows]
            if any(v is None for v in values):
                seen_empty.add((name, c.name))
            kind = {"str": str, "int": int, "float": float, "bool": bool}[c.type]
            assert all(v is None or type(v) is kind for v in values), (name, c.name)
    # the study is small but not trivial: empties and a noise table really occur
    assert ("best", "theory_alpha_L") in seen_empty  # Rosenbrock has no theory
    assert ("simulations", "diverged_at") in seen_empty
    assert catalogue.read(study / "noise.csv", "noise")


def test_the_writers_headers_are_the_catalogues(study):
    for name in TABLES:
        header = (study / f"{name}.csv").read_text().splitlines()[0]
        assert header.split(",") == catalogue.columns(name), name
    assert stats.COLUMNS == {n: catalogue.columns(n) for n in catalogue.STATS_TABLES}
    assert list(stats.summarise([])) == list(catalogue.STATS_TABLES)


def test_the_reader_names_file_row_and_column(study, tmp_path):
    src = (study / "best.csv").read_text().splitlines()
    header = src[0].split(",")
    col = header.index("n_cells")
    row = src[2].split(",")
    row[col] = "many"
    bad = tmp_path / "best.csv"
    bad.write_text("\n".join([src[0], src[1], ",".join(row)]) + "\n")
    with pytest.raises(TableError) as exc:
        catalogue.read(bad, "best")
    assert str(exc.value) == f"{bad}, row 2, column n_cells: 'many' is not an int"

    row[col] = ""  # an empty cell where the column may not be empty
    bad.write_text("\n".join([src[0], ",".join(row)]) + "\n")
    with pytest.raises(TableError, match=r"row 1, column n_cells: is empty, expected int"):
        catalogue.read(bad, "best")

    bad.write_text(src[0].replace("n_cells", "cells_n") + "\n")
    with pytest.raises(TableError, match=re.escape(f"{bad}: the header is")):
        catalogue.read(bad, "best")

    bad.write_text(src[0] + "\n" + src[1] + ",extra\n")
    with pytest.raises(TableError, match=r"row 1: \d+ cells, expected \d+"):
        catalogue.read(bad, "best")


def test_summarise_refuses_a_bad_simulations_table(study, tmp_path):
    lines = (study / "simulations.csv").read_text().splitlines()
    cols = lines[0].split(",")
    row = lines[5].split(",")
    row[cols.index("iterations")] = "12.5"
    sims = tmp_path / "simulations.csv"
    sims.write_text("\n".join([*lines[:5], ",".join(row), *lines[6:]]) + "\n")
    with pytest.raises(TableError, match=r"row 5, column iterations: '12.5' is not an int"):
        pipeline.summarise_tables(str(sims), {"best": str(tmp_path / "best.csv")}, {
            "confidence": 0.95, "bootstrap_resamples": 10, "slope_min_kappa": 10.0,
            "good_factor": 2.0, "folds": 2})  # fmt: skip


def test_entries_are_well_formed():
    for name, cols in TABLES.items():
        names = [c.name for c in cols]
        assert len(set(names)) == len(names), name
        assert all(c.type in catalogue.TYPES and c.doc.strip() for c in cols), name
    assert set(catalogue.STATS_TABLES) | set(catalogue.JOB_TABLES) | set(
        catalogue.LECTURE_TABLES
    ) == set(TABLES)
    assert set(catalogue.REPORT_DOWNLOADS) <= set(TABLES)


def test_docs_tables_md_is_generated_from_the_catalogue():
    text = catalogue.DOC.read_text(encoding="utf-8")
    assert catalogue.render_doc(text) == text, "run: python -m momentumlab.catalogue"
    assert catalogue.main(["--check"]) == 0
    for name in TABLES:
        assert catalogue.markdown(name) in text


def test_a_stale_doc_is_caught(tmp_path):
    text = catalogue.DOC.read_text(encoding="utf-8")
    stale = text.replace("| `n_cells` | int |", "| `n_cells` | float |", 1)
    assert stale != text
    doc = tmp_path / "tables.md"
    doc.write_text(stale, encoding="utf-8")
    assert catalogue.main(["--check", str(doc)]) == 1
    assert catalogue.main([str(doc)]) == 0  # rewrites it
    assert doc.read_text(encoding="utf-8") == text
    with pytest.raises(TableError, match="column blocks"):
        catalogue.render_doc(text.replace("<!-- columns: noise -->", ""))


def test_the_workflow_takes_its_table_lists_from_the_catalogue():
    rules = {p.name: p.read_text() for p in (ROOT / "workflow" / "rules").glob("*.smk")}
    assert "from momentumlab.catalogue import STATS_TABLES" in rules["stats.smk"]
    assert "from momentumlab.catalogue import REPORT_DOWNLOADS" in rules["report.smk"]
    for name, text in rules.items():  # no hand-written list of table names left
        assert not re.search(r'\[\s*"(cells|best|comparisons)"\s*,', text), name
