# Simulation jobs (one batch of simulations each) and the gather into tidy study tables.


rule simulate:
    output:
        sims="results/sims/{objective}/kappa_{kappa}/{method}/{shard}.sims.csv",
        curves="results/sims/{objective}/kappa_{kappa}/{method}/{shard}.curves.csv",
    params:
        job=job_params,
        numerics=NUMERICS,
    log:
        "results/logs/simulate/{objective}/kappa_{kappa}/{method}/{shard}.log",
    benchmark:
        "results/benchmarks/simulate/{objective}/kappa_{kappa}/{method}/{shard}.tsv"
    conda:
        ENV
    script:
        "../../scripts/simulate.py"


rule gather:
    input:
        sims=job_outputs("sims.csv"),
        curves=job_outputs("curves.csv"),
    output:
        sims="results/tables/simulations.csv",
        curves="results/tables/curves.csv",
    log:
        "results/logs/gather.log",
    benchmark:
        "results/benchmarks/gather.tsv"
    conda:
        ENV
    script:
        "../../scripts/gather.py"
