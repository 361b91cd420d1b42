"""The one training loop: its hooks are called as documented, rows average every loss since the
last row, and a run stopped by a signal mid-epoch resumes to the uninterrupted result."""

import signal

import numpy as np
import pytest
import torch

from taskdyn.studies.splits import held_out, split_codes, split_label, training, unseen
from taskdyn.training import Interrupted, TrainingHooks, TrainSettings, epoch_lr, fit, train

SETTINGS = TrainSettings(lr=0.05, lr_final=0.01, epochs=5, batch_size=4, checkpoint_every=1,
                         device="cpu")


class OnlineHooks(TrainingHooks):
    """Fresh batches from the loop's generator, a stage advanced after every third step (their
    batch size grows with it), a row every second epoch, and a signal at step `stop_at`."""

    timed = False

    def __init__(self, stop_at=None):
        self.stage, self.steps, self.stop_at, self.losses = 0, 0, stop_at, []

    def batches(self, epoch, rng):
        for _ in range(3):
            yield {"x": torch.as_tensor(rng.standard_normal((2 + self.stage, 3)),
                                        dtype=torch.float32)}

    def loss(self, model, batch, epoch, rng):
        loss = ((model(batch["x"]) - 1.0) ** 2).mean() * (1 + epoch / 10)
        self.losses.append(loss.item())
        return loss

    def after_step(self, batch, epoch):
        self.steps += 1
        if self.steps % 3 == 0:
            self.stage += 1
        if self.steps == self.stop_at:
            signal.raise_signal(signal.SIGTERM)

    def initial_row(self, model):
        return {"epoch": 0, "train_loss": float("nan")}

    def epoch_row(self, model, epoch, train_loss):
        if epoch % 2 and epoch != SETTINGS.epochs:
            return None
        return {"epoch": epoch, "train_loss": train_loss, "stage": self.stage}

    def state(self):
        return {"stage": self.stage}

    def load_state(self, state):
        self.stage = state.get("stage", 0)


def _run(tmp_path, name, hooks):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    history = train(model, hooks, SETTINGS, seed=4, checkpoint=tmp_path / f"{name}.pt",
                    cfg_hash="h", label=name)
    return model, history


def test_rows_average_every_loss_since_the_last_row(tmp_path):
    hooks = OnlineHooks()
    _, history = _run(tmp_path, "plain", hooks)
    assert [row["epoch"] for row in history] == [0, 2, 4, 5]
    assert [row["stage"] for row in history[1:]] == [2, 4, 5]
    losses = np.array(hooks.losses).reshape(5, 3)
    np.testing.assert_allclose([row["train_loss"] for row in history[1:]],
                               [losses[:2].mean(), losses[2:4].mean(), losses[4].mean()])


def test_a_run_stopped_mid_epoch_resumes_to_the_uninterrupted_result(tmp_path):
    reference, expected = _run(tmp_path, "reference", OnlineHooks())
    with pytest.raises(Interrupted, match="stopped by signal"):
        _run(tmp_path, "resumed", OnlineHooks(stop_at=11))  # epoch 4, after rowless epoch 3
    resumed, history = _run(tmp_path, "resumed", OnlineHooks())
    np.testing.assert_equal(history, expected)
    for name, value in reference.state_dict().items():
        assert torch.equal(resumed.state_dict()[name], value), name


def test_split_codes_are_shared_by_every_study():
    codes = split_codes(("novel_angle", "novel_identity"), held_out_name="val")
    assert codes == {"val": 0, "train": 1, "novel_angle": 2, "novel_identity": 3}
    split = split_label([(0, 2), (1, 3), (3, 1)])
    np.testing.assert_array_equal(split, [0, 0, 1, 1, 1, 3])
    assert split.dtype == np.int8
    np.testing.assert_array_equal(held_out(split), [1, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(training(split), [0, 0, 1, 1, 1, 0])
    np.testing.assert_array_equal(unseen(split), [1, 1, 0, 0, 0, 1])
    with pytest.raises(ValueError, match="distinct"):
        split_codes(("train",))


class Climber(torch.nn.Module):
    """One weight that Adam raises by about `lr` per step (loss -w); validation wants w = 3."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(()))


def _climb(tmp_path, patience, epochs=20, stop_at=None, lr_final=None):
    model = Climber()
    history = fit(model, {"x": torch.zeros(1, 1)}, {"x": torch.zeros(1, 1)},
                  lambda m, batch: -m.w,
                  lambda m, batch: {"loss": float((m.w - 3) ** 2), "w": float(m.w)},
                  TrainSettings(lr=1.0, epochs=epochs, batch_size=1, grad_clip=0.0,
                                device="cpu", patience=patience, stop_at=stop_at or {},
                                lr_final=lr_final),
                  seed=0, checkpoint=tmp_path / "ckpt.pt", cfg_hash="h", label="climb")
    return model, history


def test_early_stopping_stops_after_patience_epochs_and_keeps_the_best_weights(tmp_path):
    model, history = _climb(tmp_path, patience=3)
    # w ≈ 1, 2, 3, 4, 5, 6: the loss is lowest at epoch 3, then rises for 3 epochs
    assert [row["epoch"] for row in history] == [1, 2, 3, 4, 5, 6]
    assert [row["best_epoch"] for row in history] == [1, 2, 3, 3, 3, 3]
    assert model.w.item() == pytest.approx(3.0, abs=1e-3)
    again, resumed = _climb(tmp_path, patience=3)  # resumed from the stopping checkpoint
    assert resumed == history and again.w.item() == pytest.approx(3.0, abs=1e-3)


def test_without_patience_every_epoch_runs_and_the_last_weights_stay(tmp_path):
    model, history = _climb(tmp_path, patience=0, epochs=8)
    assert len(history) == 8 and "best_epoch" not in history[0]
    assert model.w.item() == pytest.approx(8.0, abs=1e-3)


def test_a_stopping_criterion_stops_at_the_first_epoch_that_reaches_it(tmp_path):
    # w ≈ 1, 2, 3, ...: the criterion w >= 4.5 holds first at epoch 5, whose weights stay,
    # even with a patience that would have gone back to epoch 3's
    model, history = _climb(tmp_path, patience=3, stop_at={"val_w": 4.5})
    assert [row["epoch"] for row in history] == [1, 2, 3, 4, 5]
    assert model.w.item() == pytest.approx(5.0, abs=1e-3)
    with pytest.raises(ValueError, match=r"stop_at names \['val_accuracy'\]"):
        _climb(tmp_path / "other", patience=0, stop_at={"val_accuracy": 0.9})


def test_a_cosine_schedule_steps_each_epoch_by_its_learning_rate(tmp_path):
    # Adam moves w by about the learning rate per step: 1, then down a cosine to 0.1
    model, history = _climb(tmp_path, patience=0, epochs=5, lr_final=0.1)
    settings = TrainSettings(lr=1.0, lr_final=0.1, epochs=5)
    rates = [epoch_lr(epoch, settings) for epoch in range(1, 6)]
    assert rates[0] == 1.0 and rates[-1] == pytest.approx(0.1)
    assert rates[2] == pytest.approx(0.55) and all(np.diff(rates) < 0)
    np.testing.assert_allclose([row["val_w"] for row in history], np.cumsum(rates), rtol=1e-3)
    assert epoch_lr(3, TrainSettings(lr=0.2, epochs=5)) == 0.2
