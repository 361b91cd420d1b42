# Config validation, wildcard constraints and the helpers that give each job its config slice.
import functools
import json
from pathlib import Path

from taskdyn.catalogue import applies
from taskdyn.fingerprint import code_record
from taskdyn.config import (
    canonical_json,
    entry_slice,
    load_yaml,
    run_seeds,
    train_slice,
    validate_config,
)

for _configfile in workflow.configfiles:
    load_yaml(_configfile)  # rejects duplicate keys, which plain YAML silently merges
# Cluster jobs re-parse this file: the main process has run the studies' own checks already.
validate_config(
    config,
    Path(workflow.basedir) / "workflow" / "schemas",
    study_checks=not workflow.remote_exec,
)

RUN = config["run"]
STUDIES = config["studies"]
SEED_BATCHED = [s for s, cfg in STUDIES.items() if cfg.get("seed_batch")]
# Study rule files add their final outputs here, by study; `all` and `<study>_all` request them.
STUDY_TARGETS = {study: [] for study in STUDIES}


wildcard_constraints:
    run=r"[A-Za-z0-9_.-]+",
    study=r"[a-z0-9_]+",
    task=r"[a-z0-9_]+",
    model=r"[a-z0-9_]+",
    seed=r"\d+",


def study_rule_files():
    """The extra rule file of each configured study that has one."""
    rules_dir = Path(workflow.basedir) / "workflow" / "rules" / "studies"
    return [str(p) for s in STUDIES if (p := rules_dir / f"{s}.smk").exists()]


def task_models(study, task):
    """The models trained on one task of a study: the task's `models` list where its config
    has one (thalamus configurations), else every model, in config order."""
    cfg = STUDIES[study]
    task_cfg = cfg["tasks"].get(task)
    chosen = task_cfg.get("models") if isinstance(task_cfg, dict) else None
    return [m for m in cfg["models"] if chosen is None or m in chosen]


def model_runs(study, task):
    """Every (model, seed) trained on one task of a study."""
    return [
        (m, s)
        for m in task_models(study, task)
        for s in run_seeds(STUDIES[study], task, m)
    ]


def study_runs(study):
    """[task, model, seed] of every trained network of `study`."""
    return [
        [task, m, s]
        for task in STUDIES[study]["tasks"]
        for m, s in model_runs(study, task)
    ]


def study_tasks():
    """Every (study, task) pair of the run."""
    return [(s, t) for s, cfg in STUDIES.items() for t in cfg["tasks"]]


def analysis_enabled(study, name):
    return name in STUDIES[study].get("analyses", {})


def analysis_applies(study, task, name):
    """Whether an enabled analysis runs on `task` (its study does not drop it there)."""
    return applies(study, STUDIES[study], task, name)


def per_model(pattern, study, task):
    """`pattern` expanded over a task's models × seeds."""
    return [
        pattern.format(run=RUN, study=study, task=task, model=m, seed=s)
        for m, s in model_runs(study, task)
    ]


def per_model_first_seed(pattern, study, task):
    """`pattern` for each model of a task at its first seed (example figures)."""
    return [
        pattern.format(run=RUN, study=study, task=task, model=m, seed=seeds[0])
        for m in task_models(study, task)
        if (seeds := run_seeds(STUDIES[study], task, m))
    ]


def task_params(study=None):
    """A params function: the config slice of the job's {task} of `study` (default: the job's
    {study})."""

    def params(wildcards):
        return canonical_json(
            entry_slice(STUDIES[study or wildcards.study]["tasks"][wildcards.task])
        )

    return params


def train_params(study=None):
    """A params function: the training slice (task, model, train) of the job's {task} and
    {model} of `study` (default: the job's {study})."""

    def params(wildcards):
        name = study or wildcards.study
        return canonical_json(
            train_slice(config, name, wildcards.task, wildcards.model)
        )

    return params


def model_train_params(study):
    """A params function: the train settings of every model of `study` on the job's {task}."""

    def params(wildcards):
        return canonical_json(
            [
                train_slice(config, study, wildcards.task, m)["train"]
                for m in task_models(study, wildcards.task)
            ]
        )

    return params


