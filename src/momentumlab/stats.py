"""Summary statistics of a study: from one row per simulation to the tables the report reads.

The single entry point is :func:`summarise`; it takes the rows of ``simulations.csv`` (lists of
dicts, as :func:`momentumlab.tables.read_csv` returns them) and returns the tables ``cells``,
``best``, ``comparisons``, ``slopes`` and ``status_counts``, whose column order is
:data:`COLUMNS` and whose columns are described in :data:`COLUMN_DOCS` (and docs/tables.md).

Rules, in short (docs/tables.md has the long form):

- Censoring. A run that did not converge (``diverged`` or ``max_iter``) is right-censored at the
  budget ``max_iter``: a diverged run never converges, so censoring it at its divergence
  iteration would be informative censoring. Iteration quantiles are Kaplan-Meier quantiles
  (``scipy.stats.ecdf`` of ``scipy.stats.CensoredData``), the p-quantile being the smallest t
  with F(t) >= p; when F never reaches p the quantile is empty ("beyond the budget"). With every
  censoring time at or after every event time, that quantile is the ceil(p n)-th order statistic
  of the sample with non-converged runs set to +inf (:func:`censored_quantile`), which is what
  the bootstrap uses.
- Best tuning: among the cells in which every run converged, the smallest median, then the
  smallest mean iterations, then the smallest alpha_L, then the smallest beta.
- Comparisons pair GD and a momentum-family method by seed, each at its best tuning.

Every random number comes from a generator seeded by :func:`momentumlab.rng.derive_key` of the
cell's coordinates, so the tables are identical from run to run and a cell's interval does not
depend on which other cells are in the study. Nothing here imports snakemake.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import stats as st

from . import theory
from .engine import CONVERGED, DIVERGED, MAX_ITER, STATUSES
from .errors import ConfigError
from .rng import derive_key

BASELINE = "gd"
MOMENTUM_FAMILY = ("heavy_ball", "momentum", "nesterov")

# Stands in for +inf ("not converged") inside the bootstrap: scipy's percentile interpolation
# would turn inf - inf into NaN. Any interval bound that touches it exceeds every observed
# iteration count and is reported as empty.
_SENTINEL = 1e150
# Floating slack when comparing a Kaplan-Meier probability with p.
_EPS = 1e-9

INPUT_COLUMNS = [
    "objective", "objective_type", "stochastic", "kappa", "dim", "mu", "L", "method", "alpha",
    "alpha_L", "beta", "seed", "status", "iterations", "first_hit", "final_gap", "diverged_at",
    "tol", "max_iter",
]  # fmt: skip
REQUIRED_INPUT = [
    c for c in INPUT_COLUMNS if c not in ("stochastic", "first_hit", "final_gap", "diverged_at")
]

INPUT_DOCS: dict[str, str] = {
    "objective": "The objective's label in the study config (e.g. quad2d).",
    "objective_type": "The objective's family: quadratic, rosenbrock or logistic.",
    "stochastic": (
        "true when the gradients are noisy (quadratic noise > 0, logistic batch_size > 0): such "
        "runs are never certified as settled and are censored at max_iter (final_gap is then "
        "the gap at the budget, the noise floor); false for exact gradients."
    ),
    "kappa": "Condition number L / mu the objective was built with.",
    "dim": "Dimension of the parameter vector.",
    "mu": "Smallest curvature (Hessian eigenvalue) at the optimum.",
    "L": "Largest curvature (Hessian eigenvalue) at the optimum.",
    "method": "Optimiser: gd, momentum (EMA form), heavy_ball or nesterov.",
    "alpha": "Step size, absolute.",
    "alpha_L": "Step size in units of 1/L (alpha * L).",
    "beta": "Momentum coefficient (0 for gd).",
    "seed": (
        "Seed of the start point and of the gradient-noise stream; the same seed gives every "
        "method the same start at a given objective and kappa, so runs are paired by seed."
    ),
    "status": (
        "converged (the gap has settled: it stays <= tol * initial gap from `iterations` on, "
        "shown by the engine's stop rule), diverged (gap non-finite or above 1e20 times the "
        "initial gap) or max_iter (not shown to have settled within the budget: censored, "
        "including runs that passed below tol and had not settled, and every stochastic run)."
    ),
    "iterations": (
        "If converged, the settling time: 1 + the last iteration at which the gap exceeded "
        "tol * initial gap (0 if it never did); divergence iteration if diverged; max_iter if "
        "max_iter."
    ),
    "first_hit": (
        "First iteration at which the gap was <= tol * initial gap (the first passage; "
        "empty if it never was within the run). Equal to iterations for a monotone gap (GD on "
        "a quadratic); earlier when the gap dipped below tol and rebounded."
    ),
    "final_gap": "f - f* at the last iteration (may be inf). Not used by the summaries.",
    "diverged_at": "Divergence iteration, empty unless diverged. Not used by the summaries.",
    "tol": "Relative tolerance on the optimality gap that defines convergence.",
    "max_iter": "Iteration budget; non-converged runs are censored here.",
}

_COMMON = {
    "objective": INPUT_DOCS["objective"],
    "objective_type": INPUT_DOCS["objective_type"],
    "kappa": INPUT_DOCS["kappa"],
    "dim": INPUT_DOCS["dim"],
    "method": INPUT_DOCS["method"],
}

COLUMN_DOCS: dict[str, dict[str, str]] = {
    "cells": {
        **_COMMON,
        "alpha": "Step size, absolute.",
        "alpha_L": "Step size in units of 1/L (alpha * L).",
        "beta": "Momentum coefficient (0 for gd).",
        "runs": "Number of simulations (seeds) in the cell.",
        "converged": "Runs with status converged.",
        "diverged": "Runs with status diverged.",
        "max_iter_runs": "Runs with status max_iter.",
        "conv_frac": "converged / runs.",
        "conv_ci_low": "Lower bound of the Wilson score interval of conv_frac at `confidence`.",
        "conv_ci_high": "Upper bound of the Wilson score interval of conv_frac at `confidence`.",
        "median_iter": (
            "Kaplan-Meier median of the convergence iteration, non-converged runs censored at "
            "max_iter: the smallest t with F(t) >= 0.5, i.e. the ceil(runs/2)-th smallest "
            "iteration counting non-converged runs as +inf (the lower median when runs is even). "
            "Empty when fewer than half the runs converged (beyond the budget)."
        ),
        "median_ci_low": (
            "Lower bound of the percentile-bootstrap interval of median_iter (resampling runs, "
            "`n_resamples` resamples, at `confidence`). Empty when it lies beyond the budget or "
            "runs = 1; equal to median_iter when every run has the same outcome."
        ),
        "median_ci_high": (
            "Upper bound of the bootstrap interval of median_iter; empty when it lies beyond the "
            "budget (some resamples have fewer than half converged) or runs = 1."
        ),
        "q25_iter": "Kaplan-Meier 25th percentile of the convergence iteration (same rule).",
        "q75_iter": (
            "Kaplan-Meier 75th percentile of the convergence iteration; empty when fewer than "
            "three quarters of the runs converged."
        ),
        "ert": (
            "Expected running time (COCO): total iterations of all runs (converged: convergence "
            "iteration; diverged: divergence iteration; max_iter: max_iter) / converged. Empty "
            "if none converged."
        ),
        "all_converged": "true when every run converged (only such cells can be best).",
        "mean_iter": "Mean convergence iteration when all_converged, else empty (a tie-break).",
    },
    "best": {
        **_COMMON,
        "alpha": "Step size (absolute) of the best cell; empty if no cell fully converged.",
        "alpha_L": "alpha_L of the best cell; empty if no cell fully converged.",
        "beta": "beta of the best cell; empty if no cell fully converged.",
        "runs": "Runs in the best cell; empty if no cell fully converged.",
        "median_iter": (
            "median_iter of the best cell; empty means no tuning converged on every run "
            "within the budget."
        ),
        "median_ci_low": "median_ci_low of the best cell.",
        "median_ci_high": "median_ci_high of the best cell.",
        "q25_iter": "q25_iter of the best cell.",
        "q75_iter": "q75_iter of the best cell.",
        "ert": "ert of the best cell.",
        "n_good_alpha": (
            "Number of step sizes whose best cell over beta converged on every run with "
            "median_iter <= good_factor * the best median_iter (0 if there is no best cell)."
        ),
        "good_alpha_L_min": "Smallest alpha_L among the good step sizes.",
        "good_alpha_L_max": "Largest alpha_L among the good step sizes.",
        "good_alpha_decades": (
            "log10(good_alpha_L_max / good_alpha_L_min): how wide (in decades) the range of "
            "good step sizes is; 0 when a single step size is good."
        ),
        "theory_alpha_L": (
            "Optimal alpha * L from momentumlab.theory.optimal(method, mu, L); quadratic "
            "objectives only, else empty."
        ),
        "theory_beta": "Optimal beta from theory (quadratic objectives only, else empty).",
        "theory_iterations": (
            "Iterations predicted at the optimal tuning, log(tol) / (2 log rate), not rounded "
            "(quadratic objectives only, else empty)."
        ),
        "n_cells": "Number of (alpha, beta) cells tried for this objective, kappa and method.",
        "n_all_converged_cells": "How many of those cells converged on every run.",
    },
    "comparisons": {
        "objective": INPUT_DOCS["objective"],
        "kappa": INPUT_DOCS["kappa"],
        "method": "The momentum-family method compared with the baseline.",
        "baseline": "The baseline method, always gd.",
        "baseline_alpha_L": "alpha_L of gd's best tuning.",
        "alpha_L": "alpha_L of the method's best tuning.",
        "beta": "beta of the method's best tuning.",
        "n_pairs": "Seeds present in both best cells (the pairs compared).",
        "baseline_median_iter": (
            "Median gd iterations over the paired seeds (the ceil(n/2)-th smallest, as in "
            "cells.median_iter)."
        ),
        "median_iter": "Median iterations of the method over the paired seeds (same rule).",
        "speedup": "baseline_median_iter / median_iter; above 1 means the method is faster.",
        "speedup_ci_low": (
            "Lower bound of the paired percentile-bootstrap interval of speedup (seeds "
            "resampled as pairs); empty when n_pairs < 2, equal to speedup when no pair varies."
        ),
        "speedup_ci_high": "Upper bound of the paired bootstrap interval of speedup.",
        "wilcoxon_p": (
            "Two-sided Wilcoxon signed-rank p-value of the paired differences "
            "log(gd iterations) - log(method iterations) (zero differences dropped); 1 when "
            "every difference is zero; empty when n_pairs < 2."
        ),
        "holm_p": (
            "wilcoxon_p adjusted by Holm-Bonferroni over every comparison in the study that has "
            "a p-value."
        ),
        "significant": "holm_p < 1 - confidence; empty when holm_p is empty.",
    },
    "slopes": {
        "objective": INPUT_DOCS["objective"],
        "objective_type": INPUT_DOCS["objective_type"],
        "method": INPUT_DOCS["method"],
        "n_kappas": "Kappas in the fit: kappa >= slope_min_kappa and a best tuning exists.",
        "kappa_min": "Smallest kappa in the fit.",
        "kappa_max": "Largest kappa in the fit.",
        "slope": (
            "Theil-Sen slope of log10(best median_iter) against log10(kappa); empty when "
            "n_kappas < 2."
        ),
        "slope_ci_low": "Lower bound of the Theil-Sen interval of the slope at `confidence`.",
        "slope_ci_high": "Upper bound of the Theil-Sen interval of the slope at `confidence`.",
        "intercept": "Theil-Sen intercept: log10(median_iter) at kappa = 1.",
        "theory_slope": "Slope theory predicts at optimal tuning: 1 for gd, 0.5 otherwise.",
        "theory_applies": (
            "true for quadratic objectives, where theory_slope is a prediction (it assumes "
            "exact gradients; a noisy quadratic is flagged true all the same)."
        ),
    },
    "status_counts": {
        "objective": INPUT_DOCS["objective"],
        "kappa": INPUT_DOCS["kappa"],
        "method": INPUT_DOCS["method"],
        "runs": "Simulations over every (alpha, beta) cell of this objective, kappa and method.",
        "converged": "Of which converged.",
        "diverged": "Of which diverged.",
        "max_iter_runs": "Of which ran out of budget (status max_iter).",
    },
}

COLUMNS: dict[str, list[str]] = {
    "cells": [
        "objective", "objective_type", "kappa", "dim", "method", "alpha", "alpha_L", "beta",
        "runs", "converged", "diverged", "max_iter_runs", "conv_frac", "conv_ci_low",
        "conv_ci_high", "median_iter", "median_ci_low", "median_ci_high", "q25_iter",
        "q75_iter", "ert", "all_converged", "mean_iter",
    ],
    "best": [
        "objective", "objective_type", "kappa", "dim", "method", "alpha", "alpha_L", "beta",
        "runs", "median_iter", "median_ci_low", "median_ci_high", "q25_iter", "q75_iter", "ert",
        "n_good_alpha", "good_alpha_L_min", "good_alpha_L_max", "good_alpha_decades",
        "theory_alpha_L", "theory_beta", "theory_iterations", "n_cells",
        "n_all_converged_cells",
    ],
    "comparisons": [
        "objective", "kappa", "method", "baseline", "baseline_alpha_L", "alpha_L", "beta",
        "n_pairs", "baseline_median_iter", "median_iter", "speedup", "speedup_ci_low",
        "speedup_ci_high", "wilcoxon_p", "holm_p", "significant",
    ],
    "slopes": [
        "objective", "objective_type", "method", "n_kappas", "kappa_min", "kappa_max", "slope",
        "slope_ci_low", "slope_ci_high", "intercept", "theory_slope", "theory_applies",
    ],
    "status_counts": [
        "objective", "kappa", "method", "runs", "converged", "diverged", "max_iter_runs",
    ],
}  # fmt: skip


# --------------------------------------------------------------------------------------------
# Small helpers


def _fl(x) -> float | None:
    """A plain float, or None for None / NaN / inf."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _count(x) -> int | float | None:
    """An iteration count as a plain int when integral (float otherwise), None when not finite."""
    x = _fl(x)
    if x is None:
        return None
    return int(x) if x.is_integer() else x


