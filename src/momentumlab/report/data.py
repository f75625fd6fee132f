"""Reading the aggregated tables and looking rows up in them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..catalogue import REPORT_TABLES
from ..tables import number, read_csv

TABLES = REPORT_TABLES  # what the report reads (the table catalogue's list)


def load_tables(tables_dir: str | Path, names: Iterable[str] = TABLES) -> dict[str, list[dict]]:
    """Each table as a list of dicts; a missing or empty file gives an empty list."""
    out = {}
    for name in names:
        path = Path(tables_dir) / f"{name}.csv"
        try:
            out[name] = read_csv(path) if path.is_file() else []
        except (OSError, ValueError, UnicodeDecodeError):
            out[name] = []
    return out


num = number  # a finite float, or None (for '', None, NaN, inf, text)


def close(a, b, rtol: float = 1e-9) -> bool:
    a, b = num(a), num(b)
    if a is None or b is None:
        return False
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-300)


def objective_order(config: dict, *tables: list[dict]) -> list[str]:
    """Objectives in the config's order, then any others found in the tables."""
    seen = list((config.get("objectives") or {}).keys())
    found = []
    for t in tables:
        found += [r["objective"] for r in t if r.get("objective") is not None]
    present = set(found)
    return [o for o in seen if o in present] + [o for o in dict.fromkeys(found) if o not in seen]


def kappas_of(rows: list[dict], objective: str | None = None) -> list[float]:
    ks = {
        float(r["kappa"])
        for r in rows
        if num(r.get("kappa")) is not None and (objective is None or r["objective"] == objective)
    }
    return sorted(ks)


def objective_type(config: dict, label: str, rows: Iterable[dict] = ()) -> str | None:
    spec = (config.get("objectives") or {}).get(label)
    if isinstance(spec, dict) and spec.get("type"):
        return str(spec["type"])
    for r in rows:
        if r.get("objective") == label and r.get("objective_type"):
            return str(r["objective_type"])
    return None


def objective_setting(config: dict, label: str, key: str, default=None):
    """A per-objective setting (tol, max_iter) falling back to the study-wide one."""
    spec = (config.get("objectives") or {}).get(label)
    if isinstance(spec, dict) and spec.get(key) is not None:
        return spec[key]
    return config.get(key, default)


def pick(values: list, k: int) -> list:
    """At most ``k`` items spread evenly over ``values``, keeping the first and the last."""
    if len(values) <= k:
        return list(values)
    idx = sorted({round(i * (len(values) - 1) / (k - 1)) for i in range(k)})
    return [values[i] for i in idx]


def index(rows: list[dict], *keys: str) -> dict[tuple, dict]:
    """Rows by the tuple of ``keys`` (kappa as float); later duplicates win."""
    out = {}
    for r in rows:
        out[tuple(float(r[k]) if k == "kappa" else r.get(k) for k in keys)] = r
    return out
