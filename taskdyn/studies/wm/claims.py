"""The working-memory N-back paper's claims (Lei, Ito & Bashivan 2024), checked against a run's
wm tables.

Claims about a trained network's representations need the network trained to the paper's
criterion (> 95 % training, > 90 % novel-angle accuracy): a run whose models miss it is too
small to judge them (a budget need, `taskdyn.claims.Need`).
"""

from __future__ import annotations

import pandas as pd

from taskdyn.claims import (
    Claim,
    Need,
    Outcome,
    Tables,
    judge,
    model_train,
    per_task,
    too_small,
)

TRAIN_CRITERION, ANGLE_CRITERION = 0.95, 0.90
IRRELEVANT_ACCURACY = 0.85  # second-hand: irrelevant features decoded > 85 % in MTMF
GATED = ("gru", "lstm")
SPLITS = ("train", "novel_angle", "novel_identity")  # NaN where a run has no such trials


def _accuracy(tables: Tables) -> pd.DataFrame:
    """accuracy.csv's overall accuracies, one row per task × model × seed, one column per split."""
    frame = tables["accuracy.csv"]
    frame = frame[frame["nback_task"] == "all"]
    wide = frame.pivot_table(index=["task", "model", "seed"], columns="split", values="accuracy")
    return wide.reindex(columns=sorted({*wide.columns, *SPLITS})).reset_index()


def _criterion_met(row) -> bool:
    return row["train"] > TRAIN_CRITERION and row["novel_angle"] > ANGLE_CRITERION


def _trained(tables: Tables, models: pd.DataFrame | None = None) -> Need:
    """The budget need: every model (of `models`' task × model × seed rows) trained to criterion."""
    accuracy = _accuracy(tables)
    if models is not None:
        keys = [key for key in ("task", "model", "seed") if key in models.columns]
        accuracy = accuracy.merge(models[keys].drop_duplicates())
    met = accuracy.apply(_criterion_met, axis=1)
    short = accuracy[~met]
    have = ", ".join(f"{r.task}/{r.model}/seed{r.seed}: train {r.train:.2f}, novel angle "
                     f"{r.novel_angle:.2f}" for r in short.itertuples()) or "all trained"
    return Need("models trained to the paper's criterion", have,
                f"train > {TRAIN_CRITERION:.0%}, novel angle > {ANGLE_CRITERION:.0%}",
                bool(met.all()), budget=True)


def _multitask(cfg: dict) -> list[str]:
    """Tasks with several cued sub-tasks (N × feature)."""
    return [name for name, task in cfg["tasks"].items()
            if len(task["n_back"]) * len(task["features"]) > 1]


def check_training(tables: Tables, cfg: dict) -> Outcome:
    accuracy = _accuracy(tables)
    met = accuracy.apply(_criterion_met, axis=1)
    measured = "; ".join(f"{r.task}/{r.model}/seed{r.seed}: train {r.train:.3f}, novel angle "
                         f"{r.novel_angle:.3f}" for r in accuracy.itertuples())
    epochs = ", ".join(f"{m} {model_train(cfg, m)['epochs']}" for m in cfg["models"])
    return judge(bool(met.all()),
                 [Need("epochs", epochs, "training until the criterion holds (the paper's stopping rule)",
                       bool(met.all()), budget=True)],
                 measured)


def check_novel_identity(tables: Tables, cfg: dict) -> Outcome:
    accuracy = _accuracy(tables)
    tasks = [t for t, task in cfg["tasks"].items() if set(task["features"]) - {"location"}]
    if not tasks:
        return too_small("—", "the run has no task on identity or category (novel objects "
                              "only matter there)")
    rows = accuracy[accuracy["task"].isin(tasks)]
    identity, angle = rows["novel_identity"].mean(), rows["novel_angle"].mean()
    return judge(bool(identity < angle), [_trained(tables, rows)],
                 f"novel identity {identity:.3f} vs novel angle {angle:.3f} (mean over "
                 f"{len(rows)} trained networks of {', '.join(tasks)})")


def check_mixed_information(tables: Tables, cfg: dict) -> Outcome:
    tasks = _multitask(cfg)
    if not tasks:
        return too_small("—", "the run has no multi-task configuration (several N × feature)")
    frame = tables["cross_task.csv"]
    rows = frame[frame["task"].isin(tasks) & (frame["train_task"] == frame["test_task"])
                 & (frame["space"] == "rnn")]
    irrelevant = rows[~rows["relevant"].astype(bool)].groupby("property")["accuracy"].mean()
    relevant = rows[rows["relevant"].astype(bool)]["accuracy"].mean()
    return judge(bool((irrelevant >= IRRELEVANT_ACCURACY).all()), [_trained(tables, rows)],
                 f"encoding-step decoding in {', '.join(tasks)}: task-relevant {relevant:.3f}; "
                 "task-irrelevant " + ", ".join(f"{p} {v:.3f}" for p, v in irrelevant.items()))


