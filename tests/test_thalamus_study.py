"""The thalamus study: config checks, dataset from bAbI files, evaluation layout."""

from pathlib import Path

import numpy as np
import pytest
import torch

from taskdyn.config import ConfigError, validate_config
from taskdyn.studies.base import Job
from taskdyn.studies.thalamus.analysis import gate_overlap_matrix, task_swap_matrix
from taskdyn.studies.thalamus.inputs import dataset_inputs
from taskdyn.studies.thalamus.jobs import swap_outputs
from taskdyn.studies.thalamus.study import STUDY
from taskdyn.tasks.babi_generate import babi_file_name, write_babi_files

SCHEMAS = Path(__file__).resolve().parents[1] / "workflow" / "schemas"
MODEL = {"type": "thalamus", "k": 4, "hidden_size": 8, "embed_size": 8, "n_heads": 2,
         "workspace_size": 16, "phase_dim": 4}


def _config(data, tasks=None, models=None):
    return {"run": "t", "studies": {"thalamus": {
        "data": data, "tasks": tasks or {"qa1": {"babi_tasks": [1]}},
        "models": models or {"thalamus": {"type": "thalamus"}}, "seeds": [0]}}}


def test_path_source_needs_an_existing_directory_with_the_task_files(tmp_path):
    with pytest.raises(ConfigError, match=r"studies\.thalamus\.data\.path.*required"):
        validate_config(_config({"source": "path"}), SCHEMAS)
    with pytest.raises(ConfigError, match=r"studies\.thalamus\.data\.path.*does not exist"):
        validate_config(_config({"source": "path", "path": str(tmp_path / "nope")}), SCHEMAS)
    with pytest.raises(ConfigError, match=r"data\.path.*qa1_single-supporting-fact_test"):
        (tmp_path / babi_file_name(1, "train")).write_text("")
        validate_config(_config({"source": "path", "path": str(tmp_path)}), SCHEMAS)
    (tmp_path / babi_file_name(1, "test")).write_text("")
    config = validate_config(_config({"source": "path", "path": str(tmp_path)}), SCHEMAS)
    assert config["studies"]["thalamus"]["models"]["thalamus"]["k"] == 12  # schema default


def test_bad_values_fail_validation_naming_the_key():
    with pytest.raises(ConfigError, match=r"tasks\.qa4\.babi_tasks.*cannot be generated"):
        validate_config(_config({"source": "generate"}, tasks={"qa4": {"babi_tasks": [4]}}),
                        SCHEMAS)
    with pytest.raises(ConfigError, match=r"models\.thalamus\.n_heads.*divide"):
        validate_config(_config({"source": "generate"}, models={
            "thalamus": {"type": "thalamus", "hidden_size": 5, "n_heads": 4}}), SCHEMAS)
    with pytest.raises(ConfigError, match=r"data\.source"):
        validate_config(_config({"source": "ftp"}), SCHEMAS)
    with pytest.raises(ConfigError,
                       match=r"tasks\.qa1\.models': 'lstm' is not a model of the study"):
        validate_config(_config({"source": "generate"}, tasks={
            "qa1": {"babi_tasks": [1], "models": ["thalamus", "lstm"]}}), SCHEMAS)


def test_dataset_inputs_are_the_bab_i_files_of_the_data_source():
    study = {"data": {"source": "generate"}, "tasks": {"qa": {"babi_tasks": [1, 6]}}}
    inputs = dataset_inputs(study, "r", "qa")
    assert inputs["qa6_test"] == f"results/r/babi/thalamus/generated/{babi_file_name(6, 'test')}"
    assert sorted(inputs) == ["qa1_test", "qa1_train", "qa6_test", "qa6_train"]
    study["data"] = {"source": "path", "path": "/data/en/"}
    assert dataset_inputs(study, "r", "qa")["qa1_train"] == f"/data/en/{babi_file_name(1, 'train')}"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("babi")
    for n in (1, 6):
        write_babi_files(n, {s: root / babi_file_name(n, s) for s in ("train", "test")},
                         n_train=60, n_test=20, seed=0)
    task = {"babi_tasks": [1, 6], "val_fraction": 0.2, "max_sentences": 50,
            "max_story_tokens": 40, "max_question_tokens": 6}
    study = {"data": {"source": "path", "path": str(root)}, "tasks": {"qa": task}}
    job = Job("thalamus", task_name="qa", task=task, inputs=dataset_inputs(study, "r", "qa"))
    data = STUDY.make_dataset(job)
    return data, STUDY.dataset_attrs(job, data)


