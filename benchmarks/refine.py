"""Refined tunings against an independent dense brute-force grid, on the default study's
quadratics: per (objective, kappa, method), the refined best median settling time (in sample,
over the coarse grid and every chain's points) beside the best of a dense grid simulated by the
library on the same seeds, their ratio, and EMA momentum's speedup beside heavy ball's.

    .venv/bin/python benchmarks/refine.py                      # quad2d and quad50d, every kappa
    .venv/bin/python benchmarks/refine.py --study /path/to/a/finished/study   # its best.csv
    .venv/bin/python benchmarks/refine.py --objectives quad2d --kappas 100 10000

Without ``--study`` the refinement runs in process (momentumlab.refine.search_in_process), as
the workflow's checkpoints would. The dense grid: 400 step sizes for GD, 60 x 40 (alpha, 1 -
beta) points over each momentum method's stable region otherwise (EMA momentum's alphas are
heavy ball's over 1 - beta). It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from momentumlab import refine, stats  # noqa: E402
from momentumlab.config import load_file  # noqa: E402
from momentumlab.study import plan, simulate_job  # noqa: E402
from momentumlab.tables import read_csv  # noqa: E402

TOP = {"heavy_ball": 4.5, "momentum": 4.5, "nesterov": 1.6}


def dense_job(job):
    """One job's dense brute-force grid (the same objective, seeds, budget and tolerance)."""
    if job.method == "gd":
        pts = [[float(a), 0.0] for a in np.geomspace(0.2, 2.0, 400)]
    else:
        pts = [
            [float(a / gap if job.method == "momentum" else a), float(1 - gap)]
            for gap in np.geomspace(1e-3, 1.0, 40)
            for a in np.geomspace(0.2, TOP[job.method], 60)
        ]
    return dataclasses.replace(job, points=pts, shard="dense")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(ROOT / "config" / "config.yaml"))
    ap.add_argument("--objectives", nargs="+", default=["quad2d", "quad50d"])
    ap.add_argument("--kappas", nargs="+", type=float)
    ap.add_argument("--study", help="a finished study's folder (results/<study>): read its tables")
    args = ap.parse_args()
    cfg = copy.deepcopy(load_file(args.config).config)
    cfg["objectives"] = {o: cfg["objectives"][o] for o in args.objectives}
    if args.kappas:
        cfg["kappas"] = args.kappas
        for spec in cfg["objectives"].values():
            spec.pop("kappas", None)
    jobs = plan(cfg).jobs
    t0 = time.perf_counter()
    if args.study:
        tables = Path(args.study) / "tables"
        best, comp = read_csv(tables / "best.csv"), read_csv(tables / "comparisons.csv")
        print(f"refined tunings read from {tables}")
    else:
        s = refine.Settings.from_config(cfg)
        rows, search, done = refine.search_in_process(jobs, s, list(cfg["objectives"]))
        t = stats.summarise(rows, n_resamples=200, search=search, refine=s.as_params())
        best, comp = t["best"], t["comparisons"]
        print(
            f"refinement in process: {len(jobs)} coarse jobs + {len(done) - len(jobs)} refined "
            f"jobs, {len(rows):,} simulations, {time.perf_counter() - t0:.0f} s"
        )
    by = {(r["objective"], float(r["kappa"]), r["method"]): r for r in best}
    speed = {(r["objective"], float(r["kappa"]), r["method"]): r["speedup"] for r in comp}
    print(
        f"\n{'objective':10} {'kappa':>7} {'method':>10} {'refined':>8} {'dense':>8} {'ratio':>6}"
        f" {'round':>5} {'edge':>5}  refined (alpha_L, beta)"
    )
    worst = 0.0
    for job in jobs:
        key = (job.objective, float(job.kappa), job.method)
        b = by.get(key)
        d = stats.summarise(simulate_job(dense_job(job))[0], n_resamples=100)["best"][0]
        r, dm = (b or {}).get("median_iter_in_sample"), d["median_iter_in_sample"]
        ratio = r / dm if r and dm else float("nan")
        worst = max(worst, ratio) if ratio == ratio else worst
        print(
            f"{job.objective:10} {job.kappa:>7g} {job.method:>10} {r or '-':>8} {dm or '-':>8} "
            f"{ratio:>6.3f} {b.get('round') if b else '-':>5} {str(b.get('edge')) if b else '-':>5}"
            f"  ({b.get('alpha_L') if b else '-'}, {b.get('beta') if b else '-'})",
            flush=True,
        )
    print(f"\nworst refined / dense ratio: {worst:.3f} (within 5%: {worst <= 1.05})")
    print("\nEMA momentum against heavy ball (held-out speedups over GD):")
    for o in cfg["objectives"]:
        for k in sorted({float(j.kappa) for j in jobs if j.objective == o}):
            e, h = speed.get((o, k, "momentum")), speed.get((o, k, "heavy_ball"))
            if e and h:
                print(f"  {o:10} kappa {k:>7g}: momentum {e:8.3f}  heavy_ball {h:8.3f}  "
                      f"ratio {e / h:.3f}")  # fmt: skip
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
