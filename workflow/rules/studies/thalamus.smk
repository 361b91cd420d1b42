# Synthetic-thalamus study on bAbI: bAbI files (generated, downloaded or read from a path), which
# the generic make_dataset rule reads (taskdyn.studies.thalamus.inputs); then accuracy, gating
# task-swap, gate-overlap and gate-comparison tables and figures.
from taskdyn.studies.thalamus import gated, gates, readers, runs, swap_configs
from taskdyn.studies.thalamus import inputs as thalamus_inputs

THALAMUS = STUDIES["thalamus"]
THALAMUS_READERS = readers(THALAMUS)


rule thalamus_generate_babi:
    output:
        train="results/{run}/babi/thalamus/generated/qa{babi}_{name}_train.txt",
        test="results/{run}/babi/thalamus/generated/qa{babi}_{name}_test.txt",
    log:
        "logs/{run}/thalamus_generate_babi/qa{babi}_{name}.log",
    benchmark:
        "benchmarks/{run}/thalamus_generate_babi/qa{babi}_{name}.tsv"
    wildcard_constraints:
        babi=r"\d+",
        name=r"[a-z-]+",
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("data", "thalamus"),
    params:
        generate=config_params("thalamus", "data", "generate"),
        babi=lambda wildcards: int(wildcards.babi),
        code=code_params("thalamus_generate_babi", study="thalamus", models=False),
    script:
        "../../../scripts/thalamus_generate_babi.py"


# Compute nodes may be offline: the download runs where Snakemake runs.
localrules:
    thalamus_download_babi,


rule thalamus_download_babi:
    output:
        files=expand(
            "results/{{run}}/babi/thalamus/download/{file}",
            file=thalamus_inputs.downloaded_files(THALAMUS),
        ),
        archive="results/{run}/babi/thalamus/download/tasks_1-20_v1-2.tar.gz",
    log:
        "logs/{run}/thalamus_download_babi.log",
    benchmark:
        "benchmarks/{run}/thalamus_download_babi.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        data=lambda wildcards: canonical_json(
            {k: THALAMUS["data"][k] for k in ("url", "sha256")}
        ),
        code=code_params("thalamus_download_babi", study="thalamus", models=False),
    script:
        "../../../scripts/thalamus_download_babi.py"


rule thalamus_make_accuracy_table:
    input:
        evaluations=evaluations_of("thalamus"),
    output:
        table=report(
            "results/{run}/tables/thalamus/{task}/accuracy.csv",
            caption="../../report/thalamus_accuracy_table.rst",
            category="thalamus",
            subcategory="{task}: tables",
        ),
    log:
        "logs/{run}/thalamus_make_accuracy_table/{task}.log",
    benchmark:
        "benchmarks/{run}/thalamus_make_accuracy_table/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "thalamus"),
    params:
        runs=evaluation_runs("thalamus", list(THALAMUS["models"])),
        code=code_params("thalamus_make_accuracy_table", study="thalamus"),
    script:
        "../../../scripts/thalamus_make_accuracy_table.py"


rule thalamus_make_gating_table:
    input:
        evaluations=evaluations_of("thalamus", THALAMUS_READERS),
    output:
        table=report(
            "results/{run}/tables/thalamus/{task}/gating.csv",
            caption="../../report/thalamus_gating_table.rst",
            category="thalamus",
            subcategory="{task}: tables",
        ),
    log:
        "logs/{run}/thalamus_make_gating_table/{task}.log",
    benchmark:
        "benchmarks/{run}/thalamus_make_gating_table/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "thalamus"),
    params:
        runs=evaluation_runs("thalamus", THALAMUS_READERS),
        code=code_params("thalamus_make_gating_table", study="thalamus"),
    script:
        "../../../scripts/thalamus_make_gating_table.py"


