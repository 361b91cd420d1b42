"""The analysis catalogue: what each generic analysis needs, what each study provides, and the
config validation built on them."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from taskdyn import catalogue
from taskdyn.catalogue import ANALYSES, PIECES
from taskdyn.config import ConfigError, load_yaml, validate_config

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "workflow" / "schemas"
STUDIES = sorted(p.name.removesuffix(".schema.yaml") for p in (SCHEMAS / "studies").glob("*.yaml"))
CONFIGS = sorted((ROOT / "config").glob("*.yaml")) + sorted((ROOT / "tests" / "configs").glob("*.yaml"))
RECURRENT = ("ctdb", "binding", "wm")

# A small valid config of each study, with training trials evaluated and two networks per task.
STUDY_CONFIGS = {
    "ctdb": {"tasks": {"3bff": {"kind": "flipflop", "n_bits": 2, "n_timesteps": 20,
                                "n_trials": 20}},
             "models": {"gru": {"type": "gru", "latent_size": 4}}, "seeds": [0, 1],
             "evaluate": {"n_train_trials": 4}},
    "binding": {"tasks": {"copy": {"task_id": [3, 0, 0], "input_dim": 2, "seq_length": [2, 3]}},
                "models": {"rnn": {"type": "vanilla", "latent_size": 4}}, "seeds": [0, 1],
                "evaluate": {"n_train_trials": 4}},
    "wm": {"tasks": {"stsf": {"n_back": [1], "features": ["location"], "seq_len": 5}},
           "models": {"gru": {"type": "gru", "latent_size": 4}}, "seeds": [0, 1],
           "evaluate": {"n_train_trials": 4}},
    "thalamus": {"data": {"source": "generate"}, "tasks": {"qa1": {"babi_tasks": [1]}},
                 "models": {"lstm": {"type": "lstm"}}, "seeds": [0, 1],
                 "evaluate": {"n_train_trials": 4}},
    "analogy": {"tasks": {"kg": {"num_entities": 10, "num_relations": 20, "sub_size": 5}},
                "models": {"gpt": {"d_model": 16}}, "seeds": [0, 1]},
}


def validated(study: str, analyses: dict | None = None, **changes) -> dict:
    """The study's small config (with `analyses` and top-level `changes`), validated."""
    cfg = {**copy.deepcopy(STUDY_CONFIGS[study]), **changes}
    if analyses is not None:
        cfg["analyses"] = analyses
    return validate_config({"run": "t", "studies": {study: cfg}}, SCHEMAS)["studies"][study]


def test_every_study_has_a_small_config():
    assert sorted(STUDY_CONFIGS) == STUDIES


def test_the_common_schema_defines_exactly_the_catalogue():
    common = load_yaml(SCHEMAS / "common.schema.yaml")["$defs"]
    assert set(common["analyses"]["properties"]) == set(ANALYSES)
    for study in STUDIES:
        analyses = load_yaml(SCHEMAS / "studies" / f"{study}.schema.yaml")["properties"]["analyses"]
        assert {"$ref": "common.schema.yaml#/$defs/analyses"} in analyses["allOf"], study
        assert analyses["unevaluatedProperties"] is False, study
        assert not set(analyses.get("properties", {})) & set(ANALYSES), study  # defined once


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_studies_provide_pieces_of_the_common_layout(path):
    config = validate_config(load_yaml(path), SCHEMAS)
    for study, cfg in config["studies"].items():
        provided = catalogue.provided(study, cfg)
        assert set(provided) == set(cfg["tasks"])
        for pieces in provided.values():
            assert {"hidden", "held_out"} <= pieces
            assert all(p in PIECES or p.startswith(catalogue.LABEL) for p in pieces), pieces


@pytest.mark.parametrize("study", RECURRENT)
def test_recurrent_studies_feed_every_analysis(study):
    assert catalogue.feedable(study, validated(study)) == list(ANALYSES)


@pytest.mark.parametrize("study", ["thalamus", "analogy"])
def test_sequence_models_feed_what_needs_no_one_step_map_or_weights(study):
    feedable = catalogue.feedable(study, validated(study))
    assert feedable == [a.name for a in ANALYSES.values()
                        if not {"step", "weights"} & set(a.needs)]


