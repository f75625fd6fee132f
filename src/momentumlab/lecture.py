"""The lecture's picture as tables: GD and momentum paths over the contours of a 2-D valley.

:func:`lecture_tables` runs :func:`momentumlab.trajectory` for each case and method and samples
the objective on a grid covering the paths, so the report can draw contours with the paths on
top. Gradients are exact and there is no stopping rule: every path has ``steps`` steps unless an
iterate becomes non-finite, where its rows stop.

Default start (when a case gives ``start: None``)
    quadratic: ``w* + s (-v_flat + 0.3 v_steep)``, where v_flat, v_steep are the unit
    eigenvectors of the Hessian at w* for its smallest and largest eigenvalue and s = 1; for the
    unrotated ``two_point`` bowl that is ``[-1, 0.3]``. Both directions are excited, the steep
    one enough for a zig-zag to be visible. rosenbrock: the classic start u = (-1.2, 1) on the
    far side of the banana, mapped into the objective's coordinates (w = P^-1 u). Other
    objectives: ``w* + (-v_flat + 0.3 v_steep)`` as for the quadratic.

Default tunings (when a case gives no ``tunings``), chosen to reproduce the lecture's picture
    GD: ``alpha = 2 / (L_path + mu)``, where mu is the smallest curvature at w* and L_path the
    largest Hessian eigenvalue over the box spanned by the start and w*. For a quadratic
    L_path = L, so this is the theory-optimal GD step; it is the largest step whose worst
    direction still contracts as fast as possible, and on an elongated valley it zig-zags
    across the steep direction while crawling along the flat one. (On the Rosenbrock objective
    the curvature away from w* is larger than L, hence L_path: 2 / (L + mu) would diverge.)

    momentum (the lecture's EMA form, v <- beta v + (1 - beta) g, w <- w - alpha v): beta = 0.9
    and the largest step at which its motion along the flattest direction is still critically
    damped (no overshoot along the valley), but never an effective step alpha (1 - beta) larger
    than GD's::

        alpha (1 - beta) = min((1 - sqrt(beta))^2 / mu, alpha_GD)

    The averaged gradient cancels GD's alternating steep-direction component, so the path is
    smooth and runs along the valley. At kappa = 100 (2-D quadratic) this gives alpha = 0.0263,
    i.e. alpha L = 2.63; at kappa >= 1444 and on Rosenbrock the cap applies and momentum takes
    GD's effective step. Simply reusing GD's effective step (alpha (1 - beta) = alpha_GD) was
    tried and rejected: at kappa = 100 it overshoots along the valley and the path is a tangle;
    reusing GD's alpha unchanged (Ng's recipe) damps the zig-zag but, on Rosenbrock, moves no
    faster than GD along the banana.

    Recommended cases: the 2-D ``two_point`` quadratic at kappa = 100 with ~150 steps, and
    Rosenbrock at kappa = 1000 (close to its natural conditioning of ~2508, so the banana keeps
    its classic shape) with ~1000 steps. A case's ``tunings`` override either method, e.g.
    ``{"gd": {"alpha": 0.01}, "heavy_ball": {"alpha": 0.005, "beta": 0.8}}`` (absolute alpha),
    and its ``steps`` overrides the common number of steps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import catalogue, theory
from .api import trajectory
from .errors import ConfigError
from .methods import takes_beta
from .objectives import Objective, make_objective, quadratic_theory

TRAJECTORY_COLUMNS = catalogue.columns("trajectories")  # the table catalogue's
LANDSCAPE_COLUMNS = catalogue.columns("landscape")

DEFAULT_BETA = 0.9
TUNINGS = ("optimal", "critical")  # the momentum tunings drawn beside GD
TUNING_NAMES = {"gd": "GD at 2/(L + μ)", "optimal": "optimal", "critical": "critically damped"}
LECTURE_TYPES = ("quadratic", "rosenbrock")  # the 2-D objectives the picture can show
MAX_STEPS = 20_000  # paths run until they reach tol, at most this far, to count iterations
ROSENBROCK_START_U = (-1.2, 1.0)
STEEP_SHARE = 0.3


def _hessian(obj: Objective, w: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Hessian by central differences of the exact gradient (symmetrised)."""
    d = w.size
    E = np.eye(d) * h * max(1.0, float(np.max(np.abs(w))))
    plus = obj.grad(w[None, :] + E)
    minus = obj.grad(w[None, :] - E)
    H = (plus - minus) / (2 * np.diag(E))[:, None]
    return 0.5 * (H + H.T)


def _eigvecs(obj: Objective) -> tuple[np.ndarray, np.ndarray]:
    """Unit eigenvectors of the Hessian at w* for its smallest and largest eigenvalue."""
    _, V = np.linalg.eigh(_hessian(obj, np.asarray(obj.minimizer, dtype=float)))
    out = []
    for v in (V[:, 0], V[:, -1]):
        out.append(v if v[np.argmax(np.abs(v))] > 0 else -v)
    return out[0], out[1]