rule thalamus_make_gate_tables:
    input:
        evaluations=evaluations_of("thalamus"),
    output:
        comparison=report(
            "results/{run}/tables/thalamus/{task}/gate_comparison.csv",
            caption="../../report/thalamus_gate_comparison_table.rst",
            category="thalamus",
            subcategory="{task}: tables",
        ),
        distance="results/{run}/tables/thalamus/{task}/gate_distance.csv",
    log:
        "logs/{run}/thalamus_make_gate_tables/{task}.log",
    benchmark:
        "benchmarks/{run}/thalamus_make_gate_tables/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "thalamus"),
    params:
        runs=evaluation_runs("thalamus", list(THALAMUS["models"])),
        gates=derived_params(gates, THALAMUS),
        code=code_params("thalamus_make_gate_tables", study="thalamus"),
    script:
        "../../../scripts/thalamus_make_gate_tables.py"


rule thalamus_make_gate_summary:
    input:
        table=rules.thalamus_make_gate_tables.output.comparison,
    output:
        summary=report(
            "results/{run}/tables/thalamus/{task}/gate_summary.csv",
            caption="../../report/thalamus_gate_summary_table.rst",
            category="thalamus",
            subcategory="{task}: tables",
        ),
    log:
        "logs/{run}/thalamus_make_gate_summary/{task}.log",
    benchmark:
        "benchmarks/{run}/thalamus_make_gate_summary/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "thalamus"),
    params:
        code=code_params("thalamus_make_gate_summary", study="thalamus"),
    script:
        "../../../scripts/thalamus_make_gate_summary.py"


rule thalamus_make_task_swap_table:
    input:
        evaluations=evaluations_of("thalamus", THALAMUS_READERS),
    output:
        table=report(
            "results/{run}/tables/thalamus/{task}/task_swap.csv",
            caption="../../report/thalamus_task_swap_table.rst",
            category="thalamus",
            subcategory="{task}: tables",
        ),
        summary=report(
            "results/{run}/tables/thalamus/{task}/task_swap_summary.csv",
            caption="../../report/thalamus_task_swap_summary_table.rst",
            category="thalamus",
            subcategory="{task}: tables",
        ),
    log:
        "logs/{run}/thalamus_make_task_swap_table/{task}.log",
    benchmark:
        "benchmarks/{run}/thalamus_make_task_swap_table/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "thalamus"),
    params:
        runs=evaluation_runs("thalamus", THALAMUS_READERS),
        code=code_params("thalamus_make_task_swap_table", study="thalamus"),
    script:
        "../../../scripts/thalamus_make_task_swap_table.py"


# The gate overlap needs the trained reader itself: it reruns the test split under every task id
# and compares the kept tokens.
rule thalamus_measure_gate_overlap:
    input:
        data="results/{run}/data/thalamus/{task}.h5",
        weights="results/{run}/models/thalamus/{task}/{model}/seed{seed}/weights.pt",
    output:
        table="results/{run}/analysis/thalamus/{task}/{model}/seed{seed}/gate_overlap.csv",
    log:
        "logs/{run}/thalamus_measure_gate_overlap/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/thalamus_measure_gate_overlap/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis", "thalamus"),
    params:
        hp=train_params("thalamus"),
        batch_size=config_params("thalamus", "evaluate", "batch_size"),
        code=code_params("thalamus_measure_gate_overlap", study="thalamus"),
    script:
        "../../../scripts/thalamus_measure_gate_overlap.py"


rule thalamus_make_gate_overlap_table:
    input:
        overlaps=thalamus_gate_overlaps,
    output:
        table=report(
            "results/{run}/tables/thalamus/{task}/gate_overlap.csv",
            caption="../../report/thalamus_gate_overlap_table.rst",
            category="thalamus",
            subcategory="{task}: tables",
        ),
    log:
        "logs/{run}/thalamus_make_gate_overlap_table/{task}.log",
    benchmark:
        "benchmarks/{run}/thalamus_make_gate_overlap_table/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "thalamus"),
    params:
        code=code_params("thalamus_make_gate_overlap_table", study="thalamus"),
    script:
        "../../../scripts/thalamus_make_gate_overlap_table.py"


rule thalamus_select_salience_examples:
    input:
        evaluation="results/{run}/eval/thalamus/{task}/{model}/seed{seed}.h5",
        data="results/{run}/data/thalamus/{task}.h5",
    output:
        table="results/{run}/analysis/thalamus/{task}/{model}/seed{seed}/salience.csv",
    log:
        "logs/{run}/thalamus_select_salience_examples/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/thalamus_select_salience_examples/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis", "thalamus"),
    params:
        analysis=analysis_params("salience", "thalamus"),
        code=code_params("thalamus_select_salience_examples", study="thalamus"),
    script:
        "../../../scripts/thalamus_select_salience_examples.py"


