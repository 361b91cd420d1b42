"""The benchmark suite behind `taskdyn bench`: how fast the pipeline is, and how far from the limit.

Every figure is the median of `repeats` timed runs (wall clock, after one untimed warm-up run).
Training is timed on one device (`Sizes.device`: the CPU, or a GPU with `taskdyn bench --device
cuda`, each timed call waiting for the GPU's queued work) and compared with that device's
matrix-multiply peak measured in the same process. Fixed points, analyses and `snakemake` are
timed on the CPU, where the pipeline runs them.

One module per part: `timing` (clock, devices, matmul peak), `training` (flip-flop GRU step and
epoch), `studies` (one epoch of each study's default model), `seed_batch` (seed-batched vs
single-seed training), `fixed_points`, `analyses` (single and all-pairs analyses), `pipeline`
(`snakemake` dry runs, reruns and the default run), `suite` (all in order) and `report` (the
figures, their table rows and JSON). The suite uses only the public functions of taskdyn.
"""

from taskdyn.bench.report import Figure, format_row, write_results
from taskdyn.bench.sizes import Sizes
from taskdyn.bench.suite import run_all
from taskdyn.bench.timing import usable_device

__all__ = ["Figure", "Sizes", "format_row", "run_all", "usable_device", "write_results"]
