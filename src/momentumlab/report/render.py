"""Assemble the report: tables -> figures, summary, HTML tables -> one self-contained file."""

from __future__ import annotations

import base64
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .. import DIVERGENCE_FACTOR
from ..methods import METHODS, label, method_order, takes_beta
from . import figures, fmt, jobs, provenance, summary
from .data import (
    TABLES,
    kappas_of,
    load_tables,
    num,
    objective_order,
    objective_type,
)
from .explorer import explorer_context

TEMPLATE = "report.html.j2"
FIGURE_ONLY = ("curves", "trajectories", "landscape")  # read by the figures alone
TEXT_TABLES = tuple(t for t in TABLES if t not in FIGURE_ONLY)  # what the text and tables show
MAX_CELL_ROWS = 300
SIZE_BUDGET = 10_000_000  # bytes: the whole HTML file, figures and embedded CSVs included
PAGE_RESERVE = 400_000  # bytes kept for the text, tables and styles around figures and CSVs
EMBED_BUDGET = 6_000_000  # bytes of base64 CSV when the figures' size is not known
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
    csv: dict | None = None  # the full table: {"href", "embedded", "bytes", "file"}
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
    return fmt.short(r.get("beta")) if takes_beta(str(r.get("method"))) else fmt.DASH


def _in_report_order(rows, objectives, *extra) -> list[dict]:
    """Rows by the config's objective order, then kappa, then method; ``extra`` keys after."""
    order = {o: i for i, o in enumerate(objectives)}
    methods = method_order([*(r["method"] for r in rows), *METHODS])
    return sorted(
        rows,
        key=lambda r: (
            order.get(r["objective"], len(order)),
            float(r["kappa"]),
            methods.index(r["method"]),
            *(num(r.get(k)) or 0.0 for k in extra),
        ),
    )


def _pairs_faster(r) -> str:
    """'k/n': of n paired starts, k where the method needed fewer iterations than the baseline."""
    k, n = num(r.get("pairs_faster")), num(r.get("n_pairs"))
    if k is None or n is None:
        return fmt.DASH
    return f"{int(k)}/{int(n)}"


def _sig(key):
    return lambda r: fmt.sig(r.get(key))


def _median(empty):
    """The median with its [low, high] interval, or ``empty`` when there is no median."""
    return lambda r: (
        fmt.ci(r.get("median_iter"), r.get("median_ci_low"), r.get("median_ci_high"))
        if num(r.get("median_iter")) is not None
        else empty
    )


def _range(lo, hi, show, empty=fmt.DASH):
    return lambda r: f"{show(r.get(lo))}–{show(r.get(hi))}" if num(r.get(lo)) is not None else empty


def _good(r) -> str:
    decades = num(r.get("good_alpha_decades"))
    return _range("good_alpha_L_min", "good_alpha_L_max", fmt.short)(r) + (
        f" ({fmt.short(decades)})" if decades is not None else ""
    )


def _theory_tuning(r) -> str:
    if num(r.get("theory_alpha_L")) is None:
        return fmt.DASH
    beta = f", {fmt.short(r.get('theory_beta'))}" if takes_beta(r["method"]) else ""
    return fmt.short(r.get("theory_alpha_L")) + beta


def _if_median(cell):
    """A best-row cell shown only when the row has a held-out median."""
    return lambda r: cell(r) if num(r.get("median_iter")) is not None else fmt.DASH


def _slope(r) -> str:
    if num(r.get("slope")) is None:
        return fmt.DASH
    lo, hi = fmt.slope(r.get("slope_ci_low")), fmt.slope(r.get("slope_ci_high"))
    return f"{fmt.slope(r.get('slope'))} [{lo}, {hi}]"


def _significant(r) -> str:
    p = f" (Holm p {fmt.pvalue(r.get('holm_p'))})" if num(r.get("holm_p")) else ""
    return ("yes" if _yes(r.get("significant")) else "no") + p


