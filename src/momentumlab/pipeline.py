"""Glue between the workflow's thin scripts and the library: one function per rule.

Each function takes paths and plain values (what a rule passes through ``input``, ``output``
and ``params``) and does one rule's work. Nothing here imports snakemake.
"""

from __future__ import annotations

from .tables import write_csv


def summarise_tables(
    simulations: str,
    outputs: dict[str, str],
    settings: dict,
    search: str | None = None,
    refine: dict | None = None,
    adjust: bool = True,
) -> None:
    """Rule summarise: one objective's simulations.csv (and its refinement's search table,
    when there is one) -> its statistics tables named in ``outputs``. ``adjust=False`` (the
    rule's): the comparisons' study-wide Holm adjustment is left to :func:`combine_tables`.
    Both tables are read typed (:func:`momentumlab.catalogue.read`)."""
    from . import catalogue, stats

    tables = stats.summarise(
        catalogue.read(simulations, "simulations"),
        confidence=float(settings["confidence"]),
        n_resamples=int(settings["bootstrap_resamples"]),
        slope_min_kappa=float(settings["slope_min_kappa"]),
        good_factor=float(settings["good_factor"]),
        folds=int(settings["folds"]),
        search=catalogue.read(search, "search") if search else None,
        refine=refine,
        adjust=adjust,
    )
    for name, path in outputs.items():
        write_csv(path, tables[name], catalogue.columns(name))


def refine_round(
    round_: int, expected: list[dict], sims: list[str], curves: list[str], sums: list[str], *rest
) -> int:
    """Checkpoint refine (one objective's round): every job file checked against its job and
    its checksum as the gather checks it (:func:`momentumlab.jobfiles.check_jobs`), then the
    round's search table: :func:`momentumlab.refine.run_round` of ``round_``, ``sims`` and
    ``rest`` (its other arguments: previous, coarse, settings, objectives, out); returns the
    new points."""
    from .jobfiles import check_jobs
    from .refine import run_round

    check_jobs(expected, sims, curves, sums)
    return run_round(round_, sims, *rest)


def combine_tables(
    objectives: list[str],
    names: list[str],
    parts: list[str],
    order: list[list],
    outputs: dict[str, str],
    confidence: float,
    searches: list[str] = (),
    search_outputs: list[str] = (),
) -> None:
    """Rule combine: the objectives' own tables -> the study-wide tables ``outputs`` (table
    name -> path) and search tables ``search_outputs`` (round 1 first).

    ``parts``: each objective's table of each of ``names``, objective by objective (config
    order); ``searches``: each objective's search table of each round, likewise. The job
    tables (``simulations``, ``curves``) are the objectives' gathered lines moved job by job
    into the study's job order (``order``: each job's objective and its rows in each job table);
    the statistics tables are the objectives' rows, read typed, in the study's order with the
    Holm adjustment over every comparison (:func:`momentumlab.stats.combine`); a round's search
    table is the objectives' tables one after another (its canonical order). Each output is
    the bytes one whole-study gather, summarise and refinement round write."""
    from . import catalogue, stats
    from .jobfiles import combine_jobs
    from .study import gather

    n = len(names)
    by = {o: dict(zip(names, parts[i * n : (i + 1) * n], strict=True))
          for i, o in enumerate(objectives)}  # fmt: skip
    for k, name in enumerate(catalogue.JOB_TABLES):
        combine_jobs([(o, rows[k]) for o, *rows in order], {o: by[o][name] for o in objectives},
                     outputs[name])  # fmt: skip
    tables = stats.combine(
        [{t: catalogue.read(by[o][t], t) for t in catalogue.STATS_TABLES} for o in objectives],
        confidence,
    )
    for name in catalogue.STATS_TABLES:
        write_csv(outputs[name], tables[name], catalogue.columns(name))
    rounds = len(search_outputs)
    for r, out in enumerate(search_outputs):
        gather([searches[i * rounds + r] for i in range(len(objectives))], out)


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
