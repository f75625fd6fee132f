"""Refined tunings against an independent dense brute-force grid, on the default study's
quadratics: per (objective, kappa, method), the refined best median settling time beside the
best median of a dense grid simulated by the library on the same seeds, their ratio, and
whether the refined best is within 5% of the dense one (issue 12's claim).

    nice -n 19 .venv/bin/python benchmarks/refine.py          # quad2d and quad50d, every kappa
    .venv/bin/python benchmarks/refine.py --study results/default   # a finished study's best.csv
    .venv/bin/python benchmarks/refine.py --objectives quad2d --kappas 100 10000

Both sides use the one selection rule (:func:`momentumlab.stats.select_best`: among cells
converged on every seed, the smallest median, then mean, alpha_L, beta), in sample on all the
config's seeds. The refined side is the study's ``best.median_iter_in_sample`` (over the coarse
grid and every chain's refined points): without ``--study`` the refinement runs in process
(:func:`momentumlab.refine.search_in_process`), as the workflow's checkpoints would.

The dense grid is built from the config and theory only, never from the refinement's points
(:func:`dense_points`), in alpha_L and 1 - beta (EMA momentum: its effective step alpha_L (1 -
beta), heavy ball's alpha, so both methods get the same grid):

- gd: 100 log-spaced alpha_L over [0.2, 2.2] (the coarse grid is 0.25..2.1) and 200 over
  [0.5, 1.1] x theory's optimum 2 / (L + mu);
- a momentum method: a 40 x 40 log grid over alpha_L [0.2, top] x 1 - beta [min(1e-3,
  g*/10), 1] (top 4.5 for heavy ball and EMA, 2.2 for Nesterov: past the coarse grid and the
  stability boundary) plus a 60 x 60 log grid over [0.3, 1.2] x theory's optimal step times
  [10^-0.5, 10^0.5] x theory's optimal 1 - beta g* (a decade around it, beta >= 0), theory's
  optimum itself among them: about 5,000 points.

Cost: each dense grid first runs with a budget of ``CAP_FACTOR`` x theory's predicted
iterations at its optimum (at least 2,000, at most max_iter); then every cell with a run
censored at that cap whose median could still be <= the best fully converged median (its median
with censored runs counted at the cap, a lower bound) is rerun with the full max_iter. A cell
censored at the cap and not rerun has a median above the dense best at any budget, so the dense
best is exactly that of the full budget. It prints figures; it asserts nothing.

Measured (2 shared cores, nice -n 19, 2026-12): the in-process refinement of quad2d + quad50d
(40 coarse + 120 refined jobs, 110,724 simulations) 150-200 CPU s, the dense grids (301 points
per gd row, 3,491 to 5,321 per momentum-method row, 12 seeds each) 200-300 CPU s: 6-8.5
CPU-minutes in all; every row within 5%, worst ratio 1.019 (quad2d, kappa 1000, nesterov: 159
against 156).
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from momentumlab import refine, stats, theory  # noqa: E402
from momentumlab.api import run_grid  # noqa: E402
from momentumlab.config import load_file  # noqa: E402
from momentumlab.engine import CONVERGED, MAX_ITER  # noqa: E402
from momentumlab.methods import METHODS  # noqa: E402
from momentumlab.objectives import make_objective  # noqa: E402
from momentumlab.study import plan  # noqa: E402
from momentumlab.tables import read_csv  # noqa: E402

TOP = {"heavy_ball": 4.5, "momentum": 4.5, "nesterov": 2.2, "gd": 2.2}
CAP_FACTOR = 3
WITHIN = 1.05


def _axis(*parts) -> np.ndarray:
    return np.unique(np.round(np.concatenate(parts), 12))


def dense_points(method: str, mu: float, L: float) -> list[list[float]]:
    """The dense grid of one method as (alpha_L, beta) points (EMA momentum: alpha_L is
    step / (1 - beta)), from theory's optimum and the coarse range only."""
    if not METHODS[method].takes("beta"):
        a = theory.optimal(method, mu, L).alpha * L
        return [[float(x), 0.0] for x in _axis(np.geomspace(0.2, 2.2, 100),
                                               a * np.geomspace(0.5, 1.1, 200), [a])]  # fmt: skip
    ema = METHODS[method].ema
    t = theory.optimal("heavy_ball" if ema else method, mu, L)
    s_opt, g_opt = t.alpha * L, 1.0 - t.beta
    coverage = (np.geomspace(0.2, TOP[method], 40), np.geomspace(min(1e-3, g_opt / 10), 1, 40))
    fine = (  # theory's optimum itself is a grid point
        s_opt * _axis(np.geomspace(0.3, 1.2, 60), [1.0]),
        g_opt * _axis(np.geomspace(10**-0.5, 10**0.5, 60), [1.0]),
    )
    pts = set()
    for steps, gaps in (coverage, fine):
        for g in gaps[gaps <= 1.0]:
            for s in steps:
                pts.add((float(f"{s / g if ema else s:.12g}"), float(f"{1.0 - g:.12g}")))
    return [list(p) for p in sorted(pts)]


def _cells(rows: list[dict], n_points: int, seeds: int):
    """Per-point arrays (points, seeds): iterations (+inf unless converged), censored flags."""
    its = np.array([r["iterations"] for r in rows], dtype=float).reshape(n_points, seeds)
    status = np.array([r["status"] for r in rows]).reshape(n_points, seeds)
    return np.where(status == CONVERGED, its, np.inf), status == MAX_ITER, status