rule thalamus_make_phase_tables:
    input:
        evaluation="results/{run}/eval/thalamus/{task}/{model}/seed{seed}.h5",
    output:
        roles="results/{run}/analysis/thalamus/{task}/{model}/seed{seed}/phase_roles.csv",
        pca="results/{run}/analysis/thalamus/{task}/{model}/seed{seed}/phase_pca.csv",
    log:
        "logs/{run}/thalamus_make_phase_tables/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/thalamus_make_phase_tables/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis", "thalamus"),
    params:
        analysis=analysis_params("phases", "thalamus"),
        code=code_params("thalamus_make_phase_tables", study="thalamus"),
    script:
        "../../../scripts/thalamus_make_phase_tables.py"


rule thalamus_plot_accuracy:
    input:
        table=rules.thalamus_make_accuracy_table.output.table,
    output:
        pdf="results/{run}/figures/thalamus/{task}/accuracy.pdf",
        png=report(
            "results/{run}/figures/thalamus/{task}/accuracy.png",
            caption="../../report/thalamus_accuracy.rst",
            category="thalamus",
            subcategory="{task}: accuracy",
        ),
    log:
        "logs/{run}/thalamus_plot_accuracy/{task}.log",
    benchmark:
        "benchmarks/{run}/thalamus_plot_accuracy/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "thalamus"),
    params:
        code=code_params("thalamus_plot_accuracy", study="thalamus"),
    script:
        "../../../scripts/thalamus_plot_accuracy.py"


rule thalamus_plot_task_swap:
    input:
        table=rules.thalamus_make_task_swap_table.output.table,
    output:
        pdf="results/{run}/figures/thalamus/{task}/task_swap.pdf",
        png=report(
            "results/{run}/figures/thalamus/{task}/task_swap.png",
            caption="../../report/thalamus_task_swap.rst",
            category="thalamus",
            subcategory="{task}: task swap",
        ),
    log:
        "logs/{run}/thalamus_plot_task_swap/{task}.log",
    benchmark:
        "benchmarks/{run}/thalamus_plot_task_swap/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "thalamus"),
    params:
        code=code_params("thalamus_plot_task_swap", study="thalamus"),
    script:
        "../../../scripts/thalamus_plot_task_swap.py"


rule thalamus_plot_gate_overlap:
    input:
        table=rules.thalamus_make_gate_overlap_table.output.table,
    output:
        pdf="results/{run}/figures/thalamus/{task}/gate_overlap.pdf",
        png=report(
            "results/{run}/figures/thalamus/{task}/gate_overlap.png",
            caption="../../report/thalamus_gate_overlap.rst",
            category="thalamus",
            subcategory="{task}: task swap",
        ),
    log:
        "logs/{run}/thalamus_plot_gate_overlap/{task}.log",
    benchmark:
        "benchmarks/{run}/thalamus_plot_gate_overlap/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "thalamus"),
    params:
        code=code_params("thalamus_plot_gate_overlap", study="thalamus"),
    script:
        "../../../scripts/thalamus_plot_gate_overlap.py"


rule thalamus_plot_gate_sweep:
    input:
        table=rules.thalamus_make_gate_summary.output.summary,
    output:
        pdf="results/{run}/figures/thalamus/{task}/gate_sweep.pdf",
        png=report(
            "results/{run}/figures/thalamus/{task}/gate_sweep.png",
            caption="../../report/thalamus_gate_sweep.rst",
            category="thalamus",
            subcategory="{task}: gate comparison",
        ),
    log:
        "logs/{run}/thalamus_plot_gate_sweep/{task}.log",
    benchmark:
        "benchmarks/{run}/thalamus_plot_gate_sweep/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "thalamus"),
    params:
        code=code_params("thalamus_plot_gate_sweep", study="thalamus"),
    script:
        "../../../scripts/thalamus_plot_gate_sweep.py"


