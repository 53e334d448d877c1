"""The default CPU backend: a Hugging Face causal LM in this process.

Prompts are rendered with the model's chat template and tokenized here; the batched
decode loop, its KV cache, sampler and attention kernel are `workers.engine`. This module
is the `GenerationBackend` around it: loading, the chat template, token limits, text out,
and errors the worker knows how to handle.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import torch

from foundation.logging import get_logger
from workers.backend import (
    BackendDead,
    BackendError,
    ChatPrompt,
    Completion,
    GenerationFailed,
    WordBan,
    copy_bias,
    token_pieces,
)
from workers.engine import DecodeEngine, NumberRule, Row
from workers.engine.numbers import number_piece
from workers.model_cache import choose_dtype, model_name

log = get_logger(__name__)


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


class TransformersBackend:
    name = "transformers"

    def __init__(self, model_dir: Path | str, dtype: str = "auto", *, max_batch_size: int = 32,
                 num_threads: int | None = None, keep_prefill_tokens: int = 16_384) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        started = time.monotonic()
        self.model_dir = Path(model_dir)
        self.model = model_name(self.model_dir)
        self.dtype = choose_dtype(dtype)
        torch.set_num_threads(num_threads or default_threads())
        self._lock = threading.Lock()  # one generate at a time: torch already uses every core
        self._closed = False

        self.tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.chat_template is None:
            raise BackendDead(f"{self.model_dir} has no chat template")
        model = AutoModelForCausalLM.from_pretrained(self.model_dir, dtype=getattr(torch, self.dtype))
        model.eval()

        self.stop_ids = self._stop_token_ids(model.generation_config.eos_token_id)
        pad = self.tokenizer.pad_token_id
        if pad is None:  # a checkpoint without a pad token: pad with eos (masked out anyway)
            self.tokenizer.pad_token = self.tokenizer.eos_token
            pad = self.tokenizer.pad_token_id
        self.context_length = int(getattr(model.config, "max_position_embeddings", 2048))
        self.engine = DecodeEngine(model, stop_ids=self.stop_ids, pad_id=pad if pad is not None else min(self.stop_ids),
                                   max_batch_size=max_batch_size, keep_prefill_tokens=keep_prefill_tokens,
                                   pieces=self._number_pieces(pieces := token_pieces(self.tokenizer)))
        self.words = WordBan(pieces)
        log.info("backend_loaded", backend=self.name, model=self.model, dtype=self.dtype,
                 threads=torch.get_num_threads(), seconds=round(time.monotonic() - started, 2))

    # --- protocol ------------------------------------------------------------------------

    def generate(self, prompts: list[ChatPrompt]) -> list[Completion]:
        if self._closed:
            raise BackendDead("backend is closed")
        if not prompts:
            return []
        try:
            with self._lock:
                rows = [self._row(i, p) for i, p in enumerate(prompts)]
                decoded = self.engine.generate(rows)
        except BackendError:
            raise
        except Exception as exc:  # noqa: BLE001 - every engine failure is a failed call
            raise GenerationFailed(f"{type(exc).__name__}: {exc}") from exc
        # Counts are real tokens: the prompt without padding, the completion up to and
        # including its stop token (which the model did compute).
        return [Completion(text=self._text(d.tokens), prompt_tokens=len(row.ids), completion_tokens=len(d.tokens),
                           stopped_early=d.stopped_early)
                for row, d in zip(rows, decoded, strict=True)]

    def close(self) -> None:
        self._closed = True
        self.engine.forget()
        self.engine.model = None  # type: ignore[assignment]

    # --- internals -----------------------------------------------------------------------

    def _stop_token_ids(self, generation_eos: int | list[int] | None) -> set[int]:
        stops: set[int] = set()
        for source in (generation_eos, self.tokenizer.eos_token_id):
            if isinstance(source, int):
                stops.add(source)
            elif source:
                stops.update(int(s) for s in source)
        if not stops:
            raise BackendDead(f"{self.model_dir} defines no eos token")
        return stops

    def _row(self, index: int, prompt: ChatPrompt) -> Row:
        if prompt.max_new_tokens < 1:
            raise GenerationFailed(f"prompt {index}: max_new_tokens must be >= 1")
        text = self.tokenizer.apply_chat_template(list(prompt.messages), tokenize=False, add_generation_prompt=True)
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(ids) + prompt.max_new_tokens > self.context_length:
            raise GenerationFailed(
                f"prompt {index} has {len(ids)} tokens; with {prompt.max_new_tokens} new tokens it exceeds "
                f"the context of {self.context_length}"
            )
        return Row(ids=ids, max_new_tokens=prompt.max_new_tokens, temperature=prompt.temperature, seed=prompt.seed,
                   doomed=self._doomed_on_text(prompt.doomed),
                   bias={**copy_bias(prompt, self.tokenizer, self.stop_ids), **self.words.bias(prompt.words)} or None,
                   numbers=None if prompt.numbers is None else NumberRule.of(prompt.numbers))

    @staticmethod
    def _number_pieces(pieces: dict[int, str]) -> dict[int, str]:
        """The tokens that are number pieces ("2", "220", ".", " 5"): what number-constrained
        decoding reads and masks."""
        return {token: piece for token, piece in pieces.items() if number_piece(piece)}

    def _doomed_on_text(self, doomed: Callable[[str], bool] | None) -> Callable[[list[int]], bool] | None:
        """The prompt's `doomed` (it reads text) as the engine asks it (with tokens)."""
        if doomed is None:
            return None
        return lambda tokens: doomed(self._text(tokens))

    def _text(self, tokens: list[int]) -> str:
        return self.tokenizer.decode([t for t in tokens if t not in self.stop_ids], skip_special_tokens=True).strip()
