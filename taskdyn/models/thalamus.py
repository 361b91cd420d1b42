"""Question-answering readers for bAbI: the synthetic-thalamus gate and its two baselines.

`ThalamusReader` embeds story and question tokens, encodes each with a BiLSTM (each story token
also gets the mean embedding of its sentence, so it knows its sentence's actor and place), adds
a projected task embedding to every story token, and lets a `SyntheticThalamus` keep the `k`
story tokens that a multi-head scorer rates most relevant *to the question*: each story token
attends over the question tokens (not a pooled question vector, which would give every token
the same score) and a learned head turns token and attended question into a salience. Hard
top-k selection stays differentiable for the scorer through a straight-through estimator
(optionally with Gumbel noise), and the workspace's attention to each kept token is biased by
its share of the kept salience; recency features let the scorer and the workspace prefer later
sentences. By default the story BiLSTM reads each sentence alone, so a token carries nothing
from sentences the gate dropped. Content-derived phase tags are appended to the kept tokens,
which a Transformer workspace reads beside a question token; the answer comes from that token.
`gate="none"` keeps every token (the no-gate baseline). The rule gates `last_k` (the last k
story tokens), `random_k` (k tokens drawn uniformly per story: fresh draws in training, a fixed
draw per story and `gate_seed` at evaluation) and `oracle` (the supporting sentences' tokens, the
latest k of them) keep k tokens by a fixed rule and feed the same workspace and readout, which
still learn; they differ from the learned gate only in which tokens are kept. `LSTMReader` is the
plain LSTM reader of Weston et al. (2015): one LSTM reads the story, then the question.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

GATES = ("topk", "none", "last_k", "random_k", "oracle")
RULE_GATES = ("last_k", "random_k", "oracle")  # fixed selection rules: no learned scores
_HASH_MASK = 0x7FFFFFFF  # 31-bit hash values: their products with 30-bit factors fit int64
SCOPES = ("sentence", "story")
SELECTIONS = ("straight_through", "gumbel")
RECENCY_PERIODS = torch.tensor([4.0, 8.0, 16.0, 32.0, 64.0])
RECENCY_FEATURES = 1 + 2 * len(RECENCY_PERIODS)


class QAOutput(NamedTuple):
    """A reader's answer logits and per-story-token internals."""

    logits: torch.Tensor  # [batch, answer]
    token_states: torch.Tensor  # [batch, token, unit]
    selected: torch.Tensor  # [batch, token] bool: tokens that reach the answer
    salience: torch.Tensor | None = None  # [batch, token] (gated readers)
    phase: torch.Tensor | None = None  # [batch, token, phase] (thalamus readers)


class Selection(NamedTuple):
    """Top-k gate decision: kept indices (story order), validity, straight-through weights."""

    indices: torch.Tensor  # [batch, k] positions in the story
    valid: torch.Tensor  # [batch, k] False where the story has fewer than k tokens
    weights: torch.Tensor  # [batch, k] 1 in the forward pass, carries d(soft mask) backwards
    mask: torch.Tensor  # [batch, token] bool


def select_top_k(scores: torch.Tensor, valid: torch.Tensor, k: int, *, tau: float = 1.0,
                 gumbel: bool = False) -> Selection:
    """Keep the `k` highest-scoring valid tokens, differentiably for `scores`.

    The forward pass is the hard top-k; gradients flow through `k * softmax(scores / tau)`
    (straight-through). With `gumbel`, Gumbel noise perturbs the scores first (Gumbel-top-k
    sampling: exploration during training).
    """
    scores = scores.masked_fill(~valid, float("-inf"))
    if gumbel:
        uniform = torch.rand_like(scores).clamp(1e-9, 1 - 1e-9)
        scores = scores - tau * torch.log(-torch.log(uniform))
    k = min(k, scores.shape[1])
    indices = scores.topk(k, dim=1).indices.sort(dim=1).values
    soft = k * torch.softmax(scores / tau, dim=1)
    hard = torch.zeros_like(soft).scatter(1, indices, 1.0) * valid
    straight = hard + soft - soft.detach()
    kept_valid = valid.gather(1, indices)
    return Selection(indices, kept_valid, straight.gather(1, indices), hard.bool())


def last_k_scores(valid: torch.Tensor) -> torch.Tensor:
    """[batch, token] scores that rise with position: top-k keeps the last k valid tokens."""
    return torch.arange(valid.shape[1], device=valid.device).float().expand(valid.shape)