rule thalamus_plot_gate_distance:
    input:
        table=rules.thalamus_make_gate_tables.output.distance,
    output:
        pdf="results/{run}/figures/thalamus/{task}/gate_distance.pdf",
        png=report(
            "results/{run}/figures/thalamus/{task}/gate_distance.png",
            caption="../../report/thalamus_gate_distance.rst",
            category="thalamus",
            subcategory="{task}: gate comparison",
        ),
    log:
        "logs/{run}/thalamus_plot_gate_distance/{task}.log",
    benchmark:
        "benchmarks/{run}/thalamus_plot_gate_distance/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "thalamus"),
    params:
        code=code_params("thalamus_plot_gate_distance", study="thalamus"),
    script:
        "../../../scripts/thalamus_plot_gate_distance.py"


rule thalamus_plot_salience:
    input:
        table=rules.thalamus_select_salience_examples.output.table,
    output:
        pdf="results/{run}/figures/thalamus/{task}/{model}/seed{seed}/salience.pdf",
        png=report(
            "results/{run}/figures/thalamus/{task}/{model}/seed{seed}/salience.png",
            caption="../../report/thalamus_salience.rst",
            category="thalamus",
            subcategory="{task}: gating",
            labels={"model": "{model}", "seed": "{seed}", "figure": "salience"},
        ),
    log:
        "logs/{run}/thalamus_plot_salience/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/thalamus_plot_salience/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis", "thalamus"),
    params:
        code=code_params("thalamus_plot_salience", study="thalamus"),
    script:
        "../../../scripts/thalamus_plot_salience.py"


rule thalamus_plot_phases:
    input:
        roles=rules.thalamus_make_phase_tables.output.roles,
        pca=rules.thalamus_make_phase_tables.output.pca,
    output:
        pdf="results/{run}/figures/thalamus/{task}/{model}/seed{seed}/phases.pdf",
        png=report(
            "results/{run}/figures/thalamus/{task}/{model}/seed{seed}/phases.png",
            caption="../../report/thalamus_phases.rst",
            category="thalamus",
            subcategory="{task}: phases",
            labels={"model": "{model}", "seed": "{seed}", "figure": "phases"},
        ),
    log:
        "logs/{run}/thalamus_plot_phases/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/thalamus_plot_phases/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis", "thalamus"),
    params:
        code=code_params("thalamus_plot_phases", study="thalamus"),
    script:
        "../../../scripts/thalamus_plot_phases.py"


# Tables and figures of every configuration (the task swap only where tasks are several, the gate
# overlap where a learned gate is among its readers; the gate comparison covers every model, so it
# is drawn whatever the models are).
for _task in THALAMUS["tasks"]:
    _tables = f"results/{RUN}/tables/thalamus/{_task}"
    _figures = f"results/{RUN}/figures/thalamus/{_task}"
    _readers = runs(THALAMUS, THALAMUS_READERS, _task)
    _gated = runs(THALAMUS, gated(THALAMUS), _task)
    STUDY_TARGETS["thalamus"] += [
        f"{_tables}/accuracy.csv",
        f"{_figures}/accuracy.png",
        f"{_tables}/gate_comparison.csv",
        f"{_tables}/gate_summary.csv",
        f"{_figures}/gate_sweep.png",
        f"{_figures}/gate_distance.png",
    ]
    if _readers:
        STUDY_TARGETS["thalamus"].append(f"{_tables}/gating.csv")
    if _task in swap_configs(THALAMUS):
        STUDY_TARGETS["thalamus"] += [
            f"{_tables}/task_swap.csv",
            f"{_tables}/task_swap_summary.csv",
            f"{_figures}/task_swap.png",
        ]
        if _gated:
            STUDY_TARGETS["thalamus"] += [
                f"{_tables}/gate_overlap.csv",
                f"{_figures}/gate_overlap.png",
            ]
    STUDY_TARGETS["thalamus"] += [
        f"{_figures}/{r['model']}/seed{r['seed']}/{name}.png"
        for name in ("salience", "phases")
        if name in THALAMUS["analyses"]
        for r in _gated
    ]
