"""The analogy study's `Study`: knowledge-graph datasets, GPT-2 with RoPE, training with the
per-evaluation scores and mechanism measures, and evaluation of every fact."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from taskdyn.checkpoint import resume, save_checkpoint
from taskdyn.models.gpt2_rope import GPT2RoPE
from taskdyn.optim import Adam
from taskdyn.studies.analogy.analysis.dirichlet import dirichlet_energy
from taskdyn.studies.analogy.mechanism import analogy_prompts, mechanism_scores
from taskdyn.studies.base import Arrays, Evaluation, Study
from taskdyn.tasks.knowledge_graph import (
    FACT_TYPES,
    TRAIN_TYPES,
    build_knowledge_graph,
    fact_arrays,
)
from taskdyn.training import (
    TrainSettings,
    check_interrupt,
    interruptible,
    optimiser_step,
    resolve_device,
)

SPLIT_METRICS = ("ce", "ppl", "accuracy", "prob")
PPL_MAX_CE = 20.0  # perplexity = exp(min(CE, 20)), as the anchor


@dataclass
class AnalogyTrainSettings(TrainSettings):
    """Optimisation settings of one analogy job (the `train` config slice)."""

    lr: float = 1e-4
    grad_clip: float = 0.0
    epochs: int = 1000
    checkpoint_every: int = 100
    eval_every: int = 10


class AnalogyStudy(Study):
    """Knowledge-graph facts with a functor, learnt by a pre-LN GPT-2 with RoPE."""

    name = "analogy"

    def make_dataset(self, task, seed):
        graph = build_knowledge_graph(
            task["num_entities"], task["num_relations"], task["sub_size"],
            atomic_ood_ratio=task["atomic_ood_ratio"],
            compositional_ood_ratio=task["compositional_ood_ratio"],
            analogical_ood_ratio=task["analogical_ood_ratio"], seed=seed,
            include_f_inverse=task["include_f_inverse"],
            duplicate_relation=task["duplicate_relation"])
        pairs = np.array([graph.token_ids(pair) for pair in graph.functor], dtype=np.int64)
        return {"train": fact_arrays(graph, TRAIN_TYPES), "test": fact_arrays(graph, FACT_TYPES),
                "functor": {"source": pairs[:, 0], "target": pairs[:, 1]},
                "entities": {"id": np.arange(graph.num_entities)}}

    def dataset_attrs(self, task, dataset):
        counts = np.bincount(dataset["test"]["split"], minlength=len(FACT_TYPES))
        return {"vocab_size": task["num_entities"] + task["num_relations"] + 1
                + int(task["include_f_inverse"]), "num_entities": task["num_entities"],
                "fact_types": list(FACT_TYPES),
                "n_facts": {kind: int(n) for kind, n in zip(FACT_TYPES, counts)}}

    def build_model(self, model, dataset_attrs):
        return GPT2RoPE(dataset_attrs["vocab_size"], d_model=model["d_model"],
                        n_layer=model["n_layer"], n_head=model["n_head"],
                        rope_base=model["rope_base"])

    def train(self, model, dataset, train_cfg, *, seed, checkpoint, cfg_hash, label):
        """Adam on the ID facts; one history row per evaluation (and one before training).

        A row's `train_loss` is the mean batch loss since the previous evaluation.
        """
        settings = AnalogyTrainSettings.from_config(train_cfg)
        device = resolve_device(settings.device)
        model.to(device)
        train, test = _tensors(dataset["train"], device), _tensors(dataset["test"], device)
        edges = functor_edges(dataset)
        prompts = analogy_prompts(dataset["test"])
        n_trials = len(dataset["train"]["target"])
        optimizer = Adam(model.parameters(), lr=settings.lr,
                         weight_decay=settings.weight_decay)
        rng = np.random.default_rng(seed)
        start, rows, extra = resume(checkpoint, model=model, optimizer=optimizer, rng=rng,
                                    cfg_hash=cfg_hash)
        pending = list(extra.get("pending_losses", []))  # batch losses since the last evaluation
        if start == 0:
            rows = [{"epoch": 0, "train_loss": math.nan, **evaluation_scores(model, test, edges),
                     **mechanism_scores(model, prompts, edges)}]

        with interruptible() as received:
            for epoch in range(start + 1, settings.epochs + 1):
                model.train()
                order = torch.as_tensor(rng.permutation(n_trials), device=device)
                for begin in range(0, n_trials, settings.batch_size):
                    idx = order[begin:begin + settings.batch_size]
                    loss = F.cross_entropy(answer_logits(model, train["tokens"][idx],
                                                         train["length"][idx]),
                                           train["target"][idx])
                    pending.append(optimiser_step(model, optimizer, loss, settings.grad_clip,
                                                  label=label, epoch=epoch))
                    check_interrupt(received, label, epoch, checkpoint)
                if epoch % settings.eval_every == 0 or epoch == settings.epochs:
                    rows.append({"epoch": epoch, "train_loss": float(np.mean(pending)),
                                 **evaluation_scores(model, test, edges),
                                 **mechanism_scores(model, prompts, edges)})
                    pending = []
                if epoch % settings.checkpoint_every == 0 or epoch == settings.epochs:
                    save_checkpoint(checkpoint, epoch=epoch, model=model, optimizer=optimizer,
                                    rng=rng, cfg_hash=cfg_hash, history=rows,
                                    extra={"pending_losses": pending})
        model.to("cpu")
        return rows

    def evaluate(self, model, dataset, evaluate_cfg):
        """Every fact: token ids, final residual stream, entity logits; scores per fact type.

        `inputs` are the token ids `[trial, time, 1]` (right-padded with 0), `outputs` the
        logits over the entity tokens at every position and `targets` the one-hot final entity
        at the answer position (zero elsewhere). Labels: `split` (index into FACT_TYPES),
        `target`, `head`, `bridge` (a composition's middle entity, else -1), `length`, and per
        step `answer` and `valid` (not padding).
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
        scores = evaluation_scores(model, _tensors(test, torch.device("cpu")),
                                   functor_edges(dataset))
        labels = {"split": test["split"].astype(np.int8), "target": test["target"],
                  "head": test["tokens"][:, 0], "bridge": test["bridge"],
                  "length": test["length"], "answer": answer,
                  "valid": steps[None, :] < test["length"][:, None]}
        return Evaluation(inputs=test["tokens"][..., None], targets=targets,
                          outputs=logits.numpy(), hidden=residual.numpy(), labels=labels,
                          metrics={k.removeprefix("val_"): v for k, v in scores.items()})


def answer_logits(model: GPT2RoPE, tokens: torch.Tensor, length: torch.Tensor) -> torch.Tensor:
    """Logits `[trial, vocab]` at each fact's last input token (the final entity's prediction)."""
    residual = model.residual(tokens)
    last = residual[torch.arange(len(tokens), device=tokens.device), length - 1]
    return model.unembed(last)


def evaluation_scores(model: GPT2RoPE, test: dict[str, torch.Tensor],
                      edges: np.ndarray) -> dict[str, float]:
    """`val_<fact type>_<metric>` for CE, perplexity, accuracy and correct-entity probability,
    plus `dirichlet_energy` of the normalised input embeddings over the f-edges.

    Fact types without facts (e.g. OOD atomic facts when their ratio is 0) are left out.
    """
    was_training = model.training
    model.eval()
    with torch.no_grad():
        logp = F.log_softmax(answer_logits(model, test["tokens"], test["length"]), dim=-1)
        logp_target = logp.gather(1, test["target"][:, None])[:, 0]
        per_fact = {"ce": -logp_target, "accuracy": (logp.argmax(1) == test["target"]).float(),
                    "prob": logp_target.exp()}
        embeddings = model.tok_emb.weight.detach().cpu().numpy()
    model.train(was_training)
    scores = {}
    for index, kind in enumerate(FACT_TYPES):
        mask = test["split"] == index
        if not mask.any():
            continue
        values = {k: float(v[mask].mean()) for k, v in per_fact.items()}
        values["ppl"] = math.exp(min(PPL_MAX_CE, values["ce"]))
        scores.update({f"val_{kind}_{m}": values[m] for m in SPLIT_METRICS})
    scores["dirichlet_energy"] = dirichlet_energy(embeddings, edges)
    return scores


def functor_edges(dataset: dict[str, Arrays]) -> np.ndarray:
    """The f-edges `(edge, 2)`: each E1 entity's token id and its image's."""
    return np.stack([dataset["functor"]["source"], dataset["functor"]["target"]], axis=1)


def _tensors(arrays: Arrays, device: torch.device) -> dict[str, torch.Tensor]:
    return {k: torch.as_tensor(v, device=device) for k, v in arrays.items()}


STUDY = AnalogyStudy()
