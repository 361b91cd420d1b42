"""The thalamus study's `Study`: bAbI datasets, the QA readers, training losses and evaluation on
the test split (states, gate choices, phase tags, answers under every task id)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from taskdyn.models.thalamus import QAOutput, ThalamusReader, build_qa_model
from taskdyn.studies.base import Evaluation, Study
from taskdyn.studies.splits import HELD_OUT, TRAINING, held_out, split_label
from taskdyn.studies.thalamus.analysis import accuracy_by_group, gate_scores
from taskdyn.studies.thalamus.inputs import SPLITS, input_name
from taskdyn.tasks.babi_parse import (
    ROLE_NAMES,
    build_answers,
    build_vocab,
    encode,
    parse_babi,
    template_words,
)

MODEL_INPUTS = ("story", "story_length", "question", "task", "sentence", "supporting")
EVAL_CHUNK = 256  # questions per forward pass when scoring a whole split


@dataclass
class ThalamusEvaluation(Evaluation):
    """The common layout plus phase tags `[trial, token, phase]` (thalamus readers)."""

    phase: np.ndarray | None = None

    def arrays(self):
        arrays = super().arrays()
        if self.phase is not None:
            arrays["phase"] = self.phase
        return arrays

    def dims(self):
        dims = super().dims()
        if self.phase is not None:
            dims["phase"] = "trial,time,phase"
        return dims


class ThalamusStudy(Study):
    """bAbI QA with a synthetic-thalamus gate, a no-gate reader and an LSTM reader."""

    name = "thalamus"

    def make_dataset(self, job):
        """Parse the task's bAbI files (`job.inputs`, `inputs.dataset_inputs`) into
        train/val/test arrays."""
        task = job.task
        rng = np.random.default_rng(task.get("data_seed", job.seed))
        parsed = {n: {split: parse_babi(Path(job.inputs[input_name(n, split)]).read_text()
                                        .splitlines()) for split in SPLITS}
                  for n in task["babi_tasks"]}
        splits = {n: _split_stories(p["train"], task["val_fraction"], rng) | {"test": p["test"]}
                  for n, p in parsed.items()}
        train_all = [ex for n in splits for ex in splits[n]["train"]]
        vocab, answers = build_vocab(train_all), build_answers(train_all)
        sizes = {k: task[k] for k in ("max_sentences", "max_story_tokens", "max_question_tokens")}
        dataset = {}
        for split in ("train", "val", "test"):
            parts = []
            for index, n in enumerate(task["babi_tasks"]):
                arrays = encode(splits[n][split], vocab, answers,
                                template_words(splits[n]["train"]), **sizes)
                arrays["task"] = np.full(len(arrays["answer"]), index, np.int64)
                parts.append(arrays)
            dataset[split] = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        dataset["lexicon"] = {"words": np.array(vocab, "S"), "answers": np.array(answers, "S"),
                              "babi_tasks": np.array(task["babi_tasks"], np.int64)}
        return dataset

    def dataset_attrs(self, job, dataset):
        """Sizes, and the words and answers (as lists) that figures and tables label with."""
        lexicon = dataset["lexicon"]
        words, answers = (np.char.decode(lexicon[k]).tolist() for k in ("words", "answers"))
        return {"vocab_size": len(words), "n_answers": len(answers), "words": words,
                "answers": answers, "n_tasks": len(lexicon["babi_tasks"]),
                "babi_tasks": [int(n) for n in lexicon["babi_tasks"]],
                "max_story_tokens": int(dataset["train"]["story"].shape[1]),
                "role_names": list(ROLE_NAMES)}

    def build_model(self, job, dataset_attrs):
        return build_qa_model(job.model, dataset_attrs)

    def loss(self, model, batch):
        logits = _run(model, batch).logits
        return F.cross_entropy(logits, batch["answer"], ignore_index=-1)

    def metrics(self, model, batch):
        """Validation loss and accuracy, computed in chunks (long stories × many questions)."""
        n = len(batch["answer"])
        logits = torch.cat([_run(model, {k: v[i:i + EVAL_CHUNK] for k, v in batch.items()}).logits
                            for i in range(0, n, EVAL_CHUNK)])
        return {"loss": F.cross_entropy(logits, batch["answer"], ignore_index=-1).item(),
                "accuracy": (logits.argmax(1) == batch["answer"]).float().mean().item()}

    def evaluate(self, model, dataset, job):
        """Run on the whole test split plus the first `n_train_trials` training questions."""
        evaluate_cfg = job.evaluate
        n_train = evaluate_cfg.get("n_train_trials", 0)
        parts = [dataset["test"], {k: v[:n_train] for k, v in dataset["train"].items()}]
        arrays = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        split = split_label([(HELD_OUT, len(parts[0]["answer"])),
                             (TRAINING, len(parts[1]["answer"]))])
        babi_tasks = np.asarray(dataset["lexicon"]["babi_tasks"])
        uses_task = isinstance(model, ThalamusReader)
        out, swapped = _evaluate_batches(model, arrays, len(babi_tasks) if uses_task else 0,
                                         evaluate_cfg.get("batch_size", 256))
        prediction = out.logits.argmax(1)
        labels = {"split": split, "prediction": prediction,
                  **{k: arrays[k] for k in ("task", "answer", "story_length", "story_index",
                                            "supporting", "sentence", "role")},
                  "babi_task": babi_tasks[arrays["task"]], "selected": out.selected}
        labels.update({f"prediction_as_task{j}": p for j, p in enumerate(swapped)})
        if out.salience is not None:
            labels["salience"] = out.salience
        n_answers = out.logits.shape[1]
        targets = np.zeros((len(split), 1, n_answers), np.float32)
        known = arrays["answer"] >= 0
        targets[np.flatnonzero(known), 0, arrays["answer"][known]] = 1
        return ThalamusEvaluation(
            inputs=arrays["story"][..., None].astype(np.float32), targets=targets,
            outputs=out.logits[:, None], hidden=out.token_states, labels=labels,
            metrics=_test_metrics(out, labels, babi_tasks), phase=out.phase)


def _split_stories(examples, val_fraction, rng):
    """Hold out whole stories (never questions of a story seen in training) for validation."""
    stories = np.unique([ex.story_index for ex in examples])
    n_val = min(len(stories) - 1, max(1, round(len(stories) * val_fraction)))
    val = set(rng.permutation(stories)[:n_val].tolist())
    return {"train": [ex for ex in examples if ex.story_index not in val],
            "val": [ex for ex in examples if ex.story_index in val]}


def _run(model: torch.nn.Module, batch: dict[str, torch.Tensor],
         task: torch.Tensor | None = None) -> QAOutput:
    return model(batch["story"], batch["story_length"], batch["question"],
                 batch["task"] if task is None else task, batch["sentence"],
                 batch.get("supporting"))


def _evaluate_batches(model, arrays, n_swaps, batch_size):
    """Model outputs as numpy (batched, no gradients) and predictions under each task id."""
    model.eval()
    chunks, swapped = [], [[] for _ in range(n_swaps)]
    n = len(arrays["answer"])
    with torch.no_grad():
        for begin in range(0, n, batch_size):
            batch = {k: torch.as_tensor(arrays[k][begin:begin + batch_size]) for k in MODEL_INPUTS}
            chunks.append(_run(model, batch))
            for j in range(n_swaps):
                given = torch.full_like(batch["task"], j)
                swapped[j].append(_run(model, batch, given).logits.argmax(1).numpy())
    fields = {}
    for name in QAOutput._fields:
        values = [getattr(c, name) for c in chunks]
        fields[name] = None if values[0] is None else torch.cat(values).numpy()
    return QAOutput(**fields), [np.concatenate(s) for s in swapped]


def _test_metrics(out: QAOutput, labels: dict[str, np.ndarray],
                  babi_tasks: np.ndarray) -> dict[str, float]:
    test = held_out(labels["split"])
    logits, answer = torch.as_tensor(out.logits[test]), torch.as_tensor(labels["answer"][test])
    metrics = {"test_loss": F.cross_entropy(logits, answer, ignore_index=-1).item(),
               "test_accuracy": float(np.mean(labels["prediction"][test] == answer.numpy()))}
    per_task = accuracy_by_group(labels["prediction"][test], answer.numpy(),
                                 labels["task"][test])
    metrics.update({f"test_accuracy_qa{babi_tasks[t]}": acc for t, acc in per_task.items()})
    # every reader: a model without a gate keeps all tokens (chance precision, recall 1)
    scores = gate_scores(labels["selected"][test], labels["supporting"][test],
                         labels["sentence"][test], labels["role"][test] >= 0)
    metrics.update(gate_precision=float(np.nanmean(scores.precision)),
                   gate_token_recall=float(np.nanmean(scores.token_recall)),
                   gate_sentence_recall=float(np.nanmean(scores.sentence_recall)))
    return metrics


STUDY = ThalamusStudy()
