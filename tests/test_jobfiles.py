"""A cached job's files are checked against its spec and its checksum before they are gathered.

A real job of the quick preset is run into a temporary directory, then corrupted the ways a
disk, a crash or a person would: the gather must refuse it naming the file, and write nothing.
"""

from __future__ import annotations

import os

import pytest
from workflow_helpers import QUICK, ROOT, study_config

from momentumlab.jobfiles import CorruptJobError, check_job, expectation, gather_jobs
from momentumlab.study import CURVE_COLUMNS, SIM_COLUMNS, plan, run_job


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """One real job (GD on quad2d at kappa 10: 4 alphas x 4 seeds) and its three files."""
    spec = next(j for j in plan(study_config(ROOT / QUICK)).jobs if j.method == "gd")
    base = tmp_path_factory.mktemp("job")
    files = [str(base / f"all.{s}") for s in ("sims.csv", "curves.csv", "sha256")]
    run_job(spec.as_params(), *files)
    return spec, files, [open(f, "rb").read() for f in files]


@pytest.fixture
def files(job, tmp_path):
    """A fresh copy of the job's files, to corrupt."""
    spec, paths, contents = job
    out = [str(tmp_path / p.rsplit("/", 1)[1]) for p in paths]
    for path, data in zip(out, contents, strict=True):
        with open(path, "wb") as fh:
            fh.write(data)
    return spec, out


def refused(spec, sims, curves, sums, tmp_path) -> str:
    out = [str(tmp_path / "simulations.csv"), str(tmp_path / "curves.csv")]
    with pytest.raises(CorruptJobError) as info:
        gather_jobs([expectation(spec)], [sims], [curves], [sums], *out)
    assert not any((tmp_path / name).exists() for name in ("simulations.csv", "curves.csv"))
    return str(info.value)


def test_an_intact_job_passes_and_is_gathered(files, tmp_path):
    spec, (sims, curves, sums) = files
    check_job(expectation(spec), sims, curves, sums)
    out = [str(tmp_path / "simulations.csv"), str(tmp_path / "curves.csv")]
    n, m = gather_jobs([expectation(spec)], [sims], [curves], [sums], *out)
    assert n == spec.n_simulations == 16
    assert m == expectation(spec)["rows"]["curves.csv"] > 0


def test_the_expectation_follows_the_table_columns():
    # what is checked comes from SIM_COLUMNS / CURVE_COLUMNS, never from a list of its own
    exp = expectation(next(iter(plan(study_config(ROOT / QUICK)).jobs)))
    assert {"objective", "method", "kappa"} <= set(exp) & set(SIM_COLUMNS) & set(CURVE_COLUMNS)


def test_truncated_at_a_line_boundary(files, tmp_path):
    spec, (sims, curves, sums) = files
    lines = open(sims).read().splitlines(keepends=True)
    open(sims, "w").write("".join(lines[:-3]))  # three whole rows gone: still valid CSV
    msg = refused(spec, sims, curves, sums, tmp_path)
    assert sims in msg and "13 rows, but its job simulates 16" in msg
    assert "rerun snakemake to recompute that job" in msg


def edit_cell(path: str, line: int, column: str, new) -> None:
    """Replace one cell (line 1 is the header) with ``new(old text)``."""
    lines = open(path).read().splitlines(keepends=True)
    cells = lines[line - 1].rstrip("\n").split(",")
    i = SIM_COLUMNS.index(column)
    cells[i] = new(cells[i])
    lines[line - 1] = ",".join(cells) + "\n"
    open(path, "w").write("".join(lines))


def test_garbage_in_a_number_column(files, tmp_path):
    spec, (sims, curves, sums) = files
    edit_cell(sims, 3, "final_gap", lambda _: "garbage")
    msg = refused(spec, sims, curves, sums, tmp_path)
    assert sims in msg and "line 3, column final_gap: 'garbage' is not a number" in msg


def test_an_edit_that_keeps_the_shape_is_caught_by_the_checksum(files, tmp_path):
    spec, (sims, curves, sums) = files
    # a plausible number: only the checksum can tell
    edit_cell(sims, 2, "iterations", lambda old: str(int(old) + 1))
    msg = refused(spec, sims, curves, sums, tmp_path)
    assert sims in msg and "differ from the checksum its job recorded" in msg


def test_a_row_of_another_job_or_an_unknown_status(files, tmp_path):
    spec, (sims, curves, sums) = files
    text = open(sims).read()
    lines = text.splitlines(keepends=True)
    open(sims, "w").write(lines[0] + lines[1].replace(",gd,", ",nesterov,", 1) + "".join(lines[2:]))
    assert "column method: 'nesterov', but the job's is 'gd'" in refused(
        spec, sims, curves, sums, tmp_path
    )
    open(sims, "w").write(text.replace("converged", "convergd", 1))
    assert "column status: 'convergd' is not one of" in refused(spec, sims, curves, sums, tmp_path)


def test_a_curves_file_and_a_missing_sidecar(files, tmp_path):
    spec, (sims, curves, sums) = files
    data = open(curves).read()
    open(curves, "w").write(data.replace(CURVE_COLUMNS[-1], "gap_q99", 1))
    assert curves in refused(spec, sims, curves, sums, tmp_path)
    open(curves, "w").write(data)
    os.remove(sums)
    assert "checksum sidecar cannot be read" in refused(spec, sims, curves, sums, tmp_path)