# Each HTML table: (heading, numeric: right-aligned, the cell's text from a row)
OBJECTIVE = ("objective", False, lambda r: r["objective"])
KAPPA = ("κ", True, lambda r: fmt.kappa(r["kappa"]))
METHOD = ("method", False, lambda r: label(r["method"]))
TABLE_COLUMNS = {
    "best": [
        OBJECTIVE, KAPPA, METHOD,
        ("α·L", True, _if_median(lambda r: fmt.short(r.get("alpha_L")))),
        ("β", True, _if_median(_beta)),
        ("median [CI]", True, _median("none converged on all starts")),
        ("ERT", True, _sig("ert")),
        ("good α·L (decades)", True, _good),
        ("theory α·L, β", True, _theory_tuning),
        ("theory iterations", True, _sig("theory_iterations")),
    ],
    "comparisons": [
        OBJECTIVE, KAPPA,
        ("comparison", False,
         lambda r: f"{label(r['method'])} vs {label(str(r.get('baseline')))}"),
        ("pairs faster", True, _pairs_faster),
        ("median iterations", True,
         lambda r: f"{fmt.sig(r.get('baseline_median_iter'))} → {fmt.sig(r.get('median_iter'))}"),
        ("speedup [CI]", True,
         lambda r: fmt.ci(r.get("speedup"), r.get("speedup_ci_low"), r.get("speedup_ci_high"))),
        ("significant", False, _significant),
    ],
    "slopes": [
        OBJECTIVE, METHOD,
        ("κ values", True, _sig("n_kappas")),
        ("κ range", True, _range("kappa_min", "kappa_max", fmt.kappa)),
        ("slope [CI]", True, _slope),
        ("theory", True, lambda r: fmt.slope(r.get("theory_slope"))),
        ("theory applies", False,
         lambda r: "yes" if _yes(r.get("theory_applies")) else "reference only"),
    ],
    "status": [
        OBJECTIVE, KAPPA, METHOD,
        ("runs", True, _sig("runs")),
        ("converged", True, _sig("converged")),
        ("diverged", True, _sig("diverged")),
        ("hit budget", True, _sig("max_iter_runs")),
    ],
    "cells": [
        OBJECTIVE, KAPPA, METHOD,
        ("α·L", True, lambda r: fmt.short(r.get("alpha_L"))),
        ("β", True, _beta),
        ("runs", True, _sig("runs")),
        ("converged [CI]", True,
         lambda r: fmt.pct_ci(r.get("conv_frac"), r.get("conv_ci_low"), r.get("conv_ci_high"))),
        ("diverged", True, _sig("diverged")),
        ("hit budget", True, _sig("max_iter_runs")),
        ("median [CI]", True, _median("beyond budget")),
        ("IQR", True, _range("q25_iter", "q75_iter", fmt.sig)),
        ("ERT", True, _sig("ert")),
    ],
}  # fmt: skip
TABLE_TITLES = {
    "best": ("table-best", "Best tunings"),
    "comparisons": ("table-comparisons", "Paired comparisons"),
    "slopes": ("table-slopes", "κ-slopes"),
    "status": ("table-status", "Run outcomes"),
    "cells": ("table-cells", "Every grid point"),
}


def html_table(kind: str, rows: list[dict], csv, total: int | None = None) -> Table | None:
    """The HTML table ``kind`` of :data:`TABLE_COLUMNS` from rows already in report order."""
    if not rows:
        return None
    spec = TABLE_COLUMNS[kind]
    out = [[cell(r) for _, _, cell in spec] for r in rows]
    tid, title = TABLE_TITLES[kind]
    cols = [(head, numeric) for head, numeric, _ in spec]
    return Table(tid, title, cols, out, csv, len(out) if total is None else total, group_col=0)


def best_table(best, objectives, csv) -> Table | None:
    return html_table("best", _in_report_order(best, objectives), csv)


def comparisons_table(comparisons, objectives, csv) -> Table | None:
    return html_table("comparisons", _in_report_order(comparisons, objectives), csv)


