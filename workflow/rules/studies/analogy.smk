# Emergent-analogy study: long tables of every run's training dynamics and the figures drawn
# from them. Config validation has made the sweep points models and tasks of the generic scheme
# (taskdyn.config.expand_study).
from taskdyn.studies.analogy.sweep import sweep_points

ANALOGY = STUDIES["analogy"]
ANALOGY_RUNS = study_runs("analogy")
ANALOGY_POINTS = sweep_points(ANALOGY)
ANALOGY_HISTORIES = [
    rules.train_model.output.history.format(
        run="{run}", study="analogy", task=task, model=model, seed=seed
    )
    for task, model, seed in ANALOGY_RUNS
]


rule analogy_make_tables:
    input:
        histories=ANALOGY_HISTORIES,
    output:
        dynamics="results/{run}/tables/analogy/dynamics.csv",
        final=report(
            "results/{run}/tables/analogy/final_metrics.csv",
            caption="../../report/analogy_final_metrics.rst",
            category="analogy",
            subcategory="tables",
        ),
        crossings=report(
            "results/{run}/tables/analogy/threshold_epochs.csv",
            caption="../../report/analogy_threshold_epochs.rst",
            category="analogy",
            subcategory="tables",
        ),
        stages=report(
            "results/{run}/tables/analogy/stage_order.csv",
            caption="../../report/analogy_stage_order.rst",
            category="analogy",
            subcategory="tables",
        ),
        mechanism=report(
            "results/{run}/tables/analogy/mechanism.csv",
            caption="../../report/analogy_mechanism_table.rst",
            category="analogy",
            subcategory="tables",
        ),
    log:
        "logs/{run}/analogy_make_tables.log",
    benchmark:
        "benchmarks/{run}/analogy_make_tables.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "analogy"),
    params:
        runs=derived_params(study_runs, "analogy"),
        dynamics=analysis_params("dynamics", "analogy"),
        mechanism=analysis_params("mechanism", "analogy"),
        code=code_params("analogy_make_tables", study="analogy"),
    script:
        "../../../scripts/analogy_make_tables.py"


rule analogy_make_statistics:
    input:
        dynamics=rules.analogy_make_tables.output.dynamics,
        crossings=rules.analogy_make_tables.output.crossings,
    output:
        stages=report(
            "results/{run}/tables/analogy/stage_statistics.csv",
            caption="../../report/analogy_stage_statistics.rst",
            category="analogy",
            subcategory="tables",
        ),
        energy=report(
            "results/{run}/tables/analogy/energy_statistics.csv",
            caption="../../report/analogy_energy_statistics.rst",
            category="analogy",
            subcategory="tables",
        ),
    log:
        "logs/{run}/analogy_make_statistics.log",
    benchmark:
        "benchmarks/{run}/analogy_make_statistics.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "analogy"),
    params:
        dynamics=analysis_params("dynamics", "analogy"),
        code=code_params("analogy_make_statistics", study="analogy"),
    script:
        "../../../scripts/analogy_make_statistics.py"


rule analogy_plot_dynamics:
    input:
        table=rules.analogy_make_tables.output.dynamics,
        crossings=rules.analogy_make_tables.output.crossings,
    output:
        pdf="results/{run}/figures/analogy/{task}/{model}/dynamics.pdf",
        png=report(
            "results/{run}/figures/analogy/{task}/{model}/dynamics.png",
            caption="../../report/analogy_dynamics.rst",
            category="analogy",
            subcategory="{task}: training dynamics",
            labels={"model": "{model}", "figure": "dynamics"},
        ),
    log:
        "logs/{run}/analogy_plot_dynamics/{task}/{model}.log",
    benchmark:
        "benchmarks/{run}/analogy_plot_dynamics/{task}/{model}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "analogy"),
    params:
        code=code_params("analogy_plot_dynamics", study="analogy"),
    script:
        "../../../scripts/analogy_plot_dynamics.py"


rule analogy_plot_energy:
    input:
        table=rules.analogy_make_tables.output.dynamics,
        statistics=rules.analogy_make_statistics.output.energy,
    output:
        pdf="results/{run}/figures/analogy/{task}/{model}/energy.pdf",
        png=report(
            "results/{run}/figures/analogy/{task}/{model}/energy.png",
            caption="../../report/analogy_energy.rst",
            category="analogy",
            subcategory="{task}: Dirichlet energy",
            labels={"model": "{model}", "figure": "energy"},
        ),
    log:
        "logs/{run}/analogy_plot_energy/{task}/{model}.log",
    benchmark:
        "benchmarks/{run}/analogy_plot_energy/{task}/{model}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "analogy"),
    params:
        code=code_params("analogy_plot_energy", study="analogy"),
    script:
        "../../../scripts/analogy_plot_energy.py"


rule analogy_plot_mechanism:
    input:
        mechanism=rules.analogy_make_tables.output.mechanism,
        dynamics=rules.analogy_make_tables.output.dynamics,
        crossings=rules.analogy_make_tables.output.crossings,
        stages=rules.analogy_make_tables.output.stages,
    output:
        pdf="results/{run}/figures/analogy/{task}/{model}/mechanism.pdf",
        png=report(
            "results/{run}/figures/analogy/{task}/{model}/mechanism.png",
            caption="../../report/analogy_mechanism.rst",
            category="analogy",
            subcategory="{task}: functor mechanism",
            labels={"model": "{model}", "figure": "mechanism"},
        ),
    log:
        "logs/{run}/analogy_plot_mechanism/{task}/{model}.log",
    benchmark:
        "benchmarks/{run}/analogy_plot_mechanism/{task}/{model}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "analogy"),
    params:
        code=code_params("analogy_plot_mechanism", study="analogy"),
    script:
        "../../../scripts/analogy_plot_mechanism.py"


rule analogy_plot_sweep:
    input:
        final=rules.analogy_make_tables.output.final,
    output:
        pdf="results/{run}/figures/analogy/sweep.pdf",
        png=report(
            "results/{run}/figures/analogy/sweep.png",
            caption="../../report/analogy_sweep.rst",
            category="analogy",
            subcategory="sweeps",
        ),
    log:
        "logs/{run}/analogy_plot_sweep.log",
    benchmark:
        "benchmarks/{run}/analogy_plot_sweep.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "analogy"),
    params:
        points=derived_params(sweep_points, ANALOGY),
        code=code_params("analogy_plot_sweep", study="analogy"),
    script:
        "../../../scripts/analogy_plot_sweep.py"


STUDY_TARGETS["analogy"] += expand(
    "results/{run}/tables/analogy/{name}.csv",
    run=RUN,
    name=[
        "dynamics",
        "final_metrics",
        "threshold_epochs",
        "stage_order",
        "mechanism",
        "stage_statistics",
        "energy_statistics",
    ],
) + [
    f"results/{RUN}/figures/analogy/{task}/{model}/{figure}.png"
    for task in ANALOGY["tasks"]
    for model in task_models("analogy", task)
    if run_seeds(ANALOGY, task, model)
    for figure in ["dynamics", "energy", "mechanism"]
]
if ANALOGY_POINTS:
    STUDY_TARGETS["analogy"].append(rules.analogy_plot_sweep.output.png.format(run=RUN))
