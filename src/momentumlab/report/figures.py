"""The report's figures, drawn with matplotlib (Agg) and returned as inline PNG data URIs.

Every function takes the aggregated tables (lists of dicts) and returns a :class:`Fig` or None
when it has nothing to draw. One colour per method throughout (:data:`METHOD_COLORS`, the
Okabe-Ito palette, safe for colour-blind readers).
"""

from __future__ import annotations

import base64
import io
import math
import struct
from dataclasses import dataclass

import matplotlib

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
from . import fmt  # noqa: E402
from .data import (  # noqa: E402
    MOMENTUM_FAMILY,
    close,
    index,
    kappas_of,
    method_order,
    num,
    objective_setting,
    objective_type,
    pick,
)

METHOD_COLORS = {
    "gd": "#333333",
    "momentum": "#0072B2",
    "heavy_ball": "#D55E00",
    "nesterov": "#009E73",
}
EXTRA_COLORS = ("#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
METHOD_LABELS = {
    "gd": "GD",
    "momentum": "momentum (EMA)",
    "heavy_ball": "heavy ball",
    "nesterov": "Nesterov",
}

WIDTH = 7.8  # inches; at DPI this is the report column's width in CSS pixels
DPI = 110
MAX_KAPPA_PANELS = 5

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 7.5,
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


def color(method: str) -> str:
    if method in METHOD_COLORS:
        return METHOD_COLORS[method]
    return EXTRA_COLORS[sum(map(ord, method)) % len(EXTRA_COLORS)]


def label(method: str) -> str:
    return METHOD_LABELS.get(method, method)


def shade(c: str, t: float) -> tuple:
    """Blend colour ``c`` with white: t = 1 is the colour, t = 0 white."""
    r, g, b = mcolors.to_rgb(c)
    return (1 - t + t * r, 1 - t + t * g, 1 - t + t * b)


@dataclass
class Fig:
    id: str
    title: str
    src: str  # data URI
    alt: str
    caption: str
    width: int
    height: int


def _new(nrows: int, ncols: int, height: float, width: float = WIDTH, **kw):
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def _encode(fig: Figure) -> tuple[str, int, int]:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    data = buf.getvalue()
    w, h = struct.unpack(">II", data[16:24])  # the PNG header's own width and height
    return "data:image/png;base64," + base64.b64encode(data).decode(), w, h


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


def _finish(fig: Figure, fid: str, title: str, alt: str, caption: str) -> Fig:
    _clamp_log_limits(fig)
    _guard_empty_log_axes(fig)
    src, w, h = _encode(fig)
    return Fig(id=fid, title=title, src=src, alt=alt, caption=caption, width=w, height=h)


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
        if on:
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


# --------------------------------------------------------------------------- 1. lecture


def lecture_figure(trajectories: list[dict], landscape: list[dict], fig_no: int) -> Fig | None:
    """Contours of each 2-D case with every method's path from the same start."""
    cases = list(dict.fromkeys((r["objective"], float(r["kappa"])) for r in trajectories))
    if not cases:
        return None
    nrows, ncols = _grid(len(cases), 2)
    ratios = []
    for obj, kappa in cases:
        land = [r for r in landscape if r["objective"] == obj and close(r["kappa"], kappa)]
        if land:
            xs, ys = _arr(land, "x"), _arr(land, "y")
            ratio = (np.nanmax(ys) - np.nanmin(ys)) / max(np.nanmax(xs) - np.nanmin(xs), 1e-300)
            ratios.append(min(max(ratio, 0.15), 1.2))
    panel_w = (WIDTH - 0.8) / ncols - 0.6
    row_h = panel_w * (max(ratios) if ratios else 0.75) + 0.9
    with matplotlib.rc_context(STYLE):
        fig, axes = _new(nrows, ncols, row_h * nrows)
        described, shown = [], {}
        for ax, (obj, kappa) in zip(axes.ravel(), cases, strict=False):
            ax.grid(False)
            ax.spines[["top", "right"]].set_visible(True)
            land = [r for r in landscape if r["objective"] == obj and close(r["kappa"], kappa)]
            xlim = ylim = None
            if land:
                xs = np.unique(_arr(land, "x"))
                ys = np.unique(_arr(land, "y"))
                F = np.full((ys.size, xs.size), np.nan)
                xi = {v: i for i, v in enumerate(xs)}
                yi = {v: i for i, v in enumerate(ys)}
                for r in land:
                    f = num(r["f"])
                    if f is not None:
                        F[yi[float(r["y"])], xi[float(r["x"])]] = f
                pos = F[np.isfinite(F) & (F > 0)]
                if pos.size > 3:
                    lo, hi = np.percentile(pos, [0.5, 99.5])
                    if hi > lo > 0:
                        levels = np.geomspace(lo, hi, 14)
                        X, Y = np.meshgrid(xs, ys)
                        ax.contourf(
                            X, Y, np.clip(F, lo, hi), levels=levels, cmap="Greys_r", alpha=0.16,
                            norm=mcolors.LogNorm(lo, hi), extend="both",
                        )  # fmt: skip
                        ax.contour(X, Y, F, levels=levels, colors="#a3acb6", linewidths=0.55)
                    j = np.unravel_index(np.nanargmin(F), F.shape)
                    ax.plot(xs[j[1]], ys[j[0]], marker="*", ms=10, color="black", zorder=5, lw=0)
                xlim, ylim = (xs[0], xs[-1]), (ys[0], ys[-1])
            start = None
            parts = []
            for m in method_order(r["method"] for r in trajectories):
                rows = sorted(
                    (
                        r
                        for r in trajectories
                        if r["objective"] == obj and close(r["kappa"], kappa) and r["method"] == m
                    ),
                    key=lambda r: r["step"],
                )
                if not rows:
                    continue
                w = np.column_stack([_arr(rows, "w1"), _arr(rows, "w2")])
                a, b = num(rows[0].get("alpha")), num(rows[0].get("beta")) or 0.0
                tun = f"α = {fmt.short(a)}" + (f", β = {fmt.short(b)}" if m != "gd" else "")
                ax.plot(
                    w[:, 0], w[:, 1], "-o", color=color(m), lw=1.1, alpha=0.95, zorder=3,
                    ms=2.4 if len(rows) <= 250 else 0, mew=0,
                )  # fmt: skip
                ax.plot(*w[-1], "s", ms=5.5, color=color(m), mec="white", mew=0.8, zorder=7)
                shown.setdefault(m, None)
                start = w[0] if start is None else start
                parts.append(f"{label(m)} ({tun}, {len(rows) - 1} steps)")
            if start is not None:
                ax.plot(*start, "o", ms=7, mfc="white", mec="black", mew=1.3, zorder=6)
            if xlim:
                ax.set_xlim(*xlim)
                ax.set_ylim(*ylim)
                ratio = (ylim[1] - ylim[0]) / max(xlim[1] - xlim[0], 1e-300)
                if 0.15 < ratio < 6:
                    ax.set_aspect("equal", adjustable="box")
            ax.set_title(f"{obj}, κ = {fmt.kappa(kappa)}")
            ax.set_xlabel("w₁")
            ax.set_ylabel("w₂")
            described.append(f"{obj} at κ = {fmt.kappa(kappa)}: " + "; ".join(parts))
        _hide_unused(axes, len(cases))
        handles = [Line2D([], [], color=color(m), lw=1.6, label=label(m)) for m in shown]
        handles += [
            Line2D([], [], ls="", marker="o", ms=6, mfc="white", mec="black", label="start"),
            Line2D([], [], ls="", marker="s", ms=5, color="#777777", label="last step"),
            Line2D([], [], ls="", marker="*", ms=9, color="black", label="minimum (grid)"),
        ]
        _legend(fig, handles)
    alt = (
        "Contour plots of the objective with optimisation paths drawn on top, one panel per case. "
        + " | ".join(described)
        + ". The open circle is the common start, the star the lowest point of the grid."
    )
    caption = (
        f"Figure {fig_no}. The lecture's picture. Paths of each method from the same start (○) "
        "to where it is after the last step (■), over contour lines of the gap f − f* "
        "(log-spaced levels; ★ the lowest grid point). "
        "The claim to check: GD zig-zags across the narrow valley, while momentum averages the "
        "alternating gradients out and moves along the valley. Tunings: "
        + "; ".join(described)
        + "."
    )
    return _finish(fig, "fig-lecture", "The lecture's picture", alt, caption)


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


def curves_figure(obj, curves, best, config, fig_no) -> Fig | None:
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
        for ax, k in zip(axes.ravel(), kappas, strict=False):
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
                drawn += 1
                drawn_methods.add(m)
                fin = np.concatenate([x[np.isfinite(x)] for x in (q25, med, q75)])
                if fin.size:
                    lows.append(fin.min())
                    highs.append(fin.max())
            if tol:
                ax.axhline(tol, color="#777777", lw=0.8, ls=":")
            _log_axes(ax)
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
        "against iteration on log-log axes for each method at its best tuning, with shaded "
        "interquartile bands."
    )
    caption = (
        f"Figure {fig_no}. {obj}: relative gap (f − f*)/(f₀ − f*) against iteration, each method "
        "at its best tuning (fewest median iterations among fully converged grid points). Line: "
        "median over starts; band: interquartile range; dotted: the tolerance. A run that "
        "stopped keeps its last value; a gap of exactly 0 is drawn at the bottom edge." + note
    )
    return _finish(fig, f"fig-curves-{obj}", f"Convergence on {obj}", alt, caption)


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
    if otype != "quadratic":
        return None
    a, be = num(b.get("theory_alpha_L")) if b else None, num(b.get("theory_beta")) if b else None
    if a is None or be is None:
        try:
            t = theory.optimal(m, 1.0, float(kappa))
        except Exception:  # noqa: BLE001 - unknown method: no theory
            return None
        a, be = t.alpha * float(kappa), t.beta
    return a, be


