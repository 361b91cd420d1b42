"""The analogy study's `Study`: knowledge-graph datasets, GPT-2 with RoPE, training with the
per-evaluation scores and mechanism measures, and evaluation of every fact."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from taskdyn.models.gpt2_rope import GPT2RoPE
from taskdyn.studies.analogy.analysis.dirichlet import energy_variants
from taskdyn.studies.analogy.mechanism import analogy_prompts, mechanism_scores
from taskdyn.studies.base import Arrays, Evaluation, Study, train_with
from taskdyn.studies.splits import HELD_OUT, TRAINING
from taskdyn.tasks.knowledge_graph import (
    FACT_TYPES,
    TRAIN_TYPES,
    build_knowledge_graph,
    fact_arrays,
)
from taskdyn.training import EpochHooks, TrainSettings, shuffled_batches, tensors

SPLIT_METRICS = ("ce", "ppl", "accuracy", "prob")
PPL_MAX_CE = 20.0  # perplexity = exp(min(CE, 20)), as the anchor


@dataclass
class AnalogyTrainSettings(TrainSettings):
    """Optimisation settings of one analogy job (the `train` config slice). Adam runs fused:
    the embedding and unembedding (about 2.6 M of the anchor model's 2.8 M parameters) make
    the unfused update the larger half of a step's time."""

    fused_adam: ClassVar[bool] = True

    lr: float = 1e-4
    grad_clip: float = 0.0
    epochs: int = 1000
    checkpoint_every: int = 100
    eval_every: int = 10


class AnalogyStudy(Study):
    """Knowledge-graph facts with a functor, learnt by a pre-LN GPT-2 with RoPE."""

    name = "analogy"

    def make_dataset(self, job):
        task = job.task
        graph = build_knowledge_graph(
            task["num_entities"], task["num_relations"], task["sub_size"],
            atomic_ood_ratio=task["atomic_ood_ratio"],
            compositional_ood_ratio=task["compositional_ood_ratio"],
            analogical_ood_ratio=task["analogical_ood_ratio"], seed=job.seed,
            include_f_inverse=task["include_f_inverse"],
            duplicate_relation=task["duplicate_relation"])
        pairs = np.array([graph.token_ids(pair) for pair in graph.functor], dtype=np.int64)
        return {"train": fact_arrays(graph, TRAIN_TYPES), "test": fact_arrays(graph, FACT_TYPES),
                "functor": {"source": pairs[:, 0], "target": pairs[:, 1]},
                "entities": {"id": np.arange(graph.num_entities)}}

    def dataset_attrs(self, job, dataset):
        task = job.task
        counts = np.bincount(dataset["test"]["fact_type"], minlength=len(FACT_TYPES))
        return {"vocab_size": task["num_entities"] + task["num_relations"] + 1
                + int(task["include_f_inverse"]), "num_entities": task["num_entities"],
                "fact_types": list(FACT_TYPES),
                "n_facts": {kind: int(n) for kind, n in zip(FACT_TYPES, counts)}}

    def build_model(self, job, dataset_attrs):
        model = job.model
        return GPT2RoPE(dataset_attrs["vocab_size"], d_model=model["d_model"],
                        n_layer=model["n_layer"], n_head=model["n_head"],
                        rope_base=model["rope_base"])

    def train_settings(self, job):
        return AnalogyTrainSettings.from_config(job.train)

    def train(self, model, dataset, job):
        """Adam on the ID facts; one history row per evaluation (and one before training).

        A row's `train_loss` is the mean batch loss since the previous evaluation.
        """
        settings = self.train_settings(job)
        train, edges = tensors(dataset["train"]), functor_edges(dataset)
        prompts, n_entities = analogy_prompts(dataset["test"]), len(dataset["entities"]["id"])

        def scores(model, test):
            return {**evaluation_scores(model, test, edges, n_entities),
                    **mechanism_scores(model, prompts, edges)}

        hooks = ScoredEpochs(train, tensors(dataset["test"]), answer_loss, scores,
                             shuffled_batches(len(train["target"]), settings.batch_size),
                             eval_every=settings.eval_every, epochs=settings.epochs)
        return train_with(model, hooks, settings, job)

    def evaluate(self, model, dataset, job):
        """Every fact: token ids, final residual stream, entity logits; scores per fact type.

        `inputs` are the token ids `[trial, time, 1]` (right-padded with 0), `outputs` the
        logits over the entity tokens at every position and `targets` the one-hot final entity
        at the answer position (zero elsewhere). Labels: `split` (1 for the facts trained on,
        0 for the held-out ones), `fact_type` (index into FACT_TYPES), `target`, `head`,
        `bridge` (a composition's middle entity, else -1), `length`, and per step `answer` and
        `valid` (not padding).
        """
        test = dataset["test"]
        tokens = torch.as_tensor(test["tokens"])
        model.eval()
        with torch.no_grad():
            residual = model.residual(tokens)
            logits = model.unembed(residual)[..., :len(dataset["entities"]["id"])]
        steps = np.arange(tokens.shape[1])
        answer = steps[None, :] == (test["length"] - 1)[:, None]
        targets = np.zeros(logits.shape, dtype=np.float32)
        targets[answer, test["target"]] = 1.0
        scores = evaluation_scores(model, tensors(test), functor_edges(dataset),
                                   len(dataset["entities"]["id"]))
        trained = np.isin(test["fact_type"], [FACT_TYPES.index(k) for k in TRAIN_TYPES])
        labels = {"split": np.where(trained, TRAINING, HELD_OUT).astype(np.int8),
                  "fact_type": test["fact_type"].astype(np.int8), "target": test["target"],
                  "head": test["tokens"][:, 0], "bridge": test["bridge"],
                  "length": test["length"], "answer": answer,
                  "valid": steps[None, :] < test["length"][:, None]}
        return Evaluation(inputs=test["tokens"][..., None], targets=targets,
                          outputs=logits.numpy(), hidden=residual.numpy(), labels=labels,
                          metrics={k.removeprefix("val_"): v for k, v in scores.items()})


class ScoredEpochs(EpochHooks):
    """Epochs over the ID facts whose rows are evaluations, `scores_fn(model, test)` without
    gradients, before training and every `eval_every` epochs (and at the last), no row in
    between."""

    timed = False

    def __init__(self, train: dict[str, torch.Tensor], test: dict[str, torch.Tensor], loss_fn,
                 scores_fn, sampler, *, eval_every: int, epochs: int):
        super().__init__(train, test, lambda m, batch, epoch, rng: loss_fn(m, batch), scores_fn,
                         sampler)
        self.eval_every, self.epochs = eval_every, epochs

    def initial_row(self, model):
        return {"epoch": 0, "train_loss": math.nan, **self.metrics_fn(model, self.val)}

    def epoch_row(self, model, epoch, train_loss):
        if epoch % self.eval_every and epoch != self.epochs:
            return None
        return {"epoch": epoch, "train_loss": train_loss, **self.metrics_fn(model, self.val)}


def answer_loss(model: GPT2RoPE, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Cross-entropy of the final entity at each fact's answer position."""
    return F.cross_entropy(answer_logits(model, batch["tokens"], batch["length"]),
                           batch["target"])


def answer_logits(model: GPT2RoPE, tokens: torch.Tensor, length: torch.Tensor) -> torch.Tensor:
    """Logits `[trial, vocab]` at each fact's last input token (the final entity's prediction)."""
    residual = model.residual(tokens)
    last = residual[torch.arange(len(tokens), device=tokens.device), length - 1]
    return model.unembed(last)


def evaluation_scores(model: GPT2RoPE, test: dict[str, torch.Tensor], edges: np.ndarray,
                      n_entities: int) -> dict[str, float]:
    """`val_<fact type>_<metric>` for CE, perplexity, accuracy and correct-entity probability,
    plus the Dirichlet energy of the entities' input embeddings over the f-edges: the anchor's
    (`dirichlet_energy`, normalised embeddings) and its variants (`analysis.dirichlet.
    ENERGY_VARIANTS`), all from the same embeddings of the `n_entities` entity tokens.

    Fact types without facts (e.g. OOD atomic facts when their ratio is 0) are left out.
    """
    was_training = model.training
    model.eval()
    with torch.no_grad():
        logp = F.log_softmax(answer_logits(model, test["tokens"], test["length"]), dim=-1)
        logp_target = logp.gather(1, test["target"][:, None])[:, 0]
        per_fact = {"ce": -logp_target, "accuracy": (logp.argmax(1) == test["target"]).float(),
                    "prob": logp_target.exp()}
        embeddings = model.tok_emb.weight[:n_entities].detach().cpu().numpy()
    model.train(was_training)
    scores = {}
    for index, kind in enumerate(FACT_TYPES):
        mask = test["fact_type"] == index
        if not mask.any():
            continue
        values = {k: float(v[mask].mean()) for k, v in per_fact.items()}
        values["ppl"] = math.exp(min(PPL_MAX_CE, values["ce"]))
        scores.update({f"val_{kind}_{m}": values[m] for m in SPLIT_METRICS})
    return {**scores, **energy_variants(embeddings, edges)}


def functor_edges(dataset: dict[str, Arrays]) -> np.ndarray:
    """The f-edges `(edge, 2)`: each E1 entity's token id and its image's."""
    return np.stack([dataset["functor"]["source"], dataset["functor"]["target"]], axis=1)


STUDY = AnalogyStudy()
