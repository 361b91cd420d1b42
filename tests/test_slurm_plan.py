"""The SLURM profile's plan for the paper config: how many submissions it would make.

`snakemake -n --profile profiles/slurm --configfile config/paper.yaml` lists every job; jobs
packed into one allocation appear under one "Group job <name>" heading. A submission is a group
job, or a job outside any group that does not run where Snakemake runs (local rules: those
named under a `localrules:` directive, and target rules without outputs).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pytest
import yaml
from pipeline import REPO, prepare_pipeline

MAX_SUBMISSIONS = 250
PROFILE = REPO / "profiles" / "slurm"


@dataclass
class Plan:
    """The dry run's jobs: group jobs (name → member rules) and ungrouped jobs (rule, outputs?)."""

    groups: dict[str, list[str]]
    single: list[tuple[str, bool]]


def dry_run_plan(output: str) -> Plan:
    """Group jobs and ungrouped jobs of a `snakemake -n` listing: a group's members are the
    indented `rule` blocks under its heading; a job's block has an `output:` line if it has
    outputs."""
    groups: dict[str, list[str]] = {}
    single: list[tuple[str, bool]] = []
    group = None
    for line in output.splitlines():
        if heading := re.search(r"\] Group job (\S+) ", line):
            group = f"{heading.group(1)}#{len(groups)}"
            groups[group] = []
        elif member := re.match(r"    (?:local)?rule (\w+):", line):
            groups[group].append(member.group(1))
        elif job := re.match(r"(?:local)?rule (\w+):", line):
            group = None
            single.append((job.group(1), False))
        elif line.startswith("    output:") and group is None and single:
            single[-1] = (single[-1][0], True)
    return Plan(groups, single)


def local_rules() -> set[str]:
    """Rule names under the workflow's `localrules:` directives."""
    names: set[str] = set()
    for path in REPO.glob("workflow/rules/**/*.smk"):
        for block in re.findall(r"^localrules:\n((?:    \w+,?\n)+)", path.read_text(), re.MULTILINE):
            names |= {name.strip(" ,") for name in block.split()}
    return names


@pytest.fixture(scope="module")
def paper_plan(tmp_path_factory) -> Plan:
    pipeline = prepare_pipeline(tmp_path_factory.mktemp("paper_plan"), REPO / "config" / "paper.yaml")
    result = pipeline.snakemake("-n", "--profile", PROFILE, cores=None, timeout=300)
    return dry_run_plan(result.output)


def test_paper_config_plans_at_most_250_submissions(paper_plan):
    local = local_rules()
    assert "write_manifest" in local and "thalamus_download_babi" in local
    remote = [rule for rule, has_output in paper_plan.single if has_output and rule not in local]
    submissions = len(paper_plan.groups) + len(remote)
    members = sum(len(rules) for rules in paper_plan.groups.values())
    print(f"\nconfig/paper.yaml through profiles/slurm: {submissions} SLURM submissions "
          f"({len(paper_plan.groups)} group jobs packing {members} jobs, {len(remote)} single "
          f"jobs; {len(paper_plan.single) - len(remote)} local jobs)")
    assert members > 1000  # the paper grid itself is there
    assert submissions <= MAX_SUBMISSIONS


def test_every_rule_that_runs_on_the_cluster_has_a_group():
    """A rule the profile does not group would make one SLURM submission per job."""
    groups = yaml.safe_load((PROFILE / "config.yaml").read_text())["groups"]
    defined = {name for path in [*REPO.glob("workflow/rules/**/*.smk"), REPO / "Snakefile"]
               for name in re.findall(r"^rule (\w+):", path.read_text(), re.MULTILINE)}
    assert {"plot_trajectory_overlay", "ctdb_plot_psychometric"} <= defined
    assert sorted(defined - set(groups) - local_rules() - {"all"}) == []


def test_each_model_is_one_submission_with_one_gpu_request(paper_plan):
    # Every group with training holds all seeds of one model (the seed-batched study: one job).
    trained = {name: rules for name, rules in paper_plan.groups.items()
               if any(rule.startswith("train_") for rule in rules)}
    assert trained and all(name.startswith("model_") for name in trained)
    ctdb_gru = [rules for name, rules in trained.items()
                if name.startswith("model_ctdb_3bff_gru#")]
    assert len(ctdb_gru) == 1
    counts = Counter(ctdb_gru[0])
    assert counts["train_model"] == counts["evaluate_model"] == 5
    assert {"compute_pca", "find_fixed_points", "plot_trials"} <= set(counts)
    binding = [rules for name, rules in trained.items() if name.startswith("model_binding_")]
    assert binding and all(Counter(r)["train_seed_batch_binding"] == 1 for r in binding)
    # Cross-model tables, figures and claims: one group per study, after its models.
    studies = [name.split("#")[0] for name in paper_plan.groups if name.startswith("study_")]
    assert sorted(studies) == ["study_analogy", "study_binding", "study_ctdb", "study_thalamus",
                               "study_wm"]


def test_training_asks_for_one_gpu_and_the_run_config_sets_runtime(tmp_path):
    """A study's `resources:` reach the jobs (per task over per study), scaled by the attempt
    only for time and memory."""
    config = {"run": "res", "studies": {"ctdb": {
        "tasks": {"3bff": {"kind": "flipflop", "n_bits": 3, "n_timesteps": 20, "n_trials": 40}},
        "models": {"gru": {"type": "gru", "latent_size": 8}},
        "seeds": [0],
        "resources": {"train": {"runtime": 600, "tasks": {"3bff": {"mem_mb": 9000}}},
                      "evaluate": {"runtime": 7}},
    }}}
    output = prepare_pipeline(tmp_path, config).snakemake(
        "-n", "--profile", PROFILE, cores=None, timeout=120).output
    resources = dict(re.findall(r"rule (\w+):\n(?:        .*\n)*?        resources: (.*)", output))
    assert "runtime=600" in resources["train_model"] and "mem_mb=9000" in resources["train_model"]
    assert "gpu=1" in resources["train_model"]
    assert "runtime=7" in resources["evaluate_model"] and "gpu=0" in resources["evaluate_model"]


def test_resources_for_an_unknown_task_fail_before_any_job(tmp_path):
    config = {"run": "bad", "studies": {"ctdb": {
        "tasks": {"3bff": {"kind": "flipflop", "n_bits": 3, "n_timesteps": 20, "n_trials": 40}},
        "models": {"gru": {"type": "gru", "latent_size": 8}},
        "seeds": [0],
        "resources": {"train": {"tasks": {"randomtarget": {"runtime": 600}}}},
    }}}
    result = prepare_pipeline(tmp_path, config).snakemake("-n", cores=1, check=False,
                                                          timeout=120)
    assert result.returncode != 0
    assert "studies.ctdb.resources.train.tasks: 'randomtarget' is not a task" in result.output
    assert "Job stats" not in result.output


def test_profile_has_cluster_examples_and_no_gpus_in_slurm_extra():
    text = (PROFILE / "config.yaml").read_text()
    for example in ("slurm_account:", "slurm_partition:", "constraint:", 'gres: "gpu:1"'):
        assert f"# {example}" in text
    assert not re.search(r"^slurm-no-account", text, re.MULTILINE)
    assert "--gres" not in re.sub(r"#.*", "", text)
