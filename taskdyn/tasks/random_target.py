"""RandomTarget (CtDB): closed-loop reaching with MotorNet's two-joint, six-muscle arm.

A trial starts the arm at a random posture; the target appears on the context inputs at
`target_on` and stays until the go cue, after which the go-cue channel reads `GO_CUE_LEVEL` and
the hand should move to the remembered target. Catch trials have no go cue (the hand should
stay put); bumped trials push the hand with an endpoint force for 15-30 steps, half of them just
after the go cue. At every 10 ms step the network sees the arm's delayed, noisy vision (hand x/y)
and proprioception (6 muscle lengths, 6 velocities) plus the 3 context inputs, and its 6 outputs
drive the muscles: the rollout is an inherently per-step loop.

The arm's physics are MotorNet's own (`RigidTendonArm26` with `MujocoHillMuscle`: its ODE and
Euler step); the loop around them (action noise, delayed noisy vision and proprioception) is
written here as MotorNet's `Environment` does it, step for step, so that one closed-loop step
(network, muscles, skeleton, sensors) is a single pure function. Eager, that saves the
environment's per-step bookkeeping; `kernel="compiled"` hands the step to `torch.compile`, which
fuses its few hundred small tensor operations into one kernel forward and one backward.

MotorNet is GPL-3.0, so it stays an optional extra (`pip install taskdyn[motor]`) imported here
only when a reaching task runs (pinned to 0.3.0, the current release).
"""

from __future__ import annotations

import collections
import functools
import math
import os
import shutil
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
SIGMOID_OFFSET = -5.0  # MotorNet's PolicyGRU starts its readout bias here: muscles near rest
MOVE_BUMP_WINDOW = 40  # "movement" bumps start within this many steps of the go cue


@dataclass(frozen=True)
class ArmSettings:
    """MotorNet noise (sd), feedback delays (in 10 ms steps) and how the network's outputs drive
    the muscles: `linear` (CtDB: MotorNet clips them to [0, 1], so an output outside that range
    passes no gradient from the hand's position) or `sigmoid` (MotorNet's own example policy:
    sigmoid(output - 5), which starts the muscles near rest and keeps every output's gradient)."""

    action_noise: float = 0.005
    proprioception_noise: float = 0.005
    vision_noise: float = 0.005
    proprioception_delay: int = 2
    vision_delay: int = 5
    muscle_drive: str = "linear"

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


