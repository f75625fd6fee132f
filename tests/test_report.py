"""The HTML report: built from a small but real study's tables, then checked as a document.

The simulations are the real pipeline's (quadratic and Rosenbrock, kappa 10/100/1000, four
methods, a small alpha x beta grid, 3 seeds): the study plan's jobs run by
``study.simulate_job`` and summarised by the real ``stats.summarise``, so the report is tested
on the tables the workflow writes, columns and all.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import math
import re
import struct
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import numpy as np
import pytest
from snakemake.utils import validate
from workflow_helpers import SCHEMA

import momentumlab as ml
from momentumlab import stats, theory
from momentumlab.lecture import (
    LANDSCAPE_COLUMNS,
    TRAJECTORY_COLUMNS,
    cases_from_config,
    lecture_tables,
)
from momentumlab.report import build_context, build_report, fmt, make_env, provenance
from momentumlab.report.data import TABLES
from momentumlab.report.figures import KIND_CAPTIONS, PPI, min_font_px, theory_speedup
from momentumlab.report.jobs import figure_settings, read_figure, report_caption
from momentumlab.report.render import _copy_downloads, render
from momentumlab.study import CURVE_COLUMNS, plan, simulate_job
from momentumlab.tables import read_csv, write_csv

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "report" / "templates"

COLUMNS = {
    **stats.COLUMNS,
    "curves": CURVE_COLUMNS,
    "trajectories": TRAJECTORY_COLUMNS,
    "landscape": LANDSCAPE_COLUMNS,
}

STUDY = {
    "title": "momentumlab test study",
    "objectives": {
        "quad2d": {"type": "quadratic", "dim": 2, "spectrum": "two_point"},
        "rosen": {"type": "rosenbrock", "max_iter": 3000},
    },
    "kappas": [10, 100, 1000],
    "methods": ["gd", "momentum", "heavy_ball", "nesterov"],
    "alpha_unit": "inv_L",
    "alphas": {
        "gd": [0.5, 1.0, 1.5, 1.9, 2.2],
        "momentum": [1, 3, 10, 30, 100],
        "heavy_ball": [0.5, 1, 2, 3.3, 5],
        "nesterov": [0.5, 0.8, 1.1, 1.3, 1.6],
    },
    "betas": [0.5, 0.8, 0.9, 0.95, 0.99],
    "seeds": 3,
    "seed": 0,
    "tol": 1e-6,
    "max_iter": 10000,
    "start": "random",
    "stats": {"confidence": 0.95, "bootstrap_resamples": 200},
}

LECTURE_CASES = [
    {
        "objective": "quad2d",
        "objective_type": "quadratic",
        "options": {"dim": 2},
        "kappa": 100,
        "start": None,
        "steps": 150,
    },
    {
        "objective": "rosen",
        "objective_type": "rosenbrock",
        "options": {},
        "kappa": 1000,
        "start": None,
    },
]


# ------------------------------------------------------------------ a small study's tables


def study_tables(config: dict = STUDY) -> dict[str, list[dict]]:
    """The real pipeline's tables of a small study: the plan's jobs run by ``simulate_job``,
    their rows summarised by ``stats.summarise``, as the workflow's rules do."""
    cfg = copy.deepcopy(config)
    validate(cfg, str(SCHEMA))  # the schema's defaults, as the workflow fills them
    sims, curves = [], []
    for job in plan(cfg).jobs:
        s, c = simulate_job(job)
        sims += s
        curves += c
    settings = cfg["stats"]
    tables = stats.summarise(
        sims,
        confidence=float(settings["confidence"]),
        n_resamples=int(settings["bootstrap_resamples"]),
        slope_min_kappa=float(settings["slope_min_kappa"]),
        good_factor=float(settings["good_factor"]),
    )
    return {**tables, "curves": curves}


def write_study_tables(tables_dir: Path, config: dict = STUDY) -> dict[str, list[dict]]:
    """Simulate ``config``, derive every table and write them as CSVs into ``tables_dir``."""
    tables = study_tables(config)
    traj, land = lecture_tables(LECTURE_CASES, steps=1000, grid=90)
    tables |= {"trajectories": traj, "landscape": land}
    for name, rows in tables.items():
        write_csv(Path(tables_dir) / f"{name}.csv", rows, COLUMNS[name])
    return tables


