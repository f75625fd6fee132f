"""The objective catalogue: gradients, minimisers, f* and curvature."""

import numpy as np
import pytest

import momentumlab as ml
from momentumlab.objectives import Logistic, _newton_logistic
from momentumlab.rowwise import matmul_rows, rowdot

CASES = [
    ("quadratic", dict(dim=2)),
    ("quadratic", dict(dim=7, spectrum="logspace", rotate=True)),
    ("quadratic", dict(dim=5, spectrum="uniform", rotate=True)),
    ("rosenbrock", dict()),
    ("logistic", dict(dim=4, n_samples=60)),
]


def _numerical_grad(obj, W, h=1e-6):
    G = np.zeros_like(W)
    for j in range(W.shape[1]):
        E = np.zeros_like(W)
        E[:, j] = h
        G[:, j] = (obj.value(W + E) - obj.value(W - E)) / (2 * h)
    return G


@pytest.mark.parametrize("name,opts", CASES)
@pytest.mark.parametrize("kappa", [1.0, 30.0, 1000.0])
def test_gradient_matches_finite_differences(name, opts, kappa):
    obj = ml.make_objective(name, kappa, **opts)
    gen = np.random.default_rng(0)
    W = obj.minimizer + 0.3 * gen.standard_normal((4, obj.dim))
    num = _numerical_grad(obj, W)
    scale = np.abs(num).max() + 1.0
    assert np.max(np.abs(obj.grad(W) - num)) / scale < 1e-6


@pytest.mark.parametrize("name,opts", CASES)
@pytest.mark.parametrize("kappa", [1.0, 10.0, 1e4])
def test_minimiser_fstar_and_condition_number(name, opts, kappa):
    obj = ml.make_objective(name, kappa, **opts)
    w = obj.minimizer[None, :]
    assert np.linalg.norm(obj.grad(w)) < 1e-8 * max(1.0, obj.L)
    assert obj.value(w)[0] == pytest.approx(obj.fstar, rel=1e-12, abs=1e-14)
    # Hessian at the minimiser by finite differences of the gradient
    h = 1e-5
    H = np.array(
        [
            (obj.grad(w + h * e[None]) - obj.grad(w - h * e[None]))[0] / (2 * h)
            for e in np.eye(obj.dim)
        ]
    )
    ev = np.linalg.eigvalsh((H + H.T) / 2)
    assert ev[0] == pytest.approx(obj.mu, rel=1e-4)
    assert ev[-1] == pytest.approx(obj.L, rel=1e-4)
    assert obj.L / obj.mu == pytest.approx(kappa, rel=1e-6)


def test_quadratic_two_point_is_the_lecture_bowl():
    obj = ml.make_objective("quadratic", 100.0)
    assert obj.eigs.tolist() == [1.0, 100.0]
    assert obj.value(np.array([[1.0, 1.0]]))[0] == pytest.approx(50.5)


def test_logistic_fstar_is_the_optimum_to_1e12():
    obj = ml.make_objective("logistic", 100.0, dim=5, n_samples=80)
    assert isinstance(obj, Logistic)
    # any perturbation increases f, and Newton from a different start agrees on f*
    gen = np.random.default_rng(1)
    W = obj.minimizer + 1e-3 * gen.standard_normal((20, obj.dim))
    assert np.all(obj.value(W) >= obj.fstar)
    w2, _ = _newton_logistic(obj.X, obj.y, obj.lam)
    f2 = obj.value(w2[None])[0]
    assert abs(f2 - obj.fstar) <= 1e-12 * abs(obj.fstar)


def test_logistic_data_is_reproducible_and_seeded():
    a = ml.make_objective("logistic", 10.0, dim=3, n_samples=50, data_seed=1)
    b = ml.make_objective("logistic", 10.0, dim=3, n_samples=50, data_seed=1)
    c = ml.make_objective("logistic", 10.0, dim=3, n_samples=50, data_seed=2)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


