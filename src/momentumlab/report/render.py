"""Assemble the report: tables -> figures, summary, HTML tables -> one self-contained file."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .. import DIVERGENCE_FACTOR
from . import figures, fmt, provenance, summary
from .data import (
    TABLES,
    kappas_of,
    load_tables,
    method_order,
    num,
    objective_order,
)
from .explorer import explorer_context
from .figures import label

TEMPLATE = "report.html.j2"
MAX_CELL_ROWS = 300
DEFAULT_TITLE = "When does momentum beat gradient descent?"


def make_env(templates_dir: str | os.PathLike) -> jinja2.Environment:
    """The report's jinja2 environment: autoescaped, strict about undefined names."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters |= {
        "sig": fmt.sig,
        "short": fmt.short,
        "pct": fmt.pct,
        "kappa": fmt.kappa,
        "seconds": fmt.seconds,
    }
    return env


# ----------------------------------------------------------------------------- HTML tables


@dataclass
class Table:
    id: str
    title: str
    columns: list[tuple[str, bool]]  # (heading, numeric: right-aligned)
    rows: list[list[str]]
    csv: str | None = None  # relative link to the full table
    total: int = 0  # rows in the full table
    note: str = ""
    group_col: int | None = None  # a new value here starts a visual group of rows

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)

    @property
    def starts(self) -> list[bool]:
        """Per row: does it start a new group (its group column differs from the row above)?"""
        if self.group_col is None:
            return [False] * len(self.rows)
        col = [r[self.group_col] for r in self.rows]
        return [i > 0 and col[i] != col[i - 1] for i in range(len(col))]


def _yes(x) -> bool:
    return x in (True, "true", 1)


def _beta(r) -> str:
    return fmt.DASH if r.get("method") == "gd" else fmt.short(r.get("beta"))


def _in_report_order(rows, objectives, *extra) -> list[dict]:
    """Rows by the config's objective order, then kappa, then method; ``extra`` keys after."""
    order = {o: i for i, o in enumerate(objectives)}
    methods = method_order([*(r["method"] for r in rows), *figures.METHOD_COLORS])
    return sorted(
        rows,
        key=lambda r: (
            order.get(r["objective"], len(order)),
            float(r["kappa"]),
            methods.index(r["method"]),
            *(num(r.get(k)) or 0.0 for k in extra),
        ),
    )


def best_table(best, objectives, csv) -> Table | None:
    if not best:
        return None
    rows = _in_report_order(best, objectives)
    out = []
    for r in rows:
        has = num(r.get("median_iter")) is not None
        good = (
            f"{fmt.short(r.get('good_alpha_L_min'))}–{fmt.short(r.get('good_alpha_L_max'))}"
            if num(r.get("good_alpha_L_min")) is not None
            else fmt.DASH
        )
        out.append(
            [
                r["objective"],
                fmt.kappa(r["kappa"]),
                label(r["method"]),
                fmt.short(r.get("alpha_L")) if has else fmt.DASH,
                _beta(r) if has else fmt.DASH,
                fmt.ci(r.get("median_iter"), r.get("median_ci_low"), r.get("median_ci_high"))
                if has
                else "none converged on all starts",
                fmt.sig(r.get("ert")),
                good
                + (
                    f" ({fmt.short(r.get('good_alpha_decades'))})"
                    if num(r.get("good_alpha_decades")) is not None
                    else ""
                ),
                (
                    f"{fmt.short(r.get('theory_alpha_L'))}"
                    + (f", {fmt.short(r.get('theory_beta'))}" if r["method"] != "gd" else "")
                )
                if num(r.get("theory_alpha_L")) is not None
                else fmt.DASH,
                fmt.sig(r.get("theory_iterations")),
            ]
        )
    cols = [
        ("objective", False),
        ("κ", True),
        ("method", False),
        ("α·L", True),
        ("β", True),
        ("median [CI]", True),
        ("ERT", True),
        ("good α·L (decades)", True),
        ("theory α·L, β", True),
        ("theory iterations", True),
    ]
    return Table("table-best", "Best tunings", cols, out, csv, len(out), group_col=0)


