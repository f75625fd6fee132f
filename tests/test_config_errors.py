"""Bad configs are refused when the workflow loads: before any job runs, with a useful message.

Every case is the quick preset with one edit, tried in a copy of the workflow that already holds
the results of a successful quick run. ``snakemake -n`` must fail for every case, and a real run
for a handful; the message must name the offending key and say what is allowed; and nothing under
``results/`` may change (same files, same bytes, same modification times).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from workflow_helpers import QUICK, copy_workflow, snakemake

pytestmark = pytest.mark.workflow


@dataclass(frozen=True)
class Case:
    id: str
    edit: object  # function(cfg) -> None, editing the quick preset in place
    expect: tuple[str, ...]  # substrings the message must contain: the key, what is allowed
    yaml_has: str = ""  # text the written YAML must hold (e.g. a number spelled `1e-3`)
    real_run: bool = False  # also try `snakemake --cores 1` (not only -n)


def _set(path: str, value):
    """An edit that sets a dotted key path, e.g. ``objectives.quad2d.dim``."""

    def edit(cfg):
        *parents, last = path.split(".")
        node = cfg
        for p in parents:
            node = node[p]
        node[last] = value

    return edit


def _delete(path: str):
    def edit(cfg):
        *parents, last = path.split(".")
        node = cfg
        for p in parents:
            node = node[p]
        del node[last]

    return edit


def _rename_objective(old: str, new: str):
    def edit(cfg):
        cfg["objectives"] = {(new if k == old else k): v for k, v in cfg["objectives"].items()}

    return edit


CASES = [
    Case(
        "unknown-top-level-key",
        _set("learning_rate", 0.1),
        ("learning_rate: unknown key", "allowed keys: ", "kappas"),
        real_run=True,
    ),
    Case(
        "unknown-objective-key",
        _set("objectives.quad2d.dimension", 2),
        (
            "objectives.quad2d.dimension: unknown key",
            "allowed keys in objectives.quad2d",
            "spectrum",
        ),
    ),
    Case(
        "unknown-objective-type",
        _set("objectives.quad2d.type", "quartic"),
        ("objectives.quad2d.type", "quartic", "quadratic, rosenbrock, logistic"),
        real_run=True,
    ),
    Case(
        "unknown-method",
        _set("methods", ["gd", "momentum", "adam"]),
        ("methods[2]", "adam", "gd, momentum, heavy_ball, nesterov"),
    ),
    Case("kappa-below-1", _set("kappas", [0.5, 100]), ("kappas[0]", "0.5", ">= 1")),
    Case(
        "alpha-zero-list",
        _set("alphas", [0, 1, 2]),
        ("alphas[0]", "> 0"),
        real_run=True,
    ),
    Case(
        "alpha-negative-mapping",
        _set("alphas.momentum", [-1, 3, 10]),
        ("alphas.momentum[0]", "-1", "> 0"),
    ),
    Case(
        "alphas-unknown-method-key",
        _set("alphas.adam", [1, 2]),
        ("alphas", "'adam'", "default, gd, momentum, heavy_ball, nesterov"),
    ),
    Case(
        "method-without-alphas",
        _delete("alphas.heavy_ball"),
        ("alphas", "heavy_ball", "alphas.heavy_ball", "alphas.default"),
        real_run=True,
    ),
    Case("beta-one", _set("betas", [0.5, 0.9, 1.0]), ("betas[2]", "1.0", "[0, 1)")),
    Case("beta-negative", _set("betas", [-0.1, 0.5]), ("betas[0]", "-0.1", "[0, 1)")),
    Case("empty-kappas", _set("kappas", []), ("kappas", "non-empty")),
    Case("empty-methods", _set("methods", []), ("methods", "non-empty")),
    Case("empty-betas", _set("betas", []), ("betas", "non-empty")),
    Case("empty-alphas-list", _set("alphas", []), ("alphas", "non-empty")),
    Case("empty-alphas-of-a-method", _set("alphas.gd", []), ("alphas.gd", "non-empty")),
    Case("kappas-a-string", _set("kappas", "10, 100"), ("kappas", "'10, 100'", "list")),
    Case("seeds-a-float", _set("seeds", 2.5), ("seeds", "2.5", "integer >= 1")),
    Case("seeds-text", _set("seeds", "ten"), ("seeds", "'ten'", "integer >= 1")),
    Case(
        "rotate-text",
        _set("objectives.quad2d.rotate", "yes"),
        ("objectives.quad2d.rotate", "'yes'", "true or false"),
    ),
    Case("tol-zero", _set("tol", 0), ("tol", "(0, 1)")),
    Case("tol-one", _set("tol", 1), ("tol", "(0, 1)")),
    Case(
        "objective-tol-negative",
        _set("objectives.rosenbrock.tol", -1e-6),
        ("objectives.rosenbrock.tol", "(0, 1)"),
    ),  # fmt: skip
    Case("max-iter-zero", _set("max_iter", 0), ("max_iter", "integer >= 1")),
    Case(
        "objective-max-iter-negative",
        _set("objectives.rosenbrock.max_iter", -5),
        ("objectives.rosenbrock.max_iter", "integer >= 1"),
    ),
    Case(
        "kappas-duplicated",
        _set("kappas", [10, 100, 10]),
        ("kappas", "[10] given more than once", "distinct"),
    ),
    Case(
        # YAML reads a bare 1e-3 as text; the workflow turns it into the number 0.001
        "alphas-duplicated-by-spelling",
        _set("alphas.gd", [0.001, "1e-3", 1.0]),
        ("alphas.gd", "[0.001] given more than once", "distinct"),
        yaml_has="- 1e-3\n",
        real_run=True,
    ),
    Case(
        "kappas-duplicated-by-spelling",
        _set("kappas", [10, "1e1"]),
        ("kappas", "[10", "more than once", "distinct"),
        yaml_has="- 1e1\n",
    ),
    Case(
        "betas-duplicated",
        _set("betas", [0.5, 0.9, 0.90]),
        ("betas", "[0.9] given more than once", "distinct"),
    ),
    Case(
        "alphas-duplicated-list",
        _set("alphas", [1, 2, 1.0]),
        ("alphas", "[1] given more than once", "distinct"),
    ),
    Case(
        "start-wrong-dimension",
        _set("start", [1.0, 1.0, 1.0]),
        ("start", "3 coordinates", "dim 2", "'random' or a list of 2 numbers"),
    ),
    Case(
        "points-per-job-zero",
        _set("points_per_job", 0),
        ("points_per_job", "'all'", "integer >= 1"),
    ),
    Case(
        "objective-label-with-slash",
        _rename_objective("quad2d", "quad/2d"),
        ("objectives", "'quad/2d'", "letters, digits"),
    ),
    Case(
        "objective-label-with-space",
        _rename_objective("quad2d", "quad 2d"),
        ("objectives", "'quad 2d'", "letters, digits"),
    ),
    Case(
        "rosenbrock-dim-3",
        _set("objectives.rosenbrock.dim", 3),
        ("objectives.rosenbrock.dim", "3", "2 (Rosenbrock is 2-D)"),
    ),
    Case(
        "spectrum-flat",
        _set("objectives.quad2d.spectrum", "flat"),
        ("objectives.quad2d.spectrum", "'flat'", "two_point, logspace, uniform"),
    ),
    Case("objectives-empty", _set("objectives", {}), ("objectives", "{}", "non-empty")),
]


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under results/: its modification time (ns) and its bytes."""
    results = root / "results"
    return {
        str(p.relative_to(results)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(results.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A workflow copy holding the results of one successful quick run."""
    root = copy_workflow(tmp_path_factory.mktemp("bad_configs") / "study")
    snakemake(root, "results/tables/simulations.csv", "--cores", "2", "--configfile", QUICK)
    before = snapshot(root)
    assert any(k.startswith("sims/") for k in before) and "tables/simulations.csv" in before
    return root, before


def write_case(root: Path, case: Case) -> str:
    cfg = yaml.safe_load((root / QUICK).read_text())
    edited = copy.deepcopy(cfg)
    case.edit(edited)
    assert edited != cfg, f"{case.id}: the edit changed nothing"
    text = yaml.safe_dump(edited, sort_keys=False)
    assert case.yaml_has in text, f"{case.id}: {case.yaml_has!r} not in\n{text}"
    path = root / "config" / "bad.yaml"
    path.write_text(text)
    return str(path.relative_to(root))


def assert_refused(root: Path, before: dict, case: Case, *args: str) -> str:
    proc = snakemake(root, *args, "--configfile", write_case(root, case), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"{case.id}: snakemake {' '.join(args)} accepted it:\n{out}"
    assert "Invalid study config" in out, out
    # refused while loading: no job was scheduled, let alone run
    assert "Building DAG" not in out and "rule simulate" not in out, out
    for text in case.expect:
        assert text in out, f"{case.id}: {text!r} not in the message:\n{out}"
    after = snapshot(root)
    assert after.keys() == before.keys(), f"{case.id}: files under results/ came or went"
    changed = [k for k in before if after[k] != before[k]]
    assert not changed, f"{case.id}: changed under results/: {changed}"
    return out


def test_the_cases_are_distinct_and_many():
    assert len(CASES) >= 20
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_dry_run_refuses(study, case):
    root, before = study
    assert_refused(root, before, case, "-n")


REAL = [c for c in CASES if c.real_run]


@pytest.mark.parametrize("case", REAL, ids=[c.id for c in REAL])
def test_real_run_refuses(study, case):
    root, before = study
    assert_refused(root, before, case, "--cores", "1")


def test_the_quick_preset_itself_is_accepted(study):
    # the cases fail because of their one edit: the unedited preset passes (and is up to date)
    root, before = study
    proc = snakemake(root, "-n", "results/tables/simulations.csv", "--configfile", QUICK)
    assert "Nothing to be done" in proc.stdout + proc.stderr
    assert snapshot(root) == before