def default_start(obj: Objective, objective_type: str) -> np.ndarray:
    """The start point used when a case gives none (see the module docstring)."""
    if objective_type == "rosenbrock" and hasattr(obj, "P"):
        return np.linalg.solve(obj.P, np.asarray(ROSENBROCK_START_U))
    flat, steep = _eigvecs(obj)
    return np.asarray(obj.minimizer, dtype=float) - flat + STEEP_SHARE * steep


def path_curvature(obj: Objective, objective_type: str, start: np.ndarray, n: int = 25) -> float:
    """L for a quadratic; otherwise the largest Hessian eigenvalue over the start-w* box."""
    if quadratic_theory(objective_type):  # its Hessian is the same everywhere
        return float(obj.L)
    w_star = np.asarray(obj.minimizer, dtype=float)
    lo, hi = np.minimum(start, w_star), np.maximum(start, w_star)
    axes = [np.linspace(a, b, n) for a, b in zip(lo, hi, strict=True)]
    pts = np.stack(np.meshgrid(*axes), axis=-1).reshape(-1, start.size)
    top = max(float(np.linalg.eigvalsh(_hessian(obj, p))[-1]) for p in pts)
    return max(top, float(obj.L))


def default_tunings(
    obj: Objective, objective_type: str, start: np.ndarray, names=TUNINGS
) -> dict[str, dict]:
    """GD at 2/(L_path + mu), and the EMA momentum tunings ``names`` (see the module docstring):
    ``optimal`` is the theory's optimum for curvatures in [mu, L_path] (the tuning the study's
    speedups approach), ``critical`` beta = 0.9 critically damped along the valley."""
    L_path = path_curvature(obj, objective_type, start)
    a_gd = 2.0 / (L_path + obj.mu)
    out = {"gd": {"method": "gd", "alpha": a_gd, "beta": 0.0}}
    for name in names:
        if name == "optimal":
            t = theory.momentum_optimal(obj.mu, L_path)
            out[name] = {"method": "momentum", "alpha": t.alpha, "beta": t.beta}
        elif name == "critical":
            b = DEFAULT_BETA
            a_eff = min((1.0 - math.sqrt(b)) ** 2 / obj.mu, a_gd)
            out[name] = {"method": "momentum", "alpha": a_eff / (1.0 - b), "beta": b}
        else:
            raise ConfigError(f"lecture tunings: unknown {name!r}; allowed: {', '.join(TUNINGS)}")
    return out


def cases_from_config(settings: dict, objective_types, tol: float) -> list[dict]:
    """The lecture cases of a study config's ``lecture`` block.

    ``settings["cases"]``: a list of objective types to draw, or ``"auto"`` (the default): those
    of :data:`LECTURE_TYPES` the study itself has among ``objective_types``."""
    wanted = settings.get("cases", "auto")
    if wanted in (None, "auto"):
        wanted = [t for t in LECTURE_TYPES if t in set(objective_types)]
    names = list(settings.get("tunings") or TUNINGS)
    return [
        {
            "objective": t,
            "objective_type": t,
            "options": {"dim": 2},
            "kappa": float((settings.get(t) or {}).get("kappa", 100 if t == "quadratic" else 1000)),
            "start": None,
            "steps": int((settings.get(t) or {}).get("steps", 100 if t == "quadratic" else 1000)),
            "tunings": names,
            "tol": float(settings.get("tol") or tol),
        }
        for t in wanted
    ]


def first_hit(gaps: np.ndarray, tol: float) -> int | None:
    """The first k with gap_k <= tol * gap_0, or None."""
    hit = np.flatnonzero(gaps <= tol * gaps[0])
    return int(hit[0]) if hit.size else None


def settling(gaps: np.ndarray, tol: float) -> int | None:
    """The settling time: the first k after which the gap stays <= tol * gap_0 (up to the end of
    ``gaps``), or None when the last gap is above it. An oscillating path can dip below tol
    before it settles (a first hit); the study counts iterations to settle."""
    above = np.flatnonzero(gaps > tol * gaps[0])
    if above.size and above[-1] == gaps.size - 1:
        return None
    return int(above[-1]) + 1 if above.size else 0


def _box(paths: Sequence[np.ndarray], start: np.ndarray, w_star: np.ndarray):
    """A box around start, w* and the paths; far-flung iterates (a diverging run) are ignored."""
    lo, hi = np.minimum(start, w_star), np.maximum(start, w_star)
    reach = 1.5 * np.max(hi - lo) + 1e-12
    allow_lo, allow_hi = lo - reach, hi + reach
    for p in paths:
        inside = p[np.all((p >= allow_lo) & (p <= allow_hi), axis=1)]
        if inside.size:
            lo, hi = np.minimum(lo, inside.min(axis=0)), np.maximum(hi, inside.max(axis=0))
    pad = 0.06 * np.maximum(hi - lo, 0.1 * np.max(hi - lo))
    return lo - pad, hi + pad


