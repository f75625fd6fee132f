"""The HTML report: built from a small but real study's tables, then checked as a document.

The simulations come from the library itself (quadratic and Rosenbrock, kappa 10/100/1000,
four methods, a small alpha x beta grid, 3 seeds). The aggregated tables are derived here by
``summarise``, a deliberately simple stand-in (plain medians, percentile bootstrap, Theil-Sen)
with the real schemas, so these tests do not depend on the study's statistics module.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import numpy as np
import pytest
from scipy import stats

import momentumlab as ml
from momentumlab import theory
from momentumlab.lecture import LANDSCAPE_COLUMNS, TRAJECTORY_COLUMNS, lecture_tables
from momentumlab.report import build_context, build_report, fmt, make_env, provenance, render
from momentumlab.report.data import TABLES
from momentumlab.report.figures import METHOD_LABELS as LABELS
from momentumlab.tables import read_csv, write_csv

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "report" / "templates"

COLUMNS = {
    "cells": (
        "objective objective_type kappa dim method alpha alpha_L beta runs converged diverged "
        "max_iter_runs conv_frac conv_ci_low conv_ci_high median_iter median_ci_low "
        "median_ci_high q25_iter q75_iter ert all_converged"
    ).split(),
    "best": (
        "objective objective_type kappa dim method alpha alpha_L beta runs median_iter "
        "median_ci_low median_ci_high q25_iter q75_iter ert n_good_alpha good_alpha_L_min "
        "good_alpha_L_max good_alpha_decades theory_alpha_L theory_beta theory_iterations"
    ).split(),
    "comparisons": (
        "objective kappa method baseline baseline_alpha_L alpha_L beta n_pairs "
        "baseline_median_iter median_iter speedup speedup_ci_low speedup_ci_high wilcoxon_p "
        "holm_p significant"
    ).split(),
    "slopes": (
        "objective objective_type method n_kappas kappa_min kappa_max slope slope_ci_low "
        "slope_ci_high intercept theory_slope theory_applies"
    ).split(),
    "status_counts": "objective kappa method runs converged diverged max_iter_runs".split(),
    "curves": (
        "objective kappa method alpha alpha_L beta iteration runs gap_q25 gap_median gap_q75"
    ).split(),
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


def _median_ci(x: np.ndarray, gen) -> tuple:
    """Median of iterations (inf = did not converge) and a percentile-bootstrap interval."""
    med = float(np.median(x))
    if not math.isfinite(med):
        return None, None, None
    boot = np.sort(np.median(gen.choice(x, size=(200, x.size)), axis=1))
    lo, hi = boot[4], boot[194]
    return med, float(lo), (float(hi) if math.isfinite(hi) else None)


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def _cells_and_curves(records, config, gen):
    groups = defaultdict(list)
    for r in records:
        groups[(r.objective, r.kappa, r.method, r.alpha, r.beta)].append(r)
    cells, curves, by_cell = [], [], {}
    for (obj, kappa, method, alpha, beta), recs in groups.items():
        recs.sort(key=lambda r: r.seed)
        it = np.array([r.iterations if r.status == "converged" else np.inf for r in recs], float)
        n = len(recs)
        conv = sum(r.status == "converged" for r in recs)
        div = sum(r.status == "diverged" for r in recs)
        med, lo, hi = _median_ci(it, gen)
        q25, q75 = np.sort(it)[[(n - 1) // 4, (3 * n - 1) // 4 if n > 1 else 0]]
        row = {
            "objective": obj,
            "objective_type": config["objectives"][obj]["type"],
            "kappa": kappa,
            "dim": recs[0].dim,
            "method": method,
            "alpha": alpha,
            "alpha_L": recs[0].alpha_L,
            "beta": beta,
            "runs": n,
            "converged": conv,
            "diverged": div,
            "max_iter_runs": n - conv - div,
            "conv_frac": conv / n,
            "conv_ci_low": _wilson(conv, n)[0],
            "conv_ci_high": _wilson(conv, n)[1],
            "median_iter": med,
            "median_ci_low": lo,
            "median_ci_high": hi,
            "q25_iter": float(q25) if math.isfinite(q25) else None,
            "q75_iter": float(q75) if math.isfinite(q75) else None,
            "ert": sum(r.iterations for r in recs) / conv if conv else None,
            "all_converged": conv == n,
        }
        cells.append(row)
        by_cell[(obj, kappa, method, alpha, beta)] = (row, recs)
        C = np.array([[g for _, g in r.curve] for r in recs])
        for j, (iteration, _) in enumerate(recs[0].curve):
            col = C[:, j]
            curves.append(
                {
                    "objective": obj,
                    "kappa": kappa,
                    "method": method,
                    "alpha": alpha,
                    "alpha_L": recs[0].alpha_L,
                    "beta": beta,
                    "iteration": iteration,
                    "runs": n,
                    "gap_q25": float(np.percentile(col, 25)),
                    "gap_median": float(np.median(col)),
                    "gap_q75": float(np.percentile(col, 75)),
                }
            )
    return cells, curves, by_cell


def _best(cells, by_cell, config):
    best, best_recs = [], {}
    for obj, kappa, method in sorted({(c["objective"], c["kappa"], c["method"]) for c in cells}):
        mine = [cr for k, cr in by_cell.items() if k[:3] == (obj, kappa, method)]
        cands = [cr for cr in mine if cr[0]["all_converged"]]
        otype = config["objectives"][obj]["type"]
        row = {"objective": obj, "objective_type": otype, "kappa": kappa, "method": method}
        if cands:
            c, recs = min(cands, key=lambda cr: (cr[0]["median_iter"], cr[0]["alpha"]))
            good = {
                cr[0]["alpha_L"]
                for cr in mine
                if cr[0]["median_iter"] is not None and cr[0]["median_iter"] <= 2 * c["median_iter"]
            }
            row |= {k: c[k] for k in COLUMNS["best"] if k in c}
            row |= {
                "n_good_alpha": len(good),
                "good_alpha_L_min": min(good),
                "good_alpha_L_max": max(good),
                "good_alpha_decades": math.log10(max(good) / min(good)),
            }
            best_recs[(obj, kappa, method)] = recs
        else:
            row |= {"dim": 2, "runs": config["seeds"], "n_good_alpha": 0}
        if otype == "quadratic":
            t = theory.optimal(method, 1.0, kappa)
            row |= {
                "theory_alpha_L": t.alpha * kappa,
                "theory_beta": t.beta,
                "theory_iterations": t.iterations(config["tol"]),
            }
        best.append(row)
    return best, best_recs


def _comparisons(best, best_recs, gen):
    by = {(r["objective"], r["kappa"], r["method"]): r for r in best}
    comparisons, pvals = [], []
    for (obj, kappa, method), recs in best_recs.items():
        base = best_recs.get((obj, kappa, "gd"))
        if method == "gd" or base is None:
            continue
        a = np.array([r.iterations for r in base], float)
        b = np.array([r.iterations for r in recs], float)
        idx = gen.integers(0, a.size, size=(200, a.size))
        boots = np.median(a[idx], axis=1) / np.median(b[idx], axis=1)
        diff = a - b
        p = float(stats.wilcoxon(diff).pvalue) if np.any(diff != 0) else 1.0
        comparisons.append(
            {
                "objective": obj,
                "kappa": kappa,
                "method": method,
                "baseline": "gd",
                "baseline_alpha_L": by[(obj, kappa, "gd")]["alpha_L"],
                "alpha_L": by[(obj, kappa, method)]["alpha_L"],
                "beta": by[(obj, kappa, method)]["beta"],
                "n_pairs": a.size,
                "baseline_median_iter": float(np.median(a)),
                "median_iter": float(np.median(b)),
                "speedup": float(np.median(a) / np.median(b)),
                "speedup_ci_low": float(np.percentile(boots, 2.5)),
                "speedup_ci_high": float(np.percentile(boots, 97.5)),
                "wilcoxon_p": p,
            }
        )
        pvals.append(p)
    running = 0.0
    for rank, i in enumerate(np.argsort(pvals)):  # Holm step-down
        running = max(running, min(1.0, (len(pvals) - rank) * pvals[i]))
        comparisons[i]["holm_p"] = running
        comparisons[i]["significant"] = running < 0.05
    return comparisons


def _slopes(best, config):
    slopes = []
    for obj, method in sorted({(r["objective"], r["method"]) for r in best}):
        pts = [
            (r["kappa"], r["median_iter"])
            for r in best
            if r["objective"] == obj and r["method"] == method and r.get("median_iter")
        ]
        otype = config["objectives"][obj]["type"]
        row = {"objective": obj, "objective_type": otype, "method": method, "n_kappas": len(pts)}
        if len(pts) >= 2:
            x, y = np.log10([p[0] for p in pts]), np.log10([p[1] for p in pts])
            res = stats.theilslopes(y, x)
            row |= {
                "kappa_min": min(p[0] for p in pts),
                "kappa_max": max(p[0] for p in pts),
                "slope": float(res.slope),
                "slope_ci_low": float(res.low_slope),
                "slope_ci_high": float(res.high_slope),
                "intercept": float(res.intercept),
            }
        row |= {"theory_slope": theory.kappa_slope(method), "theory_applies": otype == "quadratic"}
        slopes.append(row)
    return slopes


def summarise(records, config) -> dict[str, list[dict]]:
    """Cells, best, comparisons, slopes, status counts and curves from SimRecords."""
    gen = np.random.default_rng(0)
    cells, curves, by_cell = _cells_and_curves(records, config, gen)
    best, best_recs = _best(cells, by_cell, config)
    status = defaultdict(lambda: {"runs": 0, "converged": 0, "diverged": 0, "max_iter_runs": 0})
    for c in cells:
        s = status[(c["objective"], c["kappa"], c["method"])]
        for k in s:
            s[k] += c[k]
    return {
        "cells": cells,
        "best": best,
        "comparisons": _comparisons(best, best_recs, gen),
        "slopes": _slopes(best, config),
        "status_counts": [
            {"objective": o, "kappa": k, "method": m, **v}
            for (o, k, m), v in sorted(status.items())
        ],
        "curves": curves,
    }


def simulate_study(config: dict) -> list:
    records = []
    for label, spec in config["objectives"].items():
        options = {k: v for k, v in spec.items() if k not in ("type", "max_iter", "tol", "kappas")}
        for kappa in spec.get("kappas", config["kappas"]):
            for method in config["methods"]:
                records += ml.simulate(
                    spec["type"],
                    method,
                    kappa=kappa,
                    alpha=config["alphas"][method],
                    beta=config["betas"],
                    alpha_unit=config["alpha_unit"],
                    seeds=config["seeds"],
                    tol=config["tol"],
                    max_iter=spec.get("max_iter", config["max_iter"]),
                    label=label,
                    curve_points=30,
                    **options,
                )
    return records


def write_study_tables(tables_dir: Path, config: dict = STUDY) -> dict[str, list[dict]]:
    """Simulate ``config``, derive every table and write them as CSVs into ``tables_dir``."""
    tables = summarise(simulate_study(config), config)
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
        assert href.startswith("#") or href.startswith("tables/"), href


def test_every_section_and_figure_is_there(report):
    ids = page_of(report).ids()
    sections = "summary lecture convergence landscape scaling speedup sensitivity tables methods"
    for sid in (sections + " provenance").split():
        assert sid in ids, sid
    for fid in [
        "fig-lecture",
        "fig-curves-quad2d",
        "fig-curves-rosen",
        "fig-heatmap-quad2d",
        "fig-heatmap-rosen",
        "fig-kappa",
        "fig-speedup",
        "fig-sensitivity-quad2d",
        "fig-sensitivity-rosen",
    ]:
        assert fid in ids, fid
    for tid in ["table-best", "table-comparisons", "table-slopes", "table-cells", "table-status"]:
        assert tid in ids, tid


def test_every_image_has_alt_text_a_caption_and_true_dimensions(report):
    html = report.read_text(encoding="utf-8")
    page = Page(html)
    imgs = page.all("img")
    assert len(imgs) == len(page.all("figure")) == len(page.all("figcaption")) == 9
    for img in imgs:
        assert len(img.get("alt", "").strip()) > 40, img.get("alt")
        data = base64.b64decode(img["src"].split(",", 1)[1])
        w, h = png_size(data)
        assert (int(img["width"]), int(img["height"])) == (w, h)
        assert 300 < w <= 1000 and 150 < h < 1500
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", html, re.S)
    assert all(c.strip().startswith("Figure ") for c in captions)
    numbers = [int(re.match(r"\s*Figure (\d+)\.", c).group(1)) for c in captions]
    assert numbers == list(range(1, len(captions) + 1))


def test_csv_downloads_exist_and_are_linked(report, tables_dir):
    page = page_of(report)
    links = {a["href"] for a in page.all("a") if a.get("href", "").startswith("tables/")}
    for name in TABLES:
        copy = report.parent / "tables" / f"{name}.csv"
        assert copy.is_file(), name
        assert copy.read_bytes() == (tables_dir / f"{name}.csv").read_bytes()
        assert f"tables/{name}.csv" in links, name
    for href in links:
        assert (report.parent / href).is_file(), href


def test_summary_states_the_speedup_with_its_interval(report, tables_dir):
    comps = [r for r in read_csv(tables_dir / "comparisons.csv") if r["objective"] == "quad2d"]
    top = max(c["kappa"] for c in comps)
    best = max((c for c in comps if c["kappa"] == top), key=lambda c: c["speedup"])
    text = " ".join(" ".join(page_of(report).text).split())
    expected = (
        f"On quad2d at κ = {fmt.kappa(top)}, {LABELS[best['method']]} needed "
        f"{fmt.sig(best['speedup'])}× fewer iterations than GD (95% CI "
        f"{fmt.sig(best['speedup_ci_low'])}–{fmt.sig(best['speedup_ci_high'])}"
    )
    assert expected in text
    assert "iterations grew like" in text and "theory 1.00" in text and "theory 0.50" in text
    assert re.search(
        r"Of [\d,]+ runs, [\d,]+ \([\d.]+%\) converged, [\d,]+ \([\d.]+%\) diverged", text
    )


def test_tables_use_readable_numbers(report):
    html = report.read_text(encoding="utf-8")
    best = html[
        html.index('id="table-best"') : html.index("</table>", html.index('id="table-best"'))
    ]
    assert re.search(r'<td class="num">[\d,]+ \[[\d,]+, [\d,]+\]</td>', best)  # median [CI]
    assert "e+" not in best and not re.search(r"\b(nan|None|inf)\b", best)
    assert '<th scope="col" class="num">' in best  # numbers are right-aligned


def test_methods_and_provenance(report):
    text = " ".join(" ".join(page_of(report).text).split())
    for rule in ["v ← β v + (1 − β) g", "v ← β v + g", "w ← w − α (g + β v)", "w ← w − α g"]:
        assert rule in text, rule
    for word in ["Wilson", "Kaplan–Meier", "bootstrap", "ERT", "Wilcoxon", "Holm", "Theil–Sen"]:
        assert word in text, word
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
    tables = summarise(simulate_study(cfg), cfg)
    for name in ["cells", "best", "slopes", "status_counts", "curves"]:
        write_csv(tmp_path / f"{name}.csv", tables[name], COLUMNS[name])
    write_csv(tmp_path / "comparisons.csv", [], COLUMNS["comparisons"])  # header only
    text = _render_text(tmp_path, tmp_path / "out" / "index.html", cfg)
    assert "No data: no paired comparisons" in text
    assert "comparisons, trajectories, landscape" in text
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
    tables = summarise(simulate_study(cfg), cfg)
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
    assert all(math.isfinite(r[c]) for r in traj for c in ("w1", "w2"))
    gd = [r for r in traj if r["method"] == "gd"]
    mom = [r for r in traj if r["method"] == "momentum"]
    assert len(gd) == len(mom) == 41
    assert (gd[0]["w1"], gd[0]["w2"]) == pytest.approx((-1.0, 0.3))
    assert gd[0]["alpha"] == pytest.approx(2 / 101)
    assert mom[0]["beta"] == 0.9
    assert mom[0]["alpha"] * 0.1 == pytest.approx((1 - math.sqrt(0.9)) ** 2)
    xs, ys = [r["x"] for r in land], [r["y"] for r in land]
    for r in traj:  # the grid covers every path
        assert min(xs) <= r["w1"] <= max(xs) and min(ys) <= r["w2"] <= max(ys)


def test_lecture_rows_stop_at_the_first_non_finite_iterate():
    case = {**LECTURE_CASES[0], "tunings": {"gd": {"alpha": 5.0}}, "steps": 2000}
    traj, _ = lecture_tables([case], steps=2000, grid=5)
    assert 10 < len(traj) < 2001
    assert all(math.isfinite(r["w1"]) and math.isfinite(r["w2"]) for r in traj)


def test_lecture_needs_two_dimensions():
    case = {**LECTURE_CASES[0], "options": {"dim": 3}}
    with pytest.raises(ml.ConfigError):
        lecture_tables([case], steps=5, grid=5)


def test_rosenbrock_default_tuning_is_stable():
    traj, _ = lecture_tables(LECTURE_CASES[1:], steps=1000, grid=5)
    obj = ml.make_objective("rosenbrock", 1000)
    for m in ("gd", "momentum"):
        rows = [r for r in traj if r["method"] == m]
        assert len(rows) == 1001
        f = obj.value(np.array([[rows[-1]["w1"], rows[-1]["w2"]]]))[0]
        f0 = obj.value(np.array([[rows[0]["w1"], rows[0]["w2"]]]))[0]
        assert f < f0


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