def heatmap_figure(obj, cells, best, config, fig_no) -> Fig | None:
    """Median iterations over (alpha L, beta) per momentum-family method and kappa."""
    crows = [r for r in cells if r["objective"] == obj]
    methods = [m for m in method_order(r["method"] for r in crows) if m in MOMENTUM_FAMILY]
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
    budget = _budget(config, obj)
    best_idx = index(best, "objective", "kappa", "method")
    meds = [num(r.get("median_iter")) for r in crows if r["method"] in methods]
    meds = [v for v in meds if v is not None and v > 0]
    vmin = max(min(meds), 1.0) if meds else 1.0
    vmax = max(max(meds) if meds else 10.0, budget or 0.0, vmin * 10)
    norm = mcolors.LogNorm(vmin=vmin, vmax=vmax)
    cmap = matplotlib.colormaps["viridis_r"]
    outline = [patheffects.Stroke(linewidth=2.6, foreground="white"), patheffects.Normal()]
    counts = {"diverged": 0, "budget": 0}
    with matplotlib.rc_context({**STYLE, "axes.grid": False}):
        nrows, ncols = len(methods), len(kappas)
        fig, axes = _new(
            nrows, ncols, 1.85 * nrows + (1.2 if nrows == 1 else 0.75),
            width=min(WIDTH, 2.1 * ncols + 1.7),
        )  # fmt: skip
        mappable = None
        for i, m in enumerate(methods):
            for j, k in enumerate(kappas):
                ax = axes[i, j]
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
                mappable = ax.pcolormesh(
                    xe, ye, np.ma.masked_invalid(Z), cmap=cmap, norm=norm, shading="flat"
                )
                if otype == "quadratic":
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
                    ax.plot(
                        math.log10(b["alpha_L"]), _tb(num(b.get("beta")) or 0.0), marker="s",
                        ms=7, mfc="none", mec="black", mew=1.2, lw=0, zorder=5,
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
                if j == 0:
                    ax.set_ylabel(f"{label(m)}\nβ")
                if i == nrows - 1:
                    ax.set_xlabel("α·L")
        if mappable is not None:
            cb = fig.colorbar(mappable, ax=axes, shrink=0.9, aspect=30, pad=0.01)
            cb.set_label("median iterations")
        handles = [
            Patch(color="#d9d9d9", label="not converged"),
            Line2D([], [], ls="", marker="x", color="#444444", label="mostly diverged"),
            Line2D([], [], ls="", marker="_", color="#444444", mew=1.2, label="hit the budget"),
            Line2D([], [], ls="", marker="s", mfc="none", mec="black", label="best in grid"),
        ]
        if otype == "quadratic":
            handles += [
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
        " The black curve is the analytic stability boundary (the largest stable α·L for each "
        "β on a quadratic with curvatures in [μ, L]); ☆ marks the theoretically optimal tuning."
        if otype == "quadratic"
        else " No theory is drawn: the objective is not a quadratic."
    )
    alt = (
        f"Heatmaps for {obj}: rows are methods ({', '.join(label(m) for m in methods)}), columns "
        f"are κ = {', '.join(fmt.kappa(k) for k in kappas)}; x is the step size α·L (log "
        "scale), y the momentum β; colour is the median number of iterations (lighter is "
        "faster); grey cells did not converge."
        + (" A black curve shows the theoretical stability boundary and a star the theoretical "
           "optimum." if otype == "quadratic" else "")
    )  # fmt: skip
    caption = (
        f"Figure {fig_no}. {obj}: median iterations over the (α·L, β) grid for each momentum "
        "method (rows) and condition number (columns); lighter is faster. Grey cells have no "
        "median within the budget (× where most runs diverged, – where they hit the budget); "
        "□ marks the best grid point." + theory_text
    )
    return _finish(fig, f"fig-heatmap-{obj}", f"Tuning landscape on {obj}", alt, caption)


# --------------------------------------------------------------------------- 4. kappa scaling


def kappa_figure(best, slopes, objectives, config, fig_no) -> Fig | None:
    """Median iterations at the best tuning against kappa, with fitted and theoretical slopes."""
    objs = [o for o in objectives if any(r["objective"] == o for r in best)]
    if not objs:
        return None
    slope_idx = index(slopes, "objective", "method")
    methods = method_order(r["method"] for r in best)
    nrows, ncols = _grid(len(objs), 3)
    with matplotlib.rc_context(STYLE):
        fig, axes = _new(nrows, ncols, 2.6 * nrows + 0.4, width=_width(ncols))
        for ax, obj in zip(axes.ravel(), objs, strict=False):
            for mi, m in enumerate(methods):
                rows = sorted(
                    (r for r in best if r["objective"] == obj and r["method"] == m),
                    key=lambda r: float(r["kappa"]),
                )
                pts = [r for r in rows if num(r.get("median_iter"))]
                th = [r for r in rows if num(r.get("theory_iterations"))]
                if th:
                    ax.plot(
                        _arr(th, "kappa"), _arr(th, "theory_iterations"), color=color(m),
                        lw=1.0, ls="--", alpha=0.8,
                    )  # fmt: skip
                if not pts:
                    continue
                k, y = _arr(pts, "kappa"), _arr(pts, "median_iter")
                lo, hi = _arr(pts, "median_ci_low"), _arr(pts, "median_ci_high")
                yerr = np.vstack([np.nan_to_num(y - lo), np.nan_to_num(hi - y)]).clip(0)
                jitter = 10 ** (0.025 * (mi - (len(methods) - 1) / 2))
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
            _log_axes(ax)
            _nice_log_ticks(ax)
            ax.set_title(obj)
            ax.set_xlabel("κ")
        for ax in axes[:, 0]:
            ax.set_ylabel("median iterations (best tuning)")
        _hide_unused(axes, len(objs))
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
        f"Figure {fig_no}. Iterations to reach the tolerance against κ (log-log), each method at "
        "its best tuning per κ. Error bars: confidence intervals of the median; solid lines: "
        "Theil–Sen fits over the κ range of the slope table (slope = exponent of κ); dashed: "
        "iterations predicted by theory at the optimal tuning (quadratics only). Points are "
        "nudged sideways so that error bars do not overlap."
    )
    return _finish(fig, "fig-kappa", "Iterations against κ", alt, caption)


