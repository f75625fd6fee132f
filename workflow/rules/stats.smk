# Statistics: per-cell summaries, best tunings, paired comparisons, kappa-slopes, noise.

from momentumlab.catalogue import STATS_TABLES  # the table catalogue's lists


rule summarise:
    input:
        sims=f"{STUDY_DIR}/tables/simulations.csv",
    output:
        **{name: f"{STUDY_DIR}/tables/{name}.csv" for name in STATS_TABLES},
    params:
        settings=config["stats"],
    log:
        f"{STUDY_DIR}/logs/summarise.log",
    benchmark:
        f"{STUDY_DIR}/benchmarks/summarise.tsv"
    conda:
        ENV
    script:
        "../../scripts/summarise.py"
