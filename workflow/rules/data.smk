rule make_dataset:
    output:
        data="results/{run}/data/{study}/{task}.h5",
    log:
        "logs/{run}/make_dataset/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/make_dataset/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    params:
        task=task_params,
    script:
        "../../scripts/make_dataset.py"
