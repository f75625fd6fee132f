"""The batched simulation engine: many runs of one method on one objective, in lock-step.

Each iteration advances every still-active run with one vectorised numpy step; runs that
settle or diverge leave the batch, so the cost follows the runs still going. (A stopped run
is recorded at once but carried, untouched by the others, until an eighth of the batch has
stopped or it has been carried 32 iterations: then the arrays are compacted in one copy.)
A run's record is bitwise the same whatever batch it is in: every step is elementwise, and the
sums over coordinates go through :mod:`momentumlab.rowwise` (or a per-row ``cumsum``) in a
fixed order (the logistic objective's BLAS products are the exception: they may differ in the
last bits).

What a run records (thresh = tol * gap_0, gap_k = f(w_k) - f*):

- ``first_hit``: the first k with gap_k <= thresh (-1: never).
- ``iterations`` of a *converged* run is its settling time: 1 + the last k at which
  gap_k > thresh (0 when the start already satisfies it), i.e. the gap stays <= thresh from
  ``iterations`` on. Under-damped momentum dips below thresh and rebounds: its first passage
  is earlier, and is not what "converged" means here. For GD on a quadratic (a monotone gap)
  the two agree.
- A run *diverges* at the first k where f is non-finite or the gap exceeds
  ``DIVERGENCE_FACTOR`` times the starting gap (optimally tuned heavy ball rises about 1000x
  before it falls at kappa = 1e4, so a run is never stopped for merely rising); ``iterations``
  is that k.
- Otherwise it is censored at ``max_iter`` (status ``max_iter``, ``iterations = max_iter``),
  with ``first_hit`` recorded if the gap passed below thresh: a run that has not been shown to
  have settled by the budget is censored, not converged.

When a run has settled (the stop rule). The engine stops a run only when it knows that no
later gap can climb back over thresh, checked every ``_CHECK_EVERY`` iterations and at the
budget, on the runs whose current gap is <= thresh:

- Quadratics with exact gradients (any method with a theory, ``Method.theory``: gd,
  momentum, heavy_ball, nesterov): a certificate, i.e. a proof. In the eigenbasis the engine already
  works in (``Objective.canonical``), each coordinate e_i is a linear recurrence of order two
  (its state: iterate and momentum buffer, which the last two iterates determine).
  :func:`momentumlab.theory.recurrence_sup_bound` bounds sup_{j >= k} |e_{i,j}| from
  (e_{i,k-1}, e_{i,k}) through the roots of the characteristic polynomial, with care at double
  roots (critical damping) and for the roots' rounding (its docstring has the proof). Then
  sup_{j >= k} gap_j <= sum_i lam_i/2 sup_j e_{i,j}^2 =: B_k, and the run stops at k when
  B_k <= ``_CERT_MARGIN`` * thresh. The margin (1%) covers the rounding of the bound and of the
  future floating-point steps the proof is about (each step perturbs the state by a few ulps,
  and the recurrence amplifies a perturbation by at most 1 + K, K as in the proof: at most
  ~1e-6 relative even for a spectral radius of 1 - 1e-5). So the stop is never early:
  ``iterations`` equals what simulating to any horizon would give
  (``tests/test_engine.py`` checks it against brute force, run by run). Spectral radius >= 1
  (unless the direction is exactly 0) gives no certificate: such runs diverge or are censored.
- Rosenbrock and logistic (exact gradients): a horizon rule, not a proof. The same bound
  applied to the quadratic model at the minimiser (Hessian eigenbasis, ``local_model``), with
  margin ``_MODEL_MARGIN`` (1/2, for the cubic terms the model leaves out), *and* the gap must
  have stayed <= thresh for the last H iterations, H = max(``_MIN_DWELL``, ceil(1 / ln(1/r)))
  with r the spectral radius of the method on the model (the run's own e-folding time: a
  rebound of the linearised dynamics shows within about one such time). Tested against long
  brute-force runs.
- Stochastic gradients (quadratic ``noise`` > 0, logistic ``batch_size`` > 0): no stop rule.
  The gap fluctuates at a noise floor and with unbounded (Gaussian) or resampled noise it
  exceeds any threshold again with positive probability at every step, so it never provably
  settles. Such runs go to the budget and are censored there (``max_iter``), with
  ``first_hit`` recorded; ``final_gap`` is the gap at the budget: the noise floor, which is
  their measurement (so simulating to the budget is not wasted). Divergence still stops them.
- A run that starts at the minimiser (gap_0 = 0) has settled at 0.
- A method without a theory (``Method.theory`` None: no characteristic polynomial) gets no
  stop rule: its runs are censored at the budget (with ``first_hit``) unless they diverge.

Coordinates. A rotated quadratic is simulated in its eigenbasis only for a rotation-equivariant
method (``Method.equivariant``); any other method runs in the original coordinates
(:func:`canonical_for`), so its numbers are never those of a different problem.

``stopped_at`` is the iteration at which the engine stopped simulating a run (for a settled
run, a few iterations after ``iterations``: the rule is tried every ``_CHECK_EVERY``
iterations); ``final_gap`` is the gap there.

Loss curves (``curve``, relative gaps sampled at ``curve_iters``) record the real gap at every
sample until the run stops, including any rebound after the first passage. After a settling
stop the later samples hold the run's bound B_k / gap_0 (<= tol): an upper bound on every
later relative gap, not a measurement. After a divergence they hold the last value (inf when
non-finite).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import theory
from .methods import Method
from .objectives import Objective
from .rowwise import matmul_rows

CONVERGED, DIVERGED, MAX_ITER = "converged", "diverged", "max_iter"
STATUSES = (CONVERGED, DIVERGED, MAX_ITER)
_CODES = {0: CONVERGED, 1: DIVERGED, 2: MAX_ITER}
DIVERGENCE_FACTOR = 1e20
_COMPACT_FRACTION = 8  # compact once 1/8 of the rows have stopped
_COMPACT_AGE = 32  # or once a stopped run has been carried for this many iterations
_CHECK_EVERY = 8  # try the stop rule every this many iterations (and at the budget)
_CERT_MARGIN = 0.99  # quadratic certificate: stop when the bound is <= this * thresh
_MODEL_MARGIN = 0.5  # local-model rule (Rosenbrock, logistic): the same, with room for cubics
_MIN_DWELL = 16  # local-model rule: at least this many iterations below thresh


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
    """Arrays with one entry (row) per run; ``status`` holds the strings of ``STATUSES``.

    The module docstring defines every field's rule.
    """

    status: np.ndarray
    iterations: np.ndarray  # settling time if converged, divergence iteration, or max_iter
    first_hit: np.ndarray  # first k with gap_k <= tol * gap_0; -1 if never (within the run)
    stopped_at: np.ndarray  # the iteration at which the engine stopped simulating the run
    final_gap: np.ndarray  # f(w) - f* where the run stopped (inf when non-finite)
    gap0: np.ndarray
    curve_iters: np.ndarray  # (P,)
    curve: np.ndarray  # (runs, P) relative gaps (f - f*)/(f0 - f*); after a stop: see module
    path: np.ndarray | None = None  # (runs, max_iter + 1, d) iterates, when asked for

    @property
    def diverged_at(self) -> np.ndarray:
        return np.where(self.status == DIVERGED, self.iterations, -1)


class _StopRule:
    """The settling test of the module docstring, for one batch.

    ``make`` returns None when no rule applies (stochastic gradients, or a method that
    :mod:`momentumlab.theory` has no characteristic polynomial for).
    """

    def __init__(self, objective: Objective, method: Method):
        self.lam, self.V, self.exact = objective.local_model()
        self.lam = np.asarray(self.lam, dtype=float)
        self.wstar = None if self.exact else objective.minimizer
        self.method = method.name
        self.margin = _CERT_MARGIN if self.exact else _MODEL_MARGIN

    @classmethod
    def make(cls, objective: Objective, method: Method):
        if objective.stochastic or method.theory is None:
            return None
        return cls(objective, method)

    def _errors(self, W):
        if self.exact:
            return W
        E = W - self.wstar
        return E if self.V is None else matmul_rows(E, self.V)

    def bound(self, a, b, Wprev, W) -> np.ndarray:
        """B_k: a bound on sup_{j >= k} of the (model) gap, from the iterates k - 1 and k."""
        amp = theory.recurrence_sup_bound(
            self.method, a, b, self.lam, self._errors(Wprev), self._errors(W)
        )
        return 0.5 * np.cumsum(self.lam * amp * amp, axis=1)[:, -1]  # in order, per row

    def dwell(self, a, b) -> np.ndarray:
        """Iterations a run must have stayed below thresh (0 for the exact certificate)."""
        if self.exact:
            return np.zeros(len(a))
        r = theory.spectral_radius(self.method, a[:, 0], b[:, 0], self.lam)
        with np.errstate(divide="ignore"):
            tau = np.where(r < 1, np.ceil(-1.0 / np.log(np.maximum(r, 1e-300))), np.inf)
        return np.maximum(tau, _MIN_DWELL)


def canonical_for(objective: Objective, method: Method) -> tuple[Objective, np.ndarray | None]:
    """The coordinates to simulate ``method`` on ``objective`` in, and their rotation Q.

    A rotated quadratic is simulated in its eigenbasis (``Objective.canonical``) only when the
    method is rotation-equivariant (``Method.equivariant``): then the iterates are the same,
    rotated. A method that is not (sign-GD, a coordinate-wise step) runs in the original
    coordinates, where its iterates are its own.
    """
    if not method.equivariant:
        return objective, None
    return objective.canonical()


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
    objective, Q = canonical_for(objective, method)
    if Q is not None:
        starts = matmul_rows(starts, Q)
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), (n,)).copy()
    beta = np.broadcast_to(np.asarray(beta, dtype=float), (n,)).copy()
    if keys is None:
        keys = np.arange(n, dtype=np.uint64)
    keys = np.asarray(keys, dtype=np.uint64)
    stochastic = objective.stochastic
    rule = _StopRule.make(objective, method)

    cits = curve_iterations(max_iter, curve_points)
    P = len(cits)
    curve = np.full((n, P), np.nan)
    status = np.full(n, 2, dtype=np.int8)
    iterations = np.full(n, max_iter, dtype=np.int64)
    first_hit = np.full(n, -1, dtype=np.int64)
    stopped_at = np.full(n, max_iter, dtype=np.int64)
    final_gap = np.full(n, np.nan)
    path = np.full((n, max_iter + 1, d), np.nan) if keep_path else None

    def stop(i, k):
        """Record the runs at active rows ``i``, which stopped at iteration ``k``."""
        idx, gap_i, ok = rows[i], gap[i], settled[i]
        fin = np.isfinite(gap_i)
        status[idx] = np.where(ok, 0, 1)
        iterations[idx] = np.where(ok, last_above[i] + 1, k)
        first_hit[idx] = first[i]
        stopped_at[idx] = k
        final_gap[idx] = np.where(fin, gap_i, np.inf)
        fill = np.where(ok, bound[i], np.where(fin, gap_i, np.inf))
        fill = np.where(g0[i] > 0, fill / np.where(g0[i] > 0, g0[i], 1.0), 0.0)
        curve[idx, next_c:] = fill[:, None]

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
        # per active row: the last k with gap_k > thresh (-1: none yet), the first k with
        # gap_k <= thresh (-1: none yet), settled (the stop rule held), the bound it gave
        last_above = np.where(g0 <= thresh, -1, 0).astype(np.int64)
        first = np.where(g0 <= thresh, 0, -1).astype(np.int64)
        settled = g0 <= 0  # started at the optimum
        bound = np.zeros(n)
        curve[:, 0] = 1.0
        if keep_path:
            path[:, 0] = W
        next_c = 1
        # Stopped runs stay in the arrays (``live`` False, their results already recorded)
        # until enough have gathered to pay for compacting every array, or they get old:
        # compacting at every stop would copy the whole batch almost every iteration.
        live = np.ones(n, dtype=bool)
        stopped, stopped_since = 0, 0  # rows carried after stopping; the oldest's iteration
        done = settled.copy()
        gap = g0
        for k in range(1, max_iter + 2):
            if done.any():
                stop(done, k - 1)
                live &= ~done
                if not stopped:
                    stopped_since = k
                stopped += int(done.sum())
                if stopped == rows.size:
                    break
                if stopped * _COMPACT_FRACTION >= rows.size or k - stopped_since >= _COMPACT_AGE:
                    rows, a, b, kk = rows[live], a[live], b[live], kk[live]
                    g0, thresh, limit, gap = g0[live], thresh[live], limit[live], gap[live]
                    last_above, first = last_above[live], first[live]
                    settled, bound = settled[live], bound[live]
                    W, G = _rows(W, live), _rows(G, live)
                    state = tuple(_rows(s, live) for s in state)
                    live = np.ones(rows.size, dtype=bool)
                    stopped = 0
            if k > max_iter:
                break
            check = rule is not None and (k % _CHECK_EVERY == 0 or k == max_iter)
            if check:
                Wprev = W.copy(order="K")
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
            above = ~(gap <= thresh)  # NaN counts as above (and diverges below)
            np.copyto(last_above, k, where=above)
            np.copyto(first, k, where=~above & (first < 0))
            done = ~(gap <= limit)  # diverged (NaN and inf fail "gap <= limit" too)
            if stopped:
                done &= live
            if check:
                i = np.flatnonzero(~above & ~done & live)
                if i.size:
                    b_i = rule.bound(a[i], b[i], Wprev[i], W[i])
                    ok = b_i <= rule.margin * thresh[i]
                    ok &= k - last_above[i] >= rule.dwell(a[i], b[i])
                    i = i[ok]
                    settled[i], bound[i], done[i] = True, b_i[ok], True
        if live.any():  # censored at max_iter (diverged if the start itself is not finite)
            stop(live, max_iter)
            status[rows[live]] = np.where(np.isfinite(gap[live]), 2, 1)

    if Q is not None and path is not None:
        path = matmul_rows(path.reshape(-1, d), Q.T).reshape(path.shape)
    names = np.array([_CODES[c] for c in range(3)], dtype=object)[status]
    return BatchResult(
        status=names,
        iterations=iterations,
        first_hit=first_hit,
        stopped_at=stopped_at,
        final_gap=final_gap,
        gap0=gap0,
        curve_iters=cits,
        curve=curve,
        path=path,
    )
