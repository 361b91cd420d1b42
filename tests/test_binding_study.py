"""Binding study: curriculum training, exact resume, evaluation layout, config checks."""

import copy
from pathlib import Path

import numpy as np
import pytest
import torch

from taskdyn.checkpoint import load_checkpoint
from taskdyn.config import ConfigError, validate_config
from taskdyn.studies.base import Job
from taskdyn.studies.binding.study import STUDY
from taskdyn.studies.binding.training import masked_accuracy, masked_loss, sign_correct

SCHEMAS = Path(__file__).resolve().parents[1] / "workflow" / "schemas"
TASK = {"task_id": [3, 0, 0], "input_dim": 2, "seq_length": 2, "use_eos": False,
        "test_horizon": 12, "n_test_trials": 24, "n_val_trials": 8, "data_seed": 0}
MODEL = {"type": "vanilla", "bias": False, "latent_size": 6, "kernel": "fused"}
TRAIN = {"lr": 0.01, "epochs": 2, "steps_per_epoch": 3, "batch_size": 8,
         "curriculum": {"horizons": [2, 4, 8], "threshold": 0.96}}


DATA_JOB = Job("binding", task_name="t", task=TASK)


def _job(**fields):
    return Job("binding", task_name="t", task=TASK, model_name="rnn", model=MODEL, **fields)


def _train(tmp_path, train_cfg, checkpoint="ckpt.pt"):
    dataset = STUDY.make_dataset(DATA_JOB)
    torch.manual_seed(0)
    job = _job(train=train_cfg, checkpoint=str(tmp_path / checkpoint), cfg_hash="h")
    model = STUDY.build_model(job, STUDY.dataset_attrs(DATA_JOB, dataset))
    return model, STUDY.train(model, dataset, job), dataset


def _without_timing(rows):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def test_resumed_training_equals_uninterrupted_training(tmp_path):
    straight, history, _ = _train(tmp_path, TRAIN, "straight.pt")
    _train(tmp_path, {**TRAIN, "epochs": 1}, "resumed.pt")  # "interrupted" after epoch 1
    resumed, resumed_history, _ = _train(tmp_path, TRAIN, "resumed.pt")
    for key, value in straight.state_dict().items():
        torch.testing.assert_close(resumed.state_dict()[key], value, rtol=0, atol=0)
    assert _without_timing(resumed_history) == _without_timing(history)
    state = load_checkpoint(tmp_path / "resumed.pt")
    assert state["epoch"] == 2 and "stage" in state["extra"]


def test_curriculum_advances_on_accuracy_threshold(tmp_path):
    easy = copy.deepcopy(TRAIN)
    easy["curriculum"]["threshold"] = 0.0  # every batch qualifies: one stage per step
    _, history, _ = _train(tmp_path, easy)
    assert [row["horizon"] for row in history] == [8, 8]
    _, history, _ = _train(tmp_path, {**TRAIN, "epochs": 1, "lr": 1e-6}, "slow.pt")
    assert history[0]["horizon"] < 8  # three barely-trained steps cannot reach 0.96 three times


def test_model_has_no_biases_and_evaluation_holds_w_hh(tmp_path):
    model, _, dataset = _train(tmp_path, TRAIN)
    assert all("bias" not in name for name, _ in model.named_parameters())
    evaluation = STUDY.evaluate(model, dataset, _job())
    assert evaluation.hidden.shape == (24, 2 + 12, 6)
    assert not evaluation.labels["split"].any()  # every trial held out
    np.testing.assert_array_equal(evaluation.weights["W_hh"],
                                  model.rnn.weight_hh_l0.detach().numpy())
    mask, correct = evaluation.labels["mask"], evaluation.labels["correct"]
    assert evaluation.metrics["accuracy"] == pytest.approx((correct * mask).sum() / mask.sum(),
                                                           rel=1e-6)
    signs = np.where(evaluation.outputs >= 0, 1.0, -1.0)
    np.testing.assert_allclose(correct, (signs == evaluation.targets).mean(axis=-1))


def test_training_trials_beside_the_test_trials_leave_the_test_results_unchanged(tmp_path):
    model, _, dataset = _train(tmp_path, TRAIN)
    alone = STUDY.evaluate(model, dataset, _job())
    both = STUDY.evaluate(model, dataset, _job(evaluate={"n_train_trials": 10}))
    split = both.labels["split"]
    np.testing.assert_array_equal(split, np.repeat([0, 1], [24, 10]))
    assert both.metrics == alone.metrics
    for name in ("inputs", "outputs", "hidden"):
        np.testing.assert_array_equal(getattr(both, name)[split == 0], getattr(alone, name))
    # the training trials: fresh draws at the test horizon, the same for every model
    train_mask = both.labels["mask"][split == 1]
    np.testing.assert_array_equal(train_mask.sum(axis=1), np.full(10, TASK["test_horizon"]))
    again = STUDY.evaluate(model, dataset, _job(evaluate={"n_train_trials": 10}))
    np.testing.assert_array_equal(again.inputs, both.inputs)
    assert not np.array_equal(both.inputs[split == 1], both.inputs[split == 0][:10])


