"""The functor's mechanism measures on constructed cases with known answers."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.spatial.distance import pdist
from scipy.stats import ortho_group, spearmanr

from taskdyn.models.gpt2_rope import GPT2RoPE
from taskdyn.studies.analogy.analysis.mechanism import (
    attention_chance,
    attention_to_source,
    half_rise_epoch,
    isometry,
    isometry_null,
    parallelism,
)
from taskdyn.studies.analogy.mechanism import (
    FUNCTOR_COLUMNS,
    mechanism_long,
    mechanism_onsets,
    mechanism_scores,
)

TOL = 1e-9


def test_attention_to_source_picks_query_key_and_averages_prompts():
    # (layer 1, prompt 2, head 2, query 2, key 2); query 1 -> key 0 is 0.8/0.3 (head 0/1)
    # in prompt 0 and 0.6/0.1 in prompt 1: means 0.7 and 0.2.
    patterns = np.zeros((1, 2, 2, 2, 2))
    patterns[..., 0, 0] = 1.0
    patterns[0, 0, :, 1] = [[0.8, 0.2], [0.3, 0.7]]
    patterns[0, 1, :, 1] = [[0.6, 0.4], [0.1, 0.9]]
    got = attention_to_source(patterns, query=np.array([1, 1]), key=np.array([0, 0]))
    np.testing.assert_allclose(got, [[0.7, 0.2]])
    # a query that attends only to itself gives 0 to the source
    np.testing.assert_allclose(attention_to_source(patterns, np.array([0, 0]),
                                                   np.array([0, 0])), [[1.0, 1.0]])
    with pytest.raises(ValueError, match="must be"):
        attention_to_source(patterns, np.array([1]), np.array([0]))


def test_parallelism_is_the_cosine_of_the_step_with_the_functor():
    rng = np.random.default_rng(0)
    source, functor = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    assert parallelism(source + 2.5 * functor, source, functor) == pytest.approx(np.ones(4))
    assert parallelism(source - 0.1 * functor, source, functor) == pytest.approx(-np.ones(4))
    orthogonal = np.array([[0.0, 1.0]])
    assert parallelism(orthogonal + 1.0, np.array([[1.0, 1.0]]), np.array([[3.0, 0.0]]))[0] \
        == pytest.approx(0.0, abs=TOL)
    # broadcasting: sources per (layer, head) against per-prompt targets and functors
    stacked = np.stack([source, source + functor])  # (2, prompt, feature)
    got = parallelism(source + functor, stacked, functor)
    assert got.shape == (2, 4) and got[0] == pytest.approx(np.ones(4))
    assert np.isnan(got[1]).all()  # zero step


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_isometry_is_one_for_rotated_scaled_images(seed):
    rng = np.random.default_rng(seed)
    e1 = rng.normal(size=(5, 8))
    rotation = ortho_group.rvs(8, random_state=seed)
    assert isometry(e1, 3.0 * e1 @ rotation) == pytest.approx(1.0, abs=TOL)
    # raw distances: still 1 under a rotation, a global scale and a shift
    assert isometry(e1, 3.0 * e1 @ rotation + 2.0, normalise=False) == pytest.approx(1.0,
                                                                                    abs=TOL)
    # normalised: per-entity positive scales do not matter
    scales = rng.uniform(0.5, 4.0, size=(5, 1))
    assert isometry(e1, scales * (e1 @ rotation)) == pytest.approx(1.0, abs=TOL)
    assert isometry(e1, rng.normal(size=(5, 8))) < 0.99
    for normalise in (True, False):  # the rank variant too
        assert isometry(e1, 3.0 * e1 @ rotation, normalise=normalise,
                        method="spearman") == pytest.approx(1.0, abs=TOL)


def test_spearman_isometry_is_the_rank_correlation_of_the_same_distances():
    rng = np.random.default_rng(3)
    e1, e2 = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    expected = spearmanr(pdist(e1), pdist(e2)).statistic
    assert isometry(e1, e2, normalise=False, method="spearman") == pytest.approx(expected)
    unit = [x / np.linalg.norm(x, axis=1, keepdims=True) for x in (e1, e2)]
    assert isometry(e1, e2, method="spearman") == pytest.approx(
        spearmanr(pdist(unit[0]), pdist(unit[1])).statistic)
    # images keep the order of the distances but not their ratios: on a line at 0, 1, 3
    # (distances 1, 3, 2) and at 0, 1, 10 (distances 1, 10, 9) the ranks agree, Pearson's r
    # is 9 / sqrt(2 · 146/3) < 1
    line, stretched = np.array([[0.0], [1.0], [3.0]]), np.array([[0.0], [1.0], [10.0]])
    assert isometry(line, stretched, normalise=False, method="spearman") == pytest.approx(1.0)
    assert isometry(line, stretched, normalise=False) == pytest.approx(9 / np.sqrt(2 * 146 / 3))
    # images at 0, 3, 1 (distances 3, 1, 2): the order of the distances reversed, ρ = −1
    assert isometry(line, np.array([[0.0], [3.0], [1.0]]), normalise=False,
                    method="spearman") == pytest.approx(-1.0)
    simplex = np.eye(4)
    assert math.isnan(isometry(simplex, rng.normal(size=(4, 4)), method="spearman"))
    with pytest.raises(ValueError, match="method"):
        isometry(e1, e2, method="kendall")


def test_isometry_by_hand_and_undefined_cases():
    # points on a line at 0, 1, 3: distances (1, 3, 2); images at 0, 2, 3: distances (2, 3, 1)
    e1 = np.array([[0.0], [1.0], [3.0]])
    e2 = np.array([[0.0], [2.0], [3.0]])
    # centred (-1, 1, 0) and (0, 1, -1): r = 1 / 2
    assert isometry(e1, e2, normalise=False) == pytest.approx(0.5)
    simplex = np.eye(4)  # all pairwise distances equal: the correlation is undefined
    assert math.isnan(isometry(simplex, np.random.default_rng(0).normal(size=(4, 4))))
    with pytest.raises(ValueError, match="at least 3"):
        isometry(np.eye(2), np.eye(2))


def test_half_rise_epoch():
    epochs = np.array([0, 10, 20, 30, 40])
    # 0.2 -> max 1.0: half-way is 0.6, first reached at epoch 20
    assert half_rise_epoch(epochs, np.array([0.2, 0.4, 0.7, 1.0, 0.9])) == 20
    assert half_rise_epoch(epochs[::-1], np.array([0.9, 1.0, 0.7, 0.4, 0.2])) == 20
    assert half_rise_epoch(epochs, np.array([0.2, 0.4, 0.7, 1.0, 0.9]), 1.0) == 30
    assert math.isnan(half_rise_epoch(epochs, np.array([1.0, 0.5, 0.4, 0.3, 0.2])))
    assert half_rise_epoch(epochs, np.array([np.nan, 0.0, 1.0, 1.0, 1.0])) == 20


@pytest.fixture
def model():
    torch.manual_seed(0)
    net = GPT2RoPE(12, d_model=8, n_layer=2, n_head=2)
    for parameter in net.parameters():
        torch.nn.init.normal_(parameter, std=0.5)
    return net


def test_attention_weights_are_what_forward_applies(model):
    attn, x = model.blocks[0].attn, torch.randn(3, 4, 8)
    pattern = attn.attention_weights(x)
    assert pattern.shape == (3, 2, 4, 4)
    torch.testing.assert_close(pattern.sum(-1), torch.ones(3, 2, 4))
    assert (pattern.triu(1) == 0).all()
    v = attn.qkv(x)[..., 16:].view(3, 4, 2, 4).transpose(1, 2)
    mixed = (pattern @ v).transpose(1, 2).reshape(3, 4, 8)
    torch.testing.assert_close(attn.out(mixed), attn(x))
    assert model.attention_patterns(torch.tensor([[1, 2, 3]])).shape == (2, 1, 2, 3, 3)


def test_ov_outputs_sum_to_the_first_positions_attention_output(model):
    # position 0 attends only to itself, so with zero biases attn(x)[:, 0] = Σ_h W_O^h W_V^h x_0
    attn, x = model.blocks[0].attn, torch.randn(3, 4, 8)
    torch.nn.init.zeros_(attn.qkv.bias)
    torch.nn.init.zeros_(attn.out.bias)
    heads = attn.ov_outputs(x[:, 0])
    assert heads.shape == (2, 3, 8)
    torch.testing.assert_close(heads.sum(0), attn(x)[:, 0])


def _prompts():
    # sources 0, 1, 2 (E1), functor token 10, targets 3, 4, 5 (E2); prompts 0-1 ID, 2 held-out
    return {"tokens": np.array([[0, 10], [1, 10], [2, 10]]), "length": np.array([2, 2, 2]),
            "target": np.array([3, 4, 5]), "fact_type": np.array([5, 5, 6])}


def test_mechanism_scores_on_a_constructed_model(model):
    functor = np.array([[0, 3], [1, 4], [2, 5]])
    with torch.no_grad():
        for block in model.blocks:  # zero queries and keys: uniform attention over (e, <f>)
            block.attn.qkv.weight[:16] = 0.0
            block.attn.qkv.bias[:16] = 0.0
        emb, rotation = model.tok_emb.weight, torch.as_tensor(ortho_group.rvs(8, random_state=1))
        emb[3:6] = 2.0 * emb[0:3] @ rotation.float()  # E2 = rotated, scaled E1: isometry 1
        # unembedding of each target = the source's embedding + 3 × the functor's: parallelogram 1
        model.head.weight[3:6] = emb[0:3] + 3.0 * emb[10]
    scores = mechanism_scores(model, _prompts(), functor)
    for split in ("id_analogical", "ood_analogical"):
        for layer in (0, 1):
            for head in (0, 1):
                key = f"mechanism/{split}/attention_to_source/{layer}/{head}"
                assert scores[key] == pytest.approx(0.5)
        assert scores[f"mechanism/{split}/parallelogram"] == pytest.approx(1.0, abs=1e-6)
    assert scores["mechanism/functor/isometry"] == pytest.approx(1.0, abs=1e-6)
    assert scores["mechanism/functor/isometry_spearman"] == pytest.approx(1.0, abs=1e-6)
    # parallelism of layer 1, head 0: unembedding of each target = its OV output + 0.5 x_<f>
    with torch.no_grad():
        block = model.blocks[1]
        h = block.attn.ov_outputs(block.ln_1(model.tok_emb.weight[0:3]))[0]
        model.head.weight[3:6] = h + 0.5 * model.tok_emb.weight[10]
    scores = mechanism_scores(model, _prompts(), functor)
    assert scores["mechanism/id_analogical/parallelism_ov/1/0"] == pytest.approx(1.0, abs=1e-6)
    assert scores["mechanism/ood_analogical/parallelism_ov/1/0"] == pytest.approx(1.0, abs=1e-6)
    assert scores["mechanism/id_analogical/parallelism_ov/0/0"] < 0.999


def test_mechanism_long_and_onsets():
    epochs = np.arange(0, 50, 10)
    attention = [0.5, 0.6, 0.9, 1.0, 1.0]  # half-rise (0.75) at 20
    history = pd.DataFrame({
        "epoch": epochs, "val_ood_analogical_accuracy": [0, 0, 0, 1, 1],
        "mechanism/ood_analogical/attention_to_source/0/0": attention,
        "mechanism/ood_analogical/attention_to_source/0/1": [0.5, 0.5, 0.4, 0.3, 0.2],
        "mechanism/ood_analogical/parallelism_ov/0/0": [0.0, 0.0, 0.1, 0.6, 1.0],
        "mechanism/ood_analogical/parallelism_ov/0/1": [0.0, 1.0, 1.0, 1.0, 1.0],
        "mechanism/id_analogical/parallelogram": [0.0, 1.0, 1.0, 1.0, 1.0],
        "mechanism/ood_analogical/parallelogram": [0.0, 0.0, 0.0, 1.0, 1.0],
        "mechanism/functor/isometry": [0.2, 0.2, np.nan, 0.2, 0.2],
        "mechanism/functor/isometry_spearman": [0.0, 0.2, 0.4, 0.8, 1.0]})  # half-rise at 30
    long = mechanism_long(history)
    assert len(long) == 5 * 8 - 1 and set(long["split"]) == {"id_analogical", "ood_analogical",
                                                             "functor"}
    row = long[(long["metric"] == "attention_to_source") & (long["head"] == 1)]
    assert list(row["value"]) == [0.5, 0.5, 0.4, 0.3, 0.2] and (row["layer"] == 0).all()
    assert long.loc[long["metric"] == "isometry", "layer"].isna().all()
    onsets = mechanism_onsets(long.assign(task="kg", model="gpt", seed=0), 0.5).iloc[0]
    assert onsets["attention_to_source_onset_epoch"] == 20  # head 0 attends most at the end
    assert onsets["parallelism_ov_onset_epoch"] == 30  # head 0's, not head 1's (epoch 10)
    assert onsets["parallelogram_onset_epoch"] == 30  # the held-out prompts'
    assert math.isnan(onsets["isometry_onset_epoch"])  # flat
    assert onsets["isometry_spearman_onset_epoch"] == 30
    assert long.loc[long["metric"] == "isometry_spearman", "head"].isna().all()


def test_history_without_the_spearman_isometry_is_refused_by_name():
    assert FUNCTOR_COLUMNS == ("mechanism/functor/isometry",
                               "mechanism/functor/isometry_spearman")
    old = pd.DataFrame({"epoch": [0, 10], "mechanism/functor/isometry": [0.1, 0.5]})
    with pytest.raises(ValueError, match=r"seed0\.csv lacks the mechanism columns "
                                         r"\['mechanism/functor/isometry_spearman'\].*retrain"):
        mechanism_long(old, "seed0.csv")


def test_attention_chance_is_one_over_the_attended_tokens():
    assert attention_chance(np.array([2, 2, 2])) == 0.5  # (e, <f>): the query sees 2 tokens
    assert attention_chance(np.array([2, 4])) == pytest.approx((0.5 + 0.25) / 2)
    with pytest.raises(ValueError, match="at least one token"):
        attention_chance(np.array([], dtype=int))


def test_isometry_null_interval_brackets_chance_and_not_a_true_isometry():
    rng = np.random.default_rng(3)
    e1 = rng.normal(size=(12, 6))
    rotation, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    e2 = 2.0 * e1 @ rotation  # an exact isometry: r = 1, far outside the null
    for method in ("pearson", "spearman"):
        low, high = isometry_null(e1, e2, method=method, normalise=False)
        assert -1 < low < 0 < high < 0.6
        assert isometry(e1, e2, normalise=False, method=method) > high
    # the null is seeded: the same interval twice, a different one under another seed
    assert isometry_null(e1, e2) == isometry_null(e1, e2)
    assert isometry_null(e1, e2) != isometry_null(e1, e2, seed=1)
    assert all(np.isnan(v) for v in isometry_null(e1[:2], e2[:2]))
