"""The decode engine's KV cache writes in place, and holds exactly what transformers'
DynamicCache would through what the decode loop does to it."""

from __future__ import annotations

import torch
from transformers import Cache, DynamicCache

from workers.engine.cache import reserved_cache

LAYERS, HEADS, DIM = 2, 3, 4


def states(rows: int, length: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(rows, HEADS, length, DIM, generator=generator),
            torch.randn(rows, HEADS, length, DIM, generator=generator))


def append(cache: Cache, rows: int, length: int, seed: int) -> None:
    for layer in range(LAYERS):
        cache.update(*states(rows, length, seed + layer), layer)


def assert_same(reserved: Cache, dynamic: Cache) -> None:
    assert reserved.get_seq_length() == dynamic.get_seq_length()
    for mine, theirs in zip(reserved.layers, dynamic.layers, strict=True):
        assert torch.equal(mine.keys, theirs.keys) and torch.equal(mine.values, theirs.values)


def test_it_holds_what_a_dynamic_cache_holds_through_a_whole_decode() -> None:
    reserved, dynamic = reserved_cache(room=12, layers=LAYERS), DynamicCache()
    for cache in (reserved, dynamic):
        append(cache, rows=1, length=5, seed=0)  # the shared prompt head, one row
        cache.batch_repeat_interleave(4)  # copied to every row of the batch
        append(cache, rows=4, length=3, seed=10)  # each row's own tail
        append(cache, rows=4, length=1, seed=20)  # a decode step
        cache.batch_select_indices(torch.tensor([0, 2, 3]))  # row 1 finished
        append(cache, rows=3, length=1, seed=30)
    assert_same(reserved, dynamic)
    assert reserved.get_seq_length() == 10


def test_each_step_writes_into_the_room_reserved_up_front() -> None:
    cache = reserved_cache(room=8, layers=LAYERS)
    append(cache, rows=2, length=3, seed=0)
    buffer = cache.layers[0].keys.untyped_storage().data_ptr()
    append(cache, rows=2, length=1, seed=5)
    append(cache, rows=2, length=1, seed=6)
    assert cache.layers[0].keys.untyped_storage().data_ptr() == buffer  # no copy: same memory
    assert cache.get_seq_length() == 5


def test_a_batch_longer_than_its_room_grows_and_keeps_everything() -> None:
    reserved, dynamic = reserved_cache(room=4, layers=LAYERS), DynamicCache()
    for cache in (reserved, dynamic):
        append(cache, rows=2, length=3, seed=0)
        for step in range(4):
            append(cache, rows=2, length=1, seed=100 + step)
    assert_same(reserved, dynamic)
    assert reserved.get_seq_length() == 7