def _run(obj, job, label, points, max_iter):
    return run_grid(
        obj, job.method, label, points, alpha_unit="inv_L", seeds=job.seeds,
        base_seed=job.base_seed, start_scale=job.start_scale, tol=job.tol, max_iter=max_iter,
        curve_points=2,
    ).rows  # fmt: skip


def dense_best(job) -> dict:
    """The dense grid's best cell (stats.select_best over its fully converged cells) at the
    job's full budget, computed with the cap-then-rerun shortcut described above."""
    obj = make_objective(job.objective_type, job.kappa, **job.options)
    pts = dense_points(job.method, obj.mu, obj.L)
    predicted = theory.optimal(job.method, obj.mu, obj.L).iterations(job.tol)
    cap = int(min(job.max_iter, max(2000, CAP_FACTOR * predicted)))
    rows = _run(obj, job, job.objective, pts, cap)
    X, censored, status = _cells(rows, len(pts), job.seeds)
    ok = np.all(np.isfinite(X), axis=1)
    best_med = stats.censored_quantile(X[ok], 0.5).min() if ok.any() else np.inf
    reruns = 0
    if cap < job.max_iter:
        lower = stats.censored_quantile(np.where(censored, cap, X), 0.5)
        again = np.nonzero(censored.any(1) & ~(status == "diverged").any(1) & (lower <= best_med))[
            0
        ]
        if again.size:
            reruns = int(again.size)
            redo = _run(obj, job, job.objective, [pts[i] for i in again], job.max_iter)
            X[again] = _cells(redo, again.size, job.seeds)[0]
    cells = []
    for i, (a_L, beta) in enumerate(pts):
        conv = bool(np.all(np.isfinite(X[i])))
        cells.append({"median_iter": float(stats.censored_quantile(X[i], 0.5)),
                      "mean_iter": float(X[i].mean()) if conv else None, "all_converged": conv,
                      "method": job.method, "alpha_L": a_L, "beta": beta,
                      "alpha": a_L / obj.L})  # fmt: skip
    b = stats.select_best(cells)
    return {"points": len(pts), "cap": cap, "reruns": reruns, **(b or {"median_iter": None})}


def refined_best(cfg, jobs, study: str | None):
    if study:
        tables = Path(study) / "tables"
        print(f"refined tunings read from {tables}")
        return read_csv(tables / "best.csv"), read_csv(tables / "comparisons.csv")
    t0, c0 = time.perf_counter(), time.process_time()
    s = refine.Settings.from_config(cfg)
    rows, search, done = refine.search_in_process(jobs, s, list(cfg["objectives"]))
    t = stats.summarise(rows, n_resamples=200, search=search, refine=s.as_params())
    print(
        f"refinement in process: {len(jobs)} coarse jobs + {len(done) - len(jobs)} refined "
        f"jobs, {len(rows):,} simulations, {time.perf_counter() - t0:.0f} s "
        f"({time.process_time() - c0:.0f} CPU s)"
    )
    return t["best"], t["comparisons"]


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
    t0, c0 = time.perf_counter(), time.process_time()
    best, comp = refined_best(cfg, jobs, args.study)
    by = {(r["objective"], float(r["kappa"]), r["method"]): r for r in best}
    print(
        f"\n{'objective':9} {'kappa':>6} {'method':>10} {'refined':>8} {'dense':>8} {'ratio':>6}"
        f" {'<=5%':>5} {'points':>6} {'cap':>6} {'rerun':>5}  refined (alpha_L, beta) round"
        f" edge | dense (alpha_L, beta)"
    )
    worst, misses, seen = 0.0, [], set()
    for job in jobs:
        key = (job.objective, float(job.kappa), job.method)
        if key in seen:
            continue
        seen.add(key)
        b = by.get(key) or {}
        d = dense_best(job)
        r, dm = b.get("median_iter_in_sample"), d["median_iter"]
        ratio = float(r) / dm if r and dm else float("nan")
        ok = ratio <= WITHIN
        worst = max(worst, ratio) if ratio == ratio else worst
        if not ok:
            misses.append(key)
        dense_at = f"({d['alpha_L']:.4g}, {d['beta']:.4g})" if dm else "-"
        print(
            f"{job.objective:9} {job.kappa:>6g} {job.method:>10} {r or '-':>8} "
            f"{dm if dm is None else f'{dm:.0f}':>8} {ratio:>6.3f} {'yes' if ok else 'NO':>5} "
            f"{d['points']:>6} {d['cap']:>6} {d['reruns']:>5}  ({float(b.get('alpha_L')):.4g}, "
            f"{float(b.get('beta')):.4g}) {b.get('round')} {b.get('edge')} | {dense_at}",
            flush=True,
        )
    print(f"\nworst refined / dense ratio: {worst:.3f}; rows beyond 5%: {len(misses)} {misses}")
    print("\nEMA momentum against heavy ball (held-out speedups over GD):")
    speed = {(r["objective"], float(r["kappa"]), r["method"]): r["speedup"] for r in comp}
    for o in cfg["objectives"]:
        for k in sorted({float(j.kappa) for j in jobs if j.objective == o}):
            e, h = speed.get((o, k, "momentum")), speed.get((o, k, "heavy_ball"))
            if e and h:
                print(f"  {o:10} kappa {k:>7g}: momentum {float(e):8.3f}  heavy_ball "
                      f"{float(h):8.3f}  ratio {float(e) / float(h):.3f}")  # fmt: skip
    print(f"\ntotal {time.perf_counter() - t0:.0f} s, {time.process_time() - c0:.0f} CPU s")


if __name__ == "__main__":
    main()
