"""How a token gate relates to bAbI's supporting facts, to the task id it is given, and to phases.

Arrays follow the evaluation layout: per-token arrays are `[trial, token]` (padding marked by
`valid`), per-trial arrays `(trial,)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class GateScores:
    """Per-trial gate scores against the supporting-fact sentences (NaN where undefined)."""

    precision: np.ndarray  # share of kept tokens inside supporting sentences
    token_recall: np.ndarray  # share of supporting-sentence tokens kept
    sentence_recall: np.ndarray  # share of supporting sentences with at least one kept token
    chance_precision: np.ndarray  # share of the story's tokens inside supporting sentences
    n_selected: np.ndarray  # tokens kept


def gate_scores(selected: np.ndarray, supporting: np.ndarray, sentence: np.ndarray,
                valid: np.ndarray) -> GateScores:
    """Precision and recall of the kept tokens `selected` against `supporting` tokens.

    `selected`, `supporting`, `valid` are boolean `[trial, token]`; `sentence` holds each token's
    sentence index. Recall is NaN for trials whose supporting sentences were truncated away.
    """
    selected, supporting, valid = (np.asarray(a, bool) for a in (selected, supporting, valid))
    selected, supporting = selected & valid, supporting & valid
    hits = (selected & supporting).sum(1)
    n_selected, n_support = selected.sum(1), supporting.sum(1)
    sentence_recall = np.full(len(selected), np.nan)
    for i in np.flatnonzero(n_support):
        support_sentences = np.unique(sentence[i][supporting[i]])
        hit_sentences = np.unique(sentence[i][selected[i] & supporting[i]])
        sentence_recall[i] = len(hit_sentences) / len(support_sentences)
    with np.errstate(invalid="ignore", divide="ignore"):
        return GateScores(precision=np.where(n_selected > 0, hits / n_selected, np.nan),
                          token_recall=np.where(n_support > 0, hits / n_support, np.nan),
                          sentence_recall=sentence_recall,
                          chance_precision=n_support / valid.sum(1),
                          n_selected=n_selected)


def support_distance(supporting: np.ndarray, sentence: np.ndarray) -> np.ndarray:
    """Sentences back of each trial's farthest supporting sentence (0: the story's last), -1
    where no supporting sentence survived truncation.

    The farthest one is what a recency gate loses first; with one supporting fact it is that fact.
    """
    supporting, sentence = np.asarray(supporting, bool), np.asarray(sentence)
    last = sentence.max(1)
    first_support = np.where(supporting, sentence, np.iinfo(sentence.dtype).max).min(1)
    return np.where(supporting.any(1), last - first_support, -1)


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): the mean of finite `values` and its Student-t interval.

    The t interval over seeds (mean ± t_{(1+level)/2, n-1} · sd / √n); NaN bounds with fewer
    than two values, and a zero-width interval when every value is equal.
    """
    from scipy import stats  # imported here: only the summary needs it

    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return np.nan, np.nan, np.nan
    mean = float(values.mean())
    if len(values) < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf((1 + level) / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(
        len(values))
    return mean, mean - float(half), mean + float(half)


def accuracy_by_group(prediction: np.ndarray, answer: np.ndarray,
                      group: np.ndarray) -> dict[int, float]:
    """Accuracy of `prediction` against `answer` within each value of `group`."""
    return {int(g): float(np.mean(prediction[group == g] == answer[group == g]))
            for g in np.unique(group)}


def task_swap_matrix(predictions: np.ndarray, answer: np.ndarray,
                     task: np.ndarray) -> np.ndarray:
    """Accuracy `[true task, given task]` from `predictions[given, trial]` made per task id."""
    n_tasks = len(predictions)
    matrix = np.full((n_tasks, n_tasks), np.nan)
    for true in range(n_tasks):
        rows = task == true
        if rows.any():
            matrix[true] = (predictions[:, rows] == answer[rows]).mean(1)
    return matrix


def phase_by_role(phase: np.ndarray, role: np.ndarray, n_roles: int) -> np.ndarray:
    """Mean phase tag `[role, phase]` of the tokens of each role (`role` -1 = padding)."""
    means = np.full((n_roles, phase.shape[-1]), np.nan)
    for r in range(n_roles):
        if (role == r).any():
            means[r] = phase[role == r].mean(0)
    return means


def phase_pca(phase: np.ndarray, role: np.ndarray, *, n_points: int,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-PC projection of up to `n_points` random non-padding tokens' phase tags.

    Returns (coordinates [point, 2], their roles (point,), explained variance ratio (2,)).
    """
    from sklearn.decomposition import (
        PCA,  # imported here: sklearn's import slows every job
    )

    tokens, roles = phase[role >= 0], role[role >= 0]
    keep = rng.permutation(len(tokens))[:n_points]
    pca = PCA(n_components=2).fit(tokens)
    return pca.transform(tokens[keep]), roles[keep], pca.explained_variance_ratio_


def jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-trial Jaccard overlap |a ∩ b| / |a ∪ b| of boolean `[trial, token]` sets (1 where
    both are empty: nothing kept either way is the same choice)."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    union = (a | b).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, (a & b).sum(1) / union, 1.0)


def gate_overlap_matrix(selected: np.ndarray, task: np.ndarray) -> np.ndarray:
    """Mean Jaccard overlap `[true task, given task]` of the tokens kept under the true id and
    under each given id, from `selected[given, trial, token]` (the same stories each time)."""
    n_tasks = len(selected)
    matrix = np.full((n_tasks, n_tasks), np.nan)
    for true in range(n_tasks):
        rows = task == true
        if rows.any():
            matrix[true] = [jaccard(selected[true][rows], selected[given][rows]).mean()
                            for given in range(n_tasks)]
    return matrix


def swap_drop(matrix: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float]:
    """(diagonal mean, off-diagonal mean) of a task × task matrix, NaN cells ignored; `weights`
    `[true, given]` (e.g. questions per cell) weight the means, else each cell counts once."""
    matrix = np.asarray(matrix, float)
    weights = np.ones_like(matrix) if weights is None else np.asarray(weights, float)
    known = np.isfinite(matrix)
    diagonal = np.eye(len(matrix), dtype=bool)

    def mean(mask):
        mask = mask & known
        return float(np.average(matrix[mask], weights=weights[mask])) if mask.any() else np.nan

    return mean(diagonal), mean(~diagonal)