# --------------------------------------------------------------------------- 5. speedup


def speedup_figure(comparisons, best, objectives, config, fig_no) -> Fig | None:
    """Paired speedup over the baseline against kappa, with CIs and the theoretical ratio."""
    comps = [r for r in comparisons if num(r.get("speedup"))]
    objs = [o for o in objectives if any(r["objective"] == o for r in comps)]
    if not objs:
        return None
    best_idx = index(best, "objective", "kappa", "method")
    methods = method_order(r["method"] for r in comps)
    baselines = sorted({str(r.get("baseline")) for r in comps})
    nrows, ncols = _grid(len(objs), 3)
    with matplotlib.rc_context(STYLE):
        fig, axes = _new(nrows, ncols, 2.6 * nrows + 0.4, width=_width(ncols))
        for ax, obj in zip(axes.ravel(), objs, strict=False):
            ax.axhline(1.0, color="#777777", lw=0.9)
            for mi, m in enumerate(methods):
                rows = sorted(
                    (r for r in comps if r["objective"] == obj and r["method"] == m),
                    key=lambda r: float(r["kappa"]),
                )
                if not rows:
                    continue
                k, s = _arr(rows, "kappa"), _arr(rows, "speedup")
                lo, hi = _arr(rows, "speedup_ci_low"), _arr(rows, "speedup_ci_high")
                yerr = np.vstack([np.nan_to_num(s - lo), np.nan_to_num(hi - s)]).clip(0)
                jitter = 10 ** (0.025 * (mi - (len(methods) - 1) / 2))
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
            _log_axes(ax)
            _nice_log_ticks(ax)
            ax.set_title(obj)
            ax.set_xlabel("κ")
        for ax in axes[:, 0]:
            ax.set_ylabel(f"speedup over {', '.join(label(b) for b in baselines)} (×)")
        _hide_unused(axes, len(objs))
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
        f"Figure {fig_no}. Speedup = baseline iterations ÷ method iterations (median of paired "
        "runs from the same starts, each method at its best tuning); above 1 means fewer "
        "iterations than GD. Error bars: bootstrap confidence intervals; filled markers: "
        "significant after Holm correction, open: not significant; dashed: the ratio of "
        "theoretical iteration counts (quadratics only)."
    )
    return _finish(fig, "fig-speedup", "Speedup against κ", alt, caption)


