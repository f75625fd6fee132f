"""Glue between the workflow's thin scripts and the library: one function per rule.

Each function takes paths and plain values (what a rule passes through ``input``, ``output``
and ``params``) and does one rule's work. Nothing here imports snakemake.
"""

from __future__ import annotations

from .tables import read_csv, write_csv


def summarise_tables(
    simulations: str,
    outputs: dict[str, str],
    settings: dict,
    search: str | None = None,
    refine: dict | None = None,
) -> None:
    """Rule summarise: simulations.csv (and the refinement's search table, when there is
    one) -> the statistics tables named in ``outputs``."""
    from . import catalogue, stats

    tables = stats.summarise(
        catalogue.read(simulations, "simulations"),
        confidence=float(settings["confidence"]),
        n_resamples=int(settings["bootstrap_resamples"]),
        slope_min_kappa=float(settings["slope_min_kappa"]),
        good_factor=float(settings["good_factor"]),
        folds=int(settings["folds"]),
        search=read_csv(search) if search else None,
        refine=refine,
    )
    for name, path in outputs.items():
        write_csv(path, tables[name], catalogue.columns(name))


def lecture(
    settings: dict,
    objective_types: list[str],
    tol: float,
    trajectories_out: str,
    landscape_out: str,
) -> None:
    """Rule lecture: GD and momentum paths over the 2-D objectives of the lecture picture."""
    from .lecture import LANDSCAPE_COLUMNS, TRAJECTORY_COLUMNS, cases_from_config, lecture_tables

    cases = cases_from_config(settings, objective_types, tol)
    steps = max((c["steps"] for c in cases), default=1)
    traj, land = lecture_tables(cases, steps=steps, grid=120)
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
    benchmarks_dir: list[str],
    benchmark_files: list[str],
    job_outputs: list[str],
    downloads: list[str],
) -> None:
    """Rule report: the tables and the figure jobs' figures -> one self-contained HTML file.

    Everything it shows comes from declared inputs: run times from the jobs' benchmark files."""
    from .report import build_report

    build_report(
        tables_dir=tables_dir,
        templates_dir=templates_dir,
        out_html=out_html,
        config=config,
        config_path_text=", ".join(config_files) or None,
        benchmarks_dir=benchmarks_dir,
        benchmark_files=benchmark_files,
        job_stats={"simulation_jobs": len(job_outputs)},
        downloads=downloads,
        repo_dir=".",
        prebuilt=figures_dir,
    )
