"""The summary statistics on small hand-checkable data."""

import math
import random
import re
from pathlib import Path

import numpy as np
import pytest

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
        "final_gap": 0.0 if status == "converged" else INF,
        "diverged_at": iterations if status == "diverged" else None,
        "tol": 1e-6,
        "max_iter": max_iter,
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


def test_wilson_interval_by_hand():
    z = 1.959963984540054
    k, n = 7, 10
    ph = k / n
    centre = (ph + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n))
    lo, hi = stats.binomial_ci(k, n, 0.95)
    assert lo == pytest.approx(centre - half, rel=1e-9)
    assert hi == pytest.approx(centre + half, rel=1e-9)
    lo0, hi0 = stats.binomial_ci(0, 10, 0.95)
    assert lo0 == pytest.approx(0.0, abs=1e-12)
    assert hi0 == pytest.approx(z * z / (10 + z * z), rel=1e-9)
    assert stats.binomial_ci(10, 10, 0.95)[1] == pytest.approx(1.0)


def test_ert_by_hand():
    # converged at 10 and 20, diverged at 5, ran out at 100: (10 + 20 + 5 + 100) / 2
    assert stats.ert([10, 20, 5, 100], [True, True, False, False]) == 67.5
    assert stats.ert([5, 100], [False, False]) is None


def test_median_ci_edge_cases():
    assert stats.median_ci([42.0]) == (None, None)
    assert stats.median_ci([42.0, 42.0, 42.0]) == (42.0, 42.0)
    assert stats.median_ci([INF, INF]) == (None, None)


def test_median_ci_brackets_the_median_and_is_deterministic():
    x = [12.0, 15, 11, 19, 14, 13, 30, 16, 12, 17]
    lo, hi = stats.median_ci(x, seed=7)
    med = float(stats.censored_quantile(x, 0.5))
    assert lo <= med <= hi
    assert min(x) <= lo < hi <= max(x)
    assert stats.median_ci(x, seed=7) == (lo, hi)


def test_median_ci_upper_bound_beyond_budget_is_empty():
    # 6 of 10 converged: many resamples have fewer than half converged
    x = [10.0, 11, 12, 13, 14, 15, INF, INF, INF, INF]
    lo, hi = stats.median_ci(x, seed=3)
    assert lo is not None and 10 <= lo <= 15
    assert hi is None


# ---------------------------------------------------------------------------------------------
# Paired comparison and multiplicity


def test_paired_speedup_by_hand():
    s, lo, hi = stats.paired_speedup([100, 200, 300], [50, 100, 100], seed=1)
    assert s == 2.0  # 200 / 100 (second smallest of three)
    assert lo <= s <= hi
    assert stats.paired_speedup([100, 100], [25, 25]) == (4.0, 4.0, 4.0)
    assert stats.paired_speedup([100], [25]) == (4.0, None, None)


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
# Best tuning and good step sizes


