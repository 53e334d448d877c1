"""Guardrails: what generated text may not contain, judged against the facts it came from."""

from __future__ import annotations

import pytest

from workers.guardrails import clean_output, doomed, find_violations, number_set, split_sentences

FACTS = """Stride Lite 3 Men's Road Running Shoe
Northpace
running shoes
upper: engineered mesh
weight: 280 g
price tier: 1,200 points
rating: 4.5
colors (3): black, volt green, slate grey"""

GOOD = "The Stride Lite 3 from Northpace has an engineered mesh upper and weighs 280 g. It comes in black, volt green and slate grey."


def kinds(text: str, source: str = FACTS, max_chars: int = 600) -> list[str]:
    return [reason.split(":", 1)[0] for reason in find_violations(text, source_text=source, max_chars=max_chars)]


def test_a_factual_description_passes() -> None:
    assert find_violations(GOOD, source_text=FACTS, max_chars=600) == []


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text_is_rejected(text: str) -> None:
    assert kinds(text) == ["empty"]


def test_text_over_max_chars_is_rejected() -> None:
    assert "too_long" in kinds(GOOD, max_chars=50)


@pytest.mark.parametrize("text", [
    "Buy it at https://shop.example/p/1 today.",
    "See www.northpace-shoes.com for more.",
    "Order from example.com now.",
    "Details on shop.example.co.uk/stride.",
])
def test_links_are_rejected(text: str) -> None:
    assert "url" in kinds(text)


def test_a_bare_domain_that_is_a_fact_is_allowed() -> None:
    assert kinds("A gift card from Hotels.com.", source="Gift card\nHotels.com") == []


def test_a_link_with_scheme_is_rejected_even_when_it_is_in_the_facts() -> None:
    assert "url" in kinds("Visit https://northpace.com.", source="Shoe\nsite: https://northpace.com")


def test_emails_are_rejected() -> None:
    assert "email" in kinds("Write to help@northpace.com for help.")


@pytest.mark.parametrize("text", ["Call +1 (555) 123-4567 today.", "Call 0800 123 4567."])
def test_phone_numbers_are_rejected(text: str) -> None:
    assert "phone" in kinds(text)


def test_a_long_product_code_from_the_facts_is_not_a_phone_number() -> None:
    assert kinds("Its EAN is 4006381333931.", source="Shoe\nean: 4006381333931") == []


@pytest.mark.parametrize("text", [
    "It weighs 250 g.",            # digits not in the facts
    "Rated 4.7 by runners.",
    "It has a 10 mm drop.",
    "It comes in five colors.",   # spelled out, not in the facts
])
def test_invented_numbers_are_rejected(text: str) -> None:
    assert "number" in kinds(text)


@pytest.mark.parametrize("text", [
    "It costs 1200 points.",      # "1,200" in the facts
    "It costs 1,200 points.",
    "Rated 4.50 by runners.",      # "4.5" in the facts
    "It comes in three colors.",  # the facts list three colors
    "One shoe for every run.",     # "one" is not held to the number rule
])
def test_numbers_from_the_facts_are_allowed_however_written(text: str) -> None:
    assert "number" not in kinds(text)


def test_number_set_normalises_separators_and_trailing_zeros() -> None:
    values = {str(v) for v in number_set("1,200 and 4.50 and 007")}
    assert {"1.2E+3", "4.5", "7"} <= values


@pytest.mark.parametrize("text", ["Отличная обувь для бега.", "A great shoe 跑步鞋 for running.", "Bad \ufffd byte."])
def test_foreign_script_and_garbage_are_rejected(text: str) -> None:
    assert "script" in kinds(text)


def test_non_latin_letters_from_the_facts_are_allowed() -> None:
    assert kinds("The Sakura 桜 mug is blue.", source="Sakura 桜 mug\ncolor: blue") == []


def test_accented_latin_letters_are_not_foreign() -> None:
    assert kinds("A café-style crème mug.", source="café-style crème mug") == []


@pytest.mark.parametrize("text", [
    "It is very very very very light.",
    "It is one-pot, one-pot, one-pot, one-pot.",
    "A great shoe for runners. It is light. A great shoe for runners.",
])
def test_repetition_loops_are_rejected(text: str) -> None:
    assert "loop" in kinds(text)


def test_repetition_copied_from_the_facts_is_not_a_loop() -> None:
    assert kinds("The Go Go Go Go toy is red.", source="Go Go Go Go toy\ncolor: red") == []