# ------------------------------------------------------------------------------- fixtures


def fake_benchmarks(root: Path) -> Path:
    """Snakemake benchmark TSVs: two simulate jobs in subfolders and one top-level gather."""
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    for rel, s, rss in [
        ("simulate/quad2d/kappa_10/gd/all.tsv", 1.5, 80.0),
        ("simulate/quad2d/kappa_100/gd/all.tsv", 2.25, 95.5),
        ("gather.tsv", 0.5, 60.0),
    ]:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(header + f"{s}\t0:00:0{int(s)}\t{rss}\t1\t1\t1\t0\t0\t0\t{s}\n")
    return root


JOB_STATS = {"jobs_total": 24, "jobs_run": 3, "jobs_cached": 21}


@pytest.fixture(scope="module")
def tables_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("tables")
    write_study_tables(d)
    return d


@pytest.fixture(scope="module")
def report(tmp_path_factory, tables_dir) -> Path:
    root = tmp_path_factory.mktemp("report")
    return build_report(
        tables_dir=tables_dir,
        templates_dir=TEMPLATES,
        out_html=root / "report" / "index.html",
        config=STUDY,
        config_path_text="config/presets/test.yaml",
        benchmarks_dir=fake_benchmarks(root / "benchmarks"),
        job_stats=JOB_STATS,
        downloads=None,
        repo_dir=ROOT,
    )


class Page(HTMLParser):
    """Every tag with its attributes, the text, and the text inside <style>."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)

    def all(self, tag: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag]

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}


def page_of(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


# ---------------------------------------------------------------------------- the document


def test_report_is_one_small_file(report):
    assert report.is_file()
    size = report.stat().st_size
    assert 50_000 < size < 10 * 2**20
    assert not list(report.parent.glob("*.png"))  # figures are inline, not files next to it


def test_report_is_self_contained(report):
    page = page_of(report)
    for tag, attrs in page.tags:
        for key in ("src", "href", "srcset", "poster", "data", "action"):
            value = (attrs.get(key) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//", "ftp:")), (tag, key, value)
        if tag == "script":  # only the explorer's, inline
            assert attrs.get("id", "").startswith("explorer") and not attrs.get("src"), attrs
        if tag == "link":
            assert "stylesheet" not in (attrs.get("rel") or ""), attrs
        if tag in ("iframe", "object", "embed"):
            pytest.fail(f"the report embeds <{tag}>")
    css = "".join(page.styles)
    assert css.strip(), "the CSS is inline"
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
    for img in page.all("img"):
        assert img["src"].startswith("data:image/png;base64,")
    for a in page.all("a"):
        href = a.get("href", "")
        assert href.startswith(("#", "tables/", "data:text/csv;charset=utf-8;base64,")), href


OBJECTIVES = ("quad2d", "rosen")
FIGURE_IDS = ["fig-hero", "fig-lecture", "fig-kappa", "fig-speedup"] + [
    f"fig-{kind}-{obj}" for obj in OBJECTIVES for kind in ("curves", "heatmap", "sensitivity")
]


def test_verdict_and_hero_come_first_then_one_section_per_objective(report):
    html = report.read_text(encoding="utf-8")
    ids = page_of(report).ids()
    sections = ["verdict", "summary", "lecture", "across"]
    sections += [f"objective-{o}" for o in OBJECTIVES] + ["tables", "methods", "provenance"]
    assert [s for s in sections if s not in ids] == []
    at = [html.index(f'id="{s}"') for s in sections]
    assert at == sorted(at), "sections out of order"
    # the verdict paragraph, then the hero figure, are the first things after the title
    assert html.index('class="verdict"') < html.index('id="fig-hero"') < html.index('id="summary"')
    assert [f for f in FIGURE_IDS if f not in ids] == []
    # each objective's figures sit inside its own section, with its own table rows only
    for obj in OBJECTIVES:
        lo = html.index(f'id="objective-{obj}"')
        hi = html.index("</section>", lo)
        mine = set(re.findall(r'<figure id="(fig-[\w-]+)"', html[lo:hi]))
        assert mine == {f"fig-{k}-{obj}" for k in ("curves", "heatmap", "sensitivity")}
        other = next(o for o in OBJECTIVES if o != obj)
        body = re.sub(r"<figure.*?</figure>", "", html[lo:hi], flags=re.S)
        rows = re.findall(r"<tr.*?</tr>", body, re.S)
        assert rows and not any(f">{other}<" in r for r in rows)
    for tid in ["table-best", "table-comparisons", "table-slopes", "table-cells", "table-status"]:
        assert tid in ids, tid


def test_the_verdict_is_the_statistics_in_words(report, tables_dir):
    """The verdict paragraph is summary.verdict of the tables, and its counts are the table's."""
    from momentumlab.report import summary

    html = report.read_text(encoding="utf-8")
    shown = re.search(r'<p class="verdict">(.*?)</p>', html, re.S).group(1)
    verdict = unescape(" ".join(shown.split()))
    comps = read_csv(tables_dir / "comparisons.csv")
    best = read_csv(tables_dir / "best.csv")
    noise = read_csv(tables_dir / "noise.csv")
    assert verdict == summary.verdict(comps, best, noise, "95%")
    rest = [c for c in comps if summary.finding(c) != "tie"]
    faster = [c for c in rest if summary.finding(c) == "faster"]
    assert f"faster than GD in {len(faster)} of {len(rest)} comparisons" in verdict
    for c in faster:  # a win is a speedup whose interval lies above 1
        assert c["speedup_ci_low"] is None or c["speedup_ci_low"] > 1, c
    if faster:
        top = max(faster, key=lambda c: c["speedup"])
        assert f"on {top['objective']} at κ = {fmt.kappa(top['kappa'])}" in verdict


