"""Optimisers as small pure ``init``/``update`` pairs with explicit state (optax style).

``init(w)`` returns the state (a tuple of arrays with one row per run); ``update(g, state,
alpha, beta)`` returns ``(delta, new_state)`` and the caller applies ``w <- w + delta``.
``alpha`` and ``beta`` broadcast against the rows, so one call advances a whole batch.

All four methods are one transform, :func:`trace`, composed with different flags.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .errors import ConfigError


class Method(NamedTuple):
    name: str
    init: Callable
    update: Callable
    ema: bool  # alpha multiplies an average of gradients (the lecture's form)
    nesterov: bool  # the step is g + beta v (a look-ahead), not v
    uses_beta: bool
    doc: str


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


def _traced(name: str, *, ema: bool, nesterov: bool, doc: str) -> Method:
    """A momentum method: :func:`trace` with these flags, recorded on the Method as well."""
    init, update = trace(ema=ema, nesterov=nesterov)
    return Method(name, init, update, ema, nesterov, uses_beta=True, doc=doc)


METHODS: dict[str, Method] = {
    "gd": Method(
        "gd",
        *_gd(),
        ema=False,
        nesterov=False,
        uses_beta=False,
        doc="Gradient descent: w <- w - alpha g (Cauchy 1847).",
    ),
    "momentum": _traced(
        "momentum",
        ema=True,
        nesterov=False,
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
        doc=(
            "Polyak's heavy ball (Polyak 1964): v <- beta v + g, w <- w - alpha v; "
            "PyTorch SGD(momentum=beta), optax.sgd(momentum=beta)."
        ),
    ),
    "nesterov": _traced(
        "nesterov",
        ema=False,
        nesterov=True,
        doc=(
            "Nesterov's accelerated gradient in PyTorch's convention (Sutskever et al. 2013): "
            "v <- beta v + g, w <- w - alpha (g + beta v)."
        ),
    ),
}


def get_method(name: str) -> Method:
    try:
        return METHODS[name]
    except KeyError:
        raise ConfigError(f"unknown method {name!r}; allowed: {sorted(METHODS)}") from None
