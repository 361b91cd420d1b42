rule evaluate_model:
    input:
        data=rules.make_dataset.output.data,
        weights=rules.train_model.output.weights,
    output:
        evaluation="results/{run}/eval/{study}/{task}/{model}/seed{seed}.h5",
    log:
        "logs/{run}/evaluate_model/{study}/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/evaluate_model/{study}/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("evaluate"),
    params:
        hp=train_params(),
        evaluate=evaluate_params,
        seed=lambda wildcards: int(wildcards.seed),
        code=code_params("evaluate_model"),
    script:
        "../../scripts/evaluate_model.py"
