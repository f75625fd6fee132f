"""The hero figure draws the numbers the verdict and the speedup matrix give.

Per objective and kappa: the same comparison (the largest held-out speedup of a momentum method;
ties left out), its interval, and a censored win (``speedup_lower_bound``) drawn as "at least",
an arrow up from the point with no upper end, unlike a measured point.
"""

from __future__ import annotations

import matplotlib
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from momentumlab.report import fmt, summary
from momentumlab.report.figures import HERO_WIDTH, PPI, _hero_point, best_speedups, hero_figure


def row(obj, kappa, method, speedup, lo, hi, finding, bound=False):
    return {
        "objective": obj,
        "kappa": kappa,
        "method": method,
        "baseline": "gd",
        "speedup": speedup,
        "speedup_ci_low": lo,
        "speedup_ci_high": hi,
        "speedup_lower_bound": "true" if bound else "false",
        "finding": finding,
        "n_pairs": 5,
        "pairs_faster": 5,
        "baseline_median_iter": "" if bound else 100,
        "median_iter": 10,
        "significant": "true" if finding == "faster" else "false",
    }


COMPARISONS = [
    row("q", 1.0, "heavy_ball", 1.0, 1.0, 1.0, "tie"),  # one step each: not a win
    row("q", 10.0, "heavy_ball", 3.0, 2.5, 3.5, "faster"),
    row("q", 10.0, "momentum", 2.0, 1.5, 2.5, "faster"),
    row("q", 100.0, "heavy_ball", 9.0, 8.0, 10.0, "faster"),
    row("q", 100.0, "nesterov", 12.0, 0.9, "", "no detectable difference", bound=True),
    row("r", 10.0, "momentum", 1.2, 0.8, 1.6, "no detectable difference"),
    row("r", 100.0, "momentum", 20.0, 8.0, "", "faster", bound=True),
]
CONFIG = {"tol": 1e-6, "objectives": {"q": {"type": "quadratic"}, "r": {"type": "rosenbrock"}}}


def test_hero_points_are_the_matrix_cells():
    said = summary.speedups(COMPARISONS, [], ["q", "r"], CONFIG, "95%")
    for obj, line in zip(["q", "r"], said["matrix"], strict=True):
        drawn = [
            ("≥ " if r["speedup_lower_bound"] == "true" else "") + fmt.times(r["speedup"])
            for r in best_speedups(COMPARISONS, obj)
        ]
        assert drawn == [c["text"] for c in line["cells"] if c["text"] != fmt.DASH]
    # the tie at kappa = 1 is left out; at kappa = 100 the larger (censored) speedup is shown
    q = best_speedups(COMPARISONS, "q")
    assert [float(r["kappa"]) for r in q] == [10.0, 100.0]
    assert [r["method"] for r in q] == ["heavy_ball", "nesterov"]


def _drawn(r):
    with matplotlib.rc_context({}):
        ax = Figure().subplots()
        words = _hero_point(ax, float(r["kappa"]), r, "#0072B2", "o")
    arrows = [c for c in ax.get_children() if isinstance(c, Annotation)]
    point = ax.lines[-1]
    return words, arrows, point, ax


def test_censored_wins_are_drawn_as_at_least_and_measured_ones_are_not():
    words, arrows, point, ax = _drawn(COMPARISONS[6])  # r at 100: at least 20x, CI 8 - inf
    assert words.startswith("at least 20×") and "8–∞" in words
    assert len(arrows) == 1 and arrows[0].xy[1] > 20  # an arrow up from the point
    top = max(max(line.get_ydata()) for line in ax.lines)
    assert top == pytest.approx(20.0)  # the bar stops at the bound: no upper end drawn
    assert point.get_markerfacecolor() != "white"  # faster: filled

    words, arrows, point, ax = _drawn(COMPARISONS[3])  # q at 100, heavy ball: measured 9x
    assert words.startswith("9×") and "8–10" in words and "at least" not in words
    assert arrows == []
    assert max(max(line.get_ydata()) for line in ax.lines) == pytest.approx(10.0)

    words, arrows, point, _ = _drawn(COMPARISONS[5])  # no detectable difference: open marker
    assert point.get_markerfacecolor() == "white" and "not detectable" in words


def test_hero_alt_text_and_width_fit_a_phone():
    fig = hero_figure(COMPARISONS, ["q", "r"], CONFIG)
    assert "at least 20×" in fig.alt and "at least 12×" in fig.alt
    assert "κ = 1," not in fig.alt  # the tie is not drawn
    assert "arrow up" in fig.caption
    # 365 CSS px is the text column of a 420-px window with a 15-px scrollbar
    assert fig.width <= 365 and round(HERO_WIDTH * PPI) <= 365
    assert fig.min_font_px >= 11
