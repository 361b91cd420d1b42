"""The wm study: stimuli, encoder weight sources, datasets, model, training and config checks."""

import copy
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from taskdyn.config import ConfigError, load_yaml, validate_config
from taskdyn.io import write_h5
from taskdyn.models import encoders
from taskdyn.studies.base import Job
from taskdyn.studies.wm.inputs import dataset_inputs
from taskdyn.studies.wm.study import STUDY, class_weights, split_pools, standardised
from taskdyn.tasks.nback import MATCH, NO_ACTION, NON_MATCH
from taskdyn.tasks.stimuli import load_stimulus_index, render_stimuli

ROOT = Path(__file__).resolve().parents[1]
TASK = {"n_back": [1, 2], "features": ["location", "category"], "seq_len": 6, "match_prob": 0.5,
        "n_train": 120, "n_val": 60, "n_test": 30, "heldout_angles": [2],
        "heldout_identities": [2], "fresh_trials": False}


@pytest.fixture(scope="module")
def stimuli():
    """A small rendered set with stand-in feature maps (the CNN itself is tested apart)."""
    s = render_stimuli(n_categories=4, n_identities=3, n_locations=4, n_angles=3, image_size=32)
    rng = np.random.default_rng(0)
    props = {k: getattr(s, k) for k in ("category", "identity", "location", "angle")}
    onehots = [np.eye(props[k].max() + 1)[props[k]] for k in props]
    features = np.concatenate(onehots, axis=1)[:, :, None, None] + 5.0  # offset, like a CNN
    features = features + 0.01 * rng.standard_normal((len(features), features.shape[1], 2, 2))
    return {"features": features.astype(np.float32), **props, "images": s.images}


@pytest.fixture(scope="module")
def features(stimuli, tmp_path_factory):
    """The stand-in feature maps as the feature cache a dataset job reads."""
    path = tmp_path_factory.mktemp("wm") / "features.h5"
    write_h5(path, {k: v for k, v in stimuli.items() if k != "images"},
             attrs={"encoder": {"arch": "stand-in", "weights_source": "none", "seed": 0},
                    "stimuli": {"source": "procedural"}})
    return str(path)


def _job(task, features, **fields):
    return Job("wm", task_name="t", task=task, inputs={"features": features}, **fields)


def test_rendered_stimuli_are_distinct_deterministic_and_placed(stimuli):
    images = stimuli["images"]
    assert images.shape == (4 * 3 * 4 * 3, 32, 32, 3) and images.dtype == np.uint8
    assert len(np.unique(images.reshape(len(images), -1), axis=0)) == len(images)
    again = render_stimuli(n_categories=4, n_identities=3, n_locations=4, n_angles=3,
                           image_size=32)
    np.testing.assert_array_equal(again.images, images)
    # Location 0 is the upper-right quadrant: all of the object's pixels lie there.
    lit = images[stimuli["location"] == 0].max(axis=(0, 3)) > 0
    assert lit[:16, 16:].sum() > 0 and lit[16:, :].sum() == 0 and lit[:, :16].sum() == 0


def test_index_csv_loader_numbers_properties_in_sorted_order(tmp_path):
    from PIL import Image

    rows = []
    for k, (cat, ident, loc, ang) in enumerate([("chair", "b", 0, 30), ("car", "x", 1, 0),
                                                ("chair", "a", 1, 0)]):
        Image.new("RGB", (40, 20), (10 * k, 0, 0)).save(tmp_path / f"{k}.png")
        rows.append({"file": f"{k}.png", "category": cat, "identity": ident, "location": loc,
                     "angle": ang})
    pd.DataFrame(rows).to_csv(tmp_path / "index.csv", index=False)
    s = load_stimulus_index(tmp_path / "index.csv", image_size=16)
    assert s.images.shape == (3, 16, 16, 3)
    assert list(s.category_names) == ["car", "chair"]
    np.testing.assert_array_equal(s.category, [1, 0, 1])
    np.testing.assert_array_equal(s.identity, [1, 0, 0])  # numbered within each category
    np.testing.assert_array_equal(s.angle, [1, 0, 0])


def test_encoder_weight_sources_are_recorded(tmp_path, monkeypatch, one_thread):
    trunk, record = encoders.build_encoder("resnet18", "random", seed=1)
    assert record["weights_source"] == "random-frozen"
    assert not any(p.requires_grad for p in trunk.parameters())
    images = np.zeros((2, 32, 32, 3), dtype=np.uint8)
    assert encoders.extract_features(images, trunk).shape == (2, 512, 1, 1)

    path = tmp_path / "weights.pt"
    torch.save(encoders.torchvision.models.resnet18().state_dict(), path)
    _, record = encoders.build_encoder("resnet18", str(path))
    assert record["weights_source"] == f"file {path}" and len(record["weights_sha256"]) == 64

    def offline(name, weights=None):
        if weights is not None:
            raise OSError("no network")
        return encoders.torchvision.models.resnet18()

    monkeypatch.setattr(encoders.torchvision.models, "get_model", offline)
    _, record = encoders.build_encoder("resnet18", "auto")
    assert record["weights_source"].startswith("random-frozen (ImageNet unreachable")
    with pytest.raises(RuntimeError, match="ImageNet weights"):
        encoders.build_encoder("resnet18", "imagenet")


def test_dataset_inputs_are_the_feature_cache():
    assert dataset_inputs({}, "r", "stsf") == {"features": "results/r/stimuli/wm/features.h5"}


