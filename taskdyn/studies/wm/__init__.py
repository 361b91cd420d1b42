"""Working memory of naturalistic objects in N-back RNNs (Lei, Ito & Bashivan, NeurIPS 2024).

A study config holds one stimulus set (`stimuli`) and one frozen encoder (`encoder`, pretrained
here by `pretrain` when its weights are `pretrained-procedural`), whose features are computed
once by their own rules; its `tasks` are the training scenarios (STSF, STMF, MTMF: the N values
× features a model is trained on), its `models` the RNN types.

Modules: `study` (datasets, model, training with the paper's stopping measures, evaluation:
`STUDY`), `checks` (the config checks and what the evaluation provides, without torch),
`inputs` (the feature cache a dataset reads), `pretrain` (the encoder pretrained on other
object families), `claims` (the paper's claims), `analysis` (memory decoding, executive steps,
sample checks, orthogonalisation, the causal perturbation and the study-wide summaries, on
arrays and tables), `features` (the stimuli and their cached features), `jobs` (the
per-model analyses; tables and figures), `perturb` (the causal perturbation)
and `plotting`. Config validation and the analysis and figure jobs import neither torch nor the
model.
"""

from __future__ import annotations

from pathlib import PurePath

from taskdyn.models.spec import PRETRAINED_PROCEDURAL
from taskdyn.studies.splits import split_codes

# Code of each split in the `split` label: the contract's 0 (held out, `val`) and 1 (`train`),
# then the study's own held-out sets.
SPLITS = split_codes(("novel_angle", "novel_identity"), held_out_name="val")
PROPERTIES = ("category", "identity", "location", "angle")
# The paper's stopping rule: a network is trained once it passes both.
TRAIN_CRITERION, ANGLE_CRITERION = 0.95, 0.90


def encoder_label(encoder: dict) -> str:
    """The encoder with its weights' source, from its record (`build_encoder`): 'resnet18
    (ImageNet)', 'resnet18 (pretrained-procedural)', 'resnet18 (random-frozen)' or 'resnet18
    (<weights file name>)'. Every wm table has it as the `encoder` column, every figure in
    its caption."""
    source = encoder["weights_source"]
    if source.startswith("torchvision"):
        weights = "ImageNet"
    elif source.startswith(("random-frozen", PRETRAINED_PROCEDURAL)):
        weights = source.split(" (")[0]
    else:
        weights = PurePath(source.removeprefix("file ")).name
    return f"{encoder['arch']} ({weights})"


__all__ = ["ANGLE_CRITERION", "PROPERTIES", "SPLITS", "TRAIN_CRITERION", "encoder_label"]

