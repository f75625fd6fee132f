"""Benchmark (a): the batched engine against a one-simulation-at-a-time Python loop.

Prints simulations per second for a batch of 10,000 heavy-ball runs on the 2-D and a 50-D
quadratic (kappa = 100; alpha and beta spread over the stable region and beyond, so runs
converge, diverge and hit max_iter), and the same runs one at a time through the same library
in the same process. The loop is timed on a random sample of runs and extrapolated by
the iterations simulated (``stopped_at``: a settled run is simulated a few iterations past its
settling time until the engine's stop rule certifies it; its cost per iteration is flat), since
a few censored runs cost 5,000 iterations each. Each side is timed ``--repeat`` times and the
best time kept. Not a test: machines are shared and noisy.

    .venv/bin/python benchmarks/engine.py [--runs 10000] [--loop-sample 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import momentumlab as ml


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def case(dim: int, runs: int, sample: int, repeat: int) -> dict:
    kappa = 100.0
    spectrum = "two_point" if dim == 2 else "logspace"
    obj = ml.make_objective("quadratic", kappa, dim=dim, spectrum=spectrum, rotate=dim > 2)
    method = ml.get_method("heavy_ball")
    seeds = np.arange(runs)
    starts = ml.start_points(obj, "bench", seeds.tolist())
    gen = np.random.default_rng(0)
    alpha = gen.uniform(0.5, 3.5, runs) / obj.L
    beta = gen.uniform(0.3, 0.9, runs)
    kw = dict(tol=1e-6, max_iter=5000)

    batch = ml.run_batch(obj, method, alpha, beta, starts, **kw)
    t_batch = best_time(lambda: ml.run_batch(obj, method, alpha, beta, starts, **kw), repeat)

    picked = np.random.default_rng(1).choice(runs, size=min(sample, runs), replace=False)

    def loop():
        for i in picked:
            one = ml.run_batch(
                obj, method, alpha[i : i + 1], beta[i : i + 1], starts[i : i + 1], **kw
            )
            # the same numbers, one at a time
            assert (one.status[0], one.iterations[0]) == (batch.status[i], batch.iterations[i])
            assert one.first_hit[0] == batch.first_hit[i]
            assert one.final_gap[0] == batch.final_gap[i]

    per_iteration = best_time(loop, repeat) / batch.stopped_at[picked].sum()
    total = batch.stopped_at.sum()
    return dict(
        dim=dim,
        runs=runs,
        batch_s=t_batch,
        loop_s=per_iteration * total,
        iters=batch.iterations.mean(),
        simulated=batch.stopped_at.mean(),
        loop_us=per_iteration * 1e6,
        batch_us=t_batch / total * 1e6,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--loop-sample", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3, help="time each side this often, keep best")
    args = ap.parse_args()
    print(
        f"{'case':<16}{'runs':>8}{'mean iters':>12}{'simulated':>11}{'batched sims/s':>16}"
        f"{'loop sims/s':>14}"
        f"{'ratio':>8}{'us/iter loop':>14}{'us/run-iter batch':>19}"
    )
    for dim in (2, 50):
        r = case(dim, args.runs, args.loop_sample, args.repeat)
        print(
            f"{'quadratic ' + str(dim) + '-D':<16}{r['runs']:>8}{r['iters']:>12.0f}"
            f"{r['simulated']:>11.0f}"
            f"{r['runs'] / r['batch_s']:>16.0f}{r['runs'] / r['loop_s']:>14.0f}"
            f"{r['loop_s'] / r['batch_s']:>7.0f}x{r['loop_us']:>14.2f}{r['batch_us']:>19.3f}"
        )


if __name__ == "__main__":
    main()
