"""The study's headline numbers, computed by the pipeline from the default config.

The default study's 2-D quadratic (same grid, seeds, tolerance and budget as
config/config.yaml, other objectives left out to keep the test short) must reproduce the
theory of momentum, on held-out (cross-fitted) numbers: tuned kappa-slopes near 1 for GD and
near 1/2 for every momentum method, and no speedup above what the methods' optimal rates allow.
"""

from __future__ import annotations

import math

import pytest
import yaml
from workflow_helpers import copy_workflow, snakemake

from momentumlab import theory
from momentumlab.tables import read_csv

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def quad2d_study(tmp_path_factory):
    root = copy_workflow(tmp_path_factory.mktemp("claims") / "study")
    cfg = yaml.safe_load((root / "config" / "config.yaml").read_text())
    assert "quad2d" in cfg["objectives"]
    cfg["objectives"] = {"quad2d": cfg["objectives"]["quad2d"]}
    del cfg["study"]  # the study is named after its file: results/quad2d/
    (root / "config" / "quad2d.yaml").write_text(yaml.safe_dump(cfg))
    snakemake(root, "results/quad2d/tables/slopes.csv", "results/quad2d/tables/comparisons.csv",
              "--cores", "2", "--configfile", "config/quad2d.yaml")  # fmt: skip
    return root / "results" / "quad2d" / "tables"


def theoretical_ratio(method: str, kappa: float) -> float:
    """Asymptotic speedup of the method's optimal tuning over GD's: iterations scale as
    1 / log(1 / rate), so the ratio of iterations is log(rate) / log(rate_gd)."""
    rate = {m: theory.optimal(m, 1.0, kappa).rate for m in ("gd", method)}
    return math.log(rate[method]) / math.log(rate["gd"])


def test_tuned_kappa_slopes_match_theory(quad2d_study):
    slopes = {r["method"]: r for r in read_csv(quad2d_study / "slopes.csv")}
    assert abs(slopes["gd"]["slope"] - 1.0) <= 0.1, slopes["gd"]["slope"]
    for m in ("heavy_ball", "momentum", "nesterov"):
        assert abs(slopes[m]["slope"] - 0.5) <= 0.1, (m, slopes[m]["slope"])
        assert slopes[m]["theory_slope"] == 0.5
    assert slopes["gd"]["theory_slope"] == 1.0


def test_no_speedup_beats_the_optimal_rates(quad2d_study):
    rows = [r for r in read_csv(quad2d_study / "comparisons.csv") if r["kappa"] > 1]
    assert rows
    for r in rows:
        if r["speedup"] is None:
            continue
        ceiling = theoretical_ratio(r["method"], r["kappa"])
        assert r["speedup"] <= 1.15 * ceiling, (r["method"], r["kappa"], r["speedup"], ceiling)


def test_momentum_speedup_grows_with_kappa(quad2d_study):
    rows = [r for r in read_csv(quad2d_study / "comparisons.csv") if r["method"] == "momentum"]
    by_kappa = {r["kappa"]: r["speedup"] for r in rows if r["speedup"] is not None}
    ks = sorted(k for k in by_kappa if k >= 10)
    assert len(ks) >= 3
    assert all(by_kappa[a] < by_kappa[b] for a, b in zip(ks, ks[1:], strict=False))
    assert by_kappa[ks[-1]] > 10  # at kappa = 1e4 momentum is over 10x faster than GD
