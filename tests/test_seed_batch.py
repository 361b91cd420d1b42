"""The batched RNN's gradients are exact; the binding study's seed-batched curriculum matches
its single-seed runs seed by seed and shares their checkpoints; the pipeline rule writes every
seed's own files."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import use_native_code

from pipeline import named_config, prepare_pipeline
from taskdyn import seed_batch
from taskdyn.checkpoint import load_checkpoint
from taskdyn.io import read_table
from taskdyn.models.recurrent import build_recurrent_model
from taskdyn.seed_batch import SeedStack, StackedTanhRNN

@pytest.fixture(params=["native", "torch"])
def passes_kind(request, monkeypatch):
    """Run the test with the native C element-wise passes and with the PyTorch fallback."""
    use_native_code(request.param, "tanh_rnn_steps", monkeypatch)
    kind = type(seed_batch.step_passes(torch.zeros(1, dtype=torch.float64))).__name__
    assert kind == {"native": "_NativePasses", "torch": "_TorchPasses"}[request.param]
    return request.param


@pytest.mark.parametrize("readout_bias", [False, True])
def test_stacked_rnn_gradients_match_finite_differences(passes_kind, readout_bias):
    """Every input of the batched RNN, the initial state included (float64 gradcheck)."""
    g = torch.Generator().manual_seed(0)
    seeds, trials, steps, n_in, hidden, n_out = 2, 3, 5, 2, 4, 3
    args = [torch.randn(seeds, trials, steps, n_in, generator=g, dtype=torch.float64),
            torch.randn(seeds, trials, hidden, generator=g, dtype=torch.float64),
            0.5 * torch.randn(seeds, hidden + n_in, hidden, generator=g, dtype=torch.float64),
            torch.randn(seeds, n_out, hidden, generator=g, dtype=torch.float64),
            torch.randn(seeds, n_out, generator=g, dtype=torch.float64) if readout_bias else None]
    for arg in args[1:]:
        if arg is not None:
            arg.requires_grad_(True)
    assert torch.autograd.gradcheck(StackedTanhRNN.apply, args)


@pytest.mark.parametrize("bias", [False, True])
def test_seed_stack_matches_each_models_own_forward_and_gradients(passes_kind, bias):
    """Outputs and parameter gradients of the stacked models equal each model's own, with and
    without recurrent and readout biases, from nonzero initial states."""
    torch.manual_seed(0)
    spec = {"type": "vanilla", "bias": bias, "latent_size": 6, "kernel": "fused"}
    models = [build_recurrent_model(spec, 3, 2) for _ in range(3)]
    with torch.no_grad():
        for model in models:
            model.initial_state.normal_()
    inputs = torch.randn(3, 4, 7, 3)
    stack = SeedStack(models)
    stacked = stack(inputs)
    stacked.pow(2).sum().backward()
    for k, model in enumerate(models):
        outputs, _ = model(inputs[k])
        outputs.pow(2).sum().backward()
        torch.testing.assert_close(stacked[k], outputs, rtol=1e-5, atol=1e-6)
        for name, param in model.named_parameters():
            torch.testing.assert_close(stack.params[name].grad[k], param.grad, rtol=1e-4,
                                       atol=1e-5, msg=lambda m, name=name: f"{name}: {m}")


# --- the binding study's seed-batched curriculum training and its pipeline rule ---------------

TASK = {"task_id": [3, 0, 0], "input_dim": 2, "seq_length": [2, 3], "use_eos": True,
        "test_horizon": 12, "n_test_trials": 24, "n_val_trials": 8, "data_seed": 0}
MODEL = {"type": "vanilla", "bias": False, "latent_size": 6, "kernel": "fused"}
# a threshold the seeds pass at different steps, so batches of different lengths are padded
TRAIN = {"lr": 0.02, "epochs": 2, "steps_per_epoch": 6, "batch_size": 8,
         "curriculum": {"horizons": [2, 4, 8], "threshold": 0.7}}
CURRICULUM_SEEDS = [0, 1, 2, 3]


def _job(train=TRAIN, **fields):
    from taskdyn.studies.base import Job

    return Job("binding", task_name="t", task=TASK, model_name="rnn", model=MODEL, train=train,
               cfg_hash="h", **fields)


def _jobs(paths, train=TRAIN):
    return [_job(train, seed=seed, checkpoint=path) for seed, path in zip(CURRICULUM_SEEDS, paths)]


def _binding_models(dataset):
    from taskdyn.studies.binding.study import STUDY

    attrs = STUDY.dataset_attrs(_job(), dataset)
    models = []
    for seed in CURRICULUM_SEEDS:
        torch.manual_seed(seed)
        models.append(STUDY.build_model(_job(), attrs))
    return models


def _without_timing(rows):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def test_batched_curriculum_equals_single_seed_runs_and_shares_checkpoints(tmp_path):
    from taskdyn.studies.binding.study import STUDY

    dataset = STUDY.make_dataset(_job())
    single = _binding_models(dataset)
    single_histories = [
        STUDY.train(model, dataset, job)
        for model, job in zip(single, _jobs([str(tmp_path / f"s{s}.pt") for s in CURRICULUM_SEEDS]))]
    horizons = {row["horizon"] for history in single_histories for row in history}
    assert len(horizons) > 1  # the seeds do sit at different curriculum stages

    # epoch 1 batched, then epoch 2 batched from the four per-seed checkpoints
    batched = _binding_models(dataset)
    paths = [str(tmp_path / f"b{seed}.pt") for seed in CURRICULUM_SEEDS]
    STUDY.train_seeds(batched, dataset, _jobs(paths, {**TRAIN, "epochs": 1}))
    batched = _binding_models(dataset)
    histories = STUDY.train_seeds(batched, dataset, _jobs(paths))
    for seed, model, reference, history, ref_history in zip(
            CURRICULUM_SEEDS, batched, single, histories, single_histories):
        for (name, got), want in zip(model.named_parameters(), reference.parameters()):
            torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5,
                                       msg=lambda m, name=name, seed=seed: f"seed {seed} {name}: {m}")
        assert [r["horizon"] for r in history] == [r["horizon"] for r in ref_history]
        for got, want in zip(_without_timing(history), _without_timing(ref_history)):
            np.testing.assert_allclose(list(got.values()), list(want.values()), rtol=1e-4,
                                       atol=1e-6)

    # a seed checkpointed by the batched run resumes alone, as a single-seed job
    lone = _binding_models(dataset)[1]
    STUDY.train(lone, dataset, _job({**TRAIN, "epochs": 3}, seed=1, checkpoint=paths[1]))
    assert len(load_checkpoint(paths[1])["history"]) == 3


def test_seed_checkpoints_at_different_epochs_are_refused(tmp_path):
    from taskdyn.studies.binding.study import STUDY

    dataset = STUDY.make_dataset(_job())
    paths = [str(tmp_path / f"b{seed}.pt") for seed in CURRICULUM_SEEDS]
    STUDY.train(_binding_models(dataset)[0], dataset,
                _job({**TRAIN, "epochs": 1}, seed=0, checkpoint=paths[0]))
    with pytest.raises(ValueError, match="different epochs"):
        STUDY.train_seeds(_binding_models(dataset), dataset, _jobs(paths))


@pytest.mark.pipeline
def test_seed_batch_rule_writes_every_seeds_own_files(tmp_path):
    config = named_config("binding")
    config["studies"]["binding"]["seed_batch"] = True
    pipeline = prepare_pipeline(tmp_path, config)
    models = Path("results", "test_binding", "models", "binding", "repeat_copy", "rnn")
    targets = [models / f"seed{seed}" / "meta.json" for seed in (0, 1)]
    done = pipeline.snakemake(*targets)
    assert "train_seed_batch_binding" in done.stderr and "rule train_model" not in done.stderr
    for seed in (0, 1):
        meta = json.loads((tmp_path / models / f"seed{seed}" / "meta.json").read_text())
        assert meta["seed"] == seed and meta["seed_batch"] == [0, 1] and meta["epochs"] == 2
        ran = meta["run"]  # what ran: the stacked kernel (native C where it builds) on the CPU
        assert ran["device"]["ran"] == "cpu" and ran["threads"] >= 1
        stacked = "native" if ran["native"] else "torch"
        assert f"vanilla seed-stacked/{stacked}" in ran["kernels"]
        assert set(ran["native"]) <= {"tanh_rnn_steps"}
        history = read_table(tmp_path / models / f"seed{seed}" / "history.csv")
        assert list(history["epoch"]) == [1, 2] and history["val_accuracy"].between(0, 1).all()
        assert (tmp_path / models / f"seed{seed}" / "weights.pt").stat().st_size > 0
