"""RandomTarget: trial structure, the arm under a hand-written controller, the loss ramp."""

from dataclasses import replace

import numpy as np
import pytest
import torch

pytest.importorskip("motornet")

from taskdyn.models import build_recurrent_model  # noqa: E402
from taskdyn.tasks import random_target as rt  # noqa: E402

TRIALS = dict(catch_prob=0.2, bump_prob=0.5, bump_magnitude=(5.0, 10.0), bump_duration=(15, 30),
              target_on=(10, 30), min_delay=5, context_noise=0.04)


@pytest.fixture(scope="module")
def arm():
    return rt.make_arm()


def _motornet_environment(settings: rt.ArmSettings):
    """MotorNet's own Environment around the same arm, observing [vision, proprioception]."""
    mn = rt.motornet()

    class Reaching(mn.environment.Environment):
        def get_obs(self, action=None, deterministic=False):
            self.update_obs_buffer(action=action)
            return torch.cat([self.obs_buffer["vision"][0],
                              self.obs_buffer["proprioception"][0]], dim=-1)

        def _get_obs_size(self):  # the goal-free observation (MotorNet 0.3.0's hook)
            return self.skeleton.space_dim + 2 * self.effector.n_muscles

    effector = mn.effector.RigidTendonArm26(muscle=mn.muscle.MujocoHillMuscle())
    return Reaching(effector=effector, action_noise=0.0, proprioception_noise=0.0,
                    vision_noise=0.0, proprioception_delay=settings.proprioception_delay * 0.01,
                    vision_delay=settings.vision_delay * 0.01)


def _gru(seed=0, size=8):
    torch.manual_seed(seed)
    return build_recurrent_model({"type": "gru", "latent_size": size}, rt.N_INPUTS, 6)


def test_rollout_steps_as_motornets_environment_does():
    """Noise off, the closed-loop step reproduces MotorNet's Environment step for step: the same
    delayed observations, hand path and muscle drive (bumps included)."""
    settings = rt.ArmSettings(action_noise=0.0, proprioception_noise=0.0, vision_noise=0.0,
                              proprioception_delay=2, vision_delay=5)
    arm = rt.make_arm(settings)
    trials = rt.generate_reaches(arm, 6, 60, rng=np.random.default_rng(4), **TRIALS)
    batch = {k: torch.as_tensor(v) for k, v in trials.items()}
    model = _gru()
    with torch.no_grad():
        ours = rt.rollout(model, arm, batch, 0)
        env = _motornet_environment(settings)
        obs, _ = env.reset(options={"batch_size": 6, "joint_state": batch["joint0"]})
        state, hand, inputs = model.initial_state.expand(6, -1), [], []
        for t in range(60):
            u = torch.cat([obs, batch["context"][:, t]], dim=-1)
            state = model.step(state, u)
            obs, _, _, _, info = env.step(model.readout(state), endpoint_load=batch["load"][:, t])
            hand.append(info["states"]["fingertip"])
            inputs.append(u)
    assert torch.allclose(ours["inputs"], torch.stack(inputs, 1), atol=1e-6)
    assert torch.allclose(ours["hand"], torch.stack(hand, 1), atol=1e-6)
    assert ours["hand"].std(dim=1).min() > 1e-3  # the arm moved (under drive and bumps)


def test_compiled_step_matches_the_eager_one(arm):
    """torch.compile fuses the step; the rollout it gives is the eager one."""
    trials = rt.generate_reaches(arm, 5, 40, rng=np.random.default_rng(2), **TRIALS)
    batch = {k: torch.as_tensor(v) for k, v in trials.items()}
    model = _gru(1)
    with torch.no_grad():
        eager = rt.rollout(model, arm, batch, 3)
        compiled = rt.rollout(model, arm, batch, 3, kernel="compiled")
    for key in eager:
        assert torch.allclose(eager[key], compiled[key], atol=1e-5), key


def test_trials_are_seeded_and_follow_the_protocol(arm):
    a = rt.generate_reaches(arm, 200, 100, rng=np.random.default_rng(1), **TRIALS)
    b = rt.generate_reaches(arm, 200, 100, rng=np.random.default_rng(1), **TRIALS)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    t = np.arange(100)
    catch, go = a["catch"] == 1, a["go_cue"]
    assert np.all(go[catch] == -1) and np.all(go[~catch] >= a["target_on"][~catch] + 5)
    true = a["true_context"]
    for i in range(200):
        shown = (t >= a["target_on"][i]) & ((t < go[i]) if go[i] >= 0 else True)
        assert np.allclose(true[i, shown, :2], a["target"][i])
        assert np.all(true[i, ~shown, :2] == 0)
        moving = (t >= go[i]) if go[i] >= 0 else np.zeros(100, bool)
        assert np.allclose(true[i, :, 2], rt.GO_CUE_LEVEL * moving)
        assert np.allclose(a["goal"][i][moving], a["target"][i])
        assert np.allclose(a["goal"][i][~moving], a["start"][i])
        force = np.linalg.norm(a["load"][i], axis=-1)
        if a["bumped"][i]:
            pushed = np.flatnonzero(force > 0)
            assert pushed[0] == a["bump_start"][i] and 5 <= force.max() <= 10
            assert len(pushed) <= 29 and np.all(np.diff(pushed) == 1)
        else:
            assert np.all(force == 0) and a["bump_start"][i] == -1
    assert 0.1 < catch.mean() < 0.3 and 0.4 < a["bumped"].mean() < 0.6


