"""The echo backend: free, deterministic, built from the prompt's facts; for tests and overhead benchmarks."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from schemas import ProductEvent
from workers import descriptions
from workers.backend import BackendDead, ChatPrompt, GenerationBackend
from workers.echo_backend import EchoBackend
from workers.guardrails import clean_output, find_violations

MUG = ProductEvent.model_validate({
    "event_id": "e1", "type": "product.created", "sku": "MUG-1", "occurred_at": datetime(2026, 11, 1, tzinfo=timezone.utc),
    "title": "Stoneware Coffee Mug", "brand": "Hearth & Co", "category": "kitchen",
    "attributes": {"capacity": "350 ml", "color": "sage green"},
})


def test_it_implements_the_backend_protocol() -> None:
    backend = EchoBackend()
    assert isinstance(backend, GenerationBackend)
    assert backend.name == "echo"


def test_it_echoes_the_title_and_attribute_values_of_a_description_prompt() -> None:
    [completion] = EchoBackend().generate([descriptions.build_prompt(MUG, 120)])
    assert completion.text == "The Stoneware Coffee Mug comes with capacity 350 ml, color sage green."


def test_its_text_passes_the_guardrails_and_the_claim_check() -> None:
    [completion] = EchoBackend().generate([descriptions.build_prompt(MUG, 120)])
    text = clean_output(completion.text, 600)
    assert find_violations(text, source_text=descriptions.source_text(MUG), max_chars=600) == []
    assert descriptions.ground(text, MUG, 600).text == text


def test_token_counts_are_word_counts() -> None:
    prompt = ChatPrompt(messages=({"role": "user", "content": "three little words"},))
    [completion] = EchoBackend().generate([prompt])
    assert completion.prompt_tokens == 3
    assert completion.completion_tokens == len(completion.text.split()) == 3


def test_it_is_deterministic_and_keeps_order() -> None:
    prompts = [ChatPrompt(messages=({"role": "user", "content": f"prompt number {i}"},)) for i in range(5)]
    first, second = EchoBackend().generate(prompts), EchoBackend().generate(prompts)
    assert first == second
    assert [c.text for c in first] == [f"prompt number {i}." for i in range(5)]


def test_long_prompts_are_truncated_at_a_word_boundary() -> None:
    prompt = ChatPrompt(messages=({"role": "user", "content": "word " * 500},))
    [completion] = EchoBackend().generate([prompt])
    assert len(completion.text) <= 300 and completion.text.endswith("word.")


def test_one_call_per_generate_and_closed_means_dead() -> None:
    backend = EchoBackend()
    backend.generate([])
    assert backend.calls == 1
    backend.close()
    with pytest.raises(BackendDead):
        backend.generate([])
