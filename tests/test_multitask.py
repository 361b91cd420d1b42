"""MultiTask: each subtask's inputs and targets on hand-built trials, loss weights, success rule."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from taskdyn.tasks import multitask as mt

# Hand-built epoch lengths (bins); a family without an epoch gets it with zero length (as
# draw_epochs does), so e.g. a React trial is context 0-4, response 4-12.
LENGTHS = {"context": 4, "stim1": 6, "mem1": 4, "stim2": 4, "mem2": 2, "response": 8}


def bounds_for(name):
    present = mt.EPOCH_MS[mt.family(name)]
    bounds, t = {}, 0
    for epoch in mt.EPOCHS:
        length = LENGTHS[epoch] if epoch in present else 0
        bounds[epoch] = (t, t + length)
        t += length
    return bounds


def response_of(targets, go):
    """The target response direction (radians) and whether a response is due at all."""
    cos, sin = targets[go:, 1], targets[go:, 2]
    assert np.allclose(cos, cos[0]) and np.allclose(sin, sin[0])  # constant over the response
    return np.arctan2(sin[0], cos[0]), np.hypot(cos[0], sin[0]) > 0.5


def same_angle(a, b):
    return np.isclose(np.cos(a - b), 1.0)


@pytest.mark.parametrize("name", mt.SUBTASKS)
def test_rule_fixation_and_padding(name):
    bounds = bounds_for(name)
    x, y, _ = mt.multitask_trial(name, bounds, mt.Stimuli(0.3, 2.0))
    go, end = bounds["response"]
    rule = x[:, mt.RULE_OFFSET:]
    assert np.all(rule[:, mt.SUBTASKS.index(name)] == 1) and rule.sum() == end
    assert np.all(y[:go, 0] == 1) and np.all(y[go:, 0] == 0)  # fixate, then release
    fixation_through = mt.family(name) in ("React", "Match")
    assert np.all(x[:go, 0] == 1) and np.all(x[go:, 0] == fixation_through)


@pytest.mark.parametrize("name, expected", [("DelayPro", 0.7), ("DelayAnti", 0.7 - np.pi),
                                            ("MemoryPro", 0.7), ("MemoryAnti", 0.7 + np.pi),
                                            ("ReactPro", 0.7), ("ReactAnti", 0.7 + np.pi)])
def test_pro_anti_targets(name, expected):
    bounds = bounds_for(name)
    x, y, angle = mt.multitask_trial(name, bounds, mt.Stimuli(0.7))
    go, end = bounds["response"]
    direction, due = response_of(y, go)
    assert due and same_angle(direction, expected) and same_angle(angle, expected)
    shown = np.hypot(x[:, 1], x[:, 2]) > 0
    on = {"Delay": (bounds["stim1"][0], end), "Memory": bounds["stim1"], "React": (go, end)}
    start, stop = on[mt.family(name)]
    assert shown[start:stop].all() and not shown[:start].any() and not shown[stop:].any()
    assert np.all(x[:, 3:5] == 0)  # modality 2 stays dark


@pytest.mark.parametrize("name, strengths, expected", [
    ("IntMod1", {1: (1.2, 0.9), 2: (0.7, 1.3)}, "theta1"),
    ("IntMod2", {1: (1.2, 0.9), 2: (0.7, 1.3)}, "theta2"),
    ("ContextIntMod1", {1: (0.8, 1.1), 2: (1.3, 0.9)}, "theta2"),
    ("ContextIntMod2", {1: (0.8, 1.1), 2: (1.3, 0.9)}, "theta1"),
    ("ContextIntMultimodal", {1: (0.8, 1.1), 2: (1.4, 0.9)}, "theta1"),  # 2.2 > 2.0
    ("ContextIntMultimodal", {1: (0.8, 1.1), 2: (1.2, 1.0)}, "theta2"),  # 2.0 < 2.1
])
def test_decision_targets(name, strengths, expected):
    stimuli = mt.Stimuli(0.4, 2.5, strengths)
    bounds = bounds_for(name)
    x, y, _ = mt.multitask_trial(name, bounds, stimuli)
    direction, due = response_of(y, bounds["response"][0])
    assert due and same_angle(direction, getattr(stimuli, expected))
    stim1, stim2 = slice(*bounds["stim1"]), slice(*bounds["stim2"])
    for modality, channel in ((1, 1), (2, 3)):
        visible = name.startswith("Context") or name.endswith(str(modality))
        magnitude = np.hypot(x[:, channel], x[:, channel + 1])
        expect1, expect2 = strengths[modality] if visible else (0.0, 0.0)
        assert np.allclose(magnitude[stim1], expect1) and np.allclose(magnitude[stim2], expect2)
        assert np.all(magnitude[bounds["mem1"][0]:bounds["mem1"][1]] == 0)


@pytest.mark.parametrize("name, theta2, due", [
    ("Match2Sample", 1.0, True), ("Match2Sample", 1.0 + np.deg2rad(40), False),
    ("NonMatch2Sample", 1.0 - np.pi, True), ("NonMatch2Sample", 1.0, False),
    ("MatchCatPro", 2.5, True), ("MatchCatPro", -0.5, False),  # sample 1.0 is upper half
    ("MatchCatAnti", -2.0, True), ("MatchCatAnti", 0.2, False),
])
def test_match_targets(name, theta2, due):
    bounds = bounds_for(name)
    x, y, angle = mt.multitask_trial(name, bounds, mt.Stimuli(1.0, theta2))
    go = bounds["response"][0]
    direction, responds = response_of(y, go)
    assert responds == due and np.isnan(angle) != due
    if due:
        assert same_angle(direction, theta2)
    test = x[go:, 1:3]
    assert np.allclose(test, [np.cos(theta2), np.sin(theta2)])  # test stimulus from go on


def test_generator_is_seeded_grouped_and_padded():
    args = (mt.SUBTASKS, 3, 320, 20, 32, 0.3)
    a = mt.generate_multitask(*args, np.random.default_rng(5))
    b = mt.generate_multitask(*args, np.random.default_rng(5))
    assert all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)
    assert list(a["subtask"]) == [i for i in range(15) for _ in range(3)]
    assert a["response_end"].max() <= mt.longest_trial(mt.SUBTASKS, 20) == 314
    t = np.arange(320)
    after = t[None, :] >= a["response_end"][:, None]
    assert np.all(a["inputs"][after] == 0) and np.all(a["targets"][after] == 0)


def test_response_weights():
    weight = mt.response_weights(30, np.array([12]), np.array([25]))[0]
    expected = np.r_[np.zeros(5), np.ones(7), np.zeros(5), np.full(8, 5.0), np.zeros(5)]
    assert np.array_equal(weight, expected)


def test_response_success():
    outputs = np.zeros((3, 10, 3))
    outputs[0, 9, 1:] = np.cos(0.5 + 0.2), np.sin(0.5 + 0.2)  # 0.2 rad < pi/10 off
    outputs[1, 9, 1:] = np.cos(0.5 + 0.4), np.sin(0.5 + 0.4)  # 0.4 rad off
    outputs[2, 9, 1:] = 0.05, 0.0  # withheld
    success = mt.response_success(outputs, np.array([0.5, 0.5, np.nan]), np.array([10, 10, 10]))
    assert list(success) == [True, False, True]


def _study_task(task, analyses=None):
    """A ctdb task config with the schema's defaults filled in (validated, with `analyses`)."""
    from taskdyn.config import validate_config

    cfg = {"run": "t", "studies": {"ctdb": {"tasks": {"t": task}, "models": {
        "gru": {"type": "gru", "latent_size": 8}}, "seeds": [0], "analyses": analyses or {}}}}
    validate_config(cfg, Path(__file__).resolve().parents[1] / "workflow" / "schemas")
    return cfg["studies"]["ctdb"]["tasks"]["t"]


