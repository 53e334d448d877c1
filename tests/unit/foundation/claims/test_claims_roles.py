"""Words the facts hold, used for what the facts do not say: a property whose attribute the
value narrows, a number under another attribute's name, the brand as a material, a choice
of values where the facts list one. Each shape was published by the held-out run of
docs/quality.md; each sentence here is new."""

from __future__ import annotations

from foundation.claims import Facts, check_description

MUG = Facts.of("Speckled Stoneware Mug 350 ml", "Kilnworth", "Kitchen",
               {"Dishwasher safe": "hand wash only", "Material": "stoneware", "Capacity": "350 ml"})
SCALE = Facts.of("Digital Kitchen Scale", "Weighwell", "Kitchen",
                 {"Capacity": "5 kg", "Resolution": "1 g", "Item weight": "249 g"})
BOARD = Facts.of("Walnut Serving Board with Handle", "Ostrander", "Kitchen", {"Material": "walnut"})
PENS = Facts.of("Gel Pens, Pack of 3", "Inkwell", "Office", {"Colours": ["red", "blue", "black"], "Tip": "0.5 mm"})
PEN = Facts.of("Gel Pen 0.5 mm", "Inkwell", "Office", {"Colour": "black", "Tip": "0.5 mm"})


def dropped(text: str, facts: Facts) -> dict[str, list[str]]:
    return {d.sentence: d.reasons for d in check_description(text, facts).dropped}


def test_a_property_named_by_an_attribute_is_no_fact_when_its_value_narrows_it() -> None:
    assert dropped("The stoneware mug is dishwasher safe.", MUG) == {
        "The stoneware mug is dishwasher safe.": ["unsupported_property:dishwasher safe"]}
    affirmed = Facts.of(MUG.title, MUG.brand, MUG.category, {"Dishwasher safe": "yes", "Material": "stoneware"})
    assert dropped("The stoneware mug is dishwasher safe.", affirmed) == {}


def test_a_number_under_a_name_the_facts_do_not_give_it_is_misattributed() -> None:
    reasons = dropped("The scale has a speed of 249 g. It has a weight of 249 g.", SCALE)
    assert list(reasons) == ["The scale has a speed of 249 g."]
    assert "misattributed_number:speed 249 g" in reasons["The scale has a speed of 249 g."]


def test_the_brand_is_not_what_the_product_is_made_of() -> None:
    assert dropped("The board is made of Ostrander. The Ostrander board is made of walnut.", BOARD) == {
        "The board is made of Ostrander.": ["unsupported_material:Ostrander"]}


def test_a_choice_of_values_needs_an_attribute_that_lists_several() -> None:
    text = "These gel pens come in a range of colours. They are available in many colours."
    assert dropped(text, PENS) == {}
    reasons = dropped("The gel pen comes in a range of colours. It is available in many colours.", PEN)
    assert reasons["The gel pen comes in a range of colours."] == ["unsupported_property:range of colours"]
    assert "unsupported_property:many colours" in reasons["It is available in many colours."]


SKILLET = Facts.of("Sable & Pine Cast Iron Skillet 26 cm", "Sable & Pine", "Kitchen",
                   {"Material": "cast iron", "Diameter": "26 cm"})
FAN = Facts.of("Brisa Pedestal Fan 40 cm, 3 Speeds", "Brisa", "Home",
               {"Blade diameter": "40 cm", "Power": "45 W", "Height": "adjustable 105-125 cm"})


def test_the_brand_written_in_the_title_is_still_no_material() -> None:
    text = ("A sturdy pan that heats evenly. The skillet is made of Sable & Pine. "
            "The Sable & Pine skillet is made of cast iron.")
    reasons = dropped(text, SKILLET)
    assert reasons["The skillet is made of Sable & Pine."] == ["unsupported_material:Sable"]
    assert "The Sable & Pine skillet is made of cast iron." not in reasons


def test_an_adjective_of_one_attribute_put_on_another_is_misattributed() -> None:
    reasons = dropped("The Brisa fan offers adjustable power. It has an adjustable height.", FAN)
    assert reasons == {"The Brisa fan offers adjustable power.": ["misattributed:adjustable power"]}


GUITAR = Facts.of("Cadence C-40 Classical Guitar, 4/4 Size, Nylon Strings", "Cadence", "Instruments",
                  {"Top": "spruce", "Back and sides": "mahogany", "Strings": "nylon", "Bags": "1"})
DRONE = Facts.of("Skylark Mini Foldable Camera Drone, 4K, 249 g", "Skylark", "Drones",
                 {"Camera": "4K/30fps", "Weight": "249 g", "Range": "10 km"})


def test_one_parts_material_given_to_another_part_is_misattributed() -> None:
    text = "A classical guitar with nylon strings. It has a top of spruce and back and sides of spruce."
    assert dropped(text, GUITAR) == {"It has a top of spruce and back and sides of spruce.": ["misattributed:spruce sides"]}
    assert dropped("A classical guitar with nylon strings. The back and sides are of mahogany.", GUITAR) == {}


def test_a_number_made_the_size_of_another_attribute_is_misattributed() -> None:
    text = "It is a 4K, 249 g camera with a 10 km range. The drone weighs 249 g."
    assert dropped(text, DRONE) == {"It is a 4K, 249 g camera with a 10 km range.": ["misattributed_number:249 g"]}
