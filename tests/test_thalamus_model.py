"""The synthetic-thalamus gate and the QA readers: shapes, top-k choice, gradients, padding."""

import pytest
import torch

from taskdyn.models.thalamus import (LSTMReader, SyntheticThalamus, ThalamusReader,
                                     attention_bias, build_qa_model, by_sentence, reverse_valid,
                                     rule_selection, select_top_k, sentence_means,
                                     story_then_question, story_uniform)

ATTRS = {"vocab_size": 12, "n_answers": 4, "n_tasks": 2, "max_story_tokens": 9}


def _batch(seed=0):
    gen = torch.Generator().manual_seed(seed)
    story = torch.randint(1, 12, (3, 9), generator=gen)
    length = torch.tensor([9, 5, 2])
    story[1, 5:] = 0
    story[2, 2:] = 0
    question = torch.tensor([[3, 4, 0], [5, 0, 0], [6, 7, 8]])
    sentence = torch.where(story != 0, torch.arange(9) // 3, -1)
    return story, length, question, torch.tensor([0, 1, 1]), sentence


def test_top_k_keeps_the_highest_scores_in_story_order_and_never_padding():
    scores = torch.tensor([[0.1, 0.9, 0.3, 0.8, 0.5], [2.0, 1.0, 3.0, 0.0, 9.0]])
    valid = torch.tensor([[True] * 5, [True, True, True, False, False]])
    sel = select_top_k(scores, valid, 2)
    assert sel.indices.tolist() == [[1, 3], [0, 2]]
    assert sel.mask.tolist() == [[False, True, False, True, False],
                                 [True, False, True, False, False]]
    assert torch.allclose(sel.weights, torch.ones(2, 2))  # straight-through: 1 forward
    short = select_top_k(scores[1:], valid[1:], 4)  # more slots than valid tokens
    assert short.valid.tolist() == [[True, True, True, False]]
    assert short.mask.sum() == 3


def test_gradients_reach_the_scores_through_the_hard_selection():
    scores = torch.tensor([[0.1, 0.9, 0.3, 0.8]], requires_grad=True)
    values = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    sel = select_top_k(scores, torch.ones(1, 4, dtype=torch.bool), 2)
    (values.gather(1, sel.indices) * sel.weights).sum().backward()
    assert scores.grad is not None and scores.grad.abs().sum() > 0
    assert (scores.grad != 0).all()  # dropped tokens' scores get a signal too


def test_gumbel_selection_is_random_in_training_only():
    scores, valid = torch.zeros(1, 50), torch.ones(1, 50, dtype=torch.bool)
    picks = {tuple(select_top_k(scores, valid, 3, gumbel=True).indices[0].tolist())
             for _ in range(5)}
    assert len(picks) > 1
    gate = SyntheticThalamus(8, 2, task_dim=4, n_heads=2, k=3, tau=1.0, selection="gumbel")
    gate.eval()
    tokens, question = torch.randn(1, 6, 8), torch.randn(1, 2, 8)
    runs = [gate(tokens, torch.ones(1, 6, dtype=torch.bool), question,
                 torch.ones(1, 2, dtype=torch.bool))[1].indices for _ in range(3)]
    assert all(torch.equal(runs[0], r) for r in runs)


def test_gate_output_shapes_and_scores_differ_per_token():
    torch.manual_seed(0)
    gate = SyntheticThalamus(8, 2, task_dim=4, n_heads=2, k=3, tau=1.0,
                             selection="straight_through")
    tokens, question = torch.randn(2, 7, 8), torch.randn(2, 4, 8)
    salience, sel = gate(tokens, torch.ones(2, 7, dtype=torch.bool), question,
                         torch.ones(2, 4, dtype=torch.bool))
    assert salience.shape == (2, 7) and sel.indices.shape == (2, 3) and sel.mask.shape == (2, 7)
    assert salience.std(dim=1).min() > 1e-4  # not one score for all (the seed notebook's bug)
    assert torch.equal(sel.indices, salience.topk(3, dim=1).indices.sort(dim=1).values)


def test_reader_gradients_reach_the_scorer_and_outputs_have_layout_shapes():
    torch.manual_seed(0)
    model = build_qa_model({"type": "thalamus", "k": 3, "hidden_size": 8, "embed_size": 8,
                            "n_heads": 2, "workspace_size": 16, "phase_dim": 4}, ATTRS)
    story, length, question, task, sentence = _batch()
    out = model(story, length, question, task, sentence)
    assert out.logits.shape == (3, 4) and out.token_states.shape == (3, 9, 16)
    assert out.phase.shape == (3, 9, 4) and out.phase.abs().max() <= 1
    assert out.selected.sum(1).tolist() == [3, 3, 2]
    assert not out.selected[story == 0].any()
    torch.nn.functional.cross_entropy(out.logits, torch.tensor([0, 1, 2])).backward()
    for param in (model.thalamus.scorer.in_proj_weight, model.thalamus.score_head[0].weight,
                  model.thalamus.task_embedding.weight):
        assert param.grad is not None and param.grad.abs().sum() > 0


@pytest.mark.parametrize("cfg", [{"type": "thalamus", "gate": "none"}, {"type": "lstm"}])
def test_baselines_keep_every_token(cfg):
    model = build_qa_model({**cfg, "hidden_size": 8, "embed_size": 8}, ATTRS)
    story, length, question, task, sentence = _batch()
    out = model(story, length, question, task, sentence)
    assert out.logits.shape == (3, 4) and torch.equal(out.selected, story != 0)
    assert out.salience is None
    assert isinstance(model, ThalamusReader if cfg["type"] == "thalamus" else LSTMReader)


def test_padding_never_changes_valid_states_or_answers():
    torch.manual_seed(0)
    story, length, question, task, sentence = _batch()
    longer = torch.cat([story, torch.zeros(3, 4, dtype=torch.long)], 1)
    longer_sentence = torch.cat([sentence, torch.full((3, 4), -1)], 1)
    for model in (ThalamusReader(12, 4, 2, 13, k=3, hidden_size=8, embed_size=8, n_heads=2,
                                 workspace_size=16), LSTMReader(12, 4, hidden_size=8)):
        model.eval()
        a = model(story, length, question, task, sentence)
        b = model(longer, length, question, task, longer_sentence)
        assert torch.allclose(a.logits, b.logits, atol=1e-5)
        assert torch.allclose(a.token_states, b.token_states[:, :9], atol=1e-5)


def test_workspace_bias_is_zero_for_uniform_salience_and_hides_padding():
    valid = torch.tensor([[True, True, False]])
    assert attention_bias(torch.zeros(1, 3), valid).tolist() == [[0.0, 0.0, 0.0, float("-inf")]]
    skewed = attention_bias(torch.tensor([[2.0, 0.0, 5.0]]), valid)[0]
    assert torch.allclose(skewed[1:3], torch.log(2 * torch.softmax(torch.tensor([2.0, 0.0]), 0)))


def test_train_and_eval_modes_agree_without_dropout():
    torch.manual_seed(0)
    model = ThalamusReader(12, 4, 2, 9, k=3, hidden_size=8, embed_size=8, n_heads=2,
                           workspace_size=16, workspace_layers=2)
    batch = _batch()
    train = model(*batch).logits
    model.eval()
    with torch.no_grad():
        assert torch.allclose(train, model(*batch).logits, atol=1e-5)


def test_by_sentence_regroups_tokens_and_indexes_them_back():
    x = torch.arange(1.0, 9.0).view(1, 8, 1)
    sentence = torch.tensor([[0, 0, 0, 1, 1, 2, -1, -1]])
    grouped, lengths, flat = by_sentence(x, sentence)
    assert grouped[..., 0].tolist() == [[1, 2, 3], [4, 5, 0], [6, 0, 0]]
    assert lengths.tolist() == [3, 2, 1]
    assert grouped.reshape(-1, 1)[flat][0, :6, 0].tolist() == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("scope", ["sentence", "story"])
def test_sentence_scope_keeps_each_token_blind_to_other_sentences(scope):
    torch.manual_seed(0)
    model = ThalamusReader(12, 4, 2, 9, k=3, hidden_size=8, embed_size=8, n_heads=2,
                           workspace_size=16, encoder_scope=scope)
    story, length, question, task, sentence = _batch()
    edited = story.clone()
    edited[0, 0] = 11 if story[0, 0] != 11 else 10  # change a word of sentence 0
    a = model(story, length, question, task, sentence).token_states[0]
    b = model(edited, length, question, task, sentence).token_states[0]
    later_unchanged = torch.allclose(a[3:], b[3:], atol=1e-6)
    assert later_unchanged == (scope == "sentence") and not torch.allclose(a[:3], b[:3])


def test_sentence_means_average_within_each_sentence_only():
    x = torch.tensor([[[1.0], [3.0], [10.0], [7.0]]])
    means = sentence_means(x, torch.tensor([[0, 0, 1, -1]]))
    assert means[0, :3, 0].tolist() == [2.0, 2.0, 10.0]


def test_reverse_valid_and_story_then_question_on_known_arrays():
    x = torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0]]).unsqueeze(-1)
    assert reverse_valid(x, torch.tensor([3, 2]))[..., 0].tolist() == [[3, 2, 1, 0], [5, 4, 0, 0]]
    story, question = torch.tensor([[1, 2, 0], [3, 0, 0]]), torch.tensor([[7, 8], [9, 0]])
    joined = story_then_question(story, torch.tensor([2, 1]), question)
    assert joined.tolist() == [[1, 2, 7, 8, 0], [3, 9, 0, 0, 0]]


