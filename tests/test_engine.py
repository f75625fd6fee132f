"""The engine and the methods against closed-form answers."""

import numpy as np
import pytest

import momentumlab as ml
from momentumlab import rng, theory


def test_issue_example_gd_346_iterations():
    # GD's gap on a quadratic is monotone: the first passage is the settling time
    rec = ml.simulate("quadratic", "gd", kappa=100, alpha=2 / 101, starts=[1, 1], tol=1e-6)[0]
    assert (rec.status, rec.iterations, rec.first_hit) == ("converged", 346, 346)
    assert rec.alpha_L == pytest.approx(200 / 101)


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0, 1e4])
@pytest.mark.parametrize("method", ["gd", "heavy_ball", "momentum", "nesterov"])
def test_exact_iterations_at_optimal_parameters_match_closed_form(kappa, method):
    t = theory.optimal(method, 1.0, kappa)
    rec = ml.simulate(
        "quadratic",
        method,
        kappa=kappa,
        alpha=t.alpha,
        beta=t.beta,
        starts=[1, 1],
        max_iter=100_000,
    )[0]
    first, settle = theory.passage_and_settling(
        method, t.alpha, t.beta, [1.0, kappa], [1.0, 1.0], horizon=100_000
    )
    assert rec.status == "converged"
    assert (rec.iterations, rec.first_hit) == (settle, first)
    assert first == theory.exact_iterations(method, t.alpha, t.beta, [1.0, kappa], [1.0, 1.0])


def test_gd_closed_form_count_by_hand():
    # |1 - alpha*lam| = (k-1)/(k+1) on both eigenvalues, so gap_k = ((k-1)/(k+1))^(2k) gap_0
    for kappa in [4.0, 50.0, 2000.0]:
        rate = (kappa - 1) / (kappa + 1)
        expected = int(np.ceil(np.log(1e-6) / (2 * np.log(rate))))
        rec = ml.simulate(
            "quadratic", "gd", kappa=kappa, alpha=2 / (kappa + 1), starts=[1, 1], max_iter=10**6
        )[0]
        assert rec.iterations == expected


def test_momentum_is_heavy_ball_with_scaled_step():
    alpha, beta = 0.3, 0.8
    a = ml.trajectory(
        "quadratic",
        "momentum",
        kappa=20,
        dim=6,
        spectrum="logspace",
        rotate=True,
        alpha=alpha,
        beta=beta,
        start=np.linspace(-1, 1, 6),
        steps=300,
    )
    b = ml.trajectory(
        "quadratic",
        "heavy_ball",
        kappa=20,
        dim=6,
        spectrum="logspace",
        rotate=True,
        alpha=alpha * (1 - beta),
        beta=beta,
        start=np.linspace(-1, 1, 6),
        steps=300,
    )
    assert np.max(np.abs(a - b)) <= 1e-12


@pytest.mark.parametrize("method", ["momentum", "heavy_ball", "nesterov"])
def test_beta_zero_is_gd(method):
    kw = dict(kappa=50.0, alpha=0.01, start=[0.7, -0.2], steps=200)
    a = ml.trajectory("rosenbrock", method, beta=0.0, **kw)
    b = ml.trajectory("rosenbrock", "gd", **kw)
    assert np.isfinite(a).all() and np.array_equal(a, b)


