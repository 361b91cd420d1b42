"""The wm study's inputs: the stimulus set (rendered, or real renderings from an index CSV) and
its feature maps under the frozen encoder, computed once and cached for every dataset."""

from __future__ import annotations

import json
import logging
import time

from taskdyn.io import read_h5, read_h5_attrs, write_h5
from taskdyn.models.spec import PRETRAINED_PROCEDURAL as PRETRAINED
from taskdyn.provenance import provenance
from taskdyn.studies.wm import PROPERTIES
from taskdyn.tasks.stimuli import load_stimulus_index, render_stimuli

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


def extract_stimulus_features(*, images: str, encoder: dict, out: str,
                              pretrained: str | None = None,
                              pretraining: str | None = None) -> None:
    """Feature maps of every stimulus under the frozen encoder: the cache training reads.

    With `weights: pretrained-procedural`, `pretrained` is the pretrained trunk's weights file
    and `pretraining` its record (`taskdyn.studies.wm.pretrain`), kept in the encoder record.
    """
    arrays = read_h5(images)
    # torch and torchvision load here, for this job only
    from taskdyn.models.encoders import build_encoder, extract_features
    from taskdyn.training import resolve_device

    procedural = encoder["weights"] == PRETRAINED
    trunk, record = build_encoder(encoder["arch"], pretrained if procedural else
                                  encoder["weights"], encoder["seed"])
    if procedural:
        with open(pretraining) as handle:
            record["pretraining"] = json.load(handle)
        record["requested_weights"] = PRETRAINED
        record["weights_source"] = (
            f"{PRETRAINED} ({', '.join(record['pretraining']['families'])}; held-out view "
            f"accuracy {record['pretraining']['heldout_view_accuracy']:.2f})")
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
