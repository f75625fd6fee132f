"""Rule compare: two studies' folders -> results/compare/<A>-vs-<B>/{index.html,diff.csv}."""

import logging
from pathlib import Path

from momentumlab.compare import compare, write_comparison
from momentumlab.joblog import to_log

to_log(snakemake.log[0])
a, b, config, rows = compare(Path(snakemake.input.a).parent, Path(snakemake.input.b).parent)
logging.info("%s", write_comparison(a, b, config, rows, Path(snakemake.output.html).parent))