def test_every_image_has_alt_text_a_caption_true_dimensions_and_big_enough_text(report):
    html = report.read_text(encoding="utf-8")
    page = Page(html)
    imgs = page.all("img")
    assert len(imgs) == len(page.all("figure")) == len(page.all("figcaption")) == len(FIGURE_IDS)
    for img in imgs:
        assert len(img.get("alt", "").strip()) > 40, img.get("alt")
        data = base64.b64decode(img["src"].split(",", 1)[1])
        w, h = png_size(data)  # a 2x bitmap shown at half its pixel size
        assert (int(img["width"]), int(img["height"])) == (math.ceil(w / 2), math.ceil(h / 2))
        assert 300 < int(img["width"]) <= 820 and 150 < int(img["height"]) < 1600
        assert float(img["data-min-font-px"]) >= 11
    captions = [
        " ".join(unescape(re.sub(r"<[^>]+>", "", c)).split())
        for c in re.findall(r"<figcaption>(.*?)</figcaption>", html, re.S)
    ]
    numbers = [int(re.match(r"Figure (\d+)\.", c).group(1)) for c in captions]
    assert numbers == list(range(1, len(captions) + 1))
    # how to read a kind of per-objective figure is said once, under the first of its kind
    for kind, text in KIND_CAPTIONS.items():
        assert sum(text in c for c in captions) == 1, kind
        mine = [i for i, f in enumerate(FIGURE_IDS) if f.startswith(f"fig-{kind}-")]
        assert text in captions[mine[0]]
        assert all(f"Read it as Figure {mine[0] + 1}." in captions[i] for i in mine[1:])


def test_min_font_px_measures_the_smallest_visible_text():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1])
    ax.tick_params(labelsize=14)
    ax.set_title("big", fontsize=20)
    ax.text(0.5, 0.5, "small", fontsize=6)
    ax.text(0.5, 0.2, "hidden", fontsize=2, visible=False)
    fig.canvas.draw()
    assert min_font_px(fig) == pytest.approx(6 * PPI / 72, abs=0.01)


