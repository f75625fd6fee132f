"""Summary statistics of a study: from one row per simulation to the tables the report reads.

The single entry point is :func:`summarise`; it takes the rows of ``simulations.csv`` (lists of
dicts, as :func:`momentumlab.tables.read_csv` returns them) and returns the tables ``cells``,
``best``, ``comparisons``, ``slopes``, ``noise`` and ``status_counts``, whose columns (order,
types, descriptions) are defined in :mod:`momentumlab.catalogue` (views: :data:`COLUMNS`,
:data:`COLUMN_DOCS`; docs/tables.md is generated from it).

Rules, in short (docs/tables.md has the long form):

- Censoring. A run that did not converge (``diverged`` or ``max_iter``) is right-censored at the
  budget ``max_iter``. Iteration quantiles are Kaplan-Meier quantiles: with censoring at the
  budget, the p-quantile is the ceil(p n)-th order statistic of the sample with non-converged
  runs set to +inf (:func:`censored_quantile`); +inf is "beyond the budget" (empty).
- Intervals that cover. The median's interval is the distribution-free order-statistic
  interval [x(l), x(n+1-l)] with the largest l whose binomial coverage is >= ``confidence``
  (:func:`order_statistic_ranks`); a +inf order statistic is an empty bound; too few runs for
  any such interval: empty. conv_frac has the exact (Clopper-Pearson) interval.
- Cross-fitted tuning. Seeds are split into ``folds`` folds by ``seed % folds``. For each fold,
  the best tuning is selected on the seeds of the *other* folds (rule below) and each seed of
  the fold is measured at that tuning: its *held-out* iteration count. Medians, speedups,
  slopes and paired tests are computed from held-out counts, so a selection is never evaluated
  on the seeds it was selected on. In-sample numbers stay as ``*_in_sample`` columns. With
  adaptive refinement (``search``, :mod:`momentumlab.refine`) fold g's tuning is selected among
  the coarse cells and the cells of chain g only, the chain that never saw fold g's seeds.
- Selection rule (in-sample and per fold): among the cells in which every (training) run
  converged, the smallest median, then the smallest mean iterations, then the smallest step in
  heavy ball's form (alpha_L, or alpha_L (1 - beta) for EMA momentum: :meth:`momentumlab.methods.
  Method.step`, so that EMA momentum and heavy ball, one algorithm, choose alike), then the
  smallest beta. No eligible cell: the held-out runs count as not converged.
- Speedup: the median over paired seeds of (gd held-out / method held-out), a non-converged gd
  run counted at the budget and a non-converged method run as ratio 0, so that a comparison
  with censored runs gives a lower bound (``speedup_lower_bound``, words "at least"). Its
  interval is the hull of the order-statistic interval of the held-out ratios and the
  percentile interval of a seed bootstrap (seeds resampled within folds, the same resample for
  every method and kappa of an objective) with the cross-fitted selection redone inside every
  resample, so it carries the selection's variability. The slope's interval is that bootstrap's
  percentile interval (widened to hold the slope); fewer than 3 kappas: no interval.
- Degenerate cells are named: every pair tied is a ``tie`` (kappa = 1 on a quadratic: one GD
  step at alpha = 1/L), a best momentum cell with beta = 0 is gd (``note``), an interval that
  contains 1 is "no detectable difference".
- Noise. For stochastic objectives the gap reached at the last iteration is summarised
  (``final_gap_*``: the noise floor), and each momentum cell is compared with the gd cell of
  the same effective step (alpha / (1 - beta); EMA form: alpha) in table ``noise``, with
  intervals simultaneous over the objective's rows (Bonferroni).

Every random number comes from a generator seeded by :func:`momentumlab.rng.derive_key` of the
objective, so the tables are identical from run to run. Nothing here imports snakemake.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import stats as st

from . import catalogue, theory
from .engine import CONVERGED, DIVERGED, MAX_ITER, STATUSES
from .errors import ConfigError
from .methods import BASELINE, METHODS, momentum_family
from .objectives import quadratic_theory
from .rng import derive_key
from .tables import number

# traces whose beta = 0 is gd (the note on such cells; the noise table's effective step)
MOMENTUM_FAMILY = momentum_family()

# Stands in for +inf in bootstrap quantiles (interpolating inf - inf gives NaN); a bound that
# touches it is beyond every observed value and is reported as empty.
_SENTINEL = 1e300
# Floating slack when comparing a probability with p.
_EPS = 1e-9

# The columns and their documentation live in the table catalogue; these are its views.
INPUT_COLUMNS = catalogue.columns("simulations")
REQUIRED_INPUT = [
    c for c in INPUT_COLUMNS if c not in ("stochastic", "first_hit", "final_gap", "diverged_at")
]
INPUT_DOCS: dict[str, str] = catalogue.docs("simulations")
COLUMNS: dict[str, list[str]] = {name: catalogue.columns(name) for name in catalogue.STATS_TABLES}
COLUMN_DOCS: dict[str, dict[str, str]] = {
    name: catalogue.docs(name) for name in catalogue.STATS_TABLES
}


# --------------------------------------------------------------------------------------------
# Small helpers


def _count(x) -> int | float | None:
    """An iteration count as a plain int when integral (float otherwise), None when not finite."""
    x = number(x)
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
    return np.take(np.sort(x, axis=axis), k - 1, axis=axis)  # faster than partition here


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


@functools.cache
def order_statistic_ranks(n: int, confidence: float = 0.95) -> tuple[int, int] | None:
    """1-based ranks (l, n + 1 - l) of the distribution-free interval of a median.

    l is the largest rank with P(l <= B <= n - l) >= confidence, B ~ Binomial(n, 1/2): for
    any distribution the interval [x(l), x(n + 1 - l)] then covers the median (the smallest t
    with F(t) >= 1/2) with probability >= confidence (ties only add coverage). None when even
    [x(1), x(n)] falls short (n < 6 at 0.95).
    """
    if n < 1:
        return None
    cdf = st.binom.cdf(np.arange(n + 1), n, 0.5)
    best = None
    for low in range(1, (n + 1) // 2 + 1):
        if 1.0 - 2.0 * cdf[low - 1] >= confidence - _EPS:
            best = (low, n + 1 - low)
        else:
            break
    return best


def order_statistic_bounds(values, confidence: float = 0.95):
    """Order-statistic interval of the median along the last axis: (low, high) arrays.

    +inf values give +inf bounds (beyond); NaN bounds when the sample is too small.
    """
    x = np.sort(np.asarray(values, dtype=float), axis=-1)
    ranks = order_statistic_ranks(x.shape[-1], confidence)
    if ranks is None:
        nan = np.full(x.shape[:-1], np.nan)
        return nan, nan
    return x[..., ranks[0] - 1], x[..., ranks[1] - 1]


def order_statistic_ci(values, confidence: float = 0.95) -> tuple[float | None, float | None]:
    """Order-statistic interval of the median of ``values`` (+inf = beyond: an empty bound)."""
    lo, hi = order_statistic_bounds(values, confidence)
    return number(lo), number(hi)


def median_ci(values, *, confidence: float = 0.95) -> tuple[float | None, float | None]:
    """Interval of the censored median; ``values`` has +inf = not converged."""
    lo, hi = order_statistic_ci(values, confidence)
    return _count(lo), _count(hi)


_binom_cache: dict[tuple[int, int, float], tuple[float, float]] = {}


def binomial_ci(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval of k successes out of n (scipy.stats.binomtest)."""
    key = (int(k), int(n), float(confidence))
    if key not in _binom_cache:
        ci = st.binomtest(key[0], key[1]).proportion_ci(confidence, method="exact")
        _binom_cache[key] = (float(ci.low), float(ci.high))
    return _binom_cache[key]


