# Variable-binding study: W_hh spectra against the task operator per task, then signatures,
# persistent homology and a comparison across tasks (the study's "experiments").
from taskdyn.studies.binding.settings import model_settings

BINDING = STUDIES["binding"]
BINDING_ANALYSES = BINDING["analyses"]
BINDING_EVALUATIONS = [
    path
    for task in BINDING["tasks"]
    for path in per_model(rules.evaluate_model.output.evaluation, "binding", task)
]


rule binding_compute_spectra:
    input:
        evaluations=evaluations_of("binding"),
    output:
        models=report(
            "results/{run}/tables/binding/{task}/binding_models.csv",
            caption="../../report/binding_models.rst",
            category="binding",
            subcategory="{task}: tables",
        ),
        eigenvalues=report(
            "results/{run}/tables/binding/{task}/binding_eigenvalues.csv",
            caption="../../report/binding_eigenvalues.rst",
            category="binding",
            subcategory="{task}: tables",
        ),
        accuracy=report(
            "results/{run}/tables/binding/{task}/binding_accuracy.csv",
            caption="../../report/binding_accuracy_table.rst",
            category="binding",
            subcategory="{task}: tables",
        ),
    log:
        "logs/{run}/binding_compute_spectra/{task}.log",
    benchmark:
        "benchmarks/{run}/binding_compute_spectra/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        task=task_params("binding"),
        analysis=analysis_params("operator_spectra", "binding"),
        code=code_params("binding_compute_spectra", study="binding"),
    script:
        "../../../scripts/binding_compute_spectra.py"


rule binding_plot_spectra:
    input:
        eigenvalues=rules.binding_compute_spectra.output.eigenvalues,
        models=rules.binding_compute_spectra.output.models,
    output:
        pdf="results/{run}/figures/binding/{task}/binding_spectra.pdf",
        png=report(
            "results/{run}/figures/binding/{task}/binding_spectra.png",
            caption="../../report/binding_spectra.rst",
            category="binding",
            subcategory="{task}: spectra",
        ),
    log:
        "logs/{run}/binding_plot_spectra/{task}.log",
    benchmark:
        "benchmarks/{run}/binding_plot_spectra/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        analysis=analysis_params("operator_spectra", "binding"),
        code=code_params("binding_plot_spectra", study="binding"),
    script:
        "../../../scripts/binding_plot_spectra.py"


rule binding_plot_eigenvalue_histograms:
    input:
        eigenvalues=rules.binding_compute_spectra.output.eigenvalues,
    output:
        pdf="results/{run}/figures/binding/{task}/eigenvalue_histograms.pdf",
        png=report(
            "results/{run}/figures/binding/{task}/eigenvalue_histograms.png",
            caption="../../report/binding_eigenvalue_histograms.rst",
            category="binding",
            subcategory="{task}: spectra",
        ),
    log:
        "logs/{run}/binding_plot_eigenvalue_histograms/{task}.log",
    benchmark:
        "benchmarks/{run}/binding_plot_eigenvalue_histograms/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        code=code_params("binding_plot_eigenvalue_histograms", study="binding"),
    script:
        "../../../scripts/binding_plot_eigenvalue_histograms.py"


rule binding_plot_accuracy:
    input:
        accuracy=rules.binding_compute_spectra.output.accuracy,
    output:
        pdf="results/{run}/figures/binding/{task}/binding_accuracy.pdf",
        png=report(
            "results/{run}/figures/binding/{task}/binding_accuracy.png",
            caption="../../report/binding_accuracy.rst",
            category="binding",
            subcategory="{task}: accuracy",
        ),
    log:
        "logs/{run}/binding_plot_accuracy/{task}.log",
    benchmark:
        "benchmarks/{run}/binding_plot_accuracy/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        train=model_train_params("binding"),
        code=code_params("binding_plot_accuracy", study="binding"),
    script:
        "../../../scripts/binding_plot_accuracy.py"


