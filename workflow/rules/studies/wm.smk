# Working-memory N-back study: stimuli → cached CNN features, which the generic make_dataset
# rule reads (taskdyn.studies.wm.inputs); wm analyses, tables, figures.
from taskdyn.models.spec import PRETRAINED_PROCEDURAL

WM = STUDIES["wm"]
WM_RUNS = dict(
    run=RUN, task=list(WM["tasks"]), model=list(WM["models"]), seed=WM["seeds"]
)
WM_PER_MODEL = "results/{run}/analysis/wm/{task}/{model}/seed{seed}/"
WM_FIGURES = (
    "stimuli",
    "accuracy",
    "cross_time",
    "executive",
    "cross_stimulus",
    "procrustes",
    "orthogonalisation",
    "cross_task",
    "perturbation",
)


rule wm_make_stimuli:
    output:
        images="results/{run}/stimuli/wm/images.h5",
    log:
        "logs/{run}/wm_make_stimuli.log",
    benchmark:
        "benchmarks/{run}/wm_make_stimuli.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("data", "wm"),
    params:
        stimuli=config_params("wm", "stimuli"),
        code=code_params("wm_make_stimuli", study="wm", models=False),
    script:
        "../../../scripts/wm_make_stimuli.py"


rule wm_pretrain_encoder:
    output:
        weights="results/{run}/stimuli/wm/encoder_pretrained.pt",
        record="results/{run}/stimuli/wm/encoder_pretrained.json",
    log:
        "logs/{run}/wm_pretrain_encoder.log",
    benchmark:
        "benchmarks/{run}/wm_pretrain_encoder.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    threads: 2
    resources:
        **stage_resources("train", "wm"),
    params:
        arch=lambda wildcards: WM["encoder"]["arch"],
        pretrain=config_params("wm", "encoder", "pretrain"),
        code=code_params("wm_pretrain_encoder", study="wm", models=False),
    script:
        "../../../scripts/wm_pretrain_encoder.py"


# The stimuli, and the pretrained trunk and its record where the encoder asks for one.
WM_ENCODER_INPUTS = {"images": rules.wm_make_stimuli.output.images}
if WM["encoder"]["weights"] == PRETRAINED_PROCEDURAL:
    WM_ENCODER_INPUTS["pretrained"] = rules.wm_pretrain_encoder.output.weights
    WM_ENCODER_INPUTS["pretraining"] = rules.wm_pretrain_encoder.output.record


rule wm_extract_features:
    input:
        **WM_ENCODER_INPUTS,
    output:
        features="results/{run}/stimuli/wm/features.h5",
    log:
        "logs/{run}/wm_extract_features.log",
    benchmark:
        "benchmarks/{run}/wm_extract_features.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("data", "wm"),
    params:
        encoder=config_params("wm", "encoder"),
        code=code_params("wm_extract_features", study="wm", models=False),
    script:
        "../../../scripts/wm_extract_features.py"


# The control beside the encoder: the same architecture with random-frozen weights, whose
# features only the CNN baseline analyses read (encoder.random_control).
rule wm_extract_control_features:
    input:
        images=rules.wm_make_stimuli.output.images,
    output:
        features="results/{run}/stimuli/wm/features_random.h5",
    log:
        "logs/{run}/wm_extract_control_features.log",
    benchmark:
        "benchmarks/{run}/wm_extract_control_features.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("data", "wm"),
    params:
        encoder=lambda wildcards: canonical_json({**WM["encoder"], "weights": "random"}),
        code=code_params("wm_extract_features", study="wm", models=False),
    script:
        "../../../scripts/wm_extract_features.py"


rule wm_decode_memory:
    input:
        evaluation="results/{run}/eval/wm/{task}/{model}/seed{seed}.h5",
    output:
        table=f"{WM_PER_MODEL}decoding.csv",
        executive=f"{WM_PER_MODEL}executive.csv",
    log:
        "logs/{run}/wm_decode_memory/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/wm_decode_memory/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis", "wm"),
    params:
        analysis=analysis_params("decoding", "wm"),
        code=code_params("wm_decode_memory", study="wm"),
    script:
        "../../../scripts/wm_decode_memory.py"


