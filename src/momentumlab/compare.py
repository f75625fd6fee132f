"""Two studies side by side: what changed in the config, and which results moved.

:func:`compare` opens two studies (a name under ``results/``, a study folder or an archive from
:func:`momentumlab.studies.export`), refuses them when their manifests name different table or
numerics versions (the numbers would not mean the same), and compares, cell by cell, the
headline statistics: each comparison's speedup over GD and its finding, each best tuning's
held-out median iterations, each kappa-slope, each with its interval, and the status counts.
A cell is

- ``same``: equal values (both empty counts as equal);
- ``within``: the values differ, but each lies inside the other study's interval;
- ``beyond``: a value lies outside the other study's interval (flagged);
- ``changed``: the values differ and neither has an interval to judge by (counts, findings,
  a value that became empty: flagged);
- ``only in A`` / ``only in B``: the cell exists in one study only (a grid change; listed, not
  flagged).

:func:`write_comparison` writes the diff table ``diff.csv`` (:data:`DIFF_COLUMNS`, one row per
cell and quantity) and a self-contained ``index.html``.
"""

from __future__ import annotations

import html
import math
import os
from collections import Counter
from pathlib import Path

from .report import fmt
from .studies import StudyError, open_study, page
from .tables import write_csv

# table -> (the columns naming a cell, [(quantity, interval low, interval high), ...])
QUANTITIES = {
    "comparisons": (
        ("objective", "kappa", "method"),
        [("speedup", "speedup_ci_low", "speedup_ci_high"), ("finding", None, None)],
    ),
    "best": (
        ("objective", "kappa", "method"),
        [("median_iter", "median_ci_low", "median_ci_high")],
    ),
    "slopes": (
        ("objective", "method"),
        [("slope", "slope_ci_low", "slope_ci_high"), ("n_kappas", None, None)],
    ),
    "status_counts": (
        ("objective", "kappa", "method"),
        [("converged", None, None), ("diverged", None, None), ("max_iter_runs", None, None)],
    ),
}
DIFF_COLUMNS = [
    "table", "objective", "kappa", "method", "quantity", "a", "a_ci_low", "a_ci_high", "b",
    "b_ci_low", "b_ci_high", "change", "flagged",
]  # fmt: skip
FLAGGED = ("beyond", "changed")
VERSION_KEYS = ("tables_version", "numerics_version")


def check_compatible(a, b) -> None:
    """Refuse two studies whose tables or numerics versions differ, naming both versions."""
    for key in VERSION_KEYS:
        va, vb = a.manifest.get(key), b.manifest.get(key)
        if va != vb:
            what = key.replace("_", " ")
            raise StudyError(
                f"cannot compare: A ({a.source}) was made with {what} {va} and B ({b.source}) "
                f"with {what} {vb}; their numbers do not mean the same. Rerun the older study "
                f"with this momentumlab (its config is in its study.json, and in an archive's "
                f"config.yaml) and compare the new run"
            )


def _value(x):
    """A cell's value for comparing: None for empty/NaN, floats for numbers, else the text."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    if isinstance(x, bool):
        return x
    if isinstance(x, int | float):
        return float(x)
    return x


def _inside(x: float, low, high) -> bool:
    return (low is None or x >= low) and (high is None or x <= high)


def classify(a, a_low, a_high, b, b_low, b_high) -> str:
    """One cell's change (see the module docstring); intervals may be one-sided or absent."""
    a, b = _value(a), _value(b)
    if a == b:
        return "same"
    if a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return "changed"
    a_int = a_low is not None or a_high is not None
    b_int = b_low is not None or b_high is not None
    if not (a_int or b_int):
        return "changed"
    out = (a_int and not _inside(b, a_low, a_high)) or (b_int and not _inside(a, b_low, b_high))
    return "beyond" if out else "within"


def _key(row: dict, cols) -> tuple:
    return tuple(_value(row.get(c)) for c in cols)


