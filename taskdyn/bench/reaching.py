"""RandomTarget's closed loop: one training rollout (network and MotorNet arm, forward and
backward) per arm kernel, per trial and step.

The arm is stepped in closed loop with the network, so a trial of T steps is T dependent calls
of a few hundred small tensor operations: the cost is per-call overhead, not arithmetic, and
`compiled` (torch.compile of the whole step) is timed against `eager` to show how much of it
fusing removes.
"""

from __future__ import annotations

import importlib.util
import statistics

import numpy as np
import torch

from taskdyn.bench.report import Figure
from taskdyn.bench.sizes import Sizes
from taskdyn.bench.timing import timed
from taskdyn.models import build_recurrent_model

TRIALS = dict(catch_prob=0.2, bump_prob=0.5, bump_magnitude=(5.0, 10.0), bump_duration=(15, 30),
              target_on=(10, 30), min_delay=5, context_noise=0.04)


def bench_reaching(sizes: Sizes, kernels: tuple[str, ...] = ("eager", "compiled")
                   ) -> list[Figure]:
    """Forward + backward of one closed-loop rollout per kernel (the compiled one after its
    untimed compiling call); nothing where MotorNet (the `motor` extra) is not installed."""
    if importlib.util.find_spec("motornet") is None:
        return []
    from taskdyn.tasks import random_target as rt

    batch_size, n_steps = sizes.reaching
    arm = rt.make_arm()
    trials = rt.generate_reaches(arm, batch_size, n_steps, rng=np.random.default_rng(0), **TRIALS)
    batch = {k: torch.as_tensor(v) for k, v in trials.items()}
    torch.manual_seed(0)
    model = build_recurrent_model({"type": "gru", "latent_size": sizes.hidden, "state_noise": 0.01},
                                  rt.N_INPUTS, len(rt.MUSCLES))
    size = f"GRU-{sizes.hidden} + MotorNet arm, batch {batch_size}, {n_steps} steps, cpu"
    figures, medians = [], {}
    for kernel in kernels:
        def step(kernel: str = kernel) -> None:
            model.zero_grad(set_to_none=True)
            run = rt.rollout(model, arm, batch, 0, kernel)
            rt.reach_loss(run["hand"], batch["goal"], run["actions"], n_included=n_steps,
                          pos_weight=1.0, act_weight=1.0).backward()

        runs = timed(step, sizes.repeats)
        medians[kernel] = statistics.median(runs)
        per_step = [r / (batch_size * n_steps) * 1e6 for r in runs]
        note = ("" if kernel == kernels[0] else
                f"{medians[kernels[0]] / medians[kernel]:.1f}x faster than {kernels[0]}")
        figures += [Figure(f"reaching rollout [{kernel}]", size, medians[kernel], "s", runs, note),
                    Figure(f"reaching trial-step [{kernel}]", size, statistics.median(per_step),
                           "µs", per_step, "forward + backward, per trial and 10 ms step")]
    return figures
