"""Optimisers as small pure ``init``/``update`` pairs with explicit state (optax style).

``init(w)`` returns the state (a tuple of arrays with one row per run); ``update(g, state,
alpha, beta)`` returns ``(delta, new_state)`` and the caller applies ``w <- w + delta``.
``alpha`` and ``beta`` broadcast against the rows, so one call advances a whole batch.

The four methods of the study are one transform, :func:`trace`, composed with different flags.

:data:`METHODS` is the one home of everything known about a method: its update, the
hyperparameters it takes, whether it is rotation-equivariant (the engine relies on it to
simulate a rotated quadratic in its eigenbasis), its label, colour and update equation (the
report and figures render these), and its quadratic theory (:class:`momentumlab.theory.
MethodTheory`, or None). Every other list of methods (orders, families, labels, colours) is a
view of it; ``docs/adding-a-method.md`` adds one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import theory
from .errors import ConfigError
from .theory import MethodTheory

EXTRA_COLORS = ("#CC79A7", "#E69F00", "#56B4E9", "#F0E442")  # methods without a colour


@dataclass(frozen=True)
class Method:
    """One optimiser and every fact the study, the theory and the report need about it."""

    name: str
    init: Callable
    update: Callable
    hyperparameters: tuple[str, ...]  # ("alpha",) or ("alpha", "beta"): what the grid varies
    equivariant: bool  # update(g Q) = update(g) Q for every rotation Q (linear in g: yes)
    label: str  # short, for figures and tables
    full_label: str  # for the report's table of update rules
    color: str  # one colour per method throughout the report (Okabe-Ito)
    equation: str  # the update as the report shows it (g = the gradient, v_0 = 0)
    doc: str
    theory: MethodTheory | None = None  # quadratic theory (optimal tuning, rate, ...) or None
    family: str = "other"  # "baseline" (gd) or "momentum": compared with the baseline
    ema: bool = False  # a trace: alpha multiplies an average of gradients (the lecture's form)
    nesterov: bool = False  # a trace: the step is g + beta v (a look-ahead), not v
    traced: bool = False  # the update is :func:`trace` (ema, nesterov) (the explorer runs it)

    def takes(self, hyperparameter: str) -> bool:
        return hyperparameter in self.hyperparameters

    def step(self, alpha: float, beta: float) -> float:
        """The step in heavy ball's form: alpha (1 - beta) for an EMA trace (whose v is
        (1 - beta) times heavy ball's), else alpha. EMA momentum at alpha and heavy ball at
        alpha (1 - beta) are one algorithm; ties between tunings are broken on this step
        (:func:`momentumlab.stats.tie_key`) so that the two choose alike."""
        return float(alpha) * (1.0 - float(beta)) if self.ema else float(alpha)


def trace(*, ema: bool, nesterov: bool):
    """A momentum trace of gradients, as in ``optax.trace`` and ``torch.optim.SGD``.

    v <- beta v + c g,     c = (1 - beta) if ema else 1,     v_0 = 0
    d  = g + beta v  if nesterov else  v
    w <- w - alpha d
    """

    def init(w):
        return (np.zeros_like(w),)

    def update(g, state, alpha, beta):
        (v,) = state
        v = beta * v
        v += (1.0 - beta) * g if ema else g
        d = g + beta * v if nesterov else v
        return -alpha * d, (v,)

    return init, update


def _gd():
    def init(w):
        return ()

    def update(g, state, alpha, beta):
        return -alpha * g, state

    return init, update


def _traced(name: str, *, ema: bool, nesterov: bool, **facts) -> Method:
    """A momentum method: :func:`trace` with these flags, recorded on the Method as well."""
    init, update = trace(ema=ema, nesterov=nesterov)
    return Method(
        name, init, update, ("alpha", "beta"), equivariant=True, family="momentum",
        ema=ema, nesterov=nesterov, traced=True, **facts,
    )  # fmt: skip


METHODS: dict[str, Method] = {
    "gd": Method(
        "gd",
        *_gd(),
        hyperparameters=("alpha",),
        equivariant=True,
        label="GD",
        full_label="GD",
        color="#333333",
        equation="w ← w − α g",
        doc="Gradient descent: w <- w - alpha g (Cauchy 1847).",
        theory=theory.GD,
        family="baseline",
        traced=True,  # trace with beta = 0
    ),
    "momentum": _traced(
        "momentum",
        ema=True,
        nesterov=False,
        label="momentum (EMA)",
        full_label="momentum (EMA, the lecture's form)",
        color="#0072B2",
        equation="v ← β v + (1 − β) g;\u00a0 w ← w − α v",
        theory=theory.MOMENTUM,
        doc=(
            "Momentum as an exponentially weighted average of gradients (the lecture's form, "
            "Ng's deep-learning course): v <- beta v + (1 - beta) g, w <- w - alpha v, v_0 = 0. "
            "Equals heavy_ball(alpha (1 - beta), beta); beta = 0 is GD."
        ),
    ),
    "heavy_ball": _traced(
        "heavy_ball",
        ema=False,
        nesterov=False,
        label="heavy ball",
        full_label="heavy ball (Polyak)",
        color="#D55E00",
        equation="v ← β v + g;\u00a0 w ← w − α v",
        theory=theory.HEAVY_BALL,
        doc=(
            "Polyak's heavy ball (Polyak 1964): v <- beta v + g, w <- w - alpha v; "
            "PyTorch SGD(momentum=beta), optax.sgd(momentum=beta)."
        ),
    ),
    "nesterov": _traced(
        "nesterov",
        ema=False,
        nesterov=True,
        label="Nesterov",
        full_label="Nesterov (PyTorch convention)",
        color="#009E73",
        equation="v ← β v + g;\u00a0 w ← w − α (g + β v)",
        theory=theory.NESTEROV,
        doc=(
            "Nesterov's accelerated gradient in PyTorch's convention (Sutskever et al. 2013): "
            "v <- beta v + g, w <- w - alpha (g + beta v)."
        ),
    ),
}

BASELINE = next(n for n, m in METHODS.items() if m.family == "baseline")  # "gd"


def momentum_family() -> tuple[str, ...]:
    """The methods compared with the baseline, in registry order (a view of :data:`METHODS`)."""
    return tuple(n for n, m in METHODS.items() if m.family == "momentum")


def method_order(methods) -> list[str]:
    """``methods`` (deduplicated) in registry order, unknown names last, sorted."""
    ms = list(dict.fromkeys(methods))
    return [m for m in METHODS if m in ms] + sorted(m for m in ms if m not in METHODS)


def label(method: str) -> str:
    return METHODS[method].label if method in METHODS else method


def color(method: str) -> str:
    if method in METHODS:
        return METHODS[method].color
    return EXTRA_COLORS[sum(map(ord, method)) % len(EXTRA_COLORS)]


def takes_beta(method: str) -> bool:
    """Does ``method`` take a momentum coefficient beta? (A name not in the registry: yes.)"""
    return method not in METHODS or METHODS[method].takes("beta")


def get_method(name: str) -> Method:
    try:
        return METHODS[name]
    except KeyError:
        raise ConfigError(f"unknown method {name!r}; allowed: {sorted(METHODS)}") from None
