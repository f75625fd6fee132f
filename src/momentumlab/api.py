"""The notebook-facing API: :func:`simulate` and :func:`trajectory`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import rng
from .engine import BatchResult, run_batch
from .errors import ConfigError
from .methods import get_method
from .naming import fmt
from .objectives import Objective, make_objective
from .rowwise import matmul_rows

ALPHA_UNITS = ("absolute", "inv_L")


@dataclass(frozen=True)
class SimRecord:
    """One simulation: its coordinates, its outcome and a downsampled loss curve."""

    objective: str
    kappa: float
    dim: int
    method: str
    alpha: float  # absolute step size
    alpha_L: float  # alpha * L, i.e. alpha in units of 1/L
    beta: float
    seed: int
    status: str  # 'converged' | 'diverged' | 'max_iter'
    iterations: int  # settling time if converged (see momentumlab.engine), else stop/budget
    first_hit: int | None  # first k with gap_k <= tol * gap_0 (None: never, within the run)
    final_gap: float
    diverged_at: int | None
    curve: tuple[tuple[int, float], ...]  # (iteration, (f - f*)/(f0 - f*))
    path: np.ndarray | None = None


def start_points(
    objective: Objective,
    label: str,
    seeds: Sequence[int],
    *,
    base_seed: int = 0,
    scale: float = 1.0,
) -> np.ndarray:
    """Start points w* + scale * z M with z ~ N(0, I), one per seed (M: ``start_metric``).

    z derives from (base_seed, label, kappa, dim, seed) alone: not from the method, alpha or
    beta, so every method starts from the same points (paired comparisons), nor from call
    order or batch composition. Every Hessian eigen-direction at the minimiser holds the same
    expected share of the initial gap, and the spread along the flattest one is ``scale``.
    """
    keys = np.array(
        [
            rng.derive_key("start", base_seed, label, fmt(objective.kappa), objective.dim, s)
            for s in seeds
        ],
        dtype=np.uint64,
    )
    z = rng.normal(keys, 0, objective.dim)
    return objective.minimizer + scale * matmul_rows(z, objective.start_metric())


def noise_keys(objective: Objective, label: str, seeds: Sequence[int], base_seed: int = 0):
    """Keys of each seed's gradient-noise stream (shared by all methods: common random numbers)."""
    return np.array(
        [
            rng.derive_key("noise", base_seed, label, fmt(objective.kappa), objective.dim, s)
            for s in seeds
        ],
        dtype=np.uint64,
    )


def resolve_starts(
    objective: Objective,
    label: str,
    *,
    starts=None,
    seeds: int | Sequence[int] | None = None,
    base_seed: int = 0,
    scale: float = 1.0,
) -> tuple[np.ndarray, list[int]]:
    """Start points (runs, d) and their seed numbers: ``starts`` as given, else drawn from ``seeds``
    (a count or a list of seed numbers; default one seed)."""
    if starts is not None:
        S = np.atleast_2d(np.asarray(starts, dtype=float))
        if S.shape[1] != objective.dim:
            raise ConfigError(
                f"start has dimension {S.shape[1]}, objective has dim {objective.dim}"
            )
        return S, list(range(len(S)))
    seed_ids = list(range(seeds)) if isinstance(seeds, int) else list(seeds or [0])
    return start_points(objective, label, seed_ids, base_seed=base_seed, scale=scale), seed_ids


def run_points(
    objective: Objective,
    method,
    alphas: np.ndarray,
    betas: np.ndarray,
    starts: np.ndarray,
    keys: np.ndarray,
    **engine_options,
) -> tuple[BatchResult, np.ndarray, np.ndarray]:
    """Every (alphas[p], betas[p]) point from every start, in one batch.

    Runs are point-major: row ``p * len(starts) + j`` is point p from start j. Returns the
    engine's result and, per row, the point index and the start index.
    """
    n_p, n_s = len(alphas), len(starts)
    ip = np.repeat(np.arange(n_p), n_s)
    js = np.tile(np.arange(n_s), n_p)
    res = run_batch(
        objective, method, np.asarray(alphas, float)[ip], np.asarray(betas, float)[ip],
        starts[js], keys=keys[js], **engine_options,
    )  # fmt: skip
    return res, ip, js


@dataclass
class Grid:
    """The runs of a grid of (alpha, beta) points from every start: :func:`run_grid`'s result.

    ``rows`` has one dict per run (point-major, then start) with the fields every consumer
    records (:data:`RUN_FIELDS`); ``result`` is the engine's, ``alphas`` the points' absolute
    steps, ``starts`` the number of starts per point.
    """

    rows: list[dict]
    result: BatchResult
    alphas: np.ndarray
    betas: np.ndarray
    starts: int


RUN_FIELDS = (
    "objective", "kappa", "dim", "method", "alpha", "alpha_L", "beta", "seed", "status",
    "iterations", "first_hit", "final_gap", "diverged_at",
)  # fmt: skip


