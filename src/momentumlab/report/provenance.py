"""Where a report came from: config and its hash, git commit, versions, run times."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from ..tables import number

PACKAGES = ("momentumlab", "snakemake", "numpy", "scipy", "matplotlib", "jinja2")


def canonical_json(config: dict) -> str:
    """The config as canonical JSON: sorted keys, no spaces, UTF-8, non-JSON values as text."""
    return json.dumps(
        config, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def config_hash(config: dict) -> str:
    """sha256 (hex) of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(config).encode()).hexdigest()


def config_text(config: dict) -> str:
    """The config for people to read: indented JSON with sorted keys."""
    return json.dumps(config, sort_keys=True, indent=2, ensure_ascii=False, default=str)


def git_info(repo_dir: str | Path | None) -> dict:
    """{"commit", "dirty", "text"}: the checked-out commit, or a note that there is none."""
    cwd = Path(repo_dir) if repo_dir else Path.cwd()

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=20, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None, "text": "not a git checkout (no commit recorded)"}
    return {"commit": commit, "dirty": dirty, "text": commit + (" (dirty)" if dirty else "")}


def versions() -> list[dict]:
    """Python, the platform and the packages that made the numbers and the report."""
    rows = [{"name": "Python", "version": sys.version.split()[0]}]
    for name in PACKAGES:
        try:
            v = metadata.version(name)
        except metadata.PackageNotFoundError:
            v = "not installed"
        rows.append({"name": name, "version": v})
    rows.append({"name": "platform", "version": platform.platform()})
    return rows


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def benchmark_summary(benchmarks_dir, files=None) -> list[dict]:
    """Per rule: benchmark files, total and mean wall seconds, peak RSS (MB).

    Snakemake ``benchmark:`` files are TSVs with a header ``s  h:m:s  max_rss  ...``. The rule is
    the first folder under ``benchmarks_dir`` (``simulate/quad2d/...tsv`` -> simulate) or the file
    name for files at the top (``gather.tsv`` -> gather). Repeated measurements all count.
    ``benchmarks_dir`` may be a list of folders (a study's own and the shared job cache's); each
    file counts under the first that holds it. ``files``: read exactly these (a rule's declared
    inputs) rather than every file found.
    """
    if not benchmarks_dir:
        return []
    many = isinstance(benchmarks_dir, list | tuple)
    roots = [Path(d) for d in (benchmarks_dir if many else [benchmarks_dir])]
    if files is None:
        roots = [r for r in roots if r.is_dir()]
        if not roots:
            return []
    rules: dict[str, dict] = {}
    if files is None:
        paths = sorted({p for r in roots for p in r.rglob("*.tsv")})
    else:
        paths = sorted(map(Path, files))
    for path in paths:
        root = next((r for r in roots if path.is_relative_to(r)), None)
        if root is None:
            continue
        rel = path.relative_to(root)
        rule = rel.parts[0] if len(rel.parts) > 1 else path.stem
        r = rules.setdefault(rule, {"rule": rule, "jobs": 0, "runs": 0, "total_s": 0.0, "rss": []})
        r["jobs"] += 1
        try:
            with open(path, newline="") as fh:
                for row in csv.DictReader(fh, delimiter="\t"):
                    s = number(row.get("s", ""))
                    if s is None:
                        continue
                    r["runs"] += 1
                    r["total_s"] += s
                    rss = number(row.get("max_rss", ""))
                    if rss is not None:
                        r["rss"].append(rss)
        except (OSError, csv.Error):
            continue
    out = []
    for r in sorted(rules.values(), key=lambda r: -r["total_s"]):
        out.append(
            {
                "rule": r["rule"],
                "jobs": r["jobs"],
                "total_s": r["total_s"],
                "mean_s": r["total_s"] / r["runs"] if r["runs"] else None,
                "max_rss_mb": max(r["rss"]) if r["rss"] else None,
            }
        )
    return out
