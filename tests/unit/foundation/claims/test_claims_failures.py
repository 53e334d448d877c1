"""Descriptions that today's guardrails (workers/guardrails.py::find_violations) publish
and that state what the facts do not say: each must lose the false sentence."""

from __future__ import annotations

from foundation.claims import Facts, check_description

STAMP_DISPENSER = Facts.of(
    "Self-Inking Stamp Pad Dispenser", "Stampo", "Office supplies", {"Material": "plastic", "Colour": "clear"}
)
TAPE_DRIVE = Facts.of(
    "Quantum LTO-8 HH SAS 12Gb/s Tape Drive TC-L82AN-BR 30/12TB", "Quantum", "Tape drives",
    {"Interface": "SAS 12Gb/s", "Native capacity": "12 TB", "Compressed capacity": "30 TB"},
)
RING = Facts.of(
    "Men's Titanium Band Ring", "Orrin", "Rings",
    {"Stones Type": "without stone", "Metals Type": "titanium", "Width": "8 mm"},
)
XEON = Facts.of(
    "Intel Xeon E5-2620 2.0 GHz 4-Core Processor", "Intel", "Server processors", {"Cache": "15 MB", "Socket": "LGA 2011"}
)
ROCKS_GLASS = Facts.of(
    "Old Fashioned Rocks Glass, 10 oz", "Clearline", "Glassware", {"Capacity": "10 oz", "Material": "lead-free glass"}
)
DEMO_SERUM = Facts.of(  # the demo catalog's BEA-0001
    "Hydrating Hyaluronic Face Serum 30 ml", "Dewline", "beauty",
    {"volume": "30 ml", "key ingredients": ["hyaluronic acid", "niacinamide", "panthenol"], "skin type": "all",
     "fragrance": "fragrance-free", "packaging": "glass dropper bottle"},
)


def reasons_for(text: str, facts: Facts) -> dict[str, list[str]]:
    return {d.sentence: d.reasons for d in check_description(text, facts).dropped}


def test_a_ceramic_product_of_black_material_is_not_a_clear_plastic_dispenser() -> None:
    verdict = check_description(
        "This is a highly competitive and durable ceramic product. It is made of 100% Pure Black material. "
        "The Stampo stamp pad dispenser is made of clear plastic.",
        STAMP_DISPENSER,
    )
    reasons = {d.sentence: d.reasons for d in verdict.dropped}
    assert reasons["This is a highly competitive and durable ceramic product."] == ["contradicts:material/ceramic"]
    assert "unsupported_number:100%" in reasons["It is made of 100% Pure Black material."]
    assert "contradicts:colour/black" in reasons["It is made of 100% Pure Black material."]
    assert verdict.kept == ["The Stampo stamp pad dispenser is made of clear plastic."]


def test_an_invented_maker_is_an_unsupported_name() -> None:
    sentence = "Tesla Motors offers a range of innovative products, including a high-end tape drive."
    assert reasons_for(sentence, TAPE_DRIVE) == {
        sentence: ["unsupported_property:range of products", "unsupported_name:Tesla Motors"]}


def test_a_diamond_contradicts_a_ring_without_stone() -> None:
    sentence = "This is a bespoke, high-end diamond ring."
    assert "contradicts:stone/diamond" in reasons_for(sentence, RING)[sentence]
    assert check_description("The Orrin titanium band ring has no stones.", RING).supported


def test_four_cores_do_not_make_a_four_gigahertz_processor() -> None:
    verdict = check_description(
        "The 4.0GHz processor handles heavy workloads. The Intel Xeon E5-2620 runs at 2.0 GHz with 4 cores.", XEON
    )
    assert [d.sentence for d in verdict.dropped] == ["The 4.0GHz processor handles heavy workloads."]
    assert "unsupported_number:4.0GHz" in verdict.dropped[0].reasons
    assert verdict.kept == ["The Intel Xeon E5-2620 runs at 2.0 GHz with 4 cores."]


def test_an_invented_use_and_invented_variants_are_dropped() -> None:
    sentence = "This rocks glass is perfect for saving your life and is available in both Double-O and Double-D pairs."
    reasons = reasons_for(sentence + " The Clearline rocks glass holds 10 oz.", ROCKS_GLASS)
    assert set(reasons) == {sentence}
    assert {"unsupported_use:saving", "unsupported_name:Double-O", "unsupported_name:Double-D"} <= set(reasons[sentence])


def test_the_title_twice_is_no_description() -> None:
    verdict = check_description(f"{TAPE_DRIVE.title} {TAPE_DRIVE.title}", TAPE_DRIVE)
    assert verdict.echo and verdict.echo_reason == "echo_title:repeated"
    assert verdict.kept == [] and verdict.text == ""


def test_a_premise_and_sender_artefact_is_no_description() -> None:
    verdict = check_description(f"Premise: {RING.title} Sender: Orrin customer team", RING)
    assert verdict.echo and verdict.echo_reason == "echo_labels:Premise"


def test_an_invented_effect_of_an_ingredient_is_dropped() -> None:
    sentence = (
        "It contains hyaluronic acid, a natural exfoliant that helps to remove dead skin cells and promote "
        "collagen production."
    )
    verdict = check_description(f"The Dewline face serum combines hyaluronic acid, niacinamide and panthenol. {sentence}", DEMO_SERUM)
    reasons = {d.sentence: d.reasons for d in verdict.dropped}[sentence]
    assert {"unsupported_term:exfoliant", "unsupported_use:remove", "unsupported_term:collagen"} <= set(reasons)
    assert verdict.kept == ["The Dewline face serum combines hyaluronic acid, niacinamide and panthenol."]


def test_a_fragrance_contradicts_a_fragrance_free_product() -> None:
    verdict = check_description("It has a delightful fragrance. This fragrance-free serum comes in a 30 ml size.", DEMO_SERUM)
    assert [(d.sentence, d.reasons) for d in verdict.dropped] == [("It has a delightful fragrance.", ["contradicts:fragrance"])]
    assert verdict.kept == ["This fragrance-free serum comes in a 30 ml size."]
