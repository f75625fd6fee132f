"""The summary statistics on small hand-checkable data."""

import itertools
import math
import random
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as st

from momentumlab import stats, tables, theory

ROOT = Path(__file__).resolve().parents[1]
INF = math.inf


def run(
    kappa,
    method,
    alpha_L,
    beta,
    seed,
    status,
    iterations,
    *,
    objective="quad2d",
    objective_type="quadratic",
    max_iter=1000,
    stochastic=False,
    final_gap=None,
):
    """One simulation row, as read from simulations.csv."""
    kappa = float(kappa)
    return {
        "objective": objective,
        "objective_type": objective_type,
        "kappa": kappa,
        "dim": 2,
        "mu": 1.0,
        "L": kappa,
        "method": method,
        "alpha": alpha_L / kappa,
        "alpha_L": float(alpha_L),
        "beta": float(beta),
        "seed": seed,
        "status": status,
        "iterations": iterations,
        "final_gap": final_gap
        if final_gap is not None
        else (0.0 if status == "converged" else INF),
        "diverged_at": iterations if status == "diverged" else None,
        "tol": 1e-6,
        "max_iter": max_iter,
        "stochastic": stochastic,
    }


def conv_runs(kappa, method, alpha_L, beta, iterations, **kw):
    return [
        run(kappa, method, alpha_L, beta, s, "converged", it, **kw)
        for s, it in enumerate(iterations)
    ]


def one(table, **match):
    hits = [r for r in table if all(r[k] == v for k, v in match.items())]
    assert len(hits) == 1, (match, hits)
    return hits[0]


# ---------------------------------------------------------------------------------------------
# Kaplan-Meier quantiles


def test_km_quantiles_none_censored_are_order_statistics():
    assert stats.km_quantiles([5, 1, 3, 2, 4], [True] * 5, 100) == [2, 3, 4]
    # even n: the lower of the two middle values (smallest t with F(t) >= 1/2)
    assert stats.km_quantiles([40, 10, 30, 20], [True] * 4, 100) == [10, 20, 30]


def test_km_quantiles_some_censored():
    its = [10, 20, 30, 7, 100]  # a run diverged at 7, one ran out of budget
    conv = [True, True, True, False, False]
    # F(10) = .2, F(20) = .4, F(30) = .6, then flat: q75 is beyond the budget
    assert stats.km_quantiles(its, conv, 100) == [20, 30, None]


def test_diverged_runs_are_censored_at_the_budget_not_at_divergence():
    its, conv = [5, 10, 20], [False, True, True]
    # censoring at 5 would give S(10) = 1/2 and a median of 10; at the budget it is 20
    assert stats.km_quantiles(its, conv, 1000)[1] == 20


def test_km_quantiles_all_censored_are_empty():
    assert stats.km_quantiles([3, 1000, 1000], [False] * 3, 1000) == [None, None, None]


def test_km_quantiles_ties_and_event_at_budget():
    assert stats.km_quantiles([7, 7, 7, 9], [True] * 4, 100) == [7, 7, 7]
    assert stats.km_quantiles([7, 7, 9, 9], [True] * 4, 100) == [7, 7, 9]
    # converged exactly at the budget counts before a run censored there
    assert stats.km_quantiles([100, 100], [True, False], 100) == [100, 100, None]


def test_km_quantiles_single_seed():
    assert stats.km_quantiles([12], [True], 100) == [12, 12, 12]
    assert stats.km_quantiles([100], [False], 100) == [None, None, None]


def test_fast_order_statistic_equals_scipy_ecdf_on_random_censored_samples():
    g = np.random.default_rng(1)
    budget = 60
    checked = 0
    for _ in range(300):
        n = int(g.integers(1, 16))
        its = g.integers(1, budget + 1, n)  # small range: plenty of ties
        conv = g.random(n) < g.random()
        vals = np.where(conv, its, INF)
        expected = stats.km_quantiles(its, conv, budget, ps=(0.1, 0.25, 0.5, 0.75, 0.9))
        for p, e in zip((0.1, 0.25, 0.5, 0.75, 0.9), expected, strict=True):
            q = float(stats.censored_quantile(vals, p))
            assert (e is None and q == INF) or q == e
            checked += e is not None
    assert checked > 300  # both branches were exercised


def test_censored_quantile_is_vectorised_along_the_axis():
    g = np.random.default_rng(2)
    x = np.where(g.random((50, 9)) < 0.7, g.integers(1, 30, (50, 9)), INF)
    rowwise = [stats.censored_quantile(r, 0.5) for r in x]
    np.testing.assert_array_equal(stats.censored_quantile(x, 0.5, axis=-1), rowwise)


# ---------------------------------------------------------------------------------------------
# Intervals, ERT


def test_exact_binomial_interval_by_hand():
    # k = 0 and k = n have closed forms: 1 - (a/2)^(1/n) and (a/2)^(1/n)
    n, a = 10, 0.05
    assert stats.binomial_ci(0, n, 0.95) == pytest.approx((0.0, 1 - (a / 2) ** (1 / n)))
    assert stats.binomial_ci(n, n, 0.95) == pytest.approx(((a / 2) ** (1 / n), 1.0))
    # otherwise the bounds solve P(X >= k | lo) = a/2 and P(X <= k | hi) = a/2
    lo, hi = stats.binomial_ci(7, 10, 0.95)
    tail_hi = sum(math.comb(10, i) * lo**i * (1 - lo) ** (10 - i) for i in range(7, 11))
    tail_lo = sum(math.comb(10, i) * hi**i * (1 - hi) ** (10 - i) for i in range(0, 8))
    assert tail_hi == pytest.approx(a / 2, rel=1e-7) and tail_lo == pytest.approx(a / 2, rel=1e-7)


