"""The opening summary in plain words: speedups, kappa-slopes, failed runs."""

from __future__ import annotations

from collections import defaultdict

from . import fmt
from .data import MOMENTUM_FAMILY, index, kappas_of, method_order, num, objective_setting
from .figures import label


def _ci_words(low, high, level: str) -> str:
    if num(low) is None or num(high) is None:
        return ""
    return f"{level} CI {fmt.sig(low)}–{fmt.sig(high)}"


def _best_comparison(rows: list[dict]) -> dict | None:
    rows = [r for r in rows if num(r.get("speedup"))]
    return max(rows, key=lambda r: num(r["speedup"])) if rows else None


def speedups(comparisons, best, objectives, config, level: str) -> dict:
    """Per objective, a sentence on the best momentum method against GD, and a kappa matrix."""
    by_obj_k = defaultdict(list)
    for r in comparisons:
        by_obj_k[(r["objective"], float(r["kappa"]))].append(r)
    best_idx = index(best, "objective", "kappa", "method")
    all_kappas = kappas_of(comparisons + best)
    sentences, matrix = [], []
    for obj in objectives:
        ks = [k for k in all_kappas if by_obj_k.get((obj, k))]
        cells = {}
        for k in ks:
            c = _best_comparison(by_obj_k[(obj, k)])
            if c:
                cells[k] = c
        parts = []
        if cells:
            k_top = max(cells)
            c = cells[k_top]
            s = num(c["speedup"])
            base = label(str(c.get("baseline") or "gd"))
            medians = (
                f"median {fmt.sig(c.get('baseline_median_iter'))} vs "
                f"{fmt.sig(c.get('median_iter'))} iterations"
            )
            if s >= 1:
                ci = _ci_words(c.get("speedup_ci_low"), c.get("speedup_ci_high"), level)
                text = (
                    f"On {obj} at κ = {fmt.kappa(k_top)}, {label(c['method'])} needed "
                    f"{fmt.sig(s)}× fewer iterations than {base}"
                )
            else:
                lo, hi = num(c.get("speedup_ci_high")), num(c.get("speedup_ci_low"))
                ci = _ci_words(1 / lo if lo else None, 1 / hi if hi else None, level)
                text = (
                    f"On {obj} at κ = {fmt.kappa(k_top)}, even the best momentum method, "
                    f"{label(c['method'])}, needed {fmt.sig(1 / s)}× more iterations than {base}"
                )
            text += " (" + "; ".join(x for x in (ci, medians) if x) + ")."
            parts.append(text)
            if len(cells) > 1:
                vals = [num(cells[k]["speedup"]) for k in sorted(cells)]
                parts.append(
                    f"Across κ = {fmt.kappa(min(cells))}–{fmt.kappa(max(cells))} the best "
                    f"momentum method's speedup ranged from {fmt.sig(min(vals))}× to "
                    f"{fmt.sig(max(vals))}×."
                )
        budget = num(objective_setting(config, obj, "max_iter"))
        stuck = []
        for k in kappas_of([r for r in best if r["objective"] == obj]):
            gd = best_idx.get((obj, k, "gd"))
            if gd is None or num(gd.get("median_iter")) is not None:
                continue
            fam = [
                best_idx[(obj, k, m)]
                for m in MOMENTUM_FAMILY
                if (obj, k, m) in best_idx and num(best_idx[(obj, k, m)].get("median_iter"))
            ]
            if fam:
                f = min(fam, key=lambda r: num(r["median_iter"]))
                stuck.append((k, label(f["method"]), f["median_iter"]))
        if stuck:
            within = f" within the budget of {fmt.sig(budget)} iterations" if budget else ""
            ks = [fmt.kappa(k) for k, _, _ in stuck]
            ks_text = ks[0] if len(ks) == 1 else ", ".join(ks[:-1]) + " and " + ks[-1]
            lead = "" if parts else f"On {obj}, for GD"
            parts.append(
                (f"{lead} no" if lead else "For GD, no")
                + f" step size converged on every start{within} at κ = {ks_text}; the best "
                "momentum method needed a median of "
                + ", ".join(f"{fmt.sig(med)} ({who}, κ = {fmt.kappa(k)})" for k, who, med in stuck)
                + " iterations."
            )
        if parts:
            sentences.append({"objective": obj, "text": " ".join(parts)})
        if cells:
            matrix.append(
                {
                    "objective": obj,
                    "cells": [
                        {
                            "text": fmt.times(cells[k]["speedup"]) if k in cells else fmt.DASH,
                            "ci": (
                                f"[{fmt.sig(cells[k].get('speedup_ci_low'))}, "
                                f"{fmt.sig(cells[k].get('speedup_ci_high'))}]"
                                if k in cells and num(cells[k].get("speedup_ci_low")) is not None
                                else ""
                            ),
                            "method": label(cells[k]["method"]) if k in cells else "",
                            "significant": bool(
                                k in cells and cells[k].get("significant") in (True, "true", 1)
                            ),
                        }
                        for k in all_kappas
                    ],
                }
            )
    n_sig = sum(r.get("significant") in (True, "true", 1) for r in comparisons)
    return {
        "power_note": _power_note(comparisons, n_sig),
        "sentences": sentences,
        "kappas": [fmt.kappa(k) for k in all_kappas],
        "matrix": matrix,
        "n_comparisons": len(comparisons),
        "n_significant": n_sig,
    }


