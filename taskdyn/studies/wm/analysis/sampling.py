"""How far a decoder's score can be trusted: enough samples per class, and accuracy above chance.

A linear decoder of k classes fitted or scored on fewer than a few samples per class gives
noisy accuracies (12 identity classes on 28 samples: about two a class). `SampleCheck` compares
a decoder's training and test set sizes with `min_per_class` × the number of classes and either
notes `TOO_FEW` (the table keeps the row, marked) or raises `TooFewSamples` naming the config
keys that size the sets.

`above_chance` decides whether a decoder's held-out predictions beat chance, by a one-sided
binomial test of the number correct (chance: the most frequent class's share of the test labels,
the best a decoder that ignores the states can do) or by a margin on the chance-normalised
balanced accuracy.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest
from sklearn.metrics import balanced_accuracy_score

ENOUGH, TOO_FEW = "ok", "too few samples"
CHANCE_RULES = ("significance", "margin", "none")


class TooFewSamples(ValueError):
    """A decoder has fewer samples than the configured multiple of its classes."""


@dataclass(frozen=True)
class SampleCheck:
    """`min_per_class` × classes samples needed in a decoder's training and test sets.

    `action`: `note` (return `TOO_FEW`) or `error` (raise `TooFewSamples`); `hint` names the
    config keys to change, for the error message.
    """

    min_per_class: float
    action: str = "note"
    hint: str = ""

    def __call__(self, what: str, n_classes: int, n_train: int,
                 n_test: int | None = None) -> str:
        """`ENOUGH` or `TOO_FEW` for a decoder of `n_classes` classes fitted on `n_train` and
        scored on `n_test` samples (None: not scored on held-out samples)."""
        need = self.min_per_class * n_classes
        sizes = [n_train] if n_test is None else [n_train, n_test]
        if min(sizes) >= need:
            return ENOUGH
        if self.action == "error":
            held_out = "" if n_test is None else f" and {n_test} test"
            raise TooFewSamples(
                f"{what}: {n_train} training{held_out} samples for {n_classes} classes; a "
                f"decoder needs at least {self.min_per_class:g} × {n_classes} = {need:g} of "
                f"each. {self.hint}")
        return TOO_FEW


def above_chance(truth: np.ndarray, predicted: np.ndarray, rule: str = "significance",
                 alpha: float = 0.01, margin: float = 0.1) -> bool:
    """Whether predictions `[sample]` beat chance on labels `truth [sample]`.

    `significance`: one-sided binomial test of the number correct against the most frequent
    class's share of `truth`, p < `alpha`; `margin`: chance-normalised balanced accuracy
    (`(acc − 1/k) / (1 − 1/k)`, k classes in `truth`) ≥ `margin`; `none`: always.
    """
    truth, predicted = np.asarray(truth), np.asarray(predicted)
    if rule == "none":
        return True
    if len(truth) == 0:
        return False
    if rule == "significance":
        share = np.unique(truth, return_counts=True)[1].max() / len(truth)
        if share >= 1.0:
            return False  # one class: nothing to decode
        correct = int(np.sum(truth == predicted))
        return bool(binomtest(correct, len(truth), share, alternative="greater").pvalue < alpha)
    if rule == "margin":
        k = len(np.unique(truth))
        if k < 2:
            return False
        with warnings.catch_warnings():  # predicted classes absent from `truth`
            warnings.simplefilter("ignore", UserWarning)
            accuracy = balanced_accuracy_score(truth, predicted)
        return bool((accuracy - 1.0 / k) / (1.0 - 1.0 / k) >= margin)
    raise ValueError(f"unknown above-chance rule {rule!r}; one of {CHANCE_RULES}")