def test_natural_labels():
    labels = {study: catalogue.labels_of(next(iter(catalogue.provided(study, validated(study))
                                                   .values())))
              for study in STUDIES}
    assert labels["ctdb"] == ["bit0", "bit1"]
    # the longest window of a ranged seq_length (3) times input_dim (2)
    assert labels["binding"] == [f"input{j}_bit{b}" for j in range(3) for b in range(2)]
    assert {"location", "mem0_category", "mem4_location", "task"} <= set(labels["wm"])
    assert "mem5_location" not in labels["wm"]
    assert "fact_type" in labels["analogy"] and "answer" in labels["thalamus"]


def test_label_patterns_are_globs():
    pieces = {"labels/bit0", "labels/bit1", "labels/bit10", "hidden"}
    assert catalogue.matching_labels(["bit?"], pieces) == ["bit0", "bit1"]
    assert catalogue.matching_labels(["bit*"], pieces) == ["bit0", "bit1", "bit10"]
    assert catalogue.matching_labels(["hidden"], pieces) == []


@pytest.mark.parametrize("study, analyses, key, fragment", [
    ("binding", {"state_r2": {}}, "studies.binding.analyses.state_r2",
     "needs training trials (split 1), which study binding's task copy does not provide; "
     "set studies.binding.evaluate.n_train_trials above 0"),
    ("wm", {"state_r2": {}}, "studies.wm.analyses.state_r2", "needs training trials"),
    ("thalamus", {"fixed_points": {}}, "studies.thalamus.analyses.fixed_points",
     "needs the model's one-step map F(x, u), which study thalamus's task qa1 does not provide"),
    ("analogy", {"spectra": {}}, "studies.analogy.analyses.spectra",
     "needs recurrent weight matrices, which study analogy's task kg"),
    ("ctdb", {"label_decoding": {"labels": ["location"]}},
     "studies.ctdb.analyses.label_decoding.labels",
     "needs label 'location', which study ctdb's task 3bff does not provide (its labels: bit0"),
    ("ctdb", {"fixed_points": {"inputs": "per_phase"}},
     "studies.ctdb.analyses.fixed_points.inputs",
     "per_phase needs per-step trial phases, with each phase's constant input, which no task "
     "of study ctdb provides"),
    ("binding", {"fixed_points": {"inputs": "per_phase"}},
     "studies.binding.analyses.fixed_points.inputs", "which no task of study binding provides"),
    ("binding", {"dsa": {"n_delays": 250}}, "studies.binding.analyses.dsa.n_delays",
     "spans more than the 203 steps of study binding's task copy"),
    ("wm", {"dsa": {"n_components": 2, "n_delays": 2, "rank": 5}},
     "studies.wm.analyses.dsa.rank", "5 exceeds the delay-embedded dimension of model gru"),
])
def test_an_analysis_the_study_cannot_feed_is_rejected_naming_it(study, analyses, key, fragment):
    cfg = {**copy.deepcopy(STUDY_CONFIGS[study]), "analyses": analyses}
    if study in ("binding", "wm") and "state_r2" in analyses:
        cfg["evaluate"] = {"n_train_trials": 0}
    with pytest.raises(ConfigError) as err:
        validate_config({"run": "t", "studies": {study: cfg}}, SCHEMAS)
    assert f"config key '{key}': " in str(err.value)
    assert fragment in str(err.value)


def test_per_phase_fixed_points_need_one_task_with_phases():
    tasks = {**STUDY_CONFIGS["ctdb"]["tasks"],
             "mt": {"kind": "multitask", "subtasks": ["MemoryPro"], "n_trials_per_subtask": 2,
                    "bin_size": 80, "n_timesteps": 80}}
    cfg = validated("ctdb", {"fixed_points": {"inputs": "per_phase"}}, tasks=tasks)
    assert cfg["analyses"]["fixed_points"]["inputs"] == "per_phase"
    assert validated("ctdb", {"fixed_points": {}})["analyses"]["fixed_points"]["inputs"] == "zero"


