"""The decode engine's KV cache, on transformers' public cache API: a `Cache` made of
`ReservedLayer`s (a `DynamicLayer` that writes in place), and prefills kept per prompt.

What it relies on beyond the constructor (`Cache(layers=...)`): that the model calls
`Cache.update(keys, values, layer_idx)` once per layer and step, that `Cache` forwards
`batch_repeat_interleave` / `batch_select_indices` to each layer, and that a layer's
public `keys` / `values` are what the model reads and what `DynamicLayer.get_seq_length`
/ `get_mask_sizes` measure. tests/unit/workers/test_transformers_cache.py holds it to
what a `DynamicCache` holds through the same operations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from transformers import Cache, DynamicLayer


class ReservedLayer(DynamicLayer):
    """A `DynamicLayer` that writes each step's keys and values into room reserved up front.

    DynamicLayer appends with `torch.cat`: every layer's whole cache is copied at every
    decode step (32 rows x 48 tokens, float32, 2 cores: 5% slower than this). Here each
    layer holds one buffer of `room` positions per row, and what the model reads is a view
    of its filled part. A batch longer than `room` still works: the buffer grows (one
    copy). It supports what the decode loop does (append, repeat the rows, keep some
    rows); not cropping or beam reordering."""

    is_croppable = False

    def __init__(self, room: int) -> None:
        super().__init__()
        self.room = room
        self.length = 0
        self._keys = self._values = torch.empty(0)  # (rows, kv heads, room, head dim) once allocated

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any,
               **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        end = self.length + key_states.shape[-2]
        if self._keys.dim() != 4 or end > self._keys.shape[-2]:
            self._reserve(torch.arange(key_states.shape[0]), max(end, self.room), key_states, value_states)
        self._keys[:, :, self.length:end] = key_states
        self._values[:, :, self.length:end] = value_states
        self.length = end
        self.keys, self.values = self._keys[:, :, :end], self._values[:, :, :end]
        return self.keys, self.values

    def batch_repeat_interleave(self, repeats: int) -> None:
        if self.length:
            rows = torch.arange(self.keys.shape[0]).repeat_interleave(repeats)
            self._reserve(rows, self._keys.shape[-2], self.keys, self.values)

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        if self.length:
            self._reserve(indices, self._keys.shape[-2], self.keys, self.values)

    def _reserve(self, rows: torch.Tensor, room: int, key_like: torch.Tensor, value_like: torch.Tensor) -> None:
        """New buffers of `room` positions for `rows`, holding what those rows hold so far."""
        keys = key_like.new_empty((len(rows), key_like.shape[1], room, key_like.shape[3]))
        values = value_like.new_empty((len(rows), value_like.shape[1], room, value_like.shape[3]))
        if self.length:
            keys[:, :, :self.length] = self.keys[rows]
            values[:, :, :self.length] = self.values[rows]
        self._keys, self._values = keys, values
        self.keys, self.values = keys[:, :, :self.length], values[:, :, :self.length]


def reserved_cache(room: int, layers: int) -> Cache:
    """A cache of `layers` ReservedLayers with `room` positions each."""
    return Cache(layers=[ReservedLayer(room) for _ in range(layers)])


@dataclass
class Prefilled:
    """One prompt as its prefill left it: per layer its keys and values (kv heads, tokens,
    head dim), and the logits at its last token."""

    keys: list[torch.Tensor]
    values: list[torch.Tensor]
    logits: torch.Tensor

    @property
    def tokens(self) -> int:
        return self.keys[0].shape[1]


def extract(cache: Cache, attention: torch.Tensor, logits: torch.Tensor, row: int) -> Prefilled:
    """Row `row`'s real tokens out of a padded batch cache (copies)."""
    real = attention[row].nonzero().flatten()
    return Prefilled(keys=[layer.keys[row][:, real] for layer in cache.layers],
                     values=[layer.values[row][:, real] for layer in cache.layers], logits=logits[row].clone())


def assemble(prefilled: Sequence[Prefilled], room: int) -> tuple[torch.Tensor, Cache, torch.Tensor]:
    """A left-padded batch cache of kept prefills, with `room` positions a row; the logits
    at each row's last token and the mask. Their keys carry the positions they were
    computed at (real tokens only), so padding them anew changes nothing."""
    rows, width, layers = len(prefilled), max(p.tokens for p in prefilled), len(prefilled[0].keys)
    attention = torch.zeros((rows, width), dtype=torch.long)
    cache = reserved_cache(room, layers)
    for layer in range(layers):
        cache.update(left_padded([p.keys[layer] for p in prefilled], width),
                     left_padded([p.values[layer] for p in prefilled], width), layer)
    for r, p in enumerate(prefilled):
        attention[r, width - p.tokens:] = 1
    return torch.stack([p.logits for p in prefilled]), cache, attention


def left_padded(rows: list[torch.Tensor], width: int) -> torch.Tensor:
    """(heads, tokens, dim) tensors stacked into (rows, heads, width, dim), each at the right."""
    out = rows[0].new_zeros((len(rows), rows[0].shape[0], width, rows[0].shape[2]))
    for r, row in enumerate(rows):
        out[r, :, width - row.shape[1]:] = row
    return out