def _rank(n: int, p: float) -> int:
    """1-based rank of the p-quantile: the smallest k with k / n >= p."""
    return min(n, max(1, math.ceil(p * n - _EPS)))


# --------------------------------------------------------------------------------------------
# Iteration quantiles under censoring


def censored_quantile(values, p: float, axis: int = -1):
    """The p-quantile of samples in which non-converged runs are +inf (vectorised along axis).

    This is the Kaplan-Meier p-quantile (smallest t with F(t) >= p) when every censoring time is
    at or after every event time, as with censoring at the budget: F(t) is then the fraction of
    runs converged by t, so the quantile is the ceil(p n)-th order statistic (+inf = beyond).
    """
    x = np.asarray(values, dtype=float)
    k = _rank(x.shape[axis], p)
    return np.take(np.partition(x, k - 1, axis=axis), k - 1, axis=axis)


def _median_stat(x, axis=-1):
    return censored_quantile(x, 0.5, axis=axis)


def _ratio_stat(x, y, axis=-1):
    return censored_quantile(x, 0.5, axis=axis) / censored_quantile(y, 0.5, axis=axis)


def km_quantiles(iterations, converged, budget: float, ps: Sequence[float] = (0.25, 0.5, 0.75)):
    """Kaplan-Meier quantiles of the convergence iteration through ``scipy.stats.ecdf``.

    Non-converged runs are right-censored at ``budget``. Returns one value per p: the smallest
    t with F(t) >= p, or None when the curve never reaches p (beyond the budget).
    """
    it = np.asarray(iterations, dtype=float)
    conv = np.asarray(converged, dtype=bool)
    data = st.CensoredData(uncensored=it[conv], right=np.full(int((~conv).sum()), float(budget)))
    cdf = st.ecdf(data).cdf
    out = []
    for p in ps:
        hit = np.nonzero(cdf.probabilities >= p - _EPS)[0]
        out.append(_count(cdf.quantiles[hit[0]]) if hit.size else None)
    return out


