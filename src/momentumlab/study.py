"""From a validated study config to jobs, and the work of one job: the pipeline's library side.

The Snakefile calls :func:`plan` once at load time; each simulation job calls :func:`run_job`
with its :class:`JobSpec` (passed as ``params``), and :func:`gather` joins the job tables.
Nothing here imports snakemake.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import asdict, dataclass, field
from functools import cached_property

import numpy as np

from . import NUMERICS_VERSION, catalogue
from .api import run_grid
from .errors import ConfigError
from .methods import METHODS
from .naming import job_path, job_wildcards, point_shard
from .objectives import OBJECTIVES, make_objective
from .tables import read_csv, write_checksums, write_csv

SIM_COLUMNS = catalogue.columns("simulations")  # the job tables' headers (the catalogue's)
CURVE_COLUMNS = catalogue.columns("curves")

# options of each objective type that reach the objective's constructor (a registry view)
OBJECTIVE_OPTIONS = {name: t.options for name, t in OBJECTIVES.items()}
# per-objective overrides of study-wide settings
OVERRIDES = ("kappas", "tol", "max_iter", "start_scale")


@dataclass(frozen=True)
class JobSpec:
    """Everything one simulation job needs; its text is the job's Snakemake ``params``."""

    objective: str
    objective_type: str
    options: dict
    kappa: float
    method: str
    points: list  # [[alpha (in alpha_unit), beta], ...]
    alpha_unit: str
    seeds: int
    base_seed: int
    tol: float
    max_iter: int
    start: object  # "random" or a list of coordinates
    start_scale: float
    curve_points: int
    numerics: str = NUMERICS_VERSION
    shard: str = "all"

    @cached_property
    def path(self) -> str:
        """Where its outputs live in the shared cache: named by a hash of every parameter (its
        :meth:`as_params`, the numerics version among them), so a path is one job's content."""
        return job_path(self.as_params())

    @property
    def wildcards(self) -> dict[str, str]:
        """The rule's wildcard values for this job (what :attr:`path` is formatted from)."""
        return job_wildcards(self.as_params())

    @property
    def n_simulations(self) -> int:
        return len(self.points) * (1 if isinstance(self.start, list) else self.seeds)

    def as_params(self) -> dict:
        return asdict(self)


@dataclass
class Plan:
    """A study's jobs; :func:`momentumlab.config.load_study` also sets the defaulted config,
    the study's size (simulations, jobs, largest job, worst-case time) and its warnings."""

    jobs: list[JobSpec]
    by_path: dict[str, JobSpec] = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    size: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.by_path = {j.path: j for j in self.jobs}

    @property
    def study(self) -> str:
        """The study's name (config key ``study``): its outputs go to ``results/<study>/``."""
        return self.config.get("study", "default")

    @property
    def n_simulations(self) -> int:
        return sum(j.n_simulations for j in self.jobs)

    def describe(self) -> str:
        """What the plan prints before any job: its size, then each warning."""
        from .config import size_text

        lines = [f"Study plan: {size_text(self.size)}." if self.size else ""]
        return "\n".join([*filter(None, lines), *(f"warning: {w}" for w in self.warnings)])


def method_alphas(config: dict, method: str) -> list[float]:
    alphas = config["alphas"]
    if isinstance(alphas, list):
        return alphas
    if method in alphas:
        return alphas[method]
    if "default" in alphas:
        return alphas["default"]
    raise ConfigError(
        f"alphas: no list for method {method!r}; allowed: alphas.{method} or alphas.default "
        f"(or one list for all methods)"
    )


def ema_alpha(step: float, beta: float) -> float:
    """The EMA momentum alpha whose effective step alpha (1 - beta) is ``step``."""
    return float(f"{float(step) / (1.0 - float(beta)):.12g}")


def method_points(config: dict, method: str) -> list[list[float]]:
    """A method's coarse (alpha, beta) points: its alphas times the betas (GD: beta 0). With
    ``momentum_step: effective`` the EMA momentum's alphas are effective steps alpha (1 - beta)
    (heavy ball's alphas): each point runs alpha = step / (1 - beta)."""
    m = METHODS[method]
    alphas = sorted(float(a) for a in method_alphas(config, method))
    betas = sorted(float(b) for b in config["betas"]) if m.takes("beta") else [0.0]
    if m.ema and config.get("momentum_step") == "effective":
        return [[ema_alpha(a, b), b] for a, b in itertools.product(alphas, betas)]
    return [[a, b] for a, b in itertools.product(alphas, betas)]


def _options(spec: dict) -> dict:
    allowed = OBJECTIVE_OPTIONS[spec["type"]]
    return {k: spec[k] for k in allowed if k in spec}


def shards(points: list, points_per_job) -> list[tuple[str, list]]:
    """Split a method's (alpha, beta) points into jobs; names are stable and canonical."""
    if points_per_job in (None, "all") or points_per_job >= len(points):
        return [("all", points)]
    if points_per_job == 1:
        return [(point_shard(a, b), [[a, b]]) for a, b in points]
    n = math.ceil(len(points) / points_per_job)
    return [
        (f"part{i:03d}of{n:03d}", points[i * points_per_job : (i + 1) * points_per_job])
        for i in range(n)
    ]