class Arm:
    """MotorNet's two-joint, six-muscle arm (10 ms Euler steps) with its sensors' noise and delays."""

    def __init__(self, settings: ArmSettings = ArmSettings()):
        mn = motornet()
        self.effector = mn.effector.RigidTendonArm26(muscle=mn.muscle.MujocoHillMuscle())
        if self.effector.integration_method != "euler" or self.effector.n_ministeps != 1:
            raise ValueError("the closed-loop step integrates one Euler step per 10 ms")
        self.settings = settings
        self.min_activation = float(self.effector.muscle.min_activation)

    def reset(self, joint0: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """MotorNet's biomechanically consistent (joint, muscle, geometry, fingertip) states."""
        self.effector.reset(options={"batch_size": len(joint0), "joint_state": joint0})
        states = self.effector.states
        return states["joint"], states["muscle"], states["geometry"], states["fingertip"]

    def sense(self, muscle: torch.Tensor, fingertip: torch.Tensor,
              noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Undelayed (vision, proprioception) with `noise` `(n, 14)` N(0, 1) draws scaled by their sd:
        the hand x/y, and muscle lengths and velocities normalised as MotorNet does."""
        muscles = self.effector.muscle
        proprioception = torch.cat([muscle[:, 1] / muscles.l0_ce[:, 0],
                                    muscle[:, 2] / muscles.vmax[:, 0]], dim=-1)
        return (fingertip + self.settings.vision_noise * noise[:, :2],
                proprioception + self.settings.proprioception_noise * noise[:, 2:])

    def step(self, action: torch.Tensor, joint: torch.Tensor, muscle: torch.Tensor,
             geometry: torch.Tensor, load: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """One 10 ms step under muscle drive `action` (clipped to MotorNet's activation range)
        and endpoint force `load`: the next (joint, muscle, geometry, fingertip)."""
        effector = self.effector
        states = {"joint": joint, "muscle": muscle, "geometry": geometry}
        drive = torch.clamp(action, self.min_activation, 1.0)
        derivative = effector.ode(drive, states, load, effector.default_joint_load)
        states = effector.integration_step(effector.minidt, derivative, states)
        fingertip = effector.joint2cartesian(states["joint"])[:, :2]
        return states["joint"], states["muscle"], states["geometry"], fingertip


def make_arm(settings: ArmSettings = ArmSettings()) -> Arm:
    """A fresh arm: RigidTendonArm26 with MuJoCo-style Hill muscles, 10 ms steps."""
    return Arm(settings)


def hand_position(arm: Arm, joint_angles: np.ndarray) -> np.ndarray:
    """Fingertip x/y `(n, 2)` of postures `(n, 2)` (shoulder, elbow in radians)."""
    state = np.concatenate([joint_angles, np.zeros_like(joint_angles)], axis=1)
    cartesian = arm.effector.joint2cartesian(torch.as_tensor(state, dtype=torch.float32))
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


def closed_loop_step(model: torch.nn.Module, arm: Arm, state: torch.Tensor, u: torch.Tensor,
                     joint: torch.Tensor, muscle: torch.Tensor, geometry: torch.Tensor,
                     load: torch.Tensor, noise: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Network and arm for one step: the network reads `u`, its output (plus action noise, the
    first 6 columns of `noise`) drives the arm, whose new state is sensed (the other 14).
    Returns the network state, its action, the arm's states, the hand, and what was sensed."""
    state = model.step(state, u)
    action = model.readout(model.hidden(state))
    if arm.settings.muscle_drive == "sigmoid":
        action = torch.sigmoid(action + SIGMOID_OFFSET)
    noisy = action + arm.settings.action_noise * noise[:, :len(MUSCLES)]
    joint, muscle, geometry, fingertip = arm.step(noisy, joint, muscle, geometry, load)
    vision, proprioception = arm.sense(muscle, fingertip, noise[:, len(MUSCLES):])
    return state, action, joint, muscle, geometry, fingertip, vision, proprioception


@functools.cache
def _compiled_step():
    if not any(shutil.which(c) for c in (os.environ.get("CXX"), "c++", "g++", "clang++") if c):
        raise RuntimeError("arm_kernel 'compiled' needs a C++ compiler for torch.compile and none "
                           "is on PATH (install g++ or set CXX), or use arm_kernel 'eager'")
    return torch.compile(closed_loop_step)


def rollout(model: torch.nn.Module, arm: Arm, batch: dict[str, torch.Tensor], noise_seed: int,
            kernel: str = "eager") -> dict[str, torch.Tensor]:
    """Run the network in closed loop with the arm over the batch's trials.

    `model` needs `initial_state`, `step(state, u)`, `hidden` and `readout` (the recurrent
    models of `taskdyn.models`). At each step the network reads `[observation, context]`: the
    hand and muscle state as sensed `vision_delay` and `proprioception_delay` steps back (as
    MotorNet's Environment buffers them: filled with the first reading at reset). Its output
    drives the muscles and the bump load pushes the hand. The sensor and action noise is drawn
    from a generator seeded with `noise_seed`; in training, the model's `state_noise` (sd) is
    added to its state after it is read out. `kernel="compiled"` runs each step through
    `torch.compile` (needs a C++ compiler; compiling takes about a minute per process).
    Returns `hand` `[trial, time, 2]`, `actions` `[trial, time, 6]`, `states`, `inputs`.
    """
    step = _compiled_step() if kernel == "compiled" else closed_loop_step
    n, n_steps = batch["context"].shape[:2]
    generator = torch.Generator().manual_seed(noise_seed)
    noise = torch.randn(n_steps + 2, n, len(MUSCLES) + N_OBSERVATIONS, generator=generator)
    joint, muscle, geometry, fingertip = arm.reset(batch["joint0"])
    vision, proprioception = arm.sense(muscle, fingertip, noise[0, :, len(MUSCLES):])
    delays = arm.settings.vision_delay, arm.settings.proprioception_delay
    buffers = [collections.deque([reading] * delay, maxlen=delay)
               for reading, delay in zip((vision, proprioception), delays)]
    for buffer, reading in zip(buffers, arm.sense(muscle, fingertip,
                                                  noise[1, :, len(MUSCLES):])):
        buffer.append(reading)
    state = model.initial_state.expand(n, -1)
    state_noise = getattr(model, "state_noise", 0.0) if model.training else 0.0
    hand, actions, states, inputs = [], [], [], []
    for t in range(n_steps):
        u = torch.cat([buffers[0][0], buffers[1][0], batch["context"][:, t]], dim=-1)
        state, action, joint, muscle, geometry, fingertip, *sensed = step(
            model, arm, state, u, joint, muscle, geometry, batch["load"][:, t], noise[t + 2])
        for buffer, reading in zip(buffers, sensed):
            buffer.append(reading)
        hand.append(fingertip)
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
