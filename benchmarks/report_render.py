"""Benchmarks of the report: its size and render time in Chromium, and the pipeline's cost.

Opens each report in headless Chromium (networking off, a fresh profile per run), waits for the
load event and prints the file size, the load-event time from the Navigation Timing API, the
wall time from navigation to load, and the image count. The issue asks for < 10 MB and < 2 s on
the default study. Not a test: machines are shared and noisy.

With ``--pipeline``, measured side by side in one run, in temporary copies of the workflow:

(1) the reference grid (2-D and 50-D logspace quadratics, kappa 1..1e4, 20 alphas in
    [0.01, 2.5]/L, 6 betas, 10 seeds; heavy ball and its GD baseline): the cold pipeline's wall
    time (simulations, statistics, figures, report) against the same simulations run in one
    process (goal: at most 2);
(2) a study (the reference grid, or the default one with ``--default``): the share of the
    pipeline's wall time after the simulations are gathered (statistics, figures, report; goal:
    at most 25%), read from when simulations.csv was written;
(3) a change to one objective (one more kappa for quad50d): which figure jobs a rerun plans.

    .venv/bin/python benchmarks/report_render.py [results/<study>/report/index.html ...] [--runs 5]
    .venv/bin/python benchmarks/report_render.py --pipeline [--default] [--cores 2]
    .venv/bin/python benchmarks/report_render.py --pipeline --default --skip-reference
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from workflow_helpers import copy_workflow, snakemake, study_config  # noqa: E402

from momentumlab.report.browser import Browser, find_chromium  # noqa: E402
from momentumlab.study import plan, simulate_job  # noqa: E402

REFERENCE = {
    "title": "reference grid",
    "objectives": {
        "quad2d": {"type": "quadratic", "dim": 2, "spectrum": "two_point"},
        "quad50d": {"type": "quadratic", "dim": 50, "spectrum": "logspace", "rotate": True},
    },
    "kappas": [1, 10, 100, 1000, 10000],
    "methods": ["gd", "heavy_ball"],
    "alpha_unit": "inv_L",
    "alphas": {
        m: [round(0.01 * 250 ** (i / 19), 6) for i in range(20)] for m in ("gd", "heavy_ball")
    },
    "betas": [0, 0.5, 0.8, 0.9, 0.95, 0.98],
    "seeds": 10,
    "tol": 1.0e-6,
    "max_iter": 100000,
}


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


def _wall_cpu(tsv: Path) -> tuple[float, float]:
    """A Snakemake benchmark file's wall time and CPU time, in seconds."""
    head, row = (line.split("\t") for line in tsv.read_text().splitlines()[:2])
    return float(row[head.index("s")]), float(row[head.index("cpu_time")])


