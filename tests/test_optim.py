"""`taskdyn.optim.Adam` is `torch.optim.Adam` to the bit, and training and fixed-point jobs,
checkpoints included, never load the torch compiler (~2 s of CPU per job)."""

import subprocess
import sys

import torch

from taskdyn.optim import Adam


def _model_and_batch():
    torch.manual_seed(0)
    return torch.nn.GRU(3, 16), torch.randn(10, 4, 3)


def _train(model, optimizer, x, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        model(x)[0].pow(2).mean().backward()
        optimizer.step()


def test_adam_matches_torch_adam_bit_for_bit_and_swaps_state_dicts_with_it():
    ours, x = _model_and_batch()
    theirs, _ = _model_and_batch()
    settings = {"lr": 1e-2, "weight_decay": 1e-3}
    ours_opt, theirs_opt = Adam(ours.parameters(), **settings), torch.optim.Adam(
        theirs.parameters(), **settings)
    _train(ours, ours_opt, x, 5)
    _train(theirs, theirs_opt, x, 5)
    assert all(torch.equal(a, b) for a, b in zip(ours.parameters(), theirs.parameters()))
    mine, reference = ours_opt.state_dict(), theirs_opt.state_dict()
    assert mine["param_groups"] == reference["param_groups"]
    assert mine["state"].keys() == reference["state"].keys()
    for index, state in reference["state"].items():
        assert all(torch.equal(mine["state"][index][k], v) for k, v in state.items())

    # a checkpoint of either resumes in the other, and they stay equal
    resumed = Adam(theirs.parameters(), **settings)
    resumed.load_state_dict(reference)
    ours_copy, _ = _model_and_batch()
    ours_copy.load_state_dict(ours.state_dict())
    torch_resumed = torch.optim.Adam(ours_copy.parameters(), **settings)
    torch_resumed.load_state_dict(mine)
    _train(theirs, resumed, x, 3)
    _train(ours_copy, torch_resumed, x, 3)
    assert all(torch.equal(a, b) for a, b in zip(theirs.parameters(), ours_copy.parameters()))


# The work of training jobs (`fit` with a checkpoint, resumed once; the binding study's
# curriculum, one seed and seed-batched) and of a fixed-point job (Adam, Levenberg-Marquardt
# polish and Jacobians), then whether the torch compiler got loaded.
JOB = """
import sys, tempfile
import numpy as np, torch
from taskdyn.analysis.fixed_points import find_fixed_points
from taskdyn.bench.seed_batch import seed_batch_train_config, train_binding_seeds
from taskdyn.models.recurrent import GRU
from taskdyn.training import TrainSettings, fit

torch.manual_seed(0)
data = {"inputs": torch.randn(16, 5, 3), "targets": torch.randn(16, 5, 3)}
loss = lambda m, b: ((m(b["inputs"])[0] - b["targets"]) ** 2).mean()
model = GRU(3, 3, 8)
with tempfile.TemporaryDirectory() as tmp:
    for epochs in (1, 2):  # the second call resumes from the first's checkpoint
        fit(model, data, data, loss, lambda m, b: {"loss": loss(m, b).item()},
            TrainSettings(epochs=epochs, batch_size=8, device="cpu"), seed=0,
            checkpoint=f"{tmp}/checkpoint.pt", cfg_hash="test", label="test")
for batched in (False, True):
    train_binding_seeds([0, 1], 8, seed_batch_train_config(4, 2, 2), 1, batched)
model.double()
found = find_fixed_points(model.step, np.random.default_rng(0).standard_normal((8, 8)) * 0.1,
                          np.zeros((8, 3)), max_iters=50, newton_steps=3)
assert found.jacobians.shape[1:] == (8, 8)
print("torch._dynamo" in sys.modules)
"""


def test_training_and_fixed_point_jobs_do_not_load_the_torch_compiler():
    result = subprocess.run([sys.executable, "-c", JOB], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False", "the jobs' work loads torch._dynamo"
