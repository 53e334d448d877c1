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


# --- what the buyer can do with it -----------------------------------------------------

TOWELS = Facts.of("Waffle Weave Tea Towels", "Hearth & Co", "Kitchen", {"Material": "cotton", "Pieces": "3"})
FOLDING = Facts.of("Folding Step Stool", "Hearth & Co", "Home", {"Material": "beech", "Foldable": "yes",
                                                              "Easy to clean": "wipe clean"})


def test_a_capability_the_facts_do_not_give_is_a_claim_however_the_verb_is_framed() -> None:
    # The second run of the five-product pipeline test published the first of these.
    assert dropped("You can customize it to match any occasion.", TOWELS) == {
        "You can customize it to match any occasion.": ["unsupported_property:customize"]}
    assert dropped("They are easy to clean.", TOWELS) == {"They are easy to clean.": ["unsupported_property:clean"]}
    assert list(dropped("The towels let you dry glasses without lint.", TOWELS)) == [
        "The towels let you dry glasses without lint."]


def test_a_capability_the_facts_state_or_a_verb_that_only_names_a_use_stands() -> None:
    assert dropped("The stool is easy to clean and you can fold it away.", FOLDING) == {}
    assert dropped("You can use the cotton towels every day.", TOWELS) == {}


def test_a_verb_that_says_how_the_product_was_made_is_a_claim_even_beside_a_fact_word() -> None:
    # "hand" is in the care fact; the second held-out set's sweater was not hand-selected.
    sweater = Facts.of("Wool Blend Crew Neck Sweater", "Muirfell", "Apparel",
                       {"Material": "70% acrylic, 30% wool", "Care": "hand wash cold"})
    assert dropped("It's made from a hand-selected wool blend.", sweater) == {
        "It's made from a hand-selected wool blend.": ["unsupported_property:hand-selected"]}


# --- published by the copy-biased runs on the second held-out set (Dec 1, third session) --

PAN = Facts.of("Nonstick Frying Pan 28 cm, Ceramic-Coated Aluminium", "Granitek", "Cookware",
               {"Material": "aluminium", "Dishwasher safe": "hand wash only", "Oven safe": "up to 180 °C"})
TRACKER = Facts.of("Fitness Tracker, 1.1\" AMOLED", "Nimbrel", "Wearables",
                   {"GPS": "connected GPS via phone, no built-in GPS", "Color": "graphite"})
SOAP = Facts.of("Olive Oil Soap, 3 Bars", "Savonne", "Bath", {"Scent": "unscented", "Weight": "100 g each"})


def test_a_word_the_facts_hold_only_in_a_name_they_narrow_is_no_fact_beside_another_word() -> None:
    # "safe" is affirmed by "Oven safe"; "dishwasher" only by the name "hand wash only" narrows.
    assert list(dropped("It is non-stick and dishwasher safe.", PAN)) == ["It is non-stick and dishwasher safe."]
    assert dropped("It is non-stick and oven safe up to 180 °C.", PAN) == {}


def test_a_denied_participle_phrase_contradicts_the_sentence_that_affirms_it() -> None:
    assert dropped("It has built-in GPS.", TRACKER) == {"It has built-in GPS.": ["contradicts:build in gps"]}
    assert dropped("It has no built-in GPS and uses connected GPS via your phone.", TRACKER) == {}


def test_an_un_word_of_the_facts_restated_stands() -> None:
    assert dropped("This unscented olive oil soap comes as 3 bars.", SOAP) == {}
    assert list(dropped("The bars are scented.", SOAP)) == ["The bars are scented."]


def test_a_choice_offered_in_values_no_attribute_lists_is_a_claim() -> None:
    # The dev set's air fryer: "available in 1700 W, 8 Presets, and 8" (one of each).
    fryer = Facts.of("5.5 L Digital Air Fryer", "Crispa", "Kitchen appliances", {"Power": "1700 W", "Presets": "8"})
    assert list(dropped("It is available in 1700 W, 8 presets and 8.", fryer)) == ["It is available in 1700 W, 8 presets and 8."]
    assert dropped("The pens come in red, blue and black.", PENS) == {}
    assert list(dropped("The pens come in red, green and black.", PENS)) == ["The pens come in red, green and black."]