def comparisons_table(comparisons, objectives, csv) -> Table | None:
    if not comparisons:
        return None
    rows = _in_report_order(comparisons, objectives)
    out = [
        [
            r["objective"],
            fmt.kappa(r["kappa"]),
            f"{label(r['method'])} vs {label(str(r.get('baseline')))}",
            fmt.sig(r.get("n_pairs")),
            f"{fmt.sig(r.get('baseline_median_iter'))} → {fmt.sig(r.get('median_iter'))}",
            fmt.ci(r.get("speedup"), r.get("speedup_ci_low"), r.get("speedup_ci_high")),
            fmt.pvalue(r.get("wilcoxon_p")),
            fmt.pvalue(r.get("holm_p")),
            "yes" if _yes(r.get("significant")) else "no",
        ]
        for r in rows
    ]
    cols = [
        ("objective", False),
        ("κ", True),
        ("comparison", False),
        ("pairs", True),
        ("median iterations", True),
        ("speedup [CI]", True),
        ("Wilcoxon p", True),
        ("Holm p", True),
        ("significant", False),
    ]
    return Table("table-comparisons", "Paired comparisons", cols, out, csv, len(out), group_col=0)


def slopes_table(slopes, objectives, csv) -> Table | None:
    rows = [r for r in slopes if r.get("objective") is not None]
    if not rows:
        return None
    order = {o: i for i, o in enumerate(objectives)}
    methods = method_order([*(r["method"] for r in rows), *figures.METHOD_COLORS])
    rows.sort(key=lambda r: (order.get(r["objective"], len(order)), methods.index(r["method"])))
    out = [
        [
            r["objective"],
            label(r["method"]),
            fmt.sig(r.get("n_kappas")),
            f"{fmt.kappa(r.get('kappa_min'))}–{fmt.kappa(r.get('kappa_max'))}"
            if num(r.get("kappa_min"))
            else fmt.DASH,
            f"{fmt.slope(r.get('slope'))} [{fmt.slope(r.get('slope_ci_low'))}, "
            f"{fmt.slope(r.get('slope_ci_high'))}]"
            if num(r.get("slope")) is not None
            else fmt.DASH,
            fmt.slope(r.get("theory_slope")),
            "yes" if _yes(r.get("theory_applies")) else "reference only",
        ]
        for r in rows
    ]
    cols = [
        ("objective", False),
        ("method", False),
        ("κ values", True),
        ("κ range", True),
        ("slope [CI]", True),
        ("theory", True),
        ("theory applies", False),
    ]
    return Table("table-slopes", "κ-slopes", cols, out, csv, len(out), group_col=0)


def status_table(status_counts, objectives, csv) -> Table | None:
    if not status_counts:
        return None
    rows = _in_report_order(status_counts, objectives)
    out = [
        [
            r["objective"],
            fmt.kappa(r["kappa"]),
            label(r["method"]),
            fmt.sig(r.get("runs")),
            fmt.sig(r.get("converged")),
            fmt.sig(r.get("diverged")),
            fmt.sig(r.get("max_iter_runs")),
        ]
        for r in rows
    ]
    cols = [
        ("objective", False),
        ("κ", True),
        ("method", False),
        ("runs", True),
        ("converged", True),
        ("diverged", True),
        ("hit budget", True),
    ]
    return Table("table-status", "Run outcomes", cols, out, csv, len(out), group_col=0)


def cells_table(cells, objectives, csv, limit: int = MAX_CELL_ROWS) -> Table | None:
    if not cells:
        return None
    rows = _in_report_order(cells, objectives, "beta", "alpha_L")
    out = [
        [
            r["objective"],
            fmt.kappa(r["kappa"]),
            label(r["method"]),
            fmt.short(r.get("alpha_L")),
            _beta(r),
            fmt.sig(r.get("runs")),
            fmt.pct_ci(r.get("conv_frac"), r.get("conv_ci_low"), r.get("conv_ci_high")),
            fmt.sig(r.get("diverged")),
            fmt.sig(r.get("max_iter_runs")),
            fmt.ci(r.get("median_iter"), r.get("median_ci_low"), r.get("median_ci_high"))
            if num(r.get("median_iter")) is not None
            else "beyond budget",
            f"{fmt.sig(r.get('q25_iter'))}–{fmt.sig(r.get('q75_iter'))}"
            if num(r.get("q25_iter")) is not None
            else fmt.DASH,
            fmt.sig(r.get("ert")),
        ]
        for r in rows[:limit]
    ]
    cols = [
        ("objective", False),
        ("κ", True),
        ("method", False),
        ("α·L", True),
        ("β", True),
        ("runs", True),
        ("converged [CI]", True),
        ("diverged", True),
        ("hit budget", True),
        ("median [CI]", True),
        ("IQR", True),
        ("ERT", True),
    ]
    return Table("table-cells", "Every grid point", cols, out, csv, len(rows), group_col=0)