def pipeline(config: dict | None, cores: int, in_process: bool = True) -> None:
    """(1)-(3) of the module docstring, printed; (1) only with ``in_process``."""
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_workflow(Path(tmp) / "study")
        if config is None:
            cfg_file = "config/config.yaml"
        else:
            cfg_file = "config/presets/bench.yaml"
            (root / cfg_file).write_text(yaml.safe_dump(config, sort_keys=False))
        study = study_config(root / cfg_file)["study"]
        out = root / "results" / study  # the study's folder
        the_plan = plan(study_config(root / cfg_file))
        jobs, n = the_plan.jobs, the_plan.n_simulations
        if in_process:
            t0 = time.perf_counter()
            n = sum(len(simulate_job(j)[0]) for j in jobs)
            t_proc = time.perf_counter() - t0
        load0 = os.getloadavg()[0]
        start = time.time()
        snakemake(root, "--cores", str(cores), "--configfile", cfg_file, timeout=7200)
        end = time.time()
        load1 = os.getloadavg()[0]
        sims_done = (out / "tables" / "simulations.csv").stat().st_mtime
        cold = end - start
        print(f"{cfg_file}: {n} simulations in {len(jobs)} simulation jobs, {cores} cores "
              f"(load average {load0:.1f} before the pipeline, {load1:.1f} after)")  # fmt: skip
        print(f"  (1) cold pipeline, simulations to report: {cold:8.1f} s")
        if in_process:
            print(f"      the same simulations in one process:   {t_proc:8.1f} s")
            print(f"      ratio: {cold / t_proc:.2f}  (goal <= 2)")
        post = end - sims_done
        print(f"  (2) after simulations.csv (statistics, figures, report): {post:.1f} s of "
              f"{cold:.1f} s = {100 * post / cold:.0f}%  (goal <= 25%)")  # fmt: skip
        bench = out / "benchmarks"
        figs = sorted((bench / "figures").glob("*.tsv"))
        fig_s = [_wall_cpu(f) for f in figs]
        (sw, sc), (rw, rc) = _wall_cpu(bench / "summarise.tsv"), _wall_cpu(bench / "report.tsv")
        print(f"      summarise {sw:.1f} s ({sc:.1f} s CPU); {len(figs)} figure jobs, "
              f"{sum(w for w, _ in fig_s):.1f} s summed ({sum(c for _, c in fig_s):.1f} s CPU), "
              f"slowest {max(w for w, _ in fig_s):.1f} s; report (assembly) {rw:.1f} s "
              f"({rc:.1f} s CPU; CPU as Snakemake samples it: a lower bound)")  # fmt: skip
        cfg = yaml.safe_load((root / cfg_file).read_text())
        obj = list(cfg["objectives"])[-1]
        spec = cfg["objectives"][obj]
        spec["kappas"] = [*spec.get("kappas", cfg["kappas"]), 3]
        cfg["study"] = study  # the same study, changed
        (root / "config" / "presets" / "changed.yaml").write_text(yaml.safe_dump(cfg))
        dry = snakemake(root, "-n", "--cores", "1", "--configfile", "config/presets/changed.yaml")
        rerun = sorted(
            set(re.findall(r"rule \w+_figure:\n(?:.*\n)*?\s+output: results/[\w-]+/report/figures/"
                           r"([\w-]+)\.png", dry.stdout))
        )  # fmt: skip
        print(
            f"  (3) one more kappa for {obj} alone: the rerun plans {len(rerun)} figure jobs: "
            f"{', '.join(rerun) or 'none'}"
        )


SHOTS = [  # (name, viewport width, element to scroll to or None for the top)
    ("top-1400", 1400, None),
    ("top-420", 420, None),
    ("lecture-1400", 1400, "lecture"),
    ("objective-1400", 1400, "OBJECTIVE"),
    ("objective-420", 420, "OBJECTIVE"),
]


def screenshots(report: Path, out_dir: Path) -> list[Path]:
    """Viewport screenshots (900 px high) of the report, as small 256-colour PNGs."""
    from PIL import Image

    out = []
    for name, width, anchor in SHOTS:
        with Browser(width=width, height=900) as browser:
            browser.open(report)
            if anchor == "OBJECTIVE":
                browser.evaluate("document.querySelector('section.objective').scrollIntoView()")
            elif anchor:
                browser.evaluate(f"document.getElementById('{anchor}').scrollIntoView()")
            path = browser.screenshot(out_dir / f"{name}.png", full_page=False)
        Image.open(path).convert("RGB").quantize(256).save(path, optimize=True)
        out.append(path)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", nargs="*", default=["results/default/report/index.html"])
    ap.add_argument("--runs", type=int, default=5, help="cold loads per report (median shown)")
    ap.add_argument("--width", type=int, default=1280, help="viewport width in CSS pixels")
    ap.add_argument("--pipeline", action="store_true", help="the pipeline benchmarks instead")
    ap.add_argument(
        "--default", action="store_true", help="with --pipeline: also the default study"
    )
    ap.add_argument(
        "--skip-reference", action="store_true", help="with --default: the default study only"
    )
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--screenshots", metavar="DIR", help="save viewport screenshots there")
    args = ap.parse_args()
    if args.screenshots:
        for path in screenshots(Path(args.reports[0]), Path(args.screenshots)):
            print(f"{path}: {path.stat().st_size / 1e3:.0f} kB")
        return 0
    if args.pipeline:
        if not args.skip_reference:
            pipeline(REFERENCE, args.cores)
        if args.default:  # its goal is (2) only: no in-process run (several minutes saved)
            pipeline(None, args.cores, in_process=False)
        return 0
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
