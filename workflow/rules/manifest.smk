# The manifest of results/<run>/ (file, sha256, producing rule, config hash, code version),
# written last, from Snakemake's own job metadata; `taskdyn verify results/<run>` checks it.


localrules:
    write_manifest,


rule write_manifest:
    input:
        manifest_inputs,
    output:
        manifest="results/{run}/manifest.json",
    log:
        "logs/{run}/write_manifest.log",
    benchmark:
        "benchmarks/{run}/write_manifest.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    params:
        code=code_params("write_manifest"),
    script:
        "../../scripts/write_manifest.py"
