"""The batched-decoding attention reads a grouped-query cache in place and computes what
transformers' own eager attention (which first repeats the KV heads) computes."""

import types

import pytest
import torch
from transformers.models.llama.modeling_llama import eager_attention_forward

from workers.engine.attention import grouped_attention


@pytest.mark.parametrize("q_len", [1, 5])
def test_grouped_attention_matches_eager_attention_with_a_padding_mask(q_len: int) -> None:
    torch.manual_seed(0)
    rows, heads, kv_heads, kv_len, dim = 4, 9, 3, 12, 16
    query = torch.randn(rows, heads, q_len, dim)
    key, value = torch.randn(rows, kv_heads, kv_len, dim), torch.randn(rows, kv_heads, kv_len, dim)
    mask = torch.zeros(rows, 1, q_len, kv_len)
    mask[1, :, :, :3] = torch.finfo(torch.float32).min  # row 1 is left-padded by 3
    mask[2, :, :, :7] = torch.finfo(torch.float32).min
    module = types.SimpleNamespace(num_key_value_groups=heads // kv_heads, training=False)

    ours, _ = grouped_attention(module, query, key, value, mask, scaling=dim ** -0.5)
    theirs, _ = eager_attention_forward(module, query, key, value, mask, scaling=dim ** -0.5)

    assert ours.shape == (rows, q_len, heads, dim)
    torch.testing.assert_close(ours, theirs)


def test_grouped_attention_without_a_mask_attends_to_every_position() -> None:
    torch.manual_seed(1)
    query, key, value = torch.randn(2, 4, 1, 8), torch.randn(2, 2, 6, 8), torch.randn(2, 2, 6, 8)
    module = types.SimpleNamespace(num_key_value_groups=2, training=False)
    ours, _ = grouped_attention(module, query, key, value, None, scaling=0.5)
    theirs, _ = eager_attention_forward(module, query, key, value, None, scaling=0.5)
    torch.testing.assert_close(ours, theirs)