def ert(iterations, converged) -> float | None:
    """COCO expected running time: total iterations of all runs / number converged."""
    it = np.asarray(iterations, dtype=float)
    n = int(np.count_nonzero(converged))
    return float(it.sum() / n) if n else None


def percentile_bounds(stat, confidence: float = 0.95):
    """Percentile interval of bootstrap statistics along the last axis: (low, high) arrays.

    Non-finite statistics count as beyond every finite one; a bound among them is +inf.
    """
    s = np.asarray(stat, dtype=float)
    s = np.where(np.isfinite(s), s, _SENTINEL)
    a = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(s, [a, 1.0 - a], axis=-1)
    return np.where(lo >= _SENTINEL / 10, np.inf, lo), np.where(hi >= _SENTINEL / 10, np.inf, hi)


def paired_ratios(baseline, other, budget: float):
    """Per pair baseline / other with censoring made one-sided (vectorised).

    +inf = not converged. A non-converged baseline counts at ``budget`` and a non-converged
    ``other`` as ratio 0, so every ratio is at most its true value; counts below 1 are 1.
    """
    x = np.maximum(np.minimum(np.asarray(baseline, dtype=float), budget), 1.0)
    y = np.maximum(np.asarray(other, dtype=float), 1.0)
    return x / y


def speedup_bounds(gd, other, gd_boot, other_boot, budget: float, confidence: float = 0.95):
    """Interval of the median held-out ratio gd / other (vectorised over leading axes).

    ``gd``, ``other`` (..., n) held-out iterations (+inf = not converged); ``*_boot`` (..., B, n)
    the same from every seed resample, selection redone inside. The interval is the hull of the
    order-statistic interval of the ratios (exact given the selections) and the bootstrap
    percentile interval (which carries the selections' variability). NaN = empty: too few pairs
    for either bound, and no upper bound when a run is censored (the ratios are lower bounds).
    """
    os_lo, os_hi = order_statistic_bounds(paired_ratios(gd, other, budget), confidence)
    boot = censored_quantile(paired_ratios(gd_boot, other_boot, budget), 0.5)
    b_lo, b_hi = percentile_bounds(boot, confidence)
    censored = ~(np.all(np.isfinite(gd), axis=-1) & np.all(np.isfinite(other), axis=-1))
    return np.minimum(os_lo, b_lo), np.where(censored, np.nan, np.maximum(os_hi, b_hi))


