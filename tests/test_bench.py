"""Smoke test of the benchmark suite at tiny sizes (the suite itself is not part of the tests)."""

from taskdyn import bench


def test_bench_tiny_sizes(tmp_path):
    sizes = bench.Sizes(batch=4, steps=5, hidden=8, repeats=1, ripser_points=30,
                        decoding=(20, 3, 4), dsa=(2, 4, 12, 4), seed_batch=(2, 4, 5, 1),
                        snakemake=False)
    figures = bench.bench_training(sizes, kernels=("loop",)) + bench.bench_seed_batch(sizes, 8)
    by_name = {f.name: f for f in figures}
    assert by_name["training step FLOPs"].value == 6 * 4 * 5 * (3 * 8 * (8 + 3) + 8 * 3) / 1e9
    assert by_name["matmul peak"].value > 0 and by_name["training step [loop]"].value > 0
    assert "x the separate runs" in by_name["seed batch: batched"].note
    bench.write_results(tmp_path / "r.json", figures, sizes)
    assert (tmp_path / "r.json").stat().st_size > 0
    assert bench.snakemake_jobs("Job stats:\njob  count\nall  1\ntotal  7\n") == 7
    assert bench.snakemake_jobs("Nothing to be done.") == 0
