"""Rule summarise: an objective's simulations.csv -> its cells, best, comparisons, ... tables."""

from momentumlab.joblog import to_log
from momentumlab.pipeline import summarise_tables

to_log(snakemake.log[0])
i, p = snakemake.input, snakemake.params
search = i.search[0] if i.search else None
summarise_tables(i.sims, dict(snakemake.output.items()), p.settings, search, p.refine, False)
