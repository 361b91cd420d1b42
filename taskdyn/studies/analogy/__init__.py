"""Emergent analogical reasoning (Minegishi et al. 2026): knowledge graphs, GPT-2 with RoPE.

A small transformer learns atomic facts, two-hop compositions and a functor f between two
entity categories; held-out facts of each kind tell memorisation, composition and analogy
apart. Training is the anchor's: Adam on the ID facts, cross-entropy on the final entity only.
Every `eval_every` epochs (and before training) each fact type is scored — CE, perplexity,
accuracy, probability of the correct entity — and the Dirichlet energy of the normalised
entity embeddings over the f-edges is measured, with the functor's mechanism (attention from
`<f>` to the source, parallelism, isometry: `taskdyn.studies.analogy.mechanism`).

The training history has one row per evaluation: `epoch`, `train_loss` (mean since the last
evaluation), `val_<fact type>_<metric>`, `dirichlet_energy` and `mechanism/...`;
`jobs.dynamics_long` and `mechanism.mechanism_long` reshape it to long (epoch × split × metric)
tables.

Modules: `study` (datasets, model, training, evaluation: `STUDY`), `mechanism` (the functor's
mechanism measured on the model during training, and its long tables), `sweep` (sweep points as
models and tasks, their config checks), `checks` (the study's config checks and what the
evaluation provides, without torch), `claims` (the paper's claims), `analysis` (the mechanism
measures and the Dirichlet energy, on arrays), `jobs` (long tables and figures) and `plotting`.
Config validation and the table and figure jobs import neither torch nor the model.
"""
