"""The working-memory N-back paper's claims (Lei, Ito & Bashivan 2024), checked against a run's
wm tables.

Claims about a trained network's representations are read from the networks trained to the
paper's criterion (> 95 % training, > 90 % novel-angle accuracy), as the paper trains every
network until it meets it: one that missed it within the run's epochs is left out and named,
and a run with none left is too small to judge them, whatever they show. So is a run whose decoders had
fewer samples than their tables' `min_samples_per_class` × classes (column `sample_check`), and
one with fewer seeds, t-test samples or above-chance Procrustes transitions than a claim needs.
"""

from __future__ import annotations

import pandas as pd
from scipy.stats import mannwhitneyu

from taskdyn.claims import (
    Claim,
    Need,
    Outcome,
    Tables,
    at_least,
    combine,
    judge,
    model_train,
    not_measured,
    per_task,
    too_small,
)
from taskdyn.studies.wm import ANGLE_CRITERION, TRAIN_CRITERION
from taskdyn.studies.wm.analysis.summaries import criterion_status

IRRELEVANT_ACCURACY = 0.85  # second-hand: irrelevant features decoded > 85 % in MTMF
GATED = ("gru", "lstm")


def _accuracy(tables: Tables) -> pd.DataFrame:
    """accuracy.csv's overall accuracies, one row per task × model × seed, one column per split,
    and `met`: the paper's criterion."""
    return criterion_status(tables["accuracy.csv"])


def _trained(tables: Tables, rows: pd.DataFrame) -> tuple[pd.DataFrame, Need]:
    """`rows` of the networks trained to the paper's criterion, and the need that some are.

    The paper trains every network until it meets the criterion, so a finding is read from
    networks that met it; one that missed it within the run's epochs is left out and named.
    Rows pooled over seeds stay where every seed they pool (column `seeds`) met it.
    """
    status = _accuracy(tables)
    keys = [key for key in ("task", "model", "seed") if key in rows.columns]
    if "seed" in keys:
        met = rows[keys].merge(status[[*keys, "met"]], how="left", on=keys)["met"]
    else:  # pooled over the listed seeds: kept if every one of them met it
        listed = rows[[*keys, "seeds"]].assign(row=range(len(rows)), seed=rows["seeds"].astype(
            str).str.split(",")).explode("seed").astype({"seed": int})
        met = listed.merge(status[["task", "model", "seed", "met"]], how="left").fillna(
            {"met": False}).groupby("row")["met"].all().reindex(range(len(rows)))
    kept = rows[met.fillna(False).astype(bool).to_numpy()]
    networks = status.merge(rows[keys].drop_duplicates(), on=keys)
    short = networks[~networks["met"]]
    have = f"{int(networks['met'].sum())} of {len(networks)}"
    if not short.empty:
        have += " (left out: " + ", ".join(
            f"{r.task}/{r.model}/seed{r.seed}: train {r.train:.2f}, novel angle "
            f"{r.novel_angle:.2f}" for r in short.itertuples()) + ")"
    return kept, Need("networks trained to the paper's criterion", have,
                      f"≥ 1 (train > {TRAIN_CRITERION:.0%}, novel angle > {ANGLE_CRITERION:.0%})",
                      not kept.empty)


def _multitask(cfg: dict) -> list[str]:
    """Tasks with several cued sub-tasks (N × feature)."""
    return [name for name, task in cfg["tasks"].items()
            if len(task["n_back"]) * len(task["features"]) > 1]


def check_training(tables: Tables, cfg: dict) -> Outcome:
    accuracy = _accuracy(tables)
    met = accuracy["met"]
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
    rows, trained = _trained(tables, accuracy[accuracy["task"].isin(tasks)])
    identity, angle = rows["novel_identity"].mean(), rows["novel_angle"].mean()
    return judge(bool(identity < angle), [trained],
                 f"novel identity {identity:.3f} vs novel angle {angle:.3f} (mean over "
                 f"{len(rows)} trained networks of {', '.join(tasks)})")


def _enough_samples(rows: pd.DataFrame, what: str) -> Need:
    """The sample need: every decoder behind `rows` had enough samples per class (the tables'
    `sample_check`, set by each analysis's `min_samples_per_class`)."""
    if "sample_check" not in rows:
        return Need(f"{what} sample sizes", "not recorded", "decoders with enough samples per "
                    "class (sample_check ok)", False)
    short = rows[rows["sample_check"] != "ok"]
    return Need(f"{what} decoders with enough samples per class",
                f"{len(rows) - len(short)} of {len(rows)} rows",
                "all (raise the analysed split's trials)", short.empty)