def test_minibatch_gradient_is_unbiased_and_per_run():
    obj = ml.make_objective("logistic", 10.0, dim=3, n_samples=40, batch_size=5)
    W = np.tile(obj.minimizer + 0.5, (4000, 1))
    keys = np.arange(4000, dtype=np.uint64)
    G = obj.stoch_grad(W, keys, 0)
    assert np.allclose(G.mean(axis=0), obj.grad(W[:1])[0], atol=0.02)
    # a run's mini-batch does not depend on which other runs share its batch
    assert np.array_equal(obj.stoch_grad(W[7:9], keys[7:9], 3), obj.stoch_grad(W, keys, 3)[7:9])


def test_quadratic_noise_has_the_set_scale():
    obj = ml.make_objective("quadratic", 10.0, dim=3, noise=0.5)
    W = np.zeros((20000, 3))
    G = obj.stoch_grad(W, np.arange(20000, dtype=np.uint64), 5)
    assert G.std() == pytest.approx(0.5, rel=0.02)
    assert abs(G.mean()) < 0.01


@pytest.mark.parametrize(
    "name,opts,match",
    [
        ("nope", {}, "unknown objective 'nope'; allowed"),
        ("quadratic", {"spectrum": "flat"}, "spectrum must be one of"),
        ("rosenbrock", {"dim": 3}, "dim must be 2"),
        ("quadratic", {"colour": 1}, "bad options"),
    ],
)
def test_bad_objective_requests_are_precise(name, opts, match):
    with pytest.raises(ml.ConfigError, match=match):
        ml.make_objective(name, 10.0, **opts)


def test_kappa_below_one_is_refused():
    with pytest.raises(ml.ConfigError, match="kappa must be a number >= 1"):
        ml.make_objective("quadratic", 0.5)


@pytest.mark.parametrize("n", [1, 2, 7])
@pytest.mark.parametrize("d", [1, 2, 3, 50])
@pytest.mark.parametrize("order", ["C", "F"])
def test_rowdot_sums_columns_in_order_for_every_layout(n, d, order):
    # a run's value must not depend on the batch around it: same order, same rounding
    gen = np.random.default_rng(n * 100 + d)
    A = np.array(gen.normal(size=(n, d)) * 10.0 ** gen.integers(-8, 8, size=(n, d)), order=order)
    B = np.array(gen.normal(size=(n, d)), order=order)
    expected = []
    for i in range(n):
        acc = A[i, 0] * B[i, 0]
        for j in range(1, d):
            acc = acc + A[i, j] * B[i, j]
        expected.append(acc)
    np.testing.assert_array_equal(rowdot(A, B), expected)


@pytest.mark.parametrize("n", [1, 2, 9, 40])  # up to 8 rows, then more: both paths
def test_matmul_rows_rounds_each_row_alone(n):
    gen = np.random.default_rng(n)
    X, M = gen.normal(size=(n, 50)), gen.normal(size=(50, 7))
    out = matmul_rows(X, M)
    np.testing.assert_allclose(out, X @ M, rtol=1e-12, atol=1e-12)
    for i in range(n):
        np.testing.assert_array_equal(out[i], matmul_rows(X[i : i + 1], M)[0])
        expected = X[i, 0] * M[0]
        for j in range(1, 50):
            expected = expected + X[i, j] * M[j]
        np.testing.assert_array_equal(out[i], expected)


@pytest.mark.parametrize("name,opts", CASES + [("quadratic", dict(dim=3, noise=0.1))])
def test_local_model_is_the_hessian_at_the_minimiser(name, opts):
    obj = ml.make_objective(name, 50.0, **opts)
    lam, V, exact = obj.local_model()
    H = obj.hessian if V is not None else np.diag(lam)
    if V is not None:
        np.testing.assert_allclose((V * lam) @ V.T, H, rtol=1e-10, atol=1e-10 * lam.max())
    assert lam.min() == pytest.approx(obj.mu) and lam.max() == pytest.approx(obj.L)
    # the engine's certificate is a proof only for a noise-free quadratic in its eigenbasis
    canon, _ = obj.canonical()
    assert canon.local_model()[2] == (name == "quadratic" and not obj.stochastic)
    assert not exact or V is None