def test_tables_are_embedded_and_copied(report, tables_dir):
    page = page_of(report)
    embedded = {}
    for a in page.all("a"):
        if a.get("href", "").startswith("data:text/csv"):
            embedded[a["download"]] = base64.b64decode(a["href"].split(",", 1)[1])
    for name in TABLES:
        copied = report.parent / "tables" / f"{name}.csv"
        assert copied.read_bytes() == (tables_dir / f"{name}.csv").read_bytes(), name
    assert embedded, "no table is embedded"
    for name, data in embedded.items():
        assert data == (tables_dir / name).read_bytes(), name
    linked = {a["href"][len("tables/") :] for a in page.all("a") if a["href"].startswith("tables/")}
    assert set(embedded).isdisjoint(linked)
    assert {f"{n}.csv" for n in TABLES} == set(embedded) | linked
    assert report.stat().st_size < 10_000_000


def test_embedding_keeps_to_the_budget(tmp_path, tables_dir):
    sizes = {n: (tables_dir / f"{n}.csv").stat().st_size for n in TABLES}
    small = sorted(sizes, key=sizes.get)[:2]
    budget = sum(4 * math.ceil(sizes[n] / 3) + 40 for n in small)
    links = _copy_downloads(tables_dir, tmp_path, None, budget)
    assert {n for n, v in links.items() if v["embedded"]} == set(small)
    assert all(v["href"] == f"tables/{n}.csv" for n, v in links.items() if not v["embedded"])


def test_comparisons_show_pairs_faster_not_constant_p_columns(report):
    html = report.read_text(encoding="utf-8")
    at = html.index('id="table-comparisons"')
    heads = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html[at : html.index("</table>", at)])
    assert "pairs faster" in heads and "speedup [CI]" in heads
    assert "Wilcoxon p" not in heads and "Holm p" not in heads


def test_theory_speedup_is_the_ratio_of_log_rates():
    k = np.array([1.0, 100.0, 1e4])
    expect = [
        math.log((math.sqrt(x) - 1) / (math.sqrt(x) + 1)) / math.log((x - 1) / (x + 1))
        if x > 1
        else np.nan
        for x in k
    ]
    got = theory_speedup(k, 1e-6)
    assert np.isnan(got[0]) or got[0] == pytest.approx(1.0)
    assert got[1:] == pytest.approx(expect[1:], rel=1e-9)
    assert got[2] == pytest.approx(100, rel=0.01)  # about sqrt(kappa)


def test_summary_states_the_speedup_with_its_interval(report, tables_dir):
    from momentumlab.report import summary

    t = {n: read_csv(tables_dir / f"{n}.csv") for n in ("comparisons", "best")}
    said = summary.speedups(t["comparisons"], t["best"], list(OBJECTIVES), STUDY, "95%")
    text = " ".join(unescape(" ".join(page_of(report).text)).split())
    assert said["sentences"]
    for sentence in said["sentences"]:  # every objective's sentence, as summary words it
        assert " ".join(sentence["text"].split()) in text
    assert "iterations grew like" in text and "theory 1.00" in text and "theory 0.50" in text
    assert re.search(
        r"Of [\d,]+ runs, [\d,]+ \([\d.]+%\) converged, [\d,]+ \([\d.]+%\) diverged", text
    )


def test_tables_use_readable_numbers(report):
    html = report.read_text(encoding="utf-8")
    best = html[
        html.index('id="table-best"') : html.index("</table>", html.index('id="table-best"'))
    ]
    # median iterations, with its interval when the statistics give one
    assert re.search(r'<td class="num">[\d,]+( \[[\d,]+, [\d,]+\])?</td>', best)
    assert "e+" not in best and not re.search(r"\b(nan|None|inf)\b", best)
    assert '<th scope="col" class="num">' in best  # numbers are right-aligned


