rule train_model:
    input:
        data=rules.make_dataset.output.data,
    output:
        weights="results/{run}/models/{study}/{task}/{model}/seed{seed}/weights.pt",
        meta="results/{run}/models/{study}/{task}/{model}/seed{seed}/meta.json",
        history="results/{run}/models/{study}/{task}/{model}/seed{seed}/history.csv",
    log:
        "logs/{run}/train_model/{study}/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/train_model/{study}/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    threads: 1
    resources:
        runtime=lambda wildcards, attempt: 60 * attempt,
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
    params:
        hp=train_params,
        seed=lambda wildcards: int(wildcards.seed),
        label=job_label,
        checkpoint=checkpoint_path,
    script:
        "../../scripts/train_model.py"