def slope_bounds(log_kappas, medians_boot, confidence: float = 0.95):
    """Percentile interval of the Theil-Sen slope of log10(median) on ``log_kappas`` over the
    seed resamples ``medians_boot`` (..., B, kappas); a median beyond the budget in a resample
    counts as beyond. NaN (empty) with fewer than 3 kappas."""
    M = np.asarray(medians_boot, dtype=float)
    if np.asarray(log_kappas).size < 3:
        nan = np.full(M.shape[:-2], np.nan)
        return nan, nan
    with np.errstate(divide="ignore"):
        return percentile_bounds(theil_sen_slopes(log_kappas, np.log10(M)), confidence)


def paired_speedup(
    baseline, other, *, budget: float = math.inf, confidence: float = 0.95
) -> tuple[float | None, float | None, float | None]:
    """(speedup, low, high): median of paired ratios and its order-statistic interval.

    No selection here (see :func:`summarise` for the cross-fitted version). With censored runs
    the upper bound is empty.
    """
    x = np.asarray(baseline, dtype=float)
    y = np.asarray(other, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired samples differ in length: {x.size} != {y.size}")
    if x.size == 0:
        return None, None, None
    r = paired_ratios(x, y, budget)
    lo, hi = order_statistic_ci(r, confidence)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        hi = None
    return number(censored_quantile(r, 0.5)), lo, hi


_EXACT_PAIRS = 16  # up to this many non-zero differences the signed-rank p is enumerated


def wilcoxon_p(baseline, other) -> float | None:
    """Two-sided Wilcoxon signed-rank p of log(baseline) - log(other); None below 2 pairs.

    Zero differences are dropped. Up to 16 non-zero differences the p-value is exact: the
    signed-rank sum (mid-ranks for ties) is compared with all 2^n sign flips; above that the
    normal approximation with tie correction (scipy).
    """
    x = np.asarray(baseline, dtype=float)
    y = np.asarray(other, dtype=float)
    if x.size < 2:
        return None
    # iteration counts are >= 0 and censored ones are clipped by the caller; keep logs finite
    d = np.log(np.maximum(x, 1.0)) - np.log(np.maximum(y, 1.0))
    d = np.round(d, 12)  # equal ratios (20/10, 40/20) are ties, whatever the last bits say
    d = d[d != 0]
    if d.size == 0:
        return 1.0
    if d.size > _EXACT_PAIRS:
        return number(min(1.0, float(st.wilcoxon(d, method="approx").pvalue)))
    ranks = st.rankdata(np.abs(d))
    flips = (np.arange(2**d.size)[:, None] >> np.arange(d.size)) & 1
    centre = ranks.sum() / 2.0
    dev = np.abs(flips @ ranks - centre)
    return float(np.mean(dev >= abs(ranks[d > 0].sum() - centre) - _EPS))


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


def theil_sen(x, y) -> dict:
    """Theil-Sen fit of y on x: slope and intercept (scipy.stats.theilslopes)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size < 2:
        return {"slope": None, "intercept": None}
    res = st.theilslopes(y, x)
    return {"slope": number(res.slope), "intercept": number(res.intercept)}


def theil_sen_slopes(x, Y):
    """Theil-Sen slopes of each row of Y against x (vectorised; NaN where a row is not finite)."""
    x = np.asarray(x, dtype=float)
    Y = np.asarray(Y, dtype=float)
    i, j = np.triu_indices(x.size, 1)
    keep = x[j] != x[i]
    i, j = i[keep], j[keep]
    with np.errstate(invalid="ignore"):
        s = np.median((Y[..., j] - Y[..., i]) / (x[j] - x[i]), axis=-1)
    return np.where(np.all(np.isfinite(Y), axis=-1), s, np.nan)


# --------------------------------------------------------------------------------------------
# Best tuning


def tie_key(method: str, alpha_L: float, beta: float, alpha: float) -> tuple:
    """How tunings equal in median and mean iterations are ordered (the smallest wins): the step
    in heavy ball's form (:meth:`momentumlab.methods.Method.step`, in units of 1/L), then beta,
    then alpha. The step is rounded to 12 significant digits: EMA momentum's alpha_L (1 - beta)
    equals heavy ball's alpha_L up to the last bits."""
    step = METHODS[method].step(alpha_L, beta) if method in METHODS else float(alpha_L)
    return (float(f"{step:.12g}"), float(beta), float(alpha))


def tie_ranks(keys: Sequence[tuple]) -> np.ndarray:
    """The rank of each :func:`tie_key` among ``keys`` (0 = preferred): select_columns' ranks."""
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    ranks = np.empty(len(keys), dtype=int)
    ranks[order] = np.arange(len(keys))
    return ranks


def _best_key(cell: dict):
    ties = tie_key(cell["method"], cell["alpha_L"], cell["beta"], cell["alpha"])
    return (cell["median_iter"], cell["mean_iter"], *ties)


def select_best(cells: Iterable[dict]) -> dict | None:
    """The best cell: among fully converged cells the smallest median_iter, then mean_iter,
    then :func:`tie_key` (the step in heavy ball's form, then beta). None when no cell
    converged on every run."""
    candidates = [c for c in cells if c["all_converged"]]
    return min(candidates, key=_best_key) if candidates else None


def select_columns(Xb, train, allowed=None, ranks=None) -> np.ndarray:
    """:func:`select_best` on the training columns of each resample, vectorised.

    ``Xb`` is (..., cells, B, n) iterations with +inf = not converged; ``train`` the column
    indices to select on; ``allowed`` (cells,) which cells may be selected (None: all);
    ``ranks`` (cells,) the cells' :func:`tie_ranks` (None: their order). Returns (..., B) cell
    indices, -1 when no allowed cell converged on every training run.
    """
    T = Xb[..., train]
    ok = np.all(np.isfinite(T), axis=-1)
    if allowed is not None:
        ok = ok & np.asarray(allowed, dtype=bool)[:, None]
    med = censored_quantile(T, 0.5)
    mean = T.mean(axis=-1)
    k1 = np.where(ok, med, np.inf)
    c1 = ok & (k1 == k1.min(axis=-2, keepdims=True))
    k2 = np.where(c1, mean, np.inf)
    c2 = c1 & (k2 == k2.min(axis=-2, keepdims=True))
    if ranks is None:
        first = np.argmax(c2, axis=-2)
    else:
        r = np.asarray(ranks)[:, None]  # (cells, 1) against (..., cells, B)
        first = np.argmin(np.where(c2, r, np.iinfo(np.int64).max), axis=-2)
    return np.where(ok.any(axis=-2), first, -1)


def cross_fit(X, idx, folds_of_columns, allowed=None, ranks=None) -> tuple[np.ndarray, np.ndarray]:
    """Held-out iterations: each column measured at the cell selected on the other folds.

    ``X`` (..., cells, n) per-seed iterations (+inf = not converged); ``idx`` (B, n) resampled
    seed positions whose column j belongs to fold ``folds_of_columns[j]`` (resampling within
    folds keeps that fixed). ``allowed`` (folds, cells), in the order of the distinct folds:
    the cells each fold's selection may choose from (its refinement chain's; None: all);
    ``ranks`` the cells' :func:`tie_ranks`. Returns held-out (..., B, n) and the cell each fold
    selected (..., B, folds), -1 = none.
    When every column is in one fold (a single seed) there is nothing to hold out: the
    selection is in sample.
    """
    Xb = np.asarray(X, dtype=float)[..., idx]
    fc = np.asarray(folds_of_columns)
    folds = np.unique(fc)
    held = np.full(Xb.shape[:-3] + Xb.shape[-2:], np.inf)
    sel = np.full(Xb.shape[:-3] + (Xb.shape[-2], folds.size), -1)
    for i, f in enumerate(folds):
        test = np.nonzero(fc == f)[0]
        train = np.nonzero(fc != f)[0] if folds.size > 1 else test  # one fold: in sample
        s = select_columns(Xb, train, None if allowed is None else allowed[i], ranks)
        sel[..., i] = s
        got = np.take_along_axis(Xb[..., test], np.maximum(s, 0)[..., None, :, None], axis=-3)
        held[..., test] = np.where(s[..., None] >= 0, got[..., 0, :, :], np.inf)
    return held, sel


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
        "theory_alpha_L": number(t.alpha * float(L)),
        "theory_beta": number(t.beta),
        "theory_iterations": number(t.iterations(float(tol))),
    }


