"""Linear decoders of stimulus properties from hidden states, and how they generalise.

Decoders are linear SVMs (scikit-learn), scored by balanced accuracy so that chance is exactly
1 / n_classes. `generalisation_matrix` fits a decoder at each time step and scores it at every
step; what it measures depends only on the labels passed:

- cross-time decoding of a *remembered* stimulus (`cross_time_accuracy`): the label of every
  step is the property of one stimulus, the one shown at step i, fixed while it is held in
  memory; a decoder trained at its encoding step i is tested at later steps j > i (M(S=i,T=j)
  in Lei et al.'s notation). Labelling each step with the stimulus on screen instead asks a
  different question (and is the bug in the seed's reimplementation);
- cross-stimulus generalisation of the encoding space: the label of step t is the property
  of the stimulus shown at t, so entry (i, j) trains on E(S=i,T=i) and tests on E(S=j,T=j).

`cross_group_accuracy` asks the same across groups of trials instead of steps: a decoder fitted
on the trials of one task, scored on the trials of another (Lei et al.'s cross-task matrices).

Trials are split once into decoder-training and test trials, so every entry, the diagonal
included, is scored on held-out trials.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC


def linear_decoder(C: float = 1.0) -> Pipeline:
    """Standardise, then a one-vs-rest linear SVM with balanced class weights."""
    return make_pipeline(StandardScaler(), LinearSVC(C=C, class_weight="balanced"))


def cross_validated_accuracy(X: np.ndarray, y: np.ndarray, n_folds: int = 5, C: float = 1.0,
                             seed: int = 0) -> float:
    """Mean balanced accuracy of a linear decoder of `y [sample]` from `X [sample, unit]`."""
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return float(cross_val_score(linear_decoder(C), X, y, cv=folds,
                                 scoring="balanced_accuracy").mean())


def split_trials(n_trials: int, test_fraction: float,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint decoder-training and test trial indices (at least one of each)."""
    order = np.random.default_rng(seed).permutation(n_trials)
    n_test = min(n_trials - 1, max(1, round(n_trials * test_fraction)))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def generalisation_matrix(hidden: np.ndarray, labels: np.ndarray, train: np.ndarray,
                          test: np.ndarray, times: np.ndarray | None = None,
                          C: float = 1.0) -> np.ndarray:
    """Balanced accuracy `[train_time, test_time]` of decoders fitted at one step, tested at others.

    `hidden [trial, time, unit]`; `labels [trial, time]` the class of each trial at each step
    (negative = no label, e.g. before a stimulus is shown: such trials are left out); `train`,
    `test` trial indices; `times` the steps compared (default all). Entries stay NaN where the
    fitting step has fewer than two classes among the training trials (e.g. a flip-flop bit
    before its first flip) or the testing step no labelled test trial.
    """
    times = np.arange(hidden.shape[1]) if times is None else np.asarray(times)
    out = np.full((len(times), len(times)), np.nan)
    for a, t_fit in enumerate(times):
        rows = train[labels[train, t_fit] >= 0]
        if len(np.unique(labels[rows, t_fit])) < 2:
            continue
        decoder = linear_decoder(C).fit(hidden[rows, t_fit], labels[rows, t_fit])
        for b, t_test in enumerate(times):
            rows = test[labels[test, t_test] >= 0]
            if len(rows) == 0:
                continue
            with warnings.catch_warnings():  # predicted classes absent from this step's labels
                warnings.simplefilter("ignore", UserWarning)
                out[a, b] = balanced_accuracy_score(labels[rows, t_test],
                                                    decoder.predict(hidden[rows, t_test]))
    return out


def cross_time_accuracy(hidden: np.ndarray, remembered: np.ndarray, train: np.ndarray,
                        test: np.ndarray, times: np.ndarray, C: float = 1.0) -> np.ndarray:
    """`generalisation_matrix` of one remembered stimulus; `remembered [trial]` labels all steps."""
    labels = np.repeat(np.asarray(remembered)[:, None], hidden.shape[1], axis=1)
    return generalisation_matrix(hidden, labels, train, test, times, C)


def decoder_normals(X: np.ndarray, y: np.ndarray, C: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest hyperplane normals `[class, unit]` and the classes, fitted on centred `X`.

    No intercept and no per-unit scaling, so the normals live in the states' own coordinates
    (what Procrustes alignment and orthogonality compare). Two classes give `[-w, w]`.
    """
    svm = LinearSVC(C=C, class_weight="balanced", fit_intercept=False)
    svm.fit(X - X.mean(axis=0), y)
    normals = svm.coef_ if len(svm.classes_) > 2 else np.vstack([-svm.coef_, svm.coef_])
    return normals, svm.classes_


def normals_accuracy(normals: np.ndarray, classes: np.ndarray, X: np.ndarray,
                     y: np.ndarray, center: np.ndarray) -> float:
    """Balanced accuracy of the classifier argmax((X - center) @ normals.T) on `y`."""
    predicted = classes[np.argmax((X - center) @ normals.T, axis=1)]
    return float(balanced_accuracy_score(y, predicted))


def chance_normalised(accuracy: np.ndarray | float, n_classes: int) -> np.ndarray | float:
    """(accuracy - chance) / (1 - chance) with chance = 1 / n_classes: 0 at chance, 1 perfect."""
    chance = 1.0 / n_classes
    return (np.asarray(accuracy) - chance) / (1.0 - chance)


def cross_group_accuracy(X: np.ndarray, y: np.ndarray, groups: np.ndarray, train: np.ndarray,
                         test: np.ndarray, C: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Balanced accuracy `[train_group, test_group]` of decoders fitted within one group.

    `X [sample, unit]`, `y [sample]` (negative = no label: left out), `groups [sample]` (e.g.
    the task of each trial), `train` / `test` sample indices. Entry (a, b) fits a decoder on
    the training samples of group a and scores it on the test samples of group b, so the
    diagonal is same-group held-out accuracy and off-diagonal entries are cross-group
    generalisation (Lei et al.'s cross-task matrices, Fig. 2a). Returns the matrix (NaN where a
    group has fewer than two classes to fit on or no test samples) and the sorted group values.
    """
    names = np.unique(groups)
    out = np.full((len(names), len(names)), np.nan)
    for a, fit_group in enumerate(names):
        rows = train[(groups[train] == fit_group) & (y[train] >= 0)]
        if len(np.unique(y[rows])) < 2:
            continue
        decoder = linear_decoder(C).fit(X[rows], y[rows])
        for b, test_group in enumerate(names):
            rows = test[(groups[test] == test_group) & (y[test] >= 0)]
            if len(rows) == 0:
                continue
            with warnings.catch_warnings():  # predicted classes absent from this group's test set
                warnings.simplefilter("ignore", UserWarning)
                out[a, b] = balanced_accuracy_score(y[rows], decoder.predict(X[rows]))
    return out, names
