"""The whole suite in order, as `taskdyn bench` runs it."""

from __future__ import annotations

from collections.abc import Callable

from taskdyn.bench.analyses import bench_analyses, bench_pairwise
from taskdyn.bench.fixed_points import bench_fixed_points
from taskdyn.bench.pipeline import bench_default_run, bench_snakemake
from taskdyn.bench.reaching import bench_reaching
from taskdyn.bench.report import Figure
from taskdyn.bench.seed_batch import bench_seed_batch
from taskdyn.bench.sizes import Sizes
from taskdyn.bench.studies import bench_studies
from taskdyn.bench.training import bench_epoch, bench_training
from taskdyn.memory import retain_freed_memory


def run_all(sizes: Sizes, *, progress: Callable[[Figure], None] = lambda f: None
            ) -> list[Figure]:
    """Every benchmark at `sizes`, in order; `progress` sees each figure as it is measured.
    Memory is kept for reuse as in the pipeline's training jobs (`retain_freed_memory`)."""
    retain_freed_memory()
    parts = [bench_training, bench_epoch, bench_studies, bench_seed_batch, bench_fixed_points,
             bench_analyses, bench_pairwise, bench_reaching]
    if sizes.snakemake:
        parts.append(lambda s: bench_snakemake(s.snakemake_repeats))
    if sizes.default_run:
        parts.append(lambda s: bench_default_run())
    figures = []
    for part in parts:
        for figure in part(sizes):
            progress(figure)
            figures.append(figure)
    return figures