def plan(config: dict) -> Plan:
    """All simulation jobs of a checked, defaulted config (:func:`momentumlab.config.load_study`
    checks it and calls this), in canonical order."""
    jobs = []
    for label, spec in config["objectives"].items():
        kappas = sorted(float(k) for k in spec.get("kappas", config["kappas"]))
        for kappa in kappas:
            for method in config["methods"]:
                points = method_points(config, method)
                for shard, pts in shards(points, config["points_per_job"]):
                    jobs.append(
                        JobSpec(
                            objective=label,
                            objective_type=spec["type"],
                            options=_options(spec),
                            kappa=kappa,
                            method=method,
                            points=pts,
                            alpha_unit=config["alpha_unit"],
                            seeds=int(config["seeds"]),
                            base_seed=int(config["seed"]),
                            tol=float(spec.get("tol", config["tol"])),
                            max_iter=int(spec.get("max_iter", config["max_iter"])),
                            start=config["start"],
                            start_scale=float(spec.get("start_scale", config["start_scale"])),
                            curve_points=int(config["curve_points"]),
                            shard=shard,
                        )
                    )
    return Plan(jobs)


def simulate_job(spec: JobSpec | dict) -> tuple[list[dict], list[dict]]:
    """Run one job's simulations in one batch; return (simulation rows, curve-quantile rows)."""
    if isinstance(spec, dict):
        spec = JobSpec(**spec)
    obj = make_objective(spec.objective_type, spec.kappa, **spec.options)
    grid = run_grid(
        obj, spec.method, spec.objective, spec.points, alpha_unit=spec.alpha_unit,
        starts=[spec.start] if isinstance(spec.start, list) else None, seeds=spec.seeds,
        base_seed=spec.base_seed, start_scale=spec.start_scale,
        tol=spec.tol, max_iter=spec.max_iter, curve_points=spec.curve_points,
    )  # fmt: skip
    job = {
        "objective_type": spec.objective_type, "stochastic": bool(obj.stochastic),
        "mu": obj.mu, "L": obj.L, "tol": spec.tol, "max_iter": spec.max_iter,
    }  # fmt: skip
    sims = [{c: {**row, **job}[c] for c in SIM_COLUMNS} for row in grid.rows]
    res, n_s, abs_alpha, pts = grid.result, grid.starts, grid.alphas, grid.betas
    curves = []
    with np.errstate(invalid="ignore"):
        for p in range(len(abs_alpha)):
            block = res.curve[p * n_s : (p + 1) * n_s]  # (seeds, P), inf where diverged
            q = np.quantile(block, [0.25, 0.5, 0.75], axis=0, method="lower")
            a = float(abs_alpha[p])
            for c, it in enumerate(res.curve_iters):
                curves.append(
                    {
                        "objective": spec.objective,
                        "kappa": obj.kappa,
                        "method": spec.method,
                        "alpha": a,
                        "alpha_L": a * obj.L,
                        "beta": float(pts[p]),
                        "iteration": int(it),
                        "runs": n_s,
                        "gap_q25": _sig(q[0, c]),
                        "gap_median": _sig(q[1, c]),
                        "gap_q75": _sig(q[2, c]),
                    }  # fmt: skip
                )
    return sims, curves


def _sig(x, digits: int = 6) -> float:
    """A curve value to 6 significant digits: plenty for a plot, a third of the bytes."""
    return float(f"{float(x):.{digits}g}")


def run_job(spec: dict, sims_out: str, curves_out: str, sums_out: str | None = None) -> None:
    """One workflow job: simulate, write its two tidy tables, then their checksum sidecar
    (which the gather rule checks, see :mod:`momentumlab.jobfiles`)."""
    sims, curves = simulate_job(spec)
    write_csv(sims_out, sims, SIM_COLUMNS)
    write_csv(curves_out, curves, CURVE_COLUMNS)
    if sums_out is not None:
        write_checksums(sums_out, [sims_out, curves_out])


def gather(inputs: list[str], output: str) -> int:
    """Concatenate job tables (given in canonical job order) into one table; returns rows."""
    if not inputs:
        raise ConfigError("gather: no job tables to gather")
    header = None
    n = 0
    tmp = output + ".tmp"
    with open(tmp, "w") as out:
        for path in inputs:
            with open(path) as fh:
                first = fh.readline()
                if header is None:
                    header = first
                    out.write(first)
                elif first != header:
                    raise ValueError(
                        f"gather: {path} has columns {first.strip()!r}, expected {header.strip()!r}"
                    )
                for line in fh:
                    out.write(line)
                    n += 1
    os.replace(tmp, output)
    return n


__all__ = [
    "CURVE_COLUMNS",
    "JobSpec",
    "Plan",
    "SIM_COLUMNS",
    "gather",
    "plan",
    "read_csv",
    "run_job",
    "simulate_job",
]
