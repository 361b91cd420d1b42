"""The synthetic-thalamus study: task-conditioned top-k token gating for bAbI question answering.

A study *task* is a configuration: one bAbI task (single-task) or several (multi-task, the task
id fed to the thalamus). Its dataset is parsed from bAbI files, generated, downloaded or read
from a path (`data.source`); the pipeline passes their paths in `task["files"]`. Models are the
thalamus reader, the same reader without a gate and a plain LSTM reader. Evaluation runs on the
official test split and records per-token states, the gate's choices, phase tags and the
answers given under every task id.

Modules: `study` (datasets, models, training, evaluation: `STUDY`), `checks` (the config
checks, without torch), `paths` (the files each rule reads, for the workflow) and `jobs` (bAbI
files, tables, figures). `STUDY` is imported on first use, so config validation and the bAbI
file, table and figure jobs, which need neither torch nor the model, start without importing
them.
"""