def test_ert_by_hand():
    # converged at 10 and 20, diverged at 5, ran out at 100: (10 + 20 + 5 + 100) / 2
    assert stats.ert([10, 20, 5, 100], [True, True, False, False]) == 67.5
    assert stats.ert([5, 100], [False, False]) is None


def test_order_statistic_ranks_known_table():
    # the textbook table of distribution-free intervals for a median at 95%
    assert stats.order_statistic_ranks(5, 0.95) is None  # 1 - 2/32 < 0.95
    assert stats.order_statistic_ranks(6, 0.95) == (1, 6)
    assert stats.order_statistic_ranks(12, 0.95) == (3, 10)
    assert stats.order_statistic_ranks(20, 0.95) == (6, 15)
    # coverage of (3, 10) with 12 runs is 1 - 2 P(B <= 2) = 0.961; (4, 9) would be 0.854
    assert 1 - 2 * (1 + 12 + 66) / 4096 >= 0.95 > 1 - 2 * (1 + 12 + 66 + 220) / 4096


def test_median_ci_edge_cases():
    assert stats.median_ci([42.0] * 5) == (None, None)  # too few runs for a 95% interval
    assert stats.median_ci([42.0] * 6) == (42, 42)
    assert stats.median_ci([INF] * 8) == (None, None)


def test_median_ci_is_the_third_and_tenth_of_twelve():
    x = [12.0, 15, 11, 19, 14, 13, 30, 16, 12, 17, 18, 25]
    assert stats.median_ci(x) == (12, 19)  # sorted: 11 12 12 13 14 15 16 17 18 19 25 30
    # an upper bound beyond the budget is empty, the lower one stays
    y = [10.0, 11, 12, 13, 14, 15, 16, INF, INF, INF, INF, INF]
    assert stats.median_ci(y) == (12, None)


# ---------------------------------------------------------------------------------------------
# Coverage, by simulation on synthetic data

LEVEL = 0.95


def test_median_interval_covers_by_simulation():
    g = np.random.default_rng(11)
    for n, sd, step in [(12, 0.3, 1.0), (12, 0.05, 1.0), (20, 0.3, 1.0), (12, 0.3, 1e-9)]:
        # ceil(20 exp(sd z) / step) * step: ties when step is 1; the median is exactly 20
        x = np.ceil(20 * np.exp(sd * g.standard_normal((4000, n))) / step) * step
        x = np.where(x > np.quantile(x, 0.7), INF, x)  # 30% beyond the budget
        lo, hi = stats.order_statistic_bounds(x, LEVEL)
        cover = np.mean((lo <= 20) & (20 <= hi))  # an empty upper bound (inf) covers
        assert cover >= 0.94, (n, sd, step, cover)


def test_conv_frac_interval_covers_by_simulation():
    g = np.random.default_rng(12)
    for n in (6, 12, 30):
        for p in (0.03, 0.1, 0.2, 0.5, 0.65, 0.9, 0.97):
            k = g.binomial(n, p, 4000)
            ci = np.array([stats.binomial_ci(i, n, LEVEL) for i in range(n + 1)])
            cover = np.mean((ci[k, 0] <= p) & (p <= ci[k, 1]))
            assert cover >= 0.94, (n, p, cover)
    # Wilson's interval, the one used before, falls short at some p: the test has teeth
    ci = [st.binomtest(i, 12).proportion_ci(LEVEL, method="wilson") for i in range(13)]
    pmf = st.binom.pmf(np.arange(13), 12, 0.25)
    assert sum(q for q, c in zip(pmf, ci, strict=True) if c.low <= 0.25 <= c.high) < 0.92


def synthetic_objective(g, reps, n=12, kappas=(10, 100, 1000, 10_000), sigma=0.2):
    """Iterations of gd (5 tunings) and a momentum method (4) on ``reps`` replicate studies.

    Per seed, iterations = (tuning's median) * exp(sigma (z + e)): z a start effect shared by
    the methods (the pairing), e a run's own; the best tunings' medians are 3 kappa and
    5 sqrt(kappa) exactly, with near-ties to make the selection err now and then.
    """
    out = {}
    for k in kappas:
        z = g.standard_normal((reps, 1, n))
        gd = np.array([1.0, 1.0, 1.05, 1.3, 2.0])[:, None] * 3 * k
        mom = np.array([1.0, 1.02, 1.1, 1.5])[:, None] * 5 * math.sqrt(k)
        e = g.standard_normal((reps, 9, n))
        out[k] = (gd * np.exp(sigma * (z + e[:, :5])), mom * np.exp(sigma * (z + e[:, 5:])))
    return out