def test_a_part_said_by_a_verb_to_be_of_another_parts_material_is_misattributed() -> None:
    # Published for the dev set's knife and guitar with copy-biased decoding.
    knife = Facts.of("8-Inch Chef's Knife", "Edgeworth", "Kitchen",
                     {"Blade material": "stainless steel", "Handle": "pakkawood", "Colour": "black"})
    assert dropped("The handle is made of steel.", knife) == {"The handle is made of steel.": ["misattributed:steel handle"]}
    assert dropped("The handle is made of pakkawood and the blade is made of stainless steel.", knife) == {}
    assert dropped("The handle is black.", knife) == {}  # the colour is the whole knife's
    assert list(dropped("The top and back and sides are mahogany.", GUITAR)) == ["The top and back and sides are mahogany."]
    assert dropped("The top is spruce and the back and sides are mahogany.", GUITAR) == {}


def test_an_adverb_that_says_how_it_was_made_or_works_is_a_claim_and_praise_is_not() -> None:
    mat = Facts.of("Yoga Mat 6 mm", "Tarnvale", "Sports", {"Material": "TPE", "Thickness": "6 mm"})
    assert list(dropped("It is made of sustainably sourced TPE.", mat)) == ["It is made of sustainably sourced TPE."]
    assert dropped("It is beautifully made of TPE and fully 6 mm thick.", mat) == {}


def test_a_property_the_facts_keep_to_one_part_is_misattributed_on_the_whole() -> None:
    # The dev set's pillow, published twice: only its cover is hypoallergenic.
    pillow = Facts.of("Memory Foam Pillow with Hypoallergenic Cover", "Sommo", "Bedding",
                      {"Fill": "memory foam", "Hypoallergenic": "cover only"})
    assert dropped("It is a luxurious, hypoallergenic pillow.", pillow) == {
        "It is a luxurious, hypoallergenic pillow.": ["misattributed:hypoallergenic pillow"]}
    assert dropped("Its hypoallergenic cover wraps a memory foam fill.", pillow) == {}


def test_a_colour_is_not_what_a_product_is_made_of() -> None:
    # The demo's water bottle: "The lid is made of a glacier blue, black, and sunset orange."
    bottle = Facts.of("Insulated Water Bottle 750 ml", "Summitra", "Outdoor gear",
                      {"Material": "18/8 stainless steel", "Colors": ["glacier blue", "black", "sunset orange"]})
    assert list(dropped("The bottle is made of black and sunset orange.", bottle)) == [
        "The bottle is made of black and sunset orange."]
    assert dropped("It is made of 18/8 stainless steel and comes in glacier blue, black and sunset orange.", bottle) == {}


LEASH = Facts.of("Trailhound Reflective Dog Leash 1.5 m", "Trailhound", "Pet supplies",
                 {"Length": "1.5 m", "Suitable for": "dogs up to 20 kg", "Material": "nylon webbing"})
ADAPTER = Facts.of("Voltic Universal Travel Adapter", "Voltic", "Electronics",
                   {"Plugs": "fits all sockets in 150 countries", "Material": "plastic"})


def test_fitting_everything_of_a_kind_is_a_claim_the_facts_must_make_and_an_occasion_is_praise() -> None:
    text = ("The nylon leash suits dogs of all sizes. It is a great leash for any dog. "
            "It is a handy leash for any occasion. The Trailhound leash is made of nylon webbing.")
    reasons = dropped(text, LEASH)
    assert reasons["The nylon leash suits dogs of all sizes."] == ["unsupported_property:all sizes"]
    assert reasons["It is a great leash for any dog."] == ["unsupported_property:any dog"]
    assert list(reasons) == ["The nylon leash suits dogs of all sizes.", "It is a great leash for any dog."]
    assert dropped("The plastic adapter fits all sockets.", ADAPTER) == {}  # the facts say "all"


