"""Working memory of naturalistic objects in N-back RNNs (Lei, Ito & Bashivan, NeurIPS 2024).

A study config holds one stimulus set (`stimuli`) and one frozen encoder (`encoder`), whose
features are computed once by their own rules; its `tasks` are the training scenarios (STSF,
STMF, MTMF: the N values × features a model is trained on), its `models` the RNN types.

Modules: `study` (datasets, model, training, evaluation: `STUDY`), `checks` (the config
checks and what the evaluation provides, without torch), `inputs` (the feature cache a dataset
reads), `claims` (the paper's claims), `analysis` (orthogonalisation and the causal
perturbation, on arrays), `jobs` (stimuli and features; decoding, cross-task decoding,
Procrustes, orthogonalisation and its t-test; the perturbation; tables and figures) and
`plotting`. Config validation and the analysis and figure jobs import neither torch nor the
model.
"""

from __future__ import annotations

from taskdyn.studies.splits import split_codes

# Code of each split in the `split` label: the contract's 0 (held out, `val`) and 1 (`train`),
# then the study's own held-out sets.
SPLITS = split_codes(("novel_angle", "novel_identity"), held_out_name="val")
PROPERTIES = ("category", "identity", "location", "angle")

__all__ = ["PROPERTIES", "SPLITS"]

