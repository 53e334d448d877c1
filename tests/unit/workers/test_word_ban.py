"""Word-constrained decoding: which word-start tokens a prompt's `words` leave out."""

from workers.backend import BANNED_BIAS, WordBan
from workers.descriptions import fact_words

PIECES = {
    1: " ceramic", 2: " designed", 3: " Tesla", 4: "la", 5: " water", 6: "proof", 7: " the",
    8: " lightweight", 9: "ceramic", 10: " Ceramic", 11: " 28", 12: " oak", 13: ".",
}


def banned(words: frozenset[str] | None) -> set[str]:
    return {PIECES[token] for token in WordBan(PIECES).bias(words)}


def test_a_word_start_no_fact_and_no_common_word_begins_is_banned() -> None:
    assert banned(frozenset()) == {" ceramic", " Ceramic", " Tesla", " lightweight", " oak"}


def test_the_facts_words_and_their_beginnings_are_allowed() -> None:
    # a word of the facts, or a word it begins ("oak" of "oaks"), is allowed
    assert banned(frozenset({"ceramic", "tesla", "oaks"})) == {" lightweight"}


def test_common_words_mid_word_pieces_numbers_and_punctuation_stay_free() -> None:
    free = {" designed", " water", " the", "proof", "la", "ceramic", " 28", "."}
    assert not banned(frozenset()) & free


def test_a_banned_token_gets_the_strongest_negative_bias_and_none_without_words() -> None:
    ban = WordBan(PIECES)
    assert set(ban.bias(frozenset()).values()) == {BANNED_BIAS}
    assert ban.bias(None) == {}


def test_the_facts_words_are_their_letters_in_lower_case() -> None:
    assert fact_words("Granitek Pan 28 cm\ncoating: ceramic, PTFE-free") == frozenset(
        {"granitek", "pan", "cm", "coating", "ceramic", "ptfe", "free"})
