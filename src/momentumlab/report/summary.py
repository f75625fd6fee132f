"""The opening summary in plain words: the verdict, speedups, kappa-slopes, failed runs.

The words follow the statistics (momentumlab.stats): a comparison is "faster" only when it is
significant and its interval excludes 1; an interval that contains 1 is "no detectable
difference"; a speedup over a GD that did not converge within the budget is "at least Nx"; a
tie (kappa = 1 on a quadratic: one GD step) is a tie, never a win.
"""

from __future__ import annotations

from collections import defaultdict

from ..methods import BASELINE, label, method_order, momentum_family
from . import fmt
from .data import index, kappas_of, num, objective_setting


def _ci_words(low, high, level: str) -> str:
    if num(low) is None:
        return ""
    if num(high) is None:
        return f"{level} CI ≥ {fmt.sig(low)}"
    return f"{level} CI {fmt.sig(low)}–{fmt.sig(high)}"


def _true(x) -> bool:
    return x in (True, "true", 1)


def finding(r: dict) -> str:
    """The comparison's finding (stats' ``finding`` column, else read off the interval)."""
    if r.get("finding"):
        return str(r["finding"])
    lo, hi = num(r.get("speedup_ci_low")), num(r.get("speedup_ci_high"))
    if lo is not None and lo > 1:
        return "faster"
    if hi is not None and hi < 1:
        return "slower"
    if lo is None and hi is None and num(r.get("speedup")) is not None:
        return "faster" if num(r["speedup"]) > 1 else "slower"
    return "no detectable difference"


def _times(r: dict) -> str:
    at_least = "at least " if _true(r.get("speedup_lower_bound")) else ""
    return f"{at_least}{fmt.sig(r['speedup'])}×"


def _pairs(r: dict) -> str:
    k, n = num(r.get("pairs_faster")), num(r.get("n_pairs"))
    return f"faster on {int(k)} of {int(n)} held-out starts" if k is not None and n else ""


def _matrix_cell(c: dict | None) -> dict:
    if c is None:
        return {"text": fmt.DASH, "ci": "", "method": "", "significant": False}
    lo, hi = num(c.get("speedup_ci_low")), num(c.get("speedup_ci_high"))
    return {
        "text": ("≥ " if _true(c.get("speedup_lower_bound")) else "") + fmt.times(c["speedup"]),
        "ci": f"[{fmt.sig(lo)}, {fmt.sig(hi) if hi is not None else '∞'}]"
        if lo is not None
        else "",
        "method": label(c["method"]),
        "significant": finding(c) == "faster",
    }


def _best_comparison(rows: list[dict]) -> dict | None:
    rows = [r for r in rows if num(r.get("speedup")) and finding(r) != "tie"]
    return max(rows, key=lambda r: num(r["speedup"])) if rows else None


def _censored_words(c: dict, base: str) -> str:
    if num(c.get("baseline_median_iter")) is None:
        return f"{base} did not converge within the budget on at least half the starts"
    return "some held-out runs did not converge within the budget"