SMALL = {"hidden_size": 8, "embed_size": 8, "n_heads": 2, "workspace_size": 16, "phase_dim": 4}


def _supporting(sentence):
    """Sentence 1 supports every story of `_batch` (story 2 has no sentence 1: no support)."""
    return (sentence == 1).to(torch.int8)


def test_last_k_keeps_exactly_the_final_k_valid_tokens_of_padded_stories():
    story, *_ = _batch()
    sel = rule_selection("last_k", 3, story, story != 0, None, seed=0, fresh=False)
    assert sel.mask.nonzero()[:, 1].view(-1, 1).tolist() == [[6], [7], [8], [2], [3], [4],
                                                             [0], [1]]
    assert sel.valid.tolist() == [[True] * 3, [True] * 3, [True, True, False]]
    assert sel.weights.tolist() == sel.valid.float().tolist()


def test_oracle_keeps_exactly_the_supporting_tokens_up_to_k():
    story, *_, sentence = _batch()
    supporting = _supporting(sentence)
    sel = rule_selection("oracle", 8, story, story != 0, supporting, seed=0, fresh=False)
    assert torch.equal(sel.mask, supporting.bool())  # stories 0, 1: tokens 3-5; story 2: none
    latest = rule_selection("oracle", 2, story, story != 0, supporting, seed=0, fresh=False)
    assert latest.mask[0].nonzero().flatten().tolist() == [4, 5]
    with pytest.raises(ValueError, match="supporting-fact mask"):
        rule_selection("oracle", 2, story, story != 0, None, seed=0, fresh=False)