MAT = Facts.of("Nestling Foam Play Mat", "Nestling", "Baby", {"Dimensions": "120 x 90 cm", "Material": "EVA foam"})


def test_a_size_is_not_what_a_product_is_made_of() -> None:
    reasons = dropped("The play mat is made of 120 x 90 cm. The play mat is made of EVA foam.", MAT)
    assert list(reasons) == ["The play mat is made of 120 x 90 cm."]
    assert "misattributed:cm as material" in reasons["The play mat is made of 120 x 90 cm."]


PLANTER = Facts.of("Fernhollow Stone-Look Planter 30 cm", "Fernhollow", "Garden",
                   {"Material": "recycled plastic", "Colours": ["slate", "sandstone", "moss"], "Height": "30 cm"})


def test_a_word_the_facts_give_only_as_a_colour_is_no_material_however_it_is_named() -> None:
    text = ("The planter is made of sandstone. It is made of a sturdy material called slate. "
            "It comes in slate, sandstone and moss. The planter is made of recycled plastic.")
    reasons = dropped(text, PLANTER)
    assert list(reasons) == ["The planter is made of sandstone.", "It is made of a sturdy material called slate."]
    assert reasons["The planter is made of sandstone."] == ["misattributed:sandstone as material"]
    assert reasons["It is made of a sturdy material called slate."] == ["misattributed:slate as material"]
    stone = Facts.of("Fernhollow Planter", "Fernhollow", "Garden", {"Material": "sandstone", "Colours": ["sandstone"]})
    assert dropped("The planter is made of sandstone.", stone) == {}  # a material that is also its colour


JOURNAL = Facts.of("Quillby A5 Journal, Hardcover", "Quillby", "Stationery",
                   {"Paper weight": "90 gsm", "Cover": "hardcover, cloth-bound"})


def test_a_participle_a_part_has_said_of_another_part_is_misattributed() -> None:
    text = "The journal has a cloth-bound cover. It is printed on a cloth-bound paper."
    assert dropped(text, JOURNAL) == {"It is printed on a cloth-bound paper.": ["misattributed:bound paper"]}


TOASTER = Facts.of("Crumbly 2-Slice Toaster", "Crumbly", "Kitchen appliances",
                   {"Features": ["defrost function", "removable crumb tray", "high-lift lever"], "Power": "850 W"})


def test_two_values_of_one_list_merged_into_one_thing_are_misattributed() -> None:
    text = ("The toaster has a removable crumb tray and a defrost function. It has a defrost tray. "
            "It offers defrost, reheat and high-lift settings.")
    reasons = dropped(text, TOASTER)
    assert reasons.get("It has a defrost tray.") == ["misattributed:defrost tray"]
    assert "The toaster has a removable crumb tray and a defrost function." not in reasons


def test_a_comparison_with_other_brands_is_a_claim_the_facts_cannot_make() -> None:
    reasons = dropped("It is sold by a few other brands too. Kilnworth's stoneware mug holds 350 ml.", MUG)
    assert reasons == {"It is sold by a few other brands too.": ["unsupported_property:other brands"]}


HUB = Facts.of("Portwise USB-C Hub, 4 Ports", "Portwise", "Computer accessories",
               {"Ports": ["2 x 10-Gbps USB-A", "1 x HDMI", "1 x USB-C power delivery"], "Cable": "15 cm"})


def test_two_modifiers_from_two_values_of_one_list_make_a_thing_no_fact_names() -> None:
    text = "It has a 10-Gbps HDMI port. It has 10-Gbps USB-A ports and an HDMI port."
    reasons = dropped(text, HUB)
    assert list(reasons) == ["It has a 10-Gbps HDMI port."]
    assert reasons["It has a 10-Gbps HDMI port."][0].startswith("misattributed:")


