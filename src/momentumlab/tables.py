"""Tidy CSV tables without pandas: lists of dicts in, lists of dicts out.

Floats are written with ``repr`` (round-trip exact), so tables are byte-identical whenever the
numbers are, and reading a table back gives the very same floats.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if hasattr(v, "item"):  # numpy scalar
        return _cell(v.item())
    return str(v)


cell_text = _cell  # the text a value is written as (public, for checks on written tables)


def number(x, *, inf: bool = False) -> float | None:
    """A value as a finite float, or None: for None, booleans, text that is not a number, NaN
    and (unless ``inf``) +-inf. The one "finite float or None" of the statistics and report."""
    if x is None or isinstance(x, bool):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    if math.isnan(v) or (math.isinf(v) and not inf):
        return None
    return v


def write_csv(path: str | os.PathLike, rows: Iterable[dict], columns: Sequence[str]) -> None:
    """Write rows atomically (temporary file, then rename): never a half-written table."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([_cell(r.get(c)) for c in columns])
    os.replace(tmp, path)


def parse(v: str):
    """Inverse of the writer for one cell: '' -> None, numbers -> int/float, else the text."""
    if v == "":
        return None
    try:
        return int(v)
    except ValueError:
        pass
    try:
        return float(v)
    except ValueError:
        return {"true": True, "false": False}.get(v, v)


def read_csv(path: str | os.PathLike) -> list[dict]:
    with open(path, newline="") as fh:
        return [{k: parse(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def read_header(path: str | os.PathLike) -> list[str]:
    with open(path, newline="") as fh:
        return next(csv.reader(fh))


def sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_checksums(path: str | os.PathLike, files: Sequence[str | os.PathLike]) -> None:
    """A sidecar {file name: sha256} of ``files``, written atomically after them."""
    data = {Path(f).name: sha256(f) for f in files}
    tmp = Path(f"{path}.tmp")
    tmp.write_text(json.dumps(data, sort_keys=True, indent=1) + "\n")
    os.replace(tmp, path)
