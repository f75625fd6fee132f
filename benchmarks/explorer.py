"""The report explorer's cost: page weight it adds, and time from load to the first drawn path.

    .venv/bin/python benchmarks/explorer.py                      # tables: results/default/tables
    .venv/bin/python benchmarks/explorer.py --quick              # run the quick preset first
    .venv/bin/python benchmarks/explorer.py --screenshots docs/screenshots

Weight: the explorer's partial rendered alone (markup, styles, script, embedded study data),
which is exactly what its one include adds to the report. Timing: the report opened in headless
Chromium ``--runs`` times (networking off); the script records ``performance.now()`` (ms since
navigation start) when it has drawn the first path; also a redraw's cost while a slider moves.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from workflow_helpers import QUICK, copy_workflow, study_config  # noqa: E402

from momentumlab.report import build_report, make_env  # noqa: E402
from momentumlab.report.browser import Browser  # noqa: E402
from momentumlab.report.data import load_tables  # noqa: E402
from momentumlab.report.explorer import explorer_context  # noqa: E402

TEMPLATES = ROOT / "report" / "templates"

# (name, method, alpha_L or "optimal", beta, kappa)
STATES = [
    ("optimal", "heavy_ball", "optimal", None, 100.0),
    ("diverging", "heavy_ball", 4.2, 0.9, 100.0),
]

SET = """(([id, value]) => { const el = document.getElementById(id); el.value = value;
  el.dispatchEvent(new Event("input", {bubbles: true})); })"""


def weight(tables_dir: Path, config: dict) -> dict:
    ctx = explorer_context(load_tables(tables_dir)["cells"], config)
    html = make_env(TEMPLATES).get_template("explorer.html.j2").render(explorer=ctx)
    data = json.dumps(ctx["data"], separators=(",", ":"))
    kb = lambda n: n / 1024  # noqa: E731
    return {
        "total_kb": kb(len(html.encode())),
        "script_kb": kb(len((TEMPLATES / "explorer.js").read_bytes())),
        "styles_kb": kb(len((TEMPLATES / "explorer.css").read_bytes())),
        "data_kb": kb(len(data.encode())),
        "cells": sum(len(m["median"]) for m in (ctx["data"]["study"] or {}).get("maps", [])),
    }


def set_state(b: Browser, method, alpha_L, beta, kappa):
    for id_, value in (("ex-method", method), ("ex-kappa", repr(kappa))):
        b.evaluate(f"{SET}({json.dumps([id_, value])})")
    if alpha_L == "optimal":
        b.evaluate("document.getElementById('ex-optimal').click()")
    else:
        b.evaluate(f"{SET}({json.dumps(['ex-alpha', repr(alpha_L)])})")
        b.evaluate(f"{SET}({json.dumps(['ex-beta', repr(beta)])})")


def timings(html: Path, runs: int) -> dict:
    first, start, load, redraw = [], [], [], []
    with Browser(width=1400, height=1000) as b:
        for _ in range(runs):
            page = b.open(html, settle=0.1)
            if page.errors or page.failed:
                raise SystemExit(f"the report has errors: {page.errors} {page.failed}")
            t = b.evaluate("momentumExplorer.timing")
            first.append(t["firstPathMs"])
            start.append(t["scriptStartMs"])
            load.append(page.timing["load_ms"])
        redraw = b.evaluate(
            """(() => { const el = document.getElementById('ex-beta-range'), out = [];
                for (let i = 0; i < 60; i++) { el.value = String(0.3 + i * 0.01);
                  el.dispatchEvent(new Event('input', {bubbles: true}));
                  out.push(momentumExplorer.timing.lastDrawMs); }
                return out; })()"""
        )
    med = statistics.median
    return {
        "first_path_ms": med(first),
        "first_path_min_ms": min(first),
        "script_start_ms": med(start),
        "script_to_path_ms": med(f - s for f, s in zip(first, start, strict=True)),
        "load_event_ms": med(load),
        "redraw_ms": med(redraw),
        "redraw_p90_ms": sorted(redraw)[int(0.9 * len(redraw))],
    }


def screenshots(html: Path, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for width in (1400, 420):
        with Browser(width=width, height=1000) as b:
            b.open(html)
            # a viewport as tall as the page: no scrollbar, so the layout measured is the one shot
            h = b.evaluate("document.documentElement.scrollHeight")
            metrics = {"width": width, "height": h, "deviceScaleFactor": 1, "mobile": False}
            b.send("Emulation.setDeviceMetricsOverride", metrics)
            for name, *state in STATES:
                set_state(b, *state)
                box = b.evaluate(
                    "document.getElementById('explorer').getBoundingClientRect().toJSON()"
                )
                top = b.evaluate("window.scrollY") + box["y"]
                x0 = max(0, box["x"] - 16) if width > 600 else 0  # narrow: the whole width
                x1 = min(width, box["x"] + box["width"] + 16) if width > 600 else width
                clip = {"x": x0, "y": top - 8, "width": x1 - x0, "height": box["height"] + 16}
                shot = b.send(
                    "Page.captureScreenshot",
                    {"format": "png", "clip": {**clip, "scale": 1}},
                )["data"]
                path = out_dir / f"explorer-{width}-{name}.png"
                _write_small_png(path, shot)
                written.append(path)
    return written


def _write_small_png(path: Path, b64: str):
    """The screenshot as a palette PNG (flat colours: a quarter of the bytes, no visible loss)."""
    import base64
    import io

    raw = base64.b64decode(b64)
    try:
        from PIL import Image
    except ImportError:
        path.write_bytes(raw)
        return
    img = Image.open(io.BytesIO(raw)).convert("RGB")
    img.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", type=Path, default=ROOT / "results" / "default" / "tables")
    ap.add_argument("--config", type=Path, default=ROOT / "config" / "config.yaml")
    ap.add_argument("--quick", action="store_true", help="run the quick preset for the tables")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--screenshots", type=Path, default=None)
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="momentumlab-explorer-bench-"))
    try:
        tables, config_file = args.tables, args.config
        if args.quick or not (tables / "cells.csv").is_file():
            root = copy_workflow(tmp / "study")
            t = time.perf_counter()
            subprocess.run(
                [str(Path(sys.executable).with_name("snakemake")), "--cores", "2", "-q",
                 "--configfile", QUICK], cwd=root, check=True, capture_output=True,
            )  # fmt: skip
            print(f"quick preset study: {time.perf_counter() - t:.0f} s")
            tables, config_file = root / "results" / "quick" / "tables", root / QUICK
        config = study_config(config_file)
        html = build_report(
            tables_dir=tables, templates_dir=TEMPLATES, out_html=tmp / "report" / "index.html",
            config=config,
        )  # fmt: skip
        w = weight(tables, config)
        page_kb = html.stat().st_size / 1024
        print(f"tables: {tables}")
        print(
            f"page weight added by the explorer: {w['total_kb']:.1f} KB of a {page_kb:.0f} KB "
            f"report (script {w['script_kb']:.1f} KB, styles {w['styles_kb']:.1f} KB, "
            f"study data {w['data_kb']:.1f} KB for {w['cells']} cells, the rest markup)"
        )
        t = timings(html, args.runs)
        print(
            f"first drawn path: {t['first_path_ms']:.0f} ms after navigation start (median of "
            f"{args.runs}; best {t['first_path_min_ms']:.0f} ms); the script starts at "
            f"{t['script_start_ms']:.0f} ms and draws {t['script_to_path_ms']:.0f} ms later; "
            f"load event {t['load_event_ms']:.0f} ms"
        )
        print(
            f"redraw while a slider moves: median {t['redraw_ms']:.1f} ms, "
            f"90th percentile {t['redraw_p90_ms']:.1f} ms"
        )
        if args.screenshots:
            for p in screenshots(html, args.screenshots):
                print(f"screenshot {p} ({p.stat().st_size / 1024:.0f} KB)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
