"""Cached job outputs are checked before they are folded into the study tables.

Each simulation job writes, next to its two tables, a ``.sha256`` sidecar holding their
checksums. The gather rule checks every job's files against the job's spec (the header is
:data:`~momentumlab.study.SIM_COLUMNS` / ``CURVE_COLUMNS``, one row per simulation, the job's
own objective, method, kappa, tol and budget in every row, a known status, numbers where numbers
belong) and against the sidecar (any edit), and refuses a corrupt job naming its file: a table
truncated at a line boundary, ``garbage`` in a number column or a hand edit never reaches
``simulations.csv``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .engine import STATUSES, curve_iterations
from .study import CURVE_COLUMNS, SIM_COLUMNS, JobSpec, gather
from .tables import parse, sha256


class CorruptJobError(ValueError):
    """A cached job output is not what its job wrote."""


def expectation(spec: JobSpec | dict) -> dict:
    """What a job's files must hold (the gather rule's params): rows, and fixed cell values."""
    if isinstance(spec, dict):
        spec = JobSpec(**spec)
    curve_rows = len(spec.points) * len(curve_iterations(spec.max_iter, spec.curve_points))
    return {
        "path": spec.path,
        "objective": spec.objective,
        "objective_type": spec.objective_type,
        "method": spec.method,
        "kappa": spec.kappa,
        "tol": spec.tol,
        "max_iter": spec.max_iter,
        "rows": {
            "sims.csv": spec.n_simulations,
            "curves.csv": curve_rows,
        },
    }


def _refuse(path, problem: str) -> CorruptJobError:
    stem = str(path).rsplit(".", 2)[0]
    return CorruptJobError(
        f"{path}: {problem}. A cached job output must be exactly what its job wrote: remove "
        f"{stem}.sims.csv, {stem}.curves.csv and {stem}.sha256, and rerun snakemake to "
        f"recompute that job"
    )


def _table_problem(path, columns: list[str], expect: dict, rows: int) -> str | None:
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != list(columns):
            return f"its columns are {header}, expected {list(columns)}"
        n = 0
        for n, row in enumerate(reader, start=1):  # noqa: B007 - n is the count afterwards
            if len(row) != len(columns):
                return f"line {n + 1} has {len(row)} cells, expected {len(columns)}"
            for col, text in zip(columns, row, strict=True):
                value = parse(text)
                if col == "status":
                    if value not in STATUSES:
                        return f"line {n + 1}, column status: {text!r} is not one of {STATUSES}"
                elif col in expect and value != expect[col]:
                    return f"line {n + 1}, column {col}: {text!r}, but the job's is {expect[col]!r}"
                elif col not in expect and isinstance(value, str):
                    return f"line {n + 1}, column {col}: {text!r} is not a number"
    if n != rows:
        return f"{n} rows, but its job simulates {rows}"
    return None


def check_job(expect: dict, sims: str, curves: str, sums: str) -> None:
    """Raise :class:`CorruptJobError`, naming the file, unless the job's files are intact."""
    try:
        recorded = json.loads(Path(sums).read_text())
    except (OSError, ValueError) as exc:
        raise _refuse(sums, f"the checksum sidecar cannot be read ({exc})") from None
    for path, columns in ((sims, SIM_COLUMNS), (curves, CURVE_COLUMNS)):
        rows = expect["rows"]["curves.csv" if columns is CURVE_COLUMNS else "sims.csv"]
        problem = _table_problem(path, columns, expect, rows)
        if problem:
            raise _refuse(path, problem)
        if recorded.get(Path(path).name) != sha256(path):
            raise _refuse(
                path, f"its bytes differ from the checksum its job recorded in {sums} (edited)"
            )


def gather_jobs(
    expected: list[dict],
    sims: list[str],
    curves: list[str],
    sums: list[str],
    sims_out: str,
    curves_out: str,
) -> tuple[int, int]:
    """Rule gather: check every job's files, then join them; returns (simulations, curve rows)."""
    for args in zip(expected, sims, curves, sums, strict=True):
        check_job(*args)
    return gather(sims, sims_out), gather(curves, curves_out)
