"""Probe, outside the pipeline: each final RandomTarget GRU's median end-point error over the
held-out non-catch trials under ten draws of MotorNet's sensor and motor noise (seeds 1-10; the
pipeline's evaluation scores one draw). Run from the repository root after the ladder run:
    .venv/bin/python docs/reproduction/ctdb/training/probes/noise_draws.py > noise_draws.csv
"""

import numpy as np
import torch
import yaml

from taskdyn.io import read_h5
from taskdyn.models.recurrent import build_recurrent_model
from taskdyn.tasks import random_target as rt

RUN = "results/ctdb_ladder"
config = yaml.safe_load(open("config/ctdb_ladder.yaml"))["studies"]["ctdb"]
arrays = read_h5(f"{RUN}/data/ctdb/randomtarget.h5")
held_out = {k[len("val/"):]: torch.as_tensor(v) for k, v in arrays.items() if k.startswith("val/")}
non_catch = held_out["catch"].numpy() == 0
arm = rt.make_arm(rt.ArmSettings(muscle_drive=config["tasks"]["randomtarget"]["muscle_drive"]))
print("seed,noise_seed,n_trials,median_end_error_m")
for seed in config["seeds"]:
    model = build_recurrent_model(config["models"]["gru"], rt.N_INPUTS, len(rt.MUSCLES))
    model.load_state_dict(torch.load(f"{RUN}/models/ctdb/randomtarget/gru/seed{seed}/weights.pt"))
    model.eval()
    for noise_seed in range(1, 11):
        with torch.no_grad():
            run = rt.rollout(model, arm, held_out, noise_seed)
        error = torch.linalg.norm(run["hand"][:, -1] - held_out["goal"][:, -1], dim=-1).numpy()
        print(f"{seed},{noise_seed},{non_catch.sum()},{np.median(error[non_catch]):.5f}")