# ----------------------------------------------------------------------------- assembling


def _copy_downloads(tables_dir: Path, out_dir: Path, downloads) -> dict[str, str]:
    """Copy the CSVs next to the report (``tables/<name>.csv``); name -> relative link."""
    links = {}
    names = list(downloads) if downloads is not None else [f"{t}.csv" for t in TABLES]
    for item in names:
        src = Path(item)
        if not src.is_file():
            src = tables_dir / (item if str(item).endswith(".csv") else f"{item}.csv")
        if not src.is_file():
            continue
        dest = out_dir / "tables" / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.resolve() != dest.resolve():
            shutil.copyfile(src, dest)
        links[src.stem] = f"tables/{src.name}"
    return links


def _sections(t: dict, objectives: list[str], config: dict) -> dict:
    figs = {"lecture": None, "curves": [], "heatmaps": [], "sensitivity": []}
    n = 0

    def nxt():
        nonlocal n
        n += 1
        return n

    figs["lecture"] = figures.lecture_figure(t["trajectories"], t["landscape"], n + 1)
    if figs["lecture"]:
        nxt()
    for obj in objectives:
        f = figures.curves_figure(obj, t["curves"], t["best"], config, n + 1)
        if f:
            nxt()
            figs["curves"].append(f)
    for obj in objectives:
        f = figures.heatmap_figure(obj, t["cells"], t["best"], config, n + 1)
        if f:
            nxt()
            figs["heatmaps"].append(f)
    figs["kappa"] = figures.kappa_figure(t["best"], t["slopes"], objectives, config, n + 1)
    if figs["kappa"]:
        nxt()
    figs["speedup"] = figures.speedup_figure(t["comparisons"], t["best"], objectives, config, n + 1)
    if figs["speedup"]:
        nxt()
    for obj in objectives:
        f = figures.sensitivity_figure(obj, t["cells"], t["best"], config, n + 1)
        if f:
            nxt()
            figs["sensitivity"].append(f)
    return figs


def _study_facts(t: dict, objectives: list[str], config: dict) -> list[tuple[str, str]]:
    methods = method_order(r["method"] for r in t["cells"] + t["best"])
    kappas = kappas_of(t["cells"] + t["best"])
    facts = [
        ("objectives", ", ".join(objectives) or fmt.DASH),
        ("condition numbers κ", ", ".join(fmt.kappa(k) for k in kappas) or fmt.DASH),
        ("methods", ", ".join(label(m) for m in methods) or fmt.DASH),
        ("starts per grid point", str(config.get("seeds", fmt.DASH))),
        ("tolerance", fmt.short(config.get("tol"))),
        ("iteration budget", fmt.sig(config.get("max_iter"))),
    ]
    per = [
        f"{o}: {', '.join(f'{k} {v}' for k, v in spec.items() if k in ('tol', 'max_iter'))}"
        for o, spec in (config.get("objectives") or {}).items()
        if isinstance(spec, dict) and any(k in spec for k in ("tol", "max_iter"))
    ]
    if per:
        facts.append(("per-objective settings", "; ".join(per)))
    return facts