TESTER = Facts.of("Plugsafe Socket Tester", "Plugsafe", "Electrical",
                  {"Battery": "2 x AAA, included", "Test probe": "included", "Display": "LED"})


def test_an_activity_on_something_no_fact_puts_with_it_is_a_use_the_facts_do_not_give() -> None:
    text = "It comes with a battery and a test probe. It offers battery testing with its LED display."
    assert dropped(text, TESTER) == {
        "It offers battery testing with its LED display.": ["unsupported_use:battery testing"]}
    charger = Facts.of("Plugsafe Charger", "Plugsafe", "Electrical", {"Charging": "USB-C, 20 W"})
    assert dropped("It offers USB-C charging at 20 W.", charger) == {}


KETTLEBELL = Facts.of("Ironhold Kettlebell 12 kg", "Ironhold", "Fitness",
                      {"Weight": "12 kg", "Material": "cast iron", "Floor mat": "not included"})


def test_only_what_the_facts_say_is_or_is_not_included_may_be_said_to_be() -> None:
    # the third held-out set's dumbbell: "a special item that is not included in the available products"
    text = "The floor mat is not included. The kettlebell is a solid piece that is not included in the set."
    reasons = dropped(text, KETTLEBELL)
    assert list(reasons) == ["The kettlebell is a solid piece that is not included in the set."]
    assert "unsupported_property:piece included" in reasons["The kettlebell is a solid piece that is not included in the set."]
    assert dropped("The kettlebell is made of cast iron. A floor mat is not included.", KETTLEBELL) == {}


ANKLET = Facts.of("Lumière Anklet 24 cm, Gold-Plated, Glass Pearls", "Lumière", "Jewellery",
                  {"Base metal": "stainless steel", "Plating": "18k gold", "Beads": "glass pearls", "Length": "24 cm"})


def test_a_parts_material_is_not_what_the_whole_product_is_made_of() -> None:
    # the fourth held-out set's bracelet: "It is made of 2.5 mm cubic zirconia" (its stones)
    text = ("The anklet is made of glass pearls. It is made of stainless steel with 18k gold plating. "
            "The beads are made of glass pearls.")
    assert dropped(text, ANKLET) == {"The anklet is made of glass pearls.": ["misattributed:pearls as material"]}


TUMBLERS = Facts.of("Brightvale Crystal-Look Tumblers, Set of 6", "Brightvale", "Drinkware",
                    {"Material": "acrylic, crystal-look", "Real glass": "no"})
SATCHEL = Facts.of("Oxley Satchel", "Oxley", "Bags", {"Material": "PU leather", "Lining": "cotton"})


def test_a_material_the_facts_name_only_as_imitated_is_a_contradiction_said_plainly() -> None:
    # the dev set's folio case: "It's made of leather" for "Material: PU leather"
    assert dropped("These crystal tumblers are stylish.", TUMBLERS) == {
        "These crystal tumblers are stylish.": ["contradicts:imitation/crystal"]}
    assert dropped("These crystal-look tumblers are made of acrylic.", TUMBLERS) == {}
    assert dropped("The satchel is made of leather.", SATCHEL) == {
        "The satchel is made of leather.": ["contradicts:imitation/leather"]}
    assert dropped("The satchel is made of PU leather with a cotton lining.", SATCHEL) == {}


JUICER = Facts.of("Pressa Citrus Juicer", "Pressa", "Kitchen appliances",
                  {"Power": "40 W", "Dishwasher safe parts": "cone and jug", "Cone": "plastic",
                   "Jug": "1 l, double-walled"})


