"""Rule simulate: one batch of simulations -> its tidy job tables and their checksums."""

import logging

from momentumlab.joblog import to_log
from momentumlab.study import run_job

to_log(snakemake.log[0])
logging.info("job %s", snakemake.params.job)
out = snakemake.output
run_job(snakemake.params.job, out.sims, out.curves, out.sums)
logging.info("done")
