"""Closed-form theory of GD and momentum on a quadratic with curvature in [mu, L].

On an eigen-direction with curvature lam every method here is a linear recurrence. With
a = alpha lam (and a = alpha (1 - beta) lam for the lecture's EMA form), the error obeys

    GD:          e_{k+1} = (1 - a) e_k
    heavy ball:  z^2 - (1 + beta - a) z + beta = 0
    Nesterov:    z^2 - (1 + beta)(1 - a) z + beta (1 - a) = 0

and the method converges on the direction iff every root has modulus < 1. The region in
(alpha, beta) is therefore 0 < alpha L < 2 for GD, 0 <= beta < 1 and 0 < alpha L < 2 (1 + beta)
for heavy ball, 0 < alpha L < 2 (1 + beta) / (1 + 2 beta) for Nesterov (all eigenvalues in
[mu, L] give intervals in a, so the endpoints decide).

Optimal parameters and rates (linear convergence factor per iteration for ||w - w*||):
- GD: alpha = 2 / (L + mu), rate (kappa - 1) / (kappa + 1).
- Heavy ball (Polyak 1964; Goh, "Why Momentum Really Works", Distill 2017):
  alpha = 4 / (sqrt L + sqrt mu)^2, beta = ((sqrt kappa - 1) / (sqrt kappa + 1))^2,
  rate (sqrt kappa - 1) / (sqrt kappa + 1).
- EMA momentum: the same beta, alpha = alpha_hb / (1 - beta) (at kappa = 1e4: 100 / L).
- Nesterov (Lessard, Recht & Packard, SIAM J. Optim. 2016): alpha = 4 / (3 L + mu),
  beta = (sqrt(3 kappa + 1) - 2) / (sqrt(3 kappa + 1) + 2), rate 1 - 2 / sqrt(3 kappa + 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import ConfigError


@dataclass(frozen=True)
class Tuning:
    method: str
    alpha: float
    beta: float
    rate: float

    def iterations(self, tol: float = 1e-6) -> float:
        return predicted_iterations(self.rate, tol)


@dataclass(frozen=True)
class MethodTheory:
    """What the quadratic theory says about one method (a :class:`momentumlab.methods.Method`
    carries it, or None when there is no theory).

    ``optimal(mu, L)`` -> (alpha, beta, rate); ``char_poly(a, beta)`` -> (c1, c0) of
    z^2 + c1 z + c0 in the effective step a (``a = alpha lam``, times (1 - beta) when ``ema``);
    ``max_stable_alpha(beta, L)``; ``kappa_slope`` at optimal tuning; ``first_error(a, beta, e0)``
    the error after one step from rest; ``order`` 1 (no buffer: c0 = 0) or 2; ``stability``
    the stable region as text for the report.
    """

    optimal: Callable
    char_poly: Callable
    max_stable_alpha: Callable
    kappa_slope: float
    first_error: Callable
    stability: str
    ema: bool = False
    order: int = 2


def _check(mu, L):
    if not (0 < mu <= L):
        raise ConfigError(f"need 0 < mu <= L, got mu={mu!r}, L={L!r}")


def gd_optimal(mu: float, L: float) -> Tuning:
    _check(mu, L)
    k = L / mu
    return Tuning("gd", 2.0 / (L + mu), 0.0, (k - 1) / (k + 1))


def heavy_ball_optimal(mu: float, L: float) -> Tuning:
    _check(mu, L)
    sk = math.sqrt(L / mu)
    beta = ((sk - 1) / (sk + 1)) ** 2
    return Tuning(
        "heavy_ball", 4.0 / (math.sqrt(L) + math.sqrt(mu)) ** 2, beta, (sk - 1) / (sk + 1)
    )


def momentum_optimal(mu: float, L: float) -> Tuning:
    hb = heavy_ball_optimal(mu, L)
    return Tuning(
        "momentum", hb.alpha / (1.0 - hb.beta) if hb.beta < 1 else math.inf, hb.beta, hb.rate
    )


def nesterov_optimal(mu: float, L: float) -> Tuning:
    _check(mu, L)
    s = math.sqrt(3 * L / mu + 1)
    return Tuning("nesterov", 4.0 / (3 * L + mu), (s - 2) / (s + 2), 1 - 2 / s)


def _polyak_poly(a, beta):
    return -(1.0 + beta - a), beta + 0 * a


def _polyak_first(a, beta, e0):
    return (1 - a) * e0


GD = MethodTheory(
    optimal=gd_optimal,
    char_poly=lambda a, beta: (-(1.0 - a), np.zeros_like(a)),
    max_stable_alpha=lambda beta, L: 2.0 / L + 0 * beta,
    kappa_slope=1.0,
    first_error=_polyak_first,
    stability="0 < α·L < 2",
    order=1,
)
HEAVY_BALL = MethodTheory(
    optimal=heavy_ball_optimal,
    char_poly=_polyak_poly,
    max_stable_alpha=lambda beta, L: 2.0 * (1 + beta) / L,
    kappa_slope=0.5,
    first_error=_polyak_first,
    stability="0 < α·L < 2(1 + β)",
)
MOMENTUM = MethodTheory(
    optimal=momentum_optimal,
    char_poly=_polyak_poly,
    max_stable_alpha=lambda beta, L: 2.0 * (1 + beta) / ((1 - beta) * L),
    kappa_slope=0.5,
    first_error=_polyak_first,
    stability="0 < α·L < 2(1 + β)/(1 − β)",
    ema=True,
)
NESTEROV = MethodTheory(
    optimal=nesterov_optimal,
    char_poly=lambda a, beta: (-(1.0 + beta) * (1.0 - a), beta * (1.0 - a)),
    max_stable_alpha=lambda beta, L: 2.0 * (1 + beta) / ((1 + 2 * beta) * L),
    kappa_slope=0.5,
    first_error=lambda a, beta, e0: (1 - a * (1 + beta)) * e0,
    stability="0 < α·L < 2(1 + β)/(1 + 2β)",
)


def of(method: str) -> MethodTheory:
    """The theory of ``method`` from its registry entry; ConfigError when it has none."""
    from .methods import METHODS  # the registry carries the theory (and imports this module)

    m = METHODS.get(method)
    if m is None or m.theory is None:
        have = [n for n, x in METHODS.items() if x.theory is not None]
        raise ConfigError(f"no theory for method {method!r}; allowed: {have}")
    return m.theory


def has_theory(method: str) -> bool:
    from .methods import METHODS

    return method in METHODS and METHODS[method].theory is not None


def optimal(method: str, mu: float, L: float) -> Tuning:
    return of(method).optimal(mu, L)


def _effective(method, alpha, beta, lam):
    a = np.asarray(alpha, dtype=float) * np.asarray(lam, dtype=float)
    return a * (1.0 - np.asarray(beta, dtype=float)) if of(method).ema else a


def char_poly(method: str, alpha, beta, lam):
    """Coefficients (c1, c0) of z^2 + c1 z + c0 (GD: the root is -c1 with c0 = 0)."""
    a = _effective(method, alpha, beta, lam)
    return of(method).char_poly(a, np.asarray(beta, dtype=float))


def roots(method: str, alpha, beta, lam):
    c1, c0 = np.broadcast_arrays(*char_poly(method, alpha, beta, lam))
    disc = np.sqrt((c1 * c1 - 4 * c0).astype(complex))
    return (-c1 + disc) / 2, (-c1 - disc) / 2


def spectral_radius(method: str, alpha, beta, lams) -> np.ndarray:
    """Worst root modulus over the eigenvalues ``lams`` (the asymptotic rate)."""
    lams = np.asarray(lams, dtype=float)
    alpha, beta = np.broadcast_arrays(np.asarray(alpha, float), np.asarray(beta, float))
    r = np.zeros(alpha.shape)
    for lam in lams.ravel():
        r1, r2 = roots(method, alpha, beta, lam)
        r = np.maximum(r, np.maximum(np.abs(r1), np.abs(r2)))
    return r


def max_stable_alpha(method: str, beta, L: float):
    """The largest alpha (absolute) for which the method converges on all of [mu, L]."""
    return of(method).max_stable_alpha(np.asarray(beta, dtype=float), L)


def is_stable(method: str, alpha, beta, mu: float, L: float):
    """True where the method converges for every curvature in [mu, L] (0 <= beta < 1)."""
    alpha, beta = np.broadcast_arrays(np.asarray(alpha, float), np.asarray(beta, float))
    ok = (alpha > 0) & (beta >= 0) & (beta < 1)
    return ok & (alpha < max_stable_alpha(method, beta, L))


def predicted_iterations(rate: float, tol: float = 1e-6) -> float:
    """Iterations for the gap (quadratic in the error) to shrink by tol at a linear rate."""
    if rate <= 0:
        return 1.0
    if rate >= 1:
        return math.inf
    return math.log(tol) / (2.0 * math.log(rate))


def kappa_slope(method: str) -> float:
    """d log(iterations) / d log(kappa) as kappa grows, at optimal tuning: 1 for GD, else 1/2."""
    return of(method).kappa_slope


def error_paths(method, alpha, beta, eigs, start, steps):
    """Closed-form error per eigen-direction, shape (steps + 1, d), for an axis-aligned quadratic.

    Solves each direction's linear recurrence through the roots of its characteristic
    polynomial (repeated roots handled exactly), from e_0 = start and the first step e_1.
    """
    eigs = np.asarray(eigs, dtype=float)
    s = np.asarray(start, dtype=float)
    k = np.arange(steps + 1)[:, None].astype(float)
    a = _effective(method, alpha, beta, eigs)
    t = of(method)
    if t.order == 1:
        return (1 - a) ** k * s
    e1 = t.first_error(a, beta, s)
    r1, r2 = roots(method, alpha, beta, eigs)
    out = np.empty((steps + 1, eigs.size))
    for j in range(eigs.size):
        p, q = complex(r1[j]), complex(r2[j])
        if abs(p - q) <= 1e-8 * max(abs(p), 1e-300):
            r = (p + q) / 2
            # e_k = (c0 + c1 k) r^k
            c0 = s[j]
            c1 = e1[j] / r - c0 if r != 0 else 0.0
            out[:, j] = ((c0 + c1 * k[:, 0]) * r ** k[:, 0]).real
        else:
            # e_k = A p^k + B q^k, A + B = e0, A p + B q = e1
            A = (e1[j] - s[j] * q) / (p - q)
            B = s[j] - A
            out[:, j] = (A * p ** k[:, 0] + B * q ** k[:, 0]).real
    return out


def passage_and_settling(method, alpha, beta, eigs, start, tol=1e-6, horizon=100_000):
    """(first_hit, settling) on f = 1/2 sum eigs_i w_i^2 from the closed form, over ``horizon``.

    first_hit is the first k with gap_k <= tol gap_0 (None if none within the horizon);
    settling is 1 + the last k <= horizon with gap_k > tol gap_0 (0 if none): the engine's
    ``iterations``, provided the horizon is long enough for the run to have settled.
    """
    E = error_paths(method, alpha, beta, eigs, start, horizon)
    gaps = 0.5 * (E**2 * np.asarray(eigs, float)).sum(axis=1)
    below = gaps <= tol * gaps[0]
    hit = np.nonzero(below)[0]
    above = np.nonzero(~below)[0]
    return (int(hit[0]) if hit.size else None), (int(above[-1]) + 1 if above.size else 0)


def exact_iterations(method, alpha, beta, eigs, start, tol=1e-6, max_iter=100_000):
    """First k with gap_k <= tol gap_0 on f = 1/2 sum eigs_i w_i^2, from the closed form.

    The first passage; for GD on a quadratic (monotone gap) it is also the settling time.
    """
    return passage_and_settling(method, alpha, beta, eigs, start, tol, max_iter)[0]


def settling_iterations(method, alpha, beta, eigs, start, tol=1e-6, horizon=100_000):
    """1 + the last k with gap_k > tol gap_0, from the closed form (see passage_and_settling)."""
    return passage_and_settling(method, alpha, beta, eigs, start, tol, horizon)[1]


# Relative error allowed for the roots computed in floating point: near a double root the
# discriminant cancels and a root is only good to about sqrt(eps) ~ 1.5e-8 (times the scale of
# the coefficients); the bound below is widened by this much in every root-dependent term.
_ROOT_SLACK = 1e-7


def _max_j_r_pow(r):
    """An upper bound on max over integers j >= 1 of j r^(j-1), for 0 <= r < 1.

    t r^(t-1) is unimodal in t with its peak at t* = 1 / ln(1/r), where it is 1/(e r ln(1/r));
    for r <= 1/e, t* <= 1 and the maximum over t >= 1 is 1 (at j = 1). Increasing in r.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        peak = 1.0 / (math.e * r * -np.log(r))
    return np.where(r <= math.exp(-1.0), 1.0, peak)