def effective_alpha_L(method: str, alpha_L: float, beta: float) -> float:
    """The step a method takes on a constant gradient, in units of 1/L: alpha_L / (1 - beta),
    or alpha_L for the EMA form (whose average of gradients already has unit weight)."""
    if METHODS[method].ema:
        return float(alpha_L)
    return float(alpha_L) / (1.0 - float(beta)) if beta < 1 else math.inf


# --------------------------------------------------------------------------------------------
# Input


def _bool(v) -> bool:
    return v in (True, 1, "true", "True", "1")


_CAST = {"str": str, "int": int, "float": float}
_INPUT = [c for c in catalogue.TABLES["simulations"] if c.name in REQUIRED_INPUT]


def _normalise(rows: Iterable[dict]) -> list[dict]:
    """The rows as summarise uses them: every required column cast to its catalogue type."""
    out = []
    for i, r in enumerate(rows):
        missing = [c for c in REQUIRED_INPUT if c not in r]
        if missing:
            raise ValueError(f"simulation row {i} lacks columns {missing}")
        if r["status"] not in STATUSES:
            raise ValueError(f"simulation row {i}: status {r['status']!r} not in {STATUSES}")
        row = {c.name: _CAST[c.type](r[c.name]) for c in _INPUT if c.name != "beta"}
        gap = r.get("final_gap")
        row["beta"] = float(r["beta"] or 0.0)  # gd rows may leave it empty
        row["final_gap"] = math.inf if gap in (None, "") else float(gap)
        row["stochastic"] = _bool(r.get("stochastic", False))
        out.append(row)
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


def _cell(key, runs: list[dict], confidence: float) -> dict:
    objective, kappa, method, alpha, beta = key
    first = runs[0]
    its = np.array([r["iterations"] for r in runs], dtype=float)
    conv = np.array([r["status"] == CONVERGED for r in runs], dtype=bool)
    budget = max(r["max_iter"] for r in runs)
    n = len(runs)
    nconv = int(conv.sum())
    lo, hi = binomial_ci(nconv, n, confidence)
    q25, med, q75 = km_quantiles(its, conv, budget)
    mlo, mhi = median_ci(np.where(conv, its, math.inf), confidence=confidence)
    gaps = {}
    if any(r["stochastic"] for r in runs):
        g = np.array([r["final_gap"] for r in runs], dtype=float)
        g = np.where(np.isnan(g), math.inf, g)
        gaps = {
            f"final_gap_{name}": number(censored_quantile(g, p))
            for name, p in (("q25", 0.25), ("median", 0.5), ("q75", 0.75))
        }
    return {
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
        **gaps,
    }