def single_seed_studies():
    """Wildcard pattern of the studies trained one seed per job (not `seed_batch`)."""
    names = [s for s in STUDIES if s not in SEED_BATCHED]
    return "|".join(names) if names else "(?!)"


def seed_paths(study, tail):
    """One output path per seed of `study`: results/{run}/models/<study>/{task}/{model}/seed<tail>."""
    pattern = (
        f"results/{{{{run}}}}/models/{study}/{{{{task}}}}/{{{{model}}}}/seed{tail}"
    )
    return expand(pattern, seed=STUDIES[study]["seeds"])


def evaluate_params(wildcards):
    return canonical_json(STUDIES[wildcards.study].get("evaluate", {}))


def analysis_params(name, study=None):
    """A params function: analysis `name`'s config slice of `study` (default: the job's
    {study})."""

    def params(wildcards):
        analyses = STUDIES[study or wildcards.study].get("analyses", {})
        return canonical_json(analyses.get(name, {}))

    return params


def config_params(study, *keys):
    """A params function: the config slice `studies.<study>.<keys...>` (the whole study without
    its cluster `resources`, which change no result)."""

    def params(wildcards):
        value = {k: v for k, v in STUDIES[study].items() if k != "resources"}
        for key in keys:
            value = value[key]
        return canonical_json(value)

    return params


def derived_params(function, *args):
    """A params function: `function(*args)`, something the workflow derives from the config
    (the runs a table covers, the sweep points), as canonical JSON."""

    def params(wildcards):
        return canonical_json(function(*args))

    return params


def code_params(script, study=None, models=True):
    """A params function: the fingerprint of the `taskdyn` code that scripts/<script>.py runs
    for the job (taskdyn.fingerprint), so a code edit reruns it. `study`: the job's {study}
    unless given. Model families: the job's {model}'s alone, else every model of the study's;
    none with `models=False` (rules upstream of training, which build no model)."""
    path = Path(workflow.basedir) / "scripts" / f"{script}.py"

    def params(wildcards):
        name = study or getattr(wildcards, "study", None)
        models_cfg = STUDIES[name]["models"] if name in STUDIES else None
        if not models:
            types = []
        elif models_cfg is None:
            types = None
        elif "model" in wildcards.keys():
            types = [models_cfg[wildcards.model].get("type")]
        else:
            types = [m.get("type") for m in models_cfg.values()]
        if types is not None:
            types = tuple(sorted(set(types), key=str))
        return cached_code_record(path, name, types)

    return params


@functools.cache  # one per script, study and model types for the whole parse (≈1,900 jobs)
def cached_code_record(path, study, model_types):
    return code_record(path, study, model_types)


def checkpoint_path(wildcards):
    return seed_checkpoint(wildcards.study, wildcards, wildcards.seed)


def seed_checkpoint(study, wildcards, seed):
    """Outside the declared outputs (Snakemake deletes those on failure); keyed by the hp hash,
    and the same for a seed trained alone or in a seed batch."""
    from taskdyn.provenance import config_hash

    hp = train_slice(config, study, wildcards.task, wildcards.model)
    return (
        f"results/{wildcards.run}/.checkpoints/{study}/{wildcards.task}/"
        f"{wildcards.model}/seed{seed}-{config_hash(hp)}.pt"
    )


def seed_checkpoints(study, wildcards):
    return [seed_checkpoint(study, wildcards, seed) for seed in STUDIES[study]["seeds"]]


# ---- cluster resources: the study's `resources:` by stage, over these defaults -----------------

STAGE_RESOURCES = {
    "data": {"runtime": 30, "mem_mb": 4000, "gpus": 0},
    "train": {"runtime": 60, "mem_mb": 4000, "gpus": 1},
    "evaluate": {"runtime": 15, "mem_mb": 4000, "gpus": 0},
    "analysis": {"runtime": 15, "mem_mb": 4000, "gpus": 0},
    "summary": {"runtime": 30, "mem_mb": 4000, "gpus": 0},
}


