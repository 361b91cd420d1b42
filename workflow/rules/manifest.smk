# The manifest of results/<run>/ (file, sha256, producing rule, config hash, code version),
# written last, from Snakemake's own job metadata; `taskdyn verify results/<run>` checks it.


localrules:
    write_manifest,


rule write_manifest:
    input:
        # Every final target: so it runs after every job of the run, and again when any reruns.
        lambda wildcards: all_targets(),
    output:
        manifest="results/{run}/manifest.json",
    log:
        "logs/{run}/write_manifest.log",
    conda:
        "../../envs/taskdyn.yaml"
    script:
        "../../scripts/write_manifest.py"
