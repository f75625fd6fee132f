"""A study killed mid-run and rerun as Snakemake advises ends with the very same tables.

The run is SIGKILLed (the whole process group: snakemake and its running jobs) once a job output
exists but before the study is done. The rerun follows the advice Snakemake prints (typically
IncompleteFilesException -> --rerun-incomplete, then a stale lock -> --unlock) until it succeeds;
its tables must be byte-identical to those of an uninterrupted run of the same config.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from workflow_helpers import QUICK, SNAKEMAKE, copy_workflow, snakemake

pytestmark = pytest.mark.workflow

PRESET = "config/presets/interrupt.yaml"
TARGET = "results/quick/tables/simulations.csv"  # the preset copies quick's study name
TIMEOUT = 600.0  # seconds: generous, the machine may be loaded


def write_preset(root: Path) -> None:
    """The quick preset with a third kappa and more seeds: 18 jobs, long enough to interrupt."""
    cfg = yaml.safe_load((root / QUICK).read_text())
    cfg["kappas"] = [10, 100, 1000]
    cfg["seeds"] = 6
    (root / PRESET).write_text(yaml.safe_dump(cfg, sort_keys=False))


def files(root: Path, under: str) -> dict[str, bytes]:
    base = root / under
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*.csv"))}


def group_alive(pgid: int) -> bool:
    """Whether a process of the group is still running (zombies, already dead, do not count)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in ("Z", "X"):
            return True
    return False


def start_and_kill(root: Path) -> str:
    """Start the study, SIGKILL its process group once a job output exists; return its output."""
    log = root / "interrupted.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [SNAKEMAKE, TARGET, "--cores", "2", "--configfile", PRESET],
            cwd=root, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + TIMEOUT
        sims = root / "results" / "cache" / "sims"
        while not (sims.is_dir() and any(sims.rglob("*.sims.csv"))):
            if proc.poll() is not None:
                pytest.fail(f"snakemake ended (rc {proc.returncode}) before any job output:\n"
                            + log.read_text())  # fmt: skip
            if time.monotonic() > deadline:
                pytest.fail("no job output within the timeout:\n" + log.read_text())
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the group id is snakemake's pid
        proc.wait(timeout=60)
    deadline = time.monotonic() + 60
    while group_alive(proc.pid):
        assert time.monotonic() < deadline, "processes of the killed run are still running"
        time.sleep(0.05)
    return log.read_text()


def rerun_as_advised(root: Path) -> list[str]:
    """Rerun the same command, following each piece of advice Snakemake prints; return them."""
    extra: list[str] = []
    advice: list[str] = []
    for _ in range(4):
        proc = snakemake(root, TARGET, "--cores", "2", *extra, "--configfile", PRESET, check=False)
        out = proc.stdout + proc.stderr
        if proc.returncode == 0:
            return advice
        if "IncompleteFilesException" in out and "--rerun-incomplete" not in extra:
            assert "rerun your command with the --rerun-incomplete flag" in out, out
            extra.append("--rerun-incomplete")
            advice.append("--rerun-incomplete")
        elif "Directory cannot be locked" in out and "--unlock" in out:
            snakemake(root, "--unlock", "--configfile", PRESET)
            advice.append("--unlock")
        else:
            pytest.fail(f"the rerun failed without advice we know how to follow:\n{out}")
    pytest.fail(f"still failing after following {advice}")


def test_killed_run_reruns_to_identical_tables(tmp_path):
    killed = copy_workflow(tmp_path / "killed")
    write_preset(killed)
    output = start_and_kill(killed)
    assert not (killed / TARGET).exists(), f"finished before it could be interrupted:\n{output}"

    advice = rerun_as_advised(killed)
    # Snakemake names the half-done outputs and advises --rerun-incomplete (unless the kill
    # left no output file of a running job, in which case it simply reruns those jobs)
    if advice:
        assert advice[0] == "--rerun-incomplete", advice

    reference = copy_workflow(tmp_path / "reference")
    write_preset(reference)
    snakemake(reference, TARGET, "--cores", "2", "--configfile", PRESET)

    for under in ["results/quick/tables", "results/cache/sims"]:
        got, want = files(killed, under), files(reference, under)
        assert got.keys() == want.keys(), under
        differ = [name for name in want if got[name] != want[name]]
        assert not differ, f"{under}: not byte-identical after the rerun: {differ}"
    assert {"simulations.csv", "curves.csv"} <= set(files(killed, "results/quick/tables"))
