# Studies with `seed_batch: true` (SEED_BATCHED) train all their seeds of one model in one job
# (below); every other study trains one model × seed per job.


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
    wildcard_constraints:
        study=single_seed_studies(),
    conda:
        "../../envs/taskdyn.yaml"
    threads: 1
    resources:
        **stage_resources("train"),
    params:
        hp=train_params(),
        seed=lambda wildcards: int(wildcards.seed),
        checkpoint=checkpoint_path,
        code=code_params("train_model"),
    script:
        "../../scripts/train_model.py"


for _study in SEED_BATCHED:

    rule:
        name:
            f"train_seed_batch_{_study}"
        input:
            data=f"results/{{run}}/data/{_study}/{{task}}.h5",
        output:
            **{
                kind: seed_paths(_study, f"{{seed}}/{kind}.{ext}")
                for kind, ext in (
                    ("weights", "pt"),
                    ("meta", "json"),
                    ("history", "csv"),
                )
            },
        log:
            f"logs/{{run}}/train_seed_batch/{_study}/{{task}}/{{model}}.log",
        benchmark:
            f"benchmarks/{{run}}/train_seed_batch/{_study}/{{task}}/{{model}}.tsv"
        conda:
            "../../envs/taskdyn.yaml"
        threads: 1
        resources:
            **stage_resources("train", _study),
        params:
            study=_study,
            hp=train_params(_study),
            seeds=STUDIES[_study]["seeds"],
            checkpoints=lambda wildcards, study=_study: seed_checkpoints(
                study, wildcards
            ),
            code=code_params("train_seed_batch", study=_study),
        script:
            "../../scripts/train_seed_batch.py"
