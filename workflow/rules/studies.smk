# The study as an output: its manifest (what made it) and the index of every study present.

from momentumlab.studies import manifest_paths


# results/<study>/study.json: table and numerics versions, config and hash, date, headline,
# every table's sha256; written last, so a study with a manifest is a finished one
rule manifest:
    input:
        tables=expand(f"{STUDY_DIR}/tables/{{name}}.csv", name=["simulations", "curves",
                      *STATS_TABLES, "trajectories", "landscape"]),
        report=f"{STUDY_DIR}/report/index.html",
    output:
        f"{STUDY_DIR}/{MANIFEST}",
    params:
        study=STUDY,
        config=config,
        config_files=CONFIG_FILES,
        versions=[momentumlab.TABLES_VERSION, NUMERICS],
    log:
        f"{STUDY_DIR}/logs/manifest.log",
    conda:
        ENV
    script:
        "../../scripts/manifest.py"


# results/index.html lists every study with a manifest; its inputs are those manifests, so any
# study's run (or a study appearing or going) regenerates it, and an up-to-date one is left be
rule index:
    input:
        manifest_paths(include=[f"{STUDY_DIR}/{MANIFEST}"]),
    output:
        INDEX_HTML,
    log:
        f"{STUDY_DIR}/logs/index.log",
    conda:
        ENV
    script:
        "../../scripts/index.py"


# snakemake results/compare/<A>-vs-<B>/index.html: two finished studies side by side (both
# folders under results/; for archives or other folders: python -m momentumlab compare)
rule compare:
    input:
        a=f"{RESULTS_DIR}/{{a}}/{MANIFEST}",
        b=f"{RESULTS_DIR}/{{b}}/{MANIFEST}",
    output:
        html=f"{RESULTS_DIR}/compare/{{a}}-vs-{{b}}/index.html",
        diff=f"{RESULTS_DIR}/compare/{{a}}-vs-{{b}}/diff.csv",
    wildcard_constraints:
        a=STUDY_NAME,
        b=STUDY_NAME,
    log:
        f"{RESULTS_DIR}/compare/{{a}}-vs-{{b}}/compare.log",
    conda:
        ENV
    script:
        "../../scripts/compare.py"
