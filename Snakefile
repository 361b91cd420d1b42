# taskdyn: train task-trained networks across studies × models × seeds, then analyse them.
# Thin on purpose: config and validation (rules/common.smk), one rule file per stage, `all`.
from snakemake.utils import min_version

min_version("9.0")


# The embedded default, unless a run config is given with --configfile (which then replaces it:
# one YAML per run, never a merge of two).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


# Every rule's container under `--software-deployment-method apptainer` (envs/README.md); the
# run config's `container` key (or `--config container=...`) names another image.
container: config.get("container", "taskdyn.sif")


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/manifest.smk"


for _study_rules in study_rule_files():

    include: _study_rules


include: "workflow/rules/claims.smk"


# `snakemake <study>_all`: every final output of one study only.
for _study in STUDIES:

    rule:
        name:
            f"{_study}_all"
        input:
            study_targets(_study),


rule all:
    default_target: True
    input:
        all_targets(),
        f"results/{RUN}/manifest.json",
