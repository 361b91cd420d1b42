"""GPT-2 with RoPE: rotary embeddings are rotations, attention is causal, no weight tying."""

import math

import pytest
import torch

from taskdyn.models.gpt2_rope import GPT2RoPE, apply_rope
from taskdyn.studies.analogy.study import answer_logits

BASE = 100.0


@pytest.fixture
def gen():
    return torch.Generator().manual_seed(0)


def test_rope_on_a_plane_turns_by_the_position(gen):
    # head_dim 2 has one frequency, base^0 = 1: position p turns (1, 0) by p radians.
    x = torch.tensor([[1.0, 0.0]] * 4)
    positions = torch.tensor([0.0, 1.0, 2.5, -0.7])
    expected = torch.stack([positions.cos(), positions.sin()], dim=1)
    torch.testing.assert_close(apply_rope(x, positions, BASE), expected)


def test_rope_keeps_norms_and_position_zero_is_the_identity(gen):
    x = torch.randn(3, 7, 16, generator=gen)
    positions = torch.arange(7) * 3
    rotated = apply_rope(x, positions, BASE)
    torch.testing.assert_close(rotated.norm(dim=-1), x.norm(dim=-1))
    torch.testing.assert_close(rotated[:, 0], x[:, 0])
    assert not torch.allclose(rotated[:, 1:], x[:, 1:])


@pytest.mark.parametrize("shift", [1, 5, 37])
def test_rope_attention_scores_depend_only_on_relative_position(gen, shift):
    q, k = torch.randn(16, generator=gen), torch.randn(16, generator=gen)
    for m, n in [(0, 0), (3, 1), (2, 9)]:
        score = apply_rope(q, torch.tensor(m), BASE) @ apply_rope(k, torch.tensor(n), BASE)
        moved = (apply_rope(q, torch.tensor(m + shift), BASE)
                 @ apply_rope(k, torch.tensor(n + shift), BASE))
        torch.testing.assert_close(moved, score, atol=1e-5, rtol=1e-5)
    far = apply_rope(q, torch.tensor(3), BASE) @ apply_rope(k, torch.tensor(0), BASE)
    near = apply_rope(q, torch.tensor(1), BASE) @ apply_rope(k, torch.tensor(0), BASE)
    assert not torch.isclose(far, near)  # ... but do depend on it


def test_attention_is_causal_and_padding_never_reaches_the_answer(gen):
    torch.manual_seed(0)
    model = GPT2RoPE(30, d_model=16, n_layer=2, n_head=2).eval()
    tokens = torch.randint(0, 30, (4, 3), generator=gen)
    other = tokens.clone()
    other[:, 2] = (tokens[:, 2] + 1) % 30
    with torch.no_grad():
        a, b = model.residual(tokens), model.residual(other)
        torch.testing.assert_close(a[:, :2], b[:, :2])
        assert not torch.allclose(a[:, 2], b[:, 2])
        length = torch.full((4,), 2)
        torch.testing.assert_close(answer_logits(model, tokens, length),
                                   answer_logits(model, other, length))
        torch.testing.assert_close(model(tokens)[:, -1], model.unembed(a[:, -1]))


def test_parameter_count_matches_the_anchor_and_weights_are_untied():
    vocab, d = 10011, 128
    model = GPT2RoPE(vocab, d_model=d, n_layer=1, n_head=1)
    block = 2 * (2 * d) + (3 * d * d + 3 * d) + (d * d + d) + (4 * d * d + 4 * d) + (4 * d * d + d)
    expected = 2 * vocab * d + block + 2 * d
    assert sum(p.numel() for p in model.parameters()) == expected
    assert math.isclose(expected / 1e6, 2.76, abs_tol=0.01)  # the spec's "about 2.76 M"
    assert model.head.weight.data_ptr() != model.tok_emb.weight.data_ptr()
    assert model.head.bias is None


def test_heads_must_split_width_into_even_sizes():
    with pytest.raises(ValueError, match="even size"):
        GPT2RoPE(10, d_model=12, n_head=4)
