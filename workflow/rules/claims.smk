# Each study's paper claims, checked against the tables the run writes (taskdyn.claims). Every
# study's claims module declares the tables it reads (below results/<run>/tables/<study>/), so
# this file needs no study-specific paths. Included after the study rule files, which may
# complete a study's config slice (the analogy sweep).
from taskdyn.claims import claim_tables


def claims_inputs(study):
    """An input function: the tables the claims of `study` read."""

    def inputs(wildcards):
        prefix = f"results/{wildcards.run}/tables/{study}"
        return [f"{prefix}/{path}" for path in claim_tables(study, STUDIES[study])]

    return inputs


for _study in STUDIES:

    rule:
        name:
            f"{_study}_check_claims"
        input:
            claims_inputs(_study),
        output:
            table=report(
                f"results/{{run}}/tables/{_study}/claims.csv",
                caption="../report/claims.rst",
                category=_study,
                subcategory="claims",
            ),
        log:
            f"logs/{{run}}/{_study}_check_claims.log",
        benchmark:
            f"benchmarks/{{run}}/{_study}_check_claims.tsv"
        conda:
            "../../envs/taskdyn.yaml"
        resources:
            **stage_resources("summary", _study),
        params:
            study=_study,
            config=config_params(_study),
            code=code_params("check_claims", study=_study),
        script:
            "../../scripts/check_claims.py"

    STUDY_TARGETS[_study].append(f"results/{RUN}/tables/{_study}/claims.csv")
