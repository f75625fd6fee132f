"""Checkpoint refine: the rows of every point searched so far -> the next round's search table."""

import logging

from momentumlab.joblog import to_log
from momentumlab.refine import run_round

to_log(snakemake.log[0])
i, p = snakemake.input, snakemake.params
prev = i.previous[0] if i.previous else None
n = run_round(snakemake.wildcards.round, i.sims, prev, p.coarse, p.settings, p.objectives,
              snakemake.output[0])  # fmt: skip
logging.info("round %s: %d new points", snakemake.wildcards.round, n)
