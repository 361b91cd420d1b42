"""The analogy study: dataset, exact resume after a signal, evaluation layout, sweeps, config."""

import copy
import signal
from pathlib import Path

import numpy as np
import pytest
import torch

import taskdyn.studies.analogy.study as analogy
from taskdyn.config import ConfigError, load_yaml, run_seeds, train_slice, validate_config
from taskdyn.studies.analogy.checks import check_config
from taskdyn.studies.analogy.study import STUDY
from taskdyn.studies.analogy.sweep import expand_sweep, sweep_points
from taskdyn.studies.base import Job
from taskdyn.tasks.knowledge_graph import FACT_TYPES
from taskdyn.training import Interrupted

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "workflow" / "schemas"
TASK = dict(num_entities=10, num_relations=20, sub_size=5, atomic_ood_ratio=0.0,
            compositional_ood_ratio=0.1, analogical_ood_ratio=0.4, include_f_inverse=False,
            duplicate_relation=False)
MODEL = dict(d_model=16, n_layer=1, n_head=1, rope_base=100.0)
TRAIN = dict(lr=3e-3, weight_decay=0.0, batch_size=64, epochs=6, eval_every=2,
             checkpoint_every=3, grad_clip=0.0, device="cpu")
DATA_JOB = Job("analogy", task_name="kg", task=TASK, seed=42)


@pytest.fixture(scope="module")
def dataset():
    return STUDY.make_dataset(DATA_JOB)


def _train(dataset, tmp_path, name, train=TRAIN):
    torch.manual_seed(0)
    job = Job("analogy", task_name="kg", task=TASK, model_name=name, model=MODEL, train=train,
              checkpoint=str(tmp_path / f"{name}.pt"))
    model = STUDY.build_model(job, STUDY.dataset_attrs(DATA_JOB, dataset))
    return model, STUDY.train(model, dataset, job)


def test_dataset_splits_and_attrs(dataset):
    attrs = STUDY.dataset_attrs(DATA_JOB, dataset)
    assert attrs["vocab_size"] == 10 + 20 + 1
    assert sum(attrs["n_facts"].values()) == len(dataset["test"]["target"])
    assert len(dataset["train"]["target"]) == sum(
        attrs["n_facts"][k] for k in ("id_atomic", "id_compositional", "id_analogical"))
    assert len(dataset["functor"]["source"]) == 5


def test_history_rows_and_resume_after_a_signal_are_exact(dataset, tmp_path, monkeypatch):
    reference, rows = _train(dataset, tmp_path, "straight")
    assert [r["epoch"] for r in rows] == [0, 2, 4, 6]
    assert np.isnan(rows[0]["train_loss"]) and rows[-1]["train_loss"] < rows[1]["train_loss"]
    assert {"val_ood_analogical_prob", "dirichlet_energy", "dirichlet_energy_raw",
            "dirichlet_energy_scaled", "dirichlet_energy_centred"} <= set(rows[-1])
    # the scaled energy is the raw one over the mean squared entity norm: both grow together
    assert all(0 <= r["dirichlet_energy"] <= 4 and 0 <= r["dirichlet_energy_centred"] <= 4
               and r["dirichlet_energy_raw"] > 0 for r in rows)
    assert "val_ood_atomic_accuracy" not in rows[-1]  # no OOD atomic facts at ratio 0

    # SIGTERM during epoch 5 (after the checkpoint of epoch 3, mid-way between evaluations).
    calls = {"n": 0}
    original = analogy.answer_logits

    def signalling(*args):
        calls["n"] += 1
        if calls["n"] == 4 * 3 + 2 + 1:  # 3 batches per epoch, 2 evaluations before epoch 5
            signal.raise_signal(signal.SIGTERM)
        return original(*args)

    monkeypatch.setattr(analogy, "answer_logits", signalling)
    with pytest.raises(Interrupted):
        _train(dataset, tmp_path, "resumed")
    monkeypatch.setattr(analogy, "answer_logits", original)
    resumed, resumed_rows = _train(dataset, tmp_path, "resumed")
    for a, b in zip(rows, resumed_rows, strict=True):
        assert a.keys() == b.keys()
        np.testing.assert_equal(np.array(list(a.values())), np.array(list(b.values())))
    for name, tensor in reference.state_dict().items():
        assert torch.equal(tensor, resumed.state_dict()[name]), name


