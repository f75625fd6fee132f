"""The report's figures as separate workflow jobs: one per kind (and per objective).

Each figure job reads only the tables its figure needs (:data:`STUDY_FIGURES`,
:data:`OBJECTIVE_FIGURES`) and writes ``<name>.png`` (the bitmap, SCALE x) and ``<name>.json``
(its id, title, alt text, caption, CSS size, smallest font). The report job then only
assembles: :func:`read_figure` turns the pair back into a :class:`~.figures.Fig`.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .data import load_tables

if TYPE_CHECKING:
    from .figures import Fig

# kind -> the tables it reads; study-wide figures, then one per objective
STUDY_FIGURES = {
    "hero": ("comparisons",),
    "lecture": ("trajectories", "landscape"),
    "kappa": ("best", "slopes"),
    "speedup": ("comparisons", "best"),
}
# study figures drawn from their tables alone: their jobs get no settings and no objectives, so
# that only their tables make them rerun (a change to an objective's budget does not)
SETTINGS_FREE = ("lecture",)
OBJECTIVE_FIGURES = {
    "curves": ("curves", "best"),
    "heatmap": ("cells", "best"),
    "sensitivity": ("cells", "best"),
}
FIG_FIELDS = (
    "id",
    "title",
    "alt",
    "caption",
    "width",
    "height",
    "min_font_px",
    "kind",
    "objective",
)


# what each kind of figure shows, in one sentence (the captions of ``snakemake --report``)
WHAT = {
    "hero": "The best momentum method's held-out speedup over GD against κ, per objective (the "
    "verdict's comparisons; 'at least' when GD was censored), beside the speedup theory "
    "predicts on a quadratic.",
    "lecture": "The lecture's picture: GD and momentum paths over the level sets of a 2-D "
    "valley, with iteration numbers, and their gaps on a linear iteration axis.",
    "kappa": "Iterations to the tolerance against κ at each method's best tuning, with fitted "
    "and theoretical κ-slopes.",
    "speedup": "The paired speedup of each momentum method over GD against κ, with "
    "confidence intervals and the theoretical ratio.",
    "curves": "Convergence curves at each method's best tuning.",
    "heatmap": "The tuning landscape: median iterations over the (α·L, β) grid.",
    "sensitivity": "Sensitivity to the step size: median iterations against α·L per β.",
}


def report_caption(kind: str, objective: str | None = None) -> str:
    """One caption per figure for ``snakemake --report``: what it shows and how to read it."""
    where = f" Objective: {objective}." if objective else ""
    from . import figures  # matplotlib loads only when a figure is drawn or described

    return f"{WHAT[kind]}{where} {figures.KIND_CAPTIONS.get(kind, '')}".strip()


def figure_name(kind: str, objective: str | None = None) -> str:
    """The file stem of a figure job's outputs: ``hero`` or ``curves-quad2d``."""
    return kind if objective is None else f"{kind}-{objective}"


def figure_names(objectives) -> list[str]:
    """Every figure job's file stem for a study with these objective labels, in page order."""
    names = list(STUDY_FIGURES)
    return names + [figure_name(k, o) for o in objectives for k in OBJECTIVE_FIGURES]


def benchmark_files(root: str, cache_root: str, job_paths, objectives, rounds=()) -> list[str]:
    """The benchmark file of every job the report depends on (its run times, as inputs): the
    study's own jobs under ``root`` (each objective's refinement rounds, gather and summarise,
    the combine, the lecture, the figures), its simulation jobs under the shared ``cache_root``."""
    per_objective = [f"refine/{o}/round{r}" for o in objectives for r in rounds]
    per_objective += [f"{rule}/{o}" for rule in ("gather", "summarise") for o in objectives]
    names = per_objective + ["combine", "lecture"]
    names += [f"figures/{n}" for n in figure_names(objectives)]
    sims = [f"{cache_root}/simulate/{path}.tsv" for path in job_paths]
    return sims + [f"{root}/{name}.tsv" for name in names]


def figure_settings(config: dict, objective: str | None = None) -> dict:
    """The part of the config a figure reads (so that other keys do not make it rerun)."""
    specs = config.get("objectives") or {}
    keep = ("type", "tol", "max_iter")

    def slim(spec):
        return {k: spec[k] for k in keep if isinstance(spec, dict) and k in spec}

    chosen = specs if objective is None else {objective: specs.get(objective, {})}
    return {
        "tol": config.get("tol"),
        "max_iter": config.get("max_iter"),
        "momentum_step": config.get("momentum_step", "alpha"),  # the heatmaps' EMA x axis
        "objectives": {o: slim(s) for o, s in chosen.items()},
    }


def draw(kind: str, objective: str | None, tables: dict, config: dict, objectives=None):
    """The figure of one kind (for one objective), or None when there is nothing to draw."""
    objectives = list(objectives or (config.get("objectives") or {}))
    needs = (STUDY_FIGURES | OBJECTIVE_FIGURES).get(kind)
    if needs is None:
        raise ValueError(f"unknown figure kind {kind!r}")
    t = {name: tables.get(name, []) for name in needs}
    from . import figures

    if kind == "hero":
        return figures.hero_figure(t["comparisons"], objectives, config)
    if kind == "lecture":
        return figures.lecture_figure(t["trajectories"], t["landscape"])
    if kind == "kappa":
        return figures.kappa_figure(t["best"], t["slopes"], objectives, config)
    if kind == "speedup":
        return figures.speedup_figure(t["comparisons"], t["best"], objectives, config)
    if kind == "curves":
        return figures.curves_figure(objective, t["curves"], t["best"], config)
    if kind == "heatmap":
        return figures.heatmap_figure(objective, t["cells"], t["best"], config)
    return figures.sensitivity_figure(objective, t["cells"], t["best"], config)


def write_figure(fig, png: str | os.PathLike, meta: str | os.PathLike) -> None:
    """A figure's bitmap and its description; a missing figure is an empty PNG and null."""
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    data = base64.b64decode(fig.src.split(",", 1)[1]) if fig is not None else b""
    Path(png).write_bytes(data)
    desc = None if fig is None else {k: getattr(fig, k) for k in FIG_FIELDS}
    Path(meta).write_text(json.dumps(desc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def read_figure(meta: str | os.PathLike) -> Fig | None:
    """The figure a figure job wrote (``<name>.json`` beside ``<name>.png``), or None."""
    meta = Path(meta)
    desc = json.loads(meta.read_text(encoding="utf-8"))
    if desc is None:
        return None
    data = meta.with_suffix(".png").read_bytes()
    src = "data:image/png;base64," + base64.b64encode(data).decode()
    from . import figures

    return figures.Fig(src=src, **desc)


def figure_job(kind, objective, tables_dir, config, objectives, png, meta) -> None:
    """Rule figure: draw one figure from the tables it needs and write it."""
    names = STUDY_FIGURES.get(kind) or OBJECTIVE_FIGURES[kind]
    tables = load_tables(tables_dir, names, objective)  # only its objective's rows, if one
    fig = draw(kind, objective, tables, config, objectives)
    write_figure(fig, png, meta)