def test_random_k_is_reproducible_per_seed_and_never_picks_padding():
    story, *_ = _batch()
    valid = story != 0
    picks = [rule_selection("random_k", 2, story, valid, None, seed=s, fresh=False).mask
             for s in (0, 0, 1)]
    assert torch.equal(picks[0], picks[1])
    draws = torch.stack([rule_selection("random_k", 2, story, valid, None, seed=s,
                                        fresh=False).mask for s in range(20)])
    assert not draws[:, ~valid].any() and (draws.sum(2) == 2).all()
    assert len({tuple(d[0].nonzero().flatten().tolist()) for d in draws}) > 5  # seeds differ
    padded = torch.cat([story, torch.zeros(3, 5, dtype=torch.long)], 1)
    assert torch.equal(story_uniform(padded, 3)[:, :9], story_uniform(story, 3))
    fresh = {tuple(rule_selection("random_k", 2, story, valid, None, seed=0,
                                  fresh=True).indices[0].tolist()) for _ in range(10)}
    assert len(fresh) > 1  # training draws anew


def test_story_uniform_is_roughly_uniform_and_story_specific():
    story = torch.randint(1, 30, (400, 20), generator=torch.Generator().manual_seed(0))
    u = story_uniform(story, 0)
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean().item() - 0.5) < 0.02
    assert torch.histc(u, 10, 0, 1).min() > 0.08 * u.numel()
    assert not torch.equal(u[0], u[1])


@pytest.mark.parametrize("gate", ["last_k", "random_k", "oracle"])
def test_rule_gates_train_the_same_readout_and_keep_at_most_k_tokens(gate):
    torch.manual_seed(0)
    model = build_qa_model({"type": "thalamus", "gate": gate, "k": 2, **SMALL}, ATTRS)
    story, length, question, task, sentence = _batch()
    supporting = _supporting(sentence)
    out = model(story, length, question, task, sentence, supporting)
    assert out.salience is None and torch.isfinite(out.logits).all()
    assert (out.selected.sum(1) <= 2).all() and not out.selected[story == 0].any()
    if gate == "oracle":
        assert out.selected.sum(1).tolist() == [2, 2, 0]  # story 2 has no supporting token
        assert not out.selected[~supporting.bool()].any()
    torch.nn.functional.cross_entropy(out.logits, torch.tensor([0, 1, 2])).backward()
    assert model.answer[1].weight.grad.abs().sum() > 0
    assert model.to_workspace.weight.grad.abs().sum() > 0
    assert model.thalamus.score_head[0].weight.grad is None  # no learned scores
    kept = {n: p.shape for n, p in model.named_parameters()}
    learned = build_qa_model({"type": "thalamus", "k": 2, **SMALL}, ATTRS)
    assert kept == {n: p.shape for n, p in learned.named_parameters()}  # same modules
