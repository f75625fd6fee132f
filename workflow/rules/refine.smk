# Adaptive refinement (momentumlab.refine): after the coarse grid, each round is a checkpoint
# that proposes points around every chain's best (one chain per cross-fitting fold) and writes
# the search table; the new points become ordinary simulation jobs, planned from that table by
# the input functions below (never its input: an identical table rewritten reruns nothing).

from pathlib import Path

from momentumlab.refine import Settings, coarse_search, describe, refined_jobs
from momentumlab.tables import read_csv

REFINE = Settings.from_config(config)
SEARCH = f"{STUDY_DIR}/refine/round{{round}}.csv"  # the search table after each round
REFINED = {}  # path -> job of every refined job planned so far (job_params looks here)
print(describe(REFINE), file=sys.stderr)


def searched_jobs(round_):
    """The simulation jobs of every point searched up to ``round_`` (0: the coarse grid)."""
    if round_ <= 0:
        return PLAN.jobs
    table = checkpoints.refine.get(round=str(round_)).output[0]
    jobs = refined_jobs(read_csv(table), PLAN.jobs, config["points_per_job"])
    REFINED.update((j.path, j) for j in jobs)
    return PLAN.jobs + jobs


def study_jobs():
    """Every simulation job of the study, coarse then refined, in canonical order."""
    return searched_jobs(REFINE.rounds)


def study_outputs(suffix, round_=REFINE.rounds):
    """Every searched job's output of one kind (an input function's list)."""
    return [f"{SIM_ROOT}/{j.path}.{suffix}" for j in searched_jobs(round_)]


def search_table():
    """The final search table (none when refinement is off)."""
    return [SEARCH.format(round=REFINE.rounds)] if REFINE.rounds else []


def refined_job(path):
    """A refined job by its path, from the search tables on disk when not yet planned."""
    if path not in REFINED:
        for table in sorted(Path(f"{STUDY_DIR}/refine").glob("round*.csv")):
            REFINED.update((j.path, j) for j in refined_jobs(read_csv(table), PLAN.jobs,
                                                               config["points_per_job"]))  # fmt: skip
    if path not in REFINED:
        raise WorkflowError(f"{path}: not a job of this study's plan or of its refinement")
    return REFINED[path]


checkpoint refine:
    input:
        sims=lambda w: study_outputs("sims.csv", int(w.round) - 1),
        previous=lambda w: [SEARCH.format(round=int(w.round) - 1)] if int(w.round) > 1 else [],
    output:
        SEARCH,
    wildcard_constraints:
        round=r"[1-9][0-9]*",
    params:
        coarse=lambda w: coarse_search(PLAN.jobs) if int(w.round) == 1 else [],
        settings=REFINE.as_params(),
        objectives=list(config["objectives"]),
    log:
        f"{STUDY_DIR}/logs/refine/round{{round}}.log",
    benchmark:
        f"{STUDY_DIR}/benchmarks/refine/round{{round}}.tsv"
    conda:
        ENV
    script:
        "../../scripts/refine.py"