# --------------------------------------------------------------------------- 6. sensitivity


def sensitivity_figure(obj, cells, best, config, fig_no) -> Fig | None:
    """Median iterations against alpha L for several betas, per method, at the extreme kappas."""
    crows = [r for r in cells if r["objective"] == obj and num(r.get("alpha_L"))]
    methods = method_order(r["method"] for r in crows)
    ks = kappas_of(crows)
    if not methods or not ks:
        return None
    kappas = [ks[0], ks[-1]] if len(ks) > 1 else ks
    budget = _budget(config, obj)
    betas = sorted({num(r.get("beta")) or 0.0 for r in crows if r["method"] != "gd"})
    chosen = pick(betas, 5)
    tone = {be: 0.35 + 0.65 * (t + 1) / len(chosen) for t, be in enumerate(chosen)}
    nrows, ncols = len(kappas), len(methods)
    with matplotlib.rc_context(STYLE):
        fig, axes = _new(nrows, ncols, 2.2 * nrows + 0.5, width=_width(ncols, 2.1))
        for i, k in enumerate(kappas):
            for j, m in enumerate(methods):
                ax = axes[i, j]
                sub = [r for r in crows if r["method"] == m and close(r["kappa"], k)]
                for be in chosen if m != "gd" else [None]:
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
        f"Figure {fig_no}. {obj}: sensitivity to the step size. Median iterations against α·L "
        f"at κ = {' and '.join(fmt.kappa(k) for k in kappas)}, one line per β in the method's "
        "colour, darker for larger β (at most five β values are shown). Grid points without a "
        "median sit on the dotted budget line: × most runs diverged, ▲ runs hit the budget. A "
        "flat, wide valley means a method is forgiving to tune."
    )
    return _finish(fig, f"fig-sensitivity-{obj}", f"Sensitivity on {obj}", alt, caption)