def _power_note(comparisons: list[dict], n_sig: int) -> str:
    """Say so when too few pairs make Holm-corrected significance impossible by construction."""
    pairs = [int(num(r.get("n_pairs"))) for r in comparisons if num(r.get("n_pairs"))]
    if n_sig or not pairs:
        return ""
    n, m = max(pairs), len(comparisons)
    smallest = 2.0 / 2.0**n  # exact two-sided signed-rank test, all n differences one way
    if m * smallest <= 0.05:
        return ""
    return (
        f"With at most {n} paired starts per comparison, the smallest two-sided p-value the exact "
        f"Wilcoxon signed-rank test can give is {smallest:.2g}; Holm's correction over {m} "
        f"comparisons multiplies it by {m}, to {min(1.0, m * smallest):.2g}, so no comparison "
        "could be significant at the 5% level however large its speedup. Read the confidence "
        "intervals instead, or run more starts."
    )


def slope_sentences(slopes, objectives, level: str) -> list[dict]:
    """Per objective: the fitted kappa-exponent of each method beside the theory's."""
    out = []
    for obj in objectives:
        rows = [r for r in slopes if r["objective"] == obj and num(r.get("slope")) is not None]
        if not rows:
            continue
        order = method_order(r["method"] for r in rows)
        rows.sort(key=lambda r: order.index(r["method"]))
        applies = any(r.get("theory_applies") in (True, "true", 1) for r in rows)
        items = []
        for r in rows:
            lo, hi = num(r.get("slope_ci_low")), num(r.get("slope_ci_high"))
            items.append(
                {
                    "method": label(r["method"]),
                    "slope": fmt.slope(r["slope"]),
                    "ci": f"{level} CI {fmt.slope(lo)}–{fmt.slope(hi)}"
                    if lo is not None and hi is not None
                    else "",
                    "theory": fmt.slope(r.get("theory_slope"))
                    if num(r.get("theory_slope")) is not None
                    else "",
                }
            )
        k0 = min((num(r.get("kappa_min")) for r in rows if num(r.get("kappa_min"))), default=None)
        k1 = max((num(r.get("kappa_max")) for r in rows if num(r.get("kappa_max"))), default=None)
        out.append(
            {
                "objective": obj,
                "range": f"κ = {fmt.kappa(k0)}–{fmt.kappa(k1)}" if k0 and k1 else "",
                "fits": items,
                "note": ""
                if applies
                else "The theory is for quadratics; here it is only a reference.",
            }
        )
    return out


def failures(status_counts, cells) -> dict | None:
    """Totals of runs, divergences and budget hits, overall and per method."""
    rows = status_counts or cells
    if not rows:
        return None
    tot = defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        t = tot[r["method"]]
        for i, k in enumerate(("runs", "converged", "diverged", "max_iter_runs")):
            t[i] += int(num(r.get(k)) or 0)
    runs, conv, div, cens = (sum(t[i] for t in tot.values()) for i in range(4))
    if runs == 0:
        return None
    per = [
        {
            "method": label(m),
            "runs": tot[m][0],
            "diverged": tot[m][2],
            "budget": tot[m][3],
            "diverged_pct": fmt.pct(tot[m][2] / tot[m][0], 1) if tot[m][0] else fmt.DASH,
            "budget_pct": fmt.pct(tot[m][3] / tot[m][0], 1) if tot[m][0] else fmt.DASH,
        }
        for m in method_order(tot)
    ]
    text = (
        f"Of {runs:,} runs, {conv:,} ({fmt.pct(conv / runs, 1)}) converged, {div:,} "
        f"({fmt.pct(div / runs, 1)}) diverged and {cens:,} ({fmt.pct(cens / runs, 1)}) hit the "
        "iteration budget without converging. The grids deliberately include step sizes beyond "
        "the stability limit, so divergence is expected at their upper end."
    )
    return {"text": text, "per_method": per, "runs": runs}
