"""Where a remembered stimulus sits over a trial (Lei et al. 2024, Fig. 4b–d), on arrays.

In the paper's notation E(S=i, T=i) is the encoding space of the stimulus shown at step i and
M(S=i, T=j), j > i, its memory space at a later step. A decoder of stimulus i's property fitted
at its encoding step is tested on

- its memory at later steps (cross-time decoding, Fig. 4b; `taskdyn.analysis.decoding.
  cross_time_accuracy`), split here into **executive** steps, where the N-back answer compares
  the stimulus on screen against stimulus i (step j = i + N: the memory is recalled), and
  non-executive steps, where it is only held (Fig. 4c; `encoding_transfer` and
  `transfer_accuracy`);
- the encoding of a later stimulus i + k (cross-stimulus encoding, Fig. 4d: `generalisation_
  matrix` with on-screen labels).

The paper fits these on the identity tasks' trials (`select_trials`).

An executive step of a match trial shows a stimulus that shares the compared feature with the
remembered one, so a decoder that reads the screen, not the memory, scores there too (the CNN
features do). `TransferSamples.differs` marks the samples whose on-screen value differs from the
remembered one, where that cannot happen.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import balanced_accuracy_score

from taskdyn.analysis.decoding import (
    chance_normalised,
    cross_time_accuracy,
    generalisation_matrix,
    linear_decoder,
    split_trials,
)
from taskdyn.studies.wm.analysis.sampling import SampleCheck
from taskdyn.tasks.nback import FEATURES

TRIAL_SELECTIONS = (*FEATURES, "all")


def select_trials(feature: np.ndarray, selection: str) -> tuple[np.ndarray, str]:
    """Indices of the trials to analyse and how they were chosen.

    `feature [trial]` each trial's compared feature (index into `FEATURES`); `selection` a
    feature (the trials of the tasks comparing it: `identity` is the paper's choice) or `all`.
    A scenario without such a task gives all its trials, and says so.
    """
    if selection not in TRIAL_SELECTIONS:
        raise ValueError(f"unknown trial selection {selection!r}; one of {TRIAL_SELECTIONS}")
    everything = np.arange(len(feature))
    if selection == "all":
        return everything, "all tasks"
    chosen = np.flatnonzero(np.asarray(feature) == FEATURES.index(selection))
    if len(chosen) == 0:
        return everything, f"all tasks (no {selection} task)"
    return chosen, f"{selection} tasks"


@dataclass
class TransferSamples:
    """Held-out samples (test trial, stimulus i, later step j) of the decoders fitted at each
    stimulus's encoding step, one entry per sample."""

    truth: np.ndarray      # property of stimulus i (the remembered value)
    predicted: np.ndarray  # the encoding decoder's prediction at step j
    stimulus: np.ndarray   # i
    step: np.ndarray       # j
    n_back: np.ndarray     # the trial's N
    on_screen: np.ndarray  # property of the stimulus shown at step j
    n_train: int           # fewest training samples of any of the decoders

    @property
    def age(self) -> np.ndarray:
        """j − i: steps since the stimulus was shown."""
        return self.step - self.stimulus

    @property
    def executive(self) -> np.ndarray:
        """The answer at step j compares against stimulus i (j = i + N)."""
        return self.age == self.n_back

    @property
    def differs(self) -> np.ndarray:
        """The stimulus on screen at j differs from stimulus i in the decoded property."""
        return self.on_screen != self.truth


def encoding_transfer(hidden: np.ndarray, shown: np.ndarray, n_back: np.ndarray,
                      train: np.ndarray, test: np.ndarray, C: float = 1.0) -> TransferSamples:
    """Decoders fitted at each stimulus's encoding step, scored on its memory at every later step.

    `hidden [trial, time, unit]`; `shown [trial, time]` the property of the stimulus shown at
    each step (step i's value is what is remembered from i on); `n_back [trial]`; `train`,
    `test` trial indices. A step whose training trials hold fewer than two classes is skipped.
    """
    n_steps = hidden.shape[1]
    parts, n_train = [], []
    for i in range(n_steps - 1):
        y_fit = shown[train, i]
        if len(np.unique(y_fit)) < 2:
            continue
        decoder = linear_decoder(C).fit(hidden[train, i], y_fit)
        later = np.arange(i + 1, n_steps)
        predicted = decoder.predict(hidden[test][:, later].reshape(-1, hidden.shape[2]))
        trial = np.repeat(test, len(later))
        step = np.tile(later, len(test))
        parts.append((shown[trial, i], predicted, np.full(len(trial), i), step,
                      np.asarray(n_back)[trial], shown[trial, step]))
        n_train.append(len(train))
    if not parts:
        empty = np.zeros(0, dtype=int)
        return TransferSamples(empty, empty, empty, empty, empty, empty, 0)
    columns = [np.concatenate(c) for c in zip(*parts)]
    return TransferSamples(*columns, n_train=min(n_train))


def transfer_accuracy(samples: TransferSamples, mask: np.ndarray) -> tuple[float, int, int]:
    """Balanced accuracy, number of samples and number of classes of `samples[mask]` (NaN
    accuracy when empty)."""
    truth, predicted = samples.truth[mask], samples.predicted[mask]
    if len(truth) == 0:
        return float("nan"), 0, 0
    with warnings.catch_warnings():  # predicted classes absent from this group's labels
        warnings.simplefilter("ignore", UserWarning)
        accuracy = balanced_accuracy_score(truth, predicted)
    return float(accuracy), len(truth), len(np.unique(truth))


# --- table rows ----------------------------------------------------------------------------

EXECUTIVE_LEVELS = ("n_back × age", "pooled", "age-matched")


def memory_rows(states: dict[str, np.ndarray], analysis: dict, space: str,
                check: SampleCheck) -> tuple[list[dict], list[dict]]:
    """Rows of the decoding table (cross-time and cross-stimulus) and of the executive table
    for one model's (or the CNN's) states.

    `states`: `hidden [trial, time, unit]`, `feature` and `n_back [trial]`, and each property
    of `analysis["properties"]` on screen `[trial, time]`. Trials are chosen by
    `analysis["trials"]` (`select_trials`) and split once into decoder-training and test trials.
    """
    chosen, trials = select_trials(states["feature"], analysis["trials"])
    hidden = states["hidden"][chosen]
    n_steps = hidden.shape[1]
    train, test = split_trials(len(chosen), analysis["test_fraction"], analysis["seed"])
    sizes = {"n_train": len(train), "n_test": len(test)}
    decoding, executive = [], []
    for prop in analysis["properties"]:
        shown = states[prop][chosen]
        keys = {"space": space, "trials": trials, "property": prop,
                "n_classes": len(np.unique(shown))}

        def note(step: int, what: str) -> str:
            return check(f"{space} {prop} decoder fitted at step {step} ({what}, {trials})",
                         len(np.unique(shown[train, step])), len(train), len(test))

        for i in range(n_steps):
            times = np.arange(i, n_steps)
            acc = cross_time_accuracy(hidden, shown[:, i], train, test, times, analysis["C"])
            decoding += _matrix_rows(acc, times, analysis="cross_time", stimulus=i, **keys,
                                     **sizes, sample_check=note(i, "cross-time"))
        acc = generalisation_matrix(hidden, shown, train, test, C=analysis["C"])
        for i in range(n_steps):  # the decoder of the stimulus shown at i, on every encoding
            decoding += _matrix_rows(acc[i:i + 1], np.arange(n_steps), rows=[i],
                                     analysis="cross_stimulus", stimulus=i, **keys, **sizes,
                                     sample_check=note(i, "cross-stimulus"))
        samples = encoding_transfer(hidden, shown, states["n_back"][chosen], train, test,
                                    analysis["C"])
        executive += executive_rows(samples, {"space": space, "trials": trials,
                                              "property": prop}, check)
    return decoding, executive


def _matrix_rows(acc: np.ndarray, times: np.ndarray, rows: list[int] | None = None,
                 **keys) -> list[dict]:
    """One row per entry of `acc [train_time, test_time]`; `rows` the train steps of its rows
    (default `times`)."""
    rows = times if rows is None else rows
    return [{**keys, "train_time": int(a), "test_time": int(b), "accuracy": float(acc[i, j]),
             "normalised": float(chance_normalised(acc[i, j], keys["n_classes"]))}
            for i, a in enumerate(rows) for j, b in enumerate(times)]


def executive_rows(samples: TransferSamples, keys: dict, check: SampleCheck) -> list[dict]:
    """Accuracy of the encoding decoders on executive and non-executive steps.

    Levels: `n_back × age` (each N and age; executive where age = N), `pooled` (every age) and
    `age-matched` (only ages that are some trial's N, so both kinds are scored at the same
    ages); each for all samples and for those whose on-screen value differs from the
    remembered one (`samples`: `all`, `on-screen differs`).
    """
    rows = []
    n_values = np.unique(samples.n_back)
    matched = np.isin(samples.age, n_values)
    for subset, base in (("all", np.ones(len(samples.truth), dtype=bool)),
                         ("on-screen differs", samples.differs)):
        groups = [("n_back × age", int(n), int(age), age == n,
                   base & (samples.n_back == n) & (samples.age == age))
                  for n in n_values for age in np.unique(samples.age[samples.n_back == n])]
        for executive in (True, False):
            member = base & (samples.executive == executive)
            groups += [("pooled", np.nan, np.nan, executive, member),
                       ("age-matched", np.nan, np.nan, executive, member & matched)]
        for level, n, age, executive, mask in groups:
            accuracy, n_test, n_classes = transfer_accuracy(samples, mask)
            if n_test == 0 or n_classes < 2:
                continue
            rows.append({**keys, "samples": subset, "level": level, "n_back": n, "age": age,
                         "kind": "executive" if executive else "non_executive",
                         "n_classes": n_classes, "accuracy": accuracy,
                         "chance": 1.0 / n_classes,
                         "normalised": float(chance_normalised(accuracy, n_classes)),
                         "n_train": samples.n_train, "n_test": n_test,
                         "sample_check": check(
                             f"{keys['space']} {keys['property']} encoding decoders on "
                             f"{level} {'executive' if executive else 'non-executive'} steps "
                             f"({subset})", n_classes, samples.n_train, n_test)})
    return rows
