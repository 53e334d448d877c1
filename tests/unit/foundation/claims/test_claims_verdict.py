"""The verdict's shape, sentence splitting, and text that is no description at all."""

from __future__ import annotations

from foundation.claims import DroppedSentence, Facts, Verdict, check_description, split_sentences

SHOE = Facts.of(
    "Ridgeback Trail Running Shoe", "Kestrel Outdoor", "running shoes",
    {"upper": "ripstop mesh", "drop": "6 mm", "weight": "310 g", "waterproof": "no", "colors": ["olive", "rust"]},
)


def test_facts_are_built_from_a_product_event_s_fields() -> None:
    facts = Facts.of("Mug", "Clayhaus", None, {"Colours": ["sage", "sand"], "Capacity": "350 ml"})
    assert facts.attributes == (("Colours", ("sage", "sand")), ("Capacity", ("350 ml",)))
    assert hash(facts) == hash(Facts.of("Mug", "Clayhaus", None, {"Colours": ["sage", "sand"], "Capacity": "350 ml"}))


def test_kept_sentences_are_the_text_and_dropped_ones_say_why() -> None:
    verdict = check_description(
        "The Ridgeback trail running shoe from Kestrel Outdoor has a ripstop mesh upper. "
        "Its waterproof membrane keeps feet dry! It weighs 310 g and has a 6 mm drop.",
        SHOE,
    )
    assert verdict.kept == [
        "The Ridgeback trail running shoe from Kestrel Outdoor has a ripstop mesh upper.",
        "It weighs 310 g and has a 6 mm drop.",
    ]
    assert verdict.text == " ".join(verdict.kept)
    assert verdict.dropped == [DroppedSentence("Its waterproof membrane keeps feet dry!", verdict.dropped[0].reasons)]
    assert verdict.reasons[0] == "contradicts:waterproof"
    assert not verdict.supported and not verdict.echo


def test_a_fully_supported_text_is_supported() -> None:
    verdict = check_description("The Ridgeback trail running shoe comes in olive or rust and weighs 310 g.", SHOE)
    assert verdict.supported and verdict.dropped == []


def test_an_empty_draft_keeps_nothing() -> None:
    assert check_description("  ", SHOE) == Verdict(kept=[])


def test_sentences_end_after_units_but_not_after_abbreviations() -> None:
    assert split_sentences("It weighs 22.5 W. It has approx. 3 modes, e.g. low. Done!  Really?") == [
        "It weighs 22.5 W.", "It has approx. 3 modes, e.g. low.", "Done!", "Really?",
    ]


def test_the_facts_block_written_out_is_no_description() -> None:
    verdict = check_description("Title: Ridgeback Trail Running Shoe. Brand: Kestrel Outdoor. Upper: ripstop mesh.", SHOE)
    assert verdict.echo and verdict.echo_reason == "echo_facts:Title"
    assert [d.reasons for d in verdict.dropped] == [["echo_facts:Title"]] * 3


def test_the_title_with_filler_is_no_description() -> None:
    assert check_description("Ridgeback Trail Running Shoe. It is a running shoe.", SHOE).echo_reason == (
        "echo_title:nothing_beyond_title"
    )


def test_the_title_with_its_numbers_and_units_written_another_way_is_no_description() -> None:
    kettle = Facts.of("Brookvale Glass Kettle 1.5L, 2000W, Auto Shut-Off BV-GK15", "Brookvale", "Kitchen",
                      {"Capacity": "1.5 l", "Power": "2000 W"})
    text = "The Brookvale Glass Kettle from Brookvale is a 1.5-liter, 2000W, Auto Shut-Off BV-GK15."
    assert check_description(text, kettle).echo_reason == "echo_title:nothing_beyond_title"
    # a number the title does not have is new: judged as a claim, not as an echo
    assert not check_description("The Brookvale Glass Kettle 1.5L, 2000W fits 11 cups.", kettle).echo


def test_facts_strung_together_without_a_verb_are_no_description() -> None:
    assert check_description("Kestrel Outdoor Ridgeback, ripstop mesh upper, 6 mm drop, olive or rust.", SHOE).echo_reason == (
        "echo_facts:no_sentence"
    )


def test_a_short_sentence_that_does_not_restate_the_title_is_judged_not_echoed() -> None:
    verdict = check_description("It comes in olive.", SHOE)
    assert not verdict.echo and verdict.supported


def test_a_description_that_names_its_title_twice_is_judged_not_echoed() -> None:
    verdict = check_description(
        "The Ridgeback Trail Running Shoe has a ripstop mesh upper and a 6 mm drop. "
        "It weighs 310 g and comes in olive or rust. The Ridgeback Trail Running Shoe is a great choice.",
        SHOE,
    )
    assert not verdict.echo and verdict.supported
