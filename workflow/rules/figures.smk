rule plot_trials:
    input:
        evaluation=rules.evaluate_model.output.evaluation,
    output:
        pdf="results/{run}/figures/{study}/{task}/{model}/seed{seed}/trials.pdf",
        png=report(
            "results/{run}/figures/{study}/{task}/{model}/seed{seed}/trials.png",
            caption="../report/trials.rst",
            category="{study}",
            subcategory="{task}: trials",
            labels={"model": "{model}", "seed": "{seed}", "figure": "trials"},
        ),
    log:
        "logs/{run}/plot_trials/{study}/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/plot_trials/{study}/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis"),
    params:
        analysis=analysis_params("trials"),
        code=code_params("plot_trials"),
    script:
        "../../scripts/plot_trials.py"


rule plot_learning_curves:
    input:
        histories=task_histories,
    output:
        pdf="results/{run}/figures/{study}/{task}/learning_curves.pdf",
        png=report(
            "results/{run}/figures/{study}/{task}/learning_curves.png",
            caption="../report/learning_curves.rst",
            category="{study}",
            subcategory="{task}: training",
        ),
    log:
        "logs/{run}/plot_learning_curves/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/plot_learning_curves/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary"),
    params:
        code=code_params("plot_learning_curves"),
    script:
        "../../scripts/plot_learning_curves.py"


rule plot_scree:
    input:
        pcas=task_pcas,
    output:
        pdf="results/{run}/figures/{study}/{task}/scree.pdf",
        png=report(
            "results/{run}/figures/{study}/{task}/scree.png",
            caption="../report/scree.rst",
            category="{study}",
            subcategory="{task}: latents",
        ),
    log:
        "logs/{run}/plot_scree/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/plot_scree/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary"),
    params:
        code=code_params("plot_scree"),
    script:
        "../../scripts/plot_scree.py"


rule plot_state_r2:
    input:
        table=rules.compare_state_r2.output.table,
    output:
        pdf="results/{run}/figures/{study}/{task}/state_r2.pdf",
        png=report(
            "results/{run}/figures/{study}/{task}/state_r2.png",
            caption="../report/state_r2.rst",
            category="{study}",
            subcategory="{task}: model comparison",
        ),
    log:
        "logs/{run}/plot_state_r2/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/plot_state_r2/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary"),
    params:
        code=code_params("plot_state_r2"),
    script:
        "../../scripts/plot_state_r2.py"


rule plot_fixed_points:
    input:
        fixed_points=rules.find_fixed_points.output.fixed_points,
        evaluation=rules.evaluate_model.output.evaluation,
    output:
        pdf="results/{run}/figures/{study}/{task}/{model}/seed{seed}/fixed_points.pdf",
        png=report(
            "results/{run}/figures/{study}/{task}/{model}/seed{seed}/fixed_points.png",
            caption="../report/fixed_points.rst",
            category="{study}",
            subcategory="{task}: fixed points",
            labels={"model": "{model}", "seed": "{seed}", "figure": "fixed points"},
        ),
    log:
        "logs/{run}/plot_fixed_points/{study}/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/plot_fixed_points/{study}/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis"),
    params:
        code=code_params("plot_fixed_points"),
    script:
        "../../scripts/plot_fixed_points.py"


rule plot_spectra:
    input:
        spectra=rules.compute_spectra.output.spectra,
    output:
        pdf="results/{run}/figures/{study}/{task}/{model}/seed{seed}/spectra.pdf",
        png=report(
            "results/{run}/figures/{study}/{task}/{model}/seed{seed}/spectra.png",
            caption="../report/spectra.rst",
            category="{study}",
            subcategory="{task}: spectra",
            labels={"model": "{model}", "seed": "{seed}", "figure": "spectra"},
        ),
    log:
        "logs/{run}/plot_spectra/{study}/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/plot_spectra/{study}/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis"),
    params:
        code=code_params("plot_spectra"),
    script:
        "../../scripts/plot_spectra.py"


rule plot_similarity:
    input:
        pairs=rules.make_similarity_tables.output.pairs,
        embedding=rules.make_similarity_tables.output.embedding,
    output:
        pdf="results/{run}/figures/{study}/{task}/similarity.pdf",
        png=report(
            "results/{run}/figures/{study}/{task}/similarity.png",
            caption="../report/similarity.rst",
            category="{study}",
            subcategory="{task}: model similarity",
        ),
    log:
        "logs/{run}/plot_similarity/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/plot_similarity/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary"),
    params:
        code=code_params("plot_similarity"),
    script:
        "../../scripts/plot_similarity.py"


rule plot_label_decoding:
    input:
        table=rules.decode_labels.output.table,
    output:
        pdf="results/{run}/figures/{study}/{task}/{model}/seed{seed}/label_decoding.pdf",
        png=report(
            "results/{run}/figures/{study}/{task}/{model}/seed{seed}/label_decoding.png",
            caption="../report/label_decoding.rst",
            category="{study}",
            subcategory="{task}: decoding",
            labels={"model": "{model}", "seed": "{seed}", "figure": "label decoding"},
        ),
    log:
        "logs/{run}/plot_label_decoding/{study}/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/plot_label_decoding/{study}/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis"),
    params:
        code=code_params("plot_label_decoding"),
    script:
        "../../scripts/plot_label_decoding.py"


rule plot_hidden_topology:
    input:
        diagrams=rules.compute_hidden_topology.output.diagrams,
        distances=rules.compute_hidden_topology.output.distances,
    output:
        pdf="results/{run}/figures/{study}/{task}/hidden_topology.pdf",
        png=report(
            "results/{run}/figures/{study}/{task}/hidden_topology.png",
            caption="../report/hidden_topology.rst",
            category="{study}",
            subcategory="{task}: topology",
        ),
    log:
        "logs/{run}/plot_hidden_topology/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/plot_hidden_topology/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary"),
    params:
        code=code_params("plot_hidden_topology"),
    script:
        "../../scripts/plot_hidden_topology.py"


rule plot_trajectory_overlay:
    input:
        evaluations=overlay_evaluations,
    output:
        pdf="results/{run}/figures/{study}/{task}/trajectory_overlay.pdf",
        png=report(
            "results/{run}/figures/{study}/{task}/trajectory_overlay.png",
            caption="../report/trajectory_overlay.rst",
            category="{study}",
            subcategory="{task}: model comparison",
        ),
    log:
        "logs/{run}/plot_trajectory_overlay/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/plot_trajectory_overlay/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary"),
    params:
        analysis=analysis_params("state_r2"),
        code=code_params("plot_trajectory_overlay"),
    script:
        "../../scripts/plot_trajectory_overlay.py"