def test_dataset_splits_by_story_with_task_ids_and_training_vocabulary(dataset):
    data, attrs = dataset
    assert len(data["train"]["answer"]) + len(data["val"]["answer"]) == 120
    assert len(data["test"]["answer"]) == 40
    assert not set(data["train"]["story_index"][data["train"]["task"] == 0]) & set(
        data["val"]["story_index"][data["val"]["task"] == 0])
    assert sorted(np.unique(data["test"]["task"])) == [0, 1]
    assert attrs["babi_tasks"] == [1, 6] and attrs["words"][:2] == ["<pad>", "<unk>"]
    assert {"yes", "no"} <= set(attrs["answers"]) and attrs["max_story_tokens"] == 40


@pytest.mark.parametrize("model_cfg", [MODEL, {"type": "lstm", "hidden_size": 8},
                                       {**MODEL, "gate": "oracle"}])
def test_evaluation_has_the_common_layout_with_gate_and_swap_labels(dataset, model_cfg):
    data, attrs = dataset
    torch.manual_seed(0)
    job = Job("thalamus", task_name="qa", model_name="m", model=model_cfg,
              evaluate={"n_train_trials": 5, "batch_size": 16})
    model = STUDY.build_model(job, attrs)
    loss = STUDY.loss(model, {k: torch.as_tensor(v) for k, v in data["train"].items()})
    assert torch.isfinite(loss)
    ev = STUDY.evaluate(model, data, job)
    n, tokens = 45, 40
    assert ev.hidden.shape[:2] == (n, tokens) and ev.inputs.shape == (n, tokens, 1)
    assert ev.outputs.shape == ev.targets.shape == (n, 1, attrs["n_answers"])
    assert ev.labels["split"].tolist() == [0] * 40 + [1] * 5
    for name in ("supporting", "selected", "role", "sentence"):
        assert ev.labels[name].shape == (n, tokens)
    assert set(ev.labels["babi_task"]) == {1, 6}
    dims = ev.dims()
    assert dims["hidden"] == "trial,time,unit" and dims["labels/supporting"] == "trial,time"
    assert 0 <= ev.metrics["test_accuracy"] <= 1 and "test_accuracy_qa6" in ev.metrics
    gated = model_cfg["type"] == "thalamus"
    assert ("prediction_as_task1" in ev.labels) == gated and ("phase" in ev.arrays()) == gated
    if gated:
        assert dims["phase"] == "trial,time,phase"
        assert (ev.labels["selected"].sum(1) <= MODEL["k"]).all()
        assert np.array_equal(ev.labels["prediction_as_task0"][ev.labels["task"] == 0],
                              ev.labels["prediction"][ev.labels["task"] == 0])
        assert 0 <= ev.metrics["gate_precision"] <= 1
    if model_cfg.get("gate") == "oracle":  # the dataset's supporting mask reaches the gate
        selected, supporting = ev.labels["selected"], ev.labels["supporting"].astype(bool)
        assert not (selected & ~supporting).any() and selected.any()
        assert ev.metrics["gate_precision"] == 1.0


def test_a_reader_that_ignores_the_task_id_has_equal_swap_rows_and_overlap_one(dataset):
    data, attrs = dataset
    torch.manual_seed(0)
    job = Job("thalamus", task_name="qa", model_name="m", model={**MODEL, "gate": "topk"})
    model = STUDY.build_model(job, attrs)
    test = data["test"]
    with torch.no_grad():
        model.thalamus.task_projection.weight.zero_()  # every task id adds the same vector
    predictions, selected = swap_outputs(model, test, 2, batch_size=16)
    assert selected.shape == (2, *test["story"].shape) and (selected.sum(2) <= MODEL["k"]).all()
    matrix = task_swap_matrix(predictions, test["answer"], test["task"])
    assert np.array_equal(matrix[:, 0], matrix[:, 1])  # each row: one value whatever the id
    assert np.all(gate_overlap_matrix(selected, test["task"]) == 1)
    with torch.no_grad():  # a task id that dominates the tokens changes the kept ones
        model.thalamus.task_projection.weight.normal_(0, 10)
    _, selected = swap_outputs(model, test, 2, batch_size=16)
    overlap = gate_overlap_matrix(selected, test["task"])
    assert np.diag(overlap) == pytest.approx([1, 1]) and overlap[0, 1] < 1
