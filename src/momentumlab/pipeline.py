"""Glue between the workflow's thin scripts and the library: one function per rule.

Each function takes paths and plain values (what a rule passes through ``input``, ``output``
and ``params``) and does one rule's work. Nothing here imports snakemake.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .tables import read_csv, write_csv


def summarise_tables(simulations: str, outputs: dict[str, str], settings: dict) -> None:
    """Rule summarise: simulations.csv -> the statistics tables named in ``outputs``."""
    from . import stats

    tables = stats.summarise(
        read_csv(simulations),
        confidence=float(settings["confidence"]),
        n_resamples=int(settings["bootstrap_resamples"]),
        slope_min_kappa=float(settings["slope_min_kappa"]),
        good_factor=float(settings["good_factor"]),
        folds=int(settings["folds"]),
    )
    for name, path in outputs.items():
        write_csv(path, tables[name], stats.COLUMNS[name])


def mark_run_started(path: str) -> None:
    """Called when a Snakemake run starts: job outputs newer than this ran in this run."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(f"{time.time():.6f}\n")


def job_stats(job_outputs: list[str], started_file: str) -> dict:
    """How many simulation jobs ran in the current run, and how many were reused from cache."""
    total = len(job_outputs)
    try:
        started = float(Path(started_file).read_text())
    except (OSError, ValueError):  # no start stamp: say so rather than guess
        return {"jobs_total": total, "jobs_run": None, "jobs_cached": None}
    ran = sum(1 for p in job_outputs if os.path.getmtime(p) >= started)
    return {"jobs_total": total, "jobs_run": ran, "jobs_cached": total - ran}


def lecture(settings: dict, trajectories_out: str, landscape_out: str) -> None:
    """Rule lecture: GD and momentum paths over the 2-D bowl and the banana valley."""
    from .lecture import LANDSCAPE_COLUMNS, TRAJECTORY_COLUMNS, lecture_tables

    cases = [
        {
            "objective": name,
            "objective_type": name,
            "options": {"dim": 2},
            "kappa": float(settings[name]["kappa"]),
            "start": None,
            "steps": int(settings[name]["steps"]),
        }
        for name in ("quadratic", "rosenbrock")
    ]
    traj, land = lecture_tables(cases, steps=max(c["steps"] for c in cases), grid=120)
    write_csv(trajectories_out, traj, TRAJECTORY_COLUMNS)
    write_csv(landscape_out, land, LANDSCAPE_COLUMNS)


def report(
    *,
    tables_dir: str,
    templates_dir: str,
    out_html: str,
    figures_dir: str,
    config: dict,
    config_files: list[str],
    benchmarks_dir: str,
    job_outputs: list[str],
    started_file: str,
    downloads: list[str],
) -> None:
    """Rule report: the aggregated tables -> one self-contained HTML file, plus figure PNGs."""
    from .report import build_report

    build_report(
        tables_dir=tables_dir,
        templates_dir=templates_dir,
        out_html=out_html,
        config=config,
        config_path_text=", ".join(config_files) or None,
        benchmarks_dir=benchmarks_dir,
        job_stats=job_stats(job_outputs, started_file),
        downloads=downloads,
        repo_dir=".",
        figures_dir=figures_dir,
    )