def test_training_resumes_bit_for_bit_with_single_subtask_batches(tmp_path):
    """Stopped after epoch 1 and resumed, training ends exactly where an unbroken run does."""
    import torch

    from taskdyn.studies.base import Job
    from taskdyn.studies.ctdb.study import STUDY

    task = _study_task({"kind": "multitask", "subtasks": ["DelayPro", "IntMod1", "MatchCatPro"],
                        "n_trials_per_subtask": 6, "bin_size": 100, "n_timesteps": 70})
    job = Job("ctdb", task_name="t", task=task, model_name="gru", seed=3, cfg_hash="h",
              model={"type": "gru", "latent_size": 8, "state_noise": 0.1})
    dataset = STUDY.make_dataset(replace(job, seed=0))
    attrs = STUDY.dataset_attrs(job, dataset)
    groups = dataset["train"]["subtask"]
    assert set(groups) == set(dataset["val"]["subtask"]) == {0, 6, 13}  # stratified split

    def train(model, epochs):
        return STUDY.train(model, dataset, replace(
            job, train={"epochs": epochs, "batch_size": 4, "lr": 0.01},
            checkpoint=str(tmp_path / f"{id(model)}.pt")))

    def fresh():
        torch.manual_seed(0)
        return STUDY.build_model(job, attrs)

    straight = fresh()
    train(straight, 2)
    resumed = fresh()
    train(resumed, 1)
    history = train(resumed, 2)
    assert [row["epoch"] for row in history] == [1, 2]
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name