def only_objective(table: Table | None, obj: str, suffix: str) -> Table | None:
    """The rows of ``table`` for one objective, without the objective column."""
    if table is None:
        return None
    rows = [r[1:] for r in table.rows if r[0] == obj]
    if not rows:
        return None
    return Table(
        f"{table.id}-{suffix}", f"{table.title} on {obj}", table.columns[1:], rows,
        table.csv, len(rows), table.note, group_col=0,
    )  # fmt: skip


def slopes_table(slopes, objectives, csv) -> Table | None:
    rows = [r for r in slopes if r.get("objective") is not None]
    order = {o: i for i, o in enumerate(objectives)}
    methods = method_order([*(r["method"] for r in rows), *METHODS])
    rows.sort(key=lambda r: (order.get(r["objective"], len(order)), methods.index(r["method"])))
    return html_table("slopes", rows, csv)


def status_table(status_counts, objectives, csv) -> Table | None:
    return html_table("status", _in_report_order(status_counts, objectives), csv)


def cells_table(cells, objectives, csv, limit: int = MAX_CELL_ROWS) -> Table | None:
    rows = _in_report_order(cells, objectives, "beta", "alpha_L")
    return html_table("cells", rows[:limit], csv, total=len(rows))


# ----------------------------------------------------------------------------- assembling


def _copy_downloads(
    tables_dir: Path, out_dir: Path, downloads, budget: int = EMBED_BUDGET
) -> dict[str, dict]:
    """Copy the CSVs next to the report (``tables/<name>.csv``) and embed the smallest ones as
    ``data:`` URIs while their encoded size fits ``budget`` bytes, so that the one file carries
    its data. name -> {"href": data URI or relative link, "embedded": bool, "bytes": int}."""
    found = []
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
        found.append((src.stem, dest))
    links, spent = {}, 0
    for stem, dest in sorted(found, key=lambda x: (x[1].stat().st_size, x[0])):
        size = dest.stat().st_size
        cost = 4 * math.ceil(size / 3) + 40
        embed = spent + cost <= budget
        if embed:
            spent += cost
            data = base64.b64encode(dest.read_bytes()).decode()
            href = f"data:text/csv;charset=utf-8;base64,{data}"
        else:
            href = f"tables/{dest.name}"
        links[stem] = {"href": href, "embedded": embed, "bytes": size, "file": dest.name}
    return {k: links[k] for k, _ in found}


def _figures(t: dict, objectives: list[str], config: dict, prebuilt=None) -> dict:
    """Every figure, numbered in page order; per-objective ones grouped by objective.

    With ``prebuilt`` (a folder of figure jobs' outputs), figures are read from there rather
    than drawn (a figure missing there is drawn)."""

    def get(kind, obj=None):
        if prebuilt is not None:
            meta = Path(prebuilt) / f"{jobs.figure_name(kind, obj)}.json"
            if meta.is_file():
                return jobs.read_figure(meta)
        return jobs.draw(kind, obj, t, config, objectives)

    figs = {kind: get(kind) for kind in jobs.STUDY_FIGURES}
    figs["objectives"] = {}
    for obj in objectives:
        drawn = [get(kind, obj) for kind in jobs.OBJECTIVE_FIGURES]
        figs["objectives"][obj] = [f for f in drawn if f is not None]
    first: dict[str, int] = {}
    for n, fig in enumerate(all_figures(figs), start=1):
        fig.number = n
        if fig.kind in figures.KIND_CAPTIONS:
            fig.read_as = first.setdefault(fig.kind, n)
            fig.how_to_read = figures.KIND_CAPTIONS[fig.kind] if fig.read_as == n else ""
    return figs


