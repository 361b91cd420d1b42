"""The functor's mechanism over training: what the study logs at each evaluation, and its tables.

At every evaluation (beside the Dirichlet energy) `mechanism_scores` measures, on the
analogical prompts `(e, <f>)` of each split (`id_analogical`, `ood_analogical`):

- `attention_to_source` per layer and head: the attention weight from the functor token's
  position to the source entity's, averaged over the split's prompts.
- `parallelism_ov` per layer and head, the paper's parallelism: cos(u_f(e) − h_e, x_<f>) with
  h_e = W_O^h W_V^h LN_1(x_e) what the head writes when it attends to the source (biases left
  out; LN_1 is that layer's pre-attention LayerNorm applied to the source's input embedding,
  which is exact for the first layer), u_f(e) the target's unembedding row and x_<f> the
  functor token's input embedding. The anchor notebook's `compute_analogy_metric` says in a
  comment that the target comes from the head weights but reads the input embedding; we take
  the unembedding (the head weights) as the paper describes, for both measures here.
- `parallelogram`: cos(u_f(e) − x_e, x_<f>), the same with the source's input embedding x_e in
  place of the head's output (the notebook's parallelogram score).

and over the whole functor (split `functor`, every E1 entity and its image, ID or OOD):

- `isometry`: the Pearson correlation of pairwise distances among the normalised input
  embeddings of E1 and among their images in E2 (NaN when E1 has fewer than 3 entities).
- `isometry_spearman`: the Spearman rank correlation of the same distances.
- `isometry_null_low`, `isometry_null_high` (and `isometry_spearman_null_...`): the 95 %
  interval of each under 200 random re-pairings of E1 with E2 (a permutation null).

and per prompt split the chance level of the attention, `attention_chance`: 1 / the number of
tokens the functor token attends to, averaged over the prompts (0.5 for `(e, <f>)`).

With `include_f_inverse` the inverse facts `(f(e), <f_inv>)` are prompts too, each measured
with its own functor token.

History columns are `mechanism/<split>/<metric>` and `mechanism/<split>/<metric>/<layer>/<head>`;
`mechanism_long` turns them into long rows, and refuses a history that lacks a whole-functor
column (`FUNCTOR_COLUMNS`: it was trained before that measure was logged).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from taskdyn.studies.analogy.analysis.mechanism import (
    attention_chance,
    attention_to_source,
    half_rise_epoch,
    isometry,
    isometry_null,
    parallelism,
)
from taskdyn.tasks.knowledge_graph import FACT_TYPES

if TYPE_CHECKING:  # torch is imported by the functions that run the model, not by the table jobs
    from taskdyn.models.gpt2_rope import GPT2RoPE

PREFIX = "mechanism/"
PROMPT_SPLITS = ("id_analogical", "ood_analogical")
HEAD_METRICS = ("attention_to_source", "parallelism_ov")
MODEL_METRICS = ("parallelogram", "isometry", "isometry_spearman")
# Logged at every evaluation of every run (NaN when undefined), so every history has them.
FUNCTOR_COLUMNS = (f"{PREFIX}functor/isometry", f"{PREFIX}functor/isometry_spearman")
# The metrics timed against behaviour in the run summary (stage_order.csv).
ONSET_METRICS = HEAD_METRICS + MODEL_METRICS
RUN_KEYS = ["task", "model", "seed"]


def analogy_prompts(test: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The analogical facts of the test arrays: `tokens [prompt, time]`, `length`, `target`,
    `fact_type` (index into FACT_TYPES); the source entity is at position 0, the functor token
    at `length − 1`."""
    keep = np.isin(test["fact_type"], [FACT_TYPES.index(s) for s in PROMPT_SPLITS])
    return {k: test[k][keep] for k in ("tokens", "length", "target", "fact_type")}


def mechanism_scores(model: GPT2RoPE, prompts: dict[str, np.ndarray],
                     functor: np.ndarray) -> dict[str, float]:
    """History columns of the mechanism measures (module docstring) for the current weights.

    `prompts` as from `analogy_prompts`; `functor` the `(pair, 2)` token ids of each E1
    entity and its image.
    """
    import torch

    was_training = model.training
    model.eval()
    with torch.no_grad():
        x = _model_arrays(model, prompts, functor)
    model.train(was_training)
    ov = parallelism(x["target"], x["ov_outputs"], x["functor"])  # (layer, head, prompt)
    parallelogram = parallelism(x["target"], x["source"], x["functor"])  # (prompt,)
    scores = {}
    for split in PROMPT_SPLITS:
        mask = prompts["fact_type"] == FACT_TYPES.index(split)
        if not mask.any():
            continue
        per_head = {
            "attention_to_source": attention_to_source(
                x["patterns"][:, mask], prompts["length"][mask] - 1,
                np.zeros(mask.sum(), dtype=np.int64)),
            "parallelism_ov": ov[..., mask].mean(axis=-1)}
        for metric, values in per_head.items():
            for (layer, head), value in np.ndenumerate(values):
                scores[f"{PREFIX}{split}/{metric}/{layer}/{head}"] = float(value)
        scores[f"{PREFIX}{split}/parallelogram"] = float(parallelogram[mask].mean())
        scores[f"{PREFIX}{split}/attention_chance"] = attention_chance(prompts["length"][mask])
    # three pairs give the fewest distances (3) a correlation can be taken over
    for column, method in zip(FUNCTOR_COLUMNS, ("pearson", "spearman")):
        enough = len(functor) >= 3
        scores[column] = isometry(x["e1"], x["e2"], method=method) if enough else float("nan")
        low, high = isometry_null(x["e1"], x["e2"], method=method)
        scores[f"{column}_null_low"], scores[f"{column}_null_high"] = low, high
    return scores