@pytest.mark.parametrize("text", [
    "A light shoe.<|im_end|>",
    "<|im_start|>assistant\nA light shoe.",
    "assistant: A light shoe.",
    "<product_facts> title: Stride Lite 3",
])
def test_leftover_chat_markup_is_rejected(text: str) -> None:
    assert "markup" in kinds(text)


@pytest.mark.parametrize("text", [
    "Using only the given facts, here is a light shoe.",
    "As an AI language model, I cannot describe shoes.",
    "This description has 2-3 sentences.",
])
def test_text_that_talks_about_its_instructions_is_rejected(text: str) -> None:
    assert "instructions" in kinds(text)


def test_several_problems_are_all_reported() -> None:
    assert set(kinds("Call help@x.com or https://x.com for 99 shoes.")) >= {"email", "url", "number"}


# --- clean_output ----------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ('"A light shoe."', "A light shoe."),
    ("Description: A light shoe.", "A light shoe."),
    ("Sure! Here is a description: A light shoe.", "A light shoe."),
    ("**Product description:** A *light* shoe.", "A *light* shoe."),
    ("## A light shoe.\n\nIt is   blue.", "A light shoe. It is blue."),
    ('"A light shoe. It is cut off mid', "A light shoe."),
])
def test_clean_output_strips_wrapping_and_preambles(raw: str, expected: str) -> None:
    assert clean_output(raw, 600) == expected


def test_clean_output_cuts_at_the_last_full_sentence_within_max_chars() -> None:
    text = "First sentence here. Second sentence is here. Third one is much longer than the limit allows."
    assert clean_output(text, 50) == "First sentence here. Second sentence is here."


def test_clean_output_does_not_split_decimals() -> None:
    assert clean_output("Rated 4.5 stars. Then a cut", 600) == "Rated 4.5 stars."


def test_clean_output_without_any_full_sentence_cuts_at_a_word_boundary() -> None:
    cleaned = clean_output("a very long run of words without an end " * 5, 40)
    assert len(cleaned) <= 40 and not cleaned.endswith(" ")


def test_split_sentences() -> None:
    assert split_sentences("One 4.5 star. Two! Three? four") == ["One 4.5 star.", "Two!", "Three?", "four"]


# --- doomed: stopping a generation whose draft is already lost ---------------------------


def is_doomed(partial: str, max_chars: int = 600) -> bool:
    return doomed(partial, source_text=FACTS, max_chars=max_chars)


@pytest.mark.parametrize("partial", [
    "A great shoe for runners. It is light. A great shoe for runners. It",
    "It weighs 999 g. It",
    "Visit www.northpace.example today. The",
    "It is very very very very light. And",
])
def test_a_draft_whose_ended_sentences_break_a_rule_is_doomed(partial: str) -> None:
    assert is_doomed(partial)


@pytest.mark.parametrize("partial", [
    GOOD + " It",
    "It is light. It is very very very very",  # the loop's sentence may never end: cut off, it passes
    "It weighs 999 g.",  # nothing follows the end mark yet: the sentence may still be "999 g.5"
    "The Stride Lite 3 weighs 999",  # no sentence has ended
    "",
])
def test_a_draft_is_not_doomed_while_its_problem_could_still_be_cut(partial: str) -> None:
    assert not is_doomed(partial)


def test_a_sentence_beyond_max_chars_does_not_doom_the_draft() -> None:
    # clean_output cuts at the last sentence end within max_chars: the looped sentence goes.
    assert not is_doomed("It is light. It is very very very very light. Buy", max_chars=15)


@pytest.mark.parametrize(("text", "rejected"), [
    (GOOD + " A great shoe for runners. It is light. A great shoe for runners. Buy it.", True),
    ("Sure! Here is the description: It weighs 280 g. It weighs 280 g. It is light.", True),
    ("It weighs 280 g. It costs 4.50 points. It is very very very very light and fast", False),
    ("\"The Stride Lite 3 is light.\" It comes in 1,200 colors. Buy now.", False),
])
def test_a_draft_is_doomed_part_way_only_if_it_is_rejected_when_finished(text: str, rejected: bool) -> None:
    # The promise a backend relies on when it stops a doomed row: whatever the rest of
    # the text would have been, the finished draft would not have been published.
    finished = find_violations(clean_output(text, 600), source_text=FACTS, max_chars=600)
    doomed_at = [end for end in range(len(text) + 1) if is_doomed(text[:end])]
    assert bool(finished) == rejected
    assert bool(doomed_at) == rejected
    if rejected:  # and it is caught before the end, which is what saves the tokens
        assert doomed_at[0] < len(text) - 5
