#!/usr/bin/env python3
"""The two commands of the quick start, needing only Python >= 3.11 and pip.

    python3 tasks.py study [snakemake args...]   # set up .venv, run the study (default config),
                                                 # print its report: results/<study>/report/
    python3 tasks.py test  [pytest args...]      # set up .venv, lint, run the tests
    python3 tasks.py test --quick [pytest args]  # unit tests only (no workflow, browser, slow)
    python3 tasks.py cluster [snakemake args...] # + the SLURM plugin; run through the slurm profile

The virtualenv is (re)installed when missing or when pyproject.toml changed since.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".momentumlab-installed"


def run(*cmd: str | os.PathLike) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], cwd=ROOT, check=True)


def setup(extras: tuple[str, ...] = ("test",)) -> None:
    """Install the project with `extras` (and those installed before) unless already done."""
    pyproject = ROOT / "pyproject.toml"
    first, _, rest = STAMP.read_text().partition("\n") if STAMP.exists() else ("", "", "")
    have = set(first.removeprefix("extras: ").split(",")) if first.startswith("extras: ") else set()
    if rest == pyproject.read_text() and have.issuperset(extras):
        return
    wanted = ",".join(sorted(have.union(extras) - {""}))
    if not (BIN / "python").exists():
        run(sys.executable, "-m", "venv", VENV)
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f".[{wanted}]")
    STAMP.write_text(f"extras: {wanted}\n{pyproject.read_text()}")


def ensure_chromium() -> None:
    """The browser test needs Debian's chromium; install it when we can (root with apt-get)."""
    if shutil.which("chromium"):
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
            check=True,
            env=env,
        )
    else:
        print("note: chromium is not installed; install Debian's 'chromium' for the browser test")


def study(args: list[str]) -> None:
    setup()
    cores = os.environ.get("CORES", str(os.cpu_count() or 1))
    run(BIN / "snakemake", "--cores", cores, *args)
    where = subprocess.run(
        [str(BIN / "python"), "-m", "momentumlab", "where", *config_files(args)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    print(f"\nReport: {ROOT / where.stdout.strip()}")
    print(f"All studies: {ROOT / 'results' / 'index.html'}")


def config_files(args: list[str]) -> list[str]:
    """The --configfile(s) among Snakemake arguments (none: the default config's study)."""
    files, taking = [], False
    for a in args:
        if a.startswith("--configfile=") or a.startswith("--configfiles="):
            files.append(a.split("=", 1)[1])
            taking = False
        elif a in ("--configfile", "--configfiles"):
            taking = True
        elif taking and not a.startswith("-"):
            files.append(a)
        else:
            taking = False
    return files


def cluster(args: list[str]) -> None:
    """The study through SLURM: workflow/profiles/slurm (see docs/cluster.md)."""
    if not shutil.which("sbatch"):
        sys.exit(
            "tasks.py cluster: no SLURM here (sbatch not found). Run it on a cluster's login "
            "node; to try it on one Debian machine, see docs/cluster.md (.ci/slurm/cluster.sh up)."
        )
    setup(("test", "slurm"))
    profile = ROOT / "workflow" / "profiles" / "slurm"
    run(BIN / "snakemake", "--workflow-profile", profile, *args)


QUICK_MARKERS = "not workflow and not browser and not slow"  # markers: see pyproject.toml


def test(args: list[str]) -> None:
    setup()
    if "--quick" in args:  # no linters, no Snakemake runs, no browser, no slow oracles
        rest = [a for a in args if a != "--quick"]
        run(BIN / "python", "-m", "pytest", "-m", QUICK_MARKERS, *rest)
        return
    ensure_chromium()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "snakemake", "--lint", "--cores", "1")
    run(BIN / "python", "-m", "pytest", *args)


def main() -> None:
    commands = {"study": study, "test": test, "cluster": cluster, "setup": lambda _args: setup()}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: python3 tasks.py {{{'|'.join(commands)}}} [args...]")
    try:
        commands[sys.argv[1]](sys.argv[2:])
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)


if __name__ == "__main__":
    main()
