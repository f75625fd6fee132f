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
include: "workflow/rules/studies.smk"


# Cheap aggregation jobs run in the main Snakemake process, not as cluster jobs (docs/cluster.md).
localrules: refine, gather, summarise, combine, lecture, study_figure, objective_figure, report, manifest, index, compare


# every path is under this study's folder results/<study>/ (STUDY_DIR, common.smk), but the
# index of all studies, results/index.html
rule all:
    input:
        f"{STUDY_DIR}/tables/simulations.csv",
        f"{STUDY_DIR}/tables/curves.csv",
        expand(f"{STUDY_DIR}/tables/{{name}}.csv", name=STATS_TABLES),
        f"{STUDY_DIR}/report/index.html",
        f"{STUDY_DIR}/{MANIFEST}",
        INDEX_HTML,
    default_target: True
