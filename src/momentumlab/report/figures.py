"""The report's figures, drawn with matplotlib (Agg) and returned as inline PNG data URIs.

Every function takes the aggregated tables (lists of dicts) and returns a :class:`Fig` or None
when it has nothing to draw. One colour per method throughout (``Method.color`` in
:data:`momentumlab.methods.METHODS`, the Okabe-Ito palette, safe for colour-blind readers).
"""

from __future__ import annotations

import base64
import io
import math
import struct
from dataclasses import dataclass

import matplotlib
import matplotlib.text

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import (  # noqa: E402
    FixedLocator,
    FuncFormatter,
    LogLocator,
    NullFormatter,
)

from .. import theory  # noqa: E402
from ..methods import color, label, method_order, momentum_family, takes_beta  # noqa: E402
from ..objectives import quadratic_theory  # noqa: E402
from . import fmt  # noqa: E402
from .data import (  # noqa: E402
    close,
    index,
    kappas_of,
    num,
    objective_setting,
    objective_type,
    pick,
)

WIDTH = 7.4  # inches; at PPI, 814 CSS px: the report column (54rem less its padding)
PPI = 110  # CSS pixels per figure inch: figures are shown at their natural CSS size, never shrunk
SCALE = 2  # the bitmap holds SCALE device pixels per CSS pixel (crisp on HiDPI screens)
MIN_FONT_PX = 11  # no text in a figure is smaller than this, in CSS pixels as displayed
MAX_KAPPA_PANELS = 5
HEAT_RANGE = 100.0  # heatmap colours span 1x to this many times a panel's best median

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 7.5,  # 7.5 pt at PPI = 11.5 CSS px: the smallest text in any figure
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e8e8e8",
    "grid.linewidth": 0.6,
    "lines.solid_capstyle": "round",
    "figure.facecolor": "white",
}


def shade(c: str, t: float) -> tuple:
    """Blend colour ``c`` with white: t = 1 is the colour, t = 0 white."""
    r, g, b = mcolors.to_rgb(c)
    return (1 - t + t * r, 1 - t + t * g, 1 - t + t * b)


@dataclass
class Fig:
    id: str
    title: str
    src: str  # data URI of a PNG holding SCALE device pixels per CSS pixel
    alt: str
    caption: str  # what this figure shows (its own words)
    width: int  # CSS pixels as displayed
    height: int
    min_font_px: float = 0.0  # the smallest text in the figure, in CSS pixels as displayed
    kind: str = ""  # curves, heatmap, sensitivity, ... (KIND_CAPTIONS says how to read one)
    objective: str | None = None
    number: int = 0  # its figure number in the report, set when the report is assembled
    how_to_read: str = ""  # KIND_CAPTIONS[kind] under the first figure of its kind, else ""
    read_as: int = 0  # the number of the first figure of its kind (whose caption explains it)


def _new(nrows: int, ncols: int, height: float, width: float = WIDTH, **kw):
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def _encode(fig: Figure) -> tuple[str, int, int]:
    """The figure as a PNG data URI at SCALE x, and its CSS width and height."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PPI * SCALE, metadata={"Software": None})
    data = buf.getvalue()
    w, h = struct.unpack(">II", data[16:24])  # the PNG header's own width and height
    uri = "data:image/png;base64," + base64.b64encode(data).decode()
    return uri, math.ceil(w / SCALE), math.ceil(h / SCALE)


def min_font_px(fig: Figure) -> float:
    """The smallest visible, non-empty text of a drawn figure, in CSS pixels at PPI."""
    sizes = [
        t.get_fontsize()
        for t in fig.findobj(matplotlib.text.Text)
        if t.get_visible() and t.get_text().strip() and t.get_figure() is not None
        and (t.axes is None or t.axes.get_visible())
    ]  # fmt: skip
    return round(min(sizes) * PPI / 72, 2) if sizes else 0.0


def _guard_empty_log_axes(fig: Figure) -> None:
    """A log-scaled panel with nothing positive to show says so instead of failing to draw."""
    for ax in fig.axes:
        if not ax.get_visible() or ax.get_label() == "<colorbar>":
            continue
        logx, logy = ax.get_xscale() == "log", ax.get_yscale() == "log"
        if not (logx or logy):
            continue
        x0, y0, x1, y1 = ax.dataLim.extents
        ok = ax.has_data() and all(math.isfinite(v) for v in (x0, y0, x1, y1))
        ok = ok and (not logx or x1 > 0) and (not logy or y1 > 0)
        if not ok:
            ax.set_xscale("linear")
            ax.set_yscale("linear")
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.text(0.5, 0.5, "no data", ha="center", va="center", color="#777777")


def _clamp_log_limits(fig: Figure, bound: float = 1e100) -> None:
    """Keep log axes inside [1/bound, bound]: a grid value like alpha L = 1e200 would otherwise
    make the tick locator step past the largest float, and the tick formatter overflow."""
    for ax in fig.axes:
        for axis, get, set_ in (
            (ax.xaxis, ax.get_xlim, ax.set_xlim),
            (ax.yaxis, ax.get_ylim, ax.set_ylim),
        ):
            if axis.get_scale() != "log":
                continue
            lo, hi = get()
            if lo < 1 / bound or hi > bound:
                set_(max(lo, 1 / bound), min(hi, bound))


def _finish(
    fig: Figure, fid: str, title: str, alt: str, caption: str, kind: str = "", obj=None
) -> Fig:
    _clamp_log_limits(fig)
    _guard_empty_log_axes(fig)
    src, w, h = _encode(fig)
    small = min_font_px(fig)
    return Fig(fid, title, src, alt, caption, w, h, small, kind or fid, obj)


def _hide_unused(axes, used: int) -> None:
    for ax in axes.ravel()[used:]:
        ax.set_visible(False)


def _grid(n: int, max_cols: int = 3) -> tuple[int, int]:
    ncols = min(n, max_cols)
    return math.ceil(n / ncols), ncols


def _log_axes(ax, x=True, y=True):
    if x:
        ax.set_xscale("log")
    if y:
        ax.set_yscale("log")
    for axis, on in ((ax.xaxis, x), (ax.yaxis, y)):
        if on:  # minor ticks at 2 and 5 only: most of a figure's drawing time went to them
            axis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0), numticks=12))
            axis.set_minor_formatter(NullFormatter())


def _nice_log_ticks(ax) -> None:
    """Plain tick labels (1, 10, 100) on log axes; 1-2-5 steps when under two decades show."""
    for axis, lim in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if axis.get_scale() != "log" or not (lim[0] > 0 and lim[1] > lim[0]):
            continue
        lo, hi = math.log10(lim[0]), math.log10(lim[1])
        if hi - lo >= 2:
            if lim[0] >= 1e-3 and lim[1] <= 1e5:
                axis.set_major_formatter(FuncFormatter(lambda v, _: fmt.short(v)))
            continue
        for steps in ((1, 2, 5), (1, 1.5, 2, 3, 5, 7)):
            ticks = [
                m * 10.0**e
                for e in range(math.floor(lo) - 1, math.ceil(hi) + 1)
                for m in steps
                if lim[0] <= m * 10.0**e <= lim[1]
            ]
            if len(ticks) >= 3:
                break
        if len(ticks) >= 2:
            axis.set_major_locator(FixedLocator(ticks))
            axis.set_major_formatter(FuncFormatter(lambda v, _: fmt.short(v)))


def _width(ncols: int, per_panel: float = 2.9) -> float:
    return min(WIDTH, per_panel * ncols + 1.0)


def _legend(fig: Figure, handles: list, where: str = "outside upper center") -> None:
    """A figure-level legend in as many columns as the figure's width allows."""
    per_row = max(1, min(len(handles), int(fig.get_figwidth() / 1.25)))
    fig.legend(handles=handles, loc=where, ncols=per_row)


