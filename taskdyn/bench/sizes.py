"""Problem sizes of one benchmark run: the full suite's, and `--quick`'s smaller ones."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Sizes:
    """Problem sizes of one benchmark run (`quick` shrinks them to finish in under two minutes)."""

    batch: int = 256
    steps: int = 500
    hidden: int = 128
    repeats: int = 3
    fp_starts: int = 1024  # CtDB's initial states; the finder and the baseline share them
    fp_baseline_iters: int = 10_000
    fp_baseline_timed_iters: int = 10_000
    ripser_points: int = 400
    decoding: tuple[int, int, int] = (200, 20, 64)  # trials, time steps, units
    dsa: tuple[int, int, int, int] = (4, 20, 50, 64)  # systems, trials, time steps, units
    pairwise: tuple[int, int, int, int] = (20, 100, 20, 64)  # models, trials, time steps, units
    seed_batch: tuple[int, int] = (16, 64)  # seeds, batch
    # (horizon, Adam steps per run): the paper curriculum's second stage and its last
    seed_batch_runs: tuple[tuple[int, int], ...] = ((20, 100), (100, 25))
    epoch_trials: int = 800
    reaching: tuple[int, int] = (128, 100)  # batch, 10 ms steps of one closed-loop rollout
    snakemake: bool = True
    snakemake_repeats: int = 3
    default_run: bool = False  # the default pipeline end to end (minutes; `--default-run`)
    device: str = "cpu"  # where training is timed: "cpu" or "cuda"

    @property
    def training_device(self) -> torch.device:
        """`device` as a torch device."""
        return torch.device(self.device)

    @classmethod
    def quick(cls) -> Sizes:
        return cls(batch=64, steps=100, repeats=3, fp_starts=128, fp_baseline_timed_iters=500,
                   epoch_trials=256,
                   ripser_points=200, decoding=(100, 10, 32), dsa=(3, 10, 40, 32),
                   pairwise=(8, 50, 10, 32), snakemake_repeats=1,
                   seed_batch_runs=((20, 10),), reaching=(32, 50))