def _mix(x: torch.Tensor) -> torch.Tensor:
    """An integer hash of 31-bit int64 values (xor-shift-multiply rounds; products fit int64)."""
    for _ in range(2):
        x = x ^ (x >> 15)
        x = (x * 0x2C1B3C6D) & _HASH_MASK
        x = x ^ (x >> 12)
        x = (x * 0x297A2D39) & _HASH_MASK
    return x


def story_uniform(story: torch.Tensor, seed: int) -> torch.Tensor:
    """[batch, token] values in [0, 1) fixed by each story's words and `seed`.

    A hash, not a generator: the same story gets the same values in any batch, at any padding
    length, so a random gate's evaluation draw is reproducible.
    """
    position = torch.arange(story.shape[1], device=story.device)
    words = _mix((story * 4099 + position) & _HASH_MASK) * (story != 0)
    key = _mix(words.sum(1, keepdim=True) & _HASH_MASK)
    salt = _mix((position + 65537 * (seed + 1)) & _HASH_MASK)
    return _mix(key ^ salt).double().div(_HASH_MASK + 1).float()


def rule_selection(gate: str, k: int, story: torch.Tensor, valid: torch.Tensor,
                   supporting: torch.Tensor | None, *, seed: int, fresh: bool) -> Selection:
    """The k tokens a rule gate keeps (`RULE_GATES`), with weights 1 on kept slots.

    `last_k`: the last k valid tokens; `random_k`: k valid tokens uniformly, drawn anew when
    `fresh` (training) else fixed by `story_uniform`; `oracle`: the latest k tokens of the
    supporting sentences (`supporting` [batch, token]), nothing else.
    """
    if gate == "last_k":
        scores = last_k_scores(valid)
    elif gate == "random_k":
        scores = torch.rand(valid.shape, device=valid.device) if fresh \
            else story_uniform(story, seed)
    elif gate == "oracle":
        if supporting is None:
            raise ValueError("the oracle gate needs the supporting-fact mask (`supporting`)")
        valid, scores = valid & supporting.bool(), last_k_scores(valid)
    else:
        raise ValueError(f"{gate!r} is not a rule gate; rule gates: {RULE_GATES}")
    selection = select_top_k(scores, valid, k)
    return selection._replace(weights=selection.valid.float())


def recency_features(lengths: torch.Tensor, n_tokens: int, scale: int) -> torch.Tensor:
    """[batch, token, feature]: distance d from the last token, as d / scale and sinusoids of d.

    A linear map of these makes "prefer the most recent matching token" easy to learn.
    """
    position = torch.arange(n_tokens, device=lengths.device)
    distance = (lengths.unsqueeze(1) - 1 - position).clamp(min=0).float().unsqueeze(-1)
    angles = distance * (2 * torch.pi / RECENCY_PERIODS.to(lengths.device))
    return torch.cat([distance / scale, torch.sin(angles), torch.cos(angles)], -1)


def sentence_means(x: torch.Tensor, sentence: torch.Tensor) -> torch.Tensor:
    """Each token's mean of `x` over the tokens of its sentence (`sentence` ids, -1 = padding)."""
    n_slots = int(sentence.max()) + 2  # slot 0 collects padding
    slot = (sentence + 1) + n_slots * torch.arange(len(x), device=x.device).unsqueeze(1)
    flat, width = slot.reshape(-1), x.shape[-1]
    sums = x.new_zeros(len(x) * n_slots, width).index_add_(0, flat, x.reshape(-1, width))
    counts = x.new_zeros(len(x) * n_slots).index_add_(0, flat, x.new_ones(flat.shape))
    means = (sums / counts.clamp(min=1).unsqueeze(1))[slot]
    return means * (sentence >= 0).unsqueeze(-1)


def _gather_tokens(x: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
    return x.gather(1, indices.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


class PhaseTagger(nn.Module):
    """Phase tags in [-1, 1] from each token's content: tanh(s · MLP(token)), s learned."""

    def __init__(self, d_token: int, phase_dim: int, hidden: int = 64):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(d_token, hidden), nn.LayerNorm(hidden), nn.GELU(),
                                 nn.Linear(hidden, phase_dim))
        self.diversity = nn.Parameter(torch.ones(()))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.mlp(tokens) * self.diversity)


