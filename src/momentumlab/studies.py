"""Studies as outputs: each study's manifest, the index of studies, archives, and finding one.

A study writes ``results/<study>/`` (:func:`momentumlab.naming.study_dir`): its tables, report,
logs, benchmarks and a manifest ``study.json`` (:func:`write_manifest`) recording what made it:
the table and numerics versions, the config and its hash, the date, the headline (the report's
verdict sentence) and the sha256 of every table. ``results/index.html`` lists every study that
has a manifest (:func:`write_index`). :func:`export` packs a study into one ``.tar.gz``
(tables, report, config, manifest), and :func:`open_study` opens a study by name, folder or
archive, for :mod:`momentumlab.compare`. Nothing here imports snakemake.
"""

from __future__ import annotations

import gzip
import html
import io
import json
import os
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import NUMERICS_VERSION, TABLES_VERSION, __version__
from .naming import INDEX_HTML, MANIFEST, RESULTS_DIR, study_dir, study_problem
from .tables import read_csv, sha256

MANIFEST_VERSION = 1
# the tables a study's manifest records and an archive carries (those present are packed)
STUDY_TABLES = ("simulations", "curves", "cells", "best", "comparisons", "slopes", "noise",
                "status_counts", "trajectories", "landscape")  # fmt: skip


class StudyError(ValueError):
    """A study cannot be opened, exported or compared; the message says which and why."""


# ---------------------------------------------------------------------------------------------
# the manifest


def headline(tables_dir: str | os.PathLike, config: dict) -> str:
    """The verdict sentence the report opens with, from the study's tables."""
    from .report import summary

    def rows(name):
        path = Path(tables_dir) / f"{name}.csv"
        return read_csv(path) if path.is_file() else []

    level = f"{100 * float((config.get('stats') or {}).get('confidence', 0.95)):g}%"
    return summary.verdict(rows("comparisons"), rows("best"), rows("noise"), level)


def manifest(
    *, study: str, config: dict, config_files: list[str], tables_dir, report_html=None
) -> dict:
    """What made a study (see the module docstring); ``created`` is when this was written."""
    from .report import provenance

    tables_dir = Path(tables_dir)
    tables = {
        name: sha256(tables_dir / f"{name}.csv")
        for name in STUDY_TABLES
        if (tables_dir / f"{name}.csv").is_file()
    }
    return {
        "manifest_version": MANIFEST_VERSION,
        "study": study,
        "tables_version": TABLES_VERSION,
        "numerics_version": NUMERICS_VERSION,
        "momentumlab": __version__,
        "config_hash": provenance.config_hash(config),
        "created": provenance.now_utc(),
        "headline": headline(tables_dir, config),
        "config_files": [_relative(f) for f in config_files],
        "git": provenance.git_info(None)["text"],
        "tables": tables,
        "size": planned_size(config, tables_dir),
        "report": sha256(report_html) if report_html and Path(report_html).is_file() else None,
        "config": config,
    }


def planned_size(config: dict, tables_dir) -> dict:
    """The plan's size beside what ran: the coarse grid's simulations and jobs, the
    refinement's upper bound (``*_at_most``, :func:`momentumlab.config.study_size`) and the
    simulations the study ran (the rows of its ``simulations.csv``, None when absent)."""
    from .config import study_size

    size = study_size(config)
    path = Path(tables_dir) / "simulations.csv"
    ran = None
    if path.is_file():
        with open(path, "rb") as fh:
            ran = sum(1 for _ in fh) - 1
    return {
        "coarse_simulations": size["simulations"],
        "coarse_jobs": size["jobs"],
        "refined_simulations_at_most": size["refined"]["simulations"],
        "refined_jobs_at_most": size["refined"]["jobs"],
        "simulations": ran,
    }


