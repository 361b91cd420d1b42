# CtDB study: similarity suite across all models of each task (DSA, Procrustes, CKA), MultiTask
# per-subtask performance, RandomTarget reaches and the flip-flop fixed points at the bit
# cube's corners. Generic stages live in ../*.smk.
CTDB = STUDIES["ctdb"]
CTDB_ANALYSES = CTDB["analyses"]


# Every model × seed evaluation of the job's task ({run} and {task} stay wildcards).
CTDB_EVALUATIONS = expand(
    rules.evaluate_model.output.evaluation,
    study="ctdb",
    model=CTDB["models"],
    seed=CTDB["seeds"],
    allow_missing=True,
)
# The pairwise-measure files of the enabled similarity analyses.
CTDB_SIMILARITY_RESULTS = [
    path
    for name, path in (
        ("dsa", "results/{run}/analysis/ctdb/{task}/dsa.h5"),
        ("similarity", "results/{run}/analysis/ctdb/{task}/shape_similarity.h5"),
    )
    if name in CTDB_ANALYSES
]
CTDB_TASKS_OF_KIND = {
    kind: [task for task, cfg in CTDB["tasks"].items() if cfg["kind"] == kind]
    for kind in ("multitask", "randomtarget")
}


rule ctdb_compute_dsa:
    input:
        evaluations=CTDB_EVALUATIONS,
    output:
        dsa="results/{run}/analysis/ctdb/{task}/dsa.h5",
    log:
        "logs/{run}/ctdb_compute_dsa/{task}.log",
    benchmark:
        "benchmarks/{run}/ctdb_compute_dsa/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        analysis=canonical_json(CTDB_ANALYSES.get("dsa", {})),
    script:
        "../../../scripts/ctdb_compute_dsa.py"


rule ctdb_compute_shape_similarity:
    input:
        evaluations=CTDB_EVALUATIONS,
    output:
        similarity="results/{run}/analysis/ctdb/{task}/shape_similarity.h5",
    log:
        "logs/{run}/ctdb_compute_shape_similarity/{task}.log",
    benchmark:
        "benchmarks/{run}/ctdb_compute_shape_similarity/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        analysis=canonical_json(CTDB_ANALYSES.get("similarity", {})),
    script:
        "../../../scripts/ctdb_compute_shape_similarity.py"


rule ctdb_make_similarity_tables:
    input:
        results=CTDB_SIMILARITY_RESULTS,
    output:
        pairs=report(
            "results/{run}/tables/ctdb/{task}/similarity_pairs.csv",
            caption="../../report/ctdb_similarity_table.rst",
            category="ctdb",
            subcategory="{task}: model similarity",
        ),
        embedding="results/{run}/tables/ctdb/{task}/similarity_mds.csv",
        summary=report(
            "results/{run}/tables/ctdb/{task}/similarity_summary.csv",
            caption="../../report/ctdb_similarity_summary.rst",
            category="ctdb",
            subcategory="{task}: model similarity",
        ),
    log:
        "logs/{run}/ctdb_make_similarity_tables/{task}.log",
    conda:
        "../../../envs/taskdyn.yaml"
    script:
        "../../../scripts/ctdb_make_similarity_tables.py"


rule ctdb_plot_similarity:
    input:
        pairs=rules.ctdb_make_similarity_tables.output.pairs,
        embedding=rules.ctdb_make_similarity_tables.output.embedding,
    output:
        pdf="results/{run}/figures/ctdb/{task}/similarity.pdf",
        png=report(
            "results/{run}/figures/ctdb/{task}/similarity.png",
            caption="../../report/ctdb_similarity.rst",
            category="ctdb",
            subcategory="{task}: model similarity",
        ),
    log:
        "logs/{run}/ctdb_plot_similarity/{task}.log",
    conda:
        "../../../envs/taskdyn.yaml"
    script:
        "../../../scripts/ctdb_plot_similarity.py"


