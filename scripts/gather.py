"""Rule gather: check every job's files, join them -> <study>/tables/{simulations,curves}.csv."""

import logging

from momentumlab.jobfiles import gather_jobs
from momentumlab.joblog import to_log

to_log(snakemake.log[0])
i, o = snakemake.input, snakemake.output
n, m = gather_jobs(snakemake.params.jobs, i.sims, i.curves, i.sums, o.sims, o.curves)
logging.info("%d simulations, %d curve rows, every job file checked", n, m)
