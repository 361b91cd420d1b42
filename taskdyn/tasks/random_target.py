"""RandomTarget (CtDB): closed-loop reaching with MotorNet's two-joint, six-muscle arm.

A trial starts the arm at a random posture; the target appears on the context inputs at
`target_on` and stays until the go cue, after which the go-cue channel reads `GO_CUE_LEVEL` and
the hand should move to the remembered target. Catch trials have no go cue (the hand should
stay put); bumped trials push the hand with an endpoint force for 15-30 steps, half of them just
after the go cue. At every 10 ms step the network sees the arm's delayed, noisy vision (hand x/y)
and proprioception (6 muscle lengths, 6 velocities) plus the 3 context inputs, and its 6 outputs
drive the muscles: the rollout is an inherently per-step loop.

MotorNet is GPL-3.0, so it stays an optional extra (`pip install taskdyn[motor]`) imported here
only when a reaching task runs. We pin motornet 0.3.0 rather than 0.2.0: it is the current
release, and its `_get_obs_size` hook lets an environment that drops the goal from the
observation (as this one and CtDB's do) size its noise correctly. CtDB's environment fails on
0.3.0 only because it does not override that hook; `ReachingArm` does.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from taskdyn.tasks.extras import MOTORNET_MISSING

MUSCLES = ("pectoralis", "deltoid", "brachioradialis", "tricepslat", "biceps", "tricepslong")
CONTEXT_LABELS = ("target_x", "target_y", "go_cue")
N_OBSERVATIONS = 2 + 2 * len(MUSCLES)  # delayed hand x/y, muscle lengths and velocities
N_INPUTS = N_OBSERVATIONS + len(CONTEXT_LABELS)
SHOULDER_DEG = (30.0, 105.0)  # start and target postures are drawn from these joint ranges
ELBOW_DEG = (30.0, 125.0)
GO_CUE_LEVEL = 0.15
MOVE_BUMP_WINDOW = 40  # "movement" bumps start within this many steps of the go cue


@dataclass(frozen=True)
class ArmSettings:
    """MotorNet noise (sd) and feedback delays (in 10 ms steps)."""

    action_noise: float = 0.005
    proprioception_noise: float = 0.005
    vision_noise: float = 0.005
    proprioception_delay: int = 2
    vision_delay: int = 5

    @classmethod
    def from_task(cls, task: dict[str, Any]) -> ArmSettings:
        return cls(**{k: task[k] for k in cls.__dataclass_fields__ if k in task})


def motornet():
    """The lazily imported `motornet` package, or an ImportError saying how to install it."""
    try:
        import motornet as mn
    except ImportError as err:
        raise ImportError(MOTORNET_MISSING) from err
    return mn


@functools.cache
def _arm_class() -> type:
    mn = motornet()

    class ReachingArm(mn.environment.Environment):
        """MotorNet environment whose observation is [delayed vision, delayed proprioception]."""

        def get_obs(self, action=None, deterministic=False):
            self.update_obs_buffer(action=action)
            obs = torch.cat([self.obs_buffer["vision"][0], self.obs_buffer["proprioception"][0]],
                            dim=-1)
            return obs if deterministic else self.apply_noise(obs, noise=self.obs_noise)

        def _get_obs_size(self):
            return self.skeleton.space_dim + 2 * self.effector.n_muscles

    return ReachingArm


def make_arm(settings: ArmSettings = ArmSettings()) -> Any:
    """A fresh arm environment: RigidTendonArm26 with MuJoCo-style Hill muscles, 10 ms steps."""
    mn = motornet()
    effector = mn.effector.RigidTendonArm26(muscle=mn.muscle.MujocoHillMuscle())
    dt = effector.dt
    return _arm_class()(
        effector=effector, action_noise=float(settings.action_noise),
        proprioception_noise=float(settings.proprioception_noise),
        vision_noise=float(settings.vision_noise),
        proprioception_delay=settings.proprioception_delay * dt,
        vision_delay=settings.vision_delay * dt)


def hand_position(arm: Any, joint_angles: np.ndarray) -> np.ndarray:
    """Fingertip x/y `(n, 2)` of postures `(n, 2)` (shoulder, elbow in radians)."""
    state = np.concatenate([joint_angles, np.zeros_like(joint_angles)], axis=1)
    cartesian = arm.joint2cartesian(torch.as_tensor(state, dtype=torch.float32))
    return cartesian[:, :2].numpy()


def generate_reaches(arm: Any, n_trials: int, n_timesteps: int, *, catch_prob: float,
                     bump_prob: float, bump_magnitude: tuple[float, float],
                     bump_duration: tuple[int, int], target_on: tuple[int, int],
                     min_delay: int, context_noise: float,
                     rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw reaching trials for `arm` (only its kinematics are used).

    Returns per trial `joint0` (start joint state, 4), `start`/`target` hand x/y, `catch`,
    `bumped`, `target_on`, `go_cue` (-1 on catch trials), `bump_start` (-1 if none); per step
    `goal` `[trial, time, 2]` (start before the go cue, target after), `load` (bump force, N),
    and the `context`/`true_context` inputs `[trial, time, 3]`.
    """
    def posture() -> np.ndarray:
        return np.deg2rad(np.stack([rng.uniform(*SHOULDER_DEG, n_trials),
                                    rng.uniform(*ELBOW_DEG, n_trials)], axis=1))

    start_angles, target_angles = posture(), posture()
    start, target = hand_position(arm, start_angles), hand_position(arm, target_angles)
    catch = rng.random(n_trials) < catch_prob
    bumped = rng.random(n_trials) < bump_prob
    t_on = rng.integers(*target_on, n_trials)
    go = rng.integers(t_on + min_delay, n_timesteps)
    after_go = rng.random(n_trials) < 0.5
    bump_start = np.where(after_go, go + rng.integers(0, MOVE_BUMP_WINDOW, n_trials),
                          rng.integers(0, max(1, n_timesteps - bump_duration[1]), n_trials))
    bump_start = np.where(bumped, np.minimum(bump_start, n_timesteps - 1), -1)
    bump_stop = bump_start + rng.integers(*bump_duration, n_trials)
    angle = rng.uniform(0, 2 * np.pi, n_trials)
    force = rng.uniform(*bump_magnitude, n_trials)[:, None] * np.stack([np.cos(angle),
                                                                         np.sin(angle)], 1)
    go = np.where(catch, -1, go)

    t = np.arange(n_timesteps)[None, :]
    moving = (go[:, None] >= 0) & (t >= go[:, None])
    shown = (t >= t_on[:, None]) & ~moving
    in_bump = bumped[:, None] & (t >= bump_start[:, None]) & (t < bump_stop[:, None])
    true_context = np.concatenate([shown[..., None] * target[:, None, :],
                                   GO_CUE_LEVEL * moving[..., None]], axis=-1)
    context = true_context + context_noise * rng.standard_normal(true_context.shape)
    f32 = np.float32
    return {
        "joint0": np.concatenate([start_angles, np.zeros_like(start_angles)], 1).astype(f32),
        "start": start.astype(f32), "target": target.astype(f32),
        "goal": np.where(moving[..., None], target[:, None], start[:, None]).astype(f32),
        "load": (in_bump[..., None] * force[:, None]).astype(f32),
        "context": context.astype(f32), "true_context": true_context.astype(f32),
        "catch": catch.astype(np.int8), "bumped": bumped.astype(np.int8),
        "target_on": t_on.astype(np.int32), "go_cue": go.astype(np.int32),
        "bump_start": bump_start.astype(np.int32),
    }