def test_methods_and_provenance(report):
    text = " ".join(" ".join(page_of(report).text).split())
    for rule in ["v ← β v + (1 − β) g", "v ← β v + g", "w ← w − α (g + β v)", "w ← w − α g"]:
        assert rule in text, rule
    for word in ["Clopper–Pearson", "Kaplan–Meier", "order-statistic", "settling time",
                 "cross-fitted", "ERT", "Wilcoxon", "Holm", "Theil–Sen"]:  # fmt: skip
        assert word in text, word
    for stale in ["Wilson", "percentile-bootstrap", "at the first iteration"]:
        assert stale not in text, stale
    assert provenance.config_hash(STUDY) in text
    canonical = json.dumps(STUDY, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert provenance.config_hash(STUDY) == hashlib.sha256(canonical.encode()).hexdigest()
    assert "config/presets/test.yaml" in text
    for name in ["Python", "snakemake", "numpy", "scipy", "matplotlib", "jinja2", "platform"]:
        assert name in text
    assert re.search(r"[0-9a-f]{40}", text) or "not a git checkout" in text
    for key, value in JOB_STATS.items():
        assert f"{key.replace('_', ' ')} {value}" in text
    assert "simulate 2 3.8 s" in text and "gather 1 0.5 s" in text


# ------------------------------------------------------------------ escaping and strictness


def test_title_is_autoescaped(tmp_path):
    cfg = {**STUDY, "title": "<script>alert(1)</script> & <b>co</b>"}
    out = build_report(
        tables_dir=tmp_path / "no-tables",
        templates_dir=TEMPLATES,
        out_html=tmp_path / "index.html",
        config=cfg,
    )
    html = out.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;" in html
    assert "<script>" not in html and "<b>co" not in html
    scripts = Page(html).all("script")
    assert Page(html).all("h1") and all(a["id"].startswith("explorer") for a in scripts)


def test_strict_undefined_raises_on_a_missing_variable(tmp_path):
    env = make_env(TEMPLATES)
    assert env.autoescape is True
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ nope }}").render()
    context = build_context(tables_dir=tmp_path, config=STUDY)
    render(TEMPLATES, context)  # complete: fine
    del context["provenance"]
    with pytest.raises(jinja2.UndefinedError):
        render(TEMPLATES, context)


# ------------------------------------------------------------------------- partial tables


def _render_text(tables: Path, out: Path, config: dict) -> str:
    path = build_report(tables_dir=tables, templates_dir=TEMPLATES, out_html=out, config=config)
    return " ".join(" ".join(page_of(path).text).split())


def test_no_tables_at_all_gives_no_data_notes(tmp_path):
    text = _render_text(tmp_path / "missing", tmp_path / "out" / "index.html", STUDY)
    assert text.count("No data:") >= 8
    assert "Partial data:" in text
    assert not list((tmp_path / "out").glob("tables/*.csv"))


def test_quadratic_only_single_kappa_one_seed_no_comparisons(tmp_path):
    cfg = {
        **STUDY,
        "objectives": {"quad2d": STUDY["objectives"]["quad2d"]},
        "kappas": [100],
        "methods": ["gd", "momentum"],
        "seeds": 1,
    }
    tables = study_tables(cfg)
    for name in ["cells", "best", "slopes", "status_counts", "curves"]:
        write_csv(tmp_path / f"{name}.csv", tables[name], COLUMNS[name])
    write_csv(tmp_path / "comparisons.csv", [], COLUMNS["comparisons"])  # header only
    text = _render_text(tmp_path, tmp_path / "out" / "index.html", cfg)
    assert "No data: no paired comparisons" in text
    assert "comparisons, noise, trajectories, landscape" in text
    ids = page_of(tmp_path / "out" / "index.html").ids()
    assert {"fig-curves-quad2d", "fig-heatmap-quad2d", "fig-kappa"} <= ids
    assert "fig-speedup" not in ids and "fig-lecture" not in ids


def test_all_diverged_cells_and_infinite_curves(tmp_path):
    cfg = {
        **STUDY,
        "objectives": {"quad2d": STUDY["objectives"]["quad2d"]},
        "kappas": [10, 100],
        "methods": ["gd", "heavy_ball"],
        "alphas": {"gd": [3.0, 5.0], "heavy_ball": [50.0, 80.0]},
        "betas": [0.5],
        "seeds": 2,
        "max_iter": 200,
    }
    tables = study_tables(cfg)
    assert all(c["diverged"] == c["runs"] for c in tables["cells"])
    for r in tables["curves"][5::2]:  # what a non-finite gap looks like in the table
        r["gap_median"] = r["gap_q75"] = math.inf
    for name, rows in tables.items():
        write_csv(tmp_path / f"{name}.csv", rows, COLUMNS[name])
    text = _render_text(tmp_path, tmp_path / "out" / "index.html", cfg)
    assert "none converged on all starts" in text
    assert "diverged" in text and "100.0%" in text
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"\b(nan|None|inf)\b", re.sub(r"data:image/png;base64,[^\"]+", "", html))