def _model_arrays(model: GPT2RoPE, prompts: dict[str, np.ndarray],
                  functor: np.ndarray) -> dict[str, np.ndarray]:
    """The vectors the measures compare, as float64 numpy arrays: per prompt the source's and
    the functor token's input embeddings and the target's unembedding `(prompt, d_model)`;
    the attention patterns `(layer, prompt, head, query, key)`; each head's OV output of the
    source `(layer, head, prompt, d_model)`; the input embeddings of E1 and E2 `(pair, d)`."""
    import torch

    device = model.tok_emb.weight.device
    tokens = torch.as_tensor(prompts["tokens"], device=device)
    length = torch.as_tensor(prompts["length"], device=device)
    emb = model.tok_emb.weight
    source = emb[tokens[:, 0]]
    ov_outputs = torch.stack([block.attn.ov_outputs(block.ln_1(source))
                              for block in model.blocks])
    pairs = torch.as_tensor(functor, device=device)
    arrays = {"source": source, "functor": emb[tokens[torch.arange(len(tokens)), length - 1]],
              "target": model.head.weight[torch.as_tensor(prompts["target"], device=device)],
              "patterns": model.attention_patterns(tokens), "ov_outputs": ov_outputs,
              "e1": emb[pairs[:, 0]], "e2": emb[pairs[:, 1]]}
    return {k: v.detach().cpu().double().numpy() for k, v in arrays.items()}


def mechanism_long(history: pd.DataFrame, source: str = "the history") -> pd.DataFrame:
    """The `mechanism/...` columns of a history as long rows: epoch, split, metric, layer, head,
    value (layer and head empty for whole-model metrics). Epochs without a value give no row.

    A history without one of `FUNCTOR_COLUMNS` is refused, naming `source` (its file) and the
    missing columns: it was trained before they were logged.
    """
    missing = [c for c in FUNCTOR_COLUMNS if c not in history.columns]
    if missing:
        raise ValueError(f"{source} lacks the mechanism columns {missing}: it was trained "
                         f"before they were logged; retrain it (e.g. snakemake --forcerun "
                         f"train_model, or delete the analogy models)")
    columns = [c for c in history.columns if c.startswith(PREFIX)]
    long = history[["epoch", *columns]].melt(id_vars="epoch", var_name="column",
                                             value_name="value").dropna()
    parts = [c.removeprefix(PREFIX).split("/") for c in long["column"]]
    long["split"], long["metric"] = [p[0] for p in parts], [p[1] for p in parts]
    long["layer"] = pd.array([int(p[2]) if len(p) > 2 else None for p in parts], dtype="Int64")
    long["head"] = pd.array([int(p[3]) if len(p) > 3 else None for p in parts], dtype="Int64")
    return long[["epoch", "split", "metric", "layer", "head", "value"]].sort_values(
        ["epoch", "split", "metric", "layer", "head"], kind="stable").reset_index(drop=True)


def summary_curves(run: pd.DataFrame) -> dict[str, pd.Series]:
    """One curve (value by epoch) per ONSET_METRICS entry for one run's mechanism rows.

    Prompt metrics use the held-out (`ood_analogical`) prompts where there are any, else the
    ID ones; per-head metrics use the head whose attention to the source is largest at the
    last epoch (the functor head).
    """
    splits = set(run["split"])
    split = next((s for s in PROMPT_SPLITS[::-1] if s in splits), None)
    curves: dict[str, pd.Series] = {}
    if split is not None:
        rows = run[run["split"] == split]
        attention = rows[rows["metric"] == "attention_to_source"]
        last = attention[attention["epoch"] == attention["epoch"].max()]
        best = last.loc[last["value"].idxmax(), ["layer", "head"]]
        for metric in HEAD_METRICS:
            pick = rows[(rows["metric"] == metric) & (rows["layer"] == best["layer"])
                        & (rows["head"] == best["head"])]
            curves[metric] = pick.set_index("epoch")["value"].sort_index()
        pick = rows[rows["metric"] == "parallelogram"]
        curves["parallelogram"] = pick.set_index("epoch")["value"].sort_index()
    for metric in ("isometry", "isometry_spearman"):
        pick = run[run["metric"] == metric]
        curves[metric] = pick.set_index("epoch")["value"].sort_index()
    return curves


def mechanism_onsets(mechanism: pd.DataFrame, fraction: float) -> pd.DataFrame:
    """Per run: `<metric>_onset_epoch`, the half-rise epoch (`fraction` of the way from the
    first value to the maximum) of each summary curve (`summary_curves`)."""
    rows = []
    for (task, model, seed), run in mechanism.groupby(RUN_KEYS, sort=False):
        curves = summary_curves(run)
        rows.append({"task": task, "model": model, "seed": seed, **{
            f"{metric}_onset_epoch": half_rise_epoch(curves[metric].index.to_numpy(),
                                                     curves[metric].to_numpy(), fraction)
            if metric in curves else float("nan") for metric in ONSET_METRICS}})
    return pd.DataFrame(rows, columns=RUN_KEYS + [f"{m}_onset_epoch" for m in ONSET_METRICS])