def _arr(rows, key) -> np.ndarray:
    return np.array([np.nan if num(r.get(key)) is None else float(r[key]) for r in rows])


def close_beta(row: dict, beta: float) -> bool:
    return abs((num(row.get("beta")) or 0.0) - beta) < 1e-12


def _budget(config: dict, objective: str) -> float | None:
    return num(objective_setting(config, objective, "max_iter"))


# How to read each per-objective kind of figure: said once, under its first figure.
KIND_CAPTIONS = {
    "curves": (
        "Relative gap (f − f*)/(f₀ − f*) against iteration, each method at its best tuning "
        "(fewest median iterations among fully converged grid points). The iteration axis is "
        "linear, so a linear rate is a straight line, and it ends just past the slowest "
        "method's median. Line: median over starts; band: interquartile range; dotted grey: "
        "the tolerance; fine dotted, on quadratics: the theory's rate at that tuning, "
        "ρ^(2k) with ρ the largest root modulus over curvatures in [μ, L]. A run that stopped "
        "keeps its last value; a gap of exactly 0 is drawn at the bottom edge."
    ),
    "heatmap": (
        "Median iterations over the (α·L, β) grid for each momentum method (rows) and "
        "condition number (columns), as a multiple of the panel's best, so that every κ uses "
        "the whole colour scale; lighter is faster. The β axis is spaced by log(1 − β), so 0.9, "
        "0.99 and 0.999 are evenly apart. Grey cells have no median within the "
        "budget (× where most runs diverged, – where they hit the budget); □ marks the best "
        "grid point, outlined in red when it lies on the grid's edge (the optimum may be "
        "outside the grid). On quadratics each measured row has the theory's map under it: "
        "the iterations predicted from the worst root modulus ρ over curvatures in [μ, L], "
        "log(tol)/(2 log ρ), on the same scale, with dashed iso-iteration contours at 2×, 5× "
        "and 20× its best; the black curve is the analytic stability boundary (the largest "
        "stable α·L for each β) and ☆ the theoretically optimal tuning."
    ),
    "sensitivity": (
        "Median iterations against α·L at the smallest and the largest κ, one line per β in "
        "the method's colour, darker for larger β (at most five β values are shown). Grid "
        "points without a median sit on the dotted budget line: × most runs diverged, ▲ runs "
        "hit the budget. A flat, wide valley means a method is forgiving to tune."
    ),
}

# --------------------------------------------------------------------------- 0. hero

OBJECTIVE_STYLES = (
    ("#0072B2", "o"),
    ("#D55E00", "s"),
    ("#009E73", "D"),
    ("#CC79A7", "^"),
    ("#E69F00", "v"),
    ("#56B4E9", "P"),
    ("#333333", "X"),
)
HERO_WIDTH = 3.45  # inches: 380 CSS px, the text column of a 420-px phone


def best_speedups(comparisons: list[dict], obj: str) -> list[dict]:
    """Per kappa, the comparison of the fastest momentum method with the baseline on ``obj``."""
    out: dict[float, dict] = {}
    for r in comparisons:
        if r.get("objective") != obj or num(r.get("speedup")) is None:
            continue
        k = float(r["kappa"])
        if k not in out or num(r["speedup"]) > num(out[k]["speedup"]):
            out[k] = r
    return [out[k] for k in sorted(out)]


def theory_speedup(kappas: np.ndarray, tol: float) -> np.ndarray:
    """GD's iterations over heavy ball's, both at their optimal tuning on a quadratic."""
    out = []
    for k in kappas:
        gd, hb = theory.optimal("gd", 1.0, float(k)), theory.optimal("heavy_ball", 1.0, float(k))
        a, b = gd.iterations(tol), hb.iterations(tol)
        out.append(a / b if a and b and math.isfinite(a) and math.isfinite(b) else np.nan)
    return np.array(out)


def hero_figure(comparisons, objectives, config) -> Fig | None:
    """The answer in one panel: the best momentum method's speedup over GD against kappa."""
    objs = [o for o in objectives if best_speedups(comparisons, o)]
    if not objs:
        return None
    tol = num(config.get("tol")) or 1e-6
    described = []
    with matplotlib.rc_context(STYLE):
        fig, axes = _new(1, 1, 3.0, width=HERO_WIDTH)
        ax = axes[0, 0]
        ax.axhline(1.0, color="#777777", lw=0.9)
        ks_all = sorted({float(r["kappa"]) for o in objs for r in best_speedups(comparisons, o)})
        if len(ks_all) >= 2 and any(objective_type(config, o) == "quadratic" for o in objs):
            xs = np.geomspace(ks_all[0], ks_all[-1], 60)
            ax.plot(xs, theory_speedup(xs, tol), color="#555555", lw=1.2, ls="--", zorder=1)
        for i, obj in enumerate(objs):
            c, marker = OBJECTIVE_STYLES[i % len(OBJECTIVE_STYLES)]
            rows = best_speedups(comparisons, obj)
            k, s = _arr(rows, "kappa"), _arr(rows, "speedup")
            lo, hi = _arr(rows, "speedup_ci_low"), _arr(rows, "speedup_ci_high")
            yerr = np.vstack([np.nan_to_num(s - lo), np.nan_to_num(hi - s)]).clip(0)
            jitter = 10 ** (0.03 * (i - (len(objs) - 1) / 2))
            sig = np.array([r.get("significant") in (True, "true", 1) for r in rows])
            ax.plot(k * jitter, s, color=c, lw=1.3)
            ax.errorbar(k * jitter, s, yerr=yerr, fmt="none", ecolor=c, elinewidth=1, capsize=2)
            ax.plot(k[sig] * jitter, s[sig], marker, ms=5, color=c, lw=0)
            ax.plot(k[~sig] * jitter, s[~sig], marker, ms=5, mfc="white", mec=c, lw=0)
            described.append(
                f"{obj}: "
                + ", ".join(
                    f"{fmt.sig(v)}× at κ = {fmt.kappa(x)}" for x, v in zip(k, s, strict=True)
                )
            )
        _log_axes(ax)
        _nice_log_ticks(ax)
        ax.set_xlabel("condition number κ")
        ax.set_ylabel("speedup over GD (×)")
        handles = [
            Line2D([], [], color=OBJECTIVE_STYLES[i % 7][0], marker=OBJECTIVE_STYLES[i % 7][1],
                   ms=5, label=o)
            for i, o in enumerate(objs)
        ]  # fmt: skip
        handles += [
            Line2D(
                [], [], color="#555555", ls="", marker="o", mfc="white", label="not significant"
            ),
            Line2D([], [], color="#555555", lw=1.2, ls="--", label="theory (quadratic)"),
        ]
        fig.legend(handles=handles, loc="outside upper center", ncols=2)
    alt = (
        "Log-log chart: the speedup of the best momentum method over gradient descent against "
        "the condition number κ, one line per objective, with confidence intervals, a line at 1 "
        "(no speedup) and the theoretical ratio for a quadratic. " + "; ".join(described) + "."
    )
    caption = (
        "The answer at a glance: how many times fewer iterations the best "
        "momentum method needed than GD, each at its best tuning, per objective and κ (bars: "
        "confidence intervals; open markers: not significant). Dashed: what theory predicts for "
        "a quadratic at optimal tuning (GD's iterations ÷ heavy ball's, growing like √κ). "
        "Above the grey line at 1, momentum wins."
    )
    return _finish(fig, "fig-hero", "Speedup of momentum over GD", alt, caption, "hero")