def check_mixed_information(tables: Tables, cfg: dict) -> Outcome:
    tasks = _multitask(cfg)
    if not tasks:
        return too_small("—", "the run has no multi-task configuration (several N × feature)")
    frame = tables["cross_task.csv"]
    rows, trained = _trained(tables, frame[frame["task"].isin(tasks)
                                           & (frame["train_task"] == frame["test_task"])
                                           & (frame["space"] == "rnn")])
    irrelevant = rows[~rows["relevant"].astype(bool)].groupby("property")["accuracy"].mean()
    relevant = rows[rows["relevant"].astype(bool)]["accuracy"].mean()
    return judge(bool(len(irrelevant)) and bool((irrelevant >= IRRELEVANT_ACCURACY).all()),
                 [trained, _enough_samples(rows, "encoding-step")],
                 f"encoding-step decoding in {', '.join(tasks)}: task-relevant {relevant:.3f}; "
                 "task-irrelevant " + ", ".join(f"{p} {v:.3f}" for p, v in irrelevant.items()))


MIN_SEEDS = 3  # per architecture, for a mean and a spread


def check_subspace_sharing(tables: Tables, cfg: dict) -> Outcome:
    tasks = _multitask(cfg)
    types = {name: model["type"] for name, model in cfg["models"].items()}
    vanilla = [m for m, t in types.items() if t == "vanilla"]
    gated = [m for m, t in types.items() if t in GATED]
    if not tasks or not vanilla or not gated:
        return too_small("—", f"the run's models are {sorted(set(types.values()))} and its "
                              f"multi-task configurations {tasks}; the claim compares a vanilla "
                              "RNN with a GRU or LSTM trained on several tasks")
    frame = tables["subspace_sharing.csv"]
    rows = frame[frame["task"].isin(tasks) & (frame["property"] == "all")
                 & frame["model"].isin(vanilla + gated)]

    def shared(task: str) -> Outcome:
        sub, trained = _trained(tables, rows[rows["task"] == task])
        transfer = {m: sub.loc[sub["model"] == m, "transfer"].dropna() for m in vanilla + gated}
        seeds = min(len(v) for v in transfer.values())
        # every vanilla seed transfers more than every gated seed of each gated model
        met = all(len(transfer[v]) and len(transfer[g])
                  and transfer[v].min() > transfer[g].max() for v in vanilla for g in gated)
        tests = [mannwhitneyu(transfer[v], transfer[g], alternative="greater").pvalue
                 for v in vanilla for g in gated if len(transfer[v]) and len(transfer[g])]
        measured = "cross-task / same-task decoding (chance-normalised): " + ", ".join(
            f"{m} ({types[m]}) {v.mean():.2f} ± {v.std():.2f} ({len(v)} seeds)"
            for m, v in transfer.items())
        if tests:
            measured += f"; vanilla > gated, one-sided rank-sum p ≤ {max(tests):.3f}"
        return judge(bool(met), [at_least("trained seeds per model", seeds, MIN_SEEDS),
                                 trained, _enough_samples(sub, "cross-task")],
                     measured)

    return combine({task: shared(task) for task in tasks})