rule binding_compute_signatures:
    input:
        eigenvalues=expand(
            rules.binding_compute_spectra.output.eigenvalues,
            task=BINDING["tasks"],
            allow_missing=True,
        ),
    output:
        signatures=report(
            "results/{run}/tables/binding/binding_signatures.csv",
            caption="../../report/binding_signatures.rst",
            category="binding",
            subcategory="all tasks: signatures",
        ),
        embeddings=report(
            "results/{run}/tables/binding/binding_embeddings.csv",
            caption="../../report/binding_embeddings_table.rst",
            category="binding",
            subcategory="all tasks: signatures",
        ),
    log:
        "logs/{run}/binding_compute_signatures.log",
    benchmark:
        "benchmarks/{run}/binding_compute_signatures.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        analysis=analysis_params("signatures", "binding"),
        code=code_params("binding_compute_signatures", study="binding"),
    script:
        "../../../scripts/binding_compute_signatures.py"


rule binding_plot_embeddings:
    input:
        embeddings=rules.binding_compute_signatures.output.embeddings,
    output:
        pdf="results/{run}/figures/binding/binding_embeddings.pdf",
        png=report(
            "results/{run}/figures/binding/binding_embeddings.png",
            caption="../../report/binding_embeddings.rst",
            category="binding",
            subcategory="all tasks: signatures",
        ),
    log:
        "logs/{run}/binding_plot_embeddings.log",
    benchmark:
        "benchmarks/{run}/binding_plot_embeddings.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        code=code_params("binding_plot_embeddings", study="binding"),
    script:
        "../../../scripts/binding_plot_embeddings.py"


rule binding_compute_topology:
    input:
        eigenvalues=expand(
            rules.binding_compute_spectra.output.eigenvalues,
            task=BINDING["tasks"],
            allow_missing=True,
        ),
        evaluations=(
            BINDING_EVALUATIONS
            if "hidden" in BINDING_ANALYSES.get("topology", {})
            else []
        ),
    output:
        diagrams=report(
            "results/{run}/tables/binding/binding_diagrams.csv",
            caption="../../report/binding_diagrams.rst",
            category="binding",
            subcategory="all tasks: topology",
        ),
        distances=report(
            "results/{run}/tables/binding/binding_distances.csv",
            caption="../../report/binding_distances_table.rst",
            category="binding",
            subcategory="all tasks: topology",
        ),
        images=report(
            "results/{run}/tables/binding/binding_images.csv",
            caption="../../report/binding_images.rst",
            category="binding",
            subcategory="all tasks: topology",
        ),
    log:
        "logs/{run}/binding_compute_topology.log",
    benchmark:
        "benchmarks/{run}/binding_compute_topology.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        analysis=analysis_params("topology", "binding"),
        code=code_params("binding_compute_topology", study="binding"),
    script:
        "../../../scripts/binding_compute_topology.py"


rule binding_plot_persistence:
    input:
        diagrams=rules.binding_compute_topology.output.diagrams,
    output:
        pdf="results/{run}/figures/binding/binding_persistence.pdf",
        png=report(
            "results/{run}/figures/binding/binding_persistence.png",
            caption="../../report/binding_persistence.rst",
            category="binding",
            subcategory="all tasks: topology",
        ),
    log:
        "logs/{run}/binding_plot_persistence.log",
    benchmark:
        "benchmarks/{run}/binding_plot_persistence.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        code=code_params("binding_plot_persistence", study="binding"),
    script:
        "../../../scripts/binding_plot_persistence.py"


rule binding_plot_persistence_images:
    input:
        diagrams=rules.binding_compute_topology.output.diagrams,
    output:
        pdf="results/{run}/figures/binding/binding_persistence_images.pdf",
        png=report(
            "results/{run}/figures/binding/binding_persistence_images.png",
            caption="../../report/binding_persistence_images.rst",
            category="binding",
            subcategory="all tasks: topology",
        ),
    log:
        "logs/{run}/binding_plot_persistence_images.log",
    benchmark:
        "benchmarks/{run}/binding_plot_persistence_images.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        analysis=analysis_params("topology", "binding"),
        code=code_params("binding_plot_persistence_images", study="binding"),
    script:
        "../../../scripts/binding_plot_persistence_images.py"


rule binding_plot_distances:
    input:
        distances=rules.binding_compute_topology.output.distances,
    output:
        pdf="results/{run}/figures/binding/binding_distances.pdf",
        png=report(
            "results/{run}/figures/binding/binding_distances.png",
            caption="../../report/binding_distances.rst",
            category="binding",
            subcategory="all tasks: topology",
        ),
    log:
        "logs/{run}/binding_plot_distances.log",
    benchmark:
        "benchmarks/{run}/binding_plot_distances.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        code=code_params("binding_plot_distances", study="binding"),
    script:
        "../../../scripts/binding_plot_distances.py"


