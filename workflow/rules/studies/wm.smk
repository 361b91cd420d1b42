# Working-memory N-back study: stimuli → cached CNN features, which the generic make_dataset
# rule reads (taskdyn.studies.wm.inputs); wm analyses, tables, figures.
WM = STUDIES["wm"]
WM_RUNS = dict(run=RUN, task=list(WM["tasks"]), model=list(WM["models"]), seed=WM["seeds"])
WM_PER_MODEL = "results/{run}/analysis/wm/{task}/{model}/seed{seed}/"
WM_FIGURES = (
    "stimuli",
    "accuracy",
    "cross_time",
    "procrustes",
    "orthogonalisation",
    "cross_task",
    "perturbation",
)


rule make_wm_stimuli:
    output:
        images="results/{run}/stimuli/wm/images.h5",
    log:
        "logs/{run}/make_wm_stimuli.log",
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        stimuli=canonical_json(WM["stimuli"]),
    script:
        "../../../scripts/make_wm_stimuli.py"


rule extract_wm_features:
    input:
        images=rules.make_wm_stimuli.output.images,
    output:
        features="results/{run}/stimuli/wm/features.h5",
    log:
        "logs/{run}/extract_wm_features.log",
    benchmark:
        "benchmarks/{run}/extract_wm_features.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        encoder=canonical_json(WM["encoder"]),
    script:
        "../../../scripts/extract_wm_features.py"


rule decode_wm_memory:
    input:
        evaluation="results/{run}/eval/wm/{task}/{model}/seed{seed}.h5",
    output:
        table=f"{WM_PER_MODEL}decoding.csv",
    log:
        "logs/{run}/decode_wm_memory/{task}/{model}/seed{seed}.log",
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        analysis=canonical_json(WM["analyses"]["decoding"]),
    script:
        "../../../scripts/decode_wm_memory.py"


rule align_wm_decoders:
    input:
        evaluation="results/{run}/eval/wm/{task}/{model}/seed{seed}.h5",
    output:
        table=f"{WM_PER_MODEL}procrustes.csv",
    log:
        "logs/{run}/align_wm_decoders/{task}/{model}/seed{seed}.log",
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        analysis=canonical_json(WM["analyses"]["procrustes"]),
    script:
        "../../../scripts/align_wm_decoders.py"


rule compute_wm_orthogonalisation:
    input:
        evaluation="results/{run}/eval/wm/{task}/{model}/seed{seed}.h5",
    output:
        table=f"{WM_PER_MODEL}orthogonalisation.csv",
    log:
        "logs/{run}/compute_wm_orthogonalisation/{task}/{model}/seed{seed}.log",
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        analysis=canonical_json(WM["analyses"]["orthogonalisation"]),
    script:
        "../../../scripts/compute_wm_orthogonalisation.py"


rule decode_wm_cross_task:
    input:
        evaluation="results/{run}/eval/wm/{task}/{model}/seed{seed}.h5",
    output:
        table=f"{WM_PER_MODEL}cross_task.csv",
    log:
        "logs/{run}/decode_wm_cross_task/{task}/{model}/seed{seed}.log",
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        analysis=canonical_json(WM["analyses"]["cross_task"]),
    script:
        "../../../scripts/decode_wm_cross_task.py"


# The causal test needs the trained model itself: its one-step map runs on from shifted states.
rule perturb_wm_memory:
    input:
        data="results/{run}/data/wm/{task}.h5",
        weights="results/{run}/models/wm/{task}/{model}/seed{seed}/weights.pt",
        evaluation="results/{run}/eval/wm/{task}/{model}/seed{seed}.h5",
    output:
        table=f"{WM_PER_MODEL}perturbation.csv",
    log:
        "logs/{run}/perturb_wm_memory/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/perturb_wm_memory/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        hp=lambda wildcards: train_params_of("wm", wildcards),
        analysis=canonical_json(WM["analyses"]["perturbation"]),
    script:
        "../../../scripts/perturb_wm_memory.py"


# The memoryless baseline: decoding and orthogonalisation on the CNN features of the stimuli a
# scenario's trials show (the same for every model and seed, so once per scenario).
rule analyse_wm_features:
    input:
        data="results/{run}/data/wm/{task}.h5",
        features=rules.extract_wm_features.output.features,
    output:
        decoding="results/{run}/analysis/wm/{task}/cnn/decoding.csv",
        orthogonalisation="results/{run}/analysis/wm/{task}/cnn/orthogonalisation.csv",
    log:
        "logs/{run}/analyse_wm_features/{task}.log",
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        decoding=canonical_json(WM["analyses"]["decoding"]),
        orthogonalisation=canonical_json(WM["analyses"]["orthogonalisation"]),
    script:
        "../../../scripts/analyse_wm_features.py"


