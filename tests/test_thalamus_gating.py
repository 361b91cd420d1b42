"""Gating analyses on hand-made arrays with hand-computed answers."""

import numpy as np
import pandas as pd
import pytest

from taskdyn.studies.thalamus.analysis import (
    accuracy_by_group,
    gate_overlap_matrix,
    gate_scores,
    jaccard,
    mean_interval,
    phase_by_role,
    phase_pca,
    support_distance,
    swap_drop,
    task_swap_matrix,
)
from taskdyn.studies.thalamus.jobs import summarise_task_swap


def test_gate_precision_and_recall_on_a_hand_made_story():
    # 2 trials x 8 tokens; trial 0: sentences 0,0,0,1,1,1,pad,pad with sentence 1 supporting
    sentence = np.array([[0, 0, 0, 1, 1, 1, -1, -1], [0, 0, 1, 1, 2, 2, 3, 3]])
    valid = sentence >= 0
    supporting = np.array([[0, 0, 0, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 0, 1, 1]], bool)
    selected = np.array([[0, 1, 0, 1, 1, 0, 1, 0], [1, 0, 0, 0, 1, 1, 0, 0]], bool)
    scores = gate_scores(selected, supporting, sentence, valid)
    # trial 0: kept (valid) tokens 1,3,4 -> 2 in support; support has 3 tokens, 1 sentence
    # trial 1: kept 0,4,5 -> 1 in support (token 0); support 4 tokens in sentences 0 and 3
    assert scores.precision == pytest.approx([2 / 3, 1 / 3])
    assert scores.token_recall == pytest.approx([2 / 3, 1 / 4])
    assert scores.sentence_recall == pytest.approx([1.0, 0.5])
    assert scores.chance_precision == pytest.approx([3 / 6, 4 / 8])
    assert scores.n_selected.tolist() == [3, 3]


def test_keeping_everything_scores_chance_precision_and_full_recall():
    rng = np.random.default_rng(0)
    sentence = np.repeat(np.arange(5), 4)[None].repeat(3, 0)
    supporting = sentence == rng.integers(0, 5, (3, 1))
    scores = gate_scores(np.ones_like(supporting), supporting, sentence, sentence >= 0)
    assert scores.precision == pytest.approx(scores.chance_precision)
    assert scores.token_recall == pytest.approx(1.0)
    assert scores.sentence_recall == pytest.approx(1.0)
    none_supporting = gate_scores(np.ones((1, 4), bool), np.zeros((1, 4), bool),
                                  np.zeros((1, 4), int), np.ones((1, 4), bool))
    assert np.isnan(none_supporting.token_recall[0])
    assert np.isnan(none_supporting.sentence_recall[0])


def test_task_swap_matrix_and_accuracy_by_group():
    answer = np.array([0, 1, 2, 3])
    task = np.array([0, 0, 1, 1])
    predictions = np.array([[0, 1, 0, 0],    # given id 0: task 0 all right, task 1 all wrong
                            [9, 1, 2, 3],    # given id 1: task 0 half right, task 1 right
                            [0, 0, 2, 0]])   # given id 2 (no questions of its own)
    matrix = task_swap_matrix(predictions, answer, task)
    assert matrix[:2].tolist() == [[1.0, 0.5, 0.5], [0.0, 1.0, 0.5]]
    assert np.isnan(matrix[2]).all()
    assert accuracy_by_group(predictions[1], answer, task) == {0: 0.5, 1: 1.0}


def test_phase_by_role_means_and_pca_of_tags_on_a_line():
    phase = np.array([[[1.0, 0.0], [3.0, 0.0], [5.0, 5.0]]])
    role = np.array([[0, 0, -1]])
    means = phase_by_role(phase, role, 2)
    assert means[0].tolist() == [2.0, 0.0] and np.isnan(means[1]).all()
    rng = np.random.default_rng(0)
    t = rng.normal(size=(4, 50, 1))
    tags = np.concatenate([t, 2 * t, -t], -1)  # all on one line through the origin
    coords, roles, ratio = phase_pca(tags, np.zeros((4, 50), int), n_points=30, rng=rng)
    assert coords.shape == (30, 2) and roles.shape == (30,)
    assert ratio[0] == pytest.approx(1.0)


def test_support_distance_counts_sentences_back_to_the_farthest_supporting_one():
    sentence = np.array([[0, 0, 1, 1, 2, 3, -1], [0, 1, 2, 3, 4, 5, 6], [0, 1, 1, 2, -1, -1, -1]])
    supporting = np.array([[0, 0, 1, 1, 0, 0, 0],   # sentence 1 of 0..3: 2 back
                           [0, 1, 0, 0, 0, 1, 0],   # sentences 1 and 5 of 0..6: 5 back
                           [0, 0, 0, 0, 0, 0, 0]], bool)  # none left: -1
    assert support_distance(supporting, sentence).tolist() == [2, 5, -1]
    last = np.array([[0, 1, 1]]), np.array([[False, True, True]])
    assert support_distance(last[1], last[0]).tolist() == [0]


def test_mean_interval_is_the_student_t_interval_over_seeds():
    mean, low, high = mean_interval(np.array([0.5, 0.7, 0.6]))
    # sd 0.1, n 3: half-width t(0.975, 2) = 4.3027 times 0.1 / sqrt(3)
    assert mean == pytest.approx(0.6)
    assert (high - mean) == pytest.approx(4.302653 * 0.1 / np.sqrt(3), rel=1e-5)
    assert mean - low == pytest.approx(high - mean)
    one = mean_interval(np.array([0.4, np.nan]))
    assert one[0] == 0.4 and np.isnan(one[1]) and np.isnan(one[2])
    assert all(np.isnan(mean_interval(np.array([]))))


def test_jaccard_overlap_of_kept_token_sets():
    a = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]], bool)
    b = np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]], bool)
    assert jaccard(a, b).tolist() == [1.0, 1 / 3, 1.0]  # nothing kept either way: the same


def test_gate_overlap_matrix_compares_each_id_with_the_true_one():
    task = np.array([0, 0, 1])
    under_0 = np.array([[1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 0, 0]], bool)
    under_1 = np.array([[0, 1, 1, 0], [1, 0, 1, 0], [0, 0, 1, 1]], bool)
    matrix = gate_overlap_matrix(np.stack([under_0, under_1]), task)
    # true 0 given 1: trials 0 (1/3) and 1 (1); true 1 given 0: trial 2 (0)
    assert matrix == pytest.approx(np.array([[1.0, 2 / 3], [0.0, 1.0]]))


def test_swap_drop_and_summary_on_a_known_table():
    assert swap_drop(np.array([[0.9, 0.5], [0.3, 0.7]])) == pytest.approx((0.8, 0.4))
    assert swap_drop(np.array([[0.9, np.nan], [0.3, np.nan]])) == pytest.approx((0.9, 0.3))
    rows = [{"config": "mt", "model": "m", "seed": seed, "true_task": t, "given_task": g,
             "n_questions": 10, "accuracy": (0.9 if t == g else 0.6) - 0.1 * seed}
            for seed in (0, 1) for t in (1, 2, 3) for g in (1, 2, 3)]
    summary = summarise_task_swap(pd.DataFrame(rows))
    assert summary["seed"].tolist() == [0, 1] and (summary["n_tasks"] == 3).all()
    assert summary["diagonal"].tolist() == pytest.approx([0.9, 0.8])
    assert summary["off_diagonal"].tolist() == pytest.approx([0.6, 0.5])
    assert summary["drop"].tolist() == pytest.approx([0.3, 0.3])
