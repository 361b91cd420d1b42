def metrics_table_inputs(wildcards):
    study, task = wildcards.study, wildcards.task
    inputs = {
        "evaluations": per_model(rules.evaluate_model.output.evaluation, study, task),
        "metas": per_model(rules.train_model.output.meta, study, task),
    }
    if analysis_enabled(study, "fixed_points"):
        inputs["fixed_points"] = per_model(
            rules.find_fixed_points.output.fixed_points, study, task
        )
    if analysis_enabled(study, "spectra"):
        inputs["spectra"] = per_model(rules.compute_spectra.output.spectra, study, task)
    return inputs


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
