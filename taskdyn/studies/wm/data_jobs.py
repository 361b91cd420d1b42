"""wm pipeline stages before training: stimuli → cached CNN features → N-back datasets.

Each stage is one Snakemake rule writing one HDF5 file; the features are computed once per
stimulus set and encoder, and every dataset (hence every training job) reads them from there.
"""

from __future__ import annotations

import logging
import time

from taskdyn.io import read_h5, read_h5_attrs, write_h5
from taskdyn.models.encoders import build_encoder, extract_features
from taskdyn.provenance import provenance
from taskdyn.studies.wm import PROPERTIES
from taskdyn.studies.wm.study import STUDY
from taskdyn.tasks.stimuli import load_stimulus_index, render_stimuli
from taskdyn.training import resolve_device

log = logging.getLogger(__name__)

PER_STIMULUS = {name: "stimulus" for name in PROPERTIES}


def make_stimuli(*, stimuli: dict, out: str) -> None:
    """Render the procedural stimulus set, or load real renderings from an index CSV."""
    if stimuli["source"] == "index_csv":
        stimulus_set = load_stimulus_index(stimuli["index_csv"], stimuli["image_size"])
    else:
        stimulus_set = render_stimuli(stimuli["n_categories"], stimuli["n_identities"],
                                      stimuli["n_locations"], stimuli["n_angles"],
                                      stimuli["image_size"], stimuli["seed"])
    log.info("%d stimuli of %d×%d pixels", *stimulus_set.images.shape[:2],
             stimulus_set.images.shape[2])
    write_h5(out, stimulus_set.arrays(), dims={"images": "stimulus,y,x,rgb", **PER_STIMULUS},
             attrs={"stimuli": stimuli, "category_names": stimulus_set.category_names.tolist(),
                    "provenance": provenance(stimuli)})


def extract_stimulus_features(*, images: str, encoder: dict, out: str) -> None:
    """Feature maps of every stimulus under the frozen encoder: the cache training reads."""
    arrays = read_h5(images)
    trunk, record = build_encoder(encoder["arch"], encoder["weights"], encoder["seed"])
    tic = time.perf_counter()
    features = extract_features(arrays["images"], trunk, encoder["batch_size"],
                                str(resolve_device(encoder["device"])))
    log.info("features %s from %s in %.1f s", features.shape, record["weights_source"],
             time.perf_counter() - tic)
    image_attrs = read_h5_attrs(images)
    stimuli_cfg = image_attrs["stimuli"]
    write_h5(out, {"features": features, **{k: arrays[k] for k in PROPERTIES}},
             dims={"features": "stimulus,channel,y,x", **PER_STIMULUS},
             attrs={"encoder": record, "stimuli": stimuli_cfg,
                    "category_names": image_attrs["category_names"],
                    "provenance": provenance({"stimuli": stimuli_cfg, "encoder": encoder},
                                             encoder_weights=record["weights_source"])})


def make_dataset(*, task: dict, features: str, out: str) -> None:
    """Draw one scenario's N-back trials over the cached features into one dataset file."""
    arrays = read_h5(features)
    feature_attrs = read_h5_attrs(features)
    dataset = STUDY.make_dataset(task, seed=task["data_seed"], stimuli=arrays)
    write_h5(out, dataset, attrs={
        "study": STUDY.name, "task": task, **STUDY.dataset_attrs(task, dataset),
        "encoder": feature_attrs["encoder"], "stimuli": feature_attrs["stimuli"],
        "provenance": provenance(task, encoder_weights=feature_attrs["encoder"]["weights_source"]),
    })
