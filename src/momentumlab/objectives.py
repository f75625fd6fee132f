"""The catalogue of test problems, each with a known minimiser, f* and curvature bounds.

Every objective works on a batch: ``W`` has shape ``(n, d)``, one row per simulation.
``mu`` and ``L`` are the extreme eigenvalues of the Hessian at the minimiser, so alpha given in
units of ``1/L`` means the same thing whatever kappa is. For the quadratic they are also the
global curvature bounds.

Look objectives up by name with :func:`make_objective`; the registry is :data:`OBJECTIVES`
(an :class:`ObjectiveType` per type: its constructor, the options a config may pass it, and
whether the quadratic theory of :mod:`momentumlab.theory` describes it exactly).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from . import rng
from .errors import ConfigError
from .rowwise import rowdot

SPECTRA = ("two_point", "logspace", "uniform")


@dataclass(frozen=True)
class Objective:
    """Base class: value/gradient on batches plus the facts the study needs."""

    name: str
    dim: int
    kappa: float
    mu: float
    L: float
    minimizer: np.ndarray = field(repr=False)
    fstar: float
    stochastic: bool = False
    # the Hessian at the minimiser; for a type with ``quadratic_theory`` the exact Hessian
    # everywhere (f - f* = 1/2 (w - w*) H (w - w*)^T)
    hessian: np.ndarray | None = field(default=None, repr=False)

    @property
    def quadratic_theory(self) -> bool:
        """Does the quadratic theory predict this objective (its type's fact, exact gradients)?"""
        return OBJECTIVES[self.name].quadratic_theory and not self.stochastic

    def start_metric(self) -> np.ndarray:
        """M = sqrt(mu) H^(-1/2) (H: the Hessian at the minimiser); random starts are w* + s z M.

        Each eigen-direction of H then holds the same expected share of the initial gap, and the
        spread along the flattest direction is s: the lecture's start, far along the valley and
        close across it. (From isotropic starts the steep directions would hold all but 1/kappa
        of the gap, and a tolerance relative to it would barely test the flat direction.)
        """
        ev, V = np.linalg.eigh(self.hessian)
        return (V * np.sqrt(self.mu / ev)) @ V.T

    def value(self, W: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def grad(self, W: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def value_and_grad(self, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Both at once; objectives override it to share work (the engine's hot path)."""
        return self.value(W), self.grad(W)

    def stoch_grad(self, W: np.ndarray, keys: np.ndarray, k: int) -> np.ndarray:
        """The gradient a run sees at iteration ``k`` (mini-batch or noisy); exact by default."""
        return self.grad(W)

    def local_model(self) -> tuple[np.ndarray, np.ndarray | None, bool]:
        """The quadratic model of f at its minimiser, for the engine's settling rule.

        Returns ``(lam, V, exact)``: the Hessian's eigenvalues ``lam`` at the minimiser, its
        eigenvectors as columns of ``V`` (None when the coordinates already are its eigenbasis),
        and whether f - f* *is* 1/2 sum_i lam_i ((w - w*) V)_i^2 with exact gradients (a
        noise-free quadratic in canonical coordinates: the engine's certificate is then a proof;
        otherwise only a local model).
        """
        lam, V = np.linalg.eigh(self.hessian)
        return lam, V, False

    def canonical(self) -> tuple[Objective, np.ndarray | None]:
        """An equivalent objective in rotated coordinates u = w Q, and Q (None: no rotation).

        For a rotation-equivariant method (``Method.equivariant``: e.g. linear in the gradient)
        simulating in the canonical coordinates gives the same iterates (rotated) and the same
        values; the engine uses them only for such methods.
        """
        return self, None


@dataclass(frozen=True)
class Quadratic(Objective):
    """f(w) = 1/2 w^T A w, eigenvalues of A spanning [1, kappa]; f* = 0 at w* = 0.

    ``two_point`` puts half the eigenvalues at 1 and half at kappa (in 2-D: the lecture's
    elongated bowl, flat along w1 and steep along w2); ``logspace``/``uniform`` spread them.
    ``noise`` > 0 adds N(0, noise^2 I) to every gradient (a mini-batch stand-in).
    """

    eigs: np.ndarray = field(default=None, repr=False)
    Q: np.ndarray | None = field(default=None, repr=False)
    A: np.ndarray | None = field(default=None, repr=False)  # Q diag(eigs) Q^T when rotated
    noise: float = 0.0

    def _Aw(self, W):
        return W * self.eigs if self.A is None else W @ self.A

    def value(self, W):
        return 0.5 * rowdot(W, self._Aw(W))

    def grad(self, W):
        return self._Aw(W)

    def value_and_grad(self, W):
        G = self._Aw(W)
        return 0.5 * rowdot(W, G), G

    def local_model(self):
        if self.A is None:
            return self.eigs, None, not self.stochastic
        return super().local_model()

    def canonical(self):
        if self.A is None:
            return self, None
        return replace(self, Q=None, A=None), self.Q

    def stoch_grad(self, W, keys, k):
        g = self._Aw(W)
        if self.noise > 0:
            g = g + self.noise * rng.normal(keys, k, self.dim)
        return g


@dataclass(frozen=True)
class Rosenbrock(Objective):
    """The banana valley R(u) = (1 - u1)^2 + b (u2 - u1^2)^2 (b = 100), in coordinates w = P^-1 u.

    P = V diag(sqrt(lambda_i / h_i)) V^T, where H = V diag(h) V^T is R's Hessian at (1, 1), makes
    the Hessian of f(w) = R(P w) at its minimiser V diag(1, kappa) V^T: the valley keeps its
    shape and direction, and its local condition number is exactly kappa. f* = 0.
    """

    P: np.ndarray = field(default=None, repr=False)
    b: float = 100.0

    def _u(self, W):
        """u = P w for every row (the 2-D map written out: the same rounding in any batch)."""
        P, w1, w2 = self.P, W[:, 0], W[:, 1]
        return w1 * P[0, 0] + w2 * P[0, 1], w1 * P[1, 0] + w2 * P[1, 1]

    def value(self, W):
        x, y = self._u(W)
        return (1.0 - x) ** 2 + self.b * (y - x * x) ** 2

    def grad(self, W):
        return self.value_and_grad(W)[1]

    def value_and_grad(self, W):
        x, y = self._u(W)
        r = y - x * x
        gx, gy = -2.0 * (1.0 - x) - 4.0 * self.b * x * r, 2.0 * self.b * r
        G = np.empty_like(W)  # G = P^T grad R(u), one column at a time
        G[:, 0] = gx * self.P[0, 0] + gy * self.P[1, 0]
        G[:, 1] = gx * self.P[0, 1] + gy * self.P[1, 1]
        return (1.0 - x) ** 2 + self.b * r * r, G


@dataclass(frozen=True)
class Logistic(Objective):
    """L2-regularised logistic regression, f(w) = mean log(1 + exp(-y_i x_i.w)) + lam/2 |w|^2.

    Synthetic data from ``data_seed``: whitened Gaussian features with column scales spread over
    a range that is solved for (brentq) so that the Hessian at the optimum has condition number
    kappa to 1e-8; labels drawn from a planted model. w* and f* come from Newton's method to
    machine precision. ``batch_size`` > 0 gives mini-batch gradients: each run samples its own
    rows (with replacement) at each iteration; convergence is still judged on the full f.
    """

    X: np.ndarray = field(default=None, repr=False)
    y: np.ndarray = field(default=None, repr=False)
    lam: float = 0.0
    batch_size: int = 0

    def value(self, W):
        return self.value_and_grad(W)[0]

    def grad(self, W):
        return self.value_and_grad(W)[1]

    def value_and_grad(self, W):
        M = (W @ self.X.T) * self.y  # margins
        # one exp serves both: log(1 + e^-m) = log1p(e^-|m|) + max(-m, 0), and
        # sigmoid(-m) = e^-|m| / (1 + e^-|m|) for m >= 0, 1 / (1 + e^-|m|) otherwise
        E = np.exp(-np.abs(M))
        loss = np.log1p(E) + np.maximum(-M, 0.0)
        f = loss.mean(axis=1) + 0.5 * self.lam * np.einsum("ij,ij->i", W, W)
        S = -self.y * (np.where(M >= 0, E, 1.0) / (1.0 + E))
        return f, S @ self.X / self.X.shape[0] + self.lam * W

    def stoch_grad(self, W, keys, k):
        if self.batch_size <= 0:
            return self.grad(W)
        n = self.X.shape[0]
        idx = np.minimum((rng.uniform(keys, k, self.batch_size) * n).astype(np.int64), n - 1)
        Xb, yb = self.X[idx], self.y[idx]  # (runs, batch, d), (runs, batch)
        M = np.einsum("rbd,rd->rb", Xb, W) * yb
        S = -yb * _sigmoid(-M)
        return np.einsum("rb,rbd->rd", S, Xb) / self.batch_size + self.lam * W


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# --------------------------------------------------------------------------- constructors


def _check_kappa(kappa):
    if not np.isfinite(kappa) or kappa < 1:
        raise ConfigError(f"kappa must be a number >= 1, got {kappa!r}")


def quadratic(
    kappa: float,
    dim: int = 2,
    spectrum: str = "two_point",
    rotate: bool = False,
    noise: float = 0.0,
    seed: int = 0,
) -> Quadratic:
    _check_kappa(kappa)
    if dim < 1:
        raise ConfigError(f"quadratic: dim must be >= 1, got {dim!r}")
    if spectrum not in SPECTRA:
        raise ConfigError(f"quadratic: spectrum must be one of {list(SPECTRA)}, got {spectrum!r}")
    if noise < 0:
        raise ConfigError(f"quadratic: noise must be >= 0, got {noise!r}")
    if dim == 1:
        eigs = np.array([1.0])
    elif spectrum == "two_point":
        eigs = np.where(np.arange(dim) < dim // 2, 1.0, float(kappa))
    elif spectrum == "logspace":
        eigs = np.logspace(0.0, np.log10(kappa), dim)
    else:
        eigs = np.linspace(1.0, float(kappa), dim)
    Q = None
    if rotate:
        gen = np.random.default_rng(rng.derive_key("quadratic-rotation", dim, seed))
        Q, R = np.linalg.qr(gen.standard_normal((dim, dim)))
        Q = Q * np.sign(np.diag(R))
    A = None if Q is None else (Q * eigs) @ Q.T
    return Quadratic(
        name="quadratic",
        dim=dim,
        kappa=float(kappa),
        mu=float(eigs.min()),
        L=float(eigs.max()),
        minimizer=np.zeros(dim),
        fstar=0.0,
        stochastic=noise > 0,
        eigs=eigs,
        Q=Q,
        A=None if A is None else (A + A.T) / 2,
        hessian=np.diag(eigs) if A is None else (A + A.T) / 2,
        noise=float(noise),
    )


def rosenbrock(kappa: float, dim: int = 2, b: float = 100.0) -> Rosenbrock:
    _check_kappa(kappa)
    if dim != 2:
        raise ConfigError(f"rosenbrock: dim must be 2, got {dim!r}")
    H = np.array([[2.0 + 8.0 * b, -4.0 * b], [-4.0 * b, 2.0 * b]])
    h, V = np.linalg.eigh(H)
    lam = np.array([1.0, float(kappa)])
    P = V @ np.diag(np.sqrt(lam / h)) @ V.T
    return Rosenbrock(
        name="rosenbrock",
        dim=2,
        kappa=float(kappa),
        mu=1.0,
        L=float(kappa),
        minimizer=np.linalg.solve(P, np.ones(2)),
        fstar=0.0,
        P=P,
        b=float(b),
        hessian=(V * lam) @ V.T,
    )


def _newton_logistic(X, y, lam):
    n, d = X.shape
    w = np.zeros(d)
    for _ in range(100):
        m = y * (X @ w)
        s = _sigmoid(-m)
        g = -(X.T @ (y * s)) / n + lam * w
        H = (X.T * (s * (1 - s))) @ X / n + lam * np.eye(d)
        step = np.linalg.solve(H, g)
        w = w - step
        if np.max(np.abs(step)) <= 1e-15 * max(1.0, np.max(np.abs(w))):
            break
    m = y * (X @ w)
    s = _sigmoid(-m)
    H = (X.T * (s * (1 - s))) @ X / n + lam * np.eye(d)
    return w, H


@lru_cache(maxsize=64)
def _logistic_data(kappa, dim, n_samples, data_seed):
    from scipy import optimize  # imported here: the workflow loads this module at parse time

    gen = np.random.default_rng(rng.derive_key("logistic-data", dim, n_samples, data_seed))
    Z = gen.standard_normal((n_samples, dim))
    Z -= Z.mean(axis=0)
    # whiten so that Z^T Z / n = I exactly
    evals, evecs = np.linalg.eigh(Z.T @ Z / n_samples)
    Z = Z @ evecs @ np.diag(evals**-0.5) @ evecs.T
    direction = gen.standard_normal(dim)
    u = gen.random(n_samples)
    lam0 = 0.05

    def build(spread, lam):
        scales = np.sqrt(np.logspace(0.0, spread, dim)) if dim > 1 else np.ones(1)
        X = Z * scales
        w_true = direction / scales * 2.0 / np.sqrt(dim)
        y = np.where(u < _sigmoid(X @ w_true), 1.0, -1.0)
        w, H = _newton_logistic(X, y, lam)
        ev = np.linalg.eigvalsh(H)
        return X, y, w, ev

    def cond(spread, lam):
        ev = build(spread, lam)[3]
        return ev[-1] / ev[0]

    target = float(kappa)
    if dim == 1 or target <= 1.0:
        lam, spread = 1e6, 0.0  # a 1-D or kappa = 1 problem: curvature dominated by lam
    elif cond(0.0, lam0) <= target:
        lam = lam0
        hi = np.log10(target) + 2.0
        while cond(hi, lam) < target:
            hi += 2.0
        spread = optimize.brentq(lambda s: np.log(cond(s, lam) / target), 0.0, hi, xtol=1e-12)
    else:  # even equal scales are too ill-conditioned: raise lam instead
        spread = 0.0
        lam = optimize.brentq(
            lambda lm: np.log(cond(0.0, lm) / target), lam0, 1e8, xtol=1e-14, rtol=1e-14
        )
    X, y, w, ev = build(spread, lam)
    return X, y, lam, w, ev[0], ev[-1]


def logistic(
    kappa: float, dim: int = 10, n_samples: int = 200, batch_size: int = 0, data_seed: int = 0
) -> Logistic:
    _check_kappa(kappa)
    if dim < 1 or n_samples < 2:
        raise ConfigError(f"logistic: need dim >= 1 and n_samples >= 2, got {dim!r}, {n_samples!r}")
    if batch_size < 0:
        raise ConfigError(f"logistic: batch_size must be >= 0, got {batch_size!r}")
    X, y, lam, w, mu, L = _logistic_data(float(kappa), int(dim), int(n_samples), int(data_seed))
    H = _newton_logistic(X, y, lam)[1]
    obj = Logistic(
        name="logistic",
        dim=dim,
        kappa=float(kappa),
        mu=float(mu),
        L=float(L),
        minimizer=w,
        fstar=0.0,
        stochastic=batch_size > 0,
        X=X,
        y=y,
        lam=float(lam),
        batch_size=int(batch_size),
        hessian=H,
    )
    fstar = float(obj.value(w[None, :])[0])
    return Logistic(**{**obj.__dict__, "fstar": fstar})


@dataclass(frozen=True)
class ObjectiveType:
    """One type of objective: its constructor and what the study needs to know about it."""

    name: str
    factory: Callable  # factory(kappa, **options) -> Objective
    options: tuple[str, ...]  # the config keys of an objective of this type passed to factory
    quadratic_theory: bool  # f is the quadratic the theory solves (with exact gradients)


OBJECTIVES: dict[str, ObjectiveType] = {
    "quadratic": ObjectiveType(
        "quadratic", quadratic, ("dim", "spectrum", "rotate", "noise"), quadratic_theory=True
    ),
    "rosenbrock": ObjectiveType("rosenbrock", rosenbrock, ("dim",), quadratic_theory=False),
    "logistic": ObjectiveType(
        "logistic",
        logistic,
        ("dim", "n_samples", "batch_size", "data_seed"),
        quadratic_theory=False,
    ),  # fmt: skip
}


def quadratic_theory(objective_type: str | None) -> bool:
    """Does the quadratic theory describe objectives of this type (table column objective_type)?"""
    t = OBJECTIVES.get(objective_type) if objective_type else None
    return t is not None and t.quadratic_theory


def make_objective(name: str, kappa: float, **options) -> Objective:
    """Build the objective ``name`` from the registry with its options."""
    try:
        factory = OBJECTIVES[name].factory
    except KeyError:
        raise ConfigError(f"unknown objective {name!r}; allowed: {sorted(OBJECTIVES)}") from None
    try:
        return factory(kappa, **options)
    except TypeError as exc:
        raise ConfigError(f"objective {name!r}: bad options {options!r} ({exc})") from None