def test_arm_moves_toward_target_under_a_hand_written_controller(arm):
    """A joint-space PD controller mapped onto the muscles by their moment arms reaches."""
    rng = np.random.default_rng(0)
    trials = rt.generate_reaches(arm, 12, 100, rng=rng, **TRIALS)
    target_angles = _target_postures(arm, trials["target"])
    joint, muscle, geometry, hand = arm.reset(torch.as_tensor(trials["joint0"]))
    for _ in range(100):
        angles, velocity = joint[:, :2], joint[:, 2:]
        torque = 8.0 * (target_angles - angles) - 1.0 * velocity
        moment = geometry[:, 2:, :]  # (trial, joint, muscle); muscles pull -moment
        action = torch.clamp(-5.0 * (moment * torque[:, :, None]).sum(1), 0.0, 1.0)
        joint, muscle, geometry, hand = arm.step(action, joint, muscle, geometry,
                                                 torch.zeros(12, 2))
    before = np.linalg.norm(trials["start"] - trials["target"], axis=1)
    after = np.linalg.norm(hand.numpy() - trials["target"], axis=1)
    assert np.all(after < before) and after.mean() < 0.2 * before.mean()


def _target_postures(arm, targets):
    """Invert the generator's posture → hand map by a dense grid search (tests only)."""
    grid = np.deg2rad(np.stack(np.meshgrid(np.linspace(*rt.SHOULDER_DEG, 301),
                                           np.linspace(*rt.ELBOW_DEG, 381)), -1).reshape(-1, 2))
    hands = rt.hand_position(arm, grid)
    best = np.argmin(np.linalg.norm(hands[None] - targets[:, None], axis=-1), axis=1)
    return torch.as_tensor(grid[best], dtype=torch.float32)


def test_rollout_is_closed_loop_and_seeded(arm):
    trials = rt.generate_reaches(arm, 4, 40, rng=np.random.default_rng(3), **TRIALS)
    batch = {k: torch.as_tensor(v) for k, v in trials.items()}
    model = _gru()
    with torch.no_grad():
        one, two = rt.rollout(model, arm, batch, 7), rt.rollout(model, arm, batch, 7)
        other = rt.rollout(model, arm, batch, 8)
    assert one["hand"].shape == (4, 40, 2) and one["actions"].shape == (4, 40, 6)
    assert torch.equal(one["hand"], two["hand"]) and not torch.equal(one["hand"], other["hand"])
    # the network sees the arm: its vision input is the hand position 5 steps (vision_delay) back
    assert torch.allclose(one["inputs"][:, 5:, :2], one["hand"][:, :-5], atol=0.025)
    assert torch.allclose(one["inputs"][:, :, rt.N_OBSERVATIONS:], batch["context"])


def test_position_term_ramps_in():
    assert [rt.included_steps(300, e, 200) for e in (1, 100, 200, 500)] == [2, 150, 300, 300]
    hand, goal = torch.zeros(1, 4, 2), torch.zeros(1, 4, 2)
    goal[0, 2:] = 1.0  # wrong only in the last two steps
    actions = torch.full((1, 4, 6), 0.5)
    early = rt.reach_loss(hand, goal, actions, n_included=2, pos_weight=1.0, act_weight=2.0)
    late = rt.reach_loss(hand, goal, actions, n_included=4, pos_weight=1.0, act_weight=2.0)
    assert early.item() == pytest.approx(0.5) and late.item() == pytest.approx(0.5 + 0.5)


def test_closed_loop_training_resumes_bit_for_bit(tmp_path):
    """MotorNet's noise is seeded from the checkpointed loop generator, so resuming is exact."""
    from test_multitask import _study_task

    from taskdyn.studies.base import Job
    from taskdyn.studies.ctdb.study import STUDY

    task = _study_task({"kind": "randomtarget", "n_trials": 6, "n_timesteps": 16,
                        "target_on": [2, 4], "min_delay": 2, "bump_duration": [3, 5],
                        "full_trial_epoch": 2})
    job = Job("ctdb", task_name="t", task=task, model_name="gru", seed=1, cfg_hash="h",
              model={"type": "gru", "latent_size": 8, "state_noise": 0.1})
    dataset = STUDY.make_dataset(replace(job, seed=0))
    attrs = STUDY.dataset_attrs(job, dataset)
    settings = {"batch_size": 3, "lr": 0.01}

    def train(model, epochs):
        return STUDY.train(model, dataset, replace(job, train={**settings, "epochs": epochs},
                                                   checkpoint=str(tmp_path / f"{id(model)}.pt")))

    def fresh():  # as train_model does: seed torch, then build and train
        torch.manual_seed(0)
        return STUDY.build_model(job, attrs)

    straight = fresh()
    train(straight, 2)
    resumed = fresh()
    train(resumed, 1)
    history = train(resumed, 2)
    assert [row["epoch"] for row in history] == [1, 2] and history[0]["val_end_error"] > 0
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name