def test_garbage_values_do_not_crash(tmp_path):
    """NaN, inf and empty cells where numbers should be, and unknown methods/objectives."""
    rows = {
        "best": [
            {"objective": "odd", "objective_type": "quadratic", "kappa": 10.0, "method": "gd"},
            {"objective": "odd", "kappa": 10.0, "method": "adam", "median_iter": float("inf")},
        ],
        "curves": [
            {"objective": "odd", "kappa": 10.0, "method": "gd", "alpha": 0.1, "iteration": i,
             "gap_median": v, "gap_q25": v, "gap_q75": v}
            for i, v in enumerate([1.0, float("nan"), float("inf"), 0.0])
        ],
        "comparisons": [{"objective": "odd", "kappa": 10.0, "method": "adam", "speedup": None}],
        "slopes": [{"objective": "odd", "method": "gd", "slope": float("nan")}],
        "cells": [{"objective": "odd", "kappa": 10.0, "method": "adam", "alpha_L": 1.0}],
    }  # fmt: skip
    for name, rs in rows.items():
        write_csv(tmp_path / f"{name}.csv", rs, COLUMNS[name])
    text = _render_text(tmp_path, tmp_path / "out" / "index.html", {"title": "odd"})
    assert "odd" in text


# ------------------------------------------------------------------------ the library parts


def test_lecture_tables_schema_and_defaults():
    case = {k: v for k, v in LECTURE_CASES[0].items() if k != "steps"}
    traj, land = lecture_tables([case], steps=40, grid=25)
    assert list(traj[0]) == TRAJECTORY_COLUMNS and list(land[0]) == LANDSCAPE_COLUMNS
    assert len(land) == 25 * 25 and all(r["f"] >= 0 for r in land)
    assert all(math.isfinite(r[c]) for r in traj for c in ("w1", "w2", "gap"))
    paths = {t: [r for r in traj if r["tuning"] == t] for t in ("gd", "optimal", "critical")}
    assert sum(map(len, paths.values())) == len(traj)
    gd, opt, crit = paths["gd"][0], paths["optimal"][0], paths["critical"][0]
    assert (gd["w1"], gd["w2"]) == pytest.approx((-1.0, 0.3))
    assert gd["alpha"] == pytest.approx(2 / 101) and gd["alpha_L"] == pytest.approx(200 / 101)
    best = theory.momentum_optimal(1.0, 100.0)
    assert (opt["method"], opt["alpha"], opt["beta"]) == ("momentum", best.alpha, best.beta)
    assert crit["beta"] == 0.9
    assert crit["alpha"] * 0.1 == pytest.approx((1 - math.sqrt(0.9)) ** 2)
    for name, rows in paths.items():
        # drawn: the first 40 steps; the path goes on until it reaches tol, for the loss panel
        assert sum(r["drawn"] for r in rows) == 41, name
        r0 = rows[0]
        # iterations to settle below tol, from the closed-form recurrence of theory.py
        eff = r0["alpha"] * (1 - r0["beta"]) if r0["method"] == "momentum" else r0["alpha"]
        E = theory.error_paths(
            "gd" if r0["method"] == "gd" else "heavy_ball", eff, r0["beta"], [1.0, 100.0],
            [-1.0, 0.3], 3000,
        )  # fmt: skip
        gaps = 0.5 * (E**2 * [1.0, 100.0]).sum(axis=1)
        settle = int(np.flatnonzero(gaps > 1e-6 * gaps[0])[-1]) + 1
        assert r0["iterations"] == settle and len(rows) >= max(settle, 40) + 1, name
        assert [r["gap"] for r in rows[:50]] == pytest.approx(gaps[:50], rel=1e-9, abs=1e-300)
    # the numbers the lecture is about: the optimal tuning is the fastest, GD the slowest
    assert (paths["optimal"][0]["iterations"], paths["critical"][0]["iterations"]) == (58, 151)
    assert paths["gd"][0]["iterations"] == 346
    xs, ys = [r["x"] for r in land], [r["y"] for r in land]
    for r in traj:  # the grid covers every drawn path
        if r["drawn"]:
            assert min(xs) <= r["w1"] <= max(xs) and min(ys) <= r["w2"] <= max(ys)


