"""Smoke test of the benchmark suite at tiny sizes (the suite itself is not part of the tests)."""

import importlib.util
import json

import pytest

from taskdyn import bench
from taskdyn.bench import analyses, pipeline, reaching, seed_batch, studies, timing, training


@pytest.mark.slow
def test_bench_tiny_sizes(tmp_path):
    sizes = bench.Sizes(batch=4, steps=5, hidden=8, repeats=1, ripser_points=30,
                        decoding=(20, 3, 4), dsa=(2, 4, 12, 4), seed_batch=(3, 4),
                        seed_batch_runs=((2, 2),),
                        epoch_trials=8, pairwise=(3, 4, 3, 5), reaching=(3, 40),
                        snakemake=False)
    figures = (training.bench_training(sizes, kernels=("sequence", "loop"))
               + training.bench_epoch(sizes, kernels=("sequence",))
               + seed_batch.bench_seed_batch(sizes, 8) + analyses.bench_pairwise(sizes))
    if importlib.util.find_spec("motornet"):
        figures += reaching.bench_reaching(sizes, kernels=("eager",))
    by_name = {f.name: f for f in figures}
    assert by_name["training step FLOPs"].value == 6 * 4 * 5 * (3 * 8 * (8 + 3) + 8 * 3) / 1e9
    peaks = by_name["matmul peak (step shape)"].runs + by_name["matmul peak (1024^3)"].runs
    floor = by_name["training step FLOP floor"].value
    assert min(peaks) > 0 and abs(floor - by_name["training step FLOPs"].value / max(peaks)) < 1e-12
    for name in ("training step [sequence]", "training step [loop]", "training epoch [sequence]"):
        assert by_name[name].value > 0 and len(by_name[name].runs) == 1
    assert len(peaks) == 2 * 2  # measured before each timed step of the two kernels
    assert "x FLOP floor" in by_name["training step [sequence]"].note
    assert "x the faster separate runs" in by_name["seed batch, horizon 2: batched"].note
    assert by_name["seed batch, horizon 2: separate, one after another"].value > 0
    if importlib.util.find_spec("motornet"):
        rollout = by_name["reaching rollout [eager]"]
        per_step = by_name["reaching trial-step [eager]"]
        assert per_step.value == pytest.approx(rollout.value / (3 * 40) * 1e6)
    assert "6 ordered pairs" in by_name["pairwise state R2"].size
    bench.write_results(tmp_path / "r.json", figures, sizes)
    saved = json.loads((tmp_path / "r.json").read_text())
    assert {f["name"] for f in saved["figures"]} == set(by_name)
    assert pipeline.snakemake_jobs("Job stats:\njob  count\nall  1\ntotal  7\n") == 7
    assert pipeline.snakemake_jobs("Nothing to be done.") == 0


def test_trial_steps_counted_at_the_outermost_called_module():
    import torch

    class TokenModel(torch.nn.Module):  # trained through a method other than `forward`
        def __init__(self):
            super().__init__()
            self.embed, self.head = torch.nn.Embedding(10, 4), torch.nn.Linear(4, 10)

        def residual(self, tokens):
            return self.head(self.embed(tokens))

    model = TokenModel()
    with studies.counting_trial_steps(model) as count:
        model.residual(torch.zeros(3, 7, dtype=torch.long))  # 21 tokens
        model.eval()
        model.residual(torch.zeros(5, 7, dtype=torch.long))  # validation: not counted
    assert count == [21]
    rnn = torch.nn.GRU(2, 4, batch_first=True)
    with studies.counting_trial_steps(rnn) as count:
        rnn(torch.zeros(6, 11, 2))
    assert count == [66]


def test_study_bench_takes_each_studys_first_task_and_model():
    jobs = studies.first_jobs("config/config.yaml")
    assert [j.study for j in jobs] == ["ctdb", "binding", "analogy", "wm", "thalamus"]
    ctdb = jobs[0]
    assert (ctdb.task, ctdb.model, ctdb.data) == ("3bff", "gru", "results/default/data/ctdb/3bff.h5")
    assert ctdb.hp["model"]["latent_size"] == 64 and ctdb.hp["train"]["batch_size"] == 128


@pytest.mark.slow
def test_study_bench_trains_each_study_one_epoch_on_its_pipeline_dataset(tmp_path):
    """`bench_studies` on a two-study config: datasets made by the pipeline's rules (in a
    scratch working directory), one epoch each, trial·steps counted as the study trains
    (binding: steps × batch × (s + horizon))."""
    from pathlib import Path

    import yaml

    run = "test_bench_studies"
    ctdb = yaml.safe_load(Path("tests/configs/ctdb_tiny.yaml").read_text())["studies"]["ctdb"]
    binding = yaml.safe_load(Path("tests/configs/binding.yaml").read_text())["studies"]["binding"]
    binding["train"]["curriculum"] = {"horizons": [5]}  # one horizon: a known step count
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump({"run": run, "studies": {"ctdb": ctdb,
                                                                   "binding": binding}}))
    workdir = tmp_path / "work"
    figures = studies.bench_studies(bench.Sizes(repeats=2), str(configfile), workdir)
    jobs = studies.first_jobs(configfile)
    flops = [studies.epoch_flops(job, workdir) for job in jobs]  # datasets made above
    assert all((workdir / job.data).exists() for job in jobs)
    assert not Path("results", run).exists()  # nothing written into the checkout
    by_study = {f.name.removeprefix("study training: "): f for f in figures}
    assert set(by_study) == {"ctdb", "binding"}
    train = binding["train"]
    steps = train["steps_per_epoch"] * train["batch_size"] * (2 + 5)  # repeat_copy: s = 2
    assert f"one epoch of {steps} trial·steps" in by_study["binding"].size
    for figure in figures:
        assert figure.unit == "trial·steps/s" and len(figure.runs) == 2
        assert figure.value > 0 and " GFLOP/s = " in figure.note
    assert all(f > 0 for f in flops)  # the tiny models' FLOPs round to 0.0 GFLOP/s in the note


def test_timing_waits_for_the_devices_queued_work(monkeypatch):
    """On a GPU a call returns before its kernels finish: each timed run must include the
    wait for them, and the warm-up's queued work must not leak into the first run."""
    import time

    import torch

    waits = []

    def synchronise(device):  # stands in for torch.cuda.synchronize: 20 ms of queued work
        waits.append(device.type)
        if device.type == "cuda":
            time.sleep(0.02)

    monkeypatch.setattr(timing, "synchronise", synchronise)
    runs = timing.timed(lambda: None, 3, warmup=1, device=torch.device("cuda"))
    assert len(runs) == 3 and min(runs) >= 0.02
    assert waits == ["cuda"] * 4  # after the warm-up, then once inside each timed run
    assert max(timing.timed(lambda: None, 3)) < 0.02  # the CPU has nothing queued


def test_bench_on_a_missing_gpu_stops_with_the_reason(capsys, tmp_path):
    import torch

    from taskdyn.cli import EXIT_ERROR, main

    if torch.cuda.is_available():
        pytest.skip("a GPU is usable here")
    out = tmp_path / "results.json"
    assert main(["bench", "--device", "cuda", "--out", str(out)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "taskdyn bench: --device cuda: CUDA is not usable here" in err
    assert not out.exists()
    assert bench.usable_device("cpu").type == "cpu"
