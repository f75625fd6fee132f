"""Adaptive refinement of the (alpha, beta) tuning: the data-dependent part of a study's DAG.

Round 0 is the coarse grid of the plan. Every later round ``r`` (a Snakemake checkpoint per
objective, ``workflow/rules/refine.smk``: an objective's search depends on its own jobs only)
reads the simulation rows of every point that objective searched so far and writes its
**search table**: every point searched up to round ``r``, per refinement chain, as
canonical sorted CSV rows (:data:`SEARCH_COLUMNS`). The new points of a round become ordinary
simulation jobs (:func:`refined_jobs`), built from the plan's own job objects, so a point is
named, cached and checked like a coarse one; a point proposed twice is one job.

Cross-fitting stays honest: seeds are split into folds by ``seed % folds`` (``stats.folds``),
and there is one **chain** per fold ``g``. Chain ``g`` sees only its tuning seeds (those outside
fold ``g``): its best point, its proposals and its stop rule are computed from them alone, and
the statistics (:func:`momentumlab.stats.summarise`) choose fold ``g``'s tuning among the coarse
points and chain ``g``'s points only. Chains that propose the same point share its job.

A chain's proposal around its current best point ``b`` (:func:`propose`), in the coordinates
u = log(alpha) and v = log(1 - beta) (GD: u only):

- on each axis and side, when a searched value lies beyond ``b``, ``points`` values evenly
  spaced between ``b`` and the nearest one (a finer grid);
- when ``b`` is on that edge of what was searched, ``points + 1`` steps past the edge, each the
  spacing to ``b``'s neighbour on the other side (log 2 when there is none), but never past a
  limit: beta >= 0, and ``refine.extend_factor`` times beyond the coarse grid (in alpha and in
  1 - beta);
- never past the **stability boundary** of :mod:`momentumlab.theory` at the objective's mu and L
  (on a non-quadratic objective they are the Hessian's at the minimiser, and a step beyond them
  makes the minimiser an unstable fixed point): a side that would cross it ends at it;
- the product of the axes' values, minus what the chain has searched, minus unstable points,
  rounded to 5 significant digits in alpha and 4 in 1 - beta (so files names stay short and a
  rerun proposes the same bytes).

A chain stops after ``refine.rounds`` rounds, when it has no best point (no cell converged on
every tuning seed: mini-batch objectives), or when its best is not on an edge and improved by
less than ``refine.stop_fraction`` over the previous round. Nothing here imports snakemake.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Iterable

import numpy as np

from . import catalogue, theory
from .api import to_absolute
from .engine import CONVERGED
from .methods import METHODS
from .naming import fmt, point_shard
from .study import JobSpec, ema_alpha, shards

SEARCH_COLUMNS = catalogue.columns("search")  # the search table (the catalogue's)
DEFAULT_STEP = math.log(2.0)  # a side with no neighbour on either side extends by factors of 2
ALPHA_DIGITS, GAP_DIGITS = 5, 4  # significant digits of proposed alphas and of 1 - beta

# why a best point may stay on an edge of what was searched
STABILITY = "stability boundary"
BETA_ZERO = "beta >= 0"
EXTEND = "refine.extend_factor"
ENDED = "search ended"  # refinement off, or refine.rounds used up


@dataclasses.dataclass(frozen=True)
class Settings:
    """What the refinement stage reads from the config (its ``refine`` block and more)."""

    rounds: int = 3
    points: int = 2
    centres: int = 3
    stop_fraction: float = 0.0
    extend_factor: float = 10.0
    folds: int = 2
    alpha_unit: str = "inv_L"
    points_per_job: object = "all"
    effective: bool = False  # momentum_step: effective (EMA momentum searched in alpha (1 - beta))

    @classmethod
    def from_config(cls, config: dict) -> Settings:
        r = config.get("refine") or {}
        return cls(
            rounds=int(r.get("rounds", 3)) if r.get("enabled", True) else 0,
            points=int(r.get("points", 2)),
            centres=int(r.get("centres", 3)),
            stop_fraction=float(r.get("stop_fraction", 0.0)),
            extend_factor=float(r.get("extend_factor", 10.0)),
            folds=int((config.get("stats") or {}).get("folds", 2)),
            alpha_unit=str(config.get("alpha_unit", "inv_L")),
            points_per_job=config.get("points_per_job", "all"),
            effective=config.get("momentum_step") == "effective",
        )

    def as_params(self) -> dict:
        return dataclasses.asdict(self)


def describe(settings: Settings) -> str:
    """The line ``snakemake -n`` prints: refined jobs exist only once their checkpoint ran."""
    if not settings.rounds:
        return "Refinement: off (refine.enabled: false or refine.rounds: 0)."
    stop = (
        f"a chain stops below {settings.stop_fraction:g} improvement"
        if settings.stop_fraction
        else "every round runs"
    )
    return (
        f"Refinement: after the coarse grid, up to {settings.rounds} round(s) of checkpoint "
        f"'refine' per objective (one chain per cross-fitting fold, around its "
        f"{settings.centres} best points, {settings.points} new value(s) per axis and side; "
        f"{stop}); the refined "
        f"simulation jobs are planned when each checkpoint has run, so a dry run lists only "
        f"the coarse jobs and the checkpoints."
    )


# ---------------------------------------------------------------------------------------------
# the search table


def coarse_search(jobs: Iterable[JobSpec]) -> list[dict]:
    """Round 0 of the search table: every coarse point of the plan (fold empty: every chain's).
    ``alpha`` (absolute) is filled in by :func:`refine_round`, which knows L from the rows."""
    out = []
    for j in jobs:
        for a, b in j.points:
            out.append(
                {"objective": j.objective, "kappa": j.kappa, "method": j.method, "fold": None,
                 "round": 0, "point_alpha": float(a), "alpha": None, "beta": float(b),
                 "new": True}
            )  # fmt: skip
    return out


def _group_key(r: dict) -> tuple:
    return (str(r["objective"]), float(r["kappa"]), str(r["method"]))


def _search_sort_key(order: dict):
    def key(r):
        f = r["fold"]
        return (
            order.get(r["objective"], len(order)), r["objective"], float(r["kappa"]),
            r["method"], int(r["round"]), -1 if f is None else int(f), float(r["point_alpha"]),
            float(r["beta"]),
        )  # fmt: skip

    return key


def canonical(rows: list[dict], objective_order: list[str]) -> list[dict]:
    """The search table's rows in their one order: objective (config order), kappa, method,
    round, fold, alpha, beta."""
    order = {o: i for i, o in enumerate(objective_order)}
    return sorted(rows, key=_search_sort_key(order))


def refined_jobs(search: list[dict], templates: Iterable[JobSpec], points_per_job) -> list[JobSpec]:
    """The simulation jobs of the refined points (rows with round > 0 and ``new``), in
    canonical order: per (objective, kappa, method) and round, that round's new points, cut
    like the plan cuts coarse points. A job is the plan's job object of its (objective,
    kappa, method) with other points, named by the plan's naming function; its shard is a
    digest of its points, so equal points name the same job."""
    search = normalise_search(search)
    templates = list(templates)
    by_group = {}
    for j in templates:
        by_group.setdefault((j.objective, float(j.kappa), j.method), j)
    points: dict[tuple, set] = {}
    for r in search:
        if int(r["round"]) > 0 and _truth(r["new"]):
            key = (*_group_key(r), int(r["round"]))
            points.setdefault(key, set()).add((float(r["point_alpha"]), float(r["beta"])))
    order = {}
    for i, j in enumerate(templates):
        order.setdefault(j.objective, i)
    jobs = []
    for key in sorted(points, key=lambda k: (order.get(k[0], 0), k[0], k[1], k[2], k[3])):
        template = by_group[key[:3]]
        pts = [[a, b] for a, b in sorted(points[key])]
        for _, chunk in shards(pts, points_per_job):
            jobs.append(dataclasses.replace(template, points=chunk, shard=points_name(chunk)))
    return jobs


def points_name(points: list) -> str:
    """A refined job's shard: its point's name, or ``r`` + a digest of its points."""
    if len(points) == 1:
        return point_shard(*points[0])
    text = ";".join(f"{fmt(a)},{fmt(b)}" for a, b in points)
    return "r" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _truth(v) -> bool:
    return v in (True, "true", "True", 1)


# ---------------------------------------------------------------------------------------------
# geometry: axes in log(alpha) and log(1 - beta)


@dataclasses.dataclass(frozen=True)
class Geometry:
    """What bounds one (objective, kappa, method)'s search: theory's mu and L, the unit of the
    points' alphas, and the limits, in the search coordinates u = log(step) and v = log(1 -
    beta), where the step is alpha, or for EMA momentum with ``momentum_step: effective`` its
    effective step alpha (1 - beta) (heavy ball's alpha: the two then search alike)."""

    method: str
    mu: float
    L: float
    unit: str
    u_lo: float
    u_hi: float
    v_lo: float  # v_hi is 0: beta >= 0
    effective: bool = False

    @classmethod
    def of(cls, method, mu, L, unit, coarse, extend_factor: float, effective: bool = False):
        eff = bool(effective and METHODS[method].ema)
        geo = cls(method, float(mu), float(L), unit, 0.0, 0.0, 0.0, eff)
        u, v = zip(*(geo.uv(p) for p in coarse), strict=True)
        f = math.log(max(float(extend_factor), 1.0))
        return dataclasses.replace(geo, u_lo=min(u) - f, u_hi=max(u) + f, v_lo=min(v) - f)

    @property
    def uses_beta(self) -> bool:
        return METHODS[self.method].takes("beta")

    def uv(self, point) -> tuple[float, float]:
        """A point (alpha in the study's unit, beta) -> its search coordinates (u, v)."""
        a, b = float(point[0]), float(point[1])
        v = math.log1p(-b)
        return math.log(a) + (v if self.effective else 0.0), v

    def point(self, u: float, v: float) -> tuple[float, float]:
        """(u, v) -> the point (alpha, beta) it rounds to: the step to 5 significant digits,
        1 - beta to 4 (short, stable names)."""
        step = float(f"{math.exp(u):.{ALPHA_DIGITS}g}")
        beta = 0.0
        if v < 0:
            beta = float(f"{1.0 - float(f'{math.exp(v):.{GAP_DIGITS}g}'):.12g}")
        return (ema_alpha(step, beta) if self.effective else step), beta

    def stable(self, u, v) -> bool:
        beta = -math.expm1(v)
        step = math.exp(u)
        alpha = float(to_absolute(step / (1.0 - beta) if self.effective else step, self.unit,
                                  self.L))  # fmt: skip
        try:
            return bool(theory.is_stable(self.method, alpha, beta, self.mu, self.L))
        except Exception:  # noqa: BLE001 - a method without theory: no boundary known
            return True


# Search coordinates closer than this are one value. An EMA alpha is step / (1 - beta) to 12
# significant digits, so one step's u = log(alpha (1 - beta)) varies by ~1e-12 across betas;
# proposed points differ by >= 1e-5 (5 significant digits of the step, 4 of 1 - beta).
SAME = 1e-9


def _boundary(geo: Geometry, axis: int, b: tuple, end: float) -> float:
    """The stability boundary between ``b`` (stable) and ``end`` (unstable) on one axis."""
    lo, hi = b[axis], end
    for _ in range(60):
        mid = (lo + hi) / 2
        p = (mid, b[1]) if axis == 0 else (b[0], mid)
        if geo.stable(*p):
            lo = mid
        else:
            hi = mid
    return hi


def side(geo: Geometry, values: np.ndarray, b: tuple, axis: int, sign: int, n: int):
    """New values on one side of ``b`` on one axis, and why that side is an edge (or None).

    ``values``: the distinct searched values of the axis. Returns (values, edge, reason): edge
    is True when no searched value lies beyond ``b`` on this side; reason says what stops the
    search there (:data:`STABILITY`, :data:`BETA_ZERO`, :data:`EXTEND`) or is None."""
    x = b[axis]
    beyond = values[values * sign > x * sign + SAME]
    other = values[values * sign < x * sign - SAME]
    edge = beyond.size == 0
    reason = None
    if not edge:
        end, steps = (beyond.min() if sign > 0 else beyond.max()), n + 1
        take = n  # the neighbour itself is searched
    else:
        d = abs(x - (other.max() if sign > 0 else other.min())) if other.size else DEFAULT_STEP
        end, steps, take = x + sign * (n + 1) * d, n + 1, n + 1
        lo, hi = (geo.u_lo, geo.u_hi) if axis == 0 else (geo.v_lo, 0.0)
        if end > hi or end < lo:
            end = min(max(end, lo), hi)
            reason = BETA_ZERO if axis == 1 and sign > 0 else EXTEND
            if abs(end - x) < SAME:
                return [], edge, reason
    probe = (end, b[1]) if axis == 0 else (b[0], end)
    if not geo.stable(*probe):
        end = _boundary(geo, axis, b, end)
        take = min(take, steps - 1)  # the boundary itself is not stable
        reason = STABILITY
    if abs(end - x) < SAME:
        return [], edge, reason
    return [x + (end - x) * j / steps for j in range(1, take + 1)], edge, reason


def _axes(geo: Geometry, points) -> tuple[np.ndarray, np.ndarray]:
    uv = np.round([geo.uv(p) for p in points], 9)  # equal up to SAME: one value
    return np.unique(uv[:, 0]), np.unique(uv[:, 1])


def propose(geo: Geometry, searched: list[tuple[float, float]], best: tuple[float, float], n: int):
    """A chain's new points around its best point (in the points' unit: (alpha, beta))."""
    u, v = _axes(geo, searched)
    b = geo.uv(best)
    us = [b[0], *side(geo, u, b, 0, -1, n)[0], *side(geo, u, b, 0, +1, n)[0]]
    vs = [b[1]]
    if geo.uses_beta:
        vs += [*side(geo, v, b, 1, -1, n)[0], *side(geo, v, b, 1, +1, n)[0]]

    def key(p):  # equal up to rounding (an EMA alpha is step / (1 - beta)): SAME
        return tuple(round(c, 9) for c in geo.uv(p))

    have = {key(p) for p in searched}
    out = {}
    for x in us:
        for y in vs:
            p = geo.point(x, y)
            if key(p) not in have and p[1] < 1 and geo.stable(*geo.uv(p)):
                out.setdefault(key(p), p)
    return sorted(out.values())


def max_points_per_round(points: int, centres: int, axis_values: Iterable[int]) -> int:
    """An upper bound on the new points one chain proposes in one round (:func:`propose`
    around each of its ``centres`` best points, ``points`` = ``refine.points``).

    ``axis_values``: per search axis of the method (log alpha, and log(1 - beta) when it
    takes a beta), how many distinct values the coarse grid has on it. Around a centre,
    :func:`side` adds at most ``points`` values on a side with a searched value beyond the
    centre and ``points + 1`` on an edge; both sides are edges only on an axis with a single
    searched value (the coarse grid's values are always searched). So an axis holds at most
    2 points + 2 values (2 points + 3 with one coarse value), the centre's among them, and a
    centre's product of axes, less the centre itself (searched), bounds its new points."""
    per_centre = 1
    for n in axis_values:
        per_centre *= 2 * points + (3 if int(n) == 1 else 2)
    return centres * (per_centre - 1)


def edge_of(geo: Geometry, searched: list[tuple[float, float]], best: tuple[float, float]):
    """(edge, reason): is ``best`` on an edge of what was searched, and what stopped the search
    there: :data:`STABILITY`, :data:`BETA_ZERO`, :data:`EXTEND`, else :data:`ENDED` (the rounds
    ran out, or refinement is off). Reasons of several edges are joined by '; '."""
    u, v = _axes(geo, searched)
    b = geo.uv(best)
    found = []
    for axis, values in ((0, u), (1, v)) if geo.uses_beta else ((0, u),):
        for sign in (-1, 1):
            _, edge, reason = side(geo, values, b, axis, sign, 1)
            if edge:
                found.append(reason or ENDED)
    if not found:
        return False, None
    return True, "; ".join(sorted(set(found)))


# ---------------------------------------------------------------------------------------------
# one round


class _Cells:
    """One (objective, kappa, method)'s simulated points as arrays over its seeds."""

    def __init__(self, rows: list[dict]):
        from .stats import tie_key, tie_ranks  # scipy loads only when a round runs

        seeds = sorted({int(r["seed"]) for r in rows})
        col = {s: j for j, s in enumerate(seeds)}
        keys = sorted(
            {(float(r["alpha_L"]), float(r["beta"]), float(r["alpha"])) for r in rows}
        )  # the statistics' order of cells: (alpha_L, beta, alpha)
        self.index = {(k[2], k[1]): i for i, k in enumerate(keys)}
        method = str(rows[0]["method"])
        self.ranks = tie_ranks([tie_key(method, *k) for k in keys])  # the statistics' tie-break
        self.X = np.full((len(keys), len(seeds)), math.inf)
        for r in rows:
            if r["status"] == CONVERGED:
                self.X[self.index[(float(r["alpha"]), float(r["beta"]))], col[int(r["seed"])]] = r[
                    "iterations"
                ]
        self.seeds = np.array(seeds)
        first = rows[0]
        self.mu, self.L = float(first["mu"]), float(first["L"])


def chain_ranking(cells: _Cells, absolute: list[tuple[float, float]], train: np.ndarray):
    """The points (indices into ``absolute``) that converged on every seed of ``train``, best
    first by the statistics' rule (:func:`momentumlab.stats.select_columns`: median, then mean,
    then :func:`momentumlab.stats.tie_key`), each with its median on ``train``."""
    where = {}
    for i, p in enumerate(absolute):
        where.setdefault(cells.index[p], i)
    T = cells.X[sorted(where)][:, train]
    ok = np.all(np.isfinite(T), axis=1)
    from .stats import censored_quantile  # scipy loads only when a round runs

    med = censored_quantile(T, 0.5)
    mean = T.mean(axis=1)
    idx = sorted(where)
    order = sorted(np.nonzero(ok)[0], key=lambda i: (med[i], mean[i], cells.ranks[idx[i]]))
    return [(where[idx[i]], float(med[i])) for i in order]


def chain_best(cells: _Cells, absolute: list[tuple[float, float]], train: np.ndarray):
    """(index into ``absolute``, median on ``train``) of the best point, or None."""
    ranking = chain_ranking(cells, absolute, train)
    return ranking[0] if ranking else None


def chains(seeds: np.ndarray, folds: int) -> dict[int, np.ndarray]:
    """fold -> the positions of its tuning seeds (those outside it); a single fold (a fixed
    start: one seed) tunes in sample, as the statistics do."""
    fold = seeds % folds
    present = sorted(set(fold.tolist()))
    if len(present) == 1:
        return {present[0]: np.arange(seeds.size)}
    return {f: np.nonzero(fold != f)[0] for f in present}


def refine_round(
    round_: int, search: list[dict], sim_rows: list[dict], settings: Settings, objectives: list
) -> list[dict]:
    """Round ``round_`` of every chain: the search table so far (rounds < round_) and the
    simulation rows of its points -> the search table with this round's proposals."""
    rows_by_group: dict[tuple, list[dict]] = {}
    for r in sim_rows:
        rows_by_group.setdefault(_group_key(r), []).append(r)
    search_by_group: dict[tuple, list[dict]] = {}
    for r in normalise_search(search):
        search_by_group.setdefault(_group_key(r), []).append(r)
    out = []
    for key, srows in search_by_group.items():
        rows = rows_by_group.get(key)
        if not rows:
            raise ValueError(f"refine round {round_}: no simulation rows for {key}")
        cells = _Cells(rows)
        unit = settings.alpha_unit
        for s in srows:
            s["alpha"] = float(to_absolute(s["point_alpha"], unit, cells.L))
        out.extend(srows)
        coarse = [(s["point_alpha"], s["beta"]) for s in srows if s["round"] == 0]
        geo = Geometry.of(
            key[2], cells.mu, cells.L, unit, coarse, settings.extend_factor, settings.effective
        )
        for fold, train in chains(cells.seeds, settings.folds).items():
            mine = [s for s in srows if s["fold"] is None or s["fold"] == fold]
            pts = sorted({(s["point_alpha"], s["beta"]) for s in mine})
            for a, b in _chain_step(geo, cells, mine, pts, train, round_, settings):
                out.append(
                    {"objective": key[0], "kappa": key[1], "method": key[2], "fold": fold,
                     "round": round_, "point_alpha": a,
                     "alpha": float(to_absolute(a, unit, cells.L)), "beta": b, "new": False}
                )  # fmt: skip
    # `new`: the first row of a point not searched before (several chains proposing one point
    # in one round share one job)
    table = canonical(out, objectives)
    seen = set()
    for r in table:
        k = (*_group_key(r), r["point_alpha"], r["beta"])
        if r["round"] == round_:
            r["new"] = k not in seen
        seen.add(k)
    return table


def normalise_search(rows: Iterable[dict]) -> list[dict]:
    """Search-table rows as read back (CSV text parsed) -> their canonical Python types."""
    return [
        {
            "objective": str(r["objective"]),
            "kappa": float(r["kappa"]),
            "method": str(r["method"]),
            "fold": None if r["fold"] in (None, "") else int(r["fold"]),
            "round": int(r["round"]),
            "point_alpha": float(r["point_alpha"]),
            "alpha": None if r.get("alpha") in (None, "") else float(r["alpha"]),
            "beta": float(r["beta"]),
            "new": _truth(r["new"]),
        }
        for r in rows
    ]


def _chain_step(geo, cells, mine, pts, train, round_, settings) -> list[tuple]:
    """One chain's proposals for this round (empty: it stops)."""
    absolute = [(float(to_absolute(a, geo.unit, geo.L)), b) for a, b in pts]
    ranking = chain_ranking(cells, absolute, train)
    if not ranking:
        return []
    best = ranking[0]
    b = pts[best[0]]
    edge, _ = edge_of(geo, pts, b)
    if round_ > 1 and not edge:
        before = sorted({(s["point_alpha"], s["beta"]) for s in mine if s["round"] < round_ - 1})
        prev = chain_best(
            cells, [(float(to_absolute(a, geo.unit, geo.L)), be) for a, be in before], train
        )
        if prev is not None and prev[1] - best[1] < settings.stop_fraction * prev[1]:
            return []
    out = set()
    for i, _ in ranking[: settings.centres]:  # the landscape is rugged: several centres
        out.update(propose(geo, pts, pts[i], settings.points))
    return sorted(out)


def run_round(
    round_: int,
    sims: list[str],
    previous: str | None,
    coarse: list[dict] | None,
    settings: dict,
    objectives: list[str],
    out: str,
) -> int:
    """One objective's checkpoint ``refine`` (:func:`momentumlab.pipeline.refine_round`, which
    checks the job files first): the search table of round ``round_`` -> ``out``; returns the
    number of new points. Both tables are read typed (:func:`momentumlab.catalogue.read`)."""
    from .tables import write_csv

    search = catalogue.read(previous, "search") if previous else list(coarse or [])
    rows = [r for path in sims for r in catalogue.read(path, "simulations")]
    table = refine_round(int(round_), search, rows, Settings(**settings), objectives)
    write_csv(out, table, SEARCH_COLUMNS)
    return sum(1 for r in table if int(r["round"]) == int(round_) and _truth(r["new"]))


class GroupSearch:
    """What the statistics need to know about one (objective, kappa, method)'s search: each
    cell's round, which fold's chain searched it, and the geometry its edges are judged by."""

    def __init__(self, method, rows: list[dict], unit, extend_factor, effective=False):
        self.method, self.unit, self.extend_factor = method, unit, extend_factor
        self.effective = effective
        self.point = {}  # (alpha absolute, beta) -> (alpha in unit, beta)
        self.round = {}
        self.folds: dict = {}  # (alpha, beta) -> set of folds, None = every fold (coarse)
        for r in rows:
            k = (r["alpha"], r["beta"])
            self.point[k] = (r["point_alpha"], r["beta"])
            self.round[k] = min(self.round.get(k, r["round"]), r["round"])
            self.folds.setdefault(k, set()).add(r["fold"])
        self.coarse = sorted(self.point[k] for k, f in self.folds.items() if None in f)

    def _key(self, cell: dict) -> tuple:
        k = (float(cell["alpha"]), float(cell["beta"]))
        if k not in self.point:
            raise ValueError(
                f"cell {cell['objective']}, kappa {cell['kappa']}, {cell['method']}, alpha "
                f"{cell['alpha']!r}, beta {cell['beta']!r} is not in the search table"
            )
        return k

    def round_of(self, cell: dict) -> int:
        return self.round[self._key(cell)]

    def allowed(self, cells: list[dict], folds) -> np.ndarray | None:
        if all(None in f for f in self.folds.values()):
            return None  # nothing refined: every fold chooses among every cell
        out = np.zeros((len(folds), len(cells)), dtype=bool)
        for j, c in enumerate(cells):
            f = self.folds[self._key(c)]
            out[:, j] = [None in f or int(g) in f for g in folds]
        return out

    def edge(self, cell: dict, mu: float, L: float) -> tuple[bool, str | None]:
        geo = Geometry.of(
            self.method, mu, L, self.unit, self.coarse, self.extend_factor, self.effective
        )
        return edge_of(geo, sorted(set(self.point.values())), self.point[self._key(cell)])


def search_index(search: list[dict] | None, settings: dict | None, cells: list[dict]) -> dict:
    """(objective, kappa, method) -> :class:`GroupSearch`. Without a search table every cell is
    a round-0 point of every fold, its edges judged without limits (refinement off)."""
    groups: dict[tuple, list[dict]] = {}
    effective = False
    if search is None:
        unit, factor = "absolute", math.inf
        for c in cells:
            groups.setdefault(_group_key(c), []).append(
                {"alpha": float(c["alpha"]), "beta": float(c["beta"]), "round": 0,
                 "fold": None, "point_alpha": float(c["alpha"])}
            )  # fmt: skip
    else:
        settings = Settings(**(settings or {}))
        unit, factor = settings.alpha_unit, settings.extend_factor
        effective = settings.effective
        for r in normalise_search(search):
            groups.setdefault(_group_key(r), []).append(r)
    return {k: GroupSearch(k[2], rows, unit, factor, effective) for k, rows in groups.items()}


def search_in_process(jobs: list[JobSpec], settings: Settings, objectives: list[str]):
    """The whole refinement without Snakemake (tests, benchmarks, notebooks): simulate the
    coarse jobs, then each round's proposals and jobs. Returns (simulation rows, search table,
    every job run)."""
    from .study import simulate_job

    done = list(jobs)
    rows = [r for j in done for r in simulate_job(j)[0]]
    search = coarse_search(jobs)
    for round_ in range(1, settings.rounds + 1):
        search = refine_round(round_, search, rows, settings, objectives)
        fresh = [j for j in refined_jobs(search, jobs, settings.points_per_job) if j not in done]
        if not fresh and not any(r["round"] == round_ for r in search):
            break
        for j in fresh:
            rows.extend(simulate_job(j)[0])
        done.extend(fresh)
    return rows, search, done


__all__ = [
    "GroupSearch",
    "SEARCH_COLUMNS",
    "Geometry",
    "Settings",
    "canonical",
    "coarse_search",
    "describe",
    "edge_of",
    "max_points_per_round",
    "normalise_search",
    "propose",
    "refine_round",
    "refined_jobs",
    "run_round",
    "search_in_process",
    "search_index",
]
