"""Benchmark (c): the report's size and how long headless Chromium takes to render it.

Opens each report in headless Chromium (networking off, a fresh profile per run), waits for the
load event and prints the file size, the load-event time from the Navigation Timing API, the
wall time from navigation to load, and the image count. The issue asks for < 10 MB and < 2 s on
the default study. Not a test: machines are shared and noisy.

    .venv/bin/python benchmarks/report_render.py [results/report/index.html ...] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from momentumlab.report.browser import Browser, find_chromium


def measure(path: Path, runs: int, width: int) -> dict:
    loads, walls, images, errors = [], [], 0, []
    for _ in range(runs):
        with Browser(width=width) as browser:  # a cold browser each time: no cache
            page = browser.open(path)
            imgs = browser.images()
        loads.append(page.timing["load_ms"])
        walls.append(page.timing["wall_ms"])
        images = len(imgs)
        errors += page.errors + [f"broken image {i['alt'][:40]!r}" for i in imgs if not i["width"]]
    return {
        "bytes": path.stat().st_size,
        "load_ms": statistics.median(loads),
        "load_ms_max": max(loads),
        "wall_ms": statistics.median(walls),
        "images": images,
        "errors": sorted(set(errors)),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", nargs="*", default=["results/report/index.html"])
    ap.add_argument("--runs", type=int, default=5, help="cold loads per report (median shown)")
    ap.add_argument("--width", type=int, default=1280, help="viewport width in CSS pixels")
    args = ap.parse_args()
    if find_chromium() is None:
        print("Chromium not found: apt-get install chromium (or set CHROMIUM=/path)")
        return 2
    status = 0
    for report in args.reports:
        path = Path(report)
        if not path.is_file():
            print(f"{path}: no such file (run the study first: python3 tasks.py study)")
            status = 1
            continue
        m = measure(path, args.runs, args.width)
        size_ok, time_ok = m["bytes"] < 10 * 2**20, m["load_ms"] < 2000
        print(
            f"{path}: {m['bytes'] / 2**20:.2f} MiB ({'ok' if size_ok else 'OVER'} < 10 MiB), "
            f"load event {m['load_ms']:.0f} ms median of {args.runs} (max {m['load_ms_max']:.0f}; "
            f"{'ok' if time_ok else 'OVER'} < 2000 ms), wall {m['wall_ms']:.0f} ms, "
            f"{m['images']} images"
        )
        for e in m["errors"]:
            print(f"  error: {e}")
        if not (size_ok and time_ok) or m["errors"]:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