rule binding_summarise_topology:
    input:
        diagrams=rules.binding_compute_topology.output.diagrams,
        models=expand(
            rules.binding_compute_spectra.output.models,
            task=BINDING["tasks"],
            allow_missing=True,
        ),
    output:
        summary=report(
            "results/{run}/tables/binding/topology_summary.csv",
            caption="../../report/binding_topology_summary.rst",
            category="binding",
            subcategory="all tasks: topology",
        ),
    log:
        "logs/{run}/binding_summarise_topology.log",
    benchmark:
        "benchmarks/{run}/binding_summarise_topology.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        analysis=analysis_params("topology", "binding"),
        code=code_params("binding_summarise_topology", study="binding"),
    script:
        "../../../scripts/binding_summarise_topology.py"


rule binding_plot_topology_accuracy:
    input:
        summary=rules.binding_summarise_topology.output.summary,
    output:
        pdf="results/{run}/figures/binding/topology_accuracy.pdf",
        png=report(
            "results/{run}/figures/binding/topology_accuracy.png",
            caption="../../report/binding_topology_accuracy.rst",
            category="binding",
            subcategory="all tasks: topology",
        ),
    log:
        "logs/{run}/binding_plot_topology_accuracy.log",
    benchmark:
        "benchmarks/{run}/binding_plot_topology_accuracy.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        code=code_params("binding_plot_topology_accuracy", study="binding"),
    script:
        "../../../scripts/binding_plot_topology_accuracy.py"


rule binding_compare_experiments:
    input:
        models=expand(
            rules.binding_compute_spectra.output.models,
            task=BINDING["tasks"],
            allow_missing=True,
        ),
    output:
        summary=report(
            "results/{run}/tables/binding/binding_experiments.csv",
            caption="../../report/binding_experiments.rst",
            category="binding",
            subcategory="all tasks: comparison",
        ),
        tests=report(
            "results/{run}/tables/binding/binding_rank_tests.csv",
            caption="../../report/binding_rank_tests.rst",
            category="binding",
            subcategory="all tasks: comparison",
        ),
    log:
        "logs/{run}/binding_compare_experiments.log",
    benchmark:
        "benchmarks/{run}/binding_compare_experiments.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        settings=canonical_json(model_settings(BINDING)),
        analysis=analysis_params("comparison", "binding"),
        code=code_params("binding_compare_experiments", study="binding"),
    script:
        "../../../scripts/binding_compare_experiments.py"


rule binding_plot_comparison:
    input:
        models=expand(
            rules.binding_compute_spectra.output.models,
            task=BINDING["tasks"],
            allow_missing=True,
        ),
        tests=rules.binding_compare_experiments.output.tests,
    output:
        pdf="results/{run}/figures/binding/binding_comparison.pdf",
        png=report(
            "results/{run}/figures/binding/binding_comparison.png",
            caption="../../report/binding_comparison.rst",
            category="binding",
            subcategory="all tasks: comparison",
        ),
    log:
        "logs/{run}/binding_plot_comparison.log",
    benchmark:
        "benchmarks/{run}/binding_plot_comparison.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        settings=canonical_json(model_settings(BINDING)),
        analysis=analysis_params("comparison", "binding"),
        code=code_params("binding_plot_comparison", study="binding"),
    script:
        "../../../scripts/binding_plot_comparison.py"


rule binding_make_table1:
    input:
        models=expand(
            rules.binding_compute_spectra.output.models,
            task=BINDING["tasks"],
            allow_missing=True,
        ),
    output:
        table=report(
            "results/{run}/tables/binding/table1.csv",
            caption="../../report/binding_table1.rst",
            category="binding",
            subcategory="all tasks: comparison",
        ),
        markdown="results/{run}/tables/binding/table1.md",
    log:
        "logs/{run}/binding_make_table1.log",
    benchmark:
        "benchmarks/{run}/binding_make_table1.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        tasks=canonical_json(
            {
                name: {k: task[k] for k in ("task_id", "input_dim")}
                for name, task in BINDING["tasks"].items()
            }
        ),
        settings=canonical_json(model_settings(BINDING)),
        code=code_params("binding_make_table1", study="binding"),
    script:
        "../../../scripts/binding_make_table1.py"


