"""A pre-LN GPT-2 decoder with rotary position embeddings (the analogy study's model).

As the anchor (`toy_model/src/model/gpt2.py`): token embedding (no learned positions), blocks
of [LN → causal multi-head attention with RoPE on queries and keys → residual] and [LN → 4×
GELU MLP → residual], a final LN and a bias-free unembedding that is *not* tied to the
embedding; weights N(0, 0.02), biases 0. Dropout is left out (the anchor uses 0.0).

Inputs are right-padded token ids. Padding needs no attention mask: causal attention keeps
every real position from seeing the padding after it, so real positions are exact.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """(x1, x2) → (-x2, x1) on the two halves of the last axis."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


def rope_angles(positions: torch.Tensor, head_dim: int, base: float) -> torch.Tensor:
    """Angles `[*positions.shape, head_dim]`: position × base^(-2i/head_dim), halves repeated."""
    inv_freq = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim)
    freqs = positions.to(torch.float32)[..., None] * inv_freq
    return torch.cat([freqs, freqs], dim=-1)


def apply_rope(x: torch.Tensor, positions: torch.Tensor, base: float) -> torch.Tensor:
    """Rotate each pair (x_i, x_{i+d/2}) of `x [..., time, head_dim]` by its position's angle."""
    angles = rope_angles(positions, x.shape[-1], base).to(x.dtype)
    return x * angles.cos() + rotate_half(x) * angles.sin()


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention with RoPE on queries and keys."""

    def __init__(self, d_model: int, n_head: int, rope_base: float):
        super().__init__()
        if d_model % n_head or (d_model // n_head) % 2:
            raise ValueError(f"d_model {d_model} must split into {n_head} heads of even size")
        self.n_head, self.rope_base = n_head, rope_base
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, time, width = x.shape
        q, k, v = (t.view(batch, time, self.n_head, -1).transpose(1, 2)
                   for t in self.qkv(x).split(width, dim=-1))
        positions = torch.arange(time, device=x.device)
        q, k = apply_rope(q, positions, self.rope_base), apply_rope(k, positions, self.rope_base)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out(y.transpose(1, 2).reshape(batch, time, width))

    def attention_weights(self, x: torch.Tensor) -> torch.Tensor:
        """The causal attention pattern `[batch, head, query, key]` that `forward` applies.

        softmax(q·k / √head_dim) over the keys at or before each query, q and k rotated by
        RoPE; each row sums to 1 and is 0 above the diagonal.
        """
        batch, time, width = x.shape
        q, k, _ = (t.view(batch, time, self.n_head, -1).transpose(1, 2)
                   for t in self.qkv(x).split(width, dim=-1))
        positions = torch.arange(time, device=x.device)
        q, k = apply_rope(q, positions, self.rope_base), apply_rope(k, positions, self.rope_base)
        scores = q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5
        future = torch.ones(time, time, dtype=torch.bool, device=x.device).triu(1)
        return scores.masked_fill(future, float("-inf")).softmax(dim=-1)

    def ov_outputs(self, x: torch.Tensor) -> torch.Tensor:
        """Each head's output-value map W_O^h W_V^h applied to `x [..., d_model]` (biases left
        out), `[head, ..., d_model]`: what a head that attends only to a position with LN'd
        input x adds to the residual stream, up to the constant biases."""
        width = self.out.weight.shape[0]
        w_v = self.qkv.weight[2 * width:].view(self.n_head, -1, width)      # [head, hd, d]
        w_o = self.out.weight.view(width, self.n_head, -1).transpose(0, 1)  # [head, d, hd]
        values = torch.einsum("hkd,...d->h...k", w_v, x)
        return torch.einsum("hdk,h...k->h...d", w_o, values)


class Block(nn.Module):
    """Pre-LN transformer block: attention then MLP, each added to the residual stream."""

    def __init__(self, d_model: int, n_head: int, rope_base: float):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_head, rope_base)
        self.ln_2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(),
                                 nn.Linear(4 * d_model, d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT2RoPE(nn.Module):
    """Token ids `[batch, time]` → residual stream `[batch, time, d_model]` → logits."""

    def __init__(self, vocab_size: int, d_model: int = 128, n_layer: int = 1, n_head: int = 1,
                 rope_base: float = 100.0):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab_size, d_model)
        self.blocks = nn.ModuleList(Block(d_model, n_head, rope_base) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.apply(_init_weights)

    def residual(self, tokens: torch.Tensor) -> torch.Tensor:
        """The final block's residual stream (before the final LN), `[batch, time, d_model]`."""
        x = self.tok_emb(tokens)
        for block in self.blocks:
            x = block(x)
        return x

    def unembed(self, residual: torch.Tensor) -> torch.Tensor:
        """Logits over the vocabulary from residual-stream vectors `[..., d_model]`."""
        return self.head(self.ln_f(residual))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Next-token logits `[batch, time, vocab]`."""
        return self.unembed(self.residual(tokens))

    def attention_patterns(self, tokens: torch.Tensor) -> torch.Tensor:
        """Every block's attention pattern `[layer, batch, head, query, key]` on `tokens`."""
        patterns, x = [], self.tok_emb(tokens)
        for index, block in enumerate(self.blocks):
            patterns.append(block.attn.attention_weights(block.ln_1(x)))
            if index + 1 < len(self.blocks):
                x = block(x)
        return torch.stack(patterns)


def _init_weights(module: nn.Module) -> None:
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