def all_figures(figs: dict) -> list[figures.Fig]:
    """The figures of :func:`_figures` in page order."""
    out = [figs[k] for k in jobs.STUDY_FIGURES]
    out += [f for fs in figs["objectives"].values() for f in fs]
    return [f for f in out if f is not None]


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
    benchmark_files: list[str] | None = None,
    links: dict[str, dict] | None = None,
    repo_dir: str | os.PathLike | None = None,
    out_dir: str | os.PathLike | None = None,
    downloads: list[str] | None = None,
    prebuilt: str | os.PathLike | None = None,
) -> dict:
    """Everything the template needs, from the aggregated tables and the config.

    With ``out_dir``, the tables ``downloads`` are copied to ``out_dir/tables/`` and embedded
    as far as the file's 10 MB budget allows once the figures are drawn (else ``links``)."""
    # with prebuilt figures, only the tables the text and the HTML tables show are read
    names = TEXT_TABLES if prebuilt is not None else TABLES
    t = {name: [] for name in TABLES} | load_tables(tables_dir, names)
    # the lecture picture's cases are not study objectives: leave trajectories out
    objectives = objective_order(config, t["cells"], t["best"], t["curves"])
    links = links or {}
    conf = (config.get("stats") or {}).get("confidence", 0.95)
    level = f"{100 * float(conf):g}%"
    figs = _figures(t, objectives, config, prebuilt)
    if out_dir is not None:
        spent = sum(len(f.src) for f in all_figures(figs)) + PAGE_RESERVE
        links = _copy_downloads(Path(tables_dir), Path(out_dir), downloads, SIZE_BUDGET - spent)
    tables = {
        "best": best_table(t["best"], objectives, links.get("best")),
        "comparisons": comparisons_table(t["comparisons"], objectives, links.get("comparisons")),
        "slopes": slopes_table(t["slopes"], objectives, links.get("slopes")),
        "status": status_table(t["status_counts"], objectives, links.get("status_counts")),
        "cells": cells_table(t["cells"], objectives, links.get("cells")),
    }
    missing = [name for name in names if not t[name]]
    sections = [
        {
            "objective": obj,
            "id": f"objective-{obj}",
            "type": objective_type(config, obj, t["cells"] + t["best"]) or "",
            "kappas": ", ".join(fmt.kappa(k) for k in kappas_of(t["cells"] + t["best"], obj)),
            "figures": figs["objectives"].get(obj, []),
            "best": only_objective(tables["best"], obj, obj),
            "comparisons": only_objective(tables["comparisons"], obj, obj),
        }
        for obj in objectives
    ]
    speedups = summary.speedups(t["comparisons"], t["best"], objectives, config, level)
    return {
        "title": str(config.get("title") or DEFAULT_TITLE),
        "generated": provenance.now_utc(),
        "level": level,
        "facts": _study_facts(t, objectives, config),
        "verdict": summary.verdict(t["comparisons"], t["best"], t["noise"], level),
        "speedups": speedups,
        "sections": sections,
        "slope_sentences": summary.slope_sentences(t["slopes"], objectives, level),
        "failures": summary.failures(t["status_counts"], t["cells"]),
        "figures": figs,
        "explorer": explorer_context(t["cells"], config),
        "tables": tables,
        "update_rules": update_rules(),
        "downloads": [{"name": f"{k}.csv", **v} for k, v in links.items()],
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
            "benchmarks": provenance.benchmark_summary(benchmarks_dir, benchmark_files),
            "job_stats": dict(job_stats) if job_stats else {},
        },
    }


def update_rules() -> list[dict]:
    """The report's table of update rules: every method of the registry, as it describes itself."""
    return [
        {
            "label": m.full_label,
            "equation": m.equation,
            "stability": m.theory.stability if m.theory is not None else "no theory",
        }
        for m in METHODS.values()
    ]


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
    benchmark_files: list[str] | None = None,
    downloads: list[str] | None = None,
    repo_dir: str | os.PathLike | None = None,
    figures_dir: str | os.PathLike | None = None,
    prebuilt: str | os.PathLike | None = None,
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
    context = build_context(
        tables_dir=tables_dir,
        config=config,
        config_path_text=config_path_text,
        benchmarks_dir=benchmarks_dir,
        job_stats=job_stats,
        benchmark_files=benchmark_files,
        repo_dir=repo_dir,
        out_dir=out_dir,
        downloads=downloads,
        prebuilt=prebuilt,
    )
    html = render(templates_dir, context)
    if figures_dir is not None and prebuilt is None:
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
    for fig in all_figures(figs):
        path = out_dir / f"{fig.id}.png"
        path.write_bytes(base64.b64decode(fig.src.split(",", 1)[1]))
        written.append(path)
    return written
