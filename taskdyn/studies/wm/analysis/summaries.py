"""Study-wide wm tables computed from the per-model ones: which networks met the paper's
criterion, the t-test of CNN against RNN orthogonalisation (Fig. 3) and cross-task subspace
sharing per architecture and seed (Fig. 2c)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskdyn.studies.wm import ANGLE_CRITERION, TRAIN_CRITERION
from taskdyn.studies.wm.analysis.orthogonalisation import (
    TEST_UNITS,
    compare_orthogonalisation,
    test_samples,
)
from taskdyn.studies.wm.analysis.sampling import ENOUGH, TOO_FEW


CRITERION_SPLITS = ("train", "novel_angle", "novel_identity")
TEST_COLUMNS = ["task", "model", "encoder", "cnn_encoder", "matched", "index", "unit", "test",
                "properties", "n_cnn", "n_rnn", "n_seeds", "seeds", "mean_cnn", "mean_rnn", "t",
                "dof", "p", "more_orthogonalised", "significant"]


def criterion_status(accuracy: pd.DataFrame) -> pd.DataFrame:
    """One row per task × model × seed of `accuracy.csv`: its overall accuracy per split and
    `met`, whether it passed the paper's criterion (train > 95 %, novel angle > 90 %)."""
    overall = accuracy[accuracy["nback_task"] == "all"]
    wide = overall.pivot_table(index=["task", "model", "seed"], columns="split",
                               values="accuracy")
    wide = wide.reindex(columns=sorted({*wide.columns, *CRITERION_SPLITS})).reset_index()
    wide.columns.name = None
    wide["met"] = (wide["train"] > TRAIN_CRITERION) & (wide["novel_angle"] > ANGLE_CRITERION)
    return wide


def orthogonalisation_test(table: pd.DataFrame, analysis: dict,
                           status: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per scenario × RNN model × CNN encoder: `scipy.stats.ttest_ind` of the CNN
    against the RNN index (`analysis["index"]`: `normalised` or raw `index`).

    The samples (`analysis["unit"]`, see `test_samples`) are the pairs of one-vs-rest decoder
    normals of every decoded property (`pair`), or one index per property (`property`). The CNN
    baseline is one frozen encoder (no seeds); an RNN sample is its mean over the model's seeds,
    so seeds are not counted as independent samples. `statistic` > 0 means the CNN space is the
    more orthogonalised. `encoder` is the encoder whose features the RNN was trained on,
    `cnn_encoder` the one compared (`matched`: the same; a random-frozen control beside it).
    With `analysis["networks"]` `trained`, an RNN sample pools only the seeds that `status`
    (`criterion_status`) says met the paper's criterion (column `seeds`); a model with none
    has no row.
    """
    column, unit, rows = analysis["index"], analysis["unit"], []
    rnn_rows = table[table["space"] == "rnn"]
    if analysis["networks"] == "trained":
        trained = status.loc[status["met"], ["task", "model", "seed"]]
        rnn_rows = rnn_rows.merge(trained, on=["task", "model", "seed"])
    for scenario, frame in table.groupby("task", sort=True):
        cnn_rows = frame[frame["space"] == "cnn"]
        scenario_rnn = rnn_rows[rnn_rows["task"] == scenario]
        for (model, encoder), per_model in scenario_rnn.groupby(["model", "encoder"], sort=True):
            rnn = test_samples(per_model, unit, column)
            for cnn_encoder, per_encoder in cnn_rows.groupby("encoder", sort=True):
                cnn = test_samples(per_encoder, unit, column)
                result = compare_orthogonalisation(cnn.to_numpy(), rnn.to_numpy(),
                                                   analysis["equal_var"])
                properties = set(cnn.index.get_level_values("property")) | set(
                    rnn.index.get_level_values("property"))
                rows.append({"task": scenario, "model": model, "encoder": encoder,
                             "cnn_encoder": cnn_encoder, "matched": cnn_encoder == encoder,
                             "index": column, "unit": TEST_UNITS[unit],
                             "test": "student" if analysis["equal_var"] else "welch",
                             "properties": ",".join(sorted(properties)),
                             "n_cnn": result.n_perceptual, "n_rnn": result.n_encoding,
                             "n_seeds": per_model["seed"].nunique(),
                             "seeds": ",".join(map(str, sorted(per_model["seed"].unique()))),
                             "mean_cnn": result.mean_perceptual,
                             "mean_rnn": result.mean_encoding,
                             "t": result.statistic, "dof": result.dof, "p": result.pvalue,
                             "more_orthogonalised": {"perceptual": "cnn",
                                                     "encoding": "rnn"}.get(
                                 result.more_orthogonalised, "neither"),
                             "significant": bool(result.pvalue < analysis["alpha"])})
    return pd.DataFrame(rows, columns=TEST_COLUMNS)


SHARING_KEYS = ["task", "model", "architecture", "property"]
SHARING_COLUMNS = ["task", "model", "architecture", "seed", "property", "grouping", "n_tasks",
                   "same_task", "cross_task", "transfer", "sample_check", "n_seeds",
                   "mean_transfer", "sd_transfer"]


def subspace_sharing_table(cross_task: pd.DataFrame) -> pd.DataFrame:
    """How much of a decoder's same-task accuracy survives on the other tasks, per scenario ×
    model × seed × decoded property (and `all`: every property together).

    From the RNN rows of the cross-task table of scenarios with two or more task groups:
    `same_task` is the mean chance-normalised accuracy on the diagonal (held-out trials of the
    decoder's own task), `cross_task` off it, `transfer` their ratio (NaN where same-task
    decoding is not above chance). `n_seeds` (those with a defined transfer), `mean_transfer`
    and `sd_transfer` (sample SD) summarise the seeds of each scenario × model × property;
    `architecture` is the model's
    recurrent type. `sample_check` is `too few samples` when any decoder behind it was.
    """
    rows = []
    rnn = cross_task[cross_task["space"] == "rnn"]
    for (task, model, seed), frame in rnn.groupby(["task", "model", "seed"], sort=True):
        if frame["train_task"].nunique() < 2:
            continue
        for prop, sub in [("all", frame), *frame.groupby("property", sort=False)]:
            same = sub["train_task"] == sub["test_task"]
            same_task = sub.loc[same, "normalised"].mean()
            cross = sub.loc[~same, "normalised"].mean()
            ok = "sample_check" not in sub or (sub["sample_check"] == ENOUGH).all()
            rows.append({"task": task, "model": model,
                         "architecture": sub["architecture"].iloc[0]
                         if "architecture" in sub else model,
                         "seed": seed, "property": prop, "grouping": sub["grouping"].iloc[0],
                         "n_tasks": sub["train_task"].nunique(), "same_task": same_task,
                         "cross_task": cross,
                         "transfer": cross / same_task if same_task > 0 else np.nan,
                         "sample_check": ENOUGH if ok else TOO_FEW})
    table = pd.DataFrame(rows, columns=SHARING_COLUMNS[:-3])
    stats = table.groupby(SHARING_KEYS, sort=False)["transfer"].agg(
        n_seeds="count", mean_transfer="mean", sd_transfer="std").reset_index()
    return table.merge(stats, on=SHARING_KEYS, how="left")[SHARING_COLUMNS]
