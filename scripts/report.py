"""Rule report: the tables and the figure jobs' figures -> results/<study>/report/index.html."""

from pathlib import Path

from momentumlab.joblog import to_log
from momentumlab.pipeline import report

to_log(snakemake.log[0])
report(
    tables_dir=str(Path(snakemake.input.tables[0]).parent),
    templates_dir=str(Path(snakemake.input.templates[0]).parent),
    out_html=snakemake.output.html,
    figures_dir=str(Path(snakemake.input.figures[0]).parent),
    config=snakemake.params.config,
    config_files=snakemake.params.config_files,
    benchmarks_dir=snakemake.params.benchmark_roots,
    benchmark_files=list(snakemake.input.benchmarks),
    job_outputs=list(snakemake.input.jobs),
    downloads=snakemake.params.downloads,
)
