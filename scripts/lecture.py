"""Rule lecture: GD and momentum paths over 2-D contours -> trajectories.csv, landscape.csv."""

from momentumlab.joblog import to_log
from momentumlab.pipeline import lecture

to_log(snakemake.log[0])
p = snakemake.params
lecture(p.settings, p.objective_types, p.tol, *snakemake.output)