def test_engine_matches_closed_form_path():
    eigs = [1.0, 40.0]
    for method, alpha, beta in [
        ("heavy_ball", 0.04, 0.5),
        ("nesterov", 0.02, 0.7),
        ("momentum", 0.2, 0.9),
    ]:
        path = ml.trajectory(
            "quadratic", method, kappa=40, alpha=alpha, beta=beta, start=[1, -2], steps=60
        )
        closed = theory.error_paths(method, alpha, beta, eigs, [1, -2], 60)
        assert np.allclose(path, closed, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("method", ["gd", "heavy_ball", "momentum", "nesterov"])
@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_stability_boundary_agrees_with_simulation(method, beta):
    kappa = 100.0
    amax = float(theory.max_stable_alpha(method, beta, kappa))
    recs = ml.simulate(
        "quadratic",
        method,
        kappa=kappa,
        alpha=[0.98 * amax, 1.02 * amax],
        beta=beta,
        starts=[1, 1],
        max_iter=200_000,
    )
    inside, outside = recs
    assert theory.is_stable(method, 0.98 * amax, beta, 1.0, kappa)
    assert not theory.is_stable(method, 1.02 * amax, beta, 1.0, kappa)
    assert inside.status == "converged"
    assert outside.status == "diverged"
    assert outside.diverged_at is not None and outside.diverged_at == outside.iterations


def test_optimal_parameters_from_the_literature():
    hb = theory.heavy_ball_optimal(1.0, 1e4)
    assert hb.alpha * 1e4 == pytest.approx(3.92, abs=0.01)
    assert hb.beta == pytest.approx((99 / 101) ** 2)
    assert theory.momentum_optimal(1.0, 1e4).alpha * 1e4 == pytest.approx(100.0)
    assert theory.gd_optimal(1.0, 100.0).rate == pytest.approx(99 / 101)
    # optimal rates equal the spectral radius of the iteration at those parameters
    for m in ["gd", "heavy_ball", "momentum", "nesterov"]:
        t = theory.optimal(m, 1.0, 300.0)
        lams = np.linspace(1, 300, 2001)
        assert theory.spectral_radius(m, t.alpha, t.beta, lams) == pytest.approx(t.rate, rel=1e-6)


def test_divergence_is_data_not_a_crash():
    recs = ml.simulate(
        "quadratic",
        "heavy_ball",
        kappa=1e4,
        alpha=[1.0, 100.0],
        beta=0.9,
        seeds=3,
        alpha_unit="inv_L",
        max_iter=50_000,
    )
    assert {r.status for r in recs[3:]} == {"diverged"}
    for r in recs[3:]:
        assert r.diverged_at is not None and 0 < r.diverged_at < 50_000
        assert np.isinf(r.final_gap) or r.final_gap > 1e20
    assert all(np.isfinite(v) or np.isinf(v) for r in recs for _, v in r.curve)


def test_rising_heavy_ball_is_not_stopped():
    # optimally tuned heavy ball on kappa=1e4 rises far above its start before converging
    t = theory.heavy_ball_optimal(1.0, 1e4)
    rec = ml.simulate(
        "quadratic",
        "heavy_ball",
        kappa=1e4,
        alpha=t.alpha,
        beta=t.beta,
        starts=[1, 0.01],
        max_iter=10_000,
        curve_points=200,
    )[0]
    assert rec.status == "converged"
    assert max(v for _, v in rec.curve) > 10.0


def test_censored_at_max_iter():
    rec = ml.simulate("quadratic", "gd", kappa=1e4, alpha=1e-6, starts=[1, 1], max_iter=50)[0]
    assert (rec.status, rec.iterations, rec.diverged_at) == ("max_iter", 50, None)
    assert 0 < rec.final_gap < 5001.0


def test_batch_equals_one_at_a_time_and_is_order_free():
    kw = dict(
        kappa=100.0,
        dim=3,
        spectrum="logspace",
        alpha=[0.5, 1.5, 2.5],
        beta=[0.3, 0.9],
        alpha_unit="inv_L",
        max_iter=3000,
    )
    batch = ml.simulate("quadratic", "heavy_ball", seeds=[0, 1, 2, 3], **kw)
    single = [
        ml.simulate(
            "quadratic", "heavy_ball", seeds=[s], **{**kw, "alpha": [r.alpha_L], "beta": [r.beta]}
        )[0]
        for r, s in zip(batch, [r.seed for r in batch], strict=True)
    ]
    for a, b in zip(batch, single, strict=True):
        assert (a.status, a.iterations, a.final_gap) == (b.status, b.iterations, b.final_gap)
    shuffled = ml.simulate("quadratic", "heavy_ball", seeds=[3, 1, 0, 2], **kw)
    key = {(r.alpha, r.beta, r.seed): (r.iterations, r.final_gap) for r in batch}
    assert all(key[(r.alpha, r.beta, r.seed)] == (r.iterations, r.final_gap) for r in shuffled)


def test_stochastic_runs_are_reproducible_and_judged_on_full_objective():
    kw = dict(
        kappa=10.0,
        dim=4,
        n_samples=50,
        batch_size=8,
        alpha=[0.2, 0.5],
        alpha_unit="inv_L",
        seeds=3,
        tol=1e-2,
        max_iter=3000,
    )
    a = ml.simulate("logistic", "momentum", beta=0.9, **kw)
    b = ml.simulate("logistic", "momentum", beta=0.9, **kw)
    assert [(r.status, r.iterations, r.first_hit, r.final_gap) for r in a] == [
        (r.status, r.iterations, r.first_hit, r.final_gap) for r in b
    ]
    # a noisy gap never provably settles: censored at the budget, the first passage recorded,
    # final_gap the gap at the budget (the noise floor), which the last curve point samples
    assert {r.status for r in a} == {"max_iter"} and {r.iterations for r in a} == {3000}
    assert any(r.first_hit is not None and r.first_hit < 3000 for r in a)
    assert all(r.curve[-1][0] == 3000 for r in a)


def test_start_points_derive_from_coordinates():
    obj = ml.make_objective("quadratic", 10.0, dim=3)
    a = ml.start_points(obj, "q", [0, 1, 2])
    b = ml.start_points(obj, "q", [2, 0])
    assert np.array_equal(a[[2, 0]], b)
    assert not np.array_equal(a, ml.start_points(obj, "q", [0, 1, 2], base_seed=1))


def test_rng_streams_are_pure_functions_of_key_and_counter():
    keys = np.array([1, 2, 3], dtype=np.uint64)
    u = rng.uniform(keys, 4, 10)
    assert np.array_equal(u[1:], rng.uniform(keys[1:], 4, 10))
    assert ((u > 0) & (u < 1)).all()
    z = rng.normal(np.arange(50000, dtype=np.uint64), 0, 4)
    assert abs(z.mean()) < 0.02 and z.std() == pytest.approx(1.0, rel=0.02)


def test_alpha_units_and_records():
    rec = ml.simulate("quadratic", "gd", kappa=50.0, alpha=1.0, alpha_unit="inv_L", starts=[1, 1])[
        0
    ]
    assert rec.alpha == pytest.approx(1 / 50) and rec.alpha_L == pytest.approx(1.0)
    assert rec.curve[0] == (0, 1.0)
    its = [i for i, _ in rec.curve]
    assert its == sorted(its) and len(its) <= 40


@pytest.mark.parametrize(
    "kw,match",
    [
        (dict(alpha=-1.0), "alpha must be > 0"),
        (dict(alpha=0.1, beta=1.0), r"beta must be in \[0, 1\)"),
        (dict(alpha=0.1, starts=[1, 1, 1]), "start has dimension 3"),
        (dict(alpha=0.1, alpha_unit="per_L"), "alpha_unit must be one of"),
    ],
)
def test_bad_simulation_requests(kw, match):
    with pytest.raises(ml.ConfigError, match=match):
        ml.simulate("quadratic", "momentum", kappa=10.0, **kw)


def test_unknown_method():
    with pytest.raises(ml.ConfigError, match="unknown method 'adam'; allowed"):
        ml.simulate("quadratic", "adam", alpha=0.1)


@pytest.mark.parametrize(
    "name, opts, scale",
    [
        ("quadratic", dict(dim=5, spectrum="logspace"), 1.0),
        ("quadratic", dict(dim=6, spectrum="uniform", rotate=True), 1.0),
        ("rosenbrock", {}, 0.2),
    ],
)
def test_runs_that_stop_early_leave_the_others_untouched(name, opts, scale):
    # Converged and diverged runs are carried for a while before the batch is compacted; every
    # run's record, loss curve and path must still equal the same run alone, bit for bit.
    obj = ml.make_objective(name, 100.0, **opts)
    n = 120
    gen = np.random.default_rng(7)
    alpha = gen.uniform(0.05, 4.2, n) / obj.L  # fast, slow, censored and diverging runs
    beta = gen.uniform(0.0, 0.95, n)
    starts = scale * ml.start_points(obj, "carry", list(range(n)))
    starts[5] = obj.minimizer  # starts at the optimum
    kw = dict(tol=1e-8, max_iter=300, curve_points=25, keep_path=True)
    method = ml.get_method("nesterov")
    batch = ml.run_batch(obj, method, alpha, beta, starts, **kw)
    assert set(batch.status) == {"converged", "diverged", "max_iter"}
    assert batch.status[5] == "converged" and batch.iterations[5] == 0
    for i in range(n):
        one = ml.run_batch(obj, method, alpha[i : i + 1], beta[i : i + 1], starts[i : i + 1], **kw)
        assert (one.status[0], one.iterations[0]) == (batch.status[i], batch.iterations[i])
        assert one.final_gap[0] == batch.final_gap[i]
        assert (one.first_hit[0], one.stopped_at[0]) == (batch.first_hit[i], batch.stopped_at[i])
        np.testing.assert_array_equal(one.curve[0], batch.curve[i])
        np.testing.assert_array_equal(one.path[0], batch.path[i])
        stop = batch.stopped_at[i]
        assert np.isnan(batch.path[i, stop + 1 :]).all()  # nothing recorded after a stop
        assert not np.isnan(batch.path[i, : stop + 1]).any()


def test_runs_stopping_at_the_last_iteration_beside_censored_ones():
    # GD at 2/(L + mu) from [1, 1] at kappa = 100 converges in exactly 346 iterations: with
    # max_iter = 346, half the batch stops on the last iteration and the rest is censored.
    obj = ml.make_objective("quadratic", 100.0)
    alpha = np.repeat([2.0 / (obj.L + obj.mu), 1e-4], 10)
    starts = np.ones((20, 2))
    res = ml.run_batch(obj, ml.get_method("gd"), alpha, 0.0, starts, max_iter=346)
    assert list(res.status) == ["converged"] * 10 + ["max_iter"] * 10
    assert (res.iterations == 346).all()
    assert np.isfinite(res.final_gap).all() and (res.curve[:, -1] > 0).all()


# -- settling time, first passage and the stop rule ------------------------------------------

METHODS4 = ["gd", "momentum", "heavy_ball", "nesterov"]


def brute_force(obj, method, alpha, beta, starts, tol, horizon):
    """An independent plain loop with no stop rule: (settling time, first passage, gaps at
    ``horizon``) per run, from every gap up to ``horizon`` (the same arithmetic as the engine,
    in the objective's canonical coordinates)."""
    obj, Q = obj.canonical()
    W = np.array(starts if Q is None else starts @ Q, dtype=float)
    m = ml.get_method(method)
    a, b = np.asarray(alpha, float)[:, None], np.asarray(beta, float)[:, None]
    f, G = obj.value_and_grad(W)
    thresh = tol * (f - obj.fstar)
    last = np.where(f - obj.fstar > thresh, 0, -1)
    first = np.where(f - obj.fstar <= thresh, 0, -1)
    state = m.init(W)
    with np.errstate(all="ignore"):
        for k in range(1, horizon + 1):
            delta, state = m.update(G, state, a, b)
            W = W + delta
            f, G = obj.value_and_grad(W)
            above = ~(f - obj.fstar <= thresh)
            last[above] = k
            first[~above & (first < 0)] = k
    return last + 1, first


def agrees_with_brute_force(obj, method, alpha, beta, starts, max_iter, horizon_factor):
    """Run the engine and the plain loop (to horizon_factor * max_iter); assert that every
    converged run's iterations is the brute-force settling time and that first_hit agrees."""
    res = ml.run_batch(obj, ml.get_method(method), alpha, beta, starts, max_iter=max_iter)
    settle, first = brute_force(obj, method, alpha, beta, starts, 1e-6, horizon_factor * max_iter)
    conv = res.status == "converged"
    assert conv.sum() >= 0.7 * len(starts)
    np.testing.assert_array_equal(res.iterations[conv], settle[conv])
    np.testing.assert_array_equal(res.first_hit, np.where(first <= max_iter, first, -1))
    return res, settle, conv


def random_tunings(gen, method, n, L):
    beta = np.zeros(n) if method == "gd" else gen.uniform(0.0, 0.98, n)
    alpha = gen.uniform(0.2, 0.95, n) * theory.max_stable_alpha(method, beta, L)
    return alpha, beta


def slow_mode_oscillates(method, alpha, beta, eigs):
    """True where the eigen-direction that decays slowest has complex roots (under-damped)."""
    roots = [theory.roots(method, alpha, beta, lam) for lam in eigs]
    modulus = np.array([np.maximum(np.abs(p), np.abs(q)) for p, q in roots])
    complex_ = np.array([np.abs(np.imag(p)) > 0 for p, _ in roots])
    return complex_[np.argmax(modulus, axis=0), np.arange(len(alpha))]


def test_settling_time_and_first_passage_case_by_case_on_2d_quadratics():
    """iterations = the closed-form settling time, first_hit = the closed-form first passage,
    run by run, on the 2-D bowl; under-damped runs dip below tol and rebound, so the two differ
    in many of them (over-damped ones: rarely; GD: never)."""
    gen = np.random.default_rng(10)
    under_differ, under, over_differ, over = 0, 0, 0, 0
    for kappa in (10.0, 100.0, 1000.0):
        obj = ml.make_objective("quadratic", kappa)
        for method in METHODS4:
            n = 40
            alpha, beta = random_tunings(gen, method, n, kappa)
            starts = ml.start_points(obj, "settle", list(range(n)))
            res = ml.run_batch(obj, ml.get_method(method), alpha, beta, starts, max_iter=50_000)
            assert (res.status == "converged").all()
            for i in range(n):
                first, settle = theory.passage_and_settling(
                    method, alpha[i], beta[i], obj.eigs, starts[i], horizon=3 * res.stopped_at[i]
                )
                assert (res.iterations[i], res.first_hit[i]) == (settle, first), (method, i)
                assert res.first_hit[i] <= res.iterations[i] <= res.stopped_at[i]
            differ = res.first_hit != res.iterations
            if method == "gd":  # a monotone gap: the two coincide
                assert not differ.any()
                continue
            osc = slow_mode_oscillates(method, alpha, beta, obj.eigs)
            under_differ, under = under_differ + (differ & osc).sum(), under + osc.sum()
            over_differ, over = over_differ + (differ & ~osc).sum(), over + (~osc).sum()
    assert under >= 40 and over >= 40
    assert under_differ >= 0.4 * under, (under_differ, under)
    assert over_differ <= 0.2 * over, (over_differ, over)


@pytest.mark.parametrize(
    "opts",
    [dict(dim=2), dict(dim=5, spectrum="logspace", rotate=True), dict(dim=4, spectrum="uniform")],
)
def test_the_certificate_never_stops_early_and_stops_soon(opts):
    """Random tunings, kappas and starts: the certified stop gives exactly the settling time a
    plain loop to a long horizon (three times the budget) gives, and it stops runs within a few
    iterations of settling, far from the budget."""
    gen = np.random.default_rng(len(opts))
    max_iter = 5000
    lags = []
    for trial, method in enumerate(METHODS4):
        kappa = float(10 ** gen.uniform(0.3, 2.5))
        obj = ml.make_objective("quadratic", kappa, **opts)
        n = 100
        alpha, beta = random_tunings(gen, method, n, kappa)
        starts = ml.start_points(obj, f"cert{trial}", list(range(n)))
        res, settle, conv = agrees_with_brute_force(obj, method, alpha, beta, starts, max_iter, 3)
        # censored runs had not settled within (or just about at) the budget
        assert (settle[~conv] > max_iter - 100).all()
        lags.extend((res.stopped_at - res.iterations)[conv])
    lags = np.array(lags)
    assert np.median(lags) <= 10 and np.quantile(lags, 0.95) <= 60, np.quantile(lags, [0.5, 0.95])


def test_recurrence_bound_is_sound_and_tight_at_double_roots():
    gen = np.random.default_rng(3)
    steps = 4000
    for method in METHODS4:
        for _ in range(200):
            lam = 10 ** gen.uniform(-2, 0)
            beta = 0.0 if method == "gd" else gen.uniform(0, 0.99)
            alpha = gen.uniform(0.01, 0.999) * float(theory.max_stable_alpha(method, beta, 1.0))
            # a double root for heavy ball / EMA momentum at a = (1 - sqrt(beta))^2
            if method in ("heavy_ball", "momentum") and gen.random() < 0.3:
                a = (1 - np.sqrt(beta)) ** 2
                alpha = a / lam / ((1 - beta) if method == "momentum" else 1.0)
            x0, x1 = gen.standard_normal(2)
            c1, c0 = theory.char_poly(method, alpha, beta, lam)
            e = [x0, x1]
            for _ in range(steps):
                e.append(-c1 * e[-1] - c0 * e[-2])
            true_sup = np.max(np.abs(e[1:]))
            bound = float(theory.recurrence_sup_bound(method, alpha, beta, lam, x0, x1))
            assert bound >= true_sup * (1 - 1e-12), (method, alpha, beta, lam)
    # late in a critically damped run (one dominant mode left) the bound is near the truth
    beta, lam = 0.9, 1.0
    alpha = (1 - np.sqrt(beta)) ** 2
    c1, c0 = theory.char_poly("heavy_ball", alpha, beta, lam)
    e = [1.0, 0.0]
    for _ in range(400):
        e.append(-c1 * e[-1] - c0 * e[-2])
    bound = float(theory.recurrence_sup_bound("heavy_ball", alpha, beta, lam, e[-2], e[-1]))
    assert abs(e[-1]) <= bound <= 1.5 * abs(e[-1])


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,opts,scale", [("rosenbrock", {}, 0.2), ("logistic", dict(dim=5, n_samples=60), 1.0)]
)
def test_the_horizon_rule_agrees_with_long_brute_force_runs(name, opts, scale):
    gen = np.random.default_rng(5)
    max_iter = 4000
    for kappa in (10.0, 300.0) if name == "rosenbrock" else (100.0,):
        obj = ml.make_objective(name, kappa, **opts)
        for method in METHODS4:
            n = 30
            alpha, beta = random_tunings(gen, method, n, obj.L)
            starts = obj.minimizer + scale * (
                ml.start_points(obj, "h", list(range(n))) - obj.minimizer
            )
            res, _, conv = agrees_with_brute_force(obj, method, alpha, beta, starts, max_iter, 4)
            assert (res.stopped_at[conv] < max_iter).all()