REACH = {"kind": "randomtarget", "n_trials": 4, "n_timesteps": 60}
MEMORY = {"kind": "multitask", "subtasks": ["MemoryPro"], "n_trials_per_subtask": 2,
          "bin_size": 80, "n_timesteps": 80}


@pytest.mark.parametrize(("inputs", "dropped"), [("zero", {"reach", "mt"}),
                                                 ("per_phase", {"reach"})])
def test_fixed_points_are_dropped_where_they_mean_nothing(inputs, dropped):
    """Closed-loop reaching never has them; MultiTask at zero input has no rule on."""
    tasks = {**STUDY_CONFIGS["ctdb"]["tasks"], "reach": REACH, "mt": MEMORY}
    cfg = validated("ctdb", {"fixed_points": {"inputs": inputs}}, tasks=tasks)
    assert set(catalogue.dropped("ctdb", cfg)) == dropped
    assert "closed loop" in catalogue.dropped("ctdb", cfg)["reach"]["fixed_points"]
    assert catalogue.applies("ctdb", cfg, "3bff", "fixed_points")
    assert not catalogue.applies("ctdb", cfg, "reach", "fixed_points")


def test_an_analysis_meaningless_for_every_task_is_rejected_with_the_reason():
    with pytest.raises(ConfigError) as err:
        validated("ctdb", {"fixed_points": {}}, tasks={"reach": REACH})
    assert "config key 'studies.ctdb.analyses.fixed_points': " in str(err.value)
    assert "has no meaning for any task of study ctdb: the network runs in closed loop" in str(
        err.value)


def test_pairwise_analyses_need_two_networks():
    with pytest.raises(ConfigError, match=r"analyses\.dsa'.*it needs at least 2"):
        validated("wm", {"dsa": {"n_delays": 2}}, seeds=[0])
    assert "hidden_topology" in validated("wm", {"hidden_topology": {}}, seeds=[0])["analyses"]


def test_a_wrong_value_in_a_generic_block_is_reported_once_under_its_key():
    with pytest.raises(ConfigError) as err:
        validated("binding", {"pca": {"max_components": 0}})
    lines = [line for line in str(err.value).splitlines() if "config key" in line]
    assert lines == ["  config key 'studies.binding.analyses.pca.max_components': "
                     "0 is less than the minimum of 1"]


def test_an_unknown_analysis_lists_the_study_and_generic_ones():
    with pytest.raises(ConfigError, match=r"'tsne' was unexpected\); accepted keys: \[.*"
                                          r"'hidden_topology'.*'operator_spectra'"):
        validated("binding", {"tsne": {}})


def test_validation_expands_the_analogy_sweep():
    config = validate_config(load_yaml(ROOT / "tests" / "configs" / "analogy.yaml"), SCHEMAS)
    assert set(config["studies"]["analogy"]["models"]) == {"gpt", "gpt_lr_0p003"}


def test_the_test_configs_run_every_analysis_each_study_can_feed():
    """Together the tiny configs of tests/configs enable, per study, every analysis one of them
    can feed: the pipeline tests then run the whole catalogue on every study."""
    feedable, enabled = {}, {}
    for path in (ROOT / "tests" / "configs").glob("*.yaml"):
        for study, cfg in validate_config(load_yaml(path), SCHEMAS)["studies"].items():
            feedable.setdefault(study, set()).update(catalogue.feedable(study, cfg))
            enabled.setdefault(study, set()).update(a for a in cfg["analyses"] if a in ANALYSES)
    assert set(feedable) == set(STUDIES)
    for study in STUDIES:
        assert feedable[study] <= enabled[study], (study, feedable[study] - enabled[study])
    assert feedable["binding"] == feedable["wm"] == set(ANALYSES)


def test_catalogue_table_names_every_analysis_and_its_needs():
    table = catalogue.catalogue_table()
    assert [row["analysis"] for row in table] == list(ANALYSES)
    decoding = next(row for row in table if row["analysis"] == "label_decoding")
    assert "labels named in `labels`" in decoding["needs"]
    assert yaml.safe_dump(table)  # plain strings, ready for a README table
