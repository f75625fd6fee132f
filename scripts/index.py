"""Rule index: every study's manifest -> results/index.html."""

import logging

from momentumlab.joblog import to_log
from momentumlab.studies import write_index

to_log(snakemake.log[0])
logging.info("%d studies listed", write_index(list(snakemake.input), snakemake.output[0]))