@pytest.mark.parametrize("task, analyses, key", [
    ({"kind": "multitask", "n_timesteps": 100}, {}, "tasks.t.n_timesteps"),
    ({"kind": "multitask", "subtasks": ["DelayPro", "Nope"]}, {}, "tasks.t.subtasks.1"),
    ({"kind": "randomtarget", "bump_duration": [30, 10]}, {}, "tasks.t.bump_duration"),
    ({"kind": "randomtarget", "n_timesteps": 20}, {}, "tasks.t.n_timesteps"),
    ({"kind": "flipflop"}, {"dsa": {"n_components": 2, "rank": 50}}, "analyses.dsa.rank"),
    ({"kind": "flipflop"}, {"dsa": {"score_method": "euclidean"}}, "analyses.dsa.score_method"),
])
def test_bad_settings_fail_validation_naming_the_key(task, analyses, key):
    from taskdyn.config import ConfigError

    with pytest.raises(ConfigError, match=f"studies.ctdb.{key}'"):
        _study_task(task, analyses)


def test_phases_follow_each_families_epochs():
    from taskdyn.studies.ctdb.analysis import multitask_conditions, multitask_phases

    rng = np.random.default_rng(0)
    subtasks = ["DelayPro", "MemoryAnti", "ReactPro", "IntMod1", "Match2Sample"]
    data = mt.generate_multitask(subtasks, 3, 320, 20, 8, 0.3, rng)
    phases = multitask_phases(data["true_inputs"], data["response_start"], data["response_end"])
    expected = {"Delay": ["context", "stim1", "response"],
                "Memory": ["context", "stim1", "mem1", "response"],
                "React": ["context", "response"],
                "Decision": ["context", "stim1", "mem1", "stim2", "mem2", "response"],
                "Match": ["context", "stim1", "mem1", "response"]}
    for i, index in enumerate(data["subtask"]):
        trial = phases[i, : data["response_end"][i]]
        order = [mt.EPOCHS[p] for p in trial[np.r_[True, trial[1:] != trial[:-1]]]]
        assert order == expected[mt.family(mt.SUBTASKS[index])]
        assert (phases[i, data["response_end"][i]:] == -1).all()
        assert (trial[data["response_start"][i]:] == mt.EPOCHS.index("response")).all()
    conditions = multitask_conditions(data["true_inputs"], data["subtask"],
                                      data["response_start"], data["response_end"])
    memory = next(c for c in conditions if c["subtask"] == "MemoryAnti" and c["phase"] == "mem1")
    rule = np.zeros(mt.N_INPUTS)
    rule[0], rule[mt.RULE_OFFSET + mt.SUBTASKS.index("MemoryAnti")] = 1.0, 1.0
    np.testing.assert_allclose(memory["input"], rule, atol=1e-6)  # fixation + rule, no stimulus
    response = next(c for c in conditions if c["subtask"] == "MemoryAnti"
                    and c["phase"] == "response")
    assert response["input"][0] == 0.0  # fixation off in the response
    assert len(conditions) == 3 + 4 + 2 + 6 + 4