def diff_rows(a, b) -> list[dict]:
    """Every cell and quantity of :data:`QUANTITIES` in either study, classified."""
    out = []
    for table, (cols, quantities) in QUANTITIES.items():
        rows_a = {_key(r, cols): r for r in a.table(table)}
        rows_b = {_key(r, cols): r for r in b.table(table)}
        keys = list(rows_a) + [k for k in rows_b if k not in rows_a]
        for key in keys:
            ra, rb = rows_a.get(key), rows_b.get(key)
            where = dict(zip(cols, key, strict=True))
            for q, lo, hi in quantities:

                def get(r, c):
                    return None if r is None or c is None else _value(r.get(c))

                vals = [get(ra, q), get(ra, lo), get(ra, hi), get(rb, q), get(rb, lo), get(rb, hi)]
                if ra is None or rb is None:
                    change = "only in B" if ra is None else "only in A"
                else:
                    change = classify(*vals)
                out.append(
                    {
                        "table": table,
                        "objective": where.get("objective"),
                        "kappa": where.get("kappa"),
                        "method": where.get("method"),
                        "quantity": q,
                        **dict(zip(DIFF_COLUMNS[5:11], vals, strict=True)),
                        "change": change,
                        "flagged": change in FLAGGED,
                    }
                )
    return out


def _flatten(x, prefix="") -> dict:
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out or {prefix: {}}
    return {prefix: x}


def config_differences(a: dict, b: dict) -> list[dict]:
    """Every config key (dotted path) whose value differs; missing keys show as None."""
    fa, fb = _flatten(a), _flatten(b)
    keys = sorted(set(fa) | set(fb))
    return [{"key": k, "a": fa.get(k), "b": fb.get(k)} for k in keys if fa.get(k) != fb.get(k)]


def compare(a: str | os.PathLike, b: str | os.PathLike, results_dir="results", scratch=None):
    """Open and compare two studies; returns ``(A, B, config differences, diff rows)``."""
    sa = open_study(a, results_dir, scratch=None if scratch is None else Path(scratch) / "a")
    sb = open_study(b, results_dir, scratch=None if scratch is None else Path(scratch) / "b")
    check_compatible(sa, sb)
    config = config_differences(sa.manifest["config"], sb.manifest["config"])
    return sa, sb, config, diff_rows(sa, sb)


def default_out(sa, sb, results_dir="results") -> Path:
    return Path(results_dir) / "compare" / f"{sa.name}-vs-{sb.name}"


