# momentumlab: when, and by how much, does gradient descent with momentum beat plain GD?
# This file only wires rules together; the rules live in workflow/rules/, the library in src/.

from snakemake.utils import min_version

min_version("9.0")


# config/config.yaml is the default study; a --configfile (e.g. a preset) replaces it rather
# than being merged into it, so a preset is exactly what it says.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/refine.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/stats.smk"
include: "workflow/rules/report.smk"


# Cheap aggregation jobs run in the main Snakemake process, not as cluster jobs (docs/cluster.md).
localrules: refine, gather, summarise, lecture, study_figure, objective_figure, report


rule all:
    input:
        "results/tables/simulations.csv",
        "results/tables/curves.csv",
        expand("results/tables/{name}.csv", name=STATS_TABLES),
        "results/report/index.html",
    default_target: True
