"""Checkpoint refine: one objective's job files (checked) -> its next round's search table."""

import logging

from momentumlab.joblog import to_log
from momentumlab.pipeline import refine_round

to_log(snakemake.log[0])
i, p, w = snakemake.input, snakemake.params, snakemake.wildcards
prev = i.previous[0] if i.previous else None
n = refine_round(w.round, p.jobs, i.sims, i.curves, i.sums, prev, p.coarse, p.settings,
                 [w.objective], snakemake.output[0])  # fmt: skip
logging.info("%s, round %s: %d new points", w.objective, w.round, n)
