"""Rule manifest: the study's tables and report -> results/<study>/study.json."""

from pathlib import Path

from momentumlab.joblog import to_log
from momentumlab.studies import write_manifest

to_log(snakemake.log[0])
p = snakemake.params
write_manifest(
    snakemake.output[0], study=p.study, config=p.config, config_files=p.config_files,
    tables_dir=Path(snakemake.input.tables[0]).parent, report_html=snakemake.input.report,
)  # fmt: skip
