"""Which words are claims, and what kind of claim.

The checker treats every content word (noun, adjective, proper noun, and a verb that names
a use) as a candidate claim; a candidate the facts do not support is unsupported. Three
kinds of word pass without support, because they assert nothing a buyer could hold the
shop to:

- praise: evaluative adjectives a copywriter uses for anything ("stylish", "sturdy");
- shell: nouns that name the product, a part of any product or its use in general
  ("item", "gift", "design", "body", "finish", "everyday use"); not "home", since "for
  your home" is a use, and false of a car vent mount;
- very common words (wordfreq Zipf >= 5.75: "life", "way", "home", "good"). Specific
  claims are rarer: "kids" 5.3, "water" 5.5, "black" 5.5, "ceramic" 3.7, "waterproof" 3.6.
  The rule is not applied to proper nouns ("US" would pass as "us"), to the object of
  "for" (a use: "for men" 5.9 is a claim about who it fits) nor to a possessive ("men's").

The praise and shell lists (about 75 lemmas each) are short on purpose: what they miss is
dropped, which costs a sentence, never a false claim. Words that name a kind of product
("pan" for a skillet), a part it obviously has ("motor", "bottle") or a use it obviously
serves ("drinks") are claims here too: without the facts saying so they are dropped. spaCy's small pipeline has no lexical semantics (no
vectors, no WordNet offline), so three closed classes are listed to name the kind of an
unsupported word and to find conflicts with a fact of that kind ("Material: plastic"
against "ceramic", "Stones: none" against "diamond"); they never decide support.
"""

from __future__ import annotations

from functools import cache

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Token
from wordfreq import top_n_list

from foundation.claims.language import zipf

GENERIC_ZIPF = 5.75

PRAISE = frozenset("""
perfect ideal great good best better excellent superb outstanding exceptional impressive wonderful
lovely beautiful gorgeous stunning attractive elegant stylish sleek chic classic timeless modern
contemporary sophisticated refined luxurious premium quality high-quality high-end top-notch
durable sturdy solid robust reliable dependable practical functional versatile convenient handy
useful simple easy effortless comfortable charming delightful unique special distinctive
innovative smart thoughtful essential must-have everyday daily well-made long-lasting
eye-catching state-of-the-art competitive popular favorite favourite ultimate superior fine nice
new ready available suitable various wide pleasant enjoyable powerful amazing fantastic incredible
remarkable exquisite unparalleled engaging fun entertaining cutting-edge
""".split())

SHELL = frozenset("""
product item piece design style look feel quality choice option addition gift use touch value
range need experience collection solution essential companion accessory detail feature function
functionality build appeal elegance versatility convenience durability reliability comfort
performance ease simplicity practicality routine lifestyle occasion moment user customer buyer
anyone everyone selection variety material craftsmanship purpose everyday day time year
way brand model version body frame finish construction surface size room space place spot
setting formula luxury sophistication charm beauty balance entertainment
""".split())

# Verbs that name a use without saying what the product does ("perfect for enjoying",
# "designed to provide"), or how a stated feature is worked ("you can connect through HDMI
# 2.1", "two speeds let you switch"): the feature, not the verb, is the claim. Not "select":
# "hand-selected wool" is a claim.
USE_VERBS = frozenset("""
use enjoy make give gift keep add have get bring share wear complement enhance elevate provide
offer deliver ensure accommodate fit hold suit last connect switch
""".split())

# Adverbs of degree, frequency and discourse (a closed class): "fully", "sold separately".
# Any other "-ly" adverb says how the product was made or works ("sustainably sourced").
DEGREE_ADVERBS = frozenset("""
separately additionally especially particularly usually really truly simply finally directly
approximately roughly nearly entirely fully completely totally extremely highly incredibly
exactly mainly mostly generally typically certainly absolutely slightly relatively
individually newly recently currently originally specifically naturally personally
""".split())

CLOSED_CLASSES: dict[str, frozenset[str]] = {
    "colour": frozenset("""
        black white grey gray silver gold golden red blue green yellow orange purple pink brown
        beige navy ivory cream teal turquoise maroon burgundy violet charcoal khaki tan olive
    """.split()),
    "material": frozenset("""
        plastic ceramic porcelain stoneware glass crystal steel stainless aluminium aluminum iron
        copper brass bronze titanium metal wood wooden bamboo oak walnut leather suede cotton linen
        wool cashmere silk polyester nylon spandex acrylic silicone rubber latex marble granite
        paper cardboard platinum sterling
    """.split()),
    "stone": frozenset("""
        stone gemstone gem diamond ruby sapphire emerald pearl opal topaz amethyst garnet zirconia
        moissanite onyx jade rhinestone
    """.split()),
}