# --------------------------------------------------------------------------- 1. lecture


TUNING_STYLES = {  # the lecture picture's paths: colour, line style, label
    "gd": (color("gd"), "-", "GD at 2/(L + μ)"),
    "optimal": (color("momentum"), "-", "momentum, optimal"),
    "critical": ("#56B4E9", "--", "momentum, critically damped"),
}
HALO = patheffects.withStroke(linewidth=2.2, foreground="white")
STEP_MARKS = (10, 25, 50, 100, 250, 500, 1000, 2500, 5000)


def _tuning_style(name: str, method: str) -> tuple[str, str, str]:
    return TUNING_STYLES.get(name, (color(method), "-", f"{label(method)} ({name})"))


def _landscape_grid(land: list[dict]):
    xs, ys = np.unique(_arr(land, "x")), np.unique(_arr(land, "y"))
    F = np.full((ys.size, xs.size), np.nan)
    xi = {v: i for i, v in enumerate(xs)}
    yi = {v: i for i, v in enumerate(ys)}
    for r in land:
        f = num(r["f"])
        if f is not None:
            F[yi[float(r["y"])], xi[float(r["x"])]] = f
    return xs, ys, F


def lecture_figure(trajectories: list[dict], landscape: list[dict]) -> Fig | None:
    """Per 2-D case: the paths over level sets (equal aspect, iteration numbers) and the gap
    against a linear iteration axis; GD at 2/(L + mu), momentum optimal and critically damped."""
    cases = list(dict.fromkeys((r["objective"], float(r["kappa"])) for r in trajectories))
    if not cases:
        return None
    described = []
    with matplotlib.rc_context(STYLE):
        fig, axes = _new(len(cases), 2, 3.3 * len(cases) + 0.2, width_ratios=[1.25, 1])
        for (ax, lax), (obj, kappa) in zip(axes, cases, strict=False):
            ax.grid(False)
            ax.spines[["top", "right"]].set_visible(True)
            land = [r for r in landscape if r["objective"] == obj and close(r["kappa"], kappa)]
            if land:
                xs, ys, F = _landscape_grid(land)
                pos = F[np.isfinite(F) & (F > 0)]
                if pos.size > 3:
                    lo, hi = np.percentile(pos, [0.5, 99.5])
                    if hi > lo > 0:
                        levels = np.geomspace(lo, hi, 12)
                        X, Y = np.meshgrid(xs, ys)
                        ax.contourf(
                            X, Y, np.clip(F, lo, hi), levels=levels, cmap="Greys_r", alpha=0.22,
                            norm=mcolors.LogNorm(lo, hi), extend="both",
                        )  # fmt: skip
                        ax.contour(X, Y, F, levels=levels, colors="#7d8894", linewidths=0.7)
                    j = np.unravel_index(np.nanargmin(F), F.shape)
                    ax.plot(xs[j[1]], ys[j[0]], marker="*", ms=11, color="black", zorder=5, lw=0)
                ax.set_xlim(xs[0], xs[-1])
                ax.set_ylim(ys[0], ys[-1])
                ax.set_aspect("equal", adjustable="box")
            rows_of = {}
            for r in trajectories:
                if r["objective"] == obj and close(r["kappa"], kappa):
                    rows_of.setdefault(r.get("tuning") or r["method"], []).append(r)
            parts, start = [], None
            for name, rows in rows_of.items():
                rows.sort(key=lambda r: int(r["step"]))
                method = rows[0]["method"]
                c, ls, what = _tuning_style(name, method)
                drawn = [r for r in rows if r.get("drawn") in (None, "", True, "true", 1)]
                w = np.column_stack([_arr(drawn, "w1"), _arr(drawn, "w2")])
                ax.plot(w[:, 0], w[:, 1], ls, color=c, lw=0.9 if name == "gd" else 1.3, zorder=3)
                ax.plot(w[:, 0], w[:, 1], "o", color=c, ms=2.2, mew=0, zorder=3)
                ax.plot(*w[-1], "s", ms=6, color=c, mec="white", mew=0.8, zorder=7)
                for k in STEP_MARKS:
                    if k <= len(w) - 1:
                        ax.annotate(
                            str(k), w[k], xytext=(3, 3), textcoords="offset points", color=c,
                            fontsize=7.5, fontweight="bold", zorder=8,
                            path_effects=[HALO],
                        )  # fmt: skip
                start = w[0] if start is None else start
                a_L, beta = num(rows[0].get("alpha_L")), num(rows[0].get("beta")) or 0.0
                its = num(rows[0].get("iterations"))
                tun = (f"α·L = {fmt.short(a_L)}" if a_L is not None else
                       f"α = {fmt.short(rows[0].get('alpha'))}")  # fmt: skip
                tun += f", β = {fmt.short(beta)}" if takes_beta(method) else ""
                hit = f"{fmt.sig(its)} iterations to tol" if its else "tol not reached"
                upto = [r for r in rows if its is None or int(r["step"]) <= its]  # cut at tol
                gaps = _arr(upto, "gap")
                if np.isfinite(gaps).any() and gaps.size:
                    g = np.where(gaps > 0, gaps / max(gaps[0], 1e-300), np.nan)
                    lax.plot(_arr(upto, "step"), g, ls, color=c, lw=1.4, label=f"{tun}: {hit}")
                parts.append(f"{what} ({tun}): {hit}")
            if start is not None:
                ax.plot(*start, "o", ms=7, mfc="white", mec="black", mew=1.3, zorder=6)
            ax.set_title(f"{obj}, κ = {fmt.kappa(kappa)}: paths")
            ax.set_xlabel("w₁")
            ax.set_ylabel("w₂")
            lax.set_yscale("log")
            lax.yaxis.set_minor_formatter(NullFormatter())
            lax.set_title("relative gap, linear iteration axis")
            lax.set_xlabel("iteration")
            lax.set_xlim(left=0)
            lax.legend(loc="upper right", fontsize=7.5, handlelength=1.6)
            described.append(f"{obj} at κ = {fmt.kappa(kappa)}: " + "; ".join(parts))
        handles = [
            Line2D([], [], color=c, ls=ls, lw=1.6, label=what)
            for name, (c, ls, what) in TUNING_STYLES.items()
            if any((r.get("tuning") or r["method"]) == name for r in trajectories)
        ]
        handles += [
            Line2D([], [], ls="", marker="o", ms=6, mfc="white", mec="black", label="start"),
            Line2D([], [], ls="", marker="s", ms=5, color="#777777", label="last step drawn"),
            Line2D([], [], ls="", marker="*", ms=9, color="black", label="minimum"),
        ]
        fig.legend(handles=handles, loc="outside upper center", ncols=3)
    alt = (
        "Per case, a contour plot of the objective with the optimisation paths drawn on top and "
        "iteration numbers along them, and beside it the relative gap against iteration. "
        + " | ".join(described)
        + "."
    )
    caption = (
        "The lecture's picture, with the tunings that matter: GD at its best fixed step "
        "2/(L + μ), the lecture's momentum at the optimal tuning (the one the study's speedups "
        "approach) and critically damped (β = 0.9, no overshoot along the valley). Numbers "
        "along a path are iteration counts, so who is ahead can be read off; ○ start, ■ the "
        "last step drawn, ★ the minimum. Right: the relative gap (f − f*)/(f₀ − f*) on a linear "
        "iteration axis, where a linear rate is a straight line. Optimal momentum still "
        "zig-zags, more than GD at first: along the steep direction its error obeys a recurrence "
        "whose roots are −√β (twice), so it flips sign every step, but shrinks by √β per step, "
        "far faster than GD's (κ − 1)/(κ + 1). In detail: " + "; ".join(described) + "."
    )
    return _finish(fig, "fig-lecture", "The lecture's picture", alt, caption, "lecture")