def check_subspace_sharing(tables: Tables, cfg: dict) -> Outcome:
    tasks = _multitask(cfg)
    types = {name: model["type"] for name, model in cfg["models"].items()}
    vanilla = [m for m, t in types.items() if t == "vanilla"]
    gated = [m for m, t in types.items() if t in GATED]
    if not tasks or not vanilla or not gated:
        return too_small("—", f"the run's models are {sorted(set(types.values()))} and its "
                              f"multi-task configurations {tasks}; the claim compares a vanilla "
                              "RNN with a GRU or LSTM trained on several tasks")
    frame = tables["cross_task.csv"]
    rows = frame[frame["task"].isin(tasks) & (frame["space"] == "rnn")]
    same = rows["train_task"] == rows["test_task"]
    # how much of a decoder's same-task accuracy survives on the other tasks
    transfer = (rows[~same].groupby("model")["normalised"].mean()
                / rows[same].groupby("model")["normalised"].mean())
    met = transfer[vanilla].min() > transfer[gated].max()
    return judge(bool(met), [_trained(tables, rows)],
                 "cross-task / same-task decoding: " + ", ".join(
                     f"{m} ({types[m]}) {v:.2f}" for m, v in transfer.items()))


def _by_task(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """{task: its rows}, in the order the tasks first appear."""
    return dict(list(frame.groupby("task", sort=False)))


def check_orthogonalisation(tables: Tables, cfg: dict) -> Outcome:
    def orthogonalised(rows: pd.DataFrame) -> Outcome:
        met = (rows["more_orthogonalised"] == "cnn") & rows["significant"].astype(bool)
        return judge(bool(met.all()), [_trained(tables, rows)], "; ".join(
            f"{r.model}: CNN {r.mean_cnn:.3f} vs RNN {r.mean_rnn:.3f} ({r.test} p = {r.p:.3f})"
            for r in rows.itertuples()))

    groups = _by_task(tables["orthogonalisation_test.csv"])
    return per_task(groups, lambda task: orthogonalised(groups[task]))


def check_chronological(tables: Tables, cfg: dict) -> Outcome:
    def chronological(rows: pd.DataFrame) -> Outcome:
        return judge(
            bool((rows["same_age"] > rows["same_stimulus"]).all()), [_trained(tables, rows)],
            "rebuilt decoders' accuracy with a same-age vs a same-stimulus rotation: " + "; ".join(
                f"{r.model}/seed{r.seed} {r.same_age:.3f} vs {r.same_stimulus:.3f} (direct "
                f"{r.direct:.3f})" for r in rows.itertuples()))

    frame = tables["procrustes.csv"]
    groups = _by_task(frame[frame["metric"] == "accuracy"].pivot_table(
        index=["task", "model", "seed"], columns="condition", values="value").reset_index())
    return per_task(groups, lambda task: chronological(groups[task]))


CLAIMS = [
    Claim("training_criterion",
          "All models reach > 95 % training accuracy and > 90 % on novel viewing angles.",
          "> 95 % train, > 90 % novel-angle validation accuracy (the paper's stopping rule)",
          check_training, lambda cfg: ["accuracy.csv"]),
    Claim("novel_identity",
          "Generalisation to novel identities is weaker than to novel angles.",
          "novel-identity accuracy below novel-angle accuracy (Fig. A1c)",
          check_novel_identity, lambda cfg: ["accuracy.csv"]),
    Claim("mixed_information",
          "Multi-task RNNs hold task-relevant and task-irrelevant object properties at once.",
          f"task-irrelevant properties decoded at the encoding step > {IRRELEVANT_ACCURACY:.0%} "
          "in MTMF (second-hand; Fig. 2)",
          check_mixed_information, lambda cfg: ["cross_task.csv", "accuracy.csv"]),
    Claim("subspace_sharing",
          "Object-property subspaces are largely shared across tasks in vanilla RNNs and "
          "task-specific in GRU/LSTM.",
          "cross-task decoder generalisation higher for vanilla RNNs than GRU/LSTM (Fig. 2c)",
          check_subspace_sharing, lambda cfg: ["cross_task.csv", "accuracy.csv"]),
    Claim("orthogonalisation",
          "RNN representations are less orthogonalised than the perceptual (CNN) ones.",
          "O(CNN) > O(RNN), two-sample t-test (Fig. 3)",
          check_orthogonalisation, lambda cfg: ["orthogonalisation_test.csv", "accuracy.csv"]),
    Claim("chronological_subspaces",
          "The encoding-to-memory transformation is shared across stimuli, while the "
          "transformations that keep a memory against distractors differ across time.",
          "Procrustes swap test: a same-age rotation of another stimulus rebuilds decoders "
          "better than the same stimulus's rotation at another time (Fig. 4g)",
          check_chronological, lambda cfg: ["procrustes.csv", "accuracy.csv"]),
]