def _by_task(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """{task: its rows}, in the order the tasks first appear."""
    return dict(list(frame.groupby("task", sort=False)))


MIN_TEST_SAMPLES = 10  # per space, for a t-test worth reading


def check_orthogonalisation(tables: Tables, cfg: dict) -> Outcome:
    """Judged against the encoder the RNNs were trained on; a random-frozen control encoder's
    comparison, where the run has one, is reported beside it."""

    def describe(r) -> str:
        return (f"{r.model}: CNN {r.mean_cnn:.3f} vs RNN {r.mean_rnn:.3f} ({r.test} p = "
                f"{r.p:.3g}, {r.n_cnn} vs {r.n_rnn})")

    def orthogonalised(rows: pd.DataFrame) -> Outcome:
        rows, trained = _trained(tables, rows)
        matched, controls = rows[rows["matched"].astype(bool)], rows[~rows["matched"].astype(bool)]
        met = (matched["more_orthogonalised"] == "cnn") & matched["significant"].astype(bool)
        unit = matched["unit"].iloc[0] if len(matched) else "property"
        encoders = ", ".join(sorted(set(matched["encoder"])))
        measured = f"against {encoders}: " + "; ".join(describe(r) for r in matched.itertuples())
        for encoder, control in controls.groupby("cnn_encoder"):
            measured += f" | beside it, against {encoder}: " + "; ".join(
                describe(r) for r in control.itertuples())
        return judge(bool(len(matched)) and bool(met.all()),
                     [at_least(f"t-test samples per space ({unit})",
                               int(matched[["n_cnn", "n_rnn"]].min().min()) if len(matched)
                               else 0, MIN_TEST_SAMPLES),
                      trained], measured)

    groups = _by_task(tables["orthogonalisation_test.csv"])
    return per_task(groups, lambda task: orthogonalised(groups[task]))


MIN_TRANSITIONS = 3  # above-chance transitions with both swap partners, per model and seed


def check_chronological(tables: Tables, cfg: dict) -> Outcome:
    frame = tables["procrustes.csv"]
    frame = frame[frame["metric"] == "accuracy"]
    if "above_chance" not in frame:
        return not_measured("the Procrustes table does not mark the above-chance transitions "
                            "(rerun rule wm_align_decoders)")
    usable = frame[frame["above_chance"].astype(bool)]
    keys = ["task", "model", "seed", "property", "stimulus", "source_time"]
    wide = usable.pivot_table(index=keys, columns="condition", values="normalised")
    wide = wide.reindex(columns=sorted({*wide.columns, "same_age", "same_stimulus",
                                        "direct"})).dropna(subset=["same_age", "same_stimulus"])
    per_model = wide.groupby(["task", "model", "seed"]).agg(
        same_age=("same_age", "mean"), same_stimulus=("same_stimulus", "mean"),
        direct=("direct", "mean"), n=("same_age", "size")).reset_index()
    models = frame[["task", "model", "seed"]].drop_duplicates()
    per_model = models.merge(per_model, how="left").fillna({"n": 0})

    def chronological(rows: pd.DataFrame) -> Outcome:
        rows, trained = _trained(tables, rows)
        measured = ("rebuilt decoders' chance-normalised accuracy with a same-age vs a "
                    "same-stimulus rotation, over transitions above chance: " + "; ".join(
                        f"{r.model}/seed{r.seed} {r.same_age:.3f} vs {r.same_stimulus:.3f} "
                        f"(direct {r.direct:.3f}; {int(r.n)} transitions)"
                        for r in rows.itertuples()))
        return judge(bool(len(rows)) and bool((rows["same_age"] > rows["same_stimulus"]).all()),
                     [at_least("above-chance transitions with both swap partners (fewest per "
                               "model and seed)", int(rows["n"].min()) if len(rows) else 0,
                               MIN_TRANSITIONS),
                      trained,
                      _enough_samples(frame[frame["task"].isin(rows["task"])], "swap-test")],
                     measured)

    groups = _by_task(per_model)
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
          "cross-task decoder generalisation higher for vanilla RNNs than GRU/LSTM (Fig. 2c): "
          f"every vanilla seed above every gated seed, ≥ {MIN_SEEDS} seeds per model",
          check_subspace_sharing, lambda cfg: ["subspace_sharing.csv", "accuracy.csv"]),
    Claim("orthogonalisation",
          "RNN representations are less orthogonalised than the perceptual (CNN) ones.",
          "O(CNN) > O(RNN), two-sample t-test (Fig. 3), significant, on ≥ "
          f"{MIN_TEST_SAMPLES} samples per space",
          check_orthogonalisation, lambda cfg: ["orthogonalisation_test.csv", "accuracy.csv"]),
    Claim("chronological_subspaces",
          "The encoding-to-memory transformation is shared across stimuli, while the "
          "transformations that keep a memory against distractors differ across time.",
          "Procrustes swap test: a same-age rotation of another stimulus rebuilds decoders "
          "better than the same stimulus's rotation at another time (Fig. 4g), over the "
          "transitions whose decoders beat chance",
          check_chronological, lambda cfg: ["procrustes.csv", "accuracy.csv"]),
]