# --------------------------------------------------------------------------- 2. gap curves


def _best_row(best_idx, obj, kappa, m):
    b = best_idx.get((obj, float(kappa), m))
    if b is None or num(b.get("median_iter")) is None or num(b.get("alpha")) is None:
        return None
    return b


def _matches_tuning(r, b) -> bool:
    same_alpha = close(r.get("alpha"), b.get("alpha")) or close(r.get("alpha_L"), b.get("alpha_L"))
    rb, bb = num(r.get("beta")) or 0.0, num(b.get("beta")) or 0.0
    return same_alpha and abs(rb - bb) <= 1e-9 * max(1.0, abs(bb))


def _theory_rate(method: str, b: dict, kappa: float) -> float | None:
    """The asymptotic rate per iteration of ||w - w*|| at the tuning of best row ``b`` on a
    quadratic with curvatures in [mu, L] = [1/kappa, 1] (units of L)."""
    a, be = num(b.get("alpha_L")), num(b.get("beta")) or 0.0
    if a is None or not theory.has_theory(method):
        return None
    return float(theory.spectral_radius(method, a, be, [1.0 / float(kappa), 1.0]))


def curves_figure(obj, curves, best, config) -> Fig | None:
    """Median relative gap with its interquartile band against iteration, at best tunings."""
    best_idx = index(best, "objective", "kappa", "method")
    crows = [r for r in curves if r["objective"] == obj]
    kappas = [k for k in kappas_of(crows) if any(k2[:2] == (obj, k) for k2 in best_idx)]
    kappas = pick(kappas, MAX_KAPPA_PANELS)
    if not kappas:
        return None
    methods = method_order(r["method"] for r in crows)
    groups: dict[tuple, list[dict]] = {}
    for r in crows:
        if num(r.get("kappa")) is not None:
            groups.setdefault((float(r["kappa"]), r["method"]), []).append(r)
    tol = num(objective_setting(config, obj, "tol")) or None
    nrows, ncols = _grid(len(kappas), 3)
    drawn = 0
    drawn_methods: set[str] = set()
    missing = []
    with matplotlib.rc_context(STYLE):
        fig, axes = _new(nrows, ncols, 2.35 * nrows + 0.35, width=_width(ncols, 2.7))
        floor = (tol or 1e-12) * 1e-3  # a gap of exactly 0 (the optimum hit) is drawn here
        lows, highs = [], []
        otype = objective_type(config, obj, best)
        enveloped = False
        for ax, k in zip(axes.ravel(), kappas, strict=False):
            # cut the iteration axis just past the slowest method that converged
            slowest = [
                num(b["median_iter"]) for m in methods if (b := _best_row(best_idx, obj, k, m))
            ]
            xmax = 1.15 * max(slowest) if slowest else None
            for m in methods:
                b = _best_row(best_idx, obj, k, m)
                if b is None:
                    missing.append(f"{label(m)} at κ = {fmt.kappa(k)}")
                    continue
                rows = sorted(
                    (r for r in groups.get((k, m), []) if _matches_tuning(r, b)),
                    key=lambda r: r["iteration"],
                )
                rows = [r for r in rows if (num(r["iteration"]) or 0) >= 1]
                if not rows:
                    missing.append(f"{label(m)} at κ = {fmt.kappa(k)}")
                    continue
                it = _arr(rows, "iteration")
                med, q25, q75 = (_arr(rows, c) for c in ("gap_median", "gap_q25", "gap_q75"))
                for a in (med, q25, q75):
                    a[~np.isfinite(a)] = np.nan  # inf/NaN never reach the plot
                    a[a <= floor] = floor
                ax.fill_between(it, q25, q75, color=color(m), alpha=0.18, lw=0)
                ax.plot(it, med, color=color(m), lw=1.5, label=label(m))
                rho = _theory_rate(m, b, k) if quadratic_theory(otype) else None
                if rho is not None and 0 < rho < 1 and xmax:
                    ks = np.linspace(0, xmax, 80)
                    ax.plot(ks, np.maximum(rho ** (2 * ks), floor), color=color(m), lw=0.9,
                            ls=(0, (1, 1.6)))  # fmt: skip
                    enveloped = True
                drawn += 1
                drawn_methods.add(m)
                fin = np.concatenate([x[np.isfinite(x)] for x in (q25, med, q75)])
                if fin.size:
                    lows.append(fin.min())
                    highs.append(fin.max())
            if tol:
                ax.axhline(tol, color="#777777", lw=0.8, ls=":")
            _log_axes(ax, x=False)
            if xmax:
                ax.set_xlim(0, xmax)
            ax.set_title(f"κ = {fmt.kappa(k)}")
            ax.set_xlabel("iteration")
        for ax in axes[:, 0]:
            ax.set_ylabel("relative gap (f − f*)/(f₀ − f*)")
        if lows:
            bottom = max(min(lows), floor) / 2
            top = min(max(max(highs), 1.0), 1e6) * 2
            for ax in axes.ravel()[: len(kappas)]:
                if ax.has_data():
                    ax.set_ylim(bottom, top)
                    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
        for ax in axes[:, 1:].ravel():
            ax.tick_params(labelleft=False)
        _hide_unused(axes, len(kappas))
        handles = [
            Line2D([], [], color=color(m), lw=1.8, label=label(m))
            for m in methods
            if m in drawn_methods
        ]
        handles.append(Patch(color="#999999", alpha=0.3, label="interquartile range"))
        if enveloped:
            handles.append(
                Line2D([], [], color="#555555", lw=0.9, ls=(0, (1, 1.6)), label="theory rate")
            )
        if tol:
            handles.append(
                Line2D([], [], color="#777777", lw=0.8, ls=":", label=f"tol = {fmt.short(tol)}")
            )
        _legend(fig, handles)
    if not drawn:
        return None
    note = f" Not drawn (no fully converged tuning): {', '.join(missing)}." if missing else ""
    alt = (
        f"Line charts for {obj}, one panel per condition number κ "
        f"({', '.join(fmt.kappa(k) for k in kappas)}): the median relative optimality gap "
        "against iteration (linear axis, cut just past the slowest converged method; log gap) "
        "for each method at its best tuning, with shaded interquartile bands."
    )
    caption = f"{obj}: convergence at each method's best tuning." + note
    return _finish(fig, f"fig-curves-{obj}", f"Convergence on {obj}", alt, caption, "curves", obj)


