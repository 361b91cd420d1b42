"""Batch samplers of the MultiTask and RandomTarget kinds, for `taskdyn.training.fit_epochs`.

`taskdyn.training.fit` shuffles all trials together; MultiTask draws each batch from one
subtask (`grouped_batches`), RandomTarget shuffles as `fit` does but ramps its position term in
over epochs (an epoch-aware loss, which `fit_epochs` takes).
"""

from __future__ import annotations

import numpy as np

from taskdyn.training import Sampler


def grouped_batches(groups: np.ndarray, batch_size: int) -> Sampler:
    """Every trial once per epoch in single-group batches (groups shuffled within and across)."""
    members = [np.flatnonzero(groups == g) for g in np.unique(groups)]

    def sampler(rng: np.random.Generator) -> list[np.ndarray]:
        batches = []
        for idx in members:
            idx = rng.permutation(idx)
            batches += [idx[i : i + batch_size] for i in range(0, len(idx), batch_size)]
        return [batches[i] for i in rng.permutation(len(batches))]
    return sampler
