"""Known answers for the wm memory analyses (Lei et al. Fig. 4): the trials decoded, executive vs
non-executive steps, cross-stimulus encoding, the Procrustes swap test restricted to decoders
above chance, decoder sample sizes, orthogonality per pair of normals and cross-task sharing per
architecture."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ortho_group

from taskdyn.analysis.decoding import split_trials
from taskdyn.analysis.procrustes import swap_test
from taskdyn.studies.wm.analysis.memory import (
    TransferSamples,
    encoding_transfer,
    executive_rows,
    memory_rows,
    select_trials,
)
from taskdyn.studies.wm.analysis.sampling import (
    ENOUGH,
    TOO_FEW,
    SampleCheck,
    TooFewSamples,
    above_chance,
)
from taskdyn.studies.wm.analysis.summaries import subspace_sharing_table
from taskdyn.studies.wm.jobs import _orthogonalisation_rows, _procrustes_rows
from taskdyn.tasks.nback import FEATURES

K = 4  # classes
STEPS = 6
IDENTITY, LOCATION = FEATURES.index("identity"), FEATURES.index("location")
CHECK = SampleCheck(5)


def _values(rng, n, match_n=None):
    """Property values `[trial, step]`; with `match_n [trial]`, step t ≥ N repeats step t − N
    on a random half of the steps (an N-back match on this property)."""
    values = rng.integers(K, size=(n, STEPS))
    if match_n is not None:
        for t in range(STEPS):
            match = (t >= match_n) & (rng.random(n) < 0.5)
            values[match, t] = values[np.flatnonzero(match), t - match_n[match]]
    return values


def _blocks(rng, n):
    """States `[trial, step, STEPS × K]`: one one-hot block per stimulus slot, each holding a
    random class (so that no unit is silent while a decoder is fitted)."""
    hidden = np.zeros((n, STEPS, STEPS * K))
    for block in range(STEPS):
        hidden[..., block * K:(block + 1) * K] = np.eye(K)[rng.integers(K, size=(n, STEPS))]
    return hidden


def _put(hidden, step, block, code):
    hidden[:, step, block * K:(block + 1) * K] = np.eye(K)[code]


def _slot_states(values, n_back, rng, noise=0.05):
    """Stimulus i sits in its own block from step i on: its one-hot code at its encoding step
    and again at its executive step i + N, the code with its classes shifted by one
    (v → v + 1 mod K) at every other later step. A decoder fitted at encoding reads the memory on
    executive steps and is wrong elsewhere."""
    hidden = _blocks(rng, len(values))
    for i in range(STEPS):
        for j in range(i, STEPS):
            aligned = (j == i) | (j == i + n_back)
            _put(hidden, j, i, np.where(aligned, values[:, i], (values[:, i] + 1) % K))
    return hidden + noise * rng.standard_normal(hidden.shape)


def _frame(rows):
    return pd.DataFrame(rows)


def test_trials_are_those_of_the_chosen_tasks_or_all_when_there_are_none():
    feature = np.array([IDENTITY, LOCATION, IDENTITY, LOCATION])
    chosen, label = select_trials(feature, "identity")
    np.testing.assert_array_equal(chosen, [0, 2])
    assert label == "identity tasks"
    assert select_trials(feature, "all")[1] == "all tasks"
    chosen, label = select_trials(np.full(3, LOCATION), "identity")
    np.testing.assert_array_equal(chosen, [0, 1, 2])
    assert label == "all tasks (no identity task)"
    with pytest.raises(ValueError, match="trial selection"):
        select_trials(feature, "colour")


def test_a_memory_realigned_on_executive_steps_is_decoded_there_only():
    rng = np.random.default_rng(0)
    n = 600
    n_back = rng.integers(1, 4, size=n)
    values = _values(rng, n)
    hidden = _slot_states(values, n_back, rng)
    train, test = split_trials(n, 0.3)
    samples = encoding_transfer(hidden, values, n_back, train, test, C=1.0)
    assert len(samples.truth) == len(test) * STEPS * (STEPS - 1) // 2  # every (i, j > i)
    assert samples.n_train == len(train)
    correct = samples.truth == samples.predicted
    assert correct[samples.executive].mean() > 0.95 and correct[~samples.executive].mean() < 0.05
    frame = _frame(executive_rows(samples, {"space": "rnn", "property": "x"}, CHECK))
    pooled = frame[frame["level"] == "pooled"].set_index(["samples", "kind"])
    for subset in ("all", "on-screen differs"):
        assert pooled.loc[(subset, "executive"), "normalised"] > 0.95
        assert pooled.loc[(subset, "non_executive"), "accuracy"] < 0.05
    # each (N, age) cell is executive exactly where age = N, and the pooled rows count them all
    cells = frame[(frame["level"] == "n_back × age") & (frame["samples"] == "all")]
    assert ((cells["kind"] == "executive") == (cells["age"] == cells["n_back"])).all()
    assert cells["n_test"].sum() == len(samples.truth)
    assert pooled.loc[("all", "executive"), "n_test"] + pooled.loc[
        ("all", "non_executive"), "n_test"] == len(samples.truth)
    matched = frame[(frame["level"] == "age-matched") & (frame["samples"] == "all")]
    expected = np.isin(samples.age, [1, 2, 3]) & ~samples.executive
    assert matched.set_index("kind").loc["non_executive", "n_test"] == expected.sum()


def test_a_screen_reading_decoder_scores_on_match_steps_but_never_when_the_screen_differs():
    rng = np.random.default_rng(1)
    n = 600
    n_back = np.full(n, 2)
    values = _values(rng, n, match_n=n_back)
    hidden = np.eye(K)[values] + 0.05 * rng.standard_normal((n, STEPS, K))  # CNN: no memory
    train, test = split_trials(n, 0.3)
    samples = encoding_transfer(hidden, values, n_back, train, test, C=1.0)
    np.testing.assert_array_equal(samples.predicted, samples.on_screen)
    frame = _frame(executive_rows(samples, {"space": "cnn", "property": "x"}, CHECK))
    pooled = frame[frame["level"] == "pooled"].set_index(["samples", "kind"])
    assert pooled.loc[("all", "executive"), "accuracy"] > 0.55  # half the steps are matches
    assert pooled.loc[("on-screen differs", "executive"), "accuracy"] == 0.0
    assert pooled.loc[("on-screen differs", "non_executive"), "accuracy"] == 0.0


def test_executive_rows_mark_groups_with_too_few_samples():
    samples = TransferSamples(truth=np.tile(np.arange(K), 6), predicted=np.tile(np.arange(K), 6),
                              stimulus=np.zeros(24, dtype=int), step=np.full(24, 2),
                              n_back=np.full(24, 2), on_screen=np.zeros(24, dtype=int),
                              n_train=100)
    frame = _frame(executive_rows(samples, {"space": "rnn", "property": "x"}, SampleCheck(7)))
    assert set(frame["sample_check"]) == {TOO_FEW}  # 24 test samples < 7 × 4
    assert set(frame["kind"]) == {"executive"} and (frame["accuracy"] == 1.0).all()
    frame = _frame(executive_rows(samples, {"space": "rnn", "property": "x"}, SampleCheck(6)))
    assert set(frame["sample_check"]) == {ENOUGH}


def _encoding_states(values, feature, rng, shared):
    """The stimulus on screen in block 0 (`shared`: one encoding map) or in the block of its
    step (an encoding of each step's own), random classes elsewhere; on location-task trials
    every block is random."""
    hidden = _blocks(rng, len(values))
    for t in range(STEPS):
        code = np.where(feature == LOCATION, rng.integers(K, size=len(values)), values[:, t])
        _put(hidden, t, 0 if shared else t, code)
    return hidden + 0.05 * rng.standard_normal(hidden.shape)


def _analysis(**over):
    return {"trials": "identity", "properties": ["identity"], "test_fraction": 0.3, "seed": 0,
            "C": 1.0, **over}


@pytest.mark.parametrize("shared", [True, False])
def test_cross_stimulus_encoding_generalises_only_through_a_shared_map(shared):
    rng = np.random.default_rng(2)
    n = 500
    values, feature = _values(rng, n), np.where(np.arange(n) % 2, IDENTITY, LOCATION)
    states = {"hidden": _encoding_states(values, feature, rng, shared), "identity": values,
              "feature": feature, "n_back": np.full(n, 2)}
    decoding, _ = memory_rows(states, _analysis(), "rnn", CHECK)
    frame = _frame(decoding)
    assert set(frame["trials"]) == {"identity tasks"}
    cross = frame[frame["analysis"] == "cross_stimulus"]
    assert (cross["stimulus"] == cross["train_time"]).all()
    assert len(cross) == STEPS * STEPS
    same = cross["train_time"] == cross["test_time"]
    assert (cross.loc[same, "normalised"] > 0.95).all()  # same-space validation
    off = cross.loc[~same, "normalised"]
    assert (off > 0.95).all() if shared else (off.abs() < 0.3).all()
    # the identity-task trials alone are decoded: 250 of them, 175 to fit, 75 to test
    assert set(frame["n_train"]) == {175} and set(frame["n_test"]) == {75}


def test_pooling_every_task_dilutes_decoding_that_only_the_identity_tasks_carry():
    rng = np.random.default_rng(3)
    n = 500
    values, feature = _values(rng, n), np.where(np.arange(n) % 2, IDENTITY, LOCATION)
    states = {"hidden": _encoding_states(values, feature, rng, True), "identity": values,
              "feature": feature, "n_back": np.full(n, 2)}

    def encoding_accuracy(trials):
        frame = _frame(memory_rows(states, _analysis(trials=trials), "rnn", CHECK)[0])
        rows = frame[(frame["analysis"] == "cross_time") & (frame["train_time"] == 0)
                     & (frame["test_time"] == 0)]
        return rows["normalised"].item(), rows["trials"].item()

    identity, label = encoding_accuracy("identity")
    pooled, pooled_label = encoding_accuracy("all")
    assert (label, pooled_label) == ("identity tasks", "all tasks")
    assert identity > 0.95 and pooled < 0.8


def test_sample_check_notes_or_raises_naming_the_keys():
    check = SampleCheck(5, "note", "Raise studies.wm.tasks.mtmf.n_val")
    assert check("d", n_classes=12, n_train=60, n_test=60) == ENOUGH
    assert check("d", n_classes=12, n_train=60, n_test=59) == TOO_FEW
    assert check("d", n_classes=12, n_train=59) == TOO_FEW  # no held-out set
    strict = SampleCheck(5, "error", "Raise studies.wm.tasks.mtmf.n_val")
    with pytest.raises(TooFewSamples, match=r"identity decoder: 200 training and 28 test "
                       r"samples for 12 classes.*5 × 12 = 60.*studies\.wm\.tasks\.mtmf\.n_val"):
        strict("identity decoder", n_classes=12, n_train=200, n_test=28)


def test_above_chance_rules_on_known_counts():
    truth = np.repeat(np.arange(4), 25)  # 100 samples, 4 balanced classes: chance 0.25
    predicted = truth.copy()
    wrong = np.concatenate([np.arange(k * 25 + n, (k + 1) * 25) for k, n in
                            enumerate((10, 10, 10, 10))])  # 40 correct
    predicted[wrong] = (truth[wrong] + 1) % 4
    # binomial P(X ≥ 40 | n = 100, p = 0.25) ≈ 0.0005
    assert above_chance(truth, predicted, "significance", alpha=0.01)
    predicted[truth == 0] = 1  # 30 correct: P(X ≥ 30) ≈ 0.15
    assert not above_chance(truth, predicted, "significance", alpha=0.01)
    # balanced accuracy 0.3 → (0.3 − 0.25) / 0.75 = 0.067
    assert not above_chance(truth, predicted, "margin", margin=0.1)
    assert above_chance(truth, predicted, "margin", margin=0.05)
    assert above_chance(truth, np.zeros(100, dtype=int), "none")
    assert not above_chance(np.zeros(10, dtype=int), np.zeros(10, dtype=int), "significance")


def _fading_states(rng, n=600, dims=24):
    """Chronological memory (the age-a code a fixed rotation of the age-0 code) that is gone
    after age 1: decoders of a stimulus at ages ≥ 2 are at chance."""
    labels = rng.integers(K, size=(n, STEPS))
    code = 3.0 * rng.standard_normal((K, dims))
    rotations = [np.eye(dims), ortho_group.rvs(dims, random_state=rng)]
    hidden = 0.05 * rng.standard_normal((n, STEPS, dims))
    for t in range(STEPS):
        for i in range(max(0, t - 1), t + 1):
            hidden[:, t] += code[labels[:, i]] @ rotations[t - i]
    return hidden, labels


def test_swap_test_counts_and_swaps_only_transitions_whose_decoders_beat_chance():
    rng = np.random.default_rng(4)
    hidden, labels = _fading_states(rng)
    train, test = split_trials(len(hidden), 0.3)
    result = swap_test(hidden, labels, train, test, C=1.0,
                       usable=lambda y, p: above_chance(y, p, "significance", alpha=0.001))
    i, t = np.meshgrid(np.arange(STEPS), np.arange(STEPS - 1), indexing="ij")
    exists = t >= i
    np.testing.assert_array_equal(result.above_chance[exists], (t == i)[exists])  # age 0 → 1
    np.testing.assert_array_equal(result.n_same_age[t == i], STEPS - 2)  # the other stimuli
    np.testing.assert_array_equal(result.n_same_age[exists & (t > i)], 0)  # none above chance
    # a stimulus's one usable transition (age 0 → 1) is the same-stimulus partner of its others
    np.testing.assert_array_equal(result.n_same_stimulus[exists], (t > i)[exists])
    assert np.all(np.isnan(result.same_stimulus[t == i]))
    assert np.nanmin(result.source[t == i]) > 0.95
    everything = swap_test(hidden, labels, train, test, C=1.0)
    assert everything.above_chance[exists].all()
    assert (everything.n_same_stimulus[exists] >= result.n_same_stimulus[exists]).all()


def test_procrustes_rows_carry_the_flag_and_chance_normalised_accuracy():
    rng = np.random.default_rng(5)
    hidden, labels = _fading_states(rng, n=400)
    states = {"hidden": hidden, "location": labels, "feature": np.full(400, LOCATION)}
    analysis = {**_analysis(trials="location", properties=["location"]),
                "above_chance": {"rule": "margin", "alpha": 0.01, "margin": 0.5}}
    frame = _frame(_procrustes_rows(states, analysis, CHECK))
    accuracy = frame[frame["metric"] == "accuracy"]
    assert set(accuracy["condition"]) >= {"direct", "reconstructed", "same_age", "source"}
    np.testing.assert_allclose(accuracy["normalised"], (accuracy["value"] - 0.25) / 0.75)
    assert (accuracy["above_chance"] == (accuracy["age"] == 0)).all()
    assert set(frame["trials"]) == {"location tasks"} and set(frame["sample_check"]) == {ENOUGH}
    swaps = accuracy[accuracy["condition"] == "same_age"]
    assert (swaps["n_partners"] >= 1).all()


def test_orthogonalisation_rows_give_each_pair_of_normals():
    rng = np.random.default_rng(6)
    n, dims = 400, 16
    y = rng.integers(K, size=n)
    hidden = 3.0 * np.eye(dims)[y][:, None, :] + 0.1 * rng.standard_normal((n, 1, dims))
    frame = _frame(_orthogonalisation_rows({"hidden": hidden, "location": y[:, None]},
                                           {"properties": ["location"], "C": 1.0}, "rnn",
                                           CHECK))
    prop = frame[frame["sample"] == "property"]
    pairs = frame[frame["sample"] == "pair"]
    assert len(prop) == 1 and len(pairs) == K * (K - 1) // 2
    assert set(pairs["pair"]) == {"0-1", "0-2", "0-3", "1-2", "1-3", "2-3"}
    assert pairs["index"].mean() == pytest.approx(prop["index"].item())
    # one-vs-rest normals of centred one-hot codes, e_c − 1/K: |cos| = 1/(K − 1)
    np.testing.assert_allclose(pairs["index"], 1 - 1 / (K - 1), atol=0.03)
    assert prop["n_fit"].item() == n and prop["sample_check"].item() == ENOUGH


def test_subspace_sharing_is_the_ratio_of_cross_to_same_task_decoding_per_seed():
    rows = []
    for model, arch, transfers in (("vanilla", "vanilla", (0.9, 0.8, 0.85)),
                                   ("gru", "gru", (0.2, 0.3, 0.25))):
        for seed, transfer in enumerate(transfers):
            for prop in ("location", "category"):
                for a in ("location", "category"):
                    for b in ("location", "category"):
                        same = a == b
                        rows.append({"task": "mtmf", "model": model, "architecture": arch,
                                     "seed": seed, "space": "rnn", "property": prop,
                                     "grouping": "feature", "train_task": a, "test_task": b,
                                     "normalised": 0.8 if same else 0.8 * transfer,
                                     "sample_check": ENOUGH})
    rows.append({**rows[0], "task": "stsf", "train_task": "location", "test_task": "location"})
    table = subspace_sharing_table(pd.DataFrame(rows))
    assert set(table["task"]) == {"mtmf"}  # a single-task scenario has nothing to transfer to
    pooled = table[table["property"] == "all"].set_index(["model", "seed"])
    assert pooled.loc[("vanilla", 1), "transfer"] == pytest.approx(0.8)
    assert pooled.loc[("gru", 0), "same_task"] == pytest.approx(0.8)
    assert pooled.loc[("gru", 0), "mean_transfer"] == pytest.approx(0.25)
    assert pooled.loc[("gru", 0), "sd_transfer"] == pytest.approx(0.05)
    assert (pooled["n_seeds"] == 3).all() and set(pooled["architecture"]) == {"vanilla", "gru"}
    assert len(table) == 2 * 3 * 3  # models × seeds × (all, location, category)
