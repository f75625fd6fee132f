"""Rule summarise: simulations.csv -> cells, best, comparisons, slopes, status_counts."""

from momentumlab.joblog import to_log
from momentumlab.pipeline import summarise_tables

to_log(snakemake.log[0])
summarise_tables(snakemake.input.sims, dict(snakemake.output.items()), snakemake.params.settings)