def write_comparison(sa, sb, config: list[dict], rows: list[dict], out_dir) -> dict:
    """``out_dir/diff.csv`` and ``out_dir/index.html``; returns the counts of each change."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(out_dir / "diff.csv", rows, DIFF_COLUMNS)
    (out_dir / "index.html").write_text(_html(sa, sb, config, rows), encoding="utf-8")
    return dict(Counter(r["change"] for r in rows))


# ---------------------------------------------------------------------------------------------
# the page

_E = html.escape


def _interval(v, low, high) -> str:
    if v is None:
        return fmt.DASH
    if isinstance(v, str):
        return _E(v)
    if low is None and high is None:
        return fmt.sig(v)
    return f"{fmt.sig(v)} [{fmt.sig(low)}, {fmt.sig(high)}]"


def _cell_name(r: dict) -> str:
    parts = [r["objective"], f"κ = {fmt.kappa(r['kappa'])}" if r["kappa"] is not None else None]
    return _E(", ".join(str(p) for p in [*parts, r["method"]] if p))


def _table(title: str, rows: list[dict], note: str) -> str:
    if not rows:
        return f"<h2>{_E(title)}</h2><p class='muted'>No cells.</p>"
    lines = [
        f"<h2>{_E(title)}</h2><p class='muted'>{_E(note)}</p>",
        "<div class='wrap'><table><thead><tr><th>cell</th><th>quantity</th><th>A</th><th>B</th>"
        "<th>change</th></tr></thead><tbody>",
    ]
    for r in rows:
        cls = (
            " class='flag'" if r["flagged"] else (" class='same'" if r["change"] == "same" else "")
        )
        lines.append(
            f"<tr{cls}><td>{_cell_name(r)}</td><td>{_E(r['quantity'])}</td>"
            f"<td class='num'>{_interval(r['a'], r['a_ci_low'], r['a_ci_high'])}</td>"
            f"<td class='num'>{_interval(r['b'], r['b_ci_low'], r['b_ci_high'])}</td>"
            f"<td>{_E(r['change'])}{' ⚑' if r['flagged'] else ''}</td></tr>"
        )
    lines.append("</tbody></table></div>")
    return "\n".join(lines)


def _html(sa, sb, config: list[dict], rows: list[dict]) -> str:
    counts = Counter(r["change"] for r in rows)
    flagged = sum(counts[c] for c in FLAGGED)

    def who(s, tag):
        m = s.manifest
        return (
            f"<tr><th>{tag}</th><td>{_E(s.name)}</td><td><code>{_E(s.source)}</code></td>"
            f"<td>{_E(str(m.get('created', '')))}</td><td><code>"
            f"{_E(str(m.get('config_hash', ''))[:12])}</code></td><td>tables "
            f"{_E(str(m['tables_version']))}, numerics {_E(str(m['numerics_version']))}</td>"
            f"<td>{_E(str(m.get('headline', '')))}</td></tr>"
        )

    parts = [
        f"<h1>{_E(sa.name)} vs {_E(sb.name)}</h1>",
        f"<p><strong>{flagged} cell{'s' if flagged != 1 else ''} changed beyond "
        f"{'their' if flagged != 1 else 'its'} interval</strong> (or changed with no interval "
        f"to judge by), {counts['within']} moved within their intervals, {counts['same']} "
        f"are the same; {counts['only in A']} only in A, {counts['only in B']} only in B. "
        "The machine-readable table is <code>diff.csv</code> beside this page.</p>",
        "<div class='wrap'><table><thead><tr><th></th><th>study</th><th>from</th><th>date</th>"
        "<th>config hash</th><th>versions</th><th>headline</th></tr></thead><tbody>",
        who(sa, "A"),
        who(sb, "B"),
        "</tbody></table></div>",
        "<h2>Config differences</h2>",
    ]
    if config:
        parts.append(
            "<div class='wrap'><table><thead><tr><th>key</th><th>A</th><th>B</th></tr></thead>"
            "<tbody>"
            + "".join(
                f"<tr><td><code>{_E(d['key'])}</code></td><td>{_E(_text(d['a']))}</td>"
                f"<td>{_E(_text(d['b']))}</td></tr>"
                for d in config
            )
            + "</tbody></table></div>"
        )
    else:
        parts.append("<p>None: the two configs are the same.</p>")
    by_table = {t: [r for r in rows if r["table"] == t] for t in QUANTITIES}
    parts.append(
        _table(
            "Speedups over GD",
            by_table["comparisons"],
            "Held-out speedup with its interval (empty with too few seeds), and the finding.",
        )
    )
    parts.append(
        _table("κ-slopes", by_table["slopes"], "Theil–Sen slope of log iterations against log κ.")
    )
    parts.append(
        _table(
            "Iterations at the best tuning",
            by_table["best"],
            "Held-out median iterations with the order-statistic interval of the median.",
        )
    )
    status = [r for r in by_table["status_counts"] if r["change"] != "same"]
    parts.append(
        _table(
            "Status-count changes",
            status,
            "Runs that converged, diverged or ran out of budget; only the counts that changed.",
        )
    )
    parts.append(
        "<p class='muted'>Flagged (⚑): a value outside the other study's interval, or a "
        "change with no interval to judge it (a count, a finding, a value that became empty). "
        "See docs/studies.md.</p>"
    )
    return page(f"{sa.name} vs {sb.name}: momentumlab comparison", "\n".join(parts))


def _text(v) -> str:
    return "(not set)" if v is None else str(v)


__all__ = [
    "DIFF_COLUMNS",
    "QUANTITIES",
    "check_compatible",
    "classify",
    "compare",
    "config_differences",
    "diff_rows",
    "write_comparison",
]
