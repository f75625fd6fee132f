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
import os
import re
from pathlib import Path

from .engine import STATUSES, curve_iterations
from .study import CURVE_COLUMNS, SIM_COLUMNS, JobSpec, gather
from .tables import cell_text, sha256


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


# a cell as the writer writes a number, a boolean or nothing (tables.cell_text)
_NUMBER = r"(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|-?inf|nan|true|false|)"


def _row_pattern(columns: list[str], expect: dict) -> re.Pattern:
    """One regular expression a whole row of this job must match (fast: one call per row)."""
    cells = []
    for c in columns:
        if c in expect:
            cells.append(re.escape(cell_text(expect[c])))
        elif c == "status":
            cells.append("(?:" + "|".join(map(re.escape, STATUSES)) + ")")
        else:
            cells.append(_NUMBER)
    return re.compile(",".join(cells))


def _row_problem(line: str, columns: list[str], expect: dict) -> str:
    """Why one row does not match (the slow path, for the message)."""
    row = next(csv.reader([line]), [])
    if len(row) != len(columns):
        return f"{len(row)} cells, expected {len(columns)}"
    for col, text in zip(columns, row, strict=True):
        if col in expect and text != cell_text(expect[col]):
            return f"column {col}: {text!r}, but the job's is {cell_text(expect[col])!r}"
        if col == "status" and text not in STATUSES:
            return f"column status: {text!r} is not one of {STATUSES}"
        if col not in expect and col != "status" and not re.fullmatch(_NUMBER, text):
            return f"column {col}: {text!r} is not a number"
    return f"{line!r} is not a row its job writes"


def _table_problem(path, columns: list[str], expect: dict, rows: int) -> str | None:
    pattern = _row_pattern(columns, expect)
    with open(path, newline="") as fh:
        header = fh.readline().rstrip("\r\n").split(",")
        if header != list(columns):
            return f"its columns are {header}, expected {list(columns)}"
        n = 0
        for n, line in enumerate(fh, start=1):  # noqa: B007 - n is the count afterwards
            text = line.rstrip("\n")
            if not pattern.fullmatch(text):
                return f"line {n + 1}, {_row_problem(text, columns, expect)}"
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


def check_jobs(expected: list[dict], sims: list[str], curves: list[str], sums: list[str]) -> None:
    """:func:`check_job` on every job (the gather's and the refinement checkpoint's check)."""
    for args in zip(expected, sims, curves, sums, strict=True):
        check_job(*args)


def gather_jobs(
    expected: list[dict],
    sims: list[str],
    curves: list[str],
    sums: list[str],
    sims_out: str,
    curves_out: str,
) -> tuple[int, int]:
    """Rule gather: check every job's files, then join them; returns (simulations, curve rows)."""
    check_jobs(expected, sims, curves, sums)
    return gather(sims, sims_out), gather(curves, curves_out)


def combine_jobs(order: list[tuple[str, int]], parts: dict[str, str], out: str) -> int:
    """The study-wide job table from the objectives' gathered ones (:func:`gather_jobs`): each
    part holds its objective's jobs' rows one job after another, and ``order`` lists every job
    of the study as (objective, rows) in the study's order, so the lines are moved as they are
    (the same bytes a gather of every job at once writes). Returns the rows written."""
    files = {o: open(path) for o, path in parts.items()}  # noqa: SIM115 - closed below
    tmp = f"{out}.tmp"
    try:
        headers = {o: fh.readline() for o, fh in files.items()}
        if len(set(headers.values())) != 1:
            raise ValueError(f"combine: the parts' headers differ: {headers}")
        n = 0
        with open(tmp, "w") as dest:
            dest.write(next(iter(headers.values())))
            for objective, rows in order:
                fh = files[objective]
                for _ in range(rows):
                    line = fh.readline()
                    if not line:
                        raise ValueError(f"combine: {parts[objective]} ends before its jobs do")
                    dest.write(line)
                n += rows
        for o, fh in files.items():
            if fh.readline():
                raise ValueError(f"combine: {parts[o]} holds rows of no job of the study")
    finally:
        for fh in files.values():
            fh.close()
    os.replace(tmp, out)
    return n