def stage_setting(stage, key, study=None):
    """A resource function: `key` of `stage` for `study` (default: the job's {study}), the
    job's {task}'s own value first, scaled by the attempt for runtime and memory (a retried
    job asks for more)."""
    scale = key != "gpus"

    def value(wildcards, attempt):
        own = STUDIES[study or wildcards.study].get("resources", {}).get(stage, {})
        task = own.get("tasks", {}).get(wildcards.get("task"), {})
        base = task.get(key, own.get(key, STAGE_RESOURCES[stage][key]))
        return base * attempt if scale else base

    return value


def stage_resources(stage, study=None):
    """A rule's `resources:` (unpack it): runtime, memory and GPUs of its stage."""
    return {
        "runtime": stage_setting(stage, "runtime", study),
        "mem_mb": stage_setting(stage, "mem_mb", study),
        "gpu": stage_setting(stage, "gpus", study),
    }


# ---- the study contract: the files each dataset reads -----------------------------------------


def dataset_inputs(wildcards):
    """The named files a task's dataset reads, as its study declares them (none for most)."""
    from taskdyn.studies import get_dataset_inputs

    study = wildcards.study
    return get_dataset_inputs(study)(STUDIES[study], wildcards.run, wildcards.task)


# -----------------------------------------------------------------------------------------------


def figure(name):
    """The PDF and PNG outputs of one figure."""
    return {"pdf": f"{name}.pdf", "png": f"{name}.png"}


def generic_targets(study, task):
    """The final outputs of the generic analyses enabled for one task of a study."""
    prefix = f"results/{RUN}"
    tables, figures = (
        f"{prefix}/tables/{study}/{task}",
        f"{prefix}/figures/{study}/{task}",
    )
    per_seed = f"{prefix}/figures/{{study}}/{{task}}/{{model}}/seed{{seed}}"
    targets = [f"{tables}/metrics.csv", f"{figures}/learning_curves.png"]
    if analysis_enabled(study, "trials"):
        targets += per_model_first_seed(f"{per_seed}/trials.png", study, task)
    if analysis_enabled(study, "pca"):
        targets.append(f"{figures}/scree.png")
    if analysis_enabled(study, "state_r2"):
        targets += [
            f"{tables}/state_r2.csv",
            f"{figures}/state_r2.png",
            f"{figures}/trajectory_overlay.png",
        ]
    if analysis_applies(study, task, "fixed_points"):
        targets += per_model_first_seed(f"{per_seed}/fixed_points.png", study, task)
    if analysis_enabled(study, "spectra"):
        targets += per_model_first_seed(f"{per_seed}/spectra.png", study, task)
    if similarity_results(study):
        targets += [f"{tables}/similarity_summary.csv", f"{figures}/similarity.png"]
    if analysis_enabled(study, "label_decoding"):
        targets += per_model(rules.decode_labels.output.table, study, task)
        targets += per_model_first_seed(f"{per_seed}/label_decoding.png", study, task)
    if analysis_enabled(study, "hidden_topology"):
        targets += [f"{tables}/hidden_distances.csv", f"{figures}/hidden_topology.png"]
    return targets


def study_targets(study):
    """Every final output of one study: its generic analyses' and its own."""
    tasks = STUDIES[study]["tasks"]
    return [t for task in tasks for t in generic_targets(study, task)] + STUDY_TARGETS[
        study
    ]


def all_targets():
    return [t for study in STUDIES for t in study_targets(study)]


def manifest_inputs(wildcards):
    """Every final target: so the manifest is written after every job of the run, and again
    when any reruns (an input function, as the study rule files add targets after this).
    """
    return all_targets()


def evaluation_paths(study, task, models=None):
    """{evaluation file: (model, seed)} of `models` (default: every model) × seeds of one task
    of `study`, in config order."""
    return {
        rules.evaluate_model.output.evaluation.format(
            run=RUN, study=study, task=task, model=m, seed=s
        ): (m, s)
        for m, s in model_runs(study, task)
        if models is None or m in models
    }


