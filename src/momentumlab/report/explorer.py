"""The data behind the report's interactive explorer (``report/templates/explorer*.j2|js``).

The explorer runs the 2-D two-point quadratic f(w) = 1/2 (w1^2 + kappa w2^2) (objectives'
``quadratic(kappa, dim=2, spectrum="two_point")``: eigenvalues {1, kappa}) in the browser. Its
script implements one update rule, :func:`momentumlab.methods.trace`, driven by each method's
flags as listed here from :data:`momentumlab.METHODS`, so a method added to the registry shows up
with the rule it has. The theory formulas it needs (spectral radius, largest stable step,
optimal tunings, predicted iterations) are written in the script and checked against
:mod:`momentumlab.theory` by ``tests/test_explorer.py``, in Chromium.

The measured marker reads the study's ``cells`` table for the first 2-D two-point quadratic of
the config, packed per (kappa, method) as an alpha_L x beta grid.
"""

from __future__ import annotations

from jinja2.utils import htmlsafe_json_dumps

from .. import DIVERGENCE_FACTOR
from ..methods import METHODS, method_order
from .data import num

HORIZON_CAP = 200_000  # iterations the browser simulates at most (the study's max_iter below)
DEFAULT_TOL = 1e-6
DEFAULT_HORIZON = 20_000
DEFAULT_KAPPA = 100.0
DEFAULT_START = (-1.0, 0.6)  # (w1, sqrt(kappa) w2): far along the valley, close across it
DEFAULT_METHOD = "heavy_ball"


def method_specs(names=None) -> list[dict]:
    """Each method's flags for the script's update rule, in the report's method order: the
    methods whose update is :func:`momentumlab.methods.trace` (the one rule the script runs)."""
    out = []
    for name in method_order(names or METHODS):
        m = METHODS.get(name)
        if m is None or not m.traced:
            continue
        out.append(
            {
                "name": name,
                "label": m.label,
                "color": m.color,
                "uses_beta": m.takes("beta"),
                "ema": bool(m.ema),
                "nesterov": bool(m.nesterov),
                "has_optimal": m.theory is not None,
            }
        )
    return out


def study_objective(config: dict) -> tuple[str, dict] | None:
    """The config's first 2-D two-point quadratic without gradient noise: (label, spec)."""
    for name, spec in (config.get("objectives") or {}).items():
        if not isinstance(spec, dict) or spec.get("type") != "quadratic":
            continue
        if int(spec.get("dim", 2)) == 2 and spec.get("spectrum", "two_point") == "two_point":
            if not num(spec.get("noise")):
                return name, spec
    return None


def _grid_value(x) -> float:
    """A grid coordinate without its rounding noise (alpha_L = alpha * L: 3.3000000000000003)."""
    return float(f"{num(x) or 0.0:.12g}")


def _grid(rows: list[dict]) -> dict:
    """One (kappa, method) group of cells as an alpha_L x beta grid, row-major in beta."""
    alphas = sorted({_grid_value(r["alpha_L"]) for r in rows})
    betas = sorted({_grid_value(r.get("beta")) for r in rows})
    n = len(alphas) * len(betas)
    cols = {k: [None] * n for k in ("median", "lo", "hi", "runs", "converged")}
    for r in rows:
        ia = alphas.index(_grid_value(r["alpha_L"]))
        i = betas.index(_grid_value(r.get("beta"))) * len(alphas) + ia
        for key, col in (
            ("median", "median_iter"),
            ("lo", "median_ci_low"),
            ("hi", "median_ci_high"),
            ("runs", "runs"),
            ("converged", "converged"),
        ):
            v = num(r.get(col))
            cols[key][i] = int(v) if v is not None and v == int(v) else v
    return {"alpha_L": alphas, "beta": betas, **cols}


def measured_maps(cells: list[dict], objective: str) -> list[dict]:
    """The objective's cells per (kappa, method), packed as grids."""
    groups: dict[tuple[float, str], list[dict]] = {}
    for r in cells:
        if r.get("objective") != objective or num(r.get("alpha_L")) is None:
            continue
        groups.setdefault((float(r["kappa"]), str(r["method"])), []).append(r)
    order = method_order(m for _, m in groups)
    return [
        {"kappa": k, "method": m, **_grid(groups[(k, m)])}
        for k, m in sorted(groups, key=lambda km: (km[0], order.index(km[1])))
    ]


def explorer_context(cells: list[dict], config: dict) -> dict:
    """What ``explorer.html.j2`` needs: ``data``, as compact script-safe ``json``, and words."""
    found = study_objective(config)
    spec = found[1] if found else {}
    tol = num(spec.get("tol")) or num(config.get("tol")) or DEFAULT_TOL
    max_iter = num(spec.get("max_iter")) or num(config.get("max_iter")) or DEFAULT_HORIZON
    horizon = int(min(max_iter, HORIZON_CAP))
    maps = measured_maps(cells, found[0]) if found else []
    study_methods = [mp["method"] for mp in maps]
    conf = float((config.get("stats") or {}).get("confidence", 0.95))
    data = {
        "methods": method_specs(),
        "level": f"{100 * conf:g}%",
        "tol": tol,
        "horizon": horizon,
        "divergence_factor": DIVERGENCE_FACTOR,
        "defaults": {
            "method": DEFAULT_METHOD,
            "kappa": DEFAULT_KAPPA,
            "start": list(DEFAULT_START),
        },
        "study": {
            "objective": found[0],
            "kappas": sorted({mp["kappa"] for mp in maps}),
            "methods": method_order(study_methods),
            "maps": maps,
        }
        if maps
        else None,
    }
    return {
        "data": data,
        "json": htmlsafe_json_dumps(data, separators=(",", ":")),  # safe inside <script>
        "objective": found[0] if found else None,
        "tol": tol,
        "horizon": horizon,
        "horizon_capped": max_iter > HORIZON_CAP,
    }