rule wm_align_decoders:
    input:
        evaluation="results/{run}/eval/wm/{task}/{model}/seed{seed}.h5",
    output:
        table=f"{WM_PER_MODEL}procrustes.csv",
    log:
        "logs/{run}/wm_align_decoders/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/wm_align_decoders/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis", "wm"),
    params:
        analysis=analysis_params("procrustes", "wm"),
        code=code_params("wm_align_decoders", study="wm"),
    script:
        "../../../scripts/wm_align_decoders.py"


rule wm_compute_orthogonalisation:
    input:
        evaluation="results/{run}/eval/wm/{task}/{model}/seed{seed}.h5",
    output:
        table=f"{WM_PER_MODEL}orthogonalisation.csv",
    log:
        "logs/{run}/wm_compute_orthogonalisation/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/wm_compute_orthogonalisation/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis", "wm"),
    params:
        analysis=analysis_params("orthogonalisation", "wm"),
        code=code_params("wm_compute_orthogonalisation", study="wm"),
    script:
        "../../../scripts/wm_compute_orthogonalisation.py"


rule wm_decode_cross_task:
    input:
        evaluation="results/{run}/eval/wm/{task}/{model}/seed{seed}.h5",
    output:
        table=f"{WM_PER_MODEL}cross_task.csv",
    log:
        "logs/{run}/wm_decode_cross_task/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/wm_decode_cross_task/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis", "wm"),
    params:
        analysis=analysis_params("cross_task", "wm"),
        code=code_params("wm_decode_cross_task", study="wm"),
    script:
        "../../../scripts/wm_decode_cross_task.py"


# The causal test needs the trained model itself: its one-step map runs on from shifted states.
rule wm_perturb_memory:
    input:
        data="results/{run}/data/wm/{task}.h5",
        weights="results/{run}/models/wm/{task}/{model}/seed{seed}/weights.pt",
        evaluation="results/{run}/eval/wm/{task}/{model}/seed{seed}.h5",
    output:
        table=f"{WM_PER_MODEL}perturbation.csv",
    log:
        "logs/{run}/wm_perturb_memory/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/wm_perturb_memory/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis", "wm"),
    params:
        hp=train_params("wm"),
        analysis=analysis_params("perturbation", "wm"),
        code=code_params("wm_perturb_memory", study="wm"),
    script:
        "../../../scripts/wm_perturb_memory.py"


# The CNN baselines' features: the encoder's, and the random-frozen control's where asked for.
WM_CNN_FEATURES = {"cnn": rules.wm_extract_features.output.features}
if WM["encoder"]["random_control"]:
    WM_CNN_FEATURES["cnn_random"] = rules.wm_extract_control_features.output.features


# The memoryless baseline: decoding and orthogonalisation on the CNN features of the stimuli a
# scenario's trials show (the same for every model and seed, so once per scenario).
rule wm_analyse_features:
    input:
        data="results/{run}/data/wm/{task}.h5",
        features=lambda wildcards: WM_CNN_FEATURES[wildcards.cnn],
    output:
        decoding="results/{run}/analysis/wm/{task}/{cnn}/decoding.csv",
        executive="results/{run}/analysis/wm/{task}/{cnn}/executive.csv",
        orthogonalisation="results/{run}/analysis/wm/{task}/{cnn}/orthogonalisation.csv",
    log:
        "logs/{run}/wm_analyse_features/{task}/{cnn}.log",
    benchmark:
        "benchmarks/{run}/wm_analyse_features/{task}/{cnn}.tsv"
    wildcard_constraints:
        cnn="cnn|cnn_random",
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "wm"),
    params:
        decoding=analysis_params("decoding", "wm"),
        orthogonalisation=analysis_params("orthogonalisation", "wm"),
        code=code_params("wm_analyse_features", study="wm"),
    script:
        "../../../scripts/wm_analyse_features.py"