def test_evaluation_layout_and_metrics(dataset, tmp_path):
    model, rows = _train(dataset, tmp_path, "evaluated")
    evaluation = STUDY.evaluate(model, dataset, Job("analogy", task=TASK, model=MODEL))
    n, time = dataset["test"]["tokens"].shape
    assert evaluation.inputs.shape == (n, time, 1)
    assert evaluation.hidden.shape == (n, time, MODEL["d_model"])
    assert evaluation.outputs.shape == evaluation.targets.shape == (n, time, 10)
    assert np.all(evaluation.targets.sum(axis=(1, 2)) == 1)
    answer = evaluation.labels["answer"]
    assert np.array_equal(evaluation.targets[answer].argmax(1), dataset["test"]["target"])
    assert evaluation.labels["valid"].sum() == dataset["test"]["length"].sum()
    assert set(np.unique(evaluation.labels["fact_type"])) == {
        FACT_TYPES.index(k) for k in ("id_atomic", "id_compositional", "near_ood_compositional",
                                      "id_analogical", "ood_analogical")}
    trained = np.isin(evaluation.labels["fact_type"],
                      [FACT_TYPES.index(k) for k in ("id_atomic", "id_compositional",
                                                     "id_analogical")])
    np.testing.assert_array_equal(evaluation.labels["split"], trained.astype(np.int8))
    last = rows[-1]
    for key in ("id_atomic_accuracy", "ood_analogical_ce", "dirichlet_energy"):
        assert evaluation.metrics[key] == pytest.approx(last.get(f"val_{key}", last.get(key)))
    assert set(evaluation.dims()) >= {"labels/answer", "labels/split", "labels/fact_type"}


SWEPT = {
    "tasks": {"kg": dict(TASK)}, "models": {"gpt": dict(MODEL)}, "seeds": [0],
    "train": {"lr": 1e-3, "batch_size": 64},
    "sweep": {"model": "gpt", "task": "kg", "lr": [1e-3, 1e-2], "d_model": [16, 32],
              "num_relations": [20, 100], "num_entities": [10, 20],
              "analogical_ood_ratio": [0.2, 0.4]},
}


def test_sweep_adds_one_model_or_task_per_non_base_value():
    expanded = expand_sweep(SWEPT)
    assert set(expanded["models"]) == {"gpt", "gpt_lr_0p01", "gpt_d_model_32"}
    assert set(expanded["tasks"]) == {"kg", "kg_num_relations_100", "kg_num_entities_20",
                                      "kg_analogical_ood_ratio_0p2"}
    # a task point trains the base model only: points do not cross
    assert expanded["tasks"]["kg_num_entities_20"] == {**TASK, "num_entities": 20,
                                                       "models": ["gpt"]}
    assert expanded["tasks"]["kg_analogical_ood_ratio_0p2"]["analogical_ood_ratio"] == 0.2
    assert expanded["models"]["gpt_lr_0p01"]["train"] == {"lr": 1e-2}
    assert expanded["models"]["gpt_d_model_32"] == {**MODEL, "d_model": 32}
    assert expanded["tasks"]["kg_num_relations_100"]["num_relations"] == 100
    points = {(p["knob"], p["value"]): (p["task"], p["model"]) for p in sweep_points(SWEPT)}
    assert points[("lr", 1e-3)] == ("kg", "gpt")  # the base value reuses the base
    assert points[("num_relations", 100)] == ("kg_num_relations_100", "gpt")
    assert points[("num_entities", 10)] == ("kg", "gpt")
    assert points[("analogical_ood_ratio", 0.2)] == ("kg_analogical_ood_ratio_0p2", "gpt")
    assert SWEPT["models"] == {"gpt": MODEL}  # the input is left alone