def recurrence_sup_bound(method, alpha, beta, lam, x0, x1):
    """An upper bound on sup_{j >= 1} |e_j| for each eigen-direction, from two consecutive errors.

    On a quadratic with exact gradients the error along an eigen-direction of curvature lam
    obeys e_{j+2} = -c1 e_{j+1} - c0 e_j (:func:`char_poly`: the 2x2 iteration matrix T of
    (iterate, momentum buffer) satisfies T^2 + c1 T + c0 I = 0, Cayley-Hamilton), whatever the
    state it starts from. Given x0 = e_0 and x1 = e_1 (the last two iterates), let p, q be the
    roots with |p| >= |q|, r = |p|, c = x1 - p x0 and U_j = sum_{m<j} p^m q^(j-1-m) (U_0 = 0,
    U_1 = 1, U_j = (p^j - q^j)/(p - q) when p != q), which obeys the same recurrence. Both

        e_j     = x0 p^j + c U_j          (j >= 0)
        e_{j+1} = x1 p^j + q c U_j        (j >= 0)

    hold, since each side obeys the recurrence and they agree at j = 0 and 1 (e_2 = (p + q) x1
    - pq x0 = p x1 + q c). By the triangle inequality |U_j| <= j r^(j-1) (exact at a double
    root, the critically damped case) and |U_j| <= (|p|^j + |q|^j)/|p - q| <= 2 r/|p - q| for
    j >= 1 and r < 1 (good when the roots are far apart). So with K = min(max_j j r^(j-1),
    2 r/|p - q|), finite whenever r < 1,

        sup_{j>=1} |e_j| <= min(r |x0| + |c| K,  |x1| + |q| |c| K).

    Late in a run c is small (the dominant mode p is all that is left), so the bound is close
    to the true envelope; it is exact for GD (q = 0, c = 0). A direction with x0 = x1 = 0 stays
    at 0 (bound 0, also when r >= 1); otherwise r >= 1 gives inf. The roots are computed in
    floating point: every root-dependent term is widened by ``_ROOT_SLACK`` (r, |q| up,
    |p - q| down, |c| by slack * |x0|), which covers their rounding even at a double root.
    Arrays broadcast: alpha, beta per run (column), lam per direction (row), x0, x1 (runs, d).
    """
    c1, c0 = char_poly(method, alpha, beta, lam)
    disc = c1 * c1 - 4.0 * c0
    real = disc >= 0
    sd = np.sqrt(np.abs(disc))  # |p - q|, real or complex roots
    # p = pr + i pi; real roots: the larger in modulus (q = c0 / p, without cancellation)
    pr = np.where(real, (np.copysign(sd, -c1) - c1) / 2.0, -c1 / 2.0)
    pi = np.where(real, 0.0, sd / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        aq_real = np.where(pr != 0, np.abs(c0) / np.abs(pr), 0.0)
    r_c = np.sqrt(np.maximum(c0, 0.0))  # complex roots: |p| = |q| = sqrt(c0)
    slack = _ROOT_SLACK * (1.0 + np.abs(c1) + np.abs(c0))
    r = np.where(real, np.abs(pr), r_c) + slack
    aq = np.where(real, aq_real, r_c) + slack
    sep = np.maximum(sd - 2.0 * slack, 0.0)
    x0, x1 = np.asarray(x0, float), np.asarray(x1, float)
    stable = r < 1.0
    rs = np.where(stable, r, 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        K = np.minimum(_max_j_r_pow(rs), np.where(sep > 0, 2.0 * rs / sep, np.inf))
        c = np.hypot(x1 - pr * x0, pi * x0) + slack * np.abs(x0)
        bound = np.minimum(rs * np.abs(x0) + c * K, np.abs(x1) + aq * c * K)
    bound = np.where(stable, bound, np.inf)
    return np.where((x0 == 0) & (x1 == 0), 0.0, bound)
