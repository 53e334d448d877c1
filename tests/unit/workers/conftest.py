"""Shared fixtures of the worker's unit tests."""

from __future__ import annotations

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM


@pytest.fixture(scope="module")
def tiny_llama() -> LlamaForCausalLM:
    """A tiny random Llama (vocabulary 96, token 1 stops): the decode engine without weights
    to load."""
    torch.manual_seed(0)
    # A wide initialisation: peaked logits, so no argmax is a near-tie that float rounding
    # at another batch shape could flip.
    config = LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                         initializer_range=0.2, bos_token_id=0, eos_token_id=1, pad_token_id=0)
    return LlamaForCausalLM(config).eval()