def _relative(path) -> str:
    """A path relative to the working directory when inside it (what the user typed)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def write_manifest(path: str | os.PathLike, **kwargs) -> dict:
    """Rule manifest: write ``results/<study>/study.json`` atomically; returns it."""
    data = manifest(**kwargs)
    _write_text(path, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return data


def read_manifest(path: str | os.PathLike) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StudyError(f"{path}: not a readable study manifest ({exc})") from None
    keys = ("study", "tables_version", "numerics_version", "config")
    missing = [k for k in keys if not isinstance(data, dict) or k not in data]
    if missing:
        raise StudyError(f"{path}: not a study manifest (missing {', '.join(missing)})")
    return data


def _write_text(path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# the index


def manifest_paths(results_dir: str | os.PathLike = RESULTS_DIR, include=()) -> list[str]:
    """Every ``<results>/<study>/study.json`` present, plus ``include`` (this run's own, which
    may not exist yet), sorted: the index rule's inputs."""
    root = Path(results_dir)
    found = {str(p) for p in root.glob(f"*/{MANIFEST}")} if root.is_dir() else set()
    return sorted(found | {str(p) for p in include})


def write_index(manifests: list[str], out_html: str | os.PathLike = INDEX_HTML) -> int:
    """Rule index: ``results/index.html``, one row per study (name and link to its report,
    config hash, date, headline, versions), newest first; self-contained. Returns the rows."""
    out = Path(out_html)
    rows = []
    for path in manifests:
        try:
            m = read_manifest(path)
        except StudyError as exc:
            rows.append({"problem": str(exc), "path": path})
            continue
        folder = Path(path).parent
        report = folder / "report" / "index.html"
        rows.append(
            {
                "study": m["study"],
                "link": os.path.relpath(report, out.parent) if report.is_file() else None,
                "hash": str(m.get("config_hash", ""))[:12],
                "created": m.get("created", ""),
                "headline": m.get("headline", ""),
                "versions": f"tables {m['tables_version']}, numerics {m['numerics_version']}",
                "title": (m.get("config") or {}).get("title", ""),
            }
        )
    rows.sort(key=lambda r: (r.get("created", ""), r.get("study", "")), reverse=True)
    _write_text(out, _index_html(rows))
    return len(rows)


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;
color:#1d1f21;margin:0 auto;max-width:70rem;padding:1.5rem 1.25rem;line-height:1.5}
h1{font-size:1.7rem;margin:0 0 .3rem}.muted{color:#5b6169;font-size:.9rem}
table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.92rem}
th,td{border-bottom:1px solid #dde1e6;padding:.4rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f7f9}code{font-size:.88em}a{color:#0b5cad}
.flag{background:#ffe3e0}.same{color:#5b6169}.wrap{overflow-x:auto}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
"""


def page(title: str, body: str) -> str:
    """A self-contained HTML page (inline style, nothing fetched)."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )


def _index_html(rows: list[dict]) -> str:
    e = html.escape
    lines = [
        "<h1>momentumlab studies</h1>",
        f'<p class="muted">{len(rows)} stud{"y" if len(rows) == 1 else "ies"} under '
        "<code>results/</code>, newest first. Compare two with <code>python -m momentumlab "
        "compare A B</code>; pack one with <code>python -m momentumlab export A</code> "
        "(docs/studies.md).</p>",
        '<div class="wrap"><table><thead><tr><th>study</th><th>date</th><th>config hash</th>'
        "<th>headline</th><th>versions</th></tr></thead><tbody>",
    ]
    for r in rows:
        if "problem" in r:
            lines.append(f'<tr><td colspan="5" class="flag">{e(r["problem"])}</td></tr>')
            continue
        name = e(r["study"])
        cell = f'<a href="{e(r["link"])}">{name}</a>' if r["link"] else f"{name} (no report)"
        title = f'<br><span class="muted">{e(str(r["title"]))}</span>' if r["title"] else ""
        lines.append(
            f"<tr><td>{cell}{title}</td><td>{e(r['created'])}</td><td><code>{e(r['hash'])}"
            f"</code></td><td>{e(r['headline'])}</td><td>{e(r['versions'])}</td></tr>"
        )
    lines.append("</tbody></table></div>")
    return page("momentumlab studies", "\n".join(lines))


# ---------------------------------------------------------------------------------------------
# finding, opening and exporting a study


@dataclass
class Study:
    """A study opened for reading: its folder (an archive is unpacked to a temporary one)."""

    name: str
    root: Path  # the folder holding study.json, tables/, report/
    source: str  # what the user named: a study name, a folder or an archive
    manifest: dict

    @property
    def tables_dir(self) -> Path:
        return self.root / "tables"

    def table(self, name: str) -> list[dict]:
        path = self.tables_dir / f"{name}.csv"
        return read_csv(path) if path.is_file() else []


def _is_archive(path: Path) -> bool:
    return path.is_file() and tarfile.is_tarfile(path)


def _unpack(archive: Path, dest: Path) -> None:
    """Unpack an archive's regular files and folders only, never outside ``dest``."""
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for m in members:
            parts = Path(m.name).parts
            if not (m.isfile() or m.isdir()) or Path(m.name).is_absolute() or ".." in parts:
                raise StudyError(f"{archive}: {m.name!r} is not a plain file of a study archive")
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
            tar.extractall(dest, members=members, filter="data")
        else:
            tar.extractall(dest, members=members)  # noqa: S202 - every member checked above


def open_study(what: str | os.PathLike, results_dir=RESULTS_DIR, scratch=None) -> Study:
    """A study by name (``results/<name>/``), folder (holding ``study.json``) or archive (made
    by :func:`export`; unpacked under ``scratch``, a temporary folder by default)."""
    text = str(what)
    path = Path(text)
    if not path.exists() and study_problem(text) is None:
        path = Path(results_dir) / text
    if _is_archive(path):
        dest = Path(scratch or tempfile.mkdtemp(prefix="momentumlab-study-"))
        _unpack(path, dest)
        found = sorted(dest.glob(f"*/{MANIFEST}")) or sorted(dest.glob(MANIFEST))
        if not found:
            raise StudyError(f"{text}: an archive without a {MANIFEST}: not a study archive")
        path = found[0].parent
    elif not path.is_dir():
        raise StudyError(
            f"{text}: no such study (looked for the folder {path}); allowed: a study name "
            f"under {results_dir}/, a study folder or an archive made by `momentumlab export`"
        )
    if not (path / MANIFEST).is_file():
        raise StudyError(
            f"{text}: {path} has no {MANIFEST}, so it is not a finished study (run the study, "
            f"or give its folder results/<study>/)"
        )
    m = read_manifest(path / MANIFEST)
    return Study(name=str(m["study"]), root=path, source=text, manifest=m)


def export(
    what: str | os.PathLike, out: str | os.PathLike | None = None, results_dir=RESULTS_DIR
) -> Path:
    """Pack a study into one ``.tar.gz``: ``<study>/study.json``, ``config.yaml`` (the config
    as used, defaults filled: runnable with ``--configfile``), ``tables/*.csv`` and
    ``report/index.html``; every table is checked against the manifest's sha256 first. The
    archive's bytes depend only on those files (fixed times and owners). Default output:
    ``results/<study>.tar.gz``."""
    s = open_study(what, results_dir)
    for name, digest in (s.manifest.get("tables") or {}).items():
        path = s.tables_dir / f"{name}.csv"
        if not path.is_file() or sha256(path) != digest:
            raise StudyError(
                f"{path}: missing or changed since the study wrote its manifest; rerun the "
                f"study before exporting it"
            )
    files = {MANIFEST: (s.root / MANIFEST).read_bytes()}
    files["config.yaml"] = yaml.safe_dump(s.manifest["config"], sort_keys=False).encode()
    for name in sorted(s.manifest.get("tables") or {}):
        files[f"tables/{name}.csv"] = (s.tables_dir / f"{name}.csv").read_bytes()
    report = s.root / "report" / "index.html"
    if report.is_file():
        files["report/index.html"] = report.read_bytes()
    out = Path(out) if out else Path(results_dir) / f"{s.name}.tar.gz"
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel, data in files.items():
            info = tarfile.TarInfo(f"{s.name}/{rel}")
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz:
        gz.write(buf.getvalue())
    os.replace(tmp, out)
    return out


def study_name(config_files: list[str]) -> str:
    """The study name of these config files as ``--configfile`` merges them (the last file that
    sets ``study`` wins; else the last file's stem), without checking the rest of the config."""
    from .config import check_source

    files = list(config_files) or ["config/config.yaml"]
    names = [d["study"] for d in map(check_source, files) if isinstance(d, dict) and "study" in d]
    return str(names[-1]) if names else Path(files[-1]).stem


def report_path(config_files: list[str]) -> str:
    """Where the study of these config files writes its report (what ``tasks.py study``
    prints; no files: the default config's)."""
    return f"{study_dir(study_name(config_files))}/report/index.html"