def run_grid(
    objective: Objective,
    method: str,
    label: str,
    points,
    *,
    alpha_unit: str = "absolute",
    starts=None,
    seeds: int | Sequence[int] | None = None,
    base_seed: int = 0,
    start_scale: float = 1.0,
    **engine_options,
) -> Grid:
    """Every (alpha, beta) of ``points`` (alpha in ``alpha_unit``) from every start, in one
    batch: the one path from a grid to its rows, shared by :func:`simulate` and the workflow's
    simulation jobs (:func:`momentumlab.study.simulate_job`)."""
    m = get_method(method)
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    S, seed_ids = resolve_starts(
        objective, label, starts=starts, seeds=seeds, base_seed=base_seed, scale=start_scale
    )
    keys = noise_keys(objective, label, seed_ids, base_seed)
    alphas = to_absolute(pts[:, 0], alpha_unit, objective.L)
    res, ip, js = run_points(objective, m, alphas, pts[:, 1], S, keys, **engine_options)
    rows = []
    for r in range(len(ip)):
        a = float(alphas[ip[r]])
        diverged = res.status[r] == "diverged"
        rows.append(
            {
                "objective": label,
                "kappa": objective.kappa,
                "dim": objective.dim,
                "method": method,
                "alpha": a,
                "alpha_L": a * objective.L,
                "beta": float(pts[ip[r], 1]),
                "seed": int(seed_ids[js[r]]),
                "status": str(res.status[r]),
                "iterations": int(res.iterations[r]),
                "first_hit": hit_or_none(res.first_hit[r]),
                "final_gap": float(res.final_gap[r]),
                "diverged_at": int(res.iterations[r]) if diverged else None,
            }
        )
    return Grid(rows, res, alphas, pts[:, 1], len(seed_ids))


def to_absolute(alpha, unit: str, L: float):
    if unit == "absolute":
        return np.asarray(alpha, dtype=float)
    if unit == "inv_L":
        return np.asarray(alpha, dtype=float) / L
    raise ConfigError(f"alpha_unit must be one of {list(ALPHA_UNITS)}, got {unit!r}")


def _objective(objective, kappa, options):
    if isinstance(objective, Objective):
        return objective, objective.name
    if options.get("dim") is None:
        options.pop("dim", None)
    return make_objective(objective, kappa, **options), objective


def simulate(
    objective: str | Objective,
    method: str,
    *,
    kappa: float = 10.0,
    alpha,
    beta=0.0,
    alpha_unit: str = "absolute",
    seeds: int | Sequence[int] | None = None,
    starts=None,
    tol: float = 1e-6,
    max_iter: int = 10_000,
    base_seed: int = 0,
    start_scale: float = 1.0,
    curve_points: int = 40,
    keep_path: bool = False,
    label: str | None = None,
    **objective_options,
) -> list[SimRecord]:
    """Simulate ``method`` on ``objective`` for every (alpha, beta, start) combination at once.

    ``alpha`` and ``beta`` are scalars or sequences (their Cartesian product is run; GD ignores
    beta). Starts are given explicitly (``starts``, shape (m, d) or (d,)) or drawn from ``seeds``
    (a count or a list of seed numbers; default one seed). Returns one :class:`SimRecord` per run,
    ordered by alpha, then beta, then start.

    >>> rec = simulate("quadratic", "gd", kappa=100, alpha=2 / 101, starts=[1, 1])[0]
    >>> rec.status, rec.iterations
    ('converged', 346)
    """
    m = get_method(method)
    obj, name = _objective(objective, kappa, dict(objective_options))
    label = label or name
    alphas = np.atleast_1d(np.asarray(alpha, dtype=float))
    betas = np.atleast_1d(np.asarray(beta, dtype=float)) if m.takes("beta") else np.array([0.0])
    if np.any(~np.isfinite(alphas)) or np.any(alphas <= 0):
        raise ConfigError(f"alpha must be > 0, got {alphas.tolist()}")
    if np.any(betas < 0) or np.any(betas >= 1):
        raise ConfigError(f"beta must be in [0, 1), got {betas.tolist()}")
    grid = run_grid(
        obj, method, label, [[a, b] for a in alphas for b in betas], alpha_unit=alpha_unit,
        starts=starts, seeds=seeds, base_seed=base_seed, start_scale=start_scale,
        tol=tol, max_iter=max_iter, curve_points=curve_points, keep_path=keep_path,
    )  # fmt: skip
    res, its = grid.result, grid.result.curve_iters.tolist()
    return [
        SimRecord(
            **row,
            curve=tuple(zip(its, res.curve[r].tolist(), strict=True)),
            path=None if res.path is None else res.path[r],
        )
        for r, row in enumerate(grid.rows)
    ]


def hit_or_none(k) -> int | None:
    """A first_hit from the engine's array (-1: never) as a record field (None: never)."""
    return int(k) if k >= 0 else None


def trajectory(
    objective: str | Objective,
    method: str,
    *,
    kappa: float = 10.0,
    alpha: float,
    beta: float = 0.0,
    start,
    steps: int,
    alpha_unit: str = "absolute",
    **objective_options,
) -> np.ndarray:
    """The iterates w_0 ... w_steps of one run, shape (steps + 1, d), with no stopping rule.

    Gradients are exact (no mini-batch noise). Once an iterate is non-finite the rest are NaN.
    """
    m = get_method(method)
    obj, _ = _objective(objective, kappa, dict(objective_options))
    w = np.asarray(start, dtype=float).reshape(1, -1)
    if w.shape[1] != obj.dim:
        raise ConfigError(f"start has dimension {w.shape[1]}, objective has dim {obj.dim}")
    a = float(to_absolute(alpha, alpha_unit, obj.L))
    b = float(beta) if m.takes("beta") else 0.0
    out = np.full((steps + 1, obj.dim), np.nan)
    out[0] = w[0]
    state = m.init(w)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            delta, state = m.update(obj.grad(w), state, a, b)
            w = w + delta
            if not np.all(np.isfinite(w)):
                break
            out[k] = w[0]
    return out
