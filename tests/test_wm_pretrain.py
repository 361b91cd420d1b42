"""The wm encoder pretrained here: on object families the task never shows, learning to name
their identities, saved as a trunk that `build_encoder` loads and that the feature cache
records as pretrained-procedural."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torchvision

from taskdyn.io import read_h5_attrs, write_h5
from taskdyn.models import encoders
from taskdyn.studies.wm import pretrain
from taskdyn.studies.wm.features import extract_stimulus_features
from taskdyn.tasks.stimuli import PRETRAIN_CATEGORIES, TASK_CATEGORIES, render_stimuli

TINY = dict(n_identities=2, n_angles=2, n_locations=2, image_size=32, epochs=25, lr=1e-3,
            max_shift=0)


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pretrained")
    weights, record = folder / "trunk.pt", folder / "record.json"
    torch.set_num_threads(1)
    pretrain.pretrain_encoder(arch="resnet18", pretrain_cfg=TINY, weights=str(weights),
                              record=str(record))
    return weights, json.loads(record.read_text())


def test_pretraining_learns_other_families_than_the_task_s(pretrained):
    _, record = pretrained
    assert set(record["families"]) == set(PRETRAIN_CATEGORIES)
    assert not set(record["families"]) & set(TASK_CATEGORIES)
    n_classes = len(PRETRAIN_CATEGORIES) * TINY["n_identities"]
    assert record["n_classes"] == n_classes and record["chance"] == pytest.approx(1 / n_classes)
    # one of the two angles is held out: half the views are trained on
    assert record["n_train_images"] == record["n_heldout_images"] == n_classes * 2
    assert record["train_loss"][-1] < record["train_loss"][0]
    assert record["train_accuracy"] > 3 * record["chance"]


def test_the_trunk_loads_as_a_weights_file_and_a_wrong_one_fails(pretrained, tmp_path):
    weights, record = pretrained
    trunk, loaded = encoders.build_encoder("resnet18", str(weights))
    assert loaded["weights_sha256"] == record["weights_sha256"]
    saved = torch.load(weights, weights_only=True)
    assert not any(k.startswith("fc.") for k in saved)
    np.testing.assert_array_equal(trunk[0].weight.numpy(), saved["conv1.weight"].numpy())
    other = tmp_path / "resnet34.pt"
    torch.save(torchvision.models.resnet34().state_dict(), other)
    with pytest.raises(ValueError, match=r"studies\.wm\.encoder\.weights: .* not a resnet18"):
        encoders.build_encoder("resnet18", str(other))


def test_features_from_the_pretrained_trunk_record_their_source(pretrained, tmp_path):
    weights, _ = pretrained
    stimuli = render_stimuli(n_categories=2, n_identities=2, n_locations=2, n_angles=2,
                             image_size=32)
    images = tmp_path / "images.h5"
    write_h5(images, stimuli.arrays(), attrs={"stimuli": {"image_size": 32},
                                              "category_names": stimuli.category_names.tolist()})
    out = tmp_path / "features.h5"
    extract_stimulus_features(images=str(images), out=str(out),
                              encoder={"arch": "resnet18", "weights": "pretrained-procedural",
                                       "seed": 0, "batch_size": 8, "device": "cpu"},
                              pretrained=str(weights),
                              pretraining=str(weights.with_name("record.json")))
    record = read_h5_attrs(out)["encoder"]
    assert record["requested_weights"] == "pretrained-procedural"
    assert record["weights_source"].startswith("pretrained-procedural (chair, bottle")
    assert record["pretraining"]["families"] == list(PRETRAIN_CATEGORIES)
