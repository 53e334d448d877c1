"""The transformers backend with the real bundled SmolLM2 model: converted once from the
GGUF into a cache folder, loaded from there afterwards, generating real tokens."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from schemas import ProductEvent
from workers import descriptions
from workers.backend import ChatPrompt, GenerationBackend
from workers.engine.engine import DOOMED_CHECK_EVERY
from workers.model_cache import resolve_model_dir
from workers.transformers_backend import TransformersBackend

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
PRODUCTS = [
    ProductEvent(event_id="e1", type="product.created", sku="MUG-1", occurred_at=T0, title="Stoneware Coffee Mug",
                 brand="Hearth & Co", category="kitchen", attributes={"capacity": "350 ml", "color": "sage green"}),
    ProductEvent(event_id="e2", type="product.created", sku="BOARD-1", occurred_at=T0, title="End-Grain Cutting Board",
                 category="kitchen", attributes={"material": "walnut", "care": "hand wash only"}),
    ProductEvent(event_id="e3", type="product.created", sku="SOCK-1", occurred_at=T0, title="Merino Hiking Socks",
                 brand="Kestrel Outdoor", attributes={"material": "merino wool", "sizes": ["S", "M", "L"]}),
]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    """The converted folder, and its weights' modification time after the first and the
    second resolve (equal when the second start reused the folder instead of converting)."""
    cache = tmp_path_factory.mktemp("models")
    first = resolve_model_dir(None, cache, "auto")
    written = (first / "model.safetensors").stat().st_mtime_ns
    second = resolve_model_dir(None, cache, "auto")
    assert second == first
    return first, written, (second / "model.safetensors").stat().st_mtime_ns


@pytest.fixture(scope="module")
def backend(converted: tuple[Path, int, int]) -> TransformersBackend:
    model_dir, _, _ = converted
    loaded = TransformersBackend(model_dir, dtype="auto")
    yield loaded
    loaded.close()


def test_the_gguf_is_converted_once_into_a_plain_hf_checkpoint(converted: tuple[Path, int, int]) -> None:
    model_dir, written, after_second_start = converted
    names = {p.name for p in model_dir.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "generation_config.json"} <= names
    config = json.loads((model_dir / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"]
    assert "quantization_config" not in config
    assert config["torch_dtype"] in ("float32", "bfloat16")
    assert after_second_start == written  # the second start read the folder; it did not convert again
    # No temporary folders are left next to the finished one.
    assert [p.name for p in model_dir.parent.iterdir() if not p.name.endswith(".lock")] == [model_dir.name]


def test_the_cached_folder_loads_as_a_backend_without_the_gguf(converted: tuple[Path, int, int]) -> None:
    model_dir, _, _ = converted
    assert not list(model_dir.glob("*.gguf"))  # load times belong to `shopscribe bench`, not to a test
    TransformersBackend(model_dir).close()


def test_it_generates_text_with_real_token_counts_for_each_prompt(backend: TransformersBackend) -> None:
    assert isinstance(backend, GenerationBackend)
    assert backend.name == "transformers" and "SmolLM2" in backend.model
    prompts = [descriptions.build_prompt(p, max_new_tokens=24) for p in PRODUCTS]
    completions = backend.generate(prompts)
    assert len(completions) == 3
    for completion in completions:
        assert completion.text.strip()
        assert "<|im_end|>" not in completion.text
        assert completion.prompt_tokens > 100  # the system prompt alone is longer
        assert 0 < completion.completion_tokens <= 24


def test_results_come_back_in_input_order_whatever_the_batching(backend: TransformersBackend) -> None:
    prompts = [descriptions.build_prompt(p, max_new_tokens=8) for p in PRODUCTS]
    batched = backend.generate(prompts)
    alone = [backend.generate([p])[0] for p in prompts]
    assert [c.prompt_tokens for c in batched] == [c.prompt_tokens for c in alone]
    assert len({c.prompt_tokens for c in batched}) == 3  # distinct lengths: a reorder would show


def test_sampling_is_reproducible_with_the_same_seed(backend: TransformersBackend) -> None:
    messages = ({"role": "user", "content": "Describe a red mug in one sentence."},)
    sampled = [ChatPrompt(messages, max_new_tokens=12, temperature=0.9, seed=s) for s in (7, 7, 8)]
    a, b, _ = backend.generate(sampled)
    assert a.text == b.text


def test_rows_that_finish_early_leave_the_batch_without_disturbing_the_others(backend: TransformersBackend) -> None:
    mug, board = (descriptions.build_prompt(p, max_new_tokens=24) for p in PRODUCTS[:2])
    long_mug, short_board, mid_mug = backend.generate([
        replace(mug, max_new_tokens=20), replace(board, max_new_tokens=3), replace(mug, max_new_tokens=8),
    ])
    assert [c.completion_tokens for c in (long_mug, short_board, mid_mug)] == [20, 3, 8]
    # The board row leaves the batch after 3 tokens, the shorter mug row after 8: the
    # long mug row, decoded from the same prompt, keeps the same tokens all the way.
    assert mid_mug.text and long_mug.text.startswith(mid_mug.text)


def test_a_row_its_prompt_calls_doomed_stops_there_and_the_others_run_on(backend: TransformersBackend) -> None:
    mug = descriptions.build_prompt(PRODUCTS[0], max_new_tokens=24)
    asked: list[str] = []

    def three_words_are_too_many(text: str) -> bool:
        asked.append(text)
        return len(text.split()) >= 3

    given_up, kept = backend.generate([
        replace(mug, doomed=three_words_are_too_many), replace(mug, doomed=None),
    ])
    assert given_up.stopped_early and not kept.stopped_early
    # It is asked every few tokens, and stops at the first ask that says yes.
    assert given_up.completion_tokens == DOOMED_CHECK_EVERY * len(asked) < kept.completion_tokens
    assert asked[-1] == given_up.text and all(len(text.split()) < 3 for text in asked[:-1])
    assert kept.text.startswith(given_up.text)


def test_digits_spell_only_the_numbers_a_prompt_allows(backend: TransformersBackend) -> None:
    # Asked to count, the model writes many numbers; constrained, only the allowed ones.
    counting = ChatPrompt(messages=({"role": "user", "content": "Count from 1 to 20, separated by commas."},),
                          max_new_tokens=40)
    free, constrained = backend.generate([counting, replace(counting, numbers=frozenset({"7", "12"}))])
    assert set(re.findall(r"\d+", free.text)) - {"7", "12"}
    assert set(re.findall(r"\d+", constrained.text)) <= {"7", "12"}


def test_words_begin_only_as_a_prompt_allows(backend: TransformersBackend) -> None:
    # Asked for materials, the model starts words no description may write without facts
    # (" Wood", " Concrete"); held to the words any description may write, it starts none.
    asking = ChatPrompt(messages=({"role": "user", "content": "List three materials used to make furniture."},),
                        max_new_tokens=40)
    held = replace(asking, words=frozenset())
    banned = set(backend.words.bias(frozenset()))
    free, constrained = backend.engine.generate([backend._row(0, asking), backend._row(1, held)])
    assert set(free.tokens) & banned
    assert constrained.tokens and not set(constrained.tokens) & banned


@pytest.fixture(scope="module")
def float32_backend(tmp_path_factory: pytest.TempPathFactory) -> TransformersBackend:
    # float32: bfloat16 rounds differently at every batch shape, so only float32 can be
    # compared token for token.
    loaded = TransformersBackend(resolve_model_dir(None, tmp_path_factory.mktemp("fp32"), "float32"), dtype="float32")
    yield loaded
    loaded.close()


def test_a_batch_computes_what_each_prompt_would_alone(float32_backend: TransformersBackend,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The batch shares its prompts' common head (the system prompt: run once, its cache
    # copied to each row) and pads each row's own tail. Nothing is kept between calls
    # here, so each prompt alone is prefilled alone.
    monkeypatch.setattr(float32_backend.engine, "keep_prefill_tokens", 0)
    prompts = [descriptions.build_prompt(p, max_new_tokens=24) for p in PRODUCTS]
    batched = float32_backend.generate(prompts)
    alone = [float32_backend.generate([p])[0] for p in prompts]
    assert [c.text for c in batched] == [c.text for c in alone]
    assert len({c.text for c in batched}) == 3


def test_a_call_that_repeats_the_last_calls_prompts_reuses_their_prefill(
        float32_backend: TransformersBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    prompts = [descriptions.build_prompt(p, max_new_tokens=24) for p in PRODUCTS]
    first = float32_backend.generate(prompts)
    prefills: list[int] = []
    real_prefill = float32_backend.engine.prefill
    monkeypatch.setattr(float32_backend.engine, "prefill", lambda batch: prefills.append(len(batch)) or real_prefill(batch))
    # The regeneration pattern: a subset of the same prompts, in another order.
    again = float32_backend.generate([prompts[2], prompts[0]])
    assert prefills == []
    assert [c.text for c in again] == [first[2].text, first[0].text]
    assert [c.prompt_tokens for c in again] == [first[2].prompt_tokens, first[0].prompt_tokens]
    # Only the last call's prompts are kept: prompts[1] was not in it.
    float32_backend.generate([prompts[1]])
    assert prefills == [1]
