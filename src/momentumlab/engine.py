"""The batched simulation engine: many runs of one method on one objective, in lock-step.

Each iteration advances every still-active run with one vectorised numpy step; runs that
converge or diverge leave the batch, so the cost follows the runs still going. (A stopped run
is recorded at once but carried, untouched by the others, until an eighth of the batch has
stopped or it has been carried 32 iterations: then the arrays are compacted in one copy.)
A run's record is bitwise the same whatever batch it is in: every step is elementwise, and the
sums over coordinates go through :mod:`momentumlab.rowwise` in a fixed order (the logistic
objective's BLAS products are the exception: they may differ in the last bits).

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
from .rowwise import matmul_rows

CONVERGED, DIVERGED, MAX_ITER = "converged", "diverged", "max_iter"
STATUSES = (CONVERGED, DIVERGED, MAX_ITER)
_CODES = {0: CONVERGED, 1: DIVERGED, 2: MAX_ITER}
DIVERGENCE_FACTOR = 1e20
_COMPACT_FRACTION = 8  # compact once 1/8 of the rows have stopped
_COMPACT_AGE = 32  # or once a stopped run has been carried for this many iterations


def curve_iterations(max_iter: int, points: int) -> np.ndarray:
    """The iterations at which loss curves are sampled: 0, then log-spaced up to max_iter."""
    if points < 2:
        return np.array([0], dtype=np.int64)
    its = np.unique(np.round(np.geomspace(1, max_iter, points - 1)).astype(np.int64))
    return np.concatenate([[0], its])


def _rows(X: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The rows ``keep`` of X, keeping a column-major 2-D array column-major."""
    if X.ndim == 2 and X.flags.f_contiguous:
        return np.asfortranarray(X[keep])
    return X[keep]


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
        starts = matmul_rows(starts, Q)
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

    def stop(i, gap, k):
        """Record the runs at active rows ``i``, which stopped at iteration ``k``."""
        idx, gap_i = rows[i], gap[i]
        fin = np.isfinite(gap_i)
        status[idx] = np.where(fin & (gap_i <= thresh[i]), 0, 1)
        iterations[idx] = k
        final_gap[idx] = np.where(fin, gap_i, np.inf)
        curve[idx, next_c:] = np.where(fin, gap_i / g0[i], np.inf)[:, None]

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # Column-major rows: per-run scalars (alpha, beta) and per-coordinate ones (the
        # eigenvalues) then broadcast along long contiguous columns, about twice as fast in
        # numpy as along rows of d. Elementwise steps are unchanged; only sums over the
        # coordinates (the value) may round differently.
        W = np.array(starts, order="F")
        f, G = objective.value_and_grad(W)
        gap0 = f - objective.fstar
        state = method.init(W)
        rows = np.arange(n)  # original index of each row of the active arrays
        a, b, kk = alpha[:, None], beta[:, None], keys
        g0 = gap0.copy()
        thresh = tol * g0
        limit = DIVERGENCE_FACTOR * g0
        curve[:, 0] = 1.0
        if keep_path:
            path[:, 0] = W
        next_c = 1
        # Stopped runs stay in the arrays (``live`` False, their results already recorded)
        # until enough have gathered to pay for compacting every array, or they get old:
        # compacting at every stop would copy the whole batch almost every iteration.
        live = np.ones(n, dtype=bool)
        stopped, stopped_since = 0, 0  # rows carried after stopping; the oldest's iteration
        done = g0 <= 0  # started at the optimum
        gap = g0
        for k in range(1, max_iter + 2):
            if done.any():
                stop(done, gap, k - 1)
                live &= ~done
                if not stopped:
                    stopped_since = k
                stopped += int(done.sum())
                if stopped == rows.size:
                    break
                if stopped * _COMPACT_FRACTION >= rows.size or k - stopped_since >= _COMPACT_AGE:
                    rows, a, b, kk = rows[live], a[live], b[live], kk[live]
                    g0, thresh, limit, gap = g0[live], thresh[live], limit[live], gap[live]
                    W, G = _rows(W, live), _rows(G, live)
                    state = tuple(_rows(s, live) for s in state)
                    live = np.ones(rows.size, dtype=bool)
                    stopped = 0
            if k > max_iter:
                break
            # G is the exact gradient at W, computed with f(W) at the end of the last step
            g = objective.stoch_grad(W, kk, k - 1) if stochastic else G
            delta, state = method.update(g, state, a, b)
            W += delta  # W is the engine's own array
            f, G = objective.value_and_grad(W)
            gap = f - objective.fstar
            if keep_path:
                path[rows[live], k] = W[live]
            if next_c < P and cits[next_c] == k:
                rel = np.where(np.isfinite(gap), gap / g0, np.inf)
                curve[rows[live], next_c] = rel[live]
                next_c += 1
            # converged, or diverged (NaN and inf fail "gap <= limit" too)
            done = (gap <= thresh) | ~(gap <= limit)
            if stopped:
                done &= live
        if live.any():  # censored at max_iter (diverged if the start itself is not finite)
            stop(live, gap, max_iter)
            status[rows[live]] = np.where(np.isfinite(gap[live]), 2, 1)

    if Q is not None and path is not None:
        path = matmul_rows(path.reshape(-1, d), Q.T).reshape(path.shape)
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
