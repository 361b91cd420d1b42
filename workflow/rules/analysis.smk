# Generic analyses (taskdyn.catalogue): per trained model, or across a task's models; each
# runs for any study whose evaluation feeds it, when its key is under the study's `analyses`.


rule compute_pca:
    input:
        evaluation=rules.evaluate_model.output.evaluation,
    output:
        pca="results/{run}/analysis/{study}/{task}/{model}/seed{seed}/pca.h5",
    log:
        "logs/{run}/compute_pca/{study}/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/compute_pca/{study}/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis"),
    params:
        analysis=analysis_params("pca"),
        code=code_params("compute_pca"),
    script:
        "../../scripts/compute_pca.py"


rule find_fixed_points:
    input:
        data=rules.make_dataset.output.data,
        weights=rules.train_model.output.weights,
        evaluation=rules.evaluate_model.output.evaluation,
    output:
        fixed_points="results/{run}/analysis/{study}/{task}/{model}/seed{seed}/fixed_points.h5",
        radii="results/{run}/analysis/{study}/{task}/{model}/seed{seed}/fixed_point_radii.csv",
    log:
        "logs/{run}/find_fixed_points/{study}/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/find_fixed_points/{study}/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis"),
    params:
        hp=train_params(),
        analysis=analysis_params("fixed_points"),
        code=code_params("find_fixed_points"),
    script:
        "../../scripts/find_fixed_points.py"


rule compute_spectra:
    input:
        unpack(spectra_inputs),
    output:
        spectra="results/{run}/analysis/{study}/{task}/{model}/seed{seed}/spectra.h5",
    log:
        "logs/{run}/compute_spectra/{study}/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/compute_spectra/{study}/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis"),
    params:
        analysis=analysis_params("spectra"),
        code=code_params("compute_spectra"),
    script:
        "../../scripts/compute_spectra.py"


rule compare_state_r2:
    input:
        evaluations=evaluations_of(),
    output:
        table="results/{run}/tables/{study}/{task}/state_r2.csv",
    log:
        "logs/{run}/compare_state_r2/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/compare_state_r2/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary"),
    params:
        analysis=analysis_params("state_r2"),
        code=code_params("compare_state_r2"),
    script:
        "../../scripts/compare_state_r2.py"


rule compute_dsa:
    input:
        evaluations=evaluations_of(),
    output:
        dsa="results/{run}/analysis/{study}/{task}/dsa.h5",
    log:
        "logs/{run}/compute_dsa/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/compute_dsa/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary"),
    params:
        analysis=analysis_params("dsa"),
        code=code_params("compute_dsa"),
    script:
        "../../scripts/compute_dsa.py"


rule compute_shape_similarity:
    input:
        evaluations=evaluations_of(),
    output:
        similarity="results/{run}/analysis/{study}/{task}/shape_similarity.h5",
    log:
        "logs/{run}/compute_shape_similarity/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/compute_shape_similarity/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary"),
    params:
        analysis=analysis_params("similarity"),
        code=code_params("compute_shape_similarity"),
    script:
        "../../scripts/compute_shape_similarity.py"


rule decode_labels:
    input:
        evaluation=rules.evaluate_model.output.evaluation,
    output:
        table="results/{run}/analysis/{study}/{task}/{model}/seed{seed}/label_decoding.csv",
    log:
        "logs/{run}/decode_labels/{study}/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/decode_labels/{study}/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis"),
    params:
        analysis=analysis_params("label_decoding"),
        code=code_params("decode_labels"),
    script:
        "../../scripts/decode_labels.py"


rule compute_hidden_topology:
    input:
        evaluations=evaluations_of(),
    output:
        diagrams="results/{run}/tables/{study}/{task}/hidden_diagrams.csv",
        distances=report(
            "results/{run}/tables/{study}/{task}/hidden_distances.csv",
            caption="../report/hidden_distances.rst",
            category="{study}",
            subcategory="{task}: topology",
        ),
    log:
        "logs/{run}/compute_hidden_topology/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/compute_hidden_topology/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary"),
    params:
        analysis=analysis_params("hidden_topology"),
        code=code_params("compute_hidden_topology"),
    script:
        "../../scripts/compute_hidden_topology.py"
