"""Rule gather: job tables (in canonical job order) -> results/tables/{simulations,curves}.csv."""

import logging

from momentumlab.joblog import to_log
from momentumlab.study import gather

to_log(snakemake.log[0])
n = gather(list(snakemake.input.sims), snakemake.output.sims)
logging.info("%d simulations", n)
m = gather(list(snakemake.input.curves), snakemake.output.curves)
logging.info("%d curve rows", m)