def build_context(
    *,
    tables_dir: str | os.PathLike,
    config: dict,
    config_path_text: str | None = None,
    benchmarks_dir: str | os.PathLike | None = None,
    job_stats: dict | None = None,
    links: dict[str, str] | None = None,
    repo_dir: str | os.PathLike | None = None,
) -> dict:
    """Everything the template needs, from the aggregated tables and the config."""
    t = load_tables(tables_dir)
    # the lecture picture's cases are not study objectives: leave trajectories out
    objectives = objective_order(config, t["cells"], t["best"], t["curves"])
    links = links or {}
    conf = (config.get("stats") or {}).get("confidence", 0.95)
    level = f"{100 * float(conf):g}%"
    figs = _sections(t, objectives, config)
    tables = {
        "best": best_table(t["best"], objectives, links.get("best")),
        "comparisons": comparisons_table(t["comparisons"], objectives, links.get("comparisons")),
        "slopes": slopes_table(t["slopes"], objectives, links.get("slopes")),
        "status": status_table(t["status_counts"], objectives, links.get("status_counts")),
        "cells": cells_table(t["cells"], objectives, links.get("cells")),
    }
    missing = [name for name in TABLES if not t[name]]
    return {
        "title": str(config.get("title") or DEFAULT_TITLE),
        "generated": provenance.now_utc(),
        "level": level,
        "facts": _study_facts(t, objectives, config),
        "speedups": summary.speedups(t["comparisons"], t["best"], objectives, config, level),
        "slope_sentences": summary.slope_sentences(t["slopes"], objectives, level),
        "failures": summary.failures(t["status_counts"], t["cells"]),
        "figures": figs,
        "explorer": explorer_context(t["cells"], config),
        "tables": tables,
        "downloads": [{"name": f"{k}.csv", "href": v} for k, v in links.items()],
        "missing_tables": missing,
        "tol": config.get("tol"),
        "max_iter": config.get("max_iter"),
        "divergence_factor": f"{DIVERGENCE_FACTOR:.0e}".replace("e+", "e"),
        "provenance": {
            "config_text": provenance.config_text(config),
            "config_hash": provenance.config_hash(config),
            "config_path": config_path_text,
            "git": provenance.git_info(repo_dir),
            "versions": provenance.versions(),
            "benchmarks": provenance.benchmark_summary(benchmarks_dir),
            "job_stats": dict(job_stats) if job_stats else {},
        },
    }


def render(templates_dir: str | os.PathLike, context: dict) -> str:
    return make_env(templates_dir).get_template(TEMPLATE).render(**context)


def build_report(
    *,
    tables_dir: str | os.PathLike,
    templates_dir: str | os.PathLike,
    out_html: str | os.PathLike,
    config: dict,
    config_path_text: str | None = None,
    benchmarks_dir: str | os.PathLike | None = None,
    job_stats: dict | None = None,
    downloads: list[str] | None = None,
    repo_dir: str | os.PathLike | None = None,
    figures_dir: str | os.PathLike | None = None,
) -> Path:
    """Render the study's report into ``out_html`` (one self-contained file).

    Reads only the aggregated tables in ``tables_dir`` (cells, best, comparisons, slopes,
    status_counts, curves, trajectories, landscape; missing ones give "no data" notes) and
    copies ``downloads`` (table names such as ``"best"`` / ``"best.csv"``, or paths; default:
    every one of those tables that exists) to ``<out_html's folder>/tables/`` so the report can
    link them. ``config`` is the study config as used (shown, hashed); ``config_path_text`` is
    shown as where it came from; ``benchmarks_dir`` holds Snakemake benchmark TSVs; ``job_stats``
    is displayed as given; ``repo_dir`` is where ``git rev-parse HEAD`` runs (default: cwd);
    ``figures_dir``, when given, also receives every figure as ``<figure id>.png`` (for
    ``snakemake --report``). Returns the path written.
    """
    out_html = Path(out_html)
    out_dir = out_html.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    links = _copy_downloads(Path(tables_dir), out_dir, downloads)
    context = build_context(
        tables_dir=tables_dir,
        config=config,
        config_path_text=config_path_text,
        benchmarks_dir=benchmarks_dir,
        job_stats=job_stats,
        links=links,
        repo_dir=repo_dir,
    )
    html = render(templates_dir, context)
    if figures_dir is not None:
        export_figures(context["figures"], figures_dir)
    tmp = out_html.with_name(out_html.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out_html)
    return out_html


__all__ = ["build_context", "build_report", "make_env", "render"]


def export_figures(figs: dict, out_dir: str | os.PathLike) -> list[Path]:
    """Write the report's figures (held as PNG data URIs) to ``out_dir/<id>.png``."""
    import base64

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for value in figs.values():
        for fig in value if isinstance(value, list) else [value]:
            if fig is None:
                continue
            path = out_dir / f"{fig.id}.png"
            path.write_bytes(base64.b64decode(fig.src.split(",", 1)[1]))
            written.append(path)
    return written