# --------------------------------------------------------------------------------------------
# Intervals and tests

_binom_cache: dict[tuple[int, int, float], tuple[float, float]] = {}


def binomial_ci(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of k successes out of n (scipy.stats.binomtest)."""
    key = (int(k), int(n), float(confidence))
    if key not in _binom_cache:
        ci = st.binomtest(key[0], key[1]).proportion_ci(confidence, method="wilson")
        _binom_cache[key] = (float(ci.low), float(ci.high))
    return _binom_cache[key]


def ert(iterations, converged) -> float | None:
    """COCO expected running time: total iterations of all runs / number converged."""
    it = np.asarray(iterations, dtype=float)
    n = int(np.count_nonzero(converged))
    return float(it.sum() / n) if n else None


def _bounds(ci, top: float) -> tuple[float | None, float | None]:
    """Interval bounds as floats; a bound above ``top`` touched the sentinel: empty."""
    return tuple(None if not (b <= top) else float(b) for b in (ci.low, ci.high))


def median_ci(
    values, *, confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0
) -> tuple[float | None, float | None]:
    """Percentile-bootstrap interval of the censored median; ``values`` has +inf = censored.

    One run: (None, None). All values equal: the degenerate interval (value, value), empty if
    the value is +inf. A bound beyond the budget (in the fraction of resamples in which fewer
    than half the runs converged) is None.
    """
    x = np.asarray(values, dtype=float)
    if x.size < 2:
        return None, None
    if np.all(x == x[0]):
        v = _fl(x[0])
        return v, v
    finite = x[np.isfinite(x)]
    res = st.bootstrap(
        (np.where(np.isfinite(x), x, _SENTINEL),),
        _median_stat,
        n_resamples=n_resamples,
        vectorized=True,
        method="percentile",
        confidence_level=confidence,
        rng=np.random.default_rng(seed),
    )
    return _bounds(res.confidence_interval, float(finite.max()))


def paired_speedup(
    baseline, other, *, confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0
) -> tuple[float | None, float | None, float | None]:
    """(speedup, low, high): median(baseline) / median(other) and its paired bootstrap interval.

    Medians are the ceil(n/2)-th order statistic, as in cells.median_iter. Pairs are resampled
    together. Fewer than 2 pairs: no interval; no pair varies: the degenerate interval.
    """
    x = np.asarray(baseline, dtype=float)
    y = np.asarray(other, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired samples differ in length: {x.size} != {y.size}")
    if x.size == 0:
        return None, None, None
    s = _fl(_ratio_stat(x, y))
    if x.size < 2:
        return s, None, None
    if np.all(x == x[0]) and np.all(y == y[0]):
        return s, s, s
    res = st.bootstrap(
        (x, y),
        _ratio_stat,
        n_resamples=n_resamples,
        vectorized=True,
        paired=True,
        method="percentile",
        confidence_level=confidence,
        rng=np.random.default_rng(seed),
    )
    lo, hi = _bounds(res.confidence_interval, math.inf)
    return s, lo, hi


def wilcoxon_p(baseline, other) -> float | None:
    """Two-sided Wilcoxon signed-rank p of log(baseline) - log(other); None below 2 pairs."""
    x = np.asarray(baseline, dtype=float)
    y = np.asarray(other, dtype=float)
    if x.size < 2:
        return None
    # iteration counts are >= 1 (the engine takes at least one step); clip to keep logs finite
    d = np.log(np.maximum(x, 1.0)) - np.log(np.maximum(y, 1.0))
    if np.all(d == 0):
        return 1.0
    with warnings.catch_warnings():
        # the normal approximation with few non-zero differences warns; p is still defined
        warnings.simplefilter("ignore", UserWarning)
        p = st.wilcoxon(d, alternative="two-sided").pvalue
    return _fl(min(1.0, float(p)))


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the order given.

    Sorted ascending, p_(i) becomes max_{j <= i} min(1, (m - j + 1) p_(j)).
    """
    p = np.asarray(pvalues, dtype=float)
    m = p.size
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj
    return [float(v) for v in out]


def theil_sen(x, y, confidence: float = 0.95) -> dict:
    """Theil-Sen fit of y on x: slope, its interval at ``confidence``, and the intercept."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size < 2:
        return {"slope": None, "slope_ci_low": None, "slope_ci_high": None, "intercept": None}
    res = st.theilslopes(y, x, alpha=confidence)
    return {
        "slope": _fl(res.slope),
        "slope_ci_low": _fl(res.low_slope),
        "slope_ci_high": _fl(res.high_slope),
        "intercept": _fl(res.intercept),
    }


# --------------------------------------------------------------------------------------------
# Best tuning


def _best_key(cell: dict):
    return (cell["median_iter"], cell["mean_iter"], cell["alpha_L"], cell["beta"], cell["alpha"])


def select_best(cells: Iterable[dict]) -> dict | None:
    """The best cell: among fully converged cells the smallest median_iter, then mean_iter,
    then alpha_L, then beta. None when no cell converged on every run."""
    candidates = [c for c in cells if c["all_converged"]]
    return min(candidates, key=_best_key) if candidates else None


def good_alpha_range(cells: Iterable[dict], best_median: float, good_factor: float = 2.0) -> dict:
    """Step sizes whose best cell over beta fully converged within good_factor of the best."""
    by_alpha: dict[float, list[dict]] = {}
    for c in cells:
        by_alpha.setdefault(c["alpha"], []).append(c)
    good = []
    for alpha in sorted(by_alpha):
        b = select_best(by_alpha[alpha])
        if b is not None and b["median_iter"] <= good_factor * best_median:
            good.append(b["alpha_L"])
    if not good:
        return {
            "n_good_alpha": 0,
            "good_alpha_L_min": None,
            "good_alpha_L_max": None,
            "good_alpha_decades": None,
        }
    lo, hi = min(good), max(good)
    return {
        "n_good_alpha": len(good),
        "good_alpha_L_min": float(lo),
        "good_alpha_L_max": float(hi),
        "good_alpha_decades": float(math.log10(hi / lo)) if len(good) > 1 else 0.0,
    }


def _theory(method: str, mu, L, tol) -> dict:
    none = {"theory_alpha_L": None, "theory_beta": None, "theory_iterations": None}
    try:
        t = theory.optimal(method, float(mu), float(L))
    except (ConfigError, TypeError, ValueError):
        return none
    return {
        "theory_alpha_L": _fl(t.alpha * float(L)),
        "theory_beta": _fl(t.beta),
        "theory_iterations": _fl(t.iterations(float(tol))),
    }


# --------------------------------------------------------------------------------------------
# Input


def _normalise(rows: Iterable[dict]) -> list[dict]:
    out = []
    for i, r in enumerate(rows):
        missing = [c for c in REQUIRED_INPUT if c not in r]
        if missing:
            raise ValueError(f"simulation row {i} lacks columns {missing}")
        if r["status"] not in STATUSES:
            raise ValueError(f"simulation row {i}: status {r['status']!r} not in {STATUSES}")
        out.append(
            {
                "objective": str(r["objective"]),
                "objective_type": str(r["objective_type"]),
                "kappa": float(r["kappa"]),
                "dim": int(r["dim"]),
                "mu": float(r["mu"]),
                "L": float(r["L"]),
                "method": str(r["method"]),
                "alpha": float(r["alpha"]),
                "alpha_L": float(r["alpha_L"]),
                "beta": float(r["beta"] or 0.0),
                "seed": int(r["seed"]),
                "status": r["status"],
                "iterations": int(r["iterations"]),
                "tol": float(r["tol"]),
                "max_iter": int(r["max_iter"]),
            }
        )
    return out


def _sort_key(row: dict) -> tuple:
    """(objective, kappa, method, alpha, beta), empty alpha/beta first."""
    a, b = row.get("alpha"), row.get("beta")
    return (
        row["objective"],
        row["kappa"],
        row["method"],
        a is not None,
        a or 0.0,
        b is not None,
        b or 0.0,
    )


# --------------------------------------------------------------------------------------------
# The tables


def _cell(key, runs: list[dict], confidence: float, n_resamples: int) -> tuple[dict, dict]:
    objective, kappa, method, alpha, beta = key
    first = runs[0]
    its = np.array([r["iterations"] for r in runs], dtype=float)
    conv = np.array([r["status"] == CONVERGED for r in runs], dtype=bool)
    budget = max(r["max_iter"] for r in runs)
    n = len(runs)
    nconv = int(conv.sum())
    lo, hi = binomial_ci(nconv, n, confidence)
    q25, med, q75 = km_quantiles(its, conv, budget)
    mlo, mhi = median_ci(
        np.where(conv, its, math.inf),
        confidence=confidence,
        n_resamples=n_resamples,
        seed=derive_key("bootstrap", objective, kappa, method, alpha, beta),
    )
    row = {
        "objective": objective,
        "objective_type": first["objective_type"],
        "kappa": kappa,
        "dim": first["dim"],
        "method": method,
        "alpha": alpha,
        "alpha_L": first["alpha_L"],
        "beta": beta,
        "runs": n,
        "converged": nconv,
        "diverged": sum(r["status"] == DIVERGED for r in runs),
        "max_iter_runs": sum(r["status"] == MAX_ITER for r in runs),
        "conv_frac": nconv / n,
        "conv_ci_low": lo,
        "conv_ci_high": hi,
        "median_iter": med,
        "median_ci_low": mlo,
        "median_ci_high": mhi,
        "q25_iter": q25,
        "q75_iter": q75,
        "ert": ert(its, conv),
        "all_converged": nconv == n,
        "mean_iter": float(its.mean()) if nconv == n else None,
    }
    extra = {
        "mu": first["mu"],
        "L": first["L"],
        "tol": first["tol"],
        "iters_by_seed": {r["seed"]: r["iterations"] for r in runs},
    }
    return row, extra


def _pick(row: dict, table: str) -> dict:
    return {c: row.get(c) for c in COLUMNS[table]}


def summarise(
    sim_rows: list[dict],
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    slope_min_kappa: float = 10.0,
    good_factor: float = 2.0,
) -> dict[str, list[dict]]:
    """All summary tables of a study from its simulation rows; see :data:`COLUMN_DOCS`.

    Returns ``{"cells", "best", "comparisons", "slopes", "status_counts"}``, each a list of
    dicts with the keys of :data:`COLUMNS` (None = empty), sorted by objective, kappa, method,
    alpha, beta. The result is a pure function of the input rows and arguments.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples!r}")
    rows = _normalise(sim_rows)

    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        key = (r["objective"], r["kappa"], r["method"], r["alpha"], r["beta"])
        groups.setdefault(key, []).append(r)

    cells, extras = [], {}
    for key in sorted(groups):
        runs = sorted(groups[key], key=lambda r: r["seed"])
        seeds = [r["seed"] for r in runs]
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"duplicate seeds in cell {key}: {seeds}")
        row, extra = _cell(key, runs, confidence, n_resamples)
        cells.append(row)
        extras[key] = extra

    # per (objective, kappa, method)
    by_okm: dict[tuple, list[dict]] = {}
    for c in cells:
        by_okm.setdefault((c["objective"], c["kappa"], c["method"]), []).append(c)

    best, best_cell, status_counts = [], {}, []
    for okm in sorted(by_okm):
        group = by_okm[okm]
        first = group[0]
        b = select_best(group)
        row = {k: first[k] for k in ("objective", "objective_type", "kappa", "dim", "method")}
        copied = ["alpha", "alpha_L", "beta", "runs", "median_iter", "median_ci_low"]
        copied += ["median_ci_high", "q25_iter", "q75_iter", "ert"]
        row.update({k: (b[k] if b is not None else None) for k in copied})
        if b is not None:
            row.update(good_alpha_range(group, b["median_iter"], good_factor))
            best_cell[okm] = b
        else:
            row.update(good_alpha_range([], math.inf, good_factor))
        ex = extras[_cell_key(first)]
        if first["objective_type"] == "quadratic":
            row.update(_theory(first["method"], ex["mu"], ex["L"], ex["tol"]))
        else:
            row.update({"theory_alpha_L": None, "theory_beta": None, "theory_iterations": None})
        row["n_cells"] = len(group)
        row["n_all_converged_cells"] = sum(c["all_converged"] for c in group)
        best.append(_pick(row, "best"))
        status_counts.append(
            {
                "objective": okm[0],
                "kappa": okm[1],
                "method": okm[2],
                "runs": sum(c["runs"] for c in group),
                "converged": sum(c["converged"] for c in group),
                "diverged": sum(c["diverged"] for c in group),
                "max_iter_runs": sum(c["max_iter_runs"] for c in group),
            }
        )

    comparisons = _comparisons(best_cell, extras, confidence, n_resamples)
    slopes = _slopes(best, confidence, slope_min_kappa)

    tables = {
        "cells": [_pick(c, "cells") for c in cells],
        "best": best,
        "comparisons": comparisons,
        "slopes": slopes,
        "status_counts": [_pick(r, "status_counts") for r in status_counts],
    }
    for name in ("cells", "best", "comparisons", "status_counts"):
        tables[name].sort(key=_sort_key)
    tables["slopes"].sort(key=lambda r: (r["objective"], r["method"]))
    return tables