def test_a_property_the_facts_give_to_named_parts_is_misattributed_on_the_product_or_another_part() -> None:
    # the dev set's blender ("Dishwasher safe parts: jar and lid"): "The product is also dishwasher safe"
    reasons = dropped("The cone and jug are dishwasher safe. It is dishwasher safe. "
                      "The cone is sturdy and double-walled.", JUICER)
    assert list(reasons) == ["It is dishwasher safe.", "The cone is sturdy and double-walled."]
    assert reasons["It is dishwasher safe."] == ["misattributed:safe It"]
    assert reasons["The cone is sturdy and double-walled."] == ["misattributed:walled cone"]


def test_a_past_the_facts_cannot_tell_is_a_claim_and_what_it_was_made_for_is_not() -> None:
    # the held-out sets' glove "has been worn on the left hand", puzzle "has been a top-notch puzzle for years"
    text = ("The stoneware mug has been a favourite for years. It has been used by chefs. "
            "The mug has been made of stoneware.")
    reasons = dropped(text, MUG)
    assert reasons["The stoneware mug has been a favourite for years."][0] == "unsupported_property:has been"
    assert "unsupported_property:has been used" in reasons["It has been used by chefs."]
    assert "The mug has been made of stoneware." not in reasons


BACKPACK = Facts.of("Tarnhill 30L Hiking Daypack with Rain Cover", "Tarnhill", "Outdoor",
                    {"Body": "210D ripstop polyester", "Frame": "aluminium, 1 stay", "Buckles": "YKK nylon",
                     "Back panel": "mesh, ventilated", "Metal": "none"})


def test_a_word_of_one_parts_facts_is_misattributed_on_another_part() -> None:
    # holdout6's tent: "3-season nylon poles" where "Poles: aluminium, 2" and the flysheet is nylon;
    # the necklace's "the chain is spring-style" where the clasp is the spring ring
    reasons = dropped("The daypack has a nylon frame. Its back panel is ripstop-style. "
                      "The body is ripstop polyester, and the buckles are nylon.", BACKPACK)
    assert reasons == {"The daypack has a nylon frame.": ["misattributed:nylon frame"],
                       "Its back panel is ripstop-style.": ["misattributed:ripstop panel"]}


def test_the_whole_products_material_may_be_said_of_its_parts() -> None:
    necklace = Facts.of("Sterling Silver Bar Necklace", "Mirelle", "Jewellery",
                        {"Metal": "925 sterling silver", "Chain length": "16 in", "Clasp": "lobster"})
    assert dropped("The sterling silver chain closes with a lobster clasp.", necklace) == {}
    assert dropped("The chain is lobster-style.", necklace) == {
        "The chain is lobster-style.": ["misattributed:lobster chain"]}


DASHCAM = Facts.of("Vantor V1 Dash Cam 1080p, 32GB Card", "Vantor", "Car electronics",
                   {"Storage": "32 GB microSD included, supports up to 128 GB", "Battery": "supercapacitor",
                    "Screen": "2 in"})


def test_a_part_that_is_said_to_give_another_facts_number_is_misattributed() -> None:
    # holdout6's dash cam: "a supercapacitor that provides 256 GB of storage"
    reasons = dropped("It runs on a supercapacitor that holds 128 GB. It supports microSD cards up to 128 GB.",
                      DASHCAM)
    assert reasons == {"It runs on a supercapacitor that holds 128 GB.":
                       ["misattributed_number:128 GB of supercapacitor"]}


def test_a_relative_clause_says_its_words_of_the_noun_it_follows() -> None:
    # holdout5's knife: "made of pakkawood handle, which is a high-carbon steel material"
    knife = Facts.of("Santoku Knife 18 cm", "Edgeworth", "Kitchen",
                     {"Blade material": "Damascus steel", "Handle": "olive wood", "Blade length": "18 cm"})
    reasons = dropped("It has an olive wood handle, which is a Damascus steel material. "
                      "The blade, which is Damascus steel, is 18 cm long.", knife)
    assert reasons == {"It has an olive wood handle, which is a Damascus steel material.":
                       ["misattributed:Damascus handle", "misattributed:steel handle"]}
