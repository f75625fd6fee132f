"""The engine and the methods against closed-form answers."""

import numpy as np
import pytest

import momentumlab as ml
from momentumlab import rng, theory


def test_issue_example_gd_346_iterations():
    rec = ml.simulate("quadratic", "gd", kappa=100, alpha=2 / 101, starts=[1, 1], tol=1e-6)[0]
    assert (rec.status, rec.iterations) == ("converged", 346)
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
    expected = theory.exact_iterations(method, t.alpha, t.beta, [1.0, kappa], [1.0, 1.0])
    assert rec.status == "converged"
    assert rec.iterations == expected


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
    assert [(r.status, r.iterations, r.final_gap) for r in a] == [
        (r.status, r.iterations, r.final_gap) for r in b
    ]
    assert any(r.status == "converged" for r in a)


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
        np.testing.assert_array_equal(one.curve[0], batch.curve[i])
        np.testing.assert_array_equal(one.path[0], batch.path[i])
        stop = batch.iterations[i]
        assert np.isnan(batch.path[i, stop + 1 :]).all()  # nothing recorded after a stop


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
