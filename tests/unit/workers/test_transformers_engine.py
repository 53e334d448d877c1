"""The decode engine on a tiny random Llama (no weights to load): it computes what
transformers' own `generate` computes, a batch computes what each row would alone, and
it plugs into transformers only when built and only on the versions it was checked on."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
import transformers
from packaging.specifiers import SpecifierSet
from transformers import LlamaForCausalLM

from workers.engine import CHECKED_TRANSFORMERS, DecodeEngine, Row
from workers.engine.engine import DOOMED_CHECK_EVERY

STOP = 1
HEAD = list(range(10, 50))  # a shared prompt head longer than MIN_SHARED_HEAD


def test_the_installed_transformers_is_one_the_engine_was_checked_on() -> None:
    checked = SpecifierSet(",".join(CHECKED_TRANSFORMERS))
    assert transformers.__version__ in checked, (
        f"transformers {transformers.__version__} is outside {checked}, the range workers/engine was checked "
        "on. It uses AttentionInterface / AttentionMaskInterface.register, set_attn_implementation, "
        "Cache(layers=...) of DynamicLayer subclasses, and the model's position_ids / logits_to_keep "
        "arguments. Re-run tests/unit/workers/test_transformers_*.py and the float32 equivalence test "
        "(tests/integration/test_transformers_backend.py), then widen CHECKED_TRANSFORMERS "
        "in workers/engine/engine.py.")


@pytest.fixture(scope="module")
def model(tiny_llama: LlamaForCausalLM) -> LlamaForCausalLM:
    return tiny_llama


@pytest.fixture
def engine(model: LlamaForCausalLM) -> DecodeEngine:
    return DecodeEngine(model, stop_ids={STOP}, pad_id=0)


def greedy(ids: list[int], max_new_tokens: int = 10) -> Row:
    return Row(ids=ids, max_new_tokens=max_new_tokens)


def test_a_greedy_row_continues_as_transformers_generate_does(engine: DecodeEngine, model: LlamaForCausalLM) -> None:
    ids = HEAD + [60, 61, 62]
    ours = engine.generate([greedy(ids)])[0].tokens
    with torch.inference_mode():
        theirs = model.generate(torch.tensor([ids]), max_new_tokens=10, do_sample=False, eos_token_id=STOP,
                                pad_token_id=0)[0, len(ids):].tolist()
    assert ours == theirs and len(ours) == 10


def test_a_batch_computes_what_each_row_would_alone(engine: DecodeEngine) -> None:
    # A shared head (run once, its cache copied to every row), tails of different lengths
    # (left-padded), different token limits (rows leave the batch as they finish).
    rows = [greedy(HEAD + [60, 61, 62], 10), greedy(HEAD + list(range(70, 82)), 4), greedy(HEAD + [90], 7)]
    engine.keep_prefill_tokens = 0  # each row alone is prefilled alone
    batched = [d.tokens for d in engine.generate(rows)]
    alone = [engine.generate([row])[0].tokens for row in rows]
    assert batched == alone
    assert [len(t) for t in batched] == [10, 4, 7]


def test_a_call_that_repeats_the_last_calls_rows_starts_from_their_kept_prefills(
        engine: DecodeEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [greedy(HEAD + [60, 61]), greedy(HEAD + [70])]
    first = engine.generate(rows)
    prefills: list[int] = []
    real = engine.prefill
    monkeypatch.setattr(engine, "prefill", lambda batch: prefills.append(len(batch)) or real(batch))
    again = engine.generate([rows[1], rows[0]])
    assert prefills == []
    assert [d.tokens for d in again] == [first[1].tokens, first[0].tokens]


def test_a_row_whose_doomed_says_so_stops_there_and_the_others_run_on(engine: DecodeEngine) -> None:
    asked: list[list[int]] = []

    def too_long(tokens: list[int]) -> bool:
        asked.append(list(tokens))
        return len(tokens) >= 2 * DOOMED_CHECK_EVERY

    given_up, kept = engine.generate([
        Row(ids=HEAD + [60], max_new_tokens=20, doomed=too_long), greedy(HEAD + [60], 20),
    ])
    assert given_up.stopped_early and not kept.stopped_early
    assert len(given_up.tokens) == 2 * DOOMED_CHECK_EVERY and len(asked) == 2
    assert kept.tokens[:len(given_up.tokens)] == given_up.tokens


def test_the_batched_attention_is_registered_when_an_engine_is_built_not_at_import() -> None:
    script = """
import torch
from transformers import AttentionInterface, LlamaConfig, LlamaForCausalLM
import workers.engine, workers.transformers_backend
from workers.engine.attention import GROUPED
print(GROUPED in AttentionInterface().valid_keys())
config = LlamaConfig(vocab_size=16, hidden_size=8, intermediate_size=16, num_hidden_layers=1,
                     num_attention_heads=2, num_key_value_heads=1)
workers.engine.DecodeEngine(LlamaForCausalLM(config), stop_ids={1}, pad_id=0)
print(GROUPED in AttentionInterface().valid_keys())
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def test_a_rows_logit_bias_steers_only_that_row(engine: DecodeEngine) -> None:
    plain = engine.generate([greedy(HEAD + [60], 6)])[0].tokens
    favoured = next(t for t in range(1, 96) if t not in plain and t != STOP)
    biased, beside = engine.generate([
        Row(ids=HEAD + [60], max_new_tokens=6, bias={favoured: 100.0}), greedy(HEAD + [60], 6),
    ])
    assert biased.tokens == [favoured] * 6  # a bias that outweighs every logit wins every step
    assert beside.tokens == plain
