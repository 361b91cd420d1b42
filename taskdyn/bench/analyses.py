"""Analyses at stated sizes: persistent homology, the decoding matrix and DSA on one data set,
and the all-pairs comparisons (state R², Procrustes + CKA, diagram distances) among many."""

from __future__ import annotations

import numpy as np

from taskdyn.analysis.decoding import generalisation_matrix
from taskdyn.analysis.topology import persistence_diagrams
from taskdyn.bench.report import Figure
from taskdyn.bench.sizes import Sizes
from taskdyn.bench.timing import median_seconds, timed


def bench_analyses(sizes: Sizes) -> list[Figure]:
    """Persistent homology (ripser), decoding matrix and (if `DSA` imports) DSA at stated sizes."""
    rng = np.random.default_rng(0)
    angle = rng.uniform(0, 2 * np.pi, sizes.ripser_points)
    circle = np.c_[np.cos(angle), np.sin(angle), 0.1 * rng.standard_normal(len(angle))]
    figures = [Figure("persistent homology (ripser H0+H1)", f"{len(circle)} points in 3-D",
                      *median_seconds(timed(lambda: persistence_diagrams(circle, maxdim=1),
                                            sizes.repeats)))]
    trials, steps, units = sizes.decoding
    labels = np.repeat(rng.integers(0, 4, trials)[:, None], steps, axis=1)
    hidden = rng.standard_normal((trials, steps, units)) + labels[..., None] * 0.2
    train, test = np.arange(trials // 2), np.arange(trials // 2, trials)
    figures.append(Figure(
        "decoding matrix (logistic regression)",
        f"{trials} trials x {steps} steps x {units} units, 4 classes, {steps}x{steps} matrix",
        *median_seconds(timed(lambda: generalisation_matrix(hidden, labels, train, test),
                              sizes.repeats))))
    try:
        import DSA  # noqa: F401

        from taskdyn.analysis.dsa import dsa_distances
    except ImportError:
        return figures + [Figure("DSA", "-", float("nan"), "s", note="DSA does not import")]
    n_sys, trials, steps, units = sizes.dsa
    systems = [rng.standard_normal((trials, steps, units)).cumsum(1) * 0.1 for _ in range(n_sys)]
    figures.append(Figure(
        "DSA (wasserstein)", f"{n_sys} systems of {trials}x{steps}x{units}, 5 PCs, 5 delays, rank 10",
        *median_seconds(timed(lambda: dsa_distances(systems, n_components=5, n_delays=5,
                                                    delay_interval=1, rank=10,
                                                    score_method="wasserstein", iters=100,
                                                    lr=1e-2, seed=0), sizes.repeats))))
    return figures


def bench_pairwise(sizes: Sizes) -> list[Figure]:
    """All-pairs state R² (both directions), Procrustes + CKA and persistence-diagram distances
    among `models` random-walk state sets: the per-model work is done once per model."""
    from taskdyn.analysis.similarity import pairwise_shape_metrics
    from taskdyn.analysis.state_r2 import pairwise_state_r2, project_states
    from taskdyn.analysis.topology import pairwise_distances

    n_models, trials, steps, units = sizes.pairwise
    rng = np.random.default_rng(0)
    states = [rng.standard_normal((trials, steps, units)).cumsum(1) for _ in range(n_models)]
    half = trials // 2
    size = f"{n_models} models of {trials} trials x {steps} steps x {units} units"

    def state_r2() -> None:
        pairwise_state_r2({str(i): project_states(h[:half], h[half:], 10)
                           for i, h in enumerate(states)})

    def shape() -> None:
        pairwise_shape_metrics([h.reshape(-1, units) for h in states])

    diagrams = [persistence_diagrams(h[:2].reshape(-1, units)[:, :3], maxdim=1)[1]
                for h in states]
    return [Figure("pairwise state R2", f"{size}, 10 PCs, {n_models * (n_models - 1)} ordered "
                   "pairs", *median_seconds(timed(state_r2, sizes.repeats))),
            Figure("pairwise Procrustes + CKA", f"{size}, {n_models * (n_models - 1) // 2} pairs",
                   *median_seconds(timed(shape, sizes.repeats))),
            Figure("pairwise H1 diagram distances (wasserstein)",
                   f"{n_models} diagrams of {2 * steps} points in 3-D",
                   *median_seconds(timed(lambda: pairwise_distances(diagrams, "wasserstein"),
                                         sizes.repeats)))]
