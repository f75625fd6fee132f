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
        f"{CACHE_DIR}/logs/simulate/{JOB_PATTERN}.log",
    benchmark:
        f"{CACHE_DIR}/benchmarks/simulate/{JOB_PATTERN}.tsv"
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
        sims=f"{STUDY_DIR}/tables/simulations.csv",
        curves=f"{STUDY_DIR}/tables/curves.csv",
    params:
        jobs=lambda w: [expectation(job) for job in study_jobs()],
    log:
        f"{STUDY_DIR}/logs/gather.log",
    benchmark:
        f"{STUDY_DIR}/benchmarks/gather.tsv"
    conda:
        ENV
    script:
        "../../scripts/gather.py"
