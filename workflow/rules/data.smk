# One dataset per study × task; a study whose datasets read files declares them
# (dataset_inputs: its `inputs` module), and the rules making those files run first.


rule make_dataset:
    input:
        unpack(dataset_inputs),
    output:
        data="results/{run}/data/{study}/{task}.h5",
    log:
        "logs/{run}/make_dataset/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/make_dataset/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("data"),
    params:
        task=task_params(),
        code=code_params("make_dataset", models=False),
    script:
        "../../scripts/make_dataset.py"
