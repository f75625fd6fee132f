# Simulation jobs (one batch of simulations each) and the gather into tidy study tables.


rule simulate:
    output:
        sims=f"{SIM_OUTPUT}.sims.csv",
        curves=f"{SIM_OUTPUT}.curves.csv",
        sums=f"{SIM_OUTPUT}.sha256",
    params:
        job=job_params,
        numerics=NUMERICS,
    log:
        f"results/logs/simulate/{JOB_PATTERN}.log",
    benchmark:
        f"results/benchmarks/simulate/{JOB_PATTERN}.tsv"
    conda:
        ENV
    script:
        "../../scripts/simulate.py"


# every job file is checked against its job's spec and checksum before it is joined
rule gather:
    input:
        sims=lambda w: study_outputs("sims.csv"),  # coarse + refined jobs (refine.smk)
        curves=lambda w: study_outputs("curves.csv"),
        sums=lambda w: study_outputs("sha256"),
        search=search_table(),
    output:
        sims="results/tables/simulations.csv",
        curves="results/tables/curves.csv",
    params:
        jobs=lambda w: [expectation(job) for job in study_jobs()],
    log:
        "results/logs/gather.log",
    benchmark:
        "results/benchmarks/gather.tsv"
    conda:
        ENV
    script:
        "../../scripts/gather.py"