def test_speedup_and_slope_intervals_cover_by_simulation():
    # the same design, resamples and interval code summarise uses, on 250 replicate studies
    g = np.random.default_rng(13)
    design = stats._Design("synthetic", list(range(12)), 2, 150)
    for sigma in (0.02, 0.3):
        data = synthetic_objective(g, 250, sigma=sigma)
        covered, naive, boot_medians = [], [], []
        for k, (gd, mom) in data.items():
            gd, mom = gd[..., design.seeds], mom[..., design.seeds]
            (gp, _), (mp, _) = (stats.cross_fit(x, design.point, design.fold) for x in (gd, mom))
            gb, _ = stats.cross_fit(gd, design.boot, design.fold)
            mb, _ = stats.cross_fit(mom, design.boot, design.fold)
            lo, hi = stats.speedup_bounds(gp[:, 0], mp[:, 0], gb, mb, INF, LEVEL)
            truth = 3 * k / (5 * math.sqrt(k))
            covered.append((lo <= truth) & (truth <= hi))
            os_lo, os_hi = stats.order_statistic_bounds(stats.paired_ratios(gp, mp, INF), LEVEL)
            naive.append((os_lo <= truth) & (truth <= os_hi))
            boot_medians.append(stats.censored_quantile(mb, 0.5))
        assert np.mean(covered) >= 0.94, ("speedup", sigma, np.mean(covered))
        lo, hi = stats.slope_bounds(np.log10(list(data)), np.stack(boot_medians, -1), LEVEL)
        cover = np.mean((lo <= 0.5) & (0.5 <= hi))
        assert cover >= 0.94, ("slope", sigma, cover)
        if sigma == 0.02:
            # ignoring the selection (order statistics of the held-out ratios alone) falls
            # short when runs vary little next to the cost of a wrong tuning
            assert np.mean(naive) < 0.94


# ---------------------------------------------------------------------------------------------
# Paired comparison and multiplicity


def test_paired_speedup_by_hand():
    # ratios 2, 2, 3: the median ratio (second of three), no interval with 3 pairs
    assert stats.paired_speedup([100, 200, 300], [50, 100, 100]) == (2.0, None, None)
    x = np.array([100.0, 120, 90, 110, 105, 95, 130, 80, 100, 115, 125, 85])
    assert stats.paired_speedup(x, x / 4) == (4.0, 4.0, 4.0)
    # a gd run beyond the budget counts at the budget: a lower bound, no upper bound
    s, lo, hi = stats.paired_speedup(np.r_[x[:11], INF], x / 4, budget=1000)
    assert (s, lo, hi) == (4.0, 4.0, None)


def test_wilcoxon_by_hand():
    y = np.full(5, 100.0)
    # all five log-differences positive and distinct: exact two-sided p = 2 / 2^5
    x = y * np.exp(np.array([1, 2, 3, 4, 5]) / 10)
    assert stats.wilcoxon_p(x, y) == pytest.approx(2 / 32)
    # d = [1, 2, -3, 4, 5] / 10: W- = 3; subsets of {1..5} with sum <= 3: {}, 1, 2, 3, 12
    x = y * np.exp(np.array([1, 2, -3, 4, 5]) / 10)
    assert stats.wilcoxon_p(x, y) == pytest.approx(2 * 5 / 32)


def test_wilcoxon_all_ties_and_one_pair():
    assert stats.wilcoxon_p([10, 20, 30], [10, 20, 30]) == 1.0
    assert stats.wilcoxon_p([10], [5]) is None


def test_holm_known_example():
    assert stats.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.holm([0.5, 0.6]) == [1.0, 1.0]
    assert stats.holm([]) == []


# ---------------------------------------------------------------------------------------------
# Cross-fitted tuning


def test_the_selection_is_never_evaluated_on_its_own_seeds():
    # cell A is fast on the even seeds (fold 0) and slow on the odd ones, cell B the reverse:
    # whichever fold trains, it picks the cell that is slow on the other fold
    fast, slow = 10.0, 50.0
    even = np.arange(12) % 2 == 0
    X = np.array([np.where(even, fast, slow), np.where(even, slow, fast)])
    design = stats._Design("o", list(range(12)), 2, 50)
    held, sel = stats.cross_fit(X[:, design.seeds], design.point, design.fold)
    np.testing.assert_array_equal(held[0], np.full(12, slow))
    assert sel[0].tolist() == [1, 0]  # fold 0 (even) gets B, fold 1 gets A
    # and in every resample too
    boot, _ = stats.cross_fit(X[:, design.seeds], design.boot, design.fold)
    assert np.all(boot == slow)


def test_held_out_medians_are_unbiased_where_in_sample_ones_are_not():
    # 30 tunings that are all the same (median 100): the in-sample best is the luckiest one
    g = np.random.default_rng(5)
    X = 100 * np.exp(0.3 * g.standard_normal((500, 30, 12)))
    design = stats._Design("o", list(range(12)), 2, 1)
    held, _ = stats.cross_fit(X, design.point, design.fold)
    in_sample = stats.censored_quantile(X, 0.5).min(axis=-1)
    held_out = stats.censored_quantile(held[:, 0], 0.5)
    truth = stats.censored_quantile(X[:, 0], 0.5)  # any one fixed tuning
    assert np.median(in_sample) < 0.85 * np.median(truth)
    assert np.median(held_out) == pytest.approx(np.median(truth), rel=0.05)


