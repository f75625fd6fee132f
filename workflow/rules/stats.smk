# Statistics: per-cell summaries, best tunings, paired comparisons, kappa-slopes, noise.

from momentumlab.catalogue import STATS_TABLES  # the table catalogue's lists


rule summarise:
    input:
        sims="results/tables/simulations.csv",
        search=search_table(),  # refine.smk: which fold's chain searched which point
    output:
        **{name: f"results/tables/{name}.csv" for name in STATS_TABLES},
    params:
        settings=config["stats"],
        refine=REFINE.as_params(),
    log:
        "results/logs/summarise.log",
    benchmark:
        "results/benchmarks/summarise.tsv"
    conda:
        ENV
    script:
        "../../scripts/summarise.py"