def test_lecture_cases_follow_the_config():
    both = cases_from_config({}, ["quadratic", "rosenbrock", "logistic"], 1e-6)
    assert [c["objective"] for c in both] == ["quadratic", "rosenbrock"]
    assert cases_from_config({}, ["quadratic", "logistic"], 1e-6)[0]["objective"] == "quadratic"
    assert len(cases_from_config({}, ["quadratic"], 1e-6)) == 1  # no banana in a bowl study
    asked = cases_from_config(
        {"cases": ["rosenbrock"], "tunings": ["optimal"], "tol": 1e-3}, ["quadratic"], 1e-6
    )
    assert [(c["objective"], c["tunings"], c["tol"]) for c in asked] == [
        ("rosenbrock", ["optimal"], 1e-3)
    ]
    traj, _ = lecture_tables(asked, steps=50, grid=5)
    assert {r["tuning"] for r in traj} == {"gd", "optimal"}
    with pytest.raises(ml.ConfigError, match="critical"):
        lecture_tables([{**asked[0], "tunings": ["fastest"]}], steps=5, grid=5)


def test_lecture_rows_stop_at_the_first_non_finite_iterate():
    case = {**LECTURE_CASES[0], "tunings": {"gd": {"alpha": 5.0}}, "steps": 2000}
    traj, _ = lecture_tables([case], steps=2000, grid=5)
    assert 10 < len(traj) < 2001
    assert all(math.isfinite(r["w1"]) and math.isfinite(r["w2"]) for r in traj)


def test_lecture_needs_two_dimensions():
    case = {**LECTURE_CASES[0], "options": {"dim": 3}}
    with pytest.raises(ml.ConfigError):
        lecture_tables([case], steps=5, grid=5)


@pytest.mark.slow
def test_rosenbrock_default_tuning_is_stable():
    traj, _ = lecture_tables(LECTURE_CASES[1:], steps=1000, grid=5)
    obj = ml.make_objective("rosenbrock", 1000)
    for t in ("gd", "optimal", "critical"):
        rows = [r for r in traj if r["tuning"] == t]
        assert sum(r["drawn"] for r in rows) == 1001
        assert rows[0]["iterations"] is not None and len(rows) >= rows[0]["iterations"] + 1
        f = obj.value(np.array([[rows[-1]["w1"], rows[-1]["w2"]]]))[0] - obj.fstar
        f0 = obj.value(np.array([[rows[0]["w1"], rows[0]["w2"]]]))[0] - obj.fstar
        assert f <= 1e-6 * f0 and rows[-1]["gap"] == pytest.approx(f, rel=1e-6, abs=1e-300)


def test_benchmark_summary(tmp_path):
    rows = provenance.benchmark_summary(fake_benchmarks(tmp_path))
    by = {r["rule"]: r for r in rows}
    assert by["simulate"]["jobs"] == 2 and by["simulate"]["total_s"] == pytest.approx(3.75)
    assert by["simulate"]["max_rss_mb"] == 95.5 and by["gather"]["total_s"] == 0.5
    assert provenance.benchmark_summary(tmp_path / "nothing") == []


def test_git_info_outside_a_checkout(tmp_path):
    info = provenance.git_info(tmp_path)
    assert info["commit"] is None and "not a git checkout" in info["text"]


@pytest.mark.parametrize(
    "value, text",
    [(3.0, "3"), (42.0, "42"), (12.345, "12.3"), (3476, "3,476"), (0.0316, "0.0316"),
     (1e-6, "1.00e−6"), (None, "—"), (float("nan"), "—"), (float("inf"), "∞")],
)  # fmt: skip
def test_number_format(value, text):
    assert fmt.sig(value) == text


