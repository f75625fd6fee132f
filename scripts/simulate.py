"""Rule simulate: one batch of simulations -> its tidy job tables."""

import logging

from momentumlab.joblog import to_log
from momentumlab.study import run_job

to_log(snakemake.log[0])
logging.info("job %s", snakemake.params.job)
run_job(snakemake.params.job, snakemake.output.sims, snakemake.output.curves)
logging.info("done")
