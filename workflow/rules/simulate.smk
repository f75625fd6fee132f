# Simulation jobs (one batch of simulations each) and each objective's gather into its tables.


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


# one objective's jobs, each file checked against its job's spec and checksum before it is
# joined, -> tables/<objective>/{simulations,curves}.csv (rule combine makes the study's)
rule gather:
    input:
        sims=lambda w: job_outputs(w.objective, "sims.csv"),  # coarse + refined (refine.smk)
        curves=lambda w: job_outputs(w.objective, "curves.csv"),
        sums=lambda w: job_outputs(w.objective, "sha256"),
        search=lambda w: search_table(w.objective),
    output:
        sims=part("simulations"),
        curves=part("curves"),
    wildcard_constraints:
        objective=OBJECTIVE,
    params:
        jobs=lambda w: [expectation(job) for job in objective_jobs(w.objective)],
    log:
        f"{STUDY_DIR}/logs/gather/{{objective}}.log",
    benchmark:
        f"{STUDY_DIR}/benchmarks/gather/{{objective}}.tsv"
    conda:
        ENV
    script:
        "../../scripts/gather.py"
