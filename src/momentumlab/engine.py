"""The batched simulation engine: many runs of one method on one objective, in lock-step.

Each iteration advances every still-active run with one vectorised numpy step; runs that
converge or diverge leave the batch, so the cost follows the runs still going.

Convergence: the first k with f(w_k) - f* <= tol * (f(w_0) - f*). Divergence: a non-finite
value, or a gap above ``DIVERGENCE_FACTOR`` times the starting gap (optimally tuned heavy-ball
rises about 1000x before it falls at kappa = 1e4, so a run is never stopped for merely rising).
Otherwise the run is censored at ``max_iter``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .methods import Method
from .objectives import Objective

CONVERGED, DIVERGED, MAX_ITER = "converged", "diverged", "max_iter"
STATUSES = (CONVERGED, DIVERGED, MAX_ITER)
_CODES = {0: CONVERGED, 1: DIVERGED, 2: MAX_ITER}
DIVERGENCE_FACTOR = 1e20


def curve_iterations(max_iter: int, points: int) -> np.ndarray:
    """The iterations at which loss curves are sampled: 0, then log-spaced up to max_iter."""
    if points < 2:
        return np.array([0], dtype=np.int64)
    its = np.unique(np.round(np.geomspace(1, max_iter, points - 1)).astype(np.int64))
    return np.concatenate([[0], its])


@dataclass
class BatchResult:
    """Arrays with one entry (row) per run; ``status`` holds the strings of ``STATUSES``."""

    status: np.ndarray
    iterations: np.ndarray  # convergence iteration, divergence iteration, or max_iter
    final_gap: np.ndarray  # f(w) - f* where the run stopped (inf when non-finite)
    gap0: np.ndarray
    curve_iters: np.ndarray  # (P,)
    curve: np.ndarray  # (runs, P) relative gaps (f - f*)/(f0 - f*); after a stop: the last value
    path: np.ndarray | None = None  # (runs, max_iter + 1, d) iterates, when asked for

    @property
    def diverged_at(self) -> np.ndarray:
        return np.where(self.status == DIVERGED, self.iterations, -1)


def run_batch(
    objective: Objective,
    method: Method,
    alpha: np.ndarray,
    beta: np.ndarray,
    starts: np.ndarray,
    *,
    tol: float = 1e-6,
    max_iter: int = 10_000,
    keys: np.ndarray | None = None,
    curve_points: int = 40,
    keep_path: bool = False,
) -> BatchResult:
    """Run ``len(starts)`` simulations at once; ``alpha``/``beta`` are absolute, one per run.

    ``keys`` (uint64, one per run) seed each run's gradient noise for stochastic objectives.
    """
    starts = np.atleast_2d(np.asarray(starts, dtype=float))
    n, d = starts.shape
    objective, Q = objective.canonical()  # e.g. a rotated quadratic in its eigenbasis
    if Q is not None:
        starts = starts @ Q
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), (n,)).copy()
    beta = np.broadcast_to(np.asarray(beta, dtype=float), (n,)).copy()
    if keys is None:
        keys = np.arange(n, dtype=np.uint64)
    keys = np.asarray(keys, dtype=np.uint64)
    stochastic = objective.stochastic

    cits = curve_iterations(max_iter, curve_points)
    P = len(cits)
    curve = np.full((n, P), np.nan)
    status = np.full(n, 2, dtype=np.int8)
    iterations = np.full(n, max_iter, dtype=np.int64)
    final_gap = np.full(n, np.nan)
    path = np.full((n, max_iter + 1, d), np.nan) if keep_path else None

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        W = starts.copy()
        f, G = objective.value_and_grad(W)
        gap0 = f - objective.fstar
        state = method.init(W)
        rows = np.arange(n)  # original index of each active row
        a, b, kk = alpha[:, None], beta[:, None], keys
        g0 = gap0.copy()
        thresh = tol * g0
        limit = DIVERGENCE_FACTOR * g0
        curve[:, 0] = 1.0
        if keep_path:
            path[:, 0] = W
        gap = g0
        done = g0 <= 0  # started at the optimum
        next_c = 1
        for k in range(1, max_iter + 1):
            if done.any():
                # runs that stopped at iteration k-1 leave the batch
                keep = ~done
                idx = rows[done]
                status[idx] = np.where(np.isfinite(gap[done]) & (gap[done] <= thresh[done]), 0, 1)
                iterations[idx] = k - 1
                final_gap[idx] = np.where(np.isfinite(gap[done]), gap[done], np.inf)
                rel = np.where(np.isfinite(gap[done]), gap[done] / g0[done], np.inf)
                curve[idx, next_c:] = rel[:, None]
                rows, W, G, a, b, kk = rows[keep], W[keep], G[keep], a[keep], b[keep], kk[keep]
                g0, thresh, limit, gap = g0[keep], thresh[keep], limit[keep], gap[keep]
                state = tuple(s[keep] for s in state)
                if rows.size == 0:
                    break
            # G is the exact gradient at W, computed with f(W) at the end of the last step
            g = objective.stoch_grad(W, kk, k - 1) if stochastic else G
            delta, state = method.update(g, state, a, b)
            W += delta  # W is the engine's own array
            f, G = objective.value_and_grad(W)
            gap = f - objective.fstar
            if keep_path:
                path[rows, k] = W
            if next_c < P and cits[next_c] == k:
                curve[rows, next_c] = np.where(np.isfinite(gap), gap / g0, np.inf)
                next_c += 1
            # converged, or diverged (NaN and inf fail "gap <= limit" too)
            done = (gap <= thresh) | ~(gap <= limit)
        if rows.size:  # still active after max_iter, or stopped exactly at max_iter
            fin = np.isfinite(gap)
            conv = fin & (gap <= thresh)
            div = ~fin | (gap > DIVERGENCE_FACTOR * g0)
            status[rows] = np.where(conv, 0, np.where(div, 1, 2))
            iterations[rows] = max_iter
            final_gap[rows] = np.where(fin, gap, np.inf)
            rel = np.where(fin, gap / g0, np.inf)
            curve[rows, next_c:] = rel[:, None]

    if Q is not None and path is not None:
        path = path @ Q.T
    names = np.array([_CODES[c] for c in range(3)], dtype=object)[status]
    return BatchResult(
        status=names,
        iterations=iterations,
        final_gap=final_gap,
        gap0=gap0,
        curve_iters=cits,
        curve=curve,
        path=path,
    )
