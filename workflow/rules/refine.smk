# Adaptive refinement (momentumlab.refine), one objective at a time: after the coarse grid,
# each (objective, round) is a checkpoint that proposes points around every chain's best (one
# chain per cross-fitting fold) and writes that objective's search table; the new points become
# ordinary simulation jobs, planned from that table by the input functions below (never its
# input: an identical table rewritten reruns nothing). An objective's round depends on its own
# jobs only, so one objective's rounds run while another's simulations still do.

from pathlib import Path

from momentumlab import catalogue
from momentumlab.refine import Settings, coarse_search, describe, refined_jobs

REFINE = Settings.from_config(config)
OBJECTIVES = list(config["objectives"])  # config order: the study's order of objectives
COARSE = {o: [j for j in PLAN.jobs if j.objective == o] for o in OBJECTIVES}  # plan order
ROUNDS = list(range(1, REFINE.rounds + 1))
SEARCH = f"{STUDY_DIR}/refine/{{objective}}/round{{round}}.csv"  # an objective's, after a round
STUDY_SEARCH = f"{STUDY_DIR}/refine/round{{round}}.csv"  # every objective's (rule combine)
REFINED = {}  # path -> job of every refined job planned so far (job_params looks here)
print(describe(REFINE), file=sys.stderr)


def searched_jobs(objective, round_):
    """One objective's simulation jobs of every point searched up to ``round_`` (0: the coarse
    grid), coarse then refined, in canonical order."""
    if round_ <= 0:
        return COARSE[objective]
    table = checkpoints.refine.get(objective=objective, round=str(round_)).output[0]
    jobs = refined_jobs(catalogue.read(table, "search"), COARSE[objective], config["points_per_job"])
    REFINED.update((j.path, j) for j in jobs)
    return COARSE[objective] + jobs


def objective_jobs(objective):
    """Every simulation job of one objective, coarse then refined."""
    return searched_jobs(objective, REFINE.rounds)


def study_jobs():
    """Every simulation job of the study in its canonical order: the plan's coarse jobs, then
    each objective's refined ones (config order): the order of the study-wide tables' rows."""
    refined = [j for o in OBJECTIVES for j in objective_jobs(o)[len(COARSE[o]) :]]
    return PLAN.jobs + refined


def job_outputs(objective, suffix, round_=REFINE.rounds):
    """One objective's searched jobs' outputs of one kind (an input function's list)."""
    return [f"{SIM_ROOT}/{j.path}.{suffix}" for j in searched_jobs(objective, round_)]


def study_outputs(suffix):
    """Every job's output of one kind, in the study's order."""
    return [f"{SIM_ROOT}/{j.path}.{suffix}" for j in study_jobs()]


def search_table(objective):
    """An objective's final search table (none when refinement is off)."""
    return [SEARCH.format(objective=objective, round=REFINE.rounds)] if REFINE.rounds else []


def search_tables():
    """Every objective's search table of every round, objective by objective. Asked through
    the final rounds' checkpoints first, as study_jobs() asks them, so that a rule whose params
    plan from them (rule combine) is judged once they are known, never on a first guess."""
    for o in OBJECTIVES if ROUNDS else []:
        checkpoints.refine.get(objective=o, round=str(REFINE.rounds))
    return [SEARCH.format(objective=o, round=r) for o in OBJECTIVES for r in ROUNDS]


def refined_job(path):
    """A refined job by its path. In the main process the input functions planned it already
    (REFINED, from the checkpoints' outputs). A fresh Snakemake that runs one job by its path
    (a cluster node's) plans it again from its objective's search tables on disk, rounds
    1..refine.rounds. That cannot be stale: a path ends in a digest of every parameter of its
    job (naming.job_key, the numerics version among them), so whichever table, even one an
    earlier config left, plans a job with that path plans exactly that path's job; a path no
    table plans is refused."""
    objective = path.split("/", 1)[0]
    if path not in REFINED and objective in COARSE:
        for r in ROUNDS:
            table = Path(SEARCH.format(objective=objective, round=r))
            if table.is_file():
                jobs = refined_jobs(catalogue.read(table, "search"), COARSE[objective],
                                    config["points_per_job"])  # fmt: skip
                REFINED.update((j.path, j) for j in jobs)
    if path not in REFINED:
        raise WorkflowError(f"{path}: not a job of this study's plan or of its refinement")
    return REFINED[path]


checkpoint refine:
    input:
        sims=lambda w: job_outputs(w.objective, "sims.csv", int(w.round) - 1),
        curves=lambda w: job_outputs(w.objective, "curves.csv", int(w.round) - 1),
        sums=lambda w: job_outputs(w.objective, "sha256", int(w.round) - 1),
        previous=lambda w: [SEARCH.format(objective=w.objective, round=int(w.round) - 1)]
        if int(w.round) > 1
        else [],
    output:
        SEARCH,
    wildcard_constraints:
        objective=OBJECTIVE,
        round=r"[1-9][0-9]*",
    params:
        jobs=lambda w: [expectation(j) for j in searched_jobs(w.objective, int(w.round) - 1)],
        coarse=lambda w: coarse_search(COARSE[w.objective]) if int(w.round) == 1 else [],
        settings=REFINE.as_params(),
    log:
        f"{STUDY_DIR}/logs/refine/{{objective}}/round{{round}}.log",
    benchmark:
        f"{STUDY_DIR}/benchmarks/refine/{{objective}}/round{{round}}.tsv"
    conda:
        ENV
    script:
        "../../scripts/refine.py"