def _comparison_sentence(obj: str, k, c: dict, level: str) -> str:
    s = num(c["speedup"])
    base = label(str(c.get("baseline") or BASELINE))
    who = label(c["method"])
    medians = (
        f"median {fmt.sig(c.get('baseline_median_iter'))} vs "
        f"{fmt.sig(c.get('median_iter'))} iterations"
    )
    where = f"On {obj} at κ = {fmt.kappa(k)}"
    words = finding(c)
    ci = _ci_words(c.get("speedup_ci_low"), c.get("speedup_ci_high"), level)
    if words == "no detectable difference":
        text = f"{where}, {who} and {base} showed no detectable difference ({_times(c)}"
        return text + "".join(f"; {x}" for x in (ci, medians) if x) + ")."
    if s >= 1:
        text = f"{where}, {who} needed {_times(c)} fewer iterations than {base}"
        if _true(c.get("speedup_lower_bound")):
            medians = _censored_words(c, base)
    else:
        lo, hi = num(c.get("speedup_ci_high")), num(c.get("speedup_ci_low"))
        ci = _ci_words(1 / lo if lo else None, 1 / hi if hi else None, level)
        text = (
            f"{where}, even the best momentum method, {who}, needed {fmt.sig(1 / s)}× more "
            f"iterations than {base}"
        )
    return text + " (" + "; ".join(x for x in (ci, _pairs(c), medians) if x) + ")."


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
            parts.append(_comparison_sentence(obj, k_top, cells[k_top], level))
            if len(cells) > 1:
                vals = [num(cells[k]["speedup"]) for k in sorted(cells)]
                parts.append(
                    f"Across κ = {fmt.kappa(min(cells))}–{fmt.kappa(max(cells))} the best "
                    f"momentum method's speedup ranged from {fmt.sig(min(vals))}× to "
                    f"{fmt.sig(max(vals))}×."
                )
        ties = [k for k in ks if all(finding(r) == "tie" for r in by_obj_k[(obj, k)])]
        if ties:
            parts.append(
                f"At κ = {', '.join(fmt.kappa(k) for k in ties)} every method took the same "
                "number of iterations on every start: a tie, not a win."
            )
        budget = num(objective_setting(config, obj, "max_iter"))
        stuck = []
        for k in kappas_of([r for r in best if r["objective"] == obj]):
            gd = best_idx.get((obj, k, BASELINE))
            if gd is None or num(gd.get("median_iter")) is not None:
                continue
            fam = [
                best_idx[(obj, k, m)]
                for m in momentum_family()
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
                + f" step size converged reliably{within} at κ = {ks_text} (tuned on the other "
                "starts, fewer than half of the held-out starts converged); the best "
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
                        _matrix_cell(cells[k]) if k in cells else _matrix_cell(None)
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


def _objectives_text(objs: list[str]) -> str:
    return objs[0] if len(objs) == 1 else ", ".join(objs[:-1]) + " and " + objs[-1]


def verdict(comparisons, best=(), noise=(), level: str = "95%") -> str:
    """Two or three plain sentences for the top of the report, following the statistics.

    Exact-gradient comparisons (kappa > 1): how many were faster, the largest held-out speedup
    with its interval ("at least" when GD was censored); noisy objectives: the comparison at
    matched effective step ("no detectable difference" when the intervals contain 1); ties.
    """
    noisy = {r["objective"] for r in best if _true(r.get("stochastic"))}
    noisy |= {r["objective"] for r in noise}
    exact = [r for r in comparisons if r["objective"] not in noisy]
    ties = [r for r in exact if finding(r) == "tie"]
    rest = [r for r in exact if finding(r) != "tie"]
    out = []
    if rest:
        counts = defaultdict(int)
        for r in rest:
            counts[finding(r)] += 1
        text = (
            f"Tuned on some starts and measured on the others, a momentum method was faster "
            f"than GD in {counts['faster']} of {len(rest)} comparisons with exact gradients"
        )
        if counts["no detectable difference"]:
            text += f", with no detectable difference in {counts['no detectable difference']}"
        if counts["slower"]:
            text += f" and slower in {counts['slower']}"
        top = _best_comparison([r for r in rest if finding(r) == "faster"])
        if top is not None:
            ci = _ci_words(top.get("speedup_ci_low"), top.get("speedup_ci_high"), level)
            text += (
                f"; the largest speedup was {label(top['method'])}'s on {top['objective']} at "
                f"κ = {fmt.kappa(top['kappa'])}: {_times(top)}" + (f" ({ci})" if ci else "")
            )
            if _true(top.get("speedup_lower_bound")):
                text += f", a lower bound: {_censored_words(top, 'GD')}"
        else:  # nothing detectably faster: still give the largest estimate, said as such
            top = _best_comparison(rest)
            if top is not None:
                ci = _ci_words(top.get("speedup_ci_low"), top.get("speedup_ci_high"), level)
                pairs = _pairs(top)
                n = int(num(top.get("n_pairs")) or 0)
                why = (
                    ci + ", which contains 1" if ci else f"with {n} seeds, too few for a {level} CI"
                )
                text += (
                    f"; the largest point estimate, {label(top['method'])}'s on "
                    f"{top['objective']} at κ = {fmt.kappa(top['kappa'])}, was {_times(top)}"
                    + (f" ({pairs})" if pairs else "")
                    + f", {why}: not a detectable difference"
                )
        out.append(text + ".")
    if noisy:
        rows = list(noise) or [r for r in comparisons if r["objective"] in noisy]
        said = [r.get("finding") or finding(r) for r in rows]
        same = said.count("no detectable difference")
        objs = _objectives_text(sorted(noisy))
        lead = f"With noisy gradients ({objs}), momentum and GD at the same effective step"
        if rows and same == len(rows):
            out.append(
                f"{lead} alpha/(1 − beta) showed no detectable difference, in noise floor or "
                "iterations."
            )
        elif rows:
            lower = sum("lower noise floor" in w for w in said)
            higher = sum("higher noise floor" in w for w in said)
            out.append(
                f"{lead} alpha/(1 − beta) showed no detectable difference in {same} of "
                f"{len(rows)} matched settings (simultaneous intervals); momentum ended at a "
                f"lower noise floor in {lower} and a higher one in {higher}."
            )
    if ties:
        ks = sorted({float(r["kappa"]) for r in ties})
        out.append(
            f"At κ = {', '.join(fmt.kappa(k) for k in ks)} every method took the same number "
            f"of iterations on every start ({len(ties)} comparison"
            f"{'s' if len(ties) > 1 else ''}): ties, not wins."
        )
    return " ".join(out)


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
