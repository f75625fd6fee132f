# Statistics per objective (per-cell summaries, best tunings, paired comparisons, kappa-slopes,
# noise), then the cheap combine into the study-wide tables: the one cross-objective step.

from momentumlab.catalogue import STATS_TABLES  # the table catalogue's lists
from momentumlab.catalogue import JOB_TABLES


rule summarise:
    input:
        sims=part("simulations"),
        search=lambda w: search_table(w.objective),  # refine.smk: which fold's chain searched what
    output:
        **{name: part(name) for name in STATS_TABLES},
    wildcard_constraints:
        objective=OBJECTIVE,
    params:
        settings=config["stats"],
        refine=REFINE.as_params(),
    log:
        f"{STUDY_DIR}/logs/summarise/{{objective}}.log",
    benchmark:
        f"{STUDY_DIR}/benchmarks/summarise/{{objective}}.tsv"
    conda:
        ENV
    script:
        "../../scripts/summarise.py"


# the objectives' tables -> the study's tables/<name>.csv and refine/round<r>.csv: rows moved
# into the study's order, and the Holm adjustment over every comparison of the study
rule combine:
    input:
        parts=[part(n, o) for o in OBJECTIVES for n in JOB_TABLES + STATS_TABLES],
        searches=lambda w: search_tables(),  # refine.smk
    output:
        **{name: f"{STUDY_DIR}/tables/{name}.csv" for name in JOB_TABLES + STATS_TABLES},
        searches=expand(STUDY_SEARCH, round=ROUNDS),
    params:
        objectives=OBJECTIVES,
        names=JOB_TABLES + STATS_TABLES,
        order=lambda w: [[j.objective, *expectation(j)["rows"].values()] for j in study_jobs()],
        confidence=config["stats"]["confidence"],
    log:
        f"{STUDY_DIR}/logs/combine.log",
    benchmark:
        f"{STUDY_DIR}/benchmarks/combine.tsv"
    conda:
        ENV
    script:
        "../../scripts/combine.py"