def test_vectorised_selection_is_select_best():
    g = np.random.default_rng(8)
    for _ in range(200):
        n_cells, n = int(g.integers(1, 8)), int(g.integers(2, 9))
        X = np.where(g.random((n_cells, n)) < 0.8, g.integers(1, 6, (n_cells, n)), INF)
        cells = [
            {"method": "gd", "alpha": 0.1 * i, "alpha_L": 1.0 * i, "beta": 0.0, "median_iter": med,
             "mean_iter": x.mean() if np.all(np.isfinite(x)) else None,
             "all_converged": bool(np.all(np.isfinite(x)))}
            for i, (x, med) in enumerate(zip(X, stats.censored_quantile(X, 0.5), strict=True))
        ]  # fmt: skip
        b = stats.select_best(cells)
        s = stats.select_columns(X[:, None, :], np.arange(n))[0]
        assert s == (-1 if b is None else cells.index(b))


# ---------------------------------------------------------------------------------------------
# Best tuning and good step sizes


def cell(alpha, beta, median, mean, all_converged=True, method="heavy_ball"):
    return {
        "method": method,
        "alpha": alpha,
        "alpha_L": alpha * 10,
        "beta": beta,
        "median_iter": median,
        "mean_iter": mean if all_converged else None,
        "all_converged": all_converged,
    }


def test_best_rule_and_tie_breaks():
    not_full = cell(0.1, 0.0, 5, None, all_converged=False)
    a = cell(0.2, 0.5, 50, 52.0)
    b = cell(0.3, 0.5, 50, 51.0)  # same median, smaller mean: wins over a
    assert stats.select_best([not_full, a, b]) is b
    c = cell(0.1, 0.9, 50, 51.0)  # same median and mean, smaller alpha_L: wins over b
    assert stats.select_best([not_full, a, b, c]) is c
    d = cell(0.1, 0.3, 50, 51.0)  # and then the smaller beta
    assert stats.select_best([d, c, b, a]) is d
    assert stats.select_best([not_full]) is None


def test_ema_momentum_and_heavy_ball_break_ties_alike():
    """EMA momentum at alpha and heavy ball at alpha (1 - beta) are one algorithm: given the
    same iterations at the same steps, both choose the same (step, beta), in sample and per
    fold, however many cells tie (the EMA alphas step / (1 - beta) sort differently)."""
    g = np.random.default_rng(11)
    steps = [0.5, 1.0, 2.0, 3.0]
    betas = [0.0, 0.5, 0.8, 0.9]
    for _ in range(100):
        X = g.integers(3, 6, (len(steps) * len(betas), 6)).astype(float)  # many ties
        chosen = {}
        for method in ("momentum", "heavy_ball"):
            cells = []
            for (s, b), x in zip(itertools.product(steps, betas), X, strict=True):
                a = s / (1 - b) if method == "momentum" else s
                cells.append({"method": method, "alpha": a / 10, "alpha_L": a, "beta": b,
                              "median_iter": float(np.median(x)), "mean_iter": float(x.mean()),
                              "all_converged": True, "x": x})  # fmt: skip
            cells.sort(key=lambda c: (c["alpha_L"], c["beta"], c["alpha"]))  # the tables' order
            Xs = np.array([c["x"] for c in cells])
            ranks = stats.tie_ranks(
                [stats.tie_key(method, c["alpha_L"], c["beta"], c["alpha"]) for c in cells]
            )
            best = stats.select_best(cells)
            fold = cells[int(stats.select_columns(Xs[:, None, :], np.arange(3), None, ranks)[0])]
            chosen[method] = [
                (round(stats.METHODS[method].step(c["alpha_L"], c["beta"]), 9), c["beta"])
                for c in (best, fold)
            ]
        assert chosen["momentum"] == chosen["heavy_ball"]


def test_good_alpha_range():
    cells = [
        cell(0.1, 0.0, 100, 100.0),
        cell(0.2, 0.0, 300, 300.0),
        cell(0.2, 0.5, 150, 150.0),  # alpha 0.2's best over beta: within 2x
        cell(0.4, 0.0, 250, 250.0),  # beyond 2x
        cell(0.8, 0.0, 90, None, all_converged=False),  # not every run converged
    ]
    got = stats.good_alpha_range(cells, 100, good_factor=2.0)
    assert got == {
        "n_good_alpha": 2,
        "good_alpha_L_min": 1.0,
        "good_alpha_L_max": 2.0,
        "good_alpha_decades": pytest.approx(math.log10(2)),
    }
    assert stats.good_alpha_range(cells, 100, good_factor=2.5)["n_good_alpha"] == 3
    single = stats.good_alpha_range(cells[:1], 100)
    assert (single["n_good_alpha"], single["good_alpha_decades"]) == (1, 0.0)