def test_sweep_seeds_and_base_model_list_choose_the_runs():
    swept = copy.deepcopy(SWEPT)
    swept["seeds"], swept["sweep"]["seeds"] = [0, 1, 2, 3], [0, 1]
    swept["models"]["other"] = dict(MODEL)
    swept["tasks"]["kg"]["models"] = ["gpt"]  # the base task lists its models
    expanded = expand_sweep(swept)
    assert expanded["tasks"]["kg"]["models"] == ["gpt", "gpt_lr_0p01", "gpt_d_model_32"]
    assert run_seeds(expanded, "kg", "gpt") == [0, 1, 2, 3]  # the base keeps every seed
    assert run_seeds(expanded, "kg", "gpt_lr_0p01") == [0, 1]
    assert run_seeds(expanded, "kg_num_entities_20", "gpt") == [0, 1]
    assert not check_config(expanded)
    swept["models"]["gpt"]["seeds"] = [5]
    assert check_config(swept)[0] == ("models.gpt.seeds", "[5] are not among the study's "
                                      "seeds [0, 1, 2, 3]: an entry's seeds choose from them")
    # the entries' run choices stay out of a training job's params
    config = {"studies": {"analogy": expanded}}
    assert "seeds" not in train_slice(config, "analogy", "kg_num_entities_20", "gpt")["task"]
    assert "models" not in train_slice(config, "analogy", "kg_num_entities_20", "gpt")["task"]


def test_check_config_names_the_bad_key():
    bad = copy.deepcopy(SWEPT)
    bad["tasks"]["kg"]["sub_size"] = 6
    bad["models"]["gpt"]["n_head"] = 3
    bad["sweep"]["d_model"] = [20]  # not a multiple of 3 heads
    bad["models"]["gpt_lr_0p01"] = dict(MODEL)  # clashes with a generated sweep point
    keys = [key for key, _ in check_config(bad)]
    assert keys == ["tasks.kg.sub_size", "models.gpt.d_model", "sweep.d_model", "sweep.models"]
    few = copy.deepcopy(SWEPT)
    few["sweep"]["num_entities"] = [8, 10]  # E1 and E2 of 5 need 10 entities
    assert check_config(few) == [("sweep.num_entities", "2 × sub_size (10) exceeds "
                                  "num_entities (8): E1 and E2 must be disjoint")]
    assert not check_config(SWEPT)


def test_configs_validate_and_bad_values_fail_with_their_key():
    config = validate_config(load_yaml(ROOT / "tests" / "configs" / "analogy.yaml"), SCHEMAS)
    cfg = config["studies"]["analogy"]
    assert cfg["tasks"]["kg"]["analogical_ood_ratio"] == 0.4  # schema default filled in
    assert cfg["models"]["gpt"]["rope_base"] == 100.0
    for path in ("config/config.yaml", "config/paper.yaml", "config/analogy_paper.yaml"):
        assert "analogy" in validate_config(load_yaml(ROOT / path), SCHEMAS)["studies"]
    bad = load_yaml(ROOT / "tests" / "configs" / "analogy.yaml")
    bad["studies"]["analogy"]["tasks"]["kg"]["num_relations"] = 2
    with pytest.raises(ConfigError, match=r"studies\.analogy\.tasks\.kg\.num_relations"):
        validate_config(bad, SCHEMAS)
    bad = load_yaml(ROOT / "tests" / "configs" / "analogy.yaml")
    bad["studies"]["analogy"]["sweep"]["lr"] = [0.0]
    with pytest.raises(ConfigError, match=r"studies\.analogy\.sweep\.lr\.0"):
        validate_config(bad, SCHEMAS)
