# Variable-binding study: W_hh spectra against the task operator per task, then signatures,
# persistent homology and a comparison across tasks (the study's "experiments").
from taskdyn.studies.binding import longest_horizon

BINDING = STUDIES["binding"]
BINDING_ANALYSES = BINDING["analyses"]
BINDING_EVALUATIONS = [
    path
    for task in BINDING["tasks"]
    for path in per_model(rules.evaluate_model.output.evaluation, "binding", task)
]


rule binding_compute_spectra:
    input:
        evaluations=lambda w: per_model(
            rules.evaluate_model.output.evaluation, "binding", w.task
        ),
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
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        task=lambda w: canonical_json(BINDING["tasks"][w.task]),
        analysis=lambda w: canonical_json(BINDING_ANALYSES["operator_spectra"]),
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
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        analysis=lambda w: canonical_json(BINDING_ANALYSES["operator_spectra"]),
    script:
        "../../../scripts/binding_plot_spectra.py"


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
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        trained_horizon=lambda w: longest_horizon(
            [train_slice(config, "binding", w.task, m)["train"] for m in BINDING["models"]]
        ),
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
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        analysis=lambda w: canonical_json(BINDING_ANALYSES["signatures"]),
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
    conda:
        "../../../envs/taskdyn.yaml"
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
    params:
        analysis=lambda w: canonical_json(BINDING_ANALYSES["topology"]),
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
    conda:
        "../../../envs/taskdyn.yaml"
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
    conda:
        "../../../envs/taskdyn.yaml"
    params:
        pixel_size=lambda w: BINDING_ANALYSES["topology"]["pixel_size"],
        sigma=lambda w: BINDING_ANALYSES["topology"]["sigma"],
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
    conda:
        "../../../envs/taskdyn.yaml"
    script:
        "../../../scripts/binding_plot_distances.py"


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
    conda:
        "../../../envs/taskdyn.yaml"
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
    conda:
        "../../../envs/taskdyn.yaml"
    script:
        "../../../scripts/binding_plot_comparison.py"


_binding_targets = []
if "operator_spectra" in BINDING_ANALYSES:
    _binding_targets += expand(
        "results/{run}/figures/binding/{task}/binding_{figure}.png",
        run=RUN,
        task=BINDING["tasks"],
        figure=["spectra", "accuracy"],
    )
if "signatures" in BINDING_ANALYSES:
    _binding_targets.append("results/{run}/figures/binding/binding_embeddings.png")
if "topology" in BINDING_ANALYSES:
    _binding_targets += [
        "results/{run}/figures/binding/binding_persistence.png",
        "results/{run}/figures/binding/binding_persistence_images.png",
        "results/{run}/figures/binding/binding_distances.png",
        "results/{run}/tables/binding/binding_images.csv",
    ]
if "comparison" in BINDING_ANALYSES:
    _binding_targets.append("results/{run}/figures/binding/binding_comparison.png")
_binding_targets = [t.format(run=RUN) for t in _binding_targets]
STUDY_TARGETS.extend(_binding_targets)


rule binding_all:
    """Only this study: `snakemake binding_all` (a --configfile merges into config/config.yaml)."""
    input:
        [t for task in BINDING["tasks"] for t in generic_targets("binding", task)],
        _binding_targets,