def _cell_key(c: dict) -> tuple:
    return (c["objective"], c["kappa"], c["method"], c["alpha"], c["beta"])


def _comparisons(best_cell: dict, extras: dict, confidence: float, n_resamples: int) -> list:
    out = []
    for (objective, kappa, method), b in sorted(best_cell.items()):
        if method not in MOMENTUM_FAMILY:
            continue
        g = best_cell.get((objective, kappa, BASELINE))
        if g is None:
            continue
        gi = extras[_cell_key(g)]["iters_by_seed"]
        mi = extras[_cell_key(b)]["iters_by_seed"]
        seeds = sorted(set(gi) & set(mi))
        x = [gi[s] for s in seeds]
        y = [mi[s] for s in seeds]
        s, lo, hi = paired_speedup(
            x,
            y,
            confidence=confidence,
            n_resamples=n_resamples,
            seed=derive_key("bootstrap-speedup", objective, kappa, method, BASELINE),
        )
        out.append(
            {
                "objective": objective,
                "kappa": kappa,
                "method": method,
                "baseline": BASELINE,
                "baseline_alpha_L": g["alpha_L"],
                "alpha_L": b["alpha_L"],
                "beta": b["beta"],
                "n_pairs": len(seeds),
                "baseline_median_iter": _count(_median_stat(np.array(x, float))) if x else None,
                "median_iter": _count(_median_stat(np.array(y, float))) if y else None,
                "speedup": s,
                "speedup_ci_low": lo,
                "speedup_ci_high": hi,
                "wilcoxon_p": wilcoxon_p(x, y),
                "holm_p": None,
                "significant": None,
            }
        )
    with_p = [r for r in out if r["wilcoxon_p"] is not None]
    for r, p in zip(with_p, holm([r["wilcoxon_p"] for r in with_p]), strict=True):
        r["holm_p"] = p
        r["significant"] = bool(p < 1 - confidence)
    return [_pick(r, "comparisons") for r in out]


def _slopes(best: list[dict], confidence: float, slope_min_kappa: float) -> list[dict]:
    by_om: dict[tuple, list[dict]] = {}
    for r in best:
        by_om.setdefault((r["objective"], r["method"]), []).append(r)
    out = []
    for (objective, method), group in sorted(by_om.items()):
        use = sorted(
            (r for r in group if r["kappa"] >= slope_min_kappa and (r["median_iter"] or 0) > 0),
            key=lambda r: r["kappa"],
        )
        fit = theil_sen(
            [math.log10(r["kappa"]) for r in use],
            [math.log10(r["median_iter"]) for r in use],
            confidence,
        )
        otype = group[0]["objective_type"]
        out.append(
            {
                "objective": objective,
                "objective_type": otype,
                "method": method,
                "n_kappas": len(use),
                "kappa_min": use[0]["kappa"] if use else None,
                "kappa_max": use[-1]["kappa"] if use else None,
                **fit,
                "theory_slope": float(theory.kappa_slope(method)),
                "theory_applies": otype == "quadratic",
            }
        )
    return [_pick(r, "slopes") for r in out]