def small_study():
    rows = []
    # kappa 10, gd: alpha_L 1 (all converge), alpha_L 2 (one max_iter run), alpha_L 3 (diverge)
    rows += conv_runs(10, "gd", 1.0, 0.0, [40, 42, 44, 46])
    rows += conv_runs(10, "gd", 2.0, 0.0, [20, 21, 22])
    rows += [run(10, "gd", 2.0, 0.0, 3, "max_iter", 1000)]
    rows += [run(10, "gd", 3.0, 0.0, s, "diverged", 3 + s) for s in range(4)]
    # kappa 10, heavy ball: two betas at alpha_L 1 with equal medians; the smaller mean wins
    rows += conv_runs(10, "heavy_ball", 1.0, 0.5, [10, 10, 12, 20])
    rows += conv_runs(10, "heavy_ball", 1.0, 0.8, [10, 10, 11, 11])
    # kappa 10, nesterov: never converges in any cell
    rows += [run(10, "nesterov", 1.0, 0.5, s, "max_iter", 1000) for s in range(4)]
    # kappa 100: a rosenbrock-like objective with its own budget
    rows += conv_runs(
        100, "gd", 1.0, 0.0, [400, 410, 420, 430], objective="rosen", objective_type="rosenbrock"
    )
    rows += conv_runs(
        100,
        "heavy_ball",
        1.0,
        0.9,
        [40, 40, 40, 40],
        objective="rosen",
        objective_type="rosenbrock",
    )
    return rows


@pytest.mark.filterwarnings("error")
def test_summarise_small_study():
    t = stats.summarise(small_study(), n_resamples=200)
    assert {k: list(t[k][0]) for k in t if t[k]} == {k: stats.COLUMNS[k] for k in t if t[k]}

    c = one(t["cells"], objective="quad2d", method="gd", alpha_L=2.0)
    assert (c["runs"], c["converged"], c["max_iter_runs"], c["all_converged"]) == (4, 3, 1, False)
    assert (c["q25_iter"], c["median_iter"], c["q75_iter"]) == (20, 21, 22)
    assert c["ert"] == (20 + 21 + 22 + 1000) / 3
    assert c["mean_iter"] is None and c["final_gap_median"] is None  # not stochastic
    d = one(t["cells"], objective="quad2d", method="gd", alpha_L=3.0)
    assert (d["diverged"], d["median_iter"], d["median_ci_low"], d["ert"]) == (4, None, None, None)
    assert d["conv_frac"] == 0.0 and d["conv_ci_high"] > 0

    # in sample gd's best is alpha_L 1 (alpha_L 2 has a run that did not converge). Cross-fitted:
    # fold 0 (seeds 0, 2) trains on seeds 1, 3 and picks alpha_L 1 (40, 44); fold 1 trains on
    # seeds 0, 2, where alpha_L 2 converged faster, and meets its failure on seed 3: 21, inf
    b = one(t["best"], objective="quad2d", method="gd")
    assert (b["alpha_L"], b["median_iter_in_sample"], b["n_cells"]) == (1.0, 42, 3)
    assert (b["q25_iter"], b["median_iter"], b["q75_iter"]) == (21, 40, 44)
    assert b["ert"] == (40 + 21 + 44 + 1000) / 3 and b["folds_agree"] is False
    gd_theory = theory.optimal("gd", 1.0, 10.0)
    assert b["theory_alpha_L"] == pytest.approx(gd_theory.alpha * 10)
    assert b["theory_iterations"] == pytest.approx(gd_theory.iterations(1e-6))
    hb = one(t["best"], objective="quad2d", method="heavy_ball")
    assert (hb["beta"], hb["median_iter"], hb["folds_agree"], hb["note"]) == (0.8, 10, True, None)
    nv = one(t["best"], objective="quad2d", method="nesterov")
    assert nv["alpha"] is None and nv["median_iter"] is None and nv["n_good_alpha"] == 0
    assert nv["theory_beta"] is not None  # theory is still given for the quadratic
    rb = one(t["best"], objective="rosen", method="gd")
    assert rb["theory_alpha_L"] is None and rb["median_iter"] == 410

    assert [(r["objective"], r["method"]) for r in t["comparisons"]] == [
        ("quad2d", "heavy_ball"),
        ("quad2d", "nesterov"),
        ("rosen", "heavy_ball"),
    ]
    q = one(t["comparisons"], objective="quad2d", method="heavy_ball")
    assert (q["n_pairs"], q["baseline_median_iter"], q["median_iter"]) == (4, 40, 10)
    # ratios 40/10, 21/10, 44/11, 1000/11 (seed 3's gd at the budget): median 4, a lower bound
    assert (q["speedup"], q["speedup_lower_bound"], q["speedup_in_sample"]) == (4.0, True, 4.2)
    assert (q["pairs_faster"], q["pairs_slower"]) == (4, 0)
    assert q["speedup_ci_low"] is None  # 4 pairs cannot give a 95% interval
    assert q["finding"] == "no detectable difference" and "lower bound" in q["note"]
    nq = one(t["comparisons"], objective="quad2d", method="nesterov")
    assert nq["speedup"] is None and nq["median_iter"] is None and nq["speedup_ci_low"] is None
    ps = [r["wilcoxon_p"] for r in t["comparisons"]]
    assert [r["holm_p"] for r in t["comparisons"]] == pytest.approx(stats.holm(ps))
    assert all(r["significant"] is (r["holm_p"] < 0.05) for r in t["comparisons"])

    sc = one(t["status_counts"], objective="quad2d", method="gd")
    assert (sc["runs"], sc["converged"], sc["diverged"], sc["max_iter_runs"]) == (12, 7, 4, 1)
    assert [(r["objective"], r["method"]) for r in t["slopes"]] == [
        ("quad2d", "gd"),
        ("quad2d", "heavy_ball"),
        ("quad2d", "nesterov"),
        ("rosen", "gd"),
        ("rosen", "heavy_ball"),
    ]
    s = one(t["slopes"], objective="rosen", method="gd")
    assert (s["n_kappas"], s["slope"], s["theory_applies"]) == (1, None, False)
    assert t["noise"] == []