# --------------------------------------------------------------------------- 3. heatmaps


def _tb(beta):
    """The heatmaps' beta axis: -log10(1 - beta), so 0, 0.9, 0.99 are evenly spaced."""
    return -np.log10(1.0 - np.asarray(beta, dtype=float))


def _edges(v: np.ndarray) -> np.ndarray:
    if v.size == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])


def _spaced(v: np.ndarray, gap: float) -> list[int]:
    """Indices of sorted ``v`` to label: the first, then each at least ``gap`` past the last."""
    out = [0]
    for i in range(1, v.size):
        if v[i] - v[out[-1]] >= gap:
            out.append(i)
    return out


def _theory_point(b, m, kappa, otype):
    if not quadratic_theory(otype):
        return None
    a, be = num(b.get("theory_alpha_L")) if b else None, num(b.get("theory_beta")) if b else None
    if a is None or be is None:
        try:
            t = theory.optimal(m, 1.0, float(kappa))
        except Exception:  # noqa: BLE001 - unknown method: no theory
            return None
        a, be = t.alpha * float(kappa), t.beta
    return a, be


EDGE = "#C0392B"  # a best grid point on the grid's edge: the optimum may lie beyond it
ISO_LEVELS = (2.0, 5.0, 20.0)  # iso-iteration contours of the theory map, times its best


def _on_edge(v: float, grid: np.ndarray) -> bool:
    """Is ``v`` the smallest or largest of ``grid`` (with more than one value)?"""
    return grid.size > 1 and (abs(v - grid.min()) < 1e-9 or abs(v - grid.max()) < 1e-9)


def theory_iterations_map(method: str, alpha_L, beta, kappa: float, tol: float) -> np.ndarray:
    """Predicted iterations to tol at each (alpha L, beta) on a quadratic with curvatures in
    [mu, L] = [1/kappa, 1]: log(tol) / (2 log rho), rho the worst root modulus (inf if >= 1)."""
    lams = np.geomspace(1.0 / kappa, 1.0, 9)
    rho = theory.spectral_radius(method, alpha_L, beta, lams)
    with np.errstate(divide="ignore", invalid="ignore"):
        it = np.where(rho < 1, math.log(tol) / (2 * np.log(np.maximum(rho, 1e-300))), np.inf)
    return np.maximum(it, 1.0)


def _theory_panel(ax, method, kappa, xe, ye, tol, cmap, norm) -> None:
    """The theory's (alpha L, beta) map on the measured panel's extents, per panel normalised,
    with iso-iteration contours at ISO_LEVELS times its best."""
    gx = np.linspace(xe[0], xe[-1], 120)
    gy = np.linspace(ye[0], ye[-1], 90)
    X, Y = np.meshgrid(gx, gy)
    B = np.clip(1 - 10.0 ** (-Y), 0.0, 1 - 1e-12)
    try:
        T = theory_iterations_map(method, 10.0**X, B, kappa, tol)
    except Exception:  # noqa: BLE001 - no theory for this method
        ax.text(0.5, 0.5, "no theory", ha="center", va="center", transform=ax.transAxes)
        return
    fin = np.isfinite(T)
    if not fin.any():
        ax.text(0.5, 0.5, "unstable everywhere", ha="center", va="center", transform=ax.transAxes)
        return
    best = T[fin].min()
    R = np.where(fin, T / best, np.nan)
    ax.pcolormesh(gx, gy, np.ma.masked_invalid(np.clip(R, 1.0, HEAT_RANGE)), cmap=cmap, norm=norm,
                  shading="auto", rasterized=True)  # fmt: skip
    ax.contour(gx, gy, np.nan_to_num(R, nan=1e9), levels=list(ISO_LEVELS), colors="white",
               linewidths=0.9, linestyles="--")  # fmt: skip
    j = np.unravel_index(np.nanargmin(R), R.shape)
    ax.plot(gx[j[1]], gy[j[0]], marker="*", ms=10, mfc="white", mec="black", mew=0.9, lw=0)
    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])