def test_loss_curves_show_the_rebound_and_an_upper_bound_after_the_stop():
    # under-damped heavy ball on the 2-D bowl: its gap dips below tol and climbs back over it
    obj = ml.make_objective("quadratic", 100.0)
    n = 200
    gen = np.random.default_rng(11)
    alpha, beta = random_tunings(gen, "heavy_ball", n, 100.0)
    starts = ml.start_points(obj, "curve", list(range(n)))
    kw = dict(max_iter=5000, curve_points=400)
    res = ml.run_batch(obj, ml.get_method("heavy_ball"), alpha, beta, starts, **kw)
    traced = ml.run_batch(
        obj, ml.get_method("heavy_ball"), alpha, beta, starts, **kw, keep_path=True
    )
    assert (res.status == "converged").all()
    rebound = np.flatnonzero(res.first_hit < res.iterations)
    assert rebound.size >= 20
    its = res.curve_iters
    for i in range(n):
        during = its <= res.stopped_at[i]
        P = traced.path[i, its[during]]  # the iterates the run went through, until its stop
        true = 0.5 * (P**2 * obj.eigs).sum(axis=1) / res.gap0[i]
        np.testing.assert_allclose(res.curve[i, during], true, rtol=1e-12)
        after = res.curve[i, ~during]
        assert (after <= 1e-6).all() and len(set(after)) <= 1
    # the rebound is visible in the recorded curves of many runs
    vis = [
        i for i in rebound
        if ((its > res.first_hit[i]) & (its < res.iterations[i]) & (res.curve[i] > 1e-6)).any()
    ]  # fmt: skip
    assert len(vis) >= 5


