# CtDB study: MultiTask per-subtask performance and psychometric curves, RandomTarget reaches
# and the flip-flop fixed points at the bit cube's corners. Its similarity suite (DSA,
# Procrustes, CKA) is generic: ../analysis.smk, ../tables.smk, ../figures.smk.
from taskdyn.studies.ctdb.analysis import DECISION_SUBTASKS

CTDB = STUDIES["ctdb"]
CTDB_TASKS_OF_KIND = {
    kind: [task for task, cfg in CTDB["tasks"].items() if cfg["kind"] == kind]
    for kind in ("multitask", "randomtarget")
}
# MultiTask tasks with a Decision subtask: those with psychometric curves
CTDB_DECISION_TASKS = [
    task
    for task in CTDB_TASKS_OF_KIND["multitask"]
    if set(CTDB["tasks"][task]["subtasks"]) & set(DECISION_SUBTASKS)
]


rule ctdb_make_multitask_table:
    input:
        evaluations=evaluations_of("ctdb"),
    output:
        table=report(
            "results/{run}/tables/ctdb/{task}/multitask_performance.csv",
            caption="../../report/ctdb_multitask_table.rst",
            category="ctdb",
            subcategory="{task}: tables",
        ),
    log:
        "logs/{run}/ctdb_make_multitask_table/{task}.log",
    benchmark:
        "benchmarks/{run}/ctdb_make_multitask_table/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "ctdb"),
    params:
        code=code_params("ctdb_make_multitask_table", study="ctdb"),
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
    benchmark:
        "benchmarks/{run}/ctdb_plot_multitask/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "ctdb"),
    params:
        code=code_params("ctdb_plot_multitask", study="ctdb"),
    script:
        "../../../scripts/ctdb_plot_multitask.py"


rule ctdb_make_psychometric_table:
    input:
        evaluations=evaluations_of("ctdb"),
    output:
        table=report(
            "results/{run}/tables/ctdb/{task}/psychometric.csv",
            caption="../../report/ctdb_psychometric_table.rst",
            category="ctdb",
            subcategory="{task}: tables",
        ),
    log:
        "logs/{run}/ctdb_make_psychometric_table/{task}.log",
    benchmark:
        "benchmarks/{run}/ctdb_make_psychometric_table/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "ctdb"),
    params:
        code=code_params("ctdb_make_psychometric_table", study="ctdb"),
    script:
        "../../../scripts/ctdb_make_psychometric_table.py"


rule ctdb_plot_psychometric:
    input:
        table=rules.ctdb_make_psychometric_table.output.table,
    output:
        pdf="results/{run}/figures/ctdb/{task}/psychometric.pdf",
        png=report(
            "results/{run}/figures/ctdb/{task}/psychometric.png",
            caption="../../report/ctdb_psychometric.rst",
            category="ctdb",
            subcategory="{task}: performance",
        ),
    log:
        "logs/{run}/ctdb_plot_psychometric/{task}.log",
    benchmark:
        "benchmarks/{run}/ctdb_plot_psychometric/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "ctdb"),
    params:
        code=code_params("ctdb_plot_psychometric", study="ctdb"),
    script:
        "../../../scripts/ctdb_plot_psychometric.py"


rule ctdb_make_reaching_table:
    input:
        evaluations=evaluations_of("ctdb"),
    output:
        table=report(
            "results/{run}/tables/ctdb/{task}/reaching.csv",
            caption="../../report/ctdb_reaching_table.rst",
            category="ctdb",
            subcategory="{task}: tables",
        ),
    log:
        "logs/{run}/ctdb_make_reaching_table/{task}.log",
    benchmark:
        "benchmarks/{run}/ctdb_make_reaching_table/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "ctdb"),
    params:
        code=code_params("ctdb_make_reaching_table", study="ctdb"),
    script:
        "../../../scripts/ctdb_make_reaching_table.py"