rule binding_compute_variable_memories:
    input:
        data=expand(rules.make_dataset.output.data, study="binding", allow_missing=True),
        weights=expand(
            rules.train_model.output.weights, study="binding", allow_missing=True
        ),
        evaluation=expand(
            rules.evaluate_model.output.evaluation, study="binding", allow_missing=True
        ),
    output:
        memories="results/{run}/analysis/binding/{task}/{model}/seed{seed}/variable_memories.h5",
    log:
        "logs/{run}/binding_compute_variable_memories/{task}/{model}/seed{seed}.log",
    benchmark:
        "benchmarks/{run}/binding_compute_variable_memories/{task}/{model}/seed{seed}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("analysis", "binding"),
    params:
        hp=train_params("binding"),
        analysis=analysis_params("variable_memories", "binding"),
        code=code_params("binding_compute_variable_memories", study="binding"),
    script:
        "../../../scripts/binding_compute_variable_memories.py"


rule binding_make_variable_memory_table:
    input:
        memories=binding_memories,
    output:
        table=report(
            "results/{run}/tables/binding/{task}/variable_memories.csv",
            caption="../../report/binding_variable_memories_table.rst",
            category="binding",
            subcategory="{task}: variable memories",
        ),
    log:
        "logs/{run}/binding_make_variable_memory_table/{task}.log",
    benchmark:
        "benchmarks/{run}/binding_make_variable_memory_table/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        code=code_params("binding_make_variable_memory_table", study="binding"),
    script:
        "../../../scripts/binding_make_variable_memory_table.py"


rule binding_plot_variable_memories:
    input:
        memories=binding_memories,
    output:
        pdf="results/{run}/figures/binding/{task}/variable_memories.pdf",
        png=report(
            "results/{run}/figures/binding/{task}/variable_memories.png",
            caption="../../report/binding_variable_memories.rst",
            category="binding",
            subcategory="{task}: variable memories",
        ),
        locations_pdf="results/{run}/figures/binding/{task}/variable_locations.pdf",
        locations_png=report(
            "results/{run}/figures/binding/{task}/variable_locations.png",
            caption="../../report/binding_variable_locations.rst",
            category="binding",
            subcategory="{task}: variable memories",
        ),
    log:
        "logs/{run}/binding_plot_variable_memories/{task}.log",
    benchmark:
        "benchmarks/{run}/binding_plot_variable_memories/{task}.tsv"
    conda:
        "../../../envs/taskdyn.yaml"
    resources:
        **stage_resources("summary", "binding"),
    params:
        analysis=analysis_params("variable_memories", "binding"),
        code=code_params("binding_plot_variable_memories", study="binding"),
    script:
        "../../../scripts/binding_plot_variable_memories.py"


if "operator_spectra" in BINDING_ANALYSES:
    STUDY_TARGETS["binding"] += expand(
        [
            rules.binding_plot_spectra.output.png,
            rules.binding_plot_eigenvalue_histograms.output.png,
            rules.binding_plot_accuracy.output.png,
        ],
        run=RUN,
        task=BINDING["tasks"],
    )
if "signatures" in BINDING_ANALYSES:
    STUDY_TARGETS["binding"] += expand(
        rules.binding_plot_embeddings.output.png, run=RUN
    )
if "topology" in BINDING_ANALYSES:
    STUDY_TARGETS["binding"] += expand(
        [
            rules.binding_plot_persistence.output.png,
            rules.binding_plot_persistence_images.output.png,
            rules.binding_plot_distances.output.png,
            rules.binding_compute_topology.output.images,
            rules.binding_plot_topology_accuracy.output.png,
        ],
        run=RUN,
    )
if "comparison" in BINDING_ANALYSES:
    STUDY_TARGETS["binding"] += expand(
        [
            rules.binding_plot_comparison.output.png,
            rules.binding_make_table1.output.markdown,
        ],
        run=RUN,
    )
if "variable_memories" in BINDING_ANALYSES:
    STUDY_TARGETS["binding"] += expand(
        [
            rules.binding_make_variable_memory_table.output.table,
            rules.binding_plot_variable_memories.output.png,
        ],
        run=RUN,
        task=BINDING["tasks"],
    )