def evaluations_of(study=None, models=None):
    """An input function: the evaluations of `study` (default: the job's {study}) on the job's
    {task}, of every model × seed or of `models` × seeds (in config order)."""

    def inputs(wildcards):
        return list(evaluation_paths(study or wildcards.study, wildcards.task, models))

    return inputs


def evaluation_runs(study, models):
    """A params function: the model and seed of each evaluation of `models` (× seeds) on the
    job's {task}, keyed by the evaluation's path, so reordering models in the config changes
    nothing."""

    def params(wildcards):
        paths = evaluation_paths(study, wildcards.task, models)
        return canonical_json(
            {path: {"model": m, "seed": s} for path, (m, s) in paths.items()}
        )

    return params


def overlay_evaluations(wildcards):
    """The evaluations the trajectory overlay of the job's {task} compares, reference first:
    the first model at the first seed, then the first model of each other model type at the
    first seed (where every model has the reference's type: the next network in config
    order)."""
    study, task = wildcards.study, wildcards.task
    models, seed = task_models(study, task), STUDIES[study]["seeds"][0]
    kinds = {m: STUDIES[study]["models"][m].get("type", m) for m in models}
    runs, seen = [(models[0], seed)], {kinds[models[0]]}
    for m in models[1:]:
        if kinds[m] not in seen:
            seen.add(kinds[m])
            runs.append((m, seed))
    if len(runs) == 1:
        runs += model_runs(study, task)[1:2]
    return [
        rules.evaluate_model.output.evaluation.format(
            run=wildcards.run, study=study, task=task, model=m, seed=s
        )
        for m, s in runs
    ]


def task_histories(wildcards):
    """Every model × seed training history of the job's {study} and {task}."""
    return per_model(rules.train_model.output.history, wildcards.study, wildcards.task)


def task_pcas(wildcards):
    """Every model × seed PCA of the job's {study} and {task}."""
    return per_model(rules.compute_pca.output.pca, wildcards.study, wildcards.task)


def similarity_results(study):
    """The pairwise-measure files of the study's enabled similarity analyses ({task} open)."""
    files = {"dsa": "dsa.h5", "similarity": "shape_similarity.h5"}
    return [
        f"results/{{run}}/analysis/{study}/{{task}}/{name}"
        for analysis, name in files.items()
        if analysis_enabled(study, analysis)
    ]


def similarity_table_inputs(wildcards):
    return [path.format(**wildcards) for path in similarity_results(wildcards.study)]


def spectra_inputs(wildcards):
    """The evaluation, plus the fixed points when that analysis is enabled."""
    inputs = {"evaluation": rules.evaluate_model.output.evaluation.format(**wildcards)}
    if analysis_applies(wildcards.study, wildcards.task, "fixed_points"):
        inputs["fixed_points"] = rules.find_fixed_points.output.fixed_points.format(
            **wildcards
        )
    return inputs


def metrics_table_inputs(wildcards):
    """Every model × seed's evaluation and metadata, plus enabled per-model analyses."""
    study, task = wildcards.study, wildcards.task
    inputs = {
        "evaluations": per_model(rules.evaluate_model.output.evaluation, study, task),
        "metas": per_model(rules.train_model.output.meta, study, task),
    }
    if analysis_applies(study, task, "fixed_points"):
        inputs["fixed_points"] = per_model(
            rules.find_fixed_points.output.fixed_points, study, task
        )
    if analysis_enabled(study, "spectra"):
        inputs["spectra"] = per_model(rules.compute_spectra.output.spectra, study, task)
    return inputs


def binding_memories(wildcards):
    """Every model × seed variable-memory file of the job's {task}."""
    return per_model(
        rules.binding_compute_variable_memories.output.memories,
        "binding",
        wildcards.task,
    )


def thalamus_gate_overlaps(wildcards):
    """The gate overlap of every learned-gate reader × seed trained on the job's {task} (thalamus
    rules; `THALAMUS`, `runs` and `gated` come from its rule file)."""
    return [
        rules.thalamus_measure_gate_overlap.output.table.format(
            run=wildcards.run, task=wildcards.task, **r
        )
        for r in runs(THALAMUS, gated(THALAMUS), wildcards.task)
    ]
