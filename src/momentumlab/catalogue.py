"""The table catalogue: every table's columns, their types and their documentation, once.

The study writes ten CSV tables (``results/<study>/tables/<name>.csv``): ``simulations`` and
``curves`` (gathered from the simulation jobs), the six statistics tables of
:func:`momentumlab.stats.summarise` (:data:`STATS_TABLES`) and the lecture picture's
``trajectories`` and ``landscape``. :data:`TABLES` holds each one's columns in order, with a type
(``str``, ``int``, ``float`` or ``bool``), whether a cell may be empty, and what it means, as
written in ``catalogue.yaml`` beside this module (the entries' one home). Every
writer takes its header from here (:func:`columns`), the Snakemake rules their lists of tables,
and ``docs/tables.md`` its column tables: ``python -m momentumlab.catalogue`` rewrites them
(``--check`` exits non-zero when the committed file is stale).

:func:`read` is the typed reader: it checks the header and every cell against the catalogue and
raises :class:`TableError` naming the file, the row and the column of the first bad cell.
"""

from __future__ import annotations

import csv
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

TYPES = ("str", "int", "float", "bool")


class TableError(ValueError):
    """A table file does not match its catalogue entry."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # one of TYPES
    doc: str
    empty: bool = False  # may a cell be empty (None: not applicable, or beyond the budget)?

    def parse(self, text: str):
        """The cell's value; ValueError naming what was expected when it does not fit."""
        if text == "":
            if self.empty:
                return None
            raise ValueError(f"is empty, expected {self.type}")
        if self.type == "str":
            return text
        if self.type == "bool":
            if text in ("true", "false"):
                return text == "true"
            raise ValueError(f"{text!r} is not a bool (true or false)")
        try:
            return int(text) if self.type == "int" else float(text)
        except ValueError:
            raise ValueError(
                f"{text!r} is not {'an' if self.type == 'int' else 'a'} {self.type}"
            ) from None


DATA = Path(__file__).with_name("catalogue.yaml")  # the entries: names, types, emptiness, docs


def _load(path: Path = DATA) -> dict[str, list[Column]]:
    """The catalogue's entries from its YAML file (a column by name alone: the input's)."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    tables: dict[str, list[Column]] = {}
    for table, items in data.items():
        cols = []
        for item in items:
            if isinstance(item, str):  # the simulations column of that name
                cols.append(next(c for c in tables["simulations"] if c.name == item))
                continue
            name, kind, doc, *flags = item
            if kind not in TYPES or flags not in ([], ["empty"]) or not str(doc).strip():
                raise TableError(f"{path}: table {table!r}, column {name!r}: bad entry {item!r}")
            cols.append(Column(str(name), kind, str(doc), empty=bool(flags)))
        if len({c.name for c in cols}) != len(cols):
            raise TableError(f"{path}: table {table!r} names a column twice")
        tables[str(table)] = cols
    return tables


TABLES: dict[str, list[Column]] = _load()

STATS_TABLES = ("cells", "best", "comparisons", "slopes", "noise", "status_counts")
JOB_TABLES = ("simulations", "curves")  # gathered from the simulation jobs (sims, curves)
LECTURE_TABLES = ("trajectories", "landscape")
REFINE_TABLES = ("search",)  # the refinement's search table, one per round (momentumlab.refine)
REPORT_TABLES = STATS_TABLES + ("curves",) + LECTURE_TABLES  # what the report reads
REPORT_DOWNLOADS = ("best", "comparisons", "cells", "slopes", "noise", "status_counts")


def columns(table: str) -> list[str]:
    """The column names of ``table``, in order (the header its writer writes)."""
    return [c.name for c in TABLES[table]]


def docs(table: str) -> dict[str, str]:
    return {c.name: c.doc for c in TABLES[table]}


def read(path: str | os.PathLike, table: str) -> list[dict]:
    """The rows of ``path`` as dicts of typed values (None = empty), checked against ``table``.

    Raises :class:`TableError` naming the file and, for a bad cell, its row (1 = the first
    row after the header) and column.
    """
    cols = TABLES[table]
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != [c.name for c in cols]:
            raise TableError(
                f"{path}: the header is {header}, but table {table!r} has the columns "
                f"{[c.name for c in cols]}"
            )
        out = []
        for i, row in enumerate(reader, start=1):
            if len(row) != len(cols):
                raise TableError(f"{path}, row {i}: {len(row)} cells, expected {len(cols)}")
            rec = {}
            for c, text in zip(cols, row, strict=True):
                try:
                    rec[c.name] = c.parse(text)
                except ValueError as exc:
                    raise TableError(f"{path}, row {i}, column {c.name}: {exc}") from None
            out.append(rec)
    return out


# --------------------------------------------------------------------------- docs/tables.md

DOC = Path(__file__).resolve().parents[2] / "docs" / "tables.md"
_BLOCK = re.compile(r"(<!-- columns: (\w+) -->\n)(.*?)(<!-- end columns -->)", re.S)


def markdown(table: str) -> str:
    """The column table of ``table`` as docs/tables.md shows it."""
    lines = ["| column | type | description |", "| --- | --- | --- |"]
    for c in TABLES[table]:
        kind = f"{c.type}, may be empty" if c.empty else c.type
        lines.append(f"| `{c.name}` | {kind} | {c.doc} |")
    return "\n".join(lines) + "\n"


def render_doc(text: str) -> str:
    """``text`` (docs/tables.md) with every generated block rewritten from the catalogue.

    A block is ``<!-- columns: NAME -->`` ... ``<!-- end columns -->``; every table of
    :data:`TABLES` must have exactly one.
    """
    found = [m.group(2) for m in _BLOCK.finditer(text)]
    if sorted(found) != sorted(TABLES):
        raise TableError(
            f"docs/tables.md has column blocks for {found}, expected one for each of {list(TABLES)}"
        )
    return _BLOCK.sub(lambda m: m.group(1) + markdown(m.group(2)) + m.group(4), text)


def main(argv: list[str] | None = None) -> int:
    """``python -m momentumlab.catalogue [--check] [PATH]``: rewrite (or check) docs/tables.md."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    path = Path(args[0]) if args else DOC
    text = path.read_text(encoding="utf-8")
    new = render_doc(text)
    if check:
        if new != text:
            print(f"{path} is stale: run python -m momentumlab.catalogue", file=sys.stderr)
            return 1
        return 0
    if new != text:
        path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
