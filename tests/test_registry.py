"""The method and objective registries are the one home of what a method or an objective is.

The config schema's enums are the registries' names; theory, families, orders, labels and
colours are read from the descriptors; and the engine never simulates a method that is not
rotation-equivariant in a rotated quadratic's eigenbasis (a toy coordinate-wise method, checked
against a direct simulation in the original coordinates).
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import momentumlab as ml
from momentumlab import methods, naming, stats, theory
from momentumlab.config import load_schema, load_study
from momentumlab.engine import canonical_for, run_batch
from momentumlab.errors import ConfigError
from momentumlab.methods import METHODS, Method
from momentumlab.objectives import OBJECTIVES, make_objective, quadratic_theory
from momentumlab.report import figures
from momentumlab.report.explorer import method_specs
from momentumlab.report.render import update_rules
from momentumlab.study import simulate_job

SCALE = np.array([1.0, 0.5, 0.25, 2.0, 1.5])  # the toy's fixed per-coordinate step factors


def _coordinatewise():
    """GD with a fixed per-coordinate step, w <- w - alpha (g * SCALE): linear in g, yet not
    rotation-equivariant (a rotation mixes coordinates with different factors)."""

    def init(w):
        return ()

    def update(g, state, alpha, beta):
        return -alpha * g * SCALE[: g.shape[1]], state

    return init, update


TOY_FACTS = {
    "name": "coordinatewise",
    "equivariant": False,
    "label": "coordinate-wise GD",
    "full_label": "coordinate-wise GD (a test toy)",
    "color": "#CC79A7",
    "equation": "w ← w − α (g ⊙ s)",
    "doc": "A toy: GD with a fixed step factor per coordinate.",
    "theory": None,
    "family": "other",
    "traced": False,
}
_INIT, _UPDATE = _coordinatewise()
TOY = replace(METHODS["gd"], init=_INIT, update=_UPDATE, **TOY_FACTS)


@pytest.fixture
def toy_registered(monkeypatch):
    monkeypatch.setitem(METHODS, TOY.name, TOY)
    return TOY


# ------------------------------------------------------------------- schema <-> registries


def test_the_schema_enums_are_the_registries():
    s = load_schema()
    assert s["properties"]["methods"]["items"]["enum"] == list(METHODS)
    names = s["properties"]["alphas"]["oneOf"][1]["propertyNames"]["enum"]
    assert names == ["default", *METHODS]
    obj = s["$defs"]["objective"]
    assert obj["properties"]["type"]["enum"] == list(OBJECTIVES)
    branches = {b["if"]["properties"]["type"]["const"]: b["then"] for b in obj["allOf"]}
    assert set(branches) == set(OBJECTIVES)
    common = set(obj["properties"])
    for name, t in OBJECTIVES.items():  # each type's options are exactly the schema's extras
        assert set(branches[name]["properties"]) - common == set(t.options), name


# ------------------------------------------------------------------------- the descriptors


def test_hyperparameters_replace_name_checks():
    assert METHODS["gd"].hyperparameters == ("alpha",)
    for name in ("momentum", "heavy_ball", "nesterov"):
        assert METHODS[name].hyperparameters == ("alpha", "beta")
    # gd ignores beta: its one grid point per alpha, whatever betas are asked for
    recs = ml.simulate("quadratic", "gd", kappa=10, alpha=[0.1], beta=[0.3, 0.6], starts=[1, 1])
    assert [r.beta for r in recs] == [0.0]
    recs = ml.simulate(
        "quadratic", "heavy_ball", kappa=10, alpha=0.1, beta=[0.3, 0.6], starts=[1, 1]
    )
    assert [r.beta for r in recs] == [0.3, 0.6]


def test_theory_is_looked_up_from_the_descriptor():
    # known answers: GD's optimal step and rate, the kappa-slopes, the stability limits
    t = theory.optimal("gd", 1.0, 100.0)
    assert t.alpha == pytest.approx(2 / 101) and t.rate == pytest.approx(99 / 101)
    assert [theory.kappa_slope(m) for m in METHODS] == [1.0, 0.5, 0.5, 0.5]
    assert theory.max_stable_alpha("nesterov", 0.5, 1.0) == pytest.approx(3 / 2)
    assert theory.max_stable_alpha("momentum", 0.5, 1.0) == pytest.approx(6.0)
    for name, m in METHODS.items():
        assert theory.of(name) is m.theory
        assert theory.optimal(name, 1.0, 50.0) == m.theory.optimal(1.0, 50.0)
    with pytest.raises(ConfigError, match="no theory for method 'adam'"):
        theory.optimal("adam", 1.0, 10.0)


def test_a_method_without_theory_gets_none_of_it(toy_registered):
    assert not theory.has_theory(TOY.name)
    with pytest.raises(ConfigError, match="no theory for method 'coordinatewise'"):
        theory.kappa_slope(TOY.name)
    # no stop rule without a theory: censored at the budget, its first passage recorded
    rec = ml.simulate("quadratic", TOY.name, kappa=10, alpha=0.1, starts=[1, 1], max_iter=400)[0]
    assert rec.status == "max_iter" and rec.first_hit is not None


def test_families_orders_labels_and_colours_are_views(toy_registered):
    assert methods.BASELINE == "gd"
    assert methods.momentum_family() == ("momentum", "heavy_ball", "nesterov")
    assert set(stats.MOMENTUM_FAMILY) == set(methods.momentum_family())
    assert methods.method_order(["zzz", TOY.name, "nesterov", "gd"]) == [
        "gd", "nesterov", TOY.name, "zzz"
    ]  # fmt: skip
    assert figures.label(TOY.name) == "coordinate-wise GD" and figures.color(TOY.name) == TOY.color
    assert figures.label("unknown") == "unknown"
    rules = update_rules()
    assert [r["label"] for r in rules][-1] == TOY.full_label
    assert rules[-1]["stability"] == "no theory"
    assert rules[0] == {"label": "GD", "equation": "w ← w − α g", "stability": "0 < α·L < 2"}
    # the explorer runs only methods whose update is the trace it implements
    assert TOY.name not in [s["name"] for s in method_specs()]
    assert [s["name"] for s in method_specs()] == ["gd", "momentum", "heavy_ball", "nesterov"]


def test_objective_descriptors():
    assert quadratic_theory("quadratic") and not quadratic_theory("rosenbrock")
    assert not quadratic_theory("logistic") and not quadratic_theory(None)
    q = make_objective("quadratic", 10.0, dim=3, rotate=True)
    assert q.quadratic_theory and not make_objective("quadratic", 10.0, noise=0.1).quadratic_theory
    assert not make_objective("rosenbrock", 10.0).quadratic_theory
    # the quadratic's Hessian is exact everywhere: f(w) = 1/2 w H w^T at any w
    W = np.random.default_rng(0).standard_normal((4, 3))
    assert np.allclose(q.value(W), 0.5 * np.einsum("ij,jk,ik->i", W, q.hessian, W))
    assert np.allclose(q.grad(W), W @ q.hessian)


# ------------------------------------------------- rotation equivariance and the eigenbasis


def _direct(obj, alpha, start, steps):
    """The toy in the original coordinates, one plain numpy step at a time."""
    w = np.array(start, dtype=float)[None, :]
    path = [w[0].copy()]
    for _ in range(steps):
        w = w - alpha * obj.grad(w) * SCALE[: w.shape[1]]
        path.append(w[0].copy())
    return np.array(path)


def test_a_non_equivariant_method_runs_in_the_original_coordinates():
    obj = make_objective("quadratic", 20.0, dim=5, spectrum="logspace", rotate=True)
    start = np.array([1.0, -0.5, 0.3, 0.8, -1.2])
    alpha, steps = 0.5 / obj.L, 300
    assert canonical_for(obj, TOY) == (obj, None)  # refused the eigenbasis
    assert canonical_for(obj, METHODS["gd"])[1] is not None  # GD takes it

    res = run_batch(obj, TOY, [alpha], [0.0], start[None, :], max_iter=steps, keep_path=True)
    direct = _direct(obj, alpha, start, steps)
    np.testing.assert_allclose(res.path[0], direct, rtol=1e-12, atol=1e-14)
    gaps = obj.value(direct) - obj.fstar
    below = np.nonzero(gaps <= 1e-6 * gaps[0])[0]
    assert res.first_hit[0] == (below[0] if below.size else -1)
    assert res.final_gap[0] == pytest.approx(gaps[-1], rel=1e-9)

    # the trap the check closes: the toy in the eigenbasis is a different method
    canon, Q = obj.canonical()
    wrong = run_batch(canon, TOY, [alpha], [0.0], (start @ Q)[None, :], max_iter=steps,
                      keep_path=True)  # fmt: skip
    assert not np.allclose(wrong.path[0] @ Q.T, direct, rtol=1e-6)


def test_an_equivariant_method_still_gets_the_eigenbasis_and_the_same_numbers():
    obj = make_objective("quadratic", 20.0, dim=5, spectrum="logspace", rotate=True)
    start = np.array([[1.0, -0.5, 0.3, 0.8, -1.2]])
    hb = METHODS["heavy_ball"]
    fast = run_batch(obj, hb, [1.0 / obj.L], [0.5], start, max_iter=2000, keep_path=True)
    # the same method marked non-equivariant runs in the original coordinates: same iterates
    slow = run_batch(obj, replace(hb, equivariant=False), [1.0 / obj.L], [0.5], start,
                     max_iter=2000, keep_path=True)  # fmt: skip
    k = int(fast.stopped_at[0])
    np.testing.assert_allclose(fast.path[0, :k], slow.path[0, :k], rtol=1e-9, atol=1e-12)
    assert fast.status[0] == "converged" and math.isfinite(fast.final_gap[0])


# ------------------------------------------------------------ docs/adding-a-method.md works


def _doc_example() -> str:
    text = (Path(__file__).resolve().parents[1] / "docs" / "adding-a-method.md").read_text()
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


def _schema_with(name: str) -> dict:
    """The config schema with ``name`` added to its method enums (the doc's step 2)."""
    s = load_schema()
    s["properties"]["methods"]["items"]["enum"].append(name)
    s["properties"]["alphas"]["oneOf"][1]["propertyNames"]["enum"].append(name)
    return s


def test_the_worked_example_runs(monkeypatch):
    code = _doc_example()
    try:
        exec(code, {"np": np, "Method": Method, "METHODS": METHODS})  # noqa: S102 - our doc
        # the job wildcard's method pattern is a view of the registry taken at import time
        monkeypatch.setitem(naming.WILDCARDS, "method", "|".join(METHODS))
        adam = METHODS["adam"]
        assert not adam.equivariant and adam.theory is None and adam.takes("beta")
        cfg = {
            "objectives": {"rot": {"type": "quadratic", "dim": 4, "rotate": True}},
            "kappas": [10],
            "methods": ["gd", "adam"],
            "alpha_unit": "inv_L",
            "alphas": {"gd": [1.0, 1.9], "adam": [0.01, 0.03]},
            "betas": [0.5, 0.9],
            "seeds": 6,
            "max_iter": 300,
            "stats": {"bootstrap_resamples": 100},
        }
        with pytest.raises(ConfigError, match="adam"):
            load_study(cfg)  # the schema of this repo does not list it
        plan = load_study(cfg, schema=_schema_with("adam"))
        assert [len(j.points) for j in plan.jobs] == [2, 4]  # adam: 2 alphas x 2 betas
        sims = [row for job in plan.jobs for row in simulate_job(job)[0]]
        t = stats.summarise(sims, n_resamples=100)
        assert [r["method"] for r in t["comparisons"]] == ["adam"]  # compared with gd
        assert all(r["theory_slope"] is None for r in t["slopes"] if r["method"] == "adam")
        # rotated quadratic, non-equivariant: the engine's run is the direct one, unrotated
        obj = make_objective("quadratic", 10.0, dim=4, rotate=True)
        start = np.array([[0.7, -1.0, 0.4, 1.1]])
        res = run_batch(obj, adam, [0.03], [0.9], start, max_iter=60, keep_path=True)
        w, state = start.copy(), adam.init(start)
        for k in range(1, 61):
            delta, state = adam.update(obj.grad(w), state, 0.03, 0.9)
            w = w + delta
            np.testing.assert_allclose(res.path[0, k], w[0], rtol=1e-12, atol=1e-15)
    finally:
        METHODS.pop("adam", None)