def rollout(model: torch.nn.Module, arm: Any, batch: dict[str, torch.Tensor],
            noise_seed: int) -> dict[str, torch.Tensor]:
    """Run the network in closed loop with the arm over the batch's trials.

    `model` needs `initial_state`, `step(state, u)`, `hidden` and `readout` (the recurrent
    models of `taskdyn.models`). At each step the network reads `[observation, context]`, its
    output drives the muscles (MotorNet clips activations to [0, 1]) and the bump load pushes
    the hand. MotorNet's online noise is drawn from a generator seeded with `noise_seed`; in
    training, the model's `state_noise` (sd) is added to its state after it is read out.
    Returns `hand` `[trial, time, 2]`, `actions` `[trial, time, 6]`, `states`, `inputs`.
    """
    arm.np_random = np.random.default_rng(noise_seed)
    n, n_steps = batch["context"].shape[:2]
    obs, _ = arm.reset(options={"batch_size": n, "joint_state": batch["joint0"]})
    state = model.initial_state.expand(n, -1)
    state_noise = getattr(model, "state_noise", 0.0) if model.training else 0.0
    hand, actions, states, inputs = [], [], [], []
    for t in range(n_steps):
        u = torch.cat([obs, batch["context"][:, t]], dim=-1)
        state = model.step(state, u)
        action = model.readout(model.hidden(state))
        obs, _, _, _, info = arm.step(action, endpoint_load=batch["load"][:, t])
        hand.append(info["states"]["fingertip"])
        actions.append(action)
        states.append(state)
        inputs.append(u)
        if state_noise > 0:
            state = state + state_noise * torch.randn_like(state)
    stack = functools.partial(torch.stack, dim=1)
    return {"hand": stack(hand), "actions": stack(actions), "states": stack(states),
            "inputs": stack(inputs)}


def included_steps(n_timesteps: int, epoch: int, full_trial_epoch: int) -> int:
    """Steps of the position term at `epoch`: ceil(T * min(1, epoch / full_trial_epoch))."""
    return math.ceil(n_timesteps * min(1.0, epoch / full_trial_epoch))


def reach_loss(hand: torch.Tensor, goal: torch.Tensor, actions: torch.Tensor, *, n_included: int,
               pos_weight: float, act_weight: float) -> torch.Tensor:
    """Weighted MSE(hand, goal) over the first `n_included` steps plus weighted mean(actions²)."""
    position = torch.mean((hand[:, :n_included] - goal[:, :n_included]) ** 2)
    return pos_weight * position + act_weight * torch.mean(actions ** 2)
