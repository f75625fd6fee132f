"""Benchmarks of the pipeline, each ratio measured within one run of this script.

(a) the batched engine against a one-simulation-at-a-time loop (benchmarks/engine.py);
(b) the default study cold, end to end with Snakemake, against the same simulations run in one
    Python process (goal: at most 2), plus the whole pipeline (stats and report too);
(c) a warm no-op run against `snakemake -n` (goal: at most 1.5);
(d) the large preset (>= 1,000,000 simulations): job count, wall time, simulations per second
    (goal: under 10 minutes on 2 cores).

    .venv/bin/python benchmarks/study.py [--cores 2] [--skip-large] [--skip-engine]

Studies run in temporary copies of the workflow; nothing under results/ is touched.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from workflow_helpers import copy_workflow, snakemake, study_config  # noqa: E402

from momentumlab.study import plan, simulate_job  # noqa: E402

SIMS = "results/default/tables/simulations.csv"  # the default study's folder


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def in_process(config_path: Path) -> tuple[float, int]:
    jobs = plan(study_config(config_path)).jobs
    t, n = timed(lambda: sum(len(simulate_job(j)[0]) for j in jobs))
    return t, n


def study_run(
    config: str, cores: int, target: str | None = None
) -> tuple[float, float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_workflow(Path(tmp) / "study")
        args = ([target] if target else []) + ["--cores", str(cores), "--configfile", config]
        cold, _ = timed(lambda: snakemake(root, *args, timeout=3600))
        warm, _ = timed(lambda: snakemake(root, *args))
        dry, _ = timed(lambda: snakemake(root, *args, "-n"))
        jobs = len(list((root / "results" / "cache" / "benchmarks" / "simulate").rglob("*.tsv")))
        shutil.rmtree(root / ".snakemake", ignore_errors=True)
    return cold, warm, dry, jobs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--skip-engine", action="store_true")
    args = ap.parse_args()

    if not args.skip_engine:
        print("(a) batched engine vs one simulation at a time")
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "engine.py")], check=True)

    default = ROOT / "config" / "config.yaml"
    n_jobs = len(plan(study_config(default)).jobs)
    t_proc, n_sims = in_process(default)
    cold, warm, dry, jobs = study_run("config/config.yaml", args.cores, SIMS)
    print(f"\n(b) default study: {n_sims} simulations in {n_jobs} simulation jobs")
    print(f"    snakemake --cores {args.cores}, cold, to {SIMS}: {cold:8.1f} s")
    print(f"    the same simulations in one process (1 core): {t_proc:8.1f} s")
    print(f"    ratio cold/in-process: {cold / t_proc:.2f}  (goal <= 2)")
    full, _, _, _ = study_run("config/config.yaml", args.cores)
    print(f"    whole pipeline cold (stats, figures, report): {full:8.1f} s")
    print(f"\n(c) warm no-op run: {warm:.2f} s; snakemake -n: {dry:.2f} s; ratio {warm / dry:.2f}"
          "  (goal <= 1.5)")  # fmt: skip

    if not args.skip_large:
        large = ROOT / "config" / "presets" / "large.yaml"
        lp = plan(study_config(large))
        full, _, _, _ = study_run("config/presets/large.yaml", args.cores)
        print(f"\n(d) large preset: {lp.n_simulations} simulations in {len(lp.jobs)} simulation"
              f" jobs, whole pipeline (simulations, statistics, report) on {args.cores} cores:"
              f" {full:.1f} s ({full / 60:.1f} min), {lp.n_simulations / full:.0f} simulations/s"
              "  (goal < 10 min)")  # fmt: skip


if __name__ == "__main__":
    main()
