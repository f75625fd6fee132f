"""Rule combine: every objective's tables -> the study's tables/<name>.csv, refine/round<r>.csv."""

import logging

from momentumlab.joblog import to_log
from momentumlab.pipeline import combine_tables

to_log(snakemake.log[0])
i, o, p = snakemake.input, snakemake.output, snakemake.params
outputs = {name: o[name] for name in p.names}
combine_tables(p.objectives, p.names, i.parts, p.order, outputs, p.confidence, i.searches,
               o.searches)  # fmt: skip
logging.info("%d objectives, %d jobs, %d search tables", len(p.objectives), len(p.order),
             len(o.searches))  # fmt: skip