rule wm_make_tables:
    input:
        evaluations=expand(
            rules.evaluate_model.output.evaluation, study="wm", **WM_RUNS
        ),
        decoding=expand(rules.wm_decode_memory.output.table, **WM_RUNS),
        executive=expand(rules.wm_decode_memory.output.executive, **WM_RUNS),
        procrustes=expand(rules.wm_align_decoders.output.table, **WM_RUNS),
        orthogonalisation=expand(
            rules.wm_compute_orthogonalisation.output.table, **WM_RUNS
        ),
        cross_task=expand(rules.wm_decode_cross_task.output.table, **WM_RUNS),
        perturbation=expand(rules.wm_perturb_memory.output.table, **WM_RUNS),
        cnn_decoding=expand(
            rules.wm_analyse_features.output.decoding,
            run=RUN,
            task=list(WM["tasks"]),
            cnn=list(WM_CNN_FEATURES),
        ),
        cnn_executive=expand(
            rules.wm_analyse_features.output.executive,
            run=RUN,
            task=list(WM["tasks"]),
            cnn=list(WM_CNN_FEATURES),
        ),
        cnn_orthogonalisation=expand(
            rules.wm_analyse_features.output.orthogonalisation,
            run=RUN,
            task=list(WM["tasks"]),
            cnn=list(WM_CNN_FEATURES),
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
        executive=report(
            "results/{run}/tables/wm/executive.csv",
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
        subspace_sharing=report(
            "results/{run}/tables/wm/subspace_sharing.csv",
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
        "logs/{run}/wm_make_tables.log",
    benchmark:
        "benchmarks/{run}/wm_make_tables.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "wm"),
    params:
        code=code_params("wm_make_tables", study="wm"),
    script:
        "../../../scripts/wm_make_tables.py"


rule wm_compare_orthogonalisation:
    input:
        orthogonalisation=rules.wm_make_tables.output.orthogonalisation,
        accuracy=rules.wm_make_tables.output.accuracy,
    output:
        table=report(
            "results/{run}/tables/wm/orthogonalisation_test.csv",
            caption="../../report/wm_orthogonalisation_test.rst",
            category="wm",
            subcategory="tables",
        ),
    log:
        "logs/{run}/wm_compare_orthogonalisation.log",
    benchmark:
        "benchmarks/{run}/wm_compare_orthogonalisation.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "wm"),
    params:
        analysis=analysis_params("orthogonalisation_test", "wm"),
        code=code_params("wm_compare_orthogonalisation", study="wm"),
    script:
        "../../../scripts/wm_compare_orthogonalisation.py"


rule wm_plot_figures:
    input:
        images=rules.wm_make_stimuli.output.images,
        features=rules.wm_extract_features.output.features,
        accuracy=rules.wm_make_tables.output.accuracy,
        decoding=rules.wm_make_tables.output.decoding,
        executive=rules.wm_make_tables.output.executive,
        procrustes=rules.wm_make_tables.output.procrustes,
        orthogonalisation=rules.wm_make_tables.output.orthogonalisation,
        orthogonalisation_test=rules.wm_compare_orthogonalisation.output.table,
        cross_task=rules.wm_make_tables.output.cross_task,
        perturbation=rules.wm_make_tables.output.perturbation,
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
        executive=report(
            "results/{run}/figures/wm/executive.png",
            caption="../../report/wm_executive.rst",
            category="wm",
            subcategory="decoding",
        ),
        cross_stimulus=report(
            "results/{run}/figures/wm/cross_stimulus.png",
            caption="../../report/wm_cross_stimulus.rst",
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
        "logs/{run}/wm_plot_figures.log",
    benchmark:
        "benchmarks/{run}/wm_plot_figures.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "wm"),
    params:
        code=code_params("wm_plot_figures", study="wm"),
    script:
        "../../../scripts/wm_plot_figures.py"


STUDY_TARGETS["wm"] += expand(
    "results/{run}/figures/wm/{figure}.png", run=RUN, figure=WM_FIGURES
) + expand(rules.wm_compare_orthogonalisation.output.table, run=RUN)
