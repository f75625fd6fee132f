# Statistics: per-cell summaries, best tunings, paired comparisons, kappa-slopes, noise.

from momentumlab.catalogue import STATS_TABLES  # the table catalogue's lists


rule summarise:
    input:
        sims=f"{STUDY_DIR}/tables/simulations.csv",
        search=search_table(),  # refine.smk: which fold's chain searched which point
    output:
        **{name: f"{STUDY_DIR}/tables/{name}.csv" for name in STATS_TABLES},
    params:
        settings=config["stats"],
        refine=REFINE.as_params(),
    log:
        f"{STUDY_DIR}/logs/summarise.log",
    benchmark:
        f"{STUDY_DIR}/benchmarks/summarise.tsv"
    conda:
        ENV
    script:
        "../../scripts/summarise.py"
