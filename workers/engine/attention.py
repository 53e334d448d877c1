"""The attention the decode engine runs: SDPA, except for batched decoding, which uses
`grouped_attention`, registered with transformers through its public interfaces
(`AttentionInterface`, `AttentionMaskInterface`) when an engine is built, not at import."""

from __future__ import annotations

from typing import Any

import torch
from transformers import AttentionInterface, AttentionMaskInterface, PreTrainedModel
from transformers.masking_utils import eager_mask

GROUPED = "shopscribe_grouped"
SDPA = "sdpa"


def grouped_attention(module: torch.nn.Module, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                      attention_mask: torch.Tensor | None, scaling: float, dropout: float = 0.0,
                      **_: Any) -> tuple[torch.Tensor, None]:
    """Plain matmul attention for grouped-query models that never repeats the KV heads.

    SmolLM2 has 9 query heads over 3 KV heads. With a padding mask, transformers' SDPA and
    eager paths both expand the cache to 9 heads first: a copy of every layer's keys and
    values at every decode step (32 rows: ~1.3 GB a step, 15% of it on 2 cores). Here each
    KV head's query heads are stacked as extra query rows instead, so the cache is read in
    place. Head h uses KV head h // group, as in `repeat_kv`."""
    rows, heads, q_len, dim = query.shape
    kv_heads, kv_len = key.shape[1], key.shape[2]
    group = heads // kv_heads
    scores = torch.matmul(query.reshape(rows, kv_heads, group * q_len, dim), key.transpose(2, 3)) * scaling
    if attention_mask is not None:  # (rows, 1, q_len, kv_len), additive
        scores = scores.view(rows, kv_heads, group, q_len, kv_len) + attention_mask[:, :, None, :, :kv_len]
    weights = torch.softmax(scores.float(), dim=-1).to(query.dtype)
    out = torch.matmul(weights.view(rows, kv_heads, group * q_len, kv_len), value)
    return out.view(rows, heads, q_len, dim).transpose(1, 2).contiguous(), None


def register_grouped_attention() -> None:
    """Make `GROUPED` a name `set_attn_implementation` accepts: the kernel, and the additive
    float mask it reads (the eager one). Registering again replaces the same entries."""
    AttentionInterface.register(GROUPED, grouped_attention)
    AttentionMaskInterface.register(GROUPED, eager_mask)


class AttentionSwitch:
    """Switches a model between SDPA and `GROUPED` with the public
    `set_attn_implementation`, remembering which one it set (rather than reading the
    private `config._attn_implementation` back), so an unchanged choice costs nothing."""

    def __init__(self, model: PreTrainedModel) -> None:
        register_grouped_attention()
        self.model = model
        self.model.set_attn_implementation(SDPA)
        self.current = SDPA

    def for_rows(self, rows: int, *, prefill: bool) -> None:
        """SDPA, except for batched decoding: there torch's CPU flash kernel (one query token
        against a long cache) was the slowest op of a bfloat16 step (AVX-512-BF16 CPU
        without AMX, decode step: 16 rows 108 ms plain matmul attention vs 138 ms SDPA, 64
        rows 276 vs 445 ms; 1 row 54 vs 45 ms), and both it and the plain one copied the
        whole cache every layer (see `grouped_attention`)."""
        wanted = GROUPED if (not prefill and rows > 1) else SDPA
        if wanted != self.current:
            self.model.set_attn_implementation(wanted)
            self.current = wanted