def heatmap_figure(obj, cells, best, config) -> Fig | None:
    """Median iterations over (alpha L, beta) per momentum-family method and kappa."""
    crows = [r for r in cells if r["objective"] == obj]
    methods = [m for m in method_order(r["method"] for r in crows) if m in momentum_family()]
    methods = [
        m
        for m in methods
        if len({num(r.get("beta")) for r in crows if r["method"] == m}) >= 1
        and any(num(r.get("alpha_L")) for r in crows if r["method"] == m)
    ]
    kappas = pick(kappas_of(crows), MAX_KAPPA_PANELS)
    if not methods or not kappas:
        return None
    otype = objective_type(config, obj, crows)
    _budget(config, obj)
    best_idx = index(best, "objective", "kappa", "method")
    # colour: iterations / the panel's best, so every kappa uses the whole scale
    norm = mcolors.LogNorm(vmin=1.0, vmax=HEAT_RANGE)
    cmap = matplotlib.colormaps["viridis_r"]
    outline = [patheffects.Stroke(linewidth=2.6, foreground="white"), patheffects.Normal()]
    counts = {"diverged": 0, "budget": 0}
    with matplotlib.rc_context({**STYLE, "axes.grid": False}):
        per = 2 if quadratic_theory(otype) else 1  # a theory row under each measured row
        nrows, ncols = len(methods) * per, len(kappas)
        fig, axes = _new(
            nrows, ncols, 1.85 * nrows + (1.2 if nrows == 1 else 0.75),
            width=min(WIDTH, 2.1 * ncols + 1.7),
        )  # fmt: skip
        mappable = None
        edge_best = False
        tol = num(objective_setting(config, obj, "tol")) or 1e-6
        for i, m in enumerate(methods):
            for j, k in enumerate(kappas):
                ax = axes[per * i, j]
                sub = [r for r in crows if r["method"] == m and close(r["kappa"], k)]
                sub = [r for r in sub if num(r.get("alpha_L")) and num(r.get("alpha_L")) > 0]
                if not sub:
                    ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
                    ax.set_xticks([])
                    ax.set_yticks([])
                    continue
                al = np.unique(np.log10(_arr(sub, "alpha_L")))
                be = np.unique(np.array([num(r.get("beta")) or 0.0 for r in sub]))
                x, y = al, _tb(be)
                Z = np.full((y.size, x.size), np.nan)
                G = np.zeros((y.size, x.size), dtype=bool)  # present but no median
                for r in sub:
                    ix = int(np.argmin(np.abs(x - math.log10(r["alpha_L"]))))
                    iy = int(np.argmin(np.abs(be - (num(r.get("beta")) or 0.0))))
                    med = num(r.get("median_iter"))
                    if med is not None:
                        Z[iy, ix] = med
                        continue
                    G[iy, ix] = True
                    runs = num(r.get("runs")) or 0
                    div = num(r.get("diverged")) or 0
                    if runs and div >= runs / 2:
                        counts["diverged"] += 1
                        ax.plot(x[ix], y[iy], "x", color="#444444", ms=4, mew=1.0)
                    else:
                        counts["budget"] += 1
                        ax.plot(x[ix], y[iy], "_", color="#444444", ms=5, mew=1.2)
                xe, ye = _edges(x), _edges(y)
                ax.pcolormesh(
                    xe, ye, np.ma.masked_where(~G, np.ones_like(Z)),
                    cmap=mcolors.ListedColormap(["#d9d9d9"]), shading="flat",
                )  # fmt: skip
                best_z = np.nanmin(Z) if np.isfinite(Z).any() else 1.0
                mappable = ax.pcolormesh(
                    xe, ye, np.ma.masked_invalid(np.clip(Z / best_z, 1.0, HEAT_RANGE)), cmap=cmap,
                    norm=norm, shading="flat",
                )  # fmt: skip
                if quadratic_theory(otype):
                    yy = np.linspace(ye[0], ye[-1], 200)
                    bb = np.clip(1 - 10.0 ** (-yy), 0.0, 1 - 1e-12)
                    try:
                        xb = np.log10(theory.max_stable_alpha(m, bb, 1.0))
                        ax.plot(xb, yy, color="black", lw=1.2, path_effects=outline)
                    except Exception:  # noqa: BLE001 - no theory for this method
                        pass
                b = best_idx.get((obj, float(k), m))
                tp = _theory_point(b, m, k, otype)
                if tp and tp[0] > 0 and 0 <= tp[1] < 1:
                    ax.plot(
                        math.log10(tp[0]), _tb(tp[1]), marker="*", ms=10, mfc="white",
                        mec="black", mew=0.9, lw=0, zorder=6,
                    )  # fmt: skip
                if b is not None and num(b.get("alpha_L")) and num(b.get("median_iter")):
                    bx, by = math.log10(b["alpha_L"]), _tb(num(b.get("beta")) or 0.0)
                    edge = _on_edge(bx, x) or _on_edge(by, y)  # the optimum may lie outside
                    edge_best |= edge
                    ax.plot(
                        bx, by, marker="s", ms=7, mfc="none", mec=EDGE if edge else "black",
                        mew=1.6 if edge else 1.2, lw=0, zorder=5,
                    )  # fmt: skip
                ax.set_xlim(xe[0], xe[-1])
                ax.set_ylim(ye[0], ye[-1])
                ly = _spaced(y, (ye[-1] - ye[0]) / 10)
                ax.yaxis.set_major_locator(FixedLocator(y[ly]))
                ax.set_yticklabels([fmt.short(be[t]) for t in ly])
                dec = np.arange(math.ceil(xe[0]), math.floor(xe[-1]) + 1)
                if dec.size >= 2:
                    ax.xaxis.set_major_locator(FixedLocator(dec))
                    ax.set_xticklabels([fmt.short(10.0**d) for d in dec])
                else:
                    lx = _spaced(x, (xe[-1] - xe[0]) / 4)
                    ax.xaxis.set_major_locator(FixedLocator(x[lx]))
                    ax.set_xticklabels([fmt.short(10.0 ** x[t]) for t in lx])
                if i == 0:
                    ax.set_title(f"κ = {fmt.kappa(k)}")
                what = ": measured" if per == 2 else ""
                if j == 0:
                    ax.set_ylabel(f"{label(m)}{what}\nβ (log(1 − β) spacing)")
                if per * i == nrows - 1:
                    ax.set_xlabel("α·L")
                if per == 2:
                    tax = axes[per * i + 1, j]
                    _theory_panel(tax, m, float(k), xe, ye, tol, cmap, norm)
                    tax.xaxis.set_major_locator(ax.xaxis.get_major_locator())
                    tax.xaxis.set_major_formatter(ax.xaxis.get_major_formatter())
                    tax.yaxis.set_major_locator(ax.yaxis.get_major_locator())
                    tax.yaxis.set_major_formatter(ax.yaxis.get_major_formatter())
                    if j == 0:
                        tax.set_ylabel(f"{label(m)}: theory\nβ (log(1 − β) spacing)")
                    if per * i + 1 == nrows - 1:
                        tax.set_xlabel("α·L")
        if mappable is not None:
            cb = fig.colorbar(mappable, ax=axes, shrink=0.9, aspect=30, pad=0.01)
            cb.set_label(f"median iterations ÷ the panel's best (capped at {HEAT_RANGE:g})")
        handles = [
            Patch(color="#d9d9d9", label="not converged"),
            Line2D([], [], ls="", marker="x", color="#444444", label="mostly diverged"),
            Line2D([], [], ls="", marker="_", color="#444444", mew=1.2, label="hit the budget"),
            Line2D([], [], ls="", marker="s", mfc="none", mec="black", label="best in grid"),
        ]
        if edge_best:
            handles.append(
                Line2D([], [], ls="", marker="s", mfc="none", mec=EDGE, mew=1.6,
                       label="best at the grid's edge")
            )  # fmt: skip
        if quadratic_theory(otype):
            handles += [
                Line2D([], [], color="#777777", lw=0.9, ls="--", label="theory: 2×, 5×, 20× best"),
                Line2D([], [], color="black", lw=1.2, label="stability boundary (theory)"),
                Line2D([], [], ls="", marker="*", ms=9, mfc="white", mec="black",
                       label="theoretical optimum"),
            ]  # fmt: skip
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=max(1, min(len(handles), 3, int(fig.get_figwidth() / 1.8))),
        )
    theory_text = (
        " The black curve is the stability boundary and ☆ the optimal tuning from theory."
        if quadratic_theory(otype)
        else " No theory is drawn: the objective is not a quadratic."
    )
    alt = (
        f"Heatmaps for {obj}: rows are methods ({', '.join(label(m) for m in methods)}), columns "
        f"are κ = {', '.join(fmt.kappa(k) for k in kappas)}; x is the step size α·L (log "
        "scale), y the momentum β spaced by log(1 − β); colour is median iterations over the "
        "panel's best (lighter is faster); grey cells did not converge."
        + (" A black curve shows the theoretical stability boundary and a star the theoretical "
           "optimum." if quadratic_theory(otype) else "")
    )  # fmt: skip
    caption = f"{obj}: the tuning landscape." + theory_text
    fid, title = f"fig-heatmap-{obj}", f"Tuning landscape on {obj}"
    return _finish(fig, fid, title, alt, caption, "heatmap", obj)


