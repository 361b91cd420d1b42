rule make_metrics_table:
    input:
        unpack(metrics_table_inputs),
    output:
        table=report(
            "results/{run}/tables/{study}/{task}/metrics.csv",
            caption="../report/metrics_table.rst",
            category="{study}",
            subcategory="{task}: tables",
        ),
    log:
        "logs/{run}/make_metrics_table/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/make_metrics_table/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary"),
    params:
        code=code_params("make_metrics_table"),
    script:
        "../../scripts/make_metrics_table.py"


rule make_similarity_tables:
    input:
        results=similarity_table_inputs,
    output:
        pairs=report(
            "results/{run}/tables/{study}/{task}/similarity_pairs.csv",
            caption="../report/similarity_table.rst",
            category="{study}",
            subcategory="{task}: model similarity",
        ),
        embedding="results/{run}/tables/{study}/{task}/similarity_mds.csv",
        summary=report(
            "results/{run}/tables/{study}/{task}/similarity_summary.csv",
            caption="../report/similarity_summary.rst",
            category="{study}",
            subcategory="{task}: model similarity",
        ),
    log:
        "logs/{run}/make_similarity_tables/{study}/{task}.log",
    benchmark:
        "benchmarks/{run}/make_similarity_tables/{study}/{task}.tsv"
    conda:
        "../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary"),
    params:
        code=code_params("make_similarity_tables"),
    script:
        "../../scripts/make_similarity_tables.py"