def test_after_a_certified_stop_the_curve_bounds_the_real_gaps():
    obj = ml.make_objective("quadratic", 100.0, dim=5, spectrum="logspace", rotate=True)
    n = 100
    gen = np.random.default_rng(12)
    alpha, beta = random_tunings(gen, "nesterov", n, 100.0)
    starts = ml.start_points(obj, "after", list(range(n)))
    res = ml.run_batch(obj, ml.get_method("nesterov"), alpha, beta, starts, max_iter=4000)
    assert (res.status == "converged").all()
    # the real gaps after the stop, from an unstopped trajectory of each run
    for i in range(0, n, 7):
        traj = ml.trajectory(
            obj, "nesterov", alpha=alpha[i], beta=beta[i], start=starts[i], steps=4000
        )
        gaps = obj.value(traj) / res.gap0[i]
        later = res.curve_iters > res.stopped_at[i]
        assert (res.curve[i, later] >= gaps[res.curve_iters[later]]).all()
        assert (gaps[res.iterations[i] :] <= 1e-6).all() and gaps[res.iterations[i] - 1] > 1e-6


def test_simulations_rows_carry_first_hit_and_stochastic():
    from momentumlab.study import SIM_COLUMNS, JobSpec, simulate_job

    base = dict(
        objective="q", objective_type="quadratic", kappa=100.0, method="heavy_ball",
        points=[[1.0, 0.9], [3.0, 0.5]], alpha_unit="inv_L", seeds=4, base_seed=0, tol=1e-6,
        max_iter=2000, start="random", start_scale=1.0, curve_points=10,
    )  # fmt: skip
    sims, _ = simulate_job(JobSpec(options={"dim": 2}, **base))
    assert all(list(r) == SIM_COLUMNS for r in sims)
    assert all(r["stochastic"] is False for r in sims)
    assert all(r["first_hit"] <= r["iterations"] for r in sims if r["status"] == "converged")
    noisy, _ = simulate_job(JobSpec(options={"dim": 2, "noise": 1e-3}, **base))
    assert all(r["stochastic"] is True and r["status"] == "max_iter" for r in noisy)
    assert all(r["iterations"] == 2000 for r in noisy)