def test_dataset_splits_use_disjoint_stimulus_pools(stimuli, features):
    data = STUDY.make_dataset(_job(TASK, features))
    pools = split_pools(stimuli, [2], [2])
    for split, pool in (("train", "train"), ("val", "train"), ("novel_angle", "novel_angle"),
                        ("novel_identity", "novel_identity")):
        assert np.isin(data[split]["stimulus"], pools[pool]).all()
    assert len(np.intersect1d(pools["train"], pools["novel_angle"])) == 0
    assert (stimuli["angle"][data["novel_angle"]["stimulus"]] == 2).all()
    assert (stimuli["identity"][data["novel_identity"]["stimulus"]] == 2).all()
    standard = data["stimuli"]["features"][pools["train"]]
    np.testing.assert_allclose(standard.mean(axis=(0, 2, 3)), 0, atol=1e-4)


def test_standardised_and_class_weights():
    features = np.arange(24, dtype=float).reshape(3, 2, 2, 2)
    z = standardised(features, np.array([0, 1, 2]))
    np.testing.assert_allclose(z.std(axis=(0, 2, 3)), 1, atol=1e-6)
    targets = np.array([[NO_ACTION, NON_MATCH, NON_MATCH, NON_MATCH, MATCH, MATCH]])
    weights = class_weights(targets)
    np.testing.assert_allclose(weights * np.bincount(targets.ravel()), 2.0)  # equal class totals


def test_training_learns_without_running_the_cnn(features, tmp_path, monkeypatch, one_thread):
    monkeypatch.setattr(encoders, "extract_features", _forbidden)
    task = {**TASK, "n_back": [1], "features": ["location"], "n_train": 400}
    job = _job(task, features, model_name="gru",
               model={"type": "gru", "latent_size": 24, "attention": True},
               train={"epochs": 8, "batch_size": 16, "lr": 0.01},
               evaluate={"n_train_trials": 20}, checkpoint=str(tmp_path / "ckpt.pt"))
    data = STUDY.make_dataset(job)
    attrs = STUDY.dataset_attrs(job, data)
    assert attrs["encoder"]["arch"] == "stand-in"
    assert attrs["provenance"] == {"encoder_weights": "none", "encoder": "stand-in (none)"}
    torch.manual_seed(0)
    model = STUDY.build_model(job, attrs)
    STUDY.train(model, data, job)
    assert "features" not in model.state_dict()
    evaluation = STUDY.evaluate(model, data, job)
    n_trials = 60 + 20 + 30 + 30
    assert evaluation.hidden.shape == (n_trials, 6, 24)
    assert evaluation.labels["mem3_location"].shape == (n_trials, 6)
    assert evaluation.metrics["accuracy/val"] > 0.65  # 300 responses: chance is 0.5 ± 0.03
    assert set(evaluation.dims()) >= {"labels/split", "labels/mem0_age", "weights/W_hn"}


def test_fresh_trials_train_on_new_draws_and_resume_exactly(features, tmp_path, one_thread):
    """`fresh_trials`: each epoch trains on new trials (weights differ from training on the
    fixed ones), drawn from the loop's checkpointed generator (a resumed run ends bit for bit
    where an unbroken one does)."""
    task = {**TASK, "n_back": [1], "features": ["location"], "fresh_trials": True}
    job = _job(task, features, model_name="gru", model={"type": "gru", "latent_size": 8},
               train={"epochs": 2, "batch_size": 40, "lr": 0.01})
    data = STUDY.make_dataset(job)
    attrs = STUDY.dataset_attrs(job, data)

    def trained(job, epochs, name, model=None):
        if model is None:
            torch.manual_seed(0)
            model = STUDY.build_model(job, attrs)
        run = replace(job, train={**job.train, "epochs": epochs},
                      checkpoint=str(tmp_path / name))
        return model, STUDY.train(model, data, run)

    straight, history = trained(job, 2, "straight.pt")
    resumed, _ = trained(job, 1, "resumed.pt")
    trained(job, 2, "resumed.pt", resumed)
    fixed, _ = trained(replace(job, task={**task, "fresh_trials": False}), 2, "fixed.pt")
    assert [row["epoch"] for row in history] == [1, 2] and "train_accuracy" in history[-1]
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name
    assert not all(torch.equal(a, b) for a, b in zip(straight.state_dict().values(),
                                                     fixed.state_dict().values()))


def _forbidden(*args, **kwargs):
    raise AssertionError("training must not run the CNN")


def _config(**changes):
    cfg = load_yaml(ROOT / "tests" / "configs" / "wm.yaml")
    wm = cfg["studies"]["wm"]
    for key, value in changes.items():
        *path, last = key.split(".")
        node = wm
        for part in path:
            node = node[part]
        node[last] = value
    return cfg


@pytest.mark.parametrize(("key", "value", "named"), [
    ("tasks.mtmf.heldout_angles", [0, 1, 2], "studies.wm.tasks.mtmf.heldout_angles"),
    ("tasks.mtmf.heldout_identities", [5], "studies.wm.tasks.mtmf.heldout_identities"),
    ("tasks.mtmf.seq_len", 3, "studies.wm.tasks.mtmf.seq_len"),
    ("encoder.weights", "missing.pt", "studies.wm.encoder.weights"),
    ("tasks.mtmf.n_back", [4], "studies.wm.tasks.mtmf.n_back"),
    ("models.gru.type", "transformer", "studies.wm.models.gru.type"),
])
def test_bad_config_values_fail_naming_the_key(key, value, named):
    cfg = _config(**{key: value})
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        validate_config(copy.deepcopy(cfg), ROOT / "workflow" / "schemas")


def test_test_config_is_valid_and_gets_defaults():
    cfg = validate_config(_config(), ROOT / "workflow" / "schemas")
    wm = cfg["studies"]["wm"]
    assert wm["tasks"]["mtmf"]["seq_len"] == 6 and wm["stimuli"]["source"] == "procedural"
    assert wm["analyses"]["decoding"]["split"] == "val"