def test_theil_sen_slopes_exactly_one_and_one_half():
    rows = []
    for kappa in [10, 100, 1000, 10_000]:
        rows += conv_runs(kappa, "gd", 1.0, 0.0, [3 * kappa] * 6, max_iter=10**6)
    for kappa in [100, 10_000]:
        rows += conv_runs(kappa, "heavy_ball", 1.0, 0.5, [5 * math.isqrt(kappa)] * 6)
    # below slope_min_kappa, off the trend: must be left out of the fit
    rows += conv_runs(1, "gd", 1.0, 0.0, [999] * 6)
    rows += conv_runs(1, "heavy_ball", 1.0, 0.5, [1] * 6)
    t = stats.summarise(rows, n_resamples=50)
    gd = one(t["slopes"], method="gd")
    hb = one(t["slopes"], method="heavy_ball")
    assert gd["slope"] == pytest.approx(1.0, abs=1e-12)
    assert gd["intercept"] == pytest.approx(math.log10(3), abs=1e-12)
    assert (gd["n_kappas"], gd["kappa_min"], gd["kappa_max"]) == (4, 10.0, 10_000.0)
    assert gd["slope_ci_low"] == pytest.approx(1.0) and gd["slope_ci_high"] == pytest.approx(1.0)
    assert gd["slope_in_sample"] == pytest.approx(1.0)
    # two kappas: a slope, but no interval (a line through two points has no spread)
    assert hb["slope"] == pytest.approx(0.5, abs=1e-12) and hb["n_kappas"] == 2
    assert hb["slope_ci_low"] is None and hb["slope_ci_high"] is None
    from momentumlab.report import summary

    fits = summary.slope_sentences(t["slopes"], ["quad2d"], "95%")[0]["fits"]
    assert [f["ci"] == "" for f in fits] == [False, True]  # gd has 4 kappas, heavy ball 2
    assert (gd["theory_slope"], hb["theory_slope"]) == (1.0, 0.5)
    assert stats.theil_sen([1.0], [2.0])["slope"] is None


