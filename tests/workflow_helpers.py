"""Helpers for workflow tests: a private copy of the workflow, and running snakemake in it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_FILES = ["Snakefile", "workflow", "scripts", "config", "report"]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
QUICK = "config/presets/quick.yaml"
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
QUICK_DIR = "results/quick"  # the quick preset's study folder (its `study:` key)
SIMS_DIR = "results/cache/sims"  # the simulation jobs every study shares


def study_config(path: Path) -> dict:
    """A config file as the workflow sees it: checked, numbers coerced, defaults filled."""
    from momentumlab.config import load_file

    return load_file(path, schema=SCHEMA).config


def copy_workflow(dest: Path) -> Path:
    """Copy what a user's checkout holds (no results) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


def snakemake(cwd: Path, *args: str, check: bool = True, timeout: float = 900):
    proc = subprocess.run(
        [SNAKEMAKE, *args], cwd=cwd, capture_output=True, text=True, env=dict(os.environ),
        timeout=timeout,
    )  # fmt: skip
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc
