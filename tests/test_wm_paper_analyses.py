"""Known answers for the wm paper analyses: cross-task decoding (Fig. 2a), the t-test of
perceptual against encoding orthogonalisation (Fig. 3) and the causal perturbation (Fig. A7)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from taskdyn.analysis.decoding import (
    cross_group_accuracy,
    decoder_normals,
    split_trials,
)
from taskdyn.studies.wm.analysis.orthogonalisation import compare_orthogonalisation
from taskdyn.studies.wm.analysis.sampling import SampleCheck, TooFewSamples
from taskdyn.studies.wm.analysis.perturbation import (
    axis_spread,
    decoder_shifts,
    random_shifts,
    shifted_probabilities,
    softmax,
    unit_rows,
)
from taskdyn.studies.wm.analysis.summaries import criterion_status, orthogonalisation_test
from taskdyn.studies.wm.jobs import _cross_task_rows
from taskdyn.studies.wm.perturb import _memory_samples
from taskdyn.tasks.nback import memory_labels

N_CLASSES = 4


def _coded_states(rng, groups, shared, n_per_group=150, dims=20, noise=0.1):
    """States `[sample, unit]` of labels coded by group: in one subspace for every group
    (`shared`) or in a subspace of each group's own."""
    X, y, g = [], [], []
    width = dims // len(groups)
    codes = 3.0 * rng.standard_normal((len(groups), N_CLASSES, width))
    for k, group in enumerate(groups):
        labels = rng.integers(N_CLASSES, size=n_per_group)
        block = 0 if shared else k
        states = noise * rng.standard_normal((n_per_group, dims))
        states[:, block * width:(block + 1) * width] += codes[0 if shared else k, labels]
        X.append(states), y.append(labels), g.append(np.full(n_per_group, group))
    return np.concatenate(X), np.concatenate(y), np.concatenate(g)


def test_cross_task_matrix_generalises_off_the_diagonal_only_for_a_shared_subspace():
    rng = np.random.default_rng(0)
    for shared in (True, False):
        X, y, groups = _coded_states(rng, [0, 2], shared)
        train, test = split_trials(len(y), 0.3, seed=0)
        acc, names = cross_group_accuracy(X, y, groups, train, test)
        np.testing.assert_array_equal(names, [0, 2])
        np.testing.assert_allclose(np.diag(acc), 1.0)
        off = acc[~np.eye(2, dtype=bool)]
        assert np.all(off > 0.99) if shared else np.all(off < 0.5)  # chance 0.25
    shuffled, _ = cross_group_accuracy(X, rng.permutation(y), groups, train, test)
    assert np.all(np.abs(shuffled - 1 / N_CLASSES) < 0.15)


def test_cross_task_rows_group_tasks_by_compared_feature_and_mark_relevance():
    rng = np.random.default_rng(1)
    X, y, groups = _coded_states(rng, [0, 2], shared=True)  # FEATURES: location, category
    states = {"hidden": X[:, None, :], "feature": groups, "task": groups + 3,
              "location": y[:, None], "category": rng.integers(N_CLASSES, size=(len(y), 1))}
    analysis = {"step": 0, "grouping": "feature", "properties": ["location", "category"],
                "test_fraction": 0.3, "seed": 0, "C": 1.0}
    rows = pd.DataFrame(_cross_task_rows(states, analysis, SampleCheck(5)))
    assert len(rows) == 2 * 2 * 2 and set(rows["train_task"]) == {"location", "category"}
    assert rows["relevant"].tolist() == [t == p for t, p in zip(rows["train_task"],
                                                                 rows["property"])]
    location = rows[rows["property"] == "location"]
    assert (location["accuracy"] > 0.99).all() and (location["chance"] == 0.25).all()
    assert (rows.loc[rows["property"] == "category", "normalised"].abs() < 0.3).all()
    assert (rows["sample_check"] == "ok").all()  # ~100 training, ~45 test trials, 4 classes
    by_task = pd.DataFrame(_cross_task_rows(states, {**analysis, "grouping": "task"},
                                            SampleCheck(5)))
    assert set(by_task["train_task"]) == {"2back_location", "2back_category"}
    few = pd.DataFrame(_cross_task_rows(states, analysis, SampleCheck(15)))
    assert set(few["sample_check"]) == {"too few samples"}  # 45 test trials < 15 × 4
    with pytest.raises(TooFewSamples, match=r"needs at least 15 × 4 = 60 of each\. raise n_val"):
        _cross_task_rows(states, analysis, SampleCheck(15, "error", "raise n_val"))


def test_t_test_of_orthogonalisation_matches_the_hand_computed_statistic():
    perceptual, encoding = np.array([0.9, 0.95, 1.0]), np.array([0.5, 0.55, 0.6])
    result = compare_orthogonalisation(perceptual, encoding)
    # Equal sample variances 0.0025: t = 0.4 / sqrt(2 · 0.0025 / 3) = 4 √6, Welch df = 4.
    assert result.statistic == pytest.approx(4 * np.sqrt(6))
    assert result.pvalue == pytest.approx(2 * stats.t.sf(4 * np.sqrt(6), df=4))
    assert result.dof == pytest.approx(4.0)
    assert (result.n_perceptual, result.n_encoding) == (3, 3)
    assert result.more_orthogonalised == "perceptual"
    assert compare_orthogonalisation(encoding, perceptual).more_orthogonalised == "encoding"
    assert np.isnan(compare_orthogonalisation(perceptual[:1], encoding).pvalue)
    assert np.isnan(compare_orthogonalisation(perceptual[:1], encoding).dof)
    unequal = compare_orthogonalisation(perceptual, np.array([0.1, 0.5, 0.9]))
    assert unequal.dof == pytest.approx(  # Welch–Satterthwaite: (s1² + s2²)² / (s1⁴ + s2⁴) · 2
        2 * (0.0025 + 0.16) ** 2 / (0.0025**2 + 0.16**2))


def test_orthogonalisation_test_per_property_averages_seeds():
    encoder = "resnet18 (ImageNet)"
    rows = [{"task": "mtmf", "space": "cnn", "model": encoder, "encoder": encoder, "seed": 0,
             "property": p, "normalised": v} for p, v in zip("abc", (1.0, 0.9, 0.95))]
    rnn = {("a", 0): 0.5, ("a", 1): 0.7, ("b", 0): 0.4, ("b", 1): 0.6, ("c", 0): 0.55,
           ("c", 1): 0.55}
    rows += [{"task": "mtmf", "space": "rnn", "model": "gru", "encoder": encoder, "seed": s,
              "property": p, "normalised": v} for (p, s), v in rnn.items()]
    analysis = {"unit": "property", "index": "normalised", "equal_var": True, "alpha": 0.05,
                "networks": "all"}
    table = orthogonalisation_test(pd.DataFrame(rows), analysis)
    row = table.iloc[0]
    assert len(table) == 1 and (row["n_cnn"], row["n_rnn"], row["n_seeds"]) == (3, 3, 2)
    assert row["seeds"] == "0,1"
    expected = stats.ttest_ind([1.0, 0.9, 0.95], [0.6, 0.5, 0.55])  # seed means per property
    assert row["t"] == pytest.approx(expected.statistic) and row["p"] == pytest.approx(
        expected.pvalue)
    assert row["dof"] == pytest.approx(expected.df) == 4  # Student: n_cnn + n_rnn − 2
    assert row["more_orthogonalised"] == "cnn" and row["significant"]


def test_orthogonalisation_test_pools_only_the_seeds_trained_to_the_criterion():
    """`networks: trained`: seed 1 missed the criterion (novel angle 0.8), so the RNN samples
    are seed 0's alone; a model with no trained seed has no row."""
    encoder = "resnet18 (ImageNet)"
    rows = [{"task": "mtmf", "space": "cnn", "model": encoder, "encoder": encoder, "seed": 0,
             "property": p, "normalised": v} for p, v in zip("abc", (1.0, 0.9, 0.95))]
    rows += [{"task": "mtmf", "space": "rnn", "model": m, "encoder": encoder, "seed": s,
              "property": p, "normalised": 0.5 + 0.1 * s}
             for m in ("gru", "lstm") for s in (0, 1) for p in "abc"]
    accuracy = pd.DataFrame([
        {"task": "mtmf", "model": m, "seed": s, "split": split, "nback_task": "all",
         "accuracy": 0.8 if (m, s, split) in {("gru", 1, "novel_angle")} or m == "lstm"
         and split == "train" else 0.99}
        for m in ("gru", "lstm") for s in (0, 1) for split in ("train", "novel_angle")])
    status = criterion_status(accuracy)
    assert status["met"].tolist() == [True, False, False, False]
    table = orthogonalisation_test(pd.DataFrame(rows), {
        "unit": "property", "index": "normalised", "equal_var": True, "alpha": 0.05,
        "networks": "trained"}, status)
    assert table["model"].tolist() == ["gru"]
    row = table.iloc[0]
    assert (row["seeds"], row["n_seeds"], row["mean_rnn"]) == ("0", 1, pytest.approx(0.5))


def test_shift_against_a_class_normal_is_scaled_by_its_spread():
    directions = unit_rows(np.array([[2.0, 0.0], [0.0, -3.0]]))
    shifts = decoder_shifts(directions, np.array([3, 7]), np.array([7, 3, 7]),
                            spread=np.array([2.0, 0.5]))
    np.testing.assert_allclose(shifts, [[0, 0.5], [-2.0, 0], [0, 0.5]])
    X = np.array([[1.0, 0.0], [3.0, 10.0], [5.0, -10.0]])
    np.testing.assert_allclose(axis_spread(X, directions), [np.std([1, 3, 5]), np.std([0, 10, -10])])
    control = random_shifts(np.tile(shifts, (1, 50)), np.random.default_rng(0))
    np.testing.assert_allclose(np.linalg.norm(control, axis=1),
                               np.linalg.norm(np.tile(shifts, (1, 50)), axis=1))
    with pytest.raises(ValueError, match="decoder's classes"):
        decoder_shifts(directions, np.array([3, 7]), np.array([5]), np.array([1.0, 1.0]))


def test_shifted_probabilities_follow_the_closed_form_of_a_linear_readout():
    # The state holds its memory (step = identity); the match logit is k · x₀.
    k, states = 1.5, np.array([[2.0, 0.3], [1.0, -0.4]])

    def readout(x):
        return np.stack([np.zeros(len(x)), np.zeros(len(x)), k * x[:, 0]], axis=1)

    shifts = np.array([[-0.5, 0.0], [-0.5, 0.0]])
    probs = shifted_probabilities(states, np.zeros((2, 1)), shifts, np.array([0.0, 2.0, 4.0]),
                                  lambda x, u: x, readout)
    x0 = states[:, 0][None, :] - np.array([0.0, 1.0, 2.0])[:, None]
    np.testing.assert_allclose(probs[..., 2], np.exp(k * x0) / (2 + np.exp(k * x0)))
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0)
    np.testing.assert_allclose(softmax(np.array([[0.0, np.log(3.0)]])), [[0.25, 0.75]])


def test_decoder_shift_breaks_a_match_that_a_random_shift_of_equal_length_leaves():
    # A toy memory: the state codes the remembered value c as 2·e_c (plus noise) in 40 units;
    # one step multiplies it with the next stimulus's code e_s, and the readout's match logit
    # is 4·Σ(state) − 4, so P(match) is high exactly when s = c.
    rng = np.random.default_rng(0)
    dims, n = 40, 400
    labels = rng.integers(N_CLASSES, size=n)
    states = 2.0 * np.eye(dims)[labels] + 0.2 * rng.standard_normal((n, dims))
    normals, classes = decoder_normals(states, labels, C=1.0)
    directions = unit_rows(normals)
    shifts = decoder_shifts(directions, classes, labels, axis_spread(states, directions))
    magnitudes = np.array([0.0, 1.0, 2.0, 4.0])

    def step(x, u):
        return x * u

    def readout(x):
        total = x.sum(axis=1)
        return np.stack([np.zeros(n), np.full(n, 0.0), 4.0 * total - 4.0], axis=1)

    paired = np.eye(dims)[labels]  # match trials: the next stimulus equals the memory
    along = shifted_probabilities(states, paired, shifts, magnitudes, step, readout)[..., 2]
    control = shifted_probabilities(states, paired, random_shifts(shifts, rng), magnitudes,
                                    step, readout)[..., 2]
    p_decoder, p_random = along.mean(axis=1), control.mean(axis=1)
    assert p_decoder[0] == p_random[0] > 0.9
    assert np.all(np.diff(p_decoder) < 0) and p_decoder[-1] < 0.05
    assert p_random[-1] > 0.8  # its component along the normal is only ~1/√40 of its length


def test_memory_samples_pair_each_response_with_the_stimulus_n_back():
    stimulus = np.array([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])
    location = np.arange(10) * 10  # the location of stimulus s is 10 s
    states = {**memory_labels({"location": location}, stimulus),
              "hidden": np.arange(2 * 5, dtype=float).reshape(2, 5, 1)}
    X, y, (_, t) = _memory_samples(states, np.array([1]), n_back=2, feature="location")
    np.testing.assert_array_equal(t, [2, 3, 4])
    np.testing.assert_array_equal(y, location[stimulus[1, t - 2]])  # shown two steps back
    np.testing.assert_array_equal(X[:, 0], states["hidden"][1, t - 1, 0])  # one step before


def test_orthogonalisation_test_without_trained_networks_keeps_its_columns():
    """No seed met the criterion: the table is empty but still names its columns."""
    encoder = "resnet18 (ImageNet)"
    rows = [{"task": "mtmf", "space": space, "model": model, "encoder": encoder, "seed": 0,
             "property": "a", "normalised": 0.9} for space, model in (("cnn", encoder),
                                                                      ("rnn", "gru"))]
    accuracy = pd.DataFrame([{"task": "mtmf", "model": "gru", "seed": 0, "split": split,
                              "nback_task": "all", "accuracy": 0.5}
                             for split in ("train", "novel_angle")])
    table = orthogonalisation_test(pd.DataFrame(rows), {
        "unit": "property", "index": "normalised", "equal_var": True, "alpha": 0.05,
        "networks": "trained"}, criterion_status(accuracy))
    assert table.empty and {"task", "model", "seeds", "p", "significant"} <= set(table.columns)
