# The lecture picture and the HTML report, the workflow's final target.

REPORT_DOWNLOADS = ["best", "comparisons", "cells", "slopes", "status_counts"]
REPORT_INPUT_TABLES = [*STATS_TABLES, "curves", "trajectories", "landscape"]
RUN_STARTED = "results/logs/run_started.txt"


onstart:
    mark_run_started(RUN_STARTED)


rule lecture:
    output:
        trajectories="results/tables/trajectories.csv",
        landscape="results/tables/landscape.csv",
    params:
        settings=config["lecture"],
        numerics=NUMERICS,
    log:
        "results/logs/lecture.log",
    benchmark:
        "results/benchmarks/lecture.tsv"
    conda:
        ENV
    script:
        "../../scripts/lecture.py"


rule report:
    input:
        tables=expand("results/tables/{name}.csv", name=REPORT_INPUT_TABLES),
        templates=["report/templates/report.html.j2", "report/templates/macros.html.j2",
                   "report/templates/report.css", "report/templates/explorer.html.j2",
                   "report/templates/explorer.js", "report/templates/explorer.css"],
        jobs=job_outputs("sims.csv"),
    output:
        html="results/report/index.html",
        figures=report(
            directory("results/report/figures"),
            patterns=["{name}.png"],
            category="Figures",
            caption="../../report/figures.rst",
        ),
        downloads=expand("results/report/tables/{name}.csv", name=REPORT_DOWNLOADS),
    params:
        config=config,
        config_files=CONFIG_FILES,
        started=RUN_STARTED,
        benchmarks="results/benchmarks",
        downloads=REPORT_DOWNLOADS,
    log:
        "results/logs/report.log",
    benchmark:
        "results/benchmarks/report.tsv"
    conda:
        ENV
    script:
        "../../scripts/report.py"
