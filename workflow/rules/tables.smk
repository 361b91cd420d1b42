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
    conda:
        "../../envs/taskdyn.yaml"
    script:
        "../../scripts/make_metrics_table.py"