# Attribute names that make a fact of a closed class ("Stones Type", "Frame material").
CLASS_NAMES: dict[str, str] = {
    "colour": "colour", "color": "colour", "material": "material", "fabric": "material",
    "stone": "stone", "gemstone": "stone", "gem": "stone",
}


def word_class(lemma: str) -> str | None:
    """The closed class of a lower-case lemma, if any ("diamond" -> "stone")."""
    for name, members in CLOSED_CLASSES.items():
        if lemma in members:
            return name
    return None


def is_generic(token: Token, *, use: bool) -> bool:
    """Whether `token` asserts nothing checkable: praise, a shell noun, or (for a common
    noun or adjective that is not the object of a use) a very common word."""
    lemma = token.lemma_.lower()
    if lemma in PRAISE or lemma in SHELL or token.lower_ in PRAISE:
        return True
    if token.is_stop or word_class(lemma):
        return token.is_stop and not word_class(lemma)
    if token.pos_ == "VERB":
        return lemma in USE_VERBS
    if token.pos_ == "PROPN" or use or _possessive(token):
        return False
    return zipf(lemma) >= GENERIC_ZIPF


def _possessive(token: Token) -> bool:
    """ "men's sizes" names who it is for, however common "men" is."""
    nxt = token.nbor(1) if token.i + 1 < len(token.doc) else None
    return token.dep_ == "poss" or (nxt is not None and nxt.lower_ in ("'s", "’s", "'"))


# A material named only to say the product imitates it: "PU leather", "faux fur",
# "crystal-look acrylic", "oak-effect laminate". The first words go before the material,
# the second after a hyphen.
IMITATING = frozenset({"faux", "imitation", "artificial", "fake", "mock", "simulated", "pu"})
LOOKALIKE = frozenset({"look", "effect", "style", "like", "tone"})


# --- for decoding: which words a draft may write at all -------------------------------

# Word-constrained decoding sees spellings, not parses: it cannot tell a verb that names no
# use (which the checker lets pass) from a claim noun. So it lets through the words of the
# lists above with their inflections ("designed" of "design") and every word of Zipf 5.0 or
# more, and bans what is rarer unless the facts say it: "battery" 4.5, "fabric" 4.1,
# "lightweight" 3.8, "waterproof" 3.6, "breathable" 2.8, "Tesla". A rarer plain verb
# ("measures" 4.7) goes too. Measured against 4.5 on the four description sets
# (docs/quality.md).
FREE_ZIPF = 5.0
_COMMON_WORDS = 60_000  # wordfreq's list is by frequency: the rest is rarer than FREE_ZIPF


@cache
def free_words() -> frozenset[str]:
    """The words (lower case, with their inflections) any description may write whatever
    its facts: stop words, the praise, shell, use-verb and degree-adverb lists, and common
    words (Zipf >= FREE_ZIPF) that are no member of a closed class ("black", "steel" are
    claims however common)."""
    closed = frozenset().union(*CLOSED_CLASSES.values())
    common = {w for w in top_n_list("en", _COMMON_WORDS) if zipf(w) >= FREE_ZIPF and w not in closed}
    words = common | STOP_WORDS | PRAISE | SHELL | USE_VERBS | DEGREE_ADVERBS
    return frozenset(form for word in words if word.replace("-", "").isalpha() for form in spellings(word.lower()))


def spellings(word: str) -> frozenset[str]:
    """A word and the inflections a small model writes of it ("design" -> "designs",
    "designed", "designing"...): spelling rules only, enough to let a word through."""
    forms = {word, word + "s", word + "es", word + "ed", word + "d", word + "ing", word + "ly", word + "er", word + "est"}
    if word.endswith("e"):
        forms.add(word[:-1] + "ing")
    if word.endswith("y"):
        forms |= {word[:-1] + "ies", word[:-1] + "ied", word[:-1] + "ily"}
    return frozenset(forms)