def test_vectorised_theil_sen_is_scipy():
    g = np.random.default_rng(3)
    x = np.log10([10, 100, 1000, 10_000, 30_000])
    Y = g.normal(size=(50, 5)) + x
    want = [st.theilslopes(y, x).slope for y in Y]
    np.testing.assert_allclose(stats.theil_sen_slopes(x, Y), want, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Degenerate and censored comparisons, noise


def twelve(kappa, method, alpha_L, beta, iterations, **kw):
    its = np.broadcast_to(iterations, 12)
    return conv_runs(kappa, method, alpha_L, beta, [int(i) for i in its], **kw)


def test_kappa_one_is_a_tie_never_a_win():
    rows = twelve(1, "gd", 1.0, 0.0, 1) + twelve(1, "gd", 0.5, 0.0, 20)
    rows += twelve(1, "nesterov", 1.0, 0.0, 1) + twelve(1, "nesterov", 1.0, 0.5, 3)
    t = stats.summarise(rows, n_resamples=100)
    c = one(t["comparisons"], method="nesterov")
    assert (c["speedup"], c["pairs_faster"], c["pairs_slower"]) == (1.0, 0, 0)
    assert c["finding"] == "tie" and "kappa = 1" in c["note"] and "is gd" in c["note"]
    assert one(t["best"], method="nesterov")["note"] == "beta = 0: this tuning is gd"


def test_gd_censored_is_a_lower_bound():
    # gd needs more than the budget of 1000 on every seed; heavy ball takes 10
    g = np.random.default_rng(0)
    hb_its = 10 + g.integers(0, 3, 12)
    rows = [run(100, "gd", 1.0, 0.0, s, "max_iter", 1000) for s in range(12)]
    rows += twelve(100, "heavy_ball", 1.0, 0.5, hb_its)
    t = stats.summarise(rows, n_resamples=200)
    c = one(t["comparisons"], method="heavy_ball")
    assert c["baseline_median_iter"] is None and c["speedup_lower_bound"] is True
    assert c["speedup"] == 1000 / np.sort(hb_its)[6]  # the 6th smallest of 1000 / its
    assert c["speedup_ci_high"] is None and c["speedup_ci_low"] > 1
    assert c["finding"] == "faster" and "lower bound" in c["note"]


def noisy(kappa, method, alpha_L, beta, gaps, iterations):
    return [
        run(kappa, method, alpha_L, beta, s, "converged", int(it), objective="mb",
            objective_type="logistic", stochastic=True, final_gap=float(gap))
        for s, (gap, it) in enumerate(zip(gaps, iterations, strict=True))
    ]  # fmt: skip


def test_noise_floor_at_matched_effective_step():
    g = np.random.default_rng(4)
    floor = lambda: 1e-3 * np.exp(0.5 * g.standard_normal(12))  # noqa: E731
    its = lambda: 100 + g.integers(0, 40, 12)  # noqa: E731
    gd_floor, hb_floor = floor(), floor()
    rows = noisy(10, "gd", 0.5, 0.0, gd_floor, its()) + noisy(10, "gd", 1.0, 0.0, floor(), its())
    # heavy ball at alpha_L 0.25, beta 0.5 has gd's effective step 0.5: same floor, same speed
    rows += noisy(10, "heavy_ball", 0.25, 0.5, hb_floor, its())
    # EMA momentum's effective step is alpha itself: alpha_L 1, beta 0.9 matches gd's 1.0;
    # here it ends ten times lower (a made-up effect, to see it named)
    rows += noisy(10, "momentum", 1.0, 0.9, floor() / 10, its())
    rows += noisy(10, "momentum", 1.0, 0.0, floor(), its())  # beta = 0 is gd: not compared
    t = stats.summarise(rows, n_resamples=100)
    hb = one(t["noise"], method="heavy_ball")
    assert (hb["effective_alpha_L"], hb["n_pairs"]) == (0.5, 12)
    assert hb["gap_ratio_ci_low"] < 1 < hb["gap_ratio_ci_high"]
    assert hb["finding"] == "no detectable difference"
    # two noise rows: simultaneous 95% = each at 97.5%, order statistics 2 and 11 of 12
    ratios = np.sort(hb_floor / gd_floor)
    assert (hb["gap_ratio_ci_low"], hb["gap_ratio_ci_high"]) == (ratios[1], ratios[10])
    m = one(t["noise"], method="momentum")
    assert (m["alpha_L"], m["beta"], m["effective_alpha_L"]) == (1.0, 0.9, 1.0)
    assert m["gap_ratio_ci_high"] < 1 and m["finding"].startswith("lower noise floor")
    cell = one(t["cells"], method="heavy_ball")
    assert cell["final_gap_q25"] <= cell["final_gap_median"] <= cell["final_gap_q75"]
    assert one(t["best"], method="gd")["stochastic"] is True
    assert one(t["slopes"], method="gd")["theory_applies"] is False


# ---------------------------------------------------------------------------------------------
# Determinism, types, input checks


def random_study(n_cells=40, seed=0):
    g = random.Random(seed)
    rows = []
    for k in [10.0, 100.0]:
        for m in ["gd", "heavy_ball", "nesterov"]:
            for c in range(n_cells // 6):
                beta = 0.0 if m == "gd" else 0.3 * (c % 3)
                alpha_L = 0.5 + 0.25 * (c // 3 if m != "gd" else c)
                base = g.randint(20, 400)
                for s in range(6):
                    u = g.random()
                    status = "converged" if u < 0.7 else ("diverged" if u < 0.85 else "max_iter")
                    it = {"converged": base + g.randint(0, 30), "diverged": g.randint(1, 9)}
                    rows.append(
                        run(k, m, alpha_L, beta, s, status, it.get(status, 1000), max_iter=1000)
                    )
    return rows


def test_determinism_byte_identical_and_independent_of_row_order(tmp_path):
    rows = random_study()
    a = stats.summarise(rows, n_resamples=300)
    shuffled = list(rows)
    random.Random(5).shuffle(shuffled)
    b = stats.summarise(shuffled, n_resamples=300)
    assert a == b
    assert any(r["median_ci_low"] is not None for r in a["cells"])
    for name, cols in stats.COLUMNS.items():
        tables.write_csv(tmp_path / f"a_{name}.csv", a[name], cols)
        tables.write_csv(tmp_path / f"b_{name}.csv", b[name], cols)
        assert (tmp_path / f"a_{name}.csv").read_bytes() == (
            tmp_path / f"b_{name}.csv"
        ).read_bytes()


@pytest.mark.filterwarnings("error")
def test_outputs_are_plain_sorted_and_nan_free():
    t = stats.summarise(random_study(seed=3), n_resamples=200)
    for name, table in t.items():
        for r in table:
            assert list(r) == stats.COLUMNS[name]
            for v in r.values():
                assert v is None or type(v) in (bool, int, float, str)
                assert not (isinstance(v, float) and not math.isfinite(v))
    keys = [(r["objective"], r["kappa"], r["method"], r["alpha"], r["beta"]) for r in t["cells"]]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_reading_the_csv_back_gives_the_same_summary(tmp_path):
    rows = random_study(seed=4)
    tables.write_csv(tmp_path / "sim.csv", rows, stats.INPUT_COLUMNS)
    again = tables.read_csv(tmp_path / "sim.csv")
    assert stats.summarise(again, n_resamples=100) == stats.summarise(rows, n_resamples=100)


def test_bad_input_is_refused():
    good = conv_runs(10, "gd", 1.0, 0.0, [5, 6])
    with pytest.raises(ValueError, match="lacks columns"):
        stats.summarise([{k: v for k, v in good[0].items() if k != "iterations"}])
    with pytest.raises(ValueError, match="status"):
        stats.summarise([{**good[0], "status": "done"}])
    with pytest.raises(ValueError, match="duplicate seeds"):
        stats.summarise([good[0], good[0]])
    assert stats.summarise([]) == {name: [] for name in stats.COLUMNS}


def test_speed_sanity_small_grid():
    rows = random_study(n_cells=300, seed=9)
    t = stats.summarise(rows)
    assert len(t["cells"]) == len({(r["kappa"], r["method"], r["alpha"], r["beta"]) for r in rows})


# ---------------------------------------------------------------------------------------------
# Documentation: every column's type and doc is in momentumlab.catalogue (tests/test_catalogue.py)


def test_exact_wilcoxon_with_ties_is_the_permutation_distribution():
    # d = log(2) twice (tied) and -log(2)... by enumeration of all 2^3 sign flips
    g = np.random.default_rng(6)
    for _ in range(20):
        n = int(g.integers(2, 10))
        d = g.integers(-3, 4, n).astype(float)  # ties and zeros
        x = 100 * np.exp(d / 10)
        nz = d[d != 0]
        if nz.size == 0:
            assert stats.wilcoxon_p(x, np.full(n, 100.0)) == 1.0
            continue
        ranks = st.rankdata(np.abs(nz))
        obs = ranks[nz > 0].sum()
        sums = [
            sum(r for r, s in zip(ranks, signs, strict=True) if s)
            for signs in itertools.product([0, 1], repeat=nz.size)
        ]
        c = ranks.sum() / 2
        want = np.mean([abs(t - c) >= abs(obs - c) - 1e-9 for t in sums])
        assert stats.wilcoxon_p(x, np.full(n, 100.0)) == pytest.approx(want)


# ---------------------------------------------------------------------------------------------
# The report's words follow the numbers


def words(rows):
    from momentumlab.report import summary

    t = stats.summarise(rows, n_resamples=200)
    objectives = sorted({r["objective"] for r in t["best"]})
    sp = summary.speedups(t["comparisons"], t["best"], objectives, {}, "95%")
    text = " ".join(s["text"] for s in sp["sentences"])
    return t, summary.verdict(t["comparisons"], t["best"], t["noise"], "95%"), text


def test_noisy_runs_censored_at_the_budget_compare_by_floor_only():
    # the engine never certifies a noisy run as settled: every run is censored at max_iter
    g = np.random.default_rng(10)
    rows = []
    for m, a, b in [("gd", 0.5, 0.0), ("heavy_ball", 0.25, 0.5)]:
        gaps = 1e-3 * np.exp(0.5 * g.standard_normal(12))
        rows += [
            run(10, m, a, b, s, "max_iter", 1000, objective="mb", objective_type="logistic",
                stochastic=True, final_gap=float(gap))
            for s, gap in enumerate(gaps)
        ]  # fmt: skip
    t, verdict, _ = words(rows)
    c = one(t["comparisons"], method="heavy_ball")
    assert c["speedup"] is None and c["finding"] == "no detectable difference"
    assert "neither method converged" in c["note"]
    n = one(t["noise"], method="heavy_ball")
    assert n["speedup"] is None and n["finding"] == "no detectable difference"
    assert n["gap_ratio_ci_low"] < 1 < n["gap_ratio_ci_high"]
    assert "no detectable difference, in noise floor or iterations" in verdict


def test_words_mini_batch_no_detectable_difference():
    g = np.random.default_rng(9)
    floor = lambda: 1e-3 * np.exp(0.5 * g.standard_normal(12))  # noqa: E731
    its = lambda: 100 + g.integers(0, 40, 12)  # noqa: E731
    rows = noisy(10, "gd", 0.5, 0.0, floor(), its())
    rows += noisy(10, "heavy_ball", 0.25, 0.5, floor(), its())  # same effective step 0.5
    t, verdict, text = words(rows)
    c = one(t["comparisons"], method="heavy_ball")
    assert c["speedup_ci_low"] < 1 < c["speedup_ci_high"]
    assert c["finding"] == "no detectable difference"
    assert "no detectable difference" in text and "fewer iterations" not in text
    assert "With noisy gradients (mb)" in verdict and "no detectable difference" in verdict
    assert "faster than GD in" not in verdict  # the noisy objective is not counted as a win


def test_words_kappa_one_is_a_tie_and_censored_gd_is_at_least():
    rows = twelve(1, "gd", 1.0, 0.0, 1) + twelve(1, "heavy_ball", 1.0, 0.0, 1)
    g = np.random.default_rng(0)
    rows += [run(100, "gd", 1.0, 0.0, s, "max_iter", 1000) for s in range(12)]
    rows += twelve(100, "heavy_ball", 1.0, 0.5, 10 + g.integers(0, 3, 12))
    t, verdict, text = words(rows)
    assert one(t["comparisons"], kappa=1.0)["finding"] == "tie"
    assert "κ = 1 every method took the same number of iterations" in text
    assert "On quad2d at κ = 100, heavy ball needed at least" in text
    assert "faster than GD in 1 of 1 comparisons" in verdict
    assert "at κ = 100: at least" in verdict and "ties, not wins" in verdict


def test_a_single_seed_is_selected_in_sample():
    rows = [run(10, "gd", a, 0.0, 0, "converged", it) for a, it in [(1.0, 40), (2.0, 20)]]
    rows += [run(10, "heavy_ball", 1.0, 0.5, 0, "converged", 10)]
    t = stats.summarise(rows, n_resamples=50)
    assert one(t["best"], method="gd")["median_iter"] == 20
    assert one(t["comparisons"], method="heavy_ball")["speedup"] == 2.0
