"""The flip-flop task: targets follow the last pulse per bit; the loss mask skips flips."""

import numpy as np

from taskdyn.tasks.flipflop import flipflop_loss_mask, flipflop_targets, generate_flipflop


def test_targets_hold_the_last_pulse_per_bit():
    pulses = np.zeros((1, 8, 2))
    pulses[0, 1, 0] = 1   # bit 0 set
    pulses[0, 4, 0] = -1  # bit 0 reset
    pulses[0, 5, 1] = 1   # bit 1 set
    pulses[0, 6, 1] = 1   # a second set keeps it set
    targets = flipflop_targets(pulses)
    np.testing.assert_array_equal(targets[0, :, 0], [0, 1, 1, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(targets[0, :, 1], [0, 0, 0, 0, 0, 1, 1, 1])


def test_generated_targets_match_true_inputs_and_noise_only_on_inputs():
    rng = np.random.default_rng(0)
    data = generate_flipflop(20, 3, 200, 0.05, 0.15, rng)
    np.testing.assert_array_equal(data["targets"], flipflop_targets(data["true_inputs"]))
    assert set(np.unique(data["targets"])) <= {0.0, 1.0}
    assert not data["true_inputs"][:, :3].any()  # quiet start
    residual = data["inputs"] - data["true_inputs"]
    assert 0.13 < residual.std() < 0.17


def test_same_seed_gives_identical_trials():
    a = generate_flipflop(5, 3, 50, 0.05, 0.1, np.random.default_rng(7))
    b = generate_flipflop(5, 3, 50, 0.05, 0.1, np.random.default_rng(7))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_loss_mask_blinds_steps_after_each_flip_and_the_start():
    targets = np.zeros((1, 20, 1))
    targets[0, 10:, 0] = 1  # flip at t = 10
    mask = flipflop_loss_mask(targets, transition_blind=4)[0, :, 0]
    assert not mask[:5].any()
    assert not mask[10:14].any()
    assert mask[5:10].all() and mask[14:].all()