def _pick(row: dict, table: str) -> dict:
    return {c: row.get(c) for c in COLUMNS[table]}


class _Group:
    """The cells of one objective, kappa and method as arrays over the objective's seeds."""

    def __init__(self, cells: list[dict], runs: dict[tuple, list[dict]], seeds: list[int], search):
        self.cells = sorted(cells, key=lambda c: (c["alpha_L"], c["beta"], c["alpha"]))
        self.search = search  # which fold may choose which cell (momentumlab.refine)
        self.first = self.cells[0]
        self.ranks = tie_ranks(
            [tie_key(c["method"], c["alpha_L"], c["beta"], c["alpha"]) for c in self.cells]
        )
        col = {s: j for j, s in enumerate(seeds)}
        shape = (len(self.cells), len(seeds))
        self.X = np.full(shape, math.inf)  # iterations, +inf = not converged
        self.raw = np.zeros(shape)  # the recorded iterations (for ert)
        for i, c in enumerate(self.cells):
            for r in runs[_cell_key(c)]:
                j = col[r["seed"]]
                self.raw[i, j] = r["iterations"]
                if r["status"] == CONVERGED:
                    self.X[i, j] = r["iterations"]
        self.budget = float(max(r["max_iter"] for c in self.cells for r in runs[_cell_key(c)]))
        ex = runs[_cell_key(self.first)][0]
        self.mu, self.L, self.tol = ex["mu"], ex["L"], ex["tol"]
        self.stochastic = any(r["stochastic"] for c in self.cells for r in runs[_cell_key(c)])

    def allowed(self, folds) -> np.ndarray | None:
        """(folds, cells): the cells each fold's held-out selection may choose from."""
        return self.search.allowed(self.cells, folds)


class _Design:
    """An objective's seeds, their folds, and the seed resamples shared by all its groups."""

    def __init__(self, objective: str, seeds: list[int], folds: int, n_resamples: int):
        fold = np.array(seeds) % folds
        order = np.argsort(fold, kind="stable")
        self.seeds = [seeds[i] for i in order]  # grouped by fold
        self.fold = fold[order]
        n = len(seeds)
        self.point = np.arange(n)[None, :]
        g = np.random.default_rng(derive_key("seed-bootstrap", objective))
        cols = []
        for f in np.unique(self.fold):
            pos = np.nonzero(self.fold == f)[0]
            cols.append(pos[g.integers(0, pos.size, (n_resamples, pos.size))])
        self.boot = np.concatenate(cols, axis=1) if cols else np.zeros((n_resamples, 0), int)


_CHUNK = 4_000_000  # array elements per bootstrap chunk (cells x resamples x seeds)


