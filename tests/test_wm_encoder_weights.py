"""The wm encoder's weights source is never hidden: 'imagenet' that cannot be had fails naming
the config key, 'auto' falls back loudly, and figures name random-frozen features as such."""

from __future__ import annotations

import logging

import pytest
import torchvision

from taskdyn.models import encoders
from taskdyn.studies.wm.plotting import encoder_caption, encoder_label


@pytest.fixture
def offline(monkeypatch):
    """torchvision as on a compute node without network or hub cache: pretrained weights fail."""
    get_model = torchvision.models.get_model

    def without_download(name, weights=None, **kwargs):
        if weights is not None:
            raise OSError("<urlopen error [Errno -3] Temporary failure in name resolution>")
        return get_model(name, weights=None, **kwargs)

    monkeypatch.setattr(torchvision.models, "get_model", without_download)


def test_unavailable_imagenet_weights_fail_naming_the_config_key(offline):
    with pytest.raises(RuntimeError, match=r"studies\.wm\.encoder\.weights: 'imagenet'") as err:
        encoders.build_encoder("resnet18", "imagenet")
    assert "resnet18" in str(err.value) and "checkpoints" in str(err.value)


def test_auto_falls_back_with_a_warning_and_figures_say_random(offline, caplog):
    with caplog.at_level(logging.WARNING, logger=encoders.log.name):
        _, record = encoders.build_encoder("resnet18", "auto")
    assert record["weights_source"].startswith("random-frozen (ImageNet unreachable")
    assert "studies.wm.encoder.weights: 'auto' fell back to RANDOM-FROZEN" in caplog.text
    assert encoder_label(record) == "resnet18 (random-frozen)"
    caption = encoder_caption(record)
    assert caption.startswith("RNNs trained on resnet18 (random-frozen) features\nWARNING")


def test_labels_name_each_weights_source(tmp_path):
    base = {"arch": "resnet34", "seed": 0}
    assert encoder_label({**base, "weights_source": "torchvision ResNet34_Weights."
                          "IMAGENET1K_V1"}) == "resnet34 (ImageNet)"
    assert encoder_label({**base, "weights_source": f"file {tmp_path}/w.pt"}) == "resnet34 (w.pt)"
    chosen = {**base, "requested_weights": "random", "weights_source": "random-frozen"}
    assert encoder_caption(chosen) == "RNNs trained on resnet34 (random-frozen) features"