# --------------------------------------------------------------------------- 4. kappa scaling


def _kappa_panels(objs: list[str]):
    """The figure of the kappa and speedup plots: one panel per objective, three a row."""
    nrows, ncols = _grid(len(objs), 3)
    return _new(nrows, ncols, 2.6 * nrows + 0.4, width=_width(ncols))


def _by_kappa(rows: list[dict], obj: str, method: str) -> list[dict]:
    """The rows of one objective and method, by kappa."""
    mine = (r for r in rows if r["objective"] == obj and r["method"] == method)
    return sorted(mine, key=lambda r: float(r["kappa"]))


def _with_errors(rows: list[dict], key: str, i: int, n: int):
    """kappa, ``key`` (with ``{key}_ci_low``/``_high`` as error bars) and the sideways nudge of
    the i-th of n methods, so that their error bars do not overlap."""
    k, y = _arr(rows, "kappa"), _arr(rows, key if key != "median" else "median_iter")
    lo, hi = _arr(rows, f"{key}_ci_low"), _arr(rows, f"{key}_ci_high")
    yerr = np.vstack([np.nan_to_num(y - lo), np.nan_to_num(hi - y)]).clip(0)
    return k, y, yerr, 10 ** (0.025 * (i - (n - 1) / 2))


def _finish_kappa_panels(axes, objs: list[str], ylabel: str) -> None:
    """Log axes, titles and labels of the panels of :func:`_kappa_panels`."""
    for ax, obj in zip(axes.ravel(), objs, strict=False):
        _log_axes(ax)
        _nice_log_ticks(ax)
        ax.set_title(obj)
        ax.set_xlabel("κ")
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    _hide_unused(axes, len(objs))


def kappa_figure(best, slopes, objectives, config) -> Fig | None:
    """Median iterations at the best tuning against kappa, with fitted and theoretical slopes."""
    objs = [o for o in objectives if any(r["objective"] == o for r in best)]
    if not objs:
        return None
    slope_idx = index(slopes, "objective", "method")
    methods = method_order(r["method"] for r in best)
    with matplotlib.rc_context(STYLE):
        fig, axes = _kappa_panels(objs)
        for ax, obj in zip(axes.ravel(), objs, strict=False):
            for mi, m in enumerate(methods):
                rows = _by_kappa(best, obj, m)
                pts = [r for r in rows if num(r.get("median_iter"))]
                th = [r for r in rows if num(r.get("theory_iterations"))]
                if th:
                    ax.plot(
                        _arr(th, "kappa"), _arr(th, "theory_iterations"), color=color(m),
                        lw=1.0, ls="--", alpha=0.8,
                    )  # fmt: skip
                if not pts:
                    continue
                k, y, yerr, jitter = _with_errors(pts, "median", mi, len(methods))
                ax.errorbar(
                    k * jitter, y, yerr=yerr, fmt="o", ms=3.5, color=color(m), elinewidth=1,
                    capsize=2, label=label(m),
                )  # fmt: skip
                s = slope_idx.get((obj, m))
                slope = num(s.get("slope")) if s else None
                if slope is not None and len(pts) >= 2:
                    kmin = num(s.get("kappa_min")) or k.min()
                    kmax = num(s.get("kappa_max")) or k.max()
                    use = (k >= kmin * (1 - 1e-9)) & (k <= kmax * (1 + 1e-9))
                    if use.sum() >= 2:
                        c = np.median(np.log10(y[use]) - slope * np.log10(k[use]))
                        xs = np.geomspace(k[use].min(), k[use].max(), 20)
                        ax.plot(xs, 10 ** (c + slope * np.log10(xs)), color=color(m), lw=1.2)
        _finish_kappa_panels(axes, objs, "median iterations (best tuning)")
        handles = [
            Line2D([], [], color=color(m), marker="o", ms=4, label=label(m)) for m in methods
        ]
        handles += [
            Line2D([], [], color="#555555", lw=1.2, label="Theil–Sen fit"),
            Line2D([], [], color="#555555", lw=1.0, ls="--", label="theory (quadratics)"),
        ]
        _legend(fig, handles)
    alt = (
        "Log-log scatter plots, one panel per objective ("
        + ", ".join(objs)
        + "): median iterations at the best tuning against condition number κ for each method, "
        "with confidence-interval error bars, fitted power-law lines and dashed theory lines."
    )
    caption = (
        "Iterations to reach the tolerance against κ (log-log), each method at "
        "its best tuning per κ. Error bars: confidence intervals of the median; solid lines: "
        "Theil–Sen fits over the κ range of the slope table (slope = exponent of κ); dashed: "
        "iterations predicted by theory at the optimal tuning (quadratics only). Points are "
        "nudged sideways so that error bars do not overlap."
    )
    return _finish(fig, "fig-kappa", "Iterations against κ", alt, caption)


# --------------------------------------------------------------------------- 5. speedup


