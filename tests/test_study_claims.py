"""The study's headline numbers, computed by the pipeline from the default config.

The default study's 2-D quadratic (same grid, seeds, tolerance and budget as
config/config.yaml, other objectives left out to keep the test short) must reproduce the
theory of momentum: tuned kappa-slopes near 1 for GD and near 1/2 for heavy ball and the
lecture's EMA momentum, and momentum faster than GD by more at larger kappa.
"""

from __future__ import annotations

import pytest
import yaml
from workflow_helpers import copy_workflow, snakemake

from momentumlab.tables import read_csv

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def quad2d_study(tmp_path_factory):
    root = copy_workflow(tmp_path_factory.mktemp("claims") / "study")
    cfg = yaml.safe_load((root / "config" / "config.yaml").read_text())
    assert "quad2d" in cfg["objectives"]
    cfg["objectives"] = {"quad2d": cfg["objectives"]["quad2d"]}
    (root / "config" / "quad2d.yaml").write_text(yaml.safe_dump(cfg))
    snakemake(root, "results/tables/slopes.csv", "results/tables/comparisons.csv",
              "--cores", "2", "--configfile", "config/quad2d.yaml")  # fmt: skip
    return root / "results" / "tables"


def test_tuned_kappa_slopes_match_theory(quad2d_study):
    slopes = {r["method"]: r for r in read_csv(quad2d_study / "slopes.csv")}
    assert abs(slopes["gd"]["slope"] - 1.0) <= 0.1
    for m in ("heavy_ball", "momentum"):
        assert abs(slopes[m]["slope"] - 0.5) <= 0.15, (m, slopes[m]["slope"])
    assert slopes["gd"]["theory_slope"] == 1.0 and slopes["momentum"]["theory_slope"] == 0.5


def test_momentum_speedup_grows_with_kappa(quad2d_study):
    rows = [r for r in read_csv(quad2d_study / "comparisons.csv") if r["method"] == "momentum"]
    by_kappa = {r["kappa"]: r["speedup"] for r in rows if r["speedup"] is not None}
    ks = sorted(k for k in by_kappa if k >= 10)
    assert len(ks) >= 3
    assert all(by_kappa[a] < by_kappa[b] for a, b in zip(ks, ks[1:], strict=False))
    assert by_kappa[ks[-1]] > 10  # at kappa = 1e4 momentum is over 10x faster than GD