rule ctdb_plot_reaching:
    input:
        evaluations=evaluations_of("ctdb"),
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
    benchmark:
        "benchmarks/{run}/ctdb_plot_reaching/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "ctdb"),
    params:
        code=code_params("ctdb_plot_reaching", study="ctdb"),
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
    resources:
        **stage_resources("summary", "ctdb"),
    params:
        task=task_params("ctdb"),
        code=code_params("ctdb_make_fixed_point_table", study="ctdb"),
    script:
        "../../../scripts/ctdb_make_fixed_point_table.py"


rule ctdb_make_fixed_points_by_phase:
    input:
        fixed_points=lambda w: per_model(
            rules.find_fixed_points.output.fixed_points, "ctdb", w.task
        ),
    output:
        table=report(
            "results/{run}/tables/ctdb/{task}/fixed_points_by_phase.csv",
            caption="../../report/ctdb_fixed_points_by_phase_table.rst",
            category="ctdb",
            subcategory="{task}: tables",
        ),
    log:
        "logs/{run}/ctdb_make_fixed_points_by_phase/{task}.log",
    benchmark:
        "benchmarks/{run}/ctdb_make_fixed_points_by_phase/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "ctdb"),
    params:
        code=code_params("ctdb_make_fixed_points_by_phase", study="ctdb"),
    script:
        "../../../scripts/ctdb_make_fixed_points_by_phase.py"


rule ctdb_plot_fixed_points_by_phase:
    input:
        fixed_points=expand(
            rules.find_fixed_points.output.fixed_points,
            study="ctdb",
            allow_missing=True,
        ),
        evaluation=expand(
            rules.evaluate_model.output.evaluation, study="ctdb", allow_missing=True
        ),
    output:
        pdf="results/{run}/figures/ctdb/{task}/{model}/seed{seed}/fixed_points_by_phase.pdf",
        png=report(
            "results/{run}/figures/ctdb/{task}/{model}/seed{seed}/fixed_points_by_phase.png",
            caption="../../report/ctdb_fixed_points_by_phase.rst",
            category="ctdb",
            subcategory="{task}: fixed points",
            labels={
                "model": "{model}",
                "seed": "{seed}",
                "figure": "fixed points by phase",
            },
        ),
    log:
        "logs/{run}/ctdb_plot_fixed_points_by_phase/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/ctdb_plot_fixed_points_by_phase/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "ctdb"),
    params:
        code=code_params("ctdb_plot_fixed_points_by_phase", study="ctdb"),
    script:
        "../../../scripts/ctdb_plot_fixed_points_by_phase.py"


CTDB_PER_PHASE = (
    analysis_enabled("ctdb", "fixed_points")
    and CTDB["analyses"]["fixed_points"].get("inputs") == "per_phase"
)
if CTDB_PER_PHASE:
    for _task in CTDB_TASKS_OF_KIND["multitask"]:
        STUDY_TARGETS["ctdb"] += expand(
            rules.ctdb_make_fixed_points_by_phase.output.table, run=RUN, task=_task
        ) + per_model_first_seed(
            rules.ctdb_plot_fixed_points_by_phase.output.png, "ctdb", _task
        )


STUDY_TARGETS["ctdb"] += (
    expand(
        [
            rules.ctdb_make_multitask_table.output.table,
            rules.ctdb_plot_multitask.output.png,
        ],
        run=RUN,
        task=CTDB_TASKS_OF_KIND["multitask"],
    )
    + expand(
        [
            rules.ctdb_make_psychometric_table.output.table,
            rules.ctdb_plot_psychometric.output.png,
        ],
        run=RUN,
        task=CTDB_DECISION_TASKS,
    )
    + expand(
        [
            rules.ctdb_make_reaching_table.output.table,
            rules.ctdb_plot_reaching.output.png,
        ],
        run=RUN,
        task=CTDB_TASKS_OF_KIND["randomtarget"],
    )
)