def speedup_figure(comparisons, best, objectives, config) -> Fig | None:
    """Paired speedup over the baseline against kappa, with CIs and the theoretical ratio."""
    comps = [r for r in comparisons if num(r.get("speedup"))]
    objs = [o for o in objectives if any(r["objective"] == o for r in comps)]
    if not objs:
        return None
    best_idx = index(best, "objective", "kappa", "method")
    methods = method_order(r["method"] for r in comps)
    baselines = sorted({str(r.get("baseline")) for r in comps})
    with matplotlib.rc_context(STYLE):
        fig, axes = _kappa_panels(objs)
        for ax, obj in zip(axes.ravel(), objs, strict=False):
            ax.axhline(1.0, color="#777777", lw=0.9)
            for mi, m in enumerate(methods):
                rows = _by_kappa(comps, obj, m)
                if not rows:
                    continue
                k, s, yerr, jitter = _with_errors(rows, "speedup", mi, len(methods))
                sig = np.array([r.get("significant") in (True, "true", 1) for r in rows])
                ax.plot(k * jitter, s, color=color(m), lw=1.2, alpha=0.9)
                ax.errorbar(
                    k * jitter, s, yerr=yerr, fmt="none", ecolor=color(m), elinewidth=1, capsize=2
                )
                ax.plot(k[sig] * jitter, s[sig], "o", ms=4.5, color=color(m), lw=0)
                ax.plot(k[~sig] * jitter, s[~sig], "o", ms=4.5, mfc="white", mec=color(m), lw=0)
                th_k, th_s = [], []
                for r in rows:
                    base = best_idx.get((obj, float(r["kappa"]), r.get("baseline")))
                    mine = best_idx.get((obj, float(r["kappa"]), m))
                    tb = num(base.get("theory_iterations")) if base else None
                    tm = num(mine.get("theory_iterations")) if mine else None
                    if tb and tm:
                        th_k.append(float(r["kappa"]))
                        th_s.append(tb / tm)
                if th_k:
                    ax.plot(th_k, th_s, color=color(m), lw=1.0, ls="--", alpha=0.8)
        baseline = ", ".join(label(b) for b in baselines)
        _finish_kappa_panels(axes, objs, f"speedup over {baseline} (×)")
        handles = [
            Line2D([], [], color=color(m), marker="o", ms=4, label=label(m)) for m in methods
        ]
        handles += [
            Line2D(
                [], [], color="#555555", marker="o", mfc="white", ls="", label="not significant"
            ),
            Line2D([], [], color="#555555", lw=1.0, ls="--", label="theory (quadratics)"),
        ]
        _legend(fig, handles)
    alt = (
        "Log-log plots, one panel per objective (" + ", ".join(objs) + "): the paired speedup of "
        "each momentum method over gradient descent against κ, with confidence-interval error "
        "bars, a reference line at 1 and dashed theoretical ratios."
    )
    caption = (
        "Speedup = baseline iterations ÷ method iterations (median of paired "
        "runs from the same starts, each method at its best tuning); above 1 means fewer "
        "iterations than GD. Error bars: bootstrap confidence intervals; filled markers: "
        "significant after Holm correction, open: not significant; dashed: the ratio of "
        "theoretical iteration counts (quadratics only)."
    )
    return _finish(fig, "fig-speedup", "Speedup against κ", alt, caption)


# --------------------------------------------------------------------------- 6. sensitivity


def sensitivity_figure(obj, cells, best, config) -> Fig | None:
    """Median iterations against alpha L for several betas, per method, at the extreme kappas."""
    crows = [r for r in cells if r["objective"] == obj and num(r.get("alpha_L"))]
    methods = method_order(r["method"] for r in crows)
    ks = kappas_of(crows)
    if not methods or not ks:
        return None
    kappas = [ks[0], ks[-1]] if len(ks) > 1 else ks
    budget = _budget(config, obj)
    betas = sorted({num(r.get("beta")) or 0.0 for r in crows if takes_beta(r["method"])})
    chosen = pick(betas, 5)
    tone = {be: 0.35 + 0.65 * (t + 1) / len(chosen) for t, be in enumerate(chosen)}
    nrows, ncols = len(kappas), len(methods)
    with matplotlib.rc_context(STYLE):
        fig, axes = _new(nrows, ncols, 2.2 * nrows + 0.5, width=_width(ncols, 2.1))
        for i, k in enumerate(kappas):
            for j, m in enumerate(methods):
                ax = axes[i, j]
                sub = [r for r in crows if r["method"] == m and close(r["kappa"], k)]
                for be in chosen if takes_beta(m) else [None]:
                    rows = sorted(
                        (r for r in sub if be is None or close_beta(r, be)),
                        key=lambda r: r["alpha_L"],
                    )
                    if not rows:
                        continue
                    c = color(m) if be is None else shade(color(m), tone[be])
                    x, y = _arr(rows, "alpha_L"), _arr(rows, "median_iter")
                    ax.plot(x, y, "-o", color=c, ms=3, lw=1.3)
                    if budget:
                        bad = ~np.isfinite(y)
                        div = np.array(
                            [
                                (num(r.get("diverged")) or 0) >= (num(r.get("runs")) or 1) / 2
                                for r in rows
                            ]
                        )
                        ax.plot(x[bad & div], np.full((bad & div).sum(), budget), "x", color=c)
                        ax.plot(x[bad & ~div], np.full((bad & ~div).sum(), budget), "^", color=c,
                                ms=4)  # fmt: skip
                if budget:
                    ax.axhline(budget, color="#999999", lw=0.8, ls=":")
                _log_axes(ax)
                if i == 0:
                    ax.set_title(label(m), color=color(m))
                if j == 0:
                    ax.set_ylabel(f"κ = {fmt.kappa(k)}\nmedian iterations")
                if i == nrows - 1:
                    ax.set_xlabel("α·L")
            row = [ax for ax in axes[i] if ax.has_data()]
            lims = [ax.get_ylim() for ax in row if ax.get_ylim()[0] > 0]
            if lims:
                lo, hi = min(a for a, _ in lims), max(b for _, b in lims)
                for ax in row:
                    ax.set_ylim(lo, hi)
            for j, ax in enumerate(axes[i]):
                _nice_log_ticks(ax)
                if j:
                    ax.tick_params(labelleft=False)
        handles = [
            Line2D([], [], color=shade("#333333", tone[be]), marker="o", ms=3, lw=1.3,
                   label=f"β = {fmt.short(be)}")
            for be in chosen
        ]  # fmt: skip
        handles += [
            Line2D([], [], ls="", marker="x", color="#555555", label="mostly diverged"),
            Line2D([], [], ls="", marker="^", ms=4, color="#555555", label="hit the budget"),
        ]
        _legend(fig, handles)
    alt = (
        f"Line charts for {obj}: median iterations against step size α·L (log-log), one panel "
        f"per method (columns: {', '.join(label(m) for m in methods)}) and per κ (rows: "
        f"{', '.join(fmt.kappa(k) for k in kappas)}); one line per momentum β, darker for "
        "larger β. Grid points without a median are marked at the budget line."
    )
    caption = (
        f"{obj}: sensitivity to the step size at κ = {' and '.join(fmt.kappa(k) for k in kappas)}."
    )
    fid, title = f"fig-sensitivity-{obj}", f"Sensitivity on {obj}"
    return _finish(fig, fid, title, alt, caption, "sensitivity", obj)