def _case_rows(case: dict, steps: int, grid: int) -> tuple[list[dict], list[dict]]:
    try:
        label = case["objective"]
        otype = case["objective_type"]
        kappa = float(case["kappa"])
    except KeyError as exc:
        raise ConfigError(f"lecture case {case!r} lacks {exc.args[0]!r}") from None
    options = dict(case.get("options") or {})
    options.pop("type", None)
    obj = make_objective(otype, kappa, **options)
    if obj.dim != 2:
        raise ConfigError(
            f"lecture case {label!r}: the picture needs a 2-D objective, dim={obj.dim}"
        )
    start = case.get("start")
    start = default_start(obj, otype) if start is None else np.asarray(start, dtype=float)
    if start.shape != (2,):
        raise ConfigError(f"lecture case {label!r}: start must be [x, y], got {start.tolist()}")
    tunings = case.get("tunings")
    if tunings is None or isinstance(tunings, (list, tuple)):
        names = TUNINGS if tunings is None else tunings
        tunings = default_tunings(obj, otype, start, names)
    else:  # explicit {name or method: {"alpha": absolute, "beta": b, "method": m}}
        tunings = {k: {"method": v.get("method", k), **v} for k, v in tunings.items()}
    steps = int(case.get("steps") or steps)
    tol = float(case.get("tol") or 1e-6)

    traj_rows, paths = [], []
    for name, tun in tunings.items():
        method = tun["method"]
        alpha = float(tun["alpha"])
        beta = float(tun.get("beta", 0.0) or 0.0) if takes_beta(method) else 0.0
        run = steps
        while True:  # run on (doubling) until the path reaches tol, diverges or runs MAX_STEPS
            W = trajectory(obj, method, alpha=alpha, beta=beta, start=start, steps=run)
            finite = np.all(np.isfinite(W), axis=1)
            n = int(np.argmin(finite)) if not finite.all() else len(W)
            W = W[:n]
            with np.errstate(over="ignore", invalid="ignore"):
                gaps = np.maximum(obj.value(W) - obj.fstar, 0.0)
            first = first_hit(gaps, tol)
            # settled: below tol from some k on, for at least as long again after the first hit
            hit = settling(gaps, tol) if first is not None and n > 2 * first + 10 else None
            if hit is not None or n < run + 1 or run >= MAX_STEPS:
                break
            run = min(max(2 * run, 2 * (first or 0) + 11), MAX_STEPS)
        if hit is None and n == run + 1 and first is not None:
            hit = settling(gaps, tol)  # ran to MAX_STEPS
        keep = max(steps, hit or 0) + 1  # drawn steps, and on to tol for the loss panel
        W, gaps = W[:keep], gaps[:keep]
        paths.append(W[: steps + 1])
        for k, ((w1, w2), gap) in enumerate(zip(W.tolist(), gaps.tolist(), strict=True)):
            traj_rows.append(
                {
                    "objective": label,
                    "kappa": kappa,
                    "tuning": name,
                    "method": method,
                    "alpha": alpha,
                    "alpha_L": alpha * float(obj.L),
                    "beta": beta,
                    "iterations": hit,
                    "step": k,
                    "drawn": k <= steps,
                    "w1": w1,
                    "w2": w2,
                    "gap": gap,
                }
            )

    lo, hi = _box(paths, start, np.asarray(obj.minimizer, dtype=float))
    xs, ys = np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(over="ignore", invalid="ignore"):
        F = obj.value(np.column_stack([X.ravel(), Y.ravel()])) - obj.fstar
    F = np.maximum(F, 0.0)  # rounding below f* is noise
    land_rows = [
        {"objective": label, "kappa": kappa, "x": float(x), "y": float(y), "f": float(f)}
        for x, y, f in zip(X.ravel(), Y.ravel(), F, strict=True)
    ]
    return traj_rows, land_rows


def lecture_tables(cases: list[dict], *, steps: int, grid: int) -> tuple[list[dict], list[dict]]:
    """Paths and landscapes for the lecture's picture, one case per 2-D objective.

    ``cases``: dicts with ``objective`` (label), ``objective_type`` (registry name),
    ``options`` (objective options), ``kappa``, ``start`` ([x, y] or None for the default) and
    optionally ``tunings`` ({method: {"alpha": absolute, "beta": b}}) and ``steps`` (overrides
    the common ``steps``); defaults are explained in
    the module docstring. Returns ``(trajectories, landscape)`` as lists of dicts with the
    columns :data:`TRAJECTORY_COLUMNS` (one row per method and step, rows stop before the first
    non-finite iterate) and :data:`LANDSCAPE_COLUMNS` (a ``grid`` x ``grid`` mesh covering the
    paths; ``f`` is the gap f(w) - f* >= 0, so contour levels can be log-spaced).
    """
    if steps < 1 or grid < 2:
        raise ConfigError(f"lecture_tables: need steps >= 1 and grid >= 2, got {steps}, {grid}")
    trajectories, landscape = [], []
    for case in cases:
        t, g = _case_rows(case, int(steps), int(grid))
        trajectories += t
        landscape += g
    return trajectories, landscape