def cell(alpha, beta, median, mean, all_converged=True):
    return {
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
    assert {k: list(t[k][0]) for k in t} == stats.COLUMNS

    c = one(t["cells"], objective="quad2d", method="gd", alpha_L=2.0)
    assert (c["runs"], c["converged"], c["max_iter_runs"], c["all_converged"]) == (4, 3, 1, False)
    assert (c["q25_iter"], c["median_iter"], c["q75_iter"]) == (20, 21, 22)
    assert c["ert"] == (20 + 21 + 22 + 1000) / 3
    assert c["mean_iter"] is None
    d = one(t["cells"], objective="quad2d", method="gd", alpha_L=3.0)
    assert (d["diverged"], d["median_iter"], d["median_ci_low"], d["ert"]) == (4, None, None, None)
    assert d["conv_frac"] == 0.0 and d["conv_ci_high"] > 0

    # gd's alpha_L 2 has the smaller median but a run that did not converge
    b = one(t["best"], objective="quad2d", method="gd")
    assert (b["alpha_L"], b["median_iter"], b["n_cells"], b["n_all_converged_cells"]) == (
        1.0,
        42,
        3,
        1,
    )
    gd_theory = theory.optimal("gd", 1.0, 10.0)
    assert b["theory_alpha_L"] == pytest.approx(gd_theory.alpha * 10)
    assert b["theory_iterations"] == pytest.approx(gd_theory.iterations(1e-6))
    hb = one(t["best"], objective="quad2d", method="heavy_ball")
    assert (hb["beta"], hb["median_iter"]) == (0.8, 10)
    nv = one(t["best"], objective="quad2d", method="nesterov")
    assert nv["alpha"] is None and nv["median_iter"] is None and nv["n_good_alpha"] == 0
    assert nv["theory_beta"] is not None  # theory is still given for the quadratic
    rb = one(t["best"], objective="rosen", method="gd")
    assert rb["theory_alpha_L"] is None and rb["median_iter"] == 410

    # comparisons: none for nesterov (no best tuning); holm over both p-values
    assert [(r["objective"], r["method"]) for r in t["comparisons"]] == [
        ("quad2d", "heavy_ball"),
        ("rosen", "heavy_ball"),
    ]
    q = one(t["comparisons"], objective="quad2d")
    assert (q["n_pairs"], q["baseline_median_iter"], q["median_iter"]) == (4, 42, 10)
    assert q["speedup"] == 4.2
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


def test_theil_sen_slopes_exactly_one_and_one_half():
    rows = []
    for kappa in [10, 100, 1000, 10_000]:
        rows += conv_runs(kappa, "gd", 1.0, 0.0, [3 * kappa] * 3, max_iter=10**6)
    for kappa in [100, 10_000, 1_000_000]:
        rows += conv_runs(kappa, "heavy_ball", 1.0, 0.5, [5 * math.isqrt(kappa)] * 3)
    # below slope_min_kappa, off the trend: must be left out of the fit
    rows += conv_runs(1, "gd", 1.0, 0.0, [999] * 3)
    rows += conv_runs(1, "heavy_ball", 1.0, 0.5, [1] * 3)
    t = stats.summarise(rows, n_resamples=50)
    gd = one(t["slopes"], method="gd")
    hb = one(t["slopes"], method="heavy_ball")
    assert gd["slope"] == pytest.approx(1.0, abs=1e-12)
    assert gd["intercept"] == pytest.approx(math.log10(3), abs=1e-12)
    assert (gd["n_kappas"], gd["kappa_min"], gd["kappa_max"]) == (4, 10.0, 10_000.0)
    assert gd["slope_ci_low"] == pytest.approx(1.0) and gd["slope_ci_high"] == pytest.approx(1.0)
    assert hb["slope"] == pytest.approx(0.5, abs=1e-12)
    assert hb["n_kappas"] == 3
    assert (gd["theory_slope"], hb["theory_slope"]) == (1.0, 0.5)
    assert stats.theil_sen([1.0], [2.0])["slope"] is None


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
# Documentation


def doc_sections():
    text = (ROOT / "docs" / "tables.md").read_text()
    sections, current = {}, None
    for line in text.splitlines():
        head = re.match(r"^## .*`(\w+)`", line)
        if head:
            current = sections.setdefault(head.group(1), [])
            continue
        if line.startswith("## "):
            current = None
        row = re.match(r"^\| `(\w+)` \| (.*) \|$", line)
        if row and current is not None:
            current.append((row.group(1), row.group(2)))
    return sections


def test_every_column_is_documented_in_code_and_in_docs():
    assert list(stats.COLUMN_DOCS) == list(stats.COLUMNS)
    for name, cols in stats.COLUMNS.items():
        assert len(set(cols)) == len(cols)
        assert set(stats.COLUMN_DOCS[name]) == set(cols), name
    assert set(stats.INPUT_DOCS) == set(stats.INPUT_COLUMNS)
    sections = doc_sections()
    expected = {
        n: [(c, stats.COLUMN_DOCS[n][c]) for c in cols] for n, cols in stats.COLUMNS.items()
    }
    expected["simulations"] = [(c, stats.INPUT_DOCS[c]) for c in stats.INPUT_COLUMNS]
    assert {k: v for k, v in sections.items() if k in expected} == expected


def test_the_other_tables_are_documented_too():
    from momentumlab.lecture import LANDSCAPE_COLUMNS, TRAJECTORY_COLUMNS
    from momentumlab.study import CURVE_COLUMNS

    sections = doc_sections()
    others = {"curves": CURVE_COLUMNS, "trajectories": TRAJECTORY_COLUMNS,
              "landscape": LANDSCAPE_COLUMNS}  # fmt: skip
    assert set(sections) == set(stats.COLUMNS) | {"simulations"} | set(others)
    for name, cols in others.items():
        assert [c for c, _ in sections[name]] == list(cols), name
        assert all(doc.strip() for _, doc in sections[name])


def test_input_columns_match_the_study():
    study = pytest.importorskip("momentumlab.study")
    if not hasattr(study, "SIM_COLUMNS"):
        pytest.skip("momentumlab.study has no SIM_COLUMNS")
    assert stats.INPUT_COLUMNS == study.SIM_COLUMNS