def _held_out(group: _Group, design: _Design) -> dict:
    allowed = group.allowed(np.unique(design.fold))
    idx = np.concatenate([design.point, design.boot])  # resample 0: the seeds themselves
    step = max(1, _CHUNK // group.X.size)
    parts = [
        cross_fit(group.X, idx[i : i + step], design.fold, allowed, group.ranks)
        for i in range(0, len(idx), step)
    ]
    held = np.concatenate([p[0] for p in parts], axis=-2)
    sel = parts[0][1]
    h, boot = held[0], held[1:]
    raw = np.full(h.shape, group.budget)
    for i, f in enumerate(np.unique(design.fold)):
        s = sel[0, i]
        cols = design.fold == f
        if s >= 0:
            raw[cols] = group.raw[s, cols]
    return {"point": h, "boot": boot, "raw": raw, "sel": sel[0]}


def summarise(
    sim_rows: list[dict],
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    slope_min_kappa: float = 10.0,
    good_factor: float = 2.0,
    folds: int = 2,
    search: list[dict] | None = None,
    refine: dict | None = None,
    adjust: bool = True,
) -> dict[str, list[dict]]:
    """All summary tables of a study from its simulation rows; see :data:`COLUMN_DOCS`.

    Returns ``{"cells", "best", "comparisons", "slopes", "noise", "status_counts"}``, each a
    list of dicts with the keys of :data:`COLUMNS` (None = empty), sorted by objective, kappa,
    method, alpha, beta. The result is a pure function of the input rows and arguments.

    ``search``: the refinement's search table (:mod:`momentumlab.refine`): fold g's tuning is
    then chosen among the coarse points and chain g's points only (in-sample columns use
    every point); ``refine``: the refinement settings (``extend_factor``, ``alpha_unit``) the
    edge reasons are judged by. Without them every cell is round 0 and every fold's.

    Every table is a union of per-objective parts (each objective has its own seeds, folds,
    bootstrap resamples and Bonferroni family) but for the Holm adjustment of ``comparisons``,
    which spans the study. ``adjust=False`` leaves ``holm_p``, ``significant`` and ``finding``
    empty: the summary of one objective's rows, whose study-wide tables :func:`combine` makes.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples!r}")
    if int(folds) != folds or folds < 2:
        raise ValueError(f"folds must be an integer >= 2, got {folds!r}")
    rows = _normalise(sim_rows)

    runs: dict[tuple, list[dict]] = {}
    for r in rows:
        runs.setdefault(
            (r["objective"], r["kappa"], r["method"], r["alpha"], r["beta"]), []
        ).append(r)
    seeds_of: dict[str, set] = {}
    cells = []
    for key in sorted(runs):
        runs[key].sort(key=lambda r: r["seed"])
        seeds = [r["seed"] for r in runs[key]]
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"duplicate seeds in cell {key}: {seeds}")
        known = seeds_of.setdefault(key[0], set(seeds))
        if known != set(seeds):
            raise ValueError(
                f"cell {key} has seeds {sorted(seeds)}, other cells of objective {key[0]!r} "
                f"have {sorted(known)}: every cell of an objective needs the same seeds"
            )
        cells.append(_cell(key, runs[key], confidence))

    designs = {o: _Design(o, sorted(s), int(folds), n_resamples) for o, s in seeds_of.items()}
    by_okm: dict[tuple, list[dict]] = {}
    for c in cells:
        by_okm.setdefault((c["objective"], c["kappa"], c["method"]), []).append(c)
    from .refine import search_index

    index = search_index(search, refine, cells)
    for c in cells:
        c["round"] = index[_okm(c)].round_of(c)
    groups = {okm: _Group(g, runs, designs[okm[0]].seeds, index[okm]) for okm, g in by_okm.items()}
    held = {okm: _held_out(g, designs[okm[0]]) for okm, g in groups.items()}

    best, best_cell = [], {}
    for okm in sorted(groups):
        row, b = _best_row(groups[okm], held[okm], confidence, good_factor)
        best.append(row)
        best_cell[okm] = b

    tables = {
        "cells": [_pick(c, "cells") for c in cells],
        "best": best,
        "comparisons": _comparisons(groups, held, best_cell, confidence, adjust),
        "slopes": _slopes(groups, held, best, confidence, slope_min_kappa),
        "noise": _noise(groups, runs, confidence),
        "status_counts": [_status_counts(okm, groups[okm].cells) for okm in sorted(groups)],
    }
    _sort_tables(tables)
    return tables


def combine(parts: Iterable[dict[str, list[dict]]], confidence: float = 0.95) -> dict:
    """The study's tables from the per-objective summaries :func:`summarise` (``adjust=False``)
    made of each objective's rows: their rows in the study's order, and the Holm adjustment
    over every comparison of the study (the one cross-objective step). Equal to
    :func:`summarise` of all the rows at once (``tests/test_incremental.py``)."""
    parts = list(parts)
    tables = {name: [r for p in parts for r in p[name]] for name in COLUMNS}
    _sort_tables(tables)
    adjust_comparisons(tables["comparisons"], confidence)
    return tables


def _sort_tables(tables: dict) -> None:
    for name in ("cells", "best", "comparisons", "noise", "status_counts"):
        tables[name].sort(key=_sort_key)
    tables["slopes"].sort(key=lambda r: (r["objective"], r["method"]))


def _cell_key(c: dict) -> tuple:
    return (c["objective"], c["kappa"], c["method"], c["alpha"], c["beta"])


def _okm(c: dict) -> tuple:
    return (c["objective"], c["kappa"], c["method"])


def _status_counts(okm: tuple, group: list[dict]) -> dict:
    out = {"objective": okm[0], "kappa": okm[1], "method": okm[2]}
    for k in ("runs", "converged", "diverged", "max_iter_runs"):
        out[k] = sum(c[k] for c in group)
    return out


def _is_gd_cell(method: str, beta) -> bool:
    return method in MOMENTUM_FAMILY and beta is not None and beta == 0


def _best_row(group: _Group, h: dict, confidence: float, good_factor: float):
    first = group.first
    b = select_best(group.cells)
    row = {k: first[k] for k in ("objective", "objective_type", "kappa", "dim", "method")}
    row.update({k: (b[k] if b is not None else None) for k in ("alpha", "alpha_L", "beta")})
    hv = h["point"]
    q25, med, q75 = (_count(censored_quantile(hv, p)) for p in (0.25, 0.5, 0.75))
    lo, hi = median_ci(hv, confidence=confidence)
    row.update(
        {
            "runs": int(hv.size),
            "median_iter": med,
            "median_ci_low": lo,
            "median_ci_high": hi,
            "q25_iter": q25,
            "q75_iter": q75,
            "ert": ert(h["raw"], np.isfinite(hv)),
            "median_iter_in_sample": b["median_iter"] if b is not None else None,
            "folds_agree": (
                bool(all(group.cells[s] is b for s in h["sel"])) if b is not None else None
            ),
            "note": (
                "beta = 0: this tuning is gd"
                if b is not None and _is_gd_cell(first["method"], b["beta"])
                else None
            ),
            "stochastic": group.stochastic,
        }
    )
    if b is not None:
        row.update(good_alpha_range(group.cells, b["median_iter"], good_factor))
    else:
        row.update(good_alpha_range([], math.inf, good_factor))
    if quadratic_theory(first["objective_type"]):
        row.update(_theory(first["method"], group.mu, group.L, group.tol))
    row["n_cells"] = len(group.cells)
    row["n_all_converged_cells"] = sum(c["all_converged"] for c in group.cells)
    if b is not None:
        edge, why = group.search.edge(b, group.mu, group.L)
        row.update(round=b["round"], edge=edge, edge_reason=why)
    return _pick(row, "best"), b


def _comparisons(groups: dict, held: dict, best_cell: dict, confidence: float, adjust) -> list:
    out = []
    for okm in sorted(groups):
        objective, kappa, method = okm
        gkey = (objective, kappa, BASELINE)
        if method == BASELINE or gkey not in groups:  # every other method is compared
            continue
        g, m = held[gkey], held[okm]
        budget = max(groups[gkey].budget, groups[okm].budget)
        out.append(
            _compare(okm, groups[okm], g, m, best_cell[gkey], best_cell[okm], budget, confidence)
        )
    out = [_pick(r, "comparisons") for r in out]
    return adjust_comparisons(out, confidence) if adjust else out


def adjust_comparisons(rows: list[dict], confidence: float) -> list[dict]:
    """Holm over ``rows`` (every comparison of the study that has a p-value), in place:
    ``holm_p``, ``significant`` and the ``finding`` that follows from them."""
    with_p = [r for r in rows if r["wilcoxon_p"] is not None]
    for r, p in zip(with_p, holm([r["wilcoxon_p"] for r in with_p]), strict=True):
        r["holm_p"] = p
        r["significant"] = bool(p < 1 - confidence)
    for r in rows:
        r["finding"] = _finding(r)
    return rows


def _compare(okm, group, g, m, gb, mb, budget, confidence) -> dict:
    objective, kappa, method = okm
    gp, mp = g["point"], m["point"]
    ratios = paired_ratios(gp, mp, budget)
    censored = bool(not np.all(np.isfinite(gp)) or not np.all(np.isfinite(mp)))
    m_med = _count(censored_quantile(mp, 0.5))
    speedup = number(censored_quantile(ratios, 0.5)) if m_med is not None else None
    lo, hi = speedup_bounds(gp, mp, g["boot"], m["boot"], budget, confidence)
    if speedup is None:
        lo = hi = math.nan
    a, c = np.minimum(gp, budget), np.minimum(mp, budget)
    notes = []
    if quadratic_theory(group.first["objective_type"]) and kappa == 1:
        notes.append("kappa = 1: gd at alpha = 1/L solves it in one step, nothing can be faster")
    if mb is not None and _is_gd_cell(method, mb["beta"]):
        notes.append("the method's best beta is 0: it is gd")
    if censored_quantile(gp, 0.5) == math.inf and m_med is None:
        notes.append("neither method converged on half the seeds within the budget")
    elif not np.all(np.isfinite(gp)):
        notes.append("gd did not converge within the budget on every seed: a lower bound")
    return {
        "objective": objective,
        "kappa": kappa,
        "method": method,
        "baseline": BASELINE,
        "baseline_alpha_L": gb["alpha_L"] if gb is not None else None,
        "alpha_L": mb["alpha_L"] if mb is not None else None,
        "beta": mb["beta"] if mb is not None else None,
        "n_pairs": int(gp.size),
        "baseline_median_iter": _count(censored_quantile(gp, 0.5)),
        "median_iter": m_med,
        "speedup": speedup,
        "speedup_ci_low": number(lo),
        "speedup_ci_high": number(hi),
        "speedup_lower_bound": censored,
        "speedup_in_sample": (
            gb["median_iter"] / mb["median_iter"] if gb is not None and mb is not None else None
        ),
        "pairs_faster": int(np.sum(a > c)),
        "pairs_slower": int(np.sum(a < c)),
        "wilcoxon_p": wilcoxon_p(a, c),
        "holm_p": None,
        "significant": None,
        "note": "; ".join(notes) or None,
    }


def _finding(r: dict) -> str:
    if r["median_iter"] is None and r["baseline_median_iter"] is None:
        return "no detectable difference"  # neither converged on half the seeds
    if r["pairs_faster"] == 0 and r["pairs_slower"] == 0:
        return "tie"
    lo, hi = r["speedup_ci_low"], r["speedup_ci_high"]
    if r["significant"] and lo is not None and lo > 1:
        return "faster"
    if r["significant"] and ((hi is not None and hi < 1) or r["median_iter"] is None):
        return "slower"
    return "no detectable difference"


def _slopes(groups, held, best, confidence: float, slope_min_kappa: float) -> list[dict]:
    by_om: dict[tuple, list[tuple]] = {}
    for okm in groups:
        by_om.setdefault((okm[0], okm[2]), []).append(okm)
    best_idx = {(r["objective"], r["kappa"], r["method"]): r for r in best}
    out = []
    for (objective, method), okms in sorted(by_om.items()):
        okms = sorted(k for k in okms if k[1] >= slope_min_kappa)
        use = [k for k in okms if best_idx[k]["median_iter"]]
        x = np.log10([k[1] for k in use])
        fit = theil_sen(x, np.log10([best_idx[k]["median_iter"] for k in use]))
        M = [censored_quantile(held[k]["boot"], 0.5) for k in use]
        lo, hi = slope_bounds(x, np.stack(M, axis=-1) if M else np.zeros((1, 0)), confidence)
        if fit["slope"] is not None:  # the interval always holds its own point estimate
            lo, hi = np.minimum(lo, fit["slope"]), np.maximum(hi, fit["slope"])
        ins = [k for k in okms if best_idx[k]["median_iter_in_sample"]]
        in_sample = theil_sen(
            np.log10([k[1] for k in ins]),
            np.log10([best_idx[k]["median_iter_in_sample"] for k in ins]),
        )
        g = groups[okms[0] if okms else sorted(k for k in groups if k[0] == objective)[0]]
        otype = g.first["objective_type"]
        stochastic = any(groups[k].stochastic for k in groups if k[0] == objective)
        has_theory = theory.has_theory(method)
        out.append(
            {
                "objective": objective,
                "objective_type": otype,
                "method": method,
                "n_kappas": len(use),
                "kappa_min": use[0][1] if use else None,
                "kappa_max": use[-1][1] if use else None,
                "slope": fit["slope"],
                "slope_ci_low": number(lo),
                "slope_ci_high": number(hi),
                "intercept": fit["intercept"],
                "slope_in_sample": in_sample["slope"],
                "theory_slope": theory.kappa_slope(method) if has_theory else None,
                "theory_applies": quadratic_theory(otype) and not stochastic and has_theory,
            }
        )
    return [_pick(r, "slopes") for r in out]


def _noise(groups: dict, runs: dict, confidence: float) -> list[dict]:
    matches = []
    for okm in sorted(groups):
        objective, kappa, method = okm
        gkey = (objective, kappa, BASELINE)
        if method not in MOMENTUM_FAMILY or gkey not in groups or not groups[okm].stochastic:
            continue
        gd_cells = {c["alpha_L"]: c for c in groups[gkey].cells}
        budget = max(groups[gkey].budget, groups[okm].budget)
        for c in groups[okm].cells:
            if c["beta"] == 0:
                continue  # that cell is gd itself
            eff = effective_alpha_L(method, c["alpha_L"], c["beta"])
            match = [a for a in gd_cells if math.isclose(a, eff, rel_tol=1e-9)]
            if match:
                matches.append((c, eff, gd_cells[match[0]], budget))
    # simultaneous intervals: Bonferroni over the rows of each objective
    per_objective: dict[str, int] = {}
    for c, *_ in matches:
        per_objective[c["objective"]] = per_objective.get(c["objective"], 0) + 1
    out = []
    for c, eff, gd, budget in matches:
        level = 1.0 - (1.0 - confidence) / per_objective[c["objective"]]
        out.append(_noise_row(c, eff, runs[_cell_key(gd)], runs[_cell_key(c)], budget, level))
    return [_pick(r, "noise") for r in out]


def _noise_row(c, eff, gd_runs, m_runs, budget, confidence) -> dict:
    g = {r["seed"]: r for r in gd_runs}
    pairs = [(g[r["seed"]], r) for r in m_runs if r["seed"] in g]

    def iters(r):
        return r["iterations"] if r["status"] == CONVERGED else math.inf

    def gap(r):
        v = r["final_gap"]
        return v if math.isfinite(v) else math.inf

    gg = np.array([gap(a) for a, _ in pairs])
    mg = np.array([gap(b) for _, b in pairs])
    with np.errstate(divide="ignore", invalid="ignore"):
        gr = np.where(mg == gg, 1.0, mg / gg)
    gr = np.where(np.isnan(gr), math.inf, gr)
    g_lo, g_hi = order_statistic_ci(gr, confidence)
    m_its = [iters(b) for _, b in pairs]
    s, s_lo, s_hi = paired_speedup(
        [iters(a) for a, _ in pairs], m_its, budget=budget, confidence=confidence
    )
    if not pairs or censored_quantile(m_its, 0.5) == math.inf:
        s = s_lo = s_hi = None  # the method did not converge on half the seeds
    words = []
    if g_hi is not None and g_hi < 1:
        words.append("lower noise floor")
    if g_lo is not None and g_lo > 1:
        words.append("higher noise floor")
    if s_lo is not None and s_lo > 1:
        words.append("faster")
    if s_hi is not None and s_hi < 1:
        words.append("slower")
    return {
        "objective": c["objective"],
        "kappa": c["kappa"],
        "method": c["method"],
        "alpha_L": c["alpha_L"],
        "beta": c["beta"],
        "effective_alpha_L": eff,
        "n_pairs": len(pairs),
        "baseline_gap_median": number(censored_quantile(gg, 0.5)) if pairs else None,
        "gap_median": number(censored_quantile(mg, 0.5)) if pairs else None,
        "gap_ratio": number(censored_quantile(gr, 0.5)) if pairs else None,
        "gap_ratio_ci_low": g_lo,
        "gap_ratio_ci_high": g_hi,
        "speedup": s,
        "speedup_ci_low": s_lo,
        "speedup_ci_high": s_hi,
        "finding": ", ".join(words) or "no detectable difference",
    }
