"""The default CPU backend: a Hugging Face causal LM in this process.

Prompts are rendered with the model's chat template, sorted by length into sub-batches
(less padding), left-padded and decoded together by a small decode loop with a KV cache.
A row leaves the batch (and the cache) as soon as it finishes, or as soon as its prompt's
`doomed` rejects what it has written, so a batch costs what its unfinished rows cost, not
rows x the longest completion.
The loop (rather than `model.generate`) lets every row keep its own settings inside one
batch: greedy or sampled, its own temperature, its own seeded `torch.Generator` (so a
regeneration is reproducible whatever else shares its batch), its own token limit.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import torch
from transformers import AttentionInterface, DynamicCache
from transformers.cache_utils import DynamicLayer
from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, eager_mask

from foundation.logging import get_logger
from workers.backend import (
    BackendDead,
    BackendError,
    ChatPrompt,
    Completion,
    GenerationFailed,
)
from workers.model_cache import choose_dtype, model_name

log = get_logger(__name__)

MIN_SHARED_HEAD = 32  # tokens: a shorter common prompt head is run with each row
TOP_P = 0.95  # nucleus sampling when temperature > 0: never picks the long tail of junk tokens
NUCLEUS_CANDIDATES = 256  # tokens ranked per sampled row; the nucleus almost always lies within
DOOMED_CHECK_EVERY = 4  # tokens between asks of a prompt's `doomed` (decode + guardrails, ~ms a row)


def default_threads() -> int:
    """One intra-op thread per core this process may run on (2 on a 2-core machine), unless
    OMP_NUM_THREADS says otherwise. Honouring it matters on a shared host: with other
    processes busy, 2 threads on 2 cores wait on each other at every op (measured at load
    ~11 on 2 cores: 7.8 s per batch-16 decode step with 2 threads, 1.5-1.9 s with 1;
    docs/benchmarks.md)."""
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class _Encoded:
    index: int
    prompt: ChatPrompt
    ids: list[int]


@dataclass
class _Prefilled:
    """One prompt as its prefill left it: per layer its keys and values (kv heads, tokens,
    head dim), and the logits at its last token."""

    keys: list[torch.Tensor]
    values: list[torch.Tensor]
    logits: torch.Tensor

    @property
    def tokens(self) -> int:
        return self.keys[0].shape[1]


class TransformersBackend:
    name = "transformers"

    # Rows decoded together. Beyond ~32 a CPU step grows about as fast as the rows (64 prompts
    # of 64 products through the handler, bf16: 107 tok/s in sub-batches of 32, 96 of 64).
    def __init__(self, model_dir: Path | str, dtype: str = "auto", *, max_batch_size: int = 32,
                 num_threads: int | None = None, keep_prefill_tokens: int = 16_384) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        started = time.monotonic()
        self.model_dir = Path(model_dir)
        self.model = model_name(self.model_dir)
        self.dtype = choose_dtype(dtype)
        self.max_batch_size = max(1, max_batch_size)
        torch.set_num_threads(num_threads or default_threads())
        self._lock = threading.Lock()  # one generate at a time: torch already uses every core
        self._closed = False
        # The prompts of the last call, as prefilled, for a next call that repeats them: the
        # handler regenerates rejected drafts from the same prompts right after. Bounded in
        # tokens (~46 KB a token in float32): 64 description prompts take ~13,000.
        self.keep_prefill_tokens = keep_prefill_tokens
        self._kept: dict[tuple[int, ...], _Prefilled] = {}

        self.tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.chat_template is None:
            raise BackendDead(f"{self.model_dir} has no chat template")
        self._model = AutoModelForCausalLM.from_pretrained(self.model_dir, dtype=getattr(torch, self.dtype))
        self._model.eval()

        self.stop_ids = self._stop_token_ids()
        pad = self.tokenizer.pad_token_id
        if pad is None:  # a checkpoint without a pad token: pad with eos (masked out anyway)
            self.tokenizer.pad_token = self.tokenizer.eos_token
            pad = self.tokenizer.pad_token_id
        self.pad_id: int = pad if pad is not None else min(self.stop_ids)
        self.context_length = int(getattr(self._model.config, "max_position_embeddings", 2048))
        log.info("backend_loaded", backend=self.name, model=self.model, dtype=self.dtype,
                 threads=torch.get_num_threads(), seconds=round(time.monotonic() - started, 2))

    # --- protocol ------------------------------------------------------------------------

    def generate(self, prompts: list[ChatPrompt]) -> list[Completion]:
        if self._closed:
            raise BackendDead("backend is closed")
        if not prompts:
            return []
        try:
            with self._lock, torch.inference_mode():
                encoded = [self._encode(i, p) for i, p in enumerate(prompts)]
                results: list[Completion | None] = [None] * len(prompts)
                kept, self._kept = self._kept, {}
                for batch in self._sub_batches(encoded):
                    for item, completion in zip(batch, self._generate_batch(batch, kept), strict=True):
                        results[item.index] = completion
        except BackendError:
            raise
        except Exception as exc:  # noqa: BLE001 - every engine failure is a failed call
            raise GenerationFailed(f"{type(exc).__name__}: {exc}") from exc
        assert all(r is not None for r in results)
        return results  # type: ignore[return-value]

    def close(self) -> None:
        self._closed = True
        self._model = None  # type: ignore[assignment]
        self._kept = {}

    # --- internals -----------------------------------------------------------------------

    def _stop_token_ids(self) -> set[int]:
        stops: set[int] = set()
        for source in (self._model.generation_config.eos_token_id, self.tokenizer.eos_token_id):
            if isinstance(source, int):
                stops.add(source)
            elif source:
                stops.update(int(s) for s in source)
        if not stops:
            raise BackendDead(f"{self.model_dir} defines no eos token")
        return stops

    def _encode(self, index: int, prompt: ChatPrompt) -> _Encoded:
        if prompt.max_new_tokens < 1:
            raise GenerationFailed(f"prompt {index}: max_new_tokens must be >= 1")
        text = self.tokenizer.apply_chat_template(list(prompt.messages), tokenize=False, add_generation_prompt=True)
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(ids) + prompt.max_new_tokens > self.context_length:
            raise GenerationFailed(
                f"prompt {index} has {len(ids)} tokens; with {prompt.max_new_tokens} new tokens it exceeds "
                f"the context of {self.context_length}"
            )
        return _Encoded(index, prompt, ids)

    def _sub_batches(self, encoded: list[_Encoded]) -> list[list[_Encoded]]:
        """Prompts of similar length together, at most `max_batch_size` per batch."""
        ordered = sorted(encoded, key=lambda e: len(e.ids))
        return [ordered[i:i + self.max_batch_size] for i in range(0, len(ordered), self.max_batch_size)]

    def _attention_for(self, rows: int, *, prefill: bool) -> None:
        """SDPA, except for batched decoding, which uses `grouped_attention`: there torch's
        CPU flash kernel (one query token against a long cache) was the slowest op of a
        bfloat16 step (AVX-512-BF16 CPU without AMX, decode step: 16 rows 108 ms plain
        matmul attention vs 138 ms SDPA, 64 rows 276 vs 445 ms; 1 row 54 vs 45 ms), and
        both it and the plain one copied the whole cache every layer (below)."""
        wanted = GROUPED if (not prefill and rows > 1) else "sdpa"
        if self._model.config._attn_implementation != wanted:
            self._model.set_attn_implementation(wanted)

    def _start(self, batch: Sequence[_Encoded],
               kept: dict[tuple[int, ...], _Prefilled]) -> tuple[torch.Tensor, DynamicCache, torch.Tensor]:
        """The logits at each row's last prompt token, the cache, the mask: from the last
        call's prefills when it had every prompt of this batch, else by a prefill (kept in
        turn). A prefill is ~a quarter of a 32-row call on 2 cores (float32: ~12 of ~50 s),
        and a regeneration would otherwise pay it twice."""
        found = [kept.get(tuple(e.ids)) for e in batch]
        if all(p is not None for p in found):
            prefilled = [p for p in found if p is not None]
            logits, cache, attention = self._assemble(batch, prefilled)
        else:
            logits, cache, attention = self._prefill(batch)
            prefilled = [self._extract(cache, attention, logits, r) for r in range(len(batch))]
        budget = self.keep_prefill_tokens - sum(p.tokens for p in self._kept.values())
        for e, p in zip(batch, prefilled, strict=True):
            if p.tokens <= budget:
                self._kept[tuple(e.ids)] = p
                budget -= p.tokens
        return logits, cache, attention

    def _room(self, batch: Sequence[_Encoded], prompt_width: int) -> int:
        return prompt_width + max(e.prompt.max_new_tokens for e in batch)

    @staticmethod
    def _extract(cache: DynamicCache, attention: torch.Tensor, logits: torch.Tensor, row: int) -> _Prefilled:
        """Row `row`'s real tokens out of a padded batch cache (copies)."""
        real = attention[row].nonzero().flatten()
        return _Prefilled(keys=[layer.keys[row][:, real] for layer in cache.layers],
                          values=[layer.values[row][:, real] for layer in cache.layers], logits=logits[row].clone())

    def _assemble(self, batch: Sequence[_Encoded],
                  prefilled: list[_Prefilled]) -> tuple[torch.Tensor, DynamicCache, torch.Tensor]:
        """A left-padded batch cache of kept prefills. Their keys carry the positions they
        were computed at (real tokens only), so padding them anew changes nothing."""
        rows, width = len(batch), max(p.tokens for p in prefilled)
        attention = torch.zeros((rows, width), dtype=torch.long)
        cache = ReservedCache(self._room(batch, width))
        for layer in range(len(prefilled[0].keys)):
            cache.update(_left_padded([p.keys[layer] for p in prefilled], width),
                         _left_padded([p.values[layer] for p in prefilled], width), layer)
        for r, p in enumerate(prefilled):
            attention[r, width - p.tokens:] = 1
        return torch.stack([p.logits for p in prefilled]), cache, attention

    def _prefill(self, batch: Sequence[_Encoded]) -> tuple[torch.Tensor, DynamicCache, torch.Tensor]:
        """Run the prompts: the logits at each row's last token, the cache, the mask.

        The prompts of a batch usually share a long head (the system prompt: ~150 of a
        description's ~220 tokens). The head runs once and its cache is copied to every row;
        each row's own tail follows it, left-padded: [head][pad][tail]. Positions count real
        tokens only, so every row computes what it would alone."""
        rows = len(batch)
        head = _shared_head([e.ids for e in batch]) if rows > 1 else 0
        head = min(head, min(len(e.ids) for e in batch) - 1)  # every row keeps a tail to run
        if head < MIN_SHARED_HEAD:  # not worth a forward pass of its own
            head = 0
        cache = ReservedCache(self._room(batch, max(len(e.ids) for e in batch)))
        self._attention_for(rows, prefill=True)
        if head:
            self._model(input_ids=torch.tensor([batch[0].ids[:head]]), past_key_values=cache, use_cache=True,
                        logits_to_keep=1)
            cache.batch_repeat_interleave(rows)
        tails = [e.ids[head:] for e in batch]
        width = max(len(t) for t in tails)
        input_ids = torch.full((rows, width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((rows, head + width), dtype=torch.long)
        attention[:, :head] = 1
        for r, tail in enumerate(tails):
            input_ids[r, width - len(tail):] = torch.tensor(tail, dtype=torch.long)
            attention[r, head + width - len(tail):] = 1
        positions = (attention.cumsum(-1) - 1).clamp(min=0)[:, head:]
        # logits_to_keep=1: only the last position's logits are needed; all of them would
        # be a (rows x width x 49k-vocab) matmul that is thrown away.
        out = self._model(input_ids=input_ids, attention_mask=attention, position_ids=positions,
                          past_key_values=cache, use_cache=True, logits_to_keep=1)
        return out.logits[:, -1, :].float(), cache, attention

    def _generate_batch(self, batch: Sequence[_Encoded], kept: dict[tuple[int, ...], _Prefilled]) -> list[Completion]:
        rows = len(batch)
        logits, cache, attention = self._start(batch, kept)
        limits = torch.tensor([e.prompt.max_new_tokens for e in batch])
        temperatures = torch.tensor([max(e.prompt.temperature, 0.0) for e in batch], dtype=torch.float32)
        sampled = temperatures > 0
        generators = [_seeded(e.prompt.seed) if e.prompt.temperature > 0 else None for e in batch]
        stop = torch.tensor(sorted(self.stop_ids))

        produced: list[list[int]] = [[] for _ in batch]
        abandoned: set[int] = set()  # rows stopped because their prompt's `doomed` said so
        alive = torch.arange(rows)  # original row of each row still decoding
        self._attention_for(rows, prefill=False)
        for step in range(int(limits.max())):
            next_ids = _choose(logits, temperatures[alive], sampled[alive], [generators[r] for r in alive.tolist()])
            for r, token in zip(alive.tolist(), next_ids.tolist(), strict=True):
                produced[r].append(token)
            done = torch.isin(next_ids, stop) | (limits[alive] <= step + 1)
            if (step + 1) % DOOMED_CHECK_EVERY == 0:
                given_up = ~done & self._doomed(batch, produced, alive)
                abandoned.update(alive[given_up].tolist())
                done |= given_up
            if bool(done.all()):
                break
            if bool(done.any()):
                # A finished row would keep costing a full row of every matmul and of the
                # attention until the longest completion ends: drop it from the batch and
                # the cache (one copy of the cache, a fraction of a decode step).
                keep = torch.nonzero(~done).flatten()
                alive, attention, next_ids = alive[keep], attention[keep], next_ids[keep]
                cache.batch_select_indices(keep)
                self._attention_for(len(alive), prefill=False)
            attention = torch.cat([attention, torch.ones((len(alive), 1), dtype=attention.dtype)], dim=1)
            positions = attention.sum(-1, keepdim=True) - 1
            out = self._model(input_ids=next_ids[:, None], attention_mask=attention, position_ids=positions,
                              past_key_values=cache, use_cache=True)
            logits = out.logits[:, -1, :].float()

        # Counts are real tokens: the prompt without padding, the completion up to and
        # including its stop token (which the model did compute).
        return [Completion(text=self._text(tokens), prompt_tokens=len(e.ids), completion_tokens=len(tokens),
                           stopped_early=r in abandoned)
                for r, (e, tokens) in enumerate(zip(batch, produced, strict=True))]

    def _text(self, tokens: list[int]) -> str:
        return self.tokenizer.decode([t for t in tokens if t not in self.stop_ids], skip_special_tokens=True).strip()

    def _doomed(self, batch: Sequence[_Encoded], produced: list[list[int]], alive: torch.Tensor) -> torch.Tensor:
        """Which rows still decoding have written what their prompt's `doomed` rejects.
        A greedy small model often loops; a looping row would otherwise decode to its token
        limit, most of it in the batch's last steps, where few rows share each step."""
        flags = []
        for r in alive.tolist():
            check = batch[r].prompt.doomed
            flags.append(check is not None and check(self._text(produced[r])))
        return torch.tensor(flags, dtype=torch.bool)


class ReservedCache(DynamicCache):
    """A DynamicCache that writes each step's keys and values into room reserved up front.

    DynamicCache appends with `torch.cat`: every layer's whole cache is copied at every
    decode step (32 rows x 48 tokens, float32, 2 cores: 5% slower than this). Here each layer holds one
    buffer of `room` positions per row, and what the model reads is a view of its filled
    part. A batch longer than `room` still works: the buffer grows (one copy)."""

    def __init__(self, room: int) -> None:
        super().__init__()
        self.layer_class_to_replicate = partial(_ReservedLayer, room)


class _ReservedLayer(DynamicLayer):
    """One layer of a ReservedCache. It supports what the decode loop does (append, repeat
    the rows, keep some rows); not cropping or beam reordering."""

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


GROUPED = "shopscribe_grouped"


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


AttentionInterface.register(GROUPED, grouped_attention)
ALL_MASK_ATTENTION_FUNCTIONS.register(GROUPED, eager_mask)


def _left_padded(rows: list[torch.Tensor], width: int) -> torch.Tensor:
    """(heads, tokens, dim) tensors stacked into (rows, heads, width, dim), each at the right."""
    out = rows[0].new_zeros((len(rows), rows[0].shape[0], width, rows[0].shape[2]))
    for r, row in enumerate(rows):
        out[r, :, width - row.shape[1]:] = row
    return out


def _shared_head(sequences: list[list[int]]) -> int:
    """Length of the token prefix every sequence starts with."""
    shortest = min(len(s) for s in sequences)
    for i in range(shortest):
        token = sequences[0][i]
        if any(s[i] != token for s in sequences):
            return i
    return shortest


def _seeded(seed: int) -> torch.Generator:
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def _choose(logits: torch.Tensor, temperatures: torch.Tensor, sampled: torch.Tensor,
            generators: list[torch.Generator | None]) -> torch.Tensor:
    """Greedy rows take the argmax; sampled rows draw from their nucleus, each with one
    uniform number from its own generator (so a row's draw does not depend on its batch)."""
    chosen = logits.argmax(dim=-1)
    rows = torch.nonzero(sampled).flatten()
    if len(rows) == 0:
        return chosen
    uniforms = torch.cat([torch.rand(1, generator=generators[r]) for r in rows.tolist()])
    chosen[rows] = _nucleus_draw(logits[rows] / temperatures[rows, None], uniforms)
    return chosen


def _nucleus_draw(scaled: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    """Inverse-CDF draws from each row's top-p nucleus, all rows at once.

    A row-by-row softmax, full-vocabulary sort and multinomial cost ~8 ms a row on 2 cores:
    250 ms of every decode step of a 31-row regeneration batch, a third of the model's own
    step there (float32, AVX2). The nucleus of a real model's distribution lies within its top few hundred
    tokens, so only those are ranked; a row whose top candidates hold less than TOP_P of the
    mass (a flat distribution) makes the whole step rank every token, which is exact too."""
    log_total = torch.logsumexp(scaled, dim=-1, keepdim=True)
    top, order = scaled.topk(min(NUCLEUS_CANDIDATES, scaled.shape[-1]), dim=-1)
    probs = (top - log_total).exp()
    if bool((probs.sum(-1) < TOP_P).any()):
        top, order = scaled.sort(dim=-1, descending=True)
        probs = (top - log_total).exp()
    cdf = probs.cumsum(-1)
    kept = ((cdf - probs) < TOP_P).sum(-1)  # >= 1: the top token is always kept
    mass = cdf.gather(1, (kept - 1)[:, None])
    picks = torch.searchsorted(cdf, uniforms[:, None] * mass, right=True).squeeze(1)
    return order.gather(1, torch.minimum(picks, kept - 1)[:, None]).squeeze(1)