rule ctdb_make_multitask_table:
    input:
        evaluations=CTDB_EVALUATIONS,
    output:
        table=report(
            "results/{run}/tables/ctdb/{task}/multitask_performance.csv",
            caption="../../report/ctdb_multitask_table.rst",
            category="ctdb",
            subcategory="{task}: tables",
        ),
    log:
        "logs/{run}/ctdb_make_multitask_table/{task}.log",
    conda:
        "../../../envs/taskdyn.yaml"
    script:
        "../../../scripts/ctdb_make_multitask_table.py"


rule ctdb_plot_multitask:
    input:
        table=rules.ctdb_make_multitask_table.output.table,
    output:
        pdf="results/{run}/figures/ctdb/{task}/multitask_performance.pdf",
        png=report(
            "results/{run}/figures/ctdb/{task}/multitask_performance.png",
            caption="../../report/ctdb_multitask.rst",
            category="ctdb",
            subcategory="{task}: performance",
        ),
    log:
        "logs/{run}/ctdb_plot_multitask/{task}.log",
    conda:
        "../../../envs/taskdyn.yaml"
    script:
        "../../../scripts/ctdb_plot_multitask.py"


rule ctdb_make_reaching_table:
    input:
        evaluations=CTDB_EVALUATIONS,
    output:
        table=report(
            "results/{run}/tables/ctdb/{task}/reaching.csv",
            caption="../../report/ctdb_reaching_table.rst",
            category="ctdb",
            subcategory="{task}: tables",
        ),
    log:
        "logs/{run}/ctdb_make_reaching_table/{task}.log",
    conda:
        "../../../envs/taskdyn.yaml"
    script:
        "../../../scripts/ctdb_make_reaching_table.py"


rule ctdb_plot_reaching:
    input:
        evaluations=CTDB_EVALUATIONS,
    output:
        pdf="results/{run}/figures/ctdb/{task}/reaching.pdf",
        png=report(
            "results/{run}/figures/ctdb/{task}/reaching.png",
            caption="../../report/ctdb_reaching.rst",
            category="ctdb",
            subcategory="{task}: performance",
        ),
    log:
        "logs/{run}/ctdb_plot_reaching/{task}.log",
    conda:
        "../../../envs/taskdyn.yaml"
    script:
        "../../../scripts/ctdb_plot_reaching.py"


rule ctdb_make_fixed_point_table:
    input:
        fixed_points=lambda w: per_model(
            rules.find_fixed_points.output.fixed_points, "ctdb", w.task
        ),
    output:
        table=report(
            "results/{run}/tables/ctdb/{task}/fixed_point_corners.csv",
            caption="../../report/ctdb_fixed_point_table.rst",
            category="ctdb",
            subcategory="{task}: tables",
        ),
    log:
        "logs/{run}/ctdb_make_fixed_point_table/{task}.log",
    benchmark:
        "benchmarks/{run}/ctdb_make_fixed_point_table/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        task=lambda w: canonical_json(CTDB["tasks"][w.task]),
    script:
        "../../../scripts/ctdb_make_fixed_point_table.py"


if "dsa" in CTDB_ANALYSES or "similarity" in CTDB_ANALYSES:
    STUDY_TARGETS.extend(
        expand(
            rules.ctdb_make_similarity_tables.output.summary,
            run=RUN,
            task=CTDB["tasks"],
        )
        + expand(rules.ctdb_plot_similarity.output.png, run=RUN, task=CTDB["tasks"])
    )
STUDY_TARGETS.extend(
    expand(
        [rules.ctdb_make_multitask_table.output.table, rules.ctdb_plot_multitask.output.png],
        run=RUN,
        task=CTDB_TASKS_OF_KIND["multitask"],
    )
)
STUDY_TARGETS.extend(
    expand(
        [rules.ctdb_make_reaching_table.output.table, rules.ctdb_plot_reaching.output.png],
        run=RUN,
        task=CTDB_TASKS_OF_KIND["randomtarget"],
    )
)