class SyntheticThalamus(nn.Module):
    """Task-conditioned salience of story tokens against the question, with hard top-k gating."""

    def __init__(self, d_token: int, n_tasks: int, *, task_dim: int, n_heads: int, k: int,
                 tau: float, selection: str):
        super().__init__()
        if selection not in SELECTIONS:
            raise ValueError(f"selection must be one of {SELECTIONS}, got {selection!r}")
        self.k, self.tau, self.selection = k, tau, selection
        self.task_embedding = nn.Embedding(n_tasks, task_dim)
        self.task_projection = nn.Linear(task_dim, d_token)
        self.scorer = nn.MultiheadAttention(d_token, n_heads, batch_first=True)
        self.score_head = nn.Sequential(nn.Linear(3 * d_token, d_token), nn.Tanh(),
                                        nn.Linear(d_token, 1))

    def condition(self, tokens: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        """Story tokens plus the projected task embedding (the same vector for every token)."""
        return tokens + self.task_projection(self.task_embedding(task)).unsqueeze(1)

    def salience(self, tokens: torch.Tensor, question: torch.Tensor,
                 question_valid: torch.Tensor) -> torch.Tensor:
        """[batch, token] scores: each story token attends over the question tokens."""
        attended, _ = self.scorer(tokens, question, question, key_padding_mask=~question_valid,
                                  need_weights=False)
        return self.score_head(torch.cat([tokens, attended, tokens * attended], -1)).squeeze(-1)

    def forward(self, tokens: torch.Tensor, valid: torch.Tensor, question: torch.Tensor,
                question_valid: torch.Tensor) -> tuple[torch.Tensor, Selection]:
        """(salience [batch, token], top-k selection) of task-conditioned `tokens`."""
        scores = self.salience(tokens, question, question_valid)
        gumbel = self.selection == "gumbel" and self.training
        return scores, select_top_k(scores, valid, self.k, tau=self.tau, gumbel=gumbel)


def reverse_valid(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each sequence's first `lengths[i]` steps in place of packing; padding stays put."""
    position = torch.arange(x.shape[1], device=x.device).expand(x.shape[0], -1)
    index = torch.where(position < lengths.unsqueeze(1), lengths.unsqueeze(1) - 1 - position,
                        position)
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


class _Encoder(nn.Module):
    """A BiLSTM over right-padded sequences: per-token states [batch, token, 2 * hidden].

    The backward LSTM reads each sequence reversed within its length, so neither direction
    reads padding before a valid token (as packing would ensure, at a fraction of the cost).
    """

    def __init__(self, embed_size: int, hidden_size: int):
        super().__init__()
        self.forward_lstm = nn.LSTM(embed_size, hidden_size, batch_first=True)
        self.backward_lstm = nn.LSTM(embed_size, hidden_size, batch_first=True)

    def forward(self, embedded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        ahead = self.forward_lstm(embedded)[0]
        behind = reverse_valid(self.backward_lstm(reverse_valid(embedded, lengths))[0], lengths)
        return torch.cat([ahead, behind], -1)


def by_sentence(x: torch.Tensor, sentence: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor,
                                                                  torch.Tensor]:
    """Regroup tokens `[batch, token, ·]` into sentences `[batch * sentence, position, ·]`.

    Returns the regrouped tensor, each sentence's length and each token's flat index into
    `[batch * sentence * position]` (padding tokens point at slot 0 and must be masked).
    """
    batch, n_tokens = sentence.shape
    token = torch.arange(n_tokens, device=x.device).expand(batch, -1)
    starts = torch.ones_like(sentence, dtype=torch.bool)
    starts[:, 1:] = sentence[:, 1:] != sentence[:, :-1]
    position = token - torch.cummax(torch.where(starts, token, 0), dim=1).values
    n_sentences, width = int(sentence.max()) + 1, int(position.max()) + 1
    valid = sentence >= 0
    flat = (torch.arange(batch, device=x.device).unsqueeze(1) * n_sentences
            + sentence.clamp(min=0)) * width + position
    flat = torch.where(valid, flat, 0)
    grouped = x.new_zeros(batch * n_sentences * width, x.shape[-1])
    grouped[flat[valid]] = x[valid]
    lengths = torch.zeros(batch * n_sentences * width, dtype=torch.long, device=x.device)
    lengths[flat[valid]] = 1
    lengths = lengths.view(batch * n_sentences, width).sum(1)
    return grouped.view(batch * n_sentences, width, -1), lengths, flat


def attention_bias(salience: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Additive workspace attention bias per key `[batch, 1 + item]`.

    Item j gets log(n_items * its share of the items' salience): zero when salience is uniform,
    so the scorer also learns which kept tokens helped; -inf hides padding; the question token
    (key 0) gets 0, so a question with no kept item still reads the question token.
    """
    log_share = torch.log_softmax(salience.masked_fill(~valid, float("-inf")), dim=1)
    log_share = log_share + torch.log(valid.sum(1, keepdim=True).clamp(min=1))
    log_share = log_share.masked_fill(~valid, float("-inf"))  # no item kept: not NaN
    return torch.cat([torch.zeros_like(log_share[:, :1]), log_share], 1)


class WorkspaceLayer(nn.Module):
    """A pre-LayerNorm Transformer layer whose self-attention adds a bias to each key's logit."""

    def __init__(self, width: int, heads: int, dropout: float):
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.attention_norm, self.ff_norm = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.out = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.ff = nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(),
                                nn.Linear(2 * width, width), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor, key_bias: torch.Tensor) -> torch.Tensor:
        """`x` [batch, item, width]; `key_bias` [batch, item] (-inf: never attended)."""
        batch, n, width = x.shape
        q, k, v = (self.qkv(self.attention_norm(x)).view(batch, n, 3, self.heads, -1)
                   .permute(2, 0, 3, 1, 4))
        attended = F.scaled_dot_product_attention(
            q, k, v, attn_mask=key_bias[:, None, None, :].to(q.dtype),
            dropout_p=self.dropout if self.training else 0.0)
        x = x + self.out(attended.transpose(1, 2).reshape(batch, n, width))
        return x + self.ff(self.ff_norm(x))


class ThalamusReader(nn.Module):
    """BiLSTM encoders → synthetic thalamus (or no gate) → phase tags → workspace → answer."""

    def __init__(self, vocab_size: int, n_answers: int, n_tasks: int, max_story_tokens: int, *,
                 gate: str = "topk", k: int = 8, selection: str = "straight_through",
                 tau: float = 1.0, embed_size: int = 32, hidden_size: int = 32,
                 task_dim: int = 16, n_heads: int = 4, phase_dim: int = 8,
                 workspace_size: int = 64, workspace_layers: int = 1, workspace_heads: int = 4,
                 dropout: float = 0.0, encoder_scope: str = "sentence", gate_seed: int = 0):
        super().__init__()
        if gate not in GATES:
            raise ValueError(f"gate must be one of {GATES}, got {gate!r}")
        if encoder_scope not in SCOPES:
            raise ValueError(f"encoder_scope must be one of {SCOPES}, got {encoder_scope!r}")
        d = 2 * hidden_size
        self.gate, self.encoder_scope, self.k, self.gate_seed = gate, encoder_scope, k, gate_seed
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=0)
        self.story_encoder = _Encoder(embed_size, hidden_size)
        self.question_encoder = _Encoder(embed_size, hidden_size)
        self.sentence_context = nn.Linear(embed_size, d, bias=False)
        self.thalamus = SyntheticThalamus(d, n_tasks, task_dim=task_dim, n_heads=n_heads, k=k,
                                          tau=tau, selection=selection)
        self.phase = PhaseTagger(d, phase_dim)
        self.to_workspace = nn.Linear(d + phase_dim, workspace_size)
        self.question_token = nn.Linear(d, workspace_size)
        self.max_story_tokens = max_story_tokens
        self.token_recency = nn.Linear(RECENCY_FEATURES, d, bias=False)
        self.item_recency = nn.Linear(RECENCY_FEATURES, workspace_size, bias=False)
        self.workspace = nn.ModuleList(WorkspaceLayer(workspace_size, workspace_heads, dropout)
                                       for _ in range(workspace_layers))
        self.answer = nn.Sequential(nn.LayerNorm(workspace_size),
                                    nn.Linear(workspace_size, n_answers))

    def forward(self, story: torch.Tensor, story_length: torch.Tensor, question: torch.Tensor,
                task: torch.Tensor, sentence: torch.Tensor,
                supporting: torch.Tensor | None = None) -> QAOutput:
        """Answer logits; `supporting` (the supporting-fact mask) is read by the oracle gate only."""
        valid = story != 0
        question_valid = question != 0
        embedded = self.embedding(story)
        states = (self._encode_story(embedded, story_length, sentence)
                  + self.sentence_context(sentence_means(embedded, sentence)))
        q_states = self.question_encoder(self.embedding(question), question_valid.sum(1))
        content = self.thalamus.condition(states, task)
        phase = self.phase(content)
        recency = recency_features(story_length, story.shape[1], self.max_story_tokens)
        items = (self.to_workspace(torch.cat([content, phase], -1))
                 + self.item_recency(recency))
        salience, bias = None, torch.zeros(valid.shape, device=story.device)
        if self.gate == "topk":
            tokens = content + self.token_recency(recency)
            salience, sel = self.thalamus(tokens, valid, q_states, question_valid)
            items = _gather_tokens(items, sel.indices) * sel.weights.unsqueeze(-1)
            items_valid, selected = sel.valid, sel.mask
            bias = salience.gather(1, sel.indices)
        elif self.gate in RULE_GATES:
            sel = rule_selection(self.gate, self.k, story, valid, supporting,
                                 seed=self.gate_seed, fresh=self.training)
            items = _gather_tokens(items, sel.indices)
            items_valid, selected = sel.valid, sel.mask
            bias = torch.zeros(sel.indices.shape, device=story.device)
        else:
            items_valid, selected = valid, valid
        q_mean = (q_states * question_valid.unsqueeze(-1)).sum(1) / question_valid.sum(
            1, keepdim=True).clamp(min=1)
        sequence = torch.cat([self.question_token(q_mean).unsqueeze(1), items], 1)
        key_bias = attention_bias(bias, items_valid)
        for layer in self.workspace:
            sequence = layer(sequence, key_bias)
        return QAOutput(self.answer(sequence[:, 0]), content, selected, salience, phase)

    def _encode_story(self, embedded: torch.Tensor, story_length: torch.Tensor,
                      sentence: torch.Tensor) -> torch.Tensor:
        """BiLSTM states over the whole story, or within each sentence (`encoder_scope`)."""
        if self.encoder_scope == "story":
            return self.story_encoder(embedded, story_length)
        grouped, lengths, flat = by_sentence(embedded, sentence)
        states = self.story_encoder(grouped, lengths)
        states = states.reshape(-1, states.shape[-1])[flat]
        return states * (sentence >= 0).unsqueeze(-1)


class LSTMReader(nn.Module):
    """The LSTM baseline: one LSTM reads the story, then the question; its last state answers."""

    def __init__(self, vocab_size: int, n_answers: int, *, embed_size: int = 32,
                 hidden_size: int = 64):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=0)
        self.lstm = nn.LSTM(embed_size, hidden_size, batch_first=True)
        self.answer = nn.Linear(hidden_size, n_answers)

    def forward(self, story: torch.Tensor, story_length: torch.Tensor, question: torch.Tensor,
                task: torch.Tensor, sentence: torch.Tensor,
                supporting: torch.Tensor | None = None) -> QAOutput:
        q_length = (question != 0).sum(1)
        states = self.lstm(self.embedding(story_then_question(story, story_length, question)))[0]
        last = (story_length + q_length - 1).clamp(min=0)
        final = states[torch.arange(len(story)), last]
        valid = story != 0
        return QAOutput(self.answer(final), states[:, : story.shape[1]] * valid.unsqueeze(-1),
                        valid)


def story_then_question(story: torch.Tensor, story_length: torch.Tensor,
                        question: torch.Tensor) -> torch.Tensor:
    """[batch, story + question] ids: each story's valid tokens, then its question, then padding."""
    position = torch.arange(story.shape[1] + question.shape[1], device=story.device)
    position = position.expand(len(story), -1)
    length = story_length.unsqueeze(1)
    padded = torch.cat([story, question, torch.zeros_like(question)], 1)
    index = torch.where(position < length, position, position - length + story.shape[1])
    return padded.gather(1, index.clamp(max=padded.shape[1] - 1))


def build_qa_model(cfg: dict[str, Any], attrs: dict[str, Any]) -> nn.Module:
    """A reader for model config `cfg` (`type`: thalamus | lstm), sized from dataset `attrs`."""
    kwargs = {k: v for k, v in cfg.items() if k not in ("type", "train")}
    sizes = (attrs["vocab_size"], attrs["n_answers"])
    if cfg["type"] == "thalamus":
        return ThalamusReader(*sizes, attrs["n_tasks"], attrs["max_story_tokens"], **kwargs)
    if cfg["type"] == "lstm":
        return LSTMReader(*sizes, **kwargs)
    raise ValueError(f"unknown model type {cfg['type']!r}; accepted: ['thalamus', 'lstm']")