rule make_wm_tables:
    input:
        evaluations=expand(rules.evaluate_model.output.evaluation, study="wm", **WM_RUNS),
        decoding=expand(rules.decode_wm_memory.output.table, **WM_RUNS),
        procrustes=expand(rules.align_wm_decoders.output.table, **WM_RUNS),
        orthogonalisation=expand(rules.compute_wm_orthogonalisation.output.table, **WM_RUNS),
        cross_task=expand(rules.decode_wm_cross_task.output.table, **WM_RUNS),
        perturbation=expand(rules.perturb_wm_memory.output.table, **WM_RUNS),
        cnn_decoding=expand(
            rules.analyse_wm_features.output.decoding, run=RUN, task=list(WM["tasks"])
        ),
        cnn_orthogonalisation=expand(
            rules.analyse_wm_features.output.orthogonalisation,
            run=RUN,
            task=list(WM["tasks"]),
        ),
    output:
        accuracy=report(
            "results/{run}/tables/wm/accuracy.csv",
            caption="../../report/wm_accuracy_table.rst",
            category="wm",
            subcategory="tables",
        ),
        decoding=report(
            "results/{run}/tables/wm/decoding.csv",
            caption="../../report/wm_tables.rst",
            category="wm",
            subcategory="tables",
        ),
        procrustes=report(
            "results/{run}/tables/wm/procrustes.csv",
            caption="../../report/wm_tables.rst",
            category="wm",
            subcategory="tables",
        ),
        orthogonalisation=report(
            "results/{run}/tables/wm/orthogonalisation.csv",
            caption="../../report/wm_tables.rst",
            category="wm",
            subcategory="tables",
        ),
        cross_task=report(
            "results/{run}/tables/wm/cross_task.csv",
            caption="../../report/wm_tables.rst",
            category="wm",
            subcategory="tables",
        ),
        perturbation=report(
            "results/{run}/tables/wm/perturbation.csv",
            caption="../../report/wm_tables.rst",
            category="wm",
            subcategory="tables",
        ),
    log:
        "logs/{run}/make_wm_tables.log",
    conda:
        "../../../envs/taskdyn.yaml"
    script:
        "../../../scripts/make_wm_tables.py"


rule compare_wm_orthogonalisation:
    input:
        orthogonalisation=rules.make_wm_tables.output.orthogonalisation,
    output:
        table=report(
            "results/{run}/tables/wm/orthogonalisation_test.csv",
            caption="../../report/wm_orthogonalisation_test.rst",
            category="wm",
            subcategory="tables",
        ),
    log:
        "logs/{run}/compare_wm_orthogonalisation.log",
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        analysis=canonical_json(WM["analyses"]["orthogonalisation_test"]),
    script:
        "../../../scripts/compare_wm_orthogonalisation.py"


rule plot_wm_figures:
    input:
        images=rules.make_wm_stimuli.output.images,
        accuracy=rules.make_wm_tables.output.accuracy,
        decoding=rules.make_wm_tables.output.decoding,
        procrustes=rules.make_wm_tables.output.procrustes,
        orthogonalisation=rules.make_wm_tables.output.orthogonalisation,
        orthogonalisation_test=rules.compare_wm_orthogonalisation.output.table,
        cross_task=rules.make_wm_tables.output.cross_task,
        perturbation=rules.make_wm_tables.output.perturbation,
    output:
        pdf=expand("results/{{run}}/figures/wm/{figure}.pdf", figure=WM_FIGURES),
        stimuli=report(
            "results/{run}/figures/wm/stimuli.png",
            caption="../../report/wm_stimuli.rst",
            category="wm",
            subcategory="stimuli",
        ),
        accuracy=report(
            "results/{run}/figures/wm/accuracy.png",
            caption="../../report/wm_accuracy.rst",
            category="wm",
            subcategory="behaviour",
        ),
        cross_time=report(
            "results/{run}/figures/wm/cross_time.png",
            caption="../../report/wm_cross_time.rst",
            category="wm",
            subcategory="decoding",
        ),
        procrustes=report(
            "results/{run}/figures/wm/procrustes.png",
            caption="../../report/wm_procrustes.rst",
            category="wm",
            subcategory="decoding",
        ),
        orthogonalisation=report(
            "results/{run}/figures/wm/orthogonalisation.png",
            caption="../../report/wm_orthogonalisation.rst",
            category="wm",
            subcategory="decoding",
        ),
        cross_task=report(
            "results/{run}/figures/wm/cross_task.png",
            caption="../../report/wm_cross_task.rst",
            category="wm",
            subcategory="decoding",
        ),
        perturbation=report(
            "results/{run}/figures/wm/perturbation.png",
            caption="../../report/wm_perturbation.rst",
            category="wm",
            subcategory="decoding",
        ),
    log:
        "logs/{run}/plot_wm_figures.log",
    conda:
        "../../../envs/taskdyn.yaml"
    script:
        "../../../scripts/plot_wm_figures.py"


STUDY_TARGETS.extend(
    expand("results/{run}/figures/wm/{figure}.png", run=RUN, figure=WM_FIGURES)
)
STUDY_TARGETS.extend(expand(rules.compare_wm_orthogonalisation.output.table, run=RUN))