def test_interval_format():
    assert fmt.ci(12.3, 11.0, 13.9) == "12.3 [11.0, 13.9]"
    assert fmt.ci(355, 343, None) == "355 [343, —]"
    assert fmt.short(0.9) == "0.9" and fmt.kappa(1e4) == "10⁴" and fmt.kappa(1000.0) == "1000"


def test_theory_map_is_smallest_at_the_optimal_tuning():
    from momentumlab.report.figures import theory_iterations_map

    t = theory.optimal("heavy_ball", 1.0, 100.0)
    aL, be = t.alpha * 100.0, t.beta
    at_opt = theory_iterations_map("heavy_ball", aL, be, 100.0, 1e-6)
    assert float(at_opt) == pytest.approx(t.iterations(1e-6), rel=1e-6)
    A, B = np.meshgrid(np.geomspace(0.3, 4.5, 41), np.linspace(0.3, 0.95, 41))
    grid = theory_iterations_map("heavy_ball", A, B, 100.0, 1e-6)
    assert np.nanmin(grid) >= float(at_opt) * (1 - 1e-9)
    # beyond the stability boundary alpha L < 2 (1 + beta) nothing converges
    assert np.isinf(theory_iterations_map("heavy_ball", 2 * (1 + 0.5) * 1.01, 0.5, 100.0, 1e-6))
    gd = theory_iterations_map("gd", 2 / 1.01 * 1.0, 0.0, 100.0, 1e-6)  # alpha = 2/(L + mu)
    assert float(gd) == pytest.approx(theory.optimal("gd", 1.0, 100.0).iterations(1e-6))


# ------------------------------------------------------------------------ the figure jobs


@pytest.mark.slow
def test_figure_jobs_then_assembly_give_the_same_report(tmp_path, tables_dir, report):
    """Figures drawn one job each, then assembled, are the figures drawn in one process."""
    from momentumlab.report.jobs import figure_job, figure_names

    objectives = list(STUDY["objectives"])
    for name in figure_names(objectives):
        kind, _, obj = name.partition("-")
        figure_job(
            kind, obj or None, tables_dir, figure_settings(STUDY, obj or None), objectives,
            tmp_path / "figs" / f"{name}.png", tmp_path / "figs" / f"{name}.json",
        )  # fmt: skip
    assembled = build_report(
        tables_dir=tables_dir, templates_dir=TEMPLATES, out_html=tmp_path / "out" / "index.html",
        config=STUDY, config_path_text="config/presets/test.yaml", repo_dir=ROOT,
        prebuilt=tmp_path / "figs",
    )  # fmt: skip

    def figures_of(path):
        html = path.read_text(encoding="utf-8")
        return re.findall(r'<figure id="([\w-]+)".*?<img src="([^"]+)".*?</figure>', html, re.S)

    direct = figures_of(report)
    assert [f for f, _ in figures_of(assembled)] == [f for f, _ in direct]
    assert figures_of(assembled) == direct  # the same bytes
    # a figure with nothing to draw is an empty PNG and a null description, read back as None
    figure_job("hero", None, tmp_path / "nothing", {}, [], tmp_path / "h.png", tmp_path / "h.json")
    assert (tmp_path / "h.png").read_bytes() == b"" and read_figure(tmp_path / "h.json") is None


def test_a_figure_reads_only_its_objectives_settings():
    one = figure_settings(STUDY, "rosen")
    assert one == {
        "tol": STUDY["tol"],
        "max_iter": STUDY["max_iter"],
        "momentum_step": "alpha",  # how the heatmap draws EMA momentum (refine, issue 12)
        "objectives": {"rosen": {"type": "rosenbrock", "max_iter": 3000}},
    }
    retitled = {**STUDY, "title": "another", "seeds": 99}
    assert figure_settings(retitled, "rosen") == one and figure_settings(retitled) == (
        figure_settings(STUDY)
    )
    caption = report_caption("heatmap", "rosen")
    assert "Objective: rosen." in caption and KIND_CAPTIONS["heatmap"] in caption
