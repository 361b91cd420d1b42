rule compute_pca:
    input:
        evaluation=rules.evaluate_model.output.evaluation,
    output:
        pca="results/{run}/analysis/{study}/{task}/{model}/seed{seed}/pca.h5",
    log:
        "logs/{run}/compute_pca/{study}/{task}/{model}/seed{seed}.log",
    conda:
        "../../envs/taskdyn.yaml"
    params:
        analysis=analysis_params("pca"),
    script:
        "../../scripts/compute_pca.py"


rule find_fixed_points:
    input:
        data=rules.make_dataset.output.data,
        weights=rules.train_model.output.weights,
        evaluation=rules.evaluate_model.output.evaluation,
    output:
        fixed_points="results/{run}/analysis/{study}/{task}/{model}/seed{seed}/fixed_points.h5",
    log:
        "logs/{run}/find_fixed_points/{study}/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/find_fixed_points/{study}/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    params:
        hp=train_params,
        analysis=analysis_params("fixed_points"),
    script:
        "../../scripts/find_fixed_points.py"


rule compute_spectra:
    input:
        unpack(spectra_inputs),
    output:
        spectra="results/{run}/analysis/{study}/{task}/{model}/seed{seed}/spectra.h5",
    log:
        "logs/{run}/compute_spectra/{study}/{task}/{model}/seed{seed}.log",
    conda:
        "../../envs/taskdyn.yaml"
    params:
        analysis=analysis_params("spectra"),
    script:
        "../../scripts/compute_spectra.py"


rule compare_state_r2:
    input:
        evaluations=lambda wildcards: per_model(
            rules.evaluate_model.output.evaluation, wildcards.study, wildcards.task
        ),
    output:
        table="results/{run}/tables/{study}/{task}/state_r2.csv",
    log:
        "logs/{run}/compare_state_r2/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/compare_state_r2/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    params:
        analysis=analysis_params("state_r2"),
    script:
        "../../scripts/compare_state_r2.py"
