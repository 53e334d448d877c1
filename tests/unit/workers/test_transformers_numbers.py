"""Number-constrained decoding: digits spell only the facts' numbers, in the engine and as
vLLM's regex."""

from __future__ import annotations

import re

import pytest
from transformers import LlamaForCausalLM

from workers.backend import number_pattern
from workers.engine import DecodeEngine, NumberRule, Row
from workers.engine.numbers import number_piece
from workers.guardrails import number_spellings

STOP = 1
HEAD = list(range(10, 50))
DIGIT = {str(d): 70 + d for d in range(10)}  # token 70 + d is the digit d
PIECES = {token: piece for piece, token in DIGIT.items()}


def spell(rule: NumberRule, text: str) -> str:
    state = ""
    for piece in text:
        allowed, _ = rule.choices(state)
        assert piece in allowed, f"{piece!r} after {state!r}"
        state = rule.after(state, piece)
    return state


def test_a_number_may_be_written_digit_by_digit_only_as_the_facts_spell_it() -> None:
    rule = NumberRule.of({"2200", "1.7"})
    assert rule.choices("") == (frozenset({"2", "1"}), True)
    assert rule.choices(spell(rule, "22")) == (frozenset({"0"}), False)  # "22" is no fact: go on
    assert rule.choices(spell(rule, "1.")) == (frozenset({"7"}), False)
    assert rule.choices(spell(rule, "2200")) == (frozenset(), True)  # complete: anything but a digit


def test_a_full_stop_after_a_complete_number_ends_it() -> None:
    rule = NumberRule.of({"45", "45.5"})
    assert rule.choices(spell(rule, "45.")) == (frozenset({"5"}), True)
    assert rule.after("45.", None) == ""


def test_a_token_of_several_digits_or_after_a_space_is_judged_character_by_character() -> None:
    rule = NumberRule.of({"2200", "45"})
    assert rule.allows("", "220") and rule.allows("", " 45") and rule.allows("22", "00")
    assert not rule.allows("", "230") and not rule.allows("", " 46")
    assert not rule.allows("22", " 5")  # "22" is no fact: it may not end here
    assert rule.after("", " 220") == "220" and rule.after("220", "0") == "2200"


def test_number_pieces_are_digits_and_separators_after_at_most_one_space() -> None:
    assert all(number_piece(text) for text in ("2", "220", ".", ",", " 5", " 1.5"))
    assert not any(number_piece(text) for text in ("", " ", "x2", "2x", "  5", "²"))


def test_the_facts_numbers_are_spelled_as_written_and_as_the_guardrails_read_them() -> None:
    spellings = number_spellings("Speed: 1,200 rpm\nWeight: 4.50 kg\nVoltage: 220-240 V")
    assert {"1,200", "1200", "4.50", "4.5", "220", "240"} <= spellings


@pytest.fixture(scope="module")
def engine(tiny_llama: LlamaForCausalLM) -> DecodeEngine:
    return DecodeEngine(tiny_llama, stop_ids={STOP}, pad_id=0, pieces=PIECES)


def digit_runs(tokens: list[int]) -> list[str]:
    return re.findall(r"[0-9]+", "".join(PIECES.get(t, " ") for t in tokens))


def test_a_row_with_a_number_rule_writes_only_its_numbers_whatever_it_favours(engine: DecodeEngine) -> None:
    # The bias makes "5" the row's first choice and "1" its second at every step.
    favour = {DIGIT["5"]: 100.0, DIGIT["1"]: 50.0}
    free, constrained = engine.generate([
        Row(ids=HEAD + [60], max_new_tokens=9, bias=favour),
        Row(ids=HEAD + [60], max_new_tokens=9, bias=favour, numbers=NumberRule.of({"12"})),
    ])
    assert digit_runs(free.tokens) == ["555555555"]
    # "5" never; "1" must go on to "12"; after "12" no digit, then "12" again.
    assert digit_runs(constrained.tokens) == ["12", "12", "12"]


def test_a_tokenizer_with_digit_groups_is_held_to_the_same_numbers(tiny_llama: LlamaForCausalLM) -> None:
    # token 81 is "125", a group the way Llama 3 spells numbers; it never spells "12"
    grouped = DecodeEngine(tiny_llama, stop_ids={STOP}, pad_id=0, pieces=PIECES | {81: "125", 82: "12"})
    favour = {81: 100.0, 82: 50.0}
    free, constrained = grouped.generate([
        Row(ids=HEAD + [60], max_new_tokens=6, bias=favour),
        Row(ids=HEAD + [60], max_new_tokens=6, bias=favour, numbers=NumberRule.of({"12"})),
    ])
    assert free.tokens == [81] * 6
    assert 81 not in constrained.tokens and constrained.tokens[0] == 82


def test_the_regex_accepts_text_whose_numbers_are_all_the_facts_and_nothing_else() -> None:
    pattern = number_pattern(frozenset({"2200", "1.7", "220", "240", "1", "5"}))
    for text in ("A 2200 W kettle holds 1.7 l.", "It runs on 220-240 V.", "No numbers at all.", "5, 1 and 240."):
        assert re.fullmatch(pattern, text, re.DOTALL), text
    for text in ("It has 22 W.", "It holds 1.5 l.", "12 cups", "2201 W"):
        assert not re.fullmatch(pattern, text, re.DOTALL), text
    assert re.fullmatch(number_pattern(frozenset()), "Plain words.") and not re.fullmatch(number_pattern(frozenset()), "3 cups")
