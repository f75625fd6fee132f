# The lecture picture, the figures (one job each, in parallel) and the HTML report, which only
# assembles them: the workflow's final target.

from momentumlab.catalogue import REPORT_DOWNLOADS  # the table catalogue's list
from momentumlab.report.jobs import (
    OBJECTIVE_FIGURES,
    SETTINGS_FREE,
    STUDY_FIGURES,
    benchmark_files,
    figure_names,
    figure_settings,
    report_caption,
)

BENCHMARK_ROOTS = [f"{STUDY_DIR}/benchmarks", f"{CACHE_DIR}/benchmarks"]


rule lecture:
    output:
        trajectories=f"{STUDY_DIR}/tables/trajectories.csv",
        landscape=f"{STUDY_DIR}/tables/landscape.csv",
    params:
        settings=config["lecture"],
        objective_types=sorted({spec["type"] for spec in config["objectives"].values()}),
        tol=config["tol"],
        numerics=NUMERICS,
    log:
        f"{STUDY_DIR}/logs/lecture.log",
    benchmark:
        f"{STUDY_DIR}/benchmarks/lecture.tsv"
    conda:
        ENV
    script:
        "../../scripts/lecture.py"


rule study_figure:
    input:
        lambda w: expand(f"{STUDY_DIR}/tables/{{name}}.csv", name=STUDY_FIGURES[w.kind]),
    output:
        png=report(
            f"{STUDY_DIR}/report/figures/{{kind}}.png",
            category="Figures",
            subcategory="Across objectives",
            caption="../../report/figures.rst",
        ),
        meta=f"{STUDY_DIR}/report/figures/{{kind}}.json",
    wildcard_constraints:
        kind="|".join(STUDY_FIGURES),
    params:
        config=lambda w: {} if w.kind in SETTINGS_FREE else figure_settings(config),
        objectives=lambda w: [] if w.kind in SETTINGS_FREE else OBJECTIVES,
        caption=lambda w: report_caption(w.kind),
    log:
        f"{STUDY_DIR}/logs/figures/{{kind}}.log",
    benchmark:
        f"{STUDY_DIR}/benchmarks/figures/{{kind}}.tsv"
    conda:
        ENV
    script:
        "../../scripts/figure.py"


rule objective_figure:
    input:
        lambda w: [part(name, w.objective) for name in OBJECTIVE_FIGURES[w.kind]],  # its own
    output:
        png=report(
            f"{STUDY_DIR}/report/figures/{{kind}}-{{objective}}.png",
            category="Figures",
            subcategory="{objective}",
            caption="../../report/figures.rst",
        ),
        meta=f"{STUDY_DIR}/report/figures/{{kind}}-{{objective}}.json",
    wildcard_constraints:
        kind="|".join(OBJECTIVE_FIGURES),
        objective=OBJECTIVE,
    params:
        config=lambda w: figure_settings(config, w.objective),
        objectives=lambda w: [w.objective],
        caption=lambda w: report_caption(w.kind, w.objective),
    log:
        f"{STUDY_DIR}/logs/figures/{{kind}}-{{objective}}.log",
    benchmark:
        f"{STUDY_DIR}/benchmarks/figures/{{kind}}-{{objective}}.tsv"
    conda:
        ENV
    script:
        "../../scripts/figure.py"


rule report:
    input:
        tables=expand(f"{STUDY_DIR}/tables/{{name}}.csv", name=STATS_TABLES),
        figures=expand(
            f"{STUDY_DIR}/report/figures/{{name}}.{{ext}}",
            name=figure_names(config["objectives"]),
            ext=["json", "png"],
        ),
        templates=["report/templates/report.html.j2", "report/templates/macros.html.j2",
                   "report/templates/report.css", "report/templates/explorer.html.j2",
                   "report/templates/explorer.js", "report/templates/explorer.css"],
        jobs=lambda w: study_outputs("sims.csv"),  # coarse + refined (refine.smk)
        benchmarks=lambda w: benchmark_files(
            *BENCHMARK_ROOTS, [j.path for j in study_jobs()], OBJECTIVES, ROUNDS
        ),
    output:
        html=f"{STUDY_DIR}/report/index.html",
        downloads=expand(f"{STUDY_DIR}/report/tables/{{name}}.csv", name=REPORT_DOWNLOADS),
    params:
        config=config,
        config_files=CONFIG_FILES,
        downloads=REPORT_DOWNLOADS,
        benchmark_roots=BENCHMARK_ROOTS,
    log:
        f"{STUDY_DIR}/logs/report.log",
    benchmark:
        f"{STUDY_DIR}/benchmarks/report.tsv"
    conda:
        ENV
    script:
        "../../scripts/report.py"
