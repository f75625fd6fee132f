"""Rules study_figure, objective_figure: the tables one figure needs -> <name>.png + .json."""

from pathlib import Path

from momentumlab.joblog import to_log
from momentumlab.report.jobs import figure_job

to_log(snakemake.log[0])
w, p = snakemake.wildcards, snakemake.params
tables_dir = str(Path(snakemake.input[0]).parent)
figure_job(w.kind, w.get("objective"), tables_dir, p.config, p.objectives, *snakemake.output)