def test_stored_input_bits_label_each_window_vector(tmp_path):
    task = {**TASK, "seq_length": [1, 3], "use_eos": True}
    job = Job("binding", task_name="t", task=task, model_name="rnn", model=MODEL)
    dataset = STUDY.make_dataset(job)
    torch.manual_seed(0)
    model = STUDY.build_model(job, STUDY.dataset_attrs(job, dataset))
    labels = STUDY.evaluate(model, dataset, job).labels
    test = dataset["test"]
    assert {f"input{j}_bit{b}" for j in range(3) for b in range(2)} <= set(labels)
    for j in range(3):
        for b in range(2):
            label = labels[f"input{j}_bit{b}"]
            stored = j < test["seq_length"]
            assert label.dtype == np.int8 and np.all(label[~stored] == -1)
            np.testing.assert_array_equal(label[stored], test["inputs"][stored, j, b] > 0)
    assert np.any(test["seq_length"] < 3)  # some trials have shorter windows


def _config(**changes):
    study = {"tasks": {"copy": dict(TASK)}, "models": {"rnn": dict(MODEL)}, "seeds": [0, 1, 2],
             "analyses": {"operator_spectra": {}, "signatures": {"perplexity": 1}}}
    for path, value in changes.items():
        node = study
        *parents, last = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return {"run": "t", "studies": {"binding": study}}


def test_valid_config_passes_and_fills_defaults():
    config = validate_config(_config(), SCHEMAS)
    assert config["studies"]["binding"]["analyses"]["operator_spectra"]["threshold"] == 0.9
    assert config["studies"]["binding"]["evaluate"] == {"n_train_trials": 0}


@pytest.mark.parametrize("changes,key", [
    ({"models.rnn.bias": True}, "studies.binding.models.rnn.bias"),
    ({"models.rnn.type": "gru"}, "studies.binding.models.rnn.type"),
    ({"tasks.copy.task_id": [7, 0, 0]}, "studies.binding.tasks.copy.task_id"),
    ({"tasks.copy.seq_length": [3, 2]}, "studies.binding.tasks.copy.seq_length"),
    ({"train.curriculum.horizons": [10, 5]}, "studies.binding.train.curriculum.horizons"),
    ({"analyses.signatures.perplexity": 3}, "studies.binding.analyses.signatures.perplexity"),
    ({"seeds": [0]}, "studies.binding.analyses.signatures"),
])
def test_bad_config_values_fail_naming_the_key(changes, key):
    with pytest.raises(ConfigError, match=f"'{key}'"):
        validate_config(_config(**changes), SCHEMAS)


def test_analyses_on_spectra_require_operator_spectra():
    config = _config()
    del config["studies"]["binding"]["analyses"]["operator_spectra"]
    with pytest.raises(ConfigError, match="'studies.binding.analyses'.*operator_spectra"):
        validate_config(config, SCHEMAS)


@pytest.mark.parametrize("lead", [(), (3,)])
def test_masked_loss_and_accuracy_match_their_definitions(lead):
    """The one-pass loss (value and gradient) and the boolean accuracy equal the plain formulas
    on masked ±1 targets, with and without a leading seed axis."""
    g = torch.Generator().manual_seed(0)
    outputs = torch.randn(*lead, 5, 7, 4, generator=g, dtype=torch.float64, requires_grad=True)
    targets = torch.randint(0, 2, outputs.shape, generator=g).double() * 2 - 1
    mask = (torch.rand(*lead, 5, 7, generator=g) > 0.4).double()
    weight = mask.unsqueeze(-1)
    want = ((outputs - targets) ** 2 * weight).sum((-3, -2, -1)) / (weight.sum((-3, -2, -1)) * 4)
    got = masked_loss(outputs, targets, mask)
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(torch.autograd.grad(got.sum(), outputs)[0],
                               torch.autograd.grad(want.sum(), outputs)[0])
    accuracy = (sign_correct(outputs, targets) * mask).sum((-2, -1)) / mask.sum((-2, -1))
    torch.testing.assert_close(masked_accuracy(outputs.detach(), targets, mask), accuracy)
    assert torch.autograd.gradcheck(lambda o: masked_loss(o, targets, mask), (outputs,))
