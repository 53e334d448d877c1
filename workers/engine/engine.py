"""A batched decode loop over a Hugging Face causal LM: token ids in, token ids out.

Rows are sorted by length into sub-batches (less padding), left-padded and decoded
together with a KV cache (`cache.py`). A row leaves the batch (and the cache) as soon as
it finishes, or as soon as its `doomed` rejects what it has written, so a batch costs what
its unfinished rows cost, not rows x the longest completion. The loop (rather than
`model.generate`) lets every row keep its own settings inside one batch: greedy or
sampled, its own temperature, its own seeded `torch.Generator` (so a regeneration is
reproducible whatever else shares its batch), its own token limit. Measured on one AVX2
machine (fp32, the same 32 catalog prompts, greedy): this loop 125 tokens/s, plain
`model.generate` with left padding 66 (issue 16).

It drives the model through its public forward (`input_ids`, `attention_mask`,
`position_ids`, `past_key_values`, `logits_to_keep`), `set_attn_implementation`
(`attention.py`) and a `Cache` of public layers; CHECKED_TRANSFORMERS is the range it
was verified on (tests/unit/workers/test_transformers_engine.py fails outside it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import torch
from transformers import Cache, PreTrainedModel

from workers.engine.attention import AttentionSwitch
from workers.engine.cache import Prefilled, assemble, extract, reserved_cache
from workers.engine.numbers import NumberRule
from workers.engine.sampling import choose, seeded

# transformers versions this engine was checked on: unit tests + the float32 equivalence test.
CHECKED_TRANSFORMERS = (">=5.17", "<5.18")
MIN_SHARED_HEAD = 32  # tokens: a shorter common prompt head is run with each row
DOOMED_CHECK_EVERY = 4  # tokens between asks of a row's `doomed` (decode + guardrails, ~ms a row)


@dataclass(frozen=True)
class Row:
    """One prompt to continue: its token ids and its own decoding settings."""

    ids: list[int]
    max_new_tokens: int
    temperature: float = 0.0  # 0: greedy
    seed: int = 0
    doomed: Callable[[list[int]], bool] | None = None  # given the tokens so far: give up now?
    bias: Mapping[int, float] | None = None  # added to these tokens' logits at every step
    numbers: NumberRule | None = None  # digits may spell only these numbers


@dataclass(frozen=True)
class Decoded:
    tokens: list[int]  # up to and including the stop token, when one was reached
    stopped_early: bool  # its `doomed` said so


class DecodeEngine:
    """Decodes batches of rows on `model`. Not thread-safe: one `generate` at a time."""

    # Rows decoded together. Beyond ~32 a CPU step grows about as fast as the rows (64 prompts
    # of 64 products through the handler, bf16: 107 tok/s in sub-batches of 32, 96 of 64).
    def __init__(self, model: PreTrainedModel, *, stop_ids: set[int], pad_id: int, max_batch_size: int = 32,
                 keep_prefill_tokens: int = 16_384, pieces: Mapping[int, str] | None = None) -> None:
        self.model = model
        # token id -> its text, for the tokens that are number pieces ("2", "220", ".", " 5"):
        # what a row's NumberRule reads and masks
        self.pieces = dict(pieces or {})
        self.attention = AttentionSwitch(model)
        self.layers = int(model.config.get_text_config().num_hidden_layers)
        self.stop_ids = stop_ids
        self.pad_id = pad_id
        self.max_batch_size = max(1, max_batch_size)
        # The prompts of the last call, as prefilled, for a next call that repeats them: the
        # handler regenerates rejected drafts from the same prompts right after. Bounded in
        # tokens (~46 KB a token in float32): 64 description prompts take ~13,000.
        self.keep_prefill_tokens = keep_prefill_tokens
        self._kept: dict[tuple[int, ...], Prefilled] = {}

    def generate(self, rows: Sequence[Row]) -> list[Decoded]:
        """Each row's continuation, in the order given."""
        results: list[Decoded | None] = [None] * len(rows)
        kept, self._kept = self._kept, {}
        with torch.inference_mode():
            for batch in self._sub_batches(rows):
                decoded = self._generate_batch([rows[i] for i in batch], kept)
                for index, one in zip(batch, decoded, strict=True):
                    results[index] = one
        assert all(r is not None for r in results)
        return results  # type: ignore[return-value]

    def forget(self) -> None:
        """Drop the kept prefills."""
        self._kept = {}

    def _sub_batches(self, rows: Sequence[Row]) -> list[list[int]]:
        """Indices of rows of similar length together, at most `max_batch_size` per batch."""
        ordered = sorted(range(len(rows)), key=lambda i: len(rows[i].ids))
        return [ordered[i:i + self.max_batch_size] for i in range(0, len(ordered), self.max_batch_size)]

    def _start(self, batch: Sequence[Row],
               kept: dict[tuple[int, ...], Prefilled]) -> tuple[torch.Tensor, Cache, torch.Tensor]:
        """The logits at each row's last prompt token, the cache, the mask: from the last
        call's prefills when it had every prompt of this batch, else by a prefill (kept in
        turn). A prefill is ~a quarter of a 32-row call on 2 cores (float32: ~12 of ~50 s),
        and a regeneration would otherwise pay it twice."""
        found = [kept.get(tuple(row.ids)) for row in batch]
        if all(p is not None for p in found):
            prefilled = [p for p in found if p is not None]
            logits, cache, attention = assemble(prefilled, self._room(batch, max(p.tokens for p in prefilled)))
        else:
            logits, cache, attention = self.prefill(batch)
            prefilled = [extract(cache, attention, logits, r) for r in range(len(batch))]
        budget = self.keep_prefill_tokens - sum(p.tokens for p in self._kept.values())
        for row, p in zip(batch, prefilled, strict=True):
            if p.tokens <= budget:
                self._kept[tuple(row.ids)] = p
                budget -= p.tokens
        return logits, cache, attention

    @staticmethod
    def _room(batch: Sequence[Row], prompt_width: int) -> int:
        return prompt_width + max(row.max_new_tokens for row in batch)

    def prefill(self, batch: Sequence[Row]) -> tuple[torch.Tensor, Cache, torch.Tensor]:
        """Run the prompts: the logits at each row's last token, the cache, the mask.

        The prompts of a batch usually share a long head (the system prompt: ~150 of a
        description's ~220 tokens). The head runs once and its cache is copied to every row;
        each row's own tail follows it, left-padded: [head][pad][tail]. Positions count real
        tokens only, so every row computes what it would alone."""
        rows = len(batch)
        head = shared_head([row.ids for row in batch]) if rows > 1 else 0
        head = min(head, min(len(row.ids) for row in batch) - 1)  # every row keeps a tail to run
        if head < MIN_SHARED_HEAD:  # not worth a forward pass of its own
            head = 0
        cache = reserved_cache(self._room(batch, max(len(row.ids) for row in batch)), self.layers)
        self.attention.for_rows(rows, prefill=True)
        if head:
            self.model(input_ids=torch.tensor([batch[0].ids[:head]]), past_key_values=cache, use_cache=True,
                       logits_to_keep=1)
            cache.batch_repeat_interleave(rows)
        tails = [row.ids[head:] for row in batch]
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
        out = self.model(input_ids=input_ids, attention_mask=attention, position_ids=positions,
                         past_key_values=cache, use_cache=True, logits_to_keep=1)
        return out.logits[:, -1, :].float(), cache, attention

    def _generate_batch(self, batch: Sequence[Row], kept: dict[tuple[int, ...], Prefilled]) -> list[Decoded]:
        rows = len(batch)
        logits, cache, attention = self._start(batch, kept)
        limits = torch.tensor([row.max_new_tokens for row in batch])
        temperatures = torch.tensor([max(row.temperature, 0.0) for row in batch], dtype=torch.float32)
        sampled = temperatures > 0
        generators = [seeded(row.seed) if row.temperature > 0 else None for row in batch]
        bias = _bias_matrix(batch, logits.shape[-1])
        stop = torch.tensor(sorted(self.stop_ids))
        constrained = bool(self.pieces) and any(row.numbers is not None for row in batch)
        states = [""] * rows  # the number each row is writing, as NumberRule reads it
        masks: dict[tuple[int, str], tuple[list[int], bool]] = {}

        produced: list[list[int]] = [[] for _ in batch]
        abandoned: set[int] = set()  # rows stopped because their `doomed` said so
        alive = torch.arange(rows)  # original row of each row still decoding
        self.attention.for_rows(rows, prefill=False)
        for step in range(int(limits.max())):
            if bias is not None:
                logits = logits + bias[alive]
            if constrained:
                logits = self._numbers_only(logits, [(batch[r].numbers, states[r]) for r in alive.tolist()], masks)
            next_ids = choose(logits, temperatures[alive], sampled[alive], [generators[r] for r in alive.tolist()])
            for r, token in zip(alive.tolist(), next_ids.tolist(), strict=True):
                produced[r].append(token)
                if (rule := batch[r].numbers) is not None:
                    states[r] = rule.after(states[r], self.pieces.get(token))
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
                self.attention.for_rows(len(alive), prefill=False)
            attention = torch.cat([attention, torch.ones((len(alive), 1), dtype=attention.dtype)], dim=1)
            positions = attention.sum(-1, keepdim=True) - 1
            out = self.model(input_ids=next_ids[:, None], attention_mask=attention, position_ids=positions,
                             past_key_values=cache, use_cache=True)
            logits = out.logits[:, -1, :].float()
        return [Decoded(tokens, stopped_early=r in abandoned) for r, tokens in enumerate(produced)]

    def _numbers_only(self, logits: torch.Tensor, rows: list[tuple[NumberRule | None, str]],
                      masks: dict[tuple[int, str], tuple[list[int], bool]]) -> torch.Tensor:
        """Mask what a row's NumberRule forbids next: a number token no fact's number goes
        on with, or, in the middle of a number that is no fact yet, any other token.
        `masks` keeps each (rule, state)'s answer for the call: most steps write no number."""
        masked = logits.clone()
        for i, (rule, state) in enumerate(rows):
            if rule is None:
                continue
            key = (id(rule), state)
            if key not in masks:
                others = rule.choices(state)[1]
                # where any other token may follow, the number tokens it forbids; else the ones it allows
                masks[key] = ([t for t, piece in self.pieces.items() if rule.allows(state, piece) != others], others)
            tokens, others = masks[key]
            if others:
                masked[i, tokens] = float("-inf")
            else:
                row = torch.full_like(masked[i], float("-inf"))
                row[tokens] = masked[i, tokens]
                masked[i] = row
        return masked

    @staticmethod
    def _doomed(batch: Sequence[Row], produced: list[list[int]], alive: torch.Tensor) -> torch.Tensor:
        """Which rows still decoding have written what their `doomed` rejects. A greedy
        small model often loops; a looping row would otherwise decode to its token limit,
        most of it in the batch's last steps, where few rows share each step."""
        flags = []
        for r in alive.tolist():
            check = batch[r].doomed
            flags.append(check is not None and check(produced[r]))
        return torch.tensor(flags, dtype=torch.bool)


def _bias_matrix(batch: Sequence[Row], vocab: int) -> torch.Tensor | None:
    """Each row's logit bias as one (rows x vocab) tensor; None when no row has one."""
    if not any(row.bias for row in batch):
        return None
    matrix = torch.zeros((len(batch), vocab), dtype=torch.float32)
    for r, row in enumerate(batch):
        if row.bias:
            ids = torch.tensor([t for t in row.bias if t < vocab], dtype=torch.long)
            matrix[r, ids] = torch.tensor([row.bias[int(t)] for t in ids], dtype=torch.float32)
    return matrix


def shared_head(sequences: list[list[int]]) -> int:
    """Length of the token prefix every sequence starts with."""
    shortest = min(len(s) for s in sequences)
    for i in range(shortest):
        token = sequences[0][i]
        if any(s[i] != token for s in sequences):
            return i
    return shortest
