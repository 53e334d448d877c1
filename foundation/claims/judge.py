"""One sentence against the facts: the reasons it must not be published (none = keep).

Order matters: numbers and codes first (their tokens are then no words), then what the
facts deny (a denied word is in the facts, so support alone would pass it), then names,
then every other content word."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain

from spacy.tokens import Doc, Span, Token

from foundation.claims.evidence import CONTENT_POS, FactIndex, FactNumber, imitation, number_context
from foundation.claims.language import derived, forms, looks_like_verb, stem
from foundation.claims.quantities import Quantity, find_codes, find_quantities, is_unit
from foundation.claims.vocabulary import (
    CLASS_NAMES,
    CLOSED_CLASSES,
    DEGREE_ADVERBS,
    IMITATING,
    PRAISE,
    SHELL,
    is_generic,
    word_class,
)

NAME_LABELS = frozenset({"ORG", "PERSON", "GPE", "PRODUCT", "NORP", "FAC", "LOC", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"})
# Verbs that say the product comes with something: only they contradict "not included".
_INCLUSION = frozenset({"include", "come", "supply", "ship", "bundle", "provide", "feature"})
_PURPOSE_HEADS = frozenset({"help", "design", "build", "make", "engineer", "formulate"})
# "You can customize it", "lets you fold it", "easy to clean": what the buyer can do with it.
_ABILITY_AUX = frozenset({"can", "could", "may"})
_ABILITY_HEADS = frozenset({"let", "allow", "enable", "permit"})


@dataclass
class Term:
    """A word, a hyphenated compound ("dishwasher-safe", "Double-O") or a noun and the
    adjective it forms a property with ("dishwasher safe", "BPA free")."""

    tokens: list[Token]

    @property
    def text(self) -> str:
        return "".join(t.text_with_ws for t in self.tokens).strip()

    @property
    def free(self) -> bool:
        return len(self.tokens) > 1 and self.tokens[-1].lower_ == "free"

    @property
    def words(self) -> list[Token]:
        """The tokens that carry meaning (a "-free" term's meaning is what it is free of)."""
        body = self.tokens[:-1] if self.free else self.tokens
        return [t for t in body if not t.is_punct]


def sentence_reasons(doc: Doc, index: FactIndex) -> list[str]:
    reasons: list[str] = []
    covered: set[int] = set()
    quantities = find_quantities(doc.text)
    for quantity in quantities:
        ids = _token_ids(doc, quantity.start, quantity.end)
        # "180 cm tall", "1 in wide": the adjective names the dimension the number measures
        if ids and max(ids) + 1 < len(doc) and doc[max(ids) + 1].pos_ == "ADJ":
            ids.add(max(ids) + 1)
        covered |= ids
        found = _number_reason(doc, quantity, index)
        if not found and ids and (stuff := _made_of(doc, max(ids), quantity, index)) is not None:
            found = [f"misattributed_number:{quantity.text} of {stuff.text}"]
        if not found and ids and _sized(quantity) and _as_material(_root(doc, ids)):
            found = [f"misattributed_number:{quantity.text} as material"]  # "made of 8-inch steel"
        if not found and ids and (holder := _holder(_root(doc, ids), quantity, index)) is not None:
            found = [f"misattributed_number:{quantity.text} of {holder.text}"]
        if not found and ids and (counted := _hyphen_counted(doc, max(ids), quantity, index)) is not None:
            found = [f"misattributed_number:{quantity.text}-{counted.text}"]
        if not found and ids and (measured := _measured(doc, min(ids))):
            # "a speed of 249 g" where 249 g is the weight: the noun must be the facts' too
            noun = doc[min(measured)]
            if _supported(noun, index) or any(forms(noun) & f.context for f in index.numbers
                                             if f.quantity.same_amount(quantity)):
                covered |= measured
            else:
                found = [f"misattributed_number:{noun.text} {quantity.text}"]
        reasons += found
    for code in find_codes(doc.text, quantities):
        covered |= _token_ids(doc, code.start, code.end)
        if not index.has_run(code.text):
            reasons.append(f"unsupported_{'number' if code.text[0].isdigit() else 'name'}:{code.text}")
    terms = _terms(doc, covered)
    settled: set[int] = set()
    for token, reason in _role_reasons(doc, index):
        settled.add(token.i)
        reasons.append(reason)
    for term in terms:
        if (verdict := _denial_verdict(term, index)) is not None:
            settled |= {t.i for t in term.tokens}
            reasons += [verdict] if verdict else []
    for ent in doc.ents:
        if ent.label_ in NAME_LABELS and any(t.is_alpha and (t.is_title or t.is_upper) for t in ent):
            tokens = [t for t in ent if t.i not in covered and t.i not in settled and not t.is_punct and t.dep_ != "case" and t.pos_ != "DET"]
            settled |= {t.i for t in tokens}
            reasons += _name_reason(tokens, index)
    for term in terms:
        if not any(t.i in settled for t in term.tokens):
            reasons += _term_reason(term, index)
    return list(dict.fromkeys(reasons))


# --- numbers ---------------------------------------------------------------------------


def _number_reason(doc: Doc, quantity: Quantity, index: FactIndex) -> list[str]:
    context = number_context(doc, quantity)
    if quantity.unit is None:
        same = [f for f in index.numbers if f.quantity.value == quantity.value]
        if context:
            same = [f for f in same if f.context & context]
        else:
            same = [f for f in same if f.quantity.unit is None]
        if not same:
            return [f"unsupported_number:{quantity.text}"]
        # "a heat setting of 2" where 2 is the speed settings': a count, too, belongs to
        # the attribute whose name the sentence gives it
        rivals = [f for f in index.numbers if f.quantity.unit is None and f.name_words]
    else:
        same = [f for f in index.numbers if f.quantity.same_amount(quantity)]
        if not same:
            return [f"unsupported_number:{quantity.text}"]
        rivals = [f for f in index.numbers if f.quantity.dimension == quantity.dimension and f.name_words]
    if all(f.name_words & _PROMISES for f in same) and not any(forms(t) & _PROMISES for t in doc):
        # "designed to last for 5 years" where 5 years is the warranty: a promise's term
        # is no lifetime, so it is said as the promise or not at all
        return [f"misattributed_number:{quantity.text}"]
    # The number must also belong to the attribute the sentence ties it to: among the
    # facts of its dimension, those whose name shares most words with its context.
    scores = {id(f): len(f.name_words & context) for f in rivals}
    best = max(scores.values(), default=0)
    if best and not any(scores.get(id(f)) == best for f in same):
        return [f"misattributed_number:{quantity.text}"]
    if _shared(doc, quantity, rivals, same):
        return [f"misattributed_number:{quantity.text}"]
    if quantity.unit is None:
        return []
    # "a 249 g camera" where 249 g is the weight and "Camera: 4K": the sentence ties the
    # number to another attribute, of any dimension, that none of its facts is written by
    noun = _counted_noun(doc, quantity)
    named = {w for head, _ in index.placed for w in head}
    if noun & named and not any(f.context & noun for f in same):
        return [f"misattributed_number:{quantity.text}"]
    return []


# Attributes whose number is a seller's promise about the product, not a property of it.
_PROMISES = frozenset({"warranty", "warranties", "warrant", "warranted", "guarantee", "guaranteed", "guarantees"})

_SHARED_WINDOW = 4  # tokens between the number and the first of two joined names


def _shared(doc: Doc, quantity: Quantity, rivals: list[FactNumber], same: list[FactNumber]) -> bool:
    """One number given to two attributes of different values at once: "7000 MB/s of
    sequential read and write" where write is 6500 MB/s. The words that tell the two
    attributes apart are joined by "and", "or" or "/" next to the number."""
    span = doc.char_span(quantity.start, quantity.end, alignment_mode="expand")
    if span is None:
        return False
    near = [t for t in doc[max(0, span.start - 2 * _SHARED_WINDOW):span.end + 2 * _SHARED_WINDOW]
            if t.i < span.start or t.i >= span.end]
    for joiner in near:
        if joiner.lower_ not in ("and", "or", "/", "&") or not 0 < joiner.i < len(doc) - 1:
            continue
        left, right = doc[joiner.i - 1], doc[joiner.i + 1]
        if min(_distance(left, span), _distance(right, span)) > _SHARED_WINDOW:
            continue
        between = doc[min(left.i, span.start):max(right.i, span.end - 1) + 1]
        if any(t.like_num for t in between if t.i < span.start or t.i >= span.end):
            continue  # "reads at 7000 MB/s and writes at 6500": each has its own number
        for one in rivals:
            for other in rivals:
                if one.quantity.same_amount(other.quantity) or not (one in same or other in same):
                    continue
                mine, theirs = one.name_words - other.name_words, other.name_words - one.name_words
                if mine and theirs and forms(left) & mine and forms(right) & theirs:
                    return True
    return False


def _distance(token: Token, span: Span) -> int:
    return span.start - token.i if token.i < span.start else token.i - span.end + 1


def _counted_noun(doc: Doc, quantity: Quantity) -> frozenset[str]:
    """Forms of the noun a number is the size of ("a 249 g camera": camera)."""
    span = doc.char_span(quantity.start, quantity.end, alignment_mode="expand")
    if span is None:
        return frozenset()
    last = span[-1]
    head = last.head
    if last.dep_ not in ("compound", "amod", "nummod") or head.pos_ not in ("NOUN", "PROPN") or head in span:
        return frozenset()
    return forms(head)


_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")


def _said_with(noun: Token, quantity: Quantity, index: FactIndex) -> bool:
    """Whether one fact holds the noun and the number's digits; a number without digits
    counts as said, so no rule misattributes it."""
    digits = _DIGITS.search(quantity.text)
    return digits is None or index.said_together(forms(noun), frozenset({digits.group().replace(",", "")}))


def _made_of(doc: Doc, last: int, quantity: Quantity, index: FactIndex) -> Token | None:
    """What a number is said to be an amount of, when no fact says it: "30 cm of plush
    polyester" where 30 cm is the height, "7000 MB/s of storage" where it is the read
    speed. A fact that holds the number and the noun together supports it ("12 cups of
    coffee" beside "12-Cup Coffee Maker")."""
    if last + 2 >= len(doc) or doc[last + 1].lower_ != "of":
        return None
    stuff = next((c for c in doc[last + 1].children if c.dep_ == "pobj" and c.pos_ in ("NOUN", "PROPN")), None)
    if stuff is None or _said_with(stuff, quantity, index):
        return None
    if any(f.name_words & _AMOUNTS for f in index.numbers if f.quantity.same_amount(quantity)):
        return None  # a capacity is an amount of anything: "2 TB of storage", "1.7 l of water"
    return stuff


def _holder(number: Token, quantity: Quantity, index: FactIndex) -> Token | None:
    """A part said to have a number no fact gives it: "a supercapacitor that provides 256 GB
    of storage" where the supercapacitor is the battery and 256 GB the card slot's limit.
    The part is the subject of the verb the number is the object of."""
    verb = number.head
    if number.dep_ not in ("dobj", "attr") or verb.pos_ not in ("VERB", "AUX"):
        return None
    subjects = _subjects(verb, ("nsubj",))
    if len(subjects) != 1:
        return None
    subject = subjects[0]
    if subject.pos_ != "NOUN" or not subject.is_alpha or forms(subject) & (index.kind | index.called):
        return None
    if _said_with(subject, quantity, index):
        return None
    named = any(forms(subject) & (name | values) for name, values in index.placed)
    return subject if named else None


_AMOUNTS = frozenset({"capacity", "volume", "storage", "content", "contents"})


def _root(doc: Doc, ids: set[int]) -> Token:
    """The token of a number's span that the rest of the sentence hangs it on."""
    return next((doc[i] for i in sorted(ids) if doc[i].head.i not in ids or doc[i].head == doc[i]), doc[max(ids)])


def _sized(quantity: Quantity) -> bool:
    """A length or weight written as one ("8-inch", "2 kg"), not a grade that reads as one
    ("316L stainless steel" is no 316 litres)."""
    return quantity.dimension in ("length", "mass") and any(c in quantity.text for c in " -")


def _as_material(last: Token) -> bool:
    """Whether the number is, or modifies, what "made of" names: "made of 8-inch steel"
    gives the blade's length to the steel, "made of 55% linen, 45% cotton, and 200 x 200
    cm" lists a size among the materials (a percentage stays: "made of 98% cotton")."""
    token = last.head if last.dep_ in ("compound", "nummod", "amod") else last
    if token.dep_ not in ("pobj", "conj", "appos"):
        return False
    while token.dep_ in ("conj", "appos") and token.head != token:
        token = token.head
        if token.lemma_.lower() in _MAKING:  # the parser hung the list's last item on the verb
            return any(c.lower_ in ("of", "from") for c in token.children)
    return token.dep_ == "pobj" and token.head.lower_ in ("of", "from") and token.head.head.lemma_.lower() in _MAKING


def _hyphen_counted(doc: Doc, last: int, quantity: Quantity, index: FactIndex) -> Token | None:
    """A count joined to what it counts ("a 9-piece nozzle") must count what its fact does:
    9 is the nozzle's patterns, not its pieces."""
    if quantity.unit is not None or last + 2 >= len(doc) or doc[last + 1].text != "-":
        return None
    counted = doc[last + 2]
    if not counted.is_alpha or counted.pos_ not in ("NOUN", "PROPN", "ADJ"):
        return None
    same = [f for f in index.numbers if f.quantity.unit is None and f.quantity.value == quantity.value]
    if not same or any(forms(counted) & f.context for f in same):
        return None
    return counted


def _measured(doc: Doc, first: int) -> set[int]:
    """ "a (battery) capacity of 1500 mAh", "a drop of 8 mm": the noun before "of" names what
    a supported number measures, so it is no claim of its own."""
    if first < 2 or doc[first - 1].lower_ != "of" or doc[first - 2].pos_ != "NOUN":
        return set()
    noun = doc[first - 2]
    return {noun.i} | {c.i for c in noun.children if c.dep_ == "compound"}


def _token_ids(doc: Doc, start: int, end: int) -> set[int]:
    span = doc.char_span(start, end, alignment_mode="expand")
    return {t.i for t in span} if span is not None else set()


# --- words in a role the facts do not give them --------------------------------------------

_MAKING = frozenset({"make", "craft", "construct", "build", "manufacture", "forge", "mould", "mold", "cast", "weave"})
_VARIETY = frozenset({"range", "variety", "selection", "choice", "array", "assortment"})
_SEVERAL = frozenset({"many", "several", "various", "multiple", "different", "numerous", "assorted"})


def _role_reasons(doc: Doc, index: FactIndex) -> list[tuple[Token, str]]:
    """A supported word used for what the facts do not say: the brand as what the product is
    made of ("made of Ostrander"), or a choice of something ("a range of sizes", "many
    colours") where no attribute lists several values."""
    found = []
    for token in doc:
        if (choice := _choice_of(token)) and not any(_content_forms_of(choice) <= words for words in index.choices):
            found.append((token, f"unsupported_property:in {' '.join(t.text for t in choice)}"))
        if token.lemma_.lower() == "other" and token.dep_ == "amod" and (token.head.lemma_.lower() in _RIVALS
                                                                      or token.head.dep_ == "conj"):
            # "other brands"; "black, grey, and other options": more than the facts list
            found.append((token, f"unsupported_property:{token.text} {token.head.text}"))
        if _merged(token, index):
            found.append((token, f"misattributed:{token.text} {token.head.text}"))
        if token.is_alpha and forms(token) & index.imitated and not imitation(token) and token.lower_ not in IMITATING:
            found.append((token, f"contradicts:imitation/{token.lower_}"))  # "leather" for "PU leather"
        if pair := _merged_modifiers(token, index):
            found.append((pair[1], f"misattributed:{pair[0].text} {pair[1].text} {token.text}"))
        found += [(thing, f"unsupported_use:{thing.text} {token.text}") for thing in _activity_of(token, index)]
        if _history(token):
            said = sorted([token, *(c for c in token.children if c.dep_ in ("aux", "auxpass"))], key=lambda t: t.i)
            found.append((token, f"unsupported_property:{' '.join(t.text for t in said)}"))
        if (thing := _included(token)) is not None and not index.said_together(forms(thing), _INCLUDED):
            found.append((thing, f"unsupported_property:{thing.text} {token.text}"))
        if _called_another_thing(token, index):
            found.append((token, f"misattributed:called {token.text}"))
        if _used_with_itself(token, index):
            found.append((token, f"unsupported_use:{token.head.text} {token.text}"))
        if (scope := _universal(token)) and token.lower_ not in index.words:
            found.append((token, f"unsupported_property:{token.text} {scope.text}"))
        head = token.head
        if token.dep_ != "pobj" or head.lower_ not in ("of", "from"):
            plural_choice = (token.tag_ in ("NNS", "NNPS")
                             and any(c.dep_ == "amod" and c.lower_ in _SEVERAL for c in token.children))
            if plural_choice and not forms(token) & index.multi_valued:
                found.append((token, f"unsupported_property:{' '.join(t.text for t in token.subtree)}"))
            continue
        if head.head.lemma_.lower() in _MAKING:
            whole = _of_whole(token, index)
            found += [(w, f"misattributed:{w.text} as material") for w in _materials(token)
                      if _colour_only(w) or _measure(w) or forms(w) & index.colours
                      or (whole and forms(w) & index.parts_only)
                      or (whole and word_class(w.lemma_.lower()) == "material" and not forms(w) & index.whole_materials)]
            if not whole:
                found += [(w, f"misattributed:{w.text} as material") for w in _materials(token)
                          if _another_parts(w, index)]
            elif token.lemma_.lower() in _STUFF:  # "made of an engineered knit material"
                found += [(m, f"misattributed:{m.text} as material") for m in token.children
                          if m.dep_ in ("amod", "compound") and m.lower_ not in PRAISE and forms(m) & index.parts_only]
            if forms(token) <= index.brand_only | {token.lower_} and forms(token) & index.brand_only:
                found.append((token, f"unsupported_material:{token.text}"))
        elif (head.head.lemma_.lower() in _VARIETY and token.tag_ in ("NNS", "NNPS")
              and not forms(token) & index.multi_valued):
            found.append((token, f"unsupported_property:{head.head.text} of {token.text}"))
    return found


_STUFF = frozenset({"material", "fabric"})  # nouns that only stand for what something is made of
_METAL_COLOURS = frozenset({"gold", "golden", "silver"})  # "made of silver" may be true


def _materials(token: Token) -> list[Token]:
    """What "made of <token>" names: the token and its conjuncts, or the name given to a
    material ("made of a beautiful material called terracotta")."""
    named = [o for w in (token, *token.conjuncts) if w.lemma_.lower() in _STUFF
             for acl in w.children if acl.dep_ == "acl" and acl.lemma_.lower() in ("call", "name")
             for o in acl.children if o.dep_ in ("oprd", "attr", "dobj")]
    return [token, *token.conjuncts, *named]


# "other brands", "other models": a comparison with products the facts know nothing of.
_RIVALS = frozenset({"brand", "product", "model", "maker", "manufacturer", "company", "competitor", "item"})


def _merged(token: Token, index: FactIndex) -> bool:
    """Two values of one list merged into one thing: "a boil-dry filter" where "Features:
    boil-dry protection, limescale filter". Both words are the facts', in two of the
    list's values, and no fact says them together."""
    head = token.head
    if token.dep_ not in ("amod", "compound") or head.pos_ != "NOUN" or token.pos_ == "PROPN" or not (token.is_alpha and head.is_alpha):
        return False
    if token.lemma_.lower() in PRAISE or not (index.supports_word(token) and index.supports_word(head)):
        return False
    # "high, low and red light modes", "glacier blue, black and sunset orange": a list of the values
    if head.conjuncts or any(t.dep_ in ("conj", "preconj") for t in token.subtree):
        return False
    own, noun = forms(token), forms(head)
    if index.said_together(own, noun):
        return False
    return any(any(own & value for value in values) and any(noun & value for value in values)
               for values in index.listed)


_PAIRING = frozenset({"use", "compatible", "work", "pair", "connect", "fit"})


def _used_with_itself(token: Token, index: FactIndex) -> bool:
    """The product as its own accessory or part: a power bank "designed to be used with
    power banks", "an SSD with a 1200TBW SSD" (what the product is, from the title's and the
    category's head nouns)."""
    head = token.head
    if token.dep_ != "pobj" or token.pos_ not in ("NOUN", "PROPN") or not forms(token) & index.kind - index.brand_only:
        return False
    if head.lower_ == "with" and forms(head.head) & index.kind:
        return True  # "a PCIe 4.0 NVMe SSD with a 1200TBW SSD"
    # not "ideal for anyone looking for a power bank"
    return head.lower_ in ("with", "for") and head.head.lemma_.lower() in _PAIRING | _PURPOSE_HEADS | {"suitable", "intend"}


_ITSELF = frozenset({"it", "this", "they", "these"})


def _called_another_thing(token: Token, index: FactIndex) -> bool:
    """The product called something else its facts name: a table vase "is a beautiful
    table", a laptop sleeve "is a laptop". What it is comes from the title's phrase heads
    and the category; a shell noun ("a great choice") names nothing."""
    if token.dep_ != "attr" or token.pos_ != "NOUN" or token.lemma_.lower() in SHELL | PRAISE:
        return False
    if not any(c.dep_ == "det" for c in token.children):
        return False  # "it is dishwasher safe" parsed with "dishwasher" as what it is
    if forms(token) & (index.called | index.brand_only) or not index.supports_word(token):
        return False  # a word no fact says is the term check's; "a home for your plants" for Verdant Home
    owners, _ = _owners(token, pronouns=True)
    return bool(owners) and all(o.lower_ in _ITSELF or forms(o) & index.called for o in owners)


def _another_parts(material: Token, index: FactIndex) -> bool:
    """ "The pillowcases are made of coconut shell buttons" where "Closure: coconut shell
    buttons": a part the facts name made of what they give another part."""
    own = forms(material)
    if own & index.whole_materials:
        return False
    owners, _ = _owners(material)
    for owner in owners:
        mine = [values for name, values in index.placed if forms(owner) & name]
        others = [values for name, values in index.placed if not forms(owner) & name]
        if mine and not any(own & values for values in mine) and any(own & values for values in others):
            return True
    return False


def _of_whole(material: Token, index: FactIndex) -> bool:
    """Whether "made of <material>" is said of the product ("it", "the bracelet"), not of
    one of the parts the facts name ("the stones are made of ...")."""
    owners, _ = _owners(material)
    return not any(forms(owner) & part for owner in owners for part, _ in index.placed)


def _merged_modifiers(noun: Token, index: FactIndex) -> tuple[Token, Token] | None:
    """Two modifiers of one noun taken from two values of one list: "a 24-pin SATA
    connector" where "Connectors: 1 x 24-pin ATX, 6 x SATA". No fact says them together."""
    if noun.pos_ not in ("NOUN", "PROPN"):
        return None
    modifiers = [c for c in noun.children if c.dep_ in ("amod", "compound", "nmod") and c.is_alpha
                 and c.lemma_.lower() not in PRAISE and index.supports_word(c)]
    for i, first in enumerate(modifiers):
        for second in modifiers[i + 1:]:
            one, other = forms(first), forms(second)
            if index.said_together(one, other):
                continue
            for values in index.listed:
                if (any(one & value and not other & value for value in values)
                        and any(other & value and not one & value for value in values)):
                    return first, second
    return None


def _activity_of(noun: Token, index: FactIndex) -> list[Token]:
    """What an activity is said to act on, where no fact puts the two together: "battery
    testing" where "Battery: 9 V" and "Test leads: included" (a function the product
    has not); "USB-C charging" where "Charging: USB-C" stands."""
    lower = noun.lower_
    # an -ing noun the facts do not write themselves, formed from a word they do ("ring" is no activity)
    if (noun.pos_ != "NOUN" or noun.tag_ != "NN" or not lower.endswith("ing") or stem(lower) == lower
            or lower in index.words or not index.supports_word(noun)):
        return []
    return [c for c in noun.children if c.dep_ == "compound" and c.is_alpha and index.supports_word(c)
            and not index.said_together(forms(c), forms(noun))]


def _history(verb: Token) -> bool:
    """A past the facts cannot tell: "it has been worn on the left hand", "it has been a
    top-notch puzzle for years". What it was made for stays ("it has been designed for")."""
    if verb.tag_ != "VBN" or not any(c.dep_ == "aux" and c.lemma_.lower() == "have" for c in verb.children):
        return False
    if verb.lemma_.lower() == "be":
        return True
    passive = any(c.dep_ == "auxpass" for c in verb.children)
    return passive and verb.lemma_.lower() not in _WHAT_IT_IS_FOR


_WHAT_IT_IS_FOR = _PURPOSE_HEADS | _MAKING | {"include"}  # "has been designed / made / included"
_INCLUDED = frozenset({"include", "included"})


def _included(verb: Token) -> Token | None:
    """The noun said to be (not) included: "the stand is not included", "an item that is
    not included". It must be one the facts say is or is not included."""
    if verb.lemma_.lower() != "include" or verb.tag_ != "VBN":
        return None
    subjects = [c for c in verb.children if c.dep_ == "nsubjpass"]
    if not subjects:
        return None
    subject = subjects[0]
    if subject.tag_ in ("WDT", "WP") and verb.dep_ == "relcl":  # "an item that is not included"
        subject = verb.head
    return subject if subject.pos_ in ("NOUN", "PROPN") else None


def _measure(token: Token) -> bool:
    """A size is no material: "made of 70 x 50 cm"."""
    return token.like_num or is_unit(token.text)


_UNIVERSAL = frozenset({"all", "any", "every"})
# What "any"/"all" may range over as praise: the buyer's occasions and places, not the
# product's fit ("any laptop", "dogs of all sizes", "all ages", "all skin types").
_PRAISE_SCOPES = frozenset("""
occasion event celebration outfit look style taste day moment home room space decor kitchen need lifestyle
wardrobe setting time
""".split())


def _universal(token: Token) -> Token | None:
    """The noun of "all sizes", "any laptop", "every skin type": a claim that the product
    fits everything of a kind, which the facts must say themselves."""
    head = token.head
    if token.lower_ not in _UNIVERSAL or token.dep_ not in ("det", "predet", "amod") or head.pos_ != "NOUN":
        return None
    return None if head.lemma_.lower() in _PRAISE_SCOPES else head


def _colour_only(token: Token) -> bool:
    """A colour that is no material: "the lid is made of glacier blue, black and orange"."""
    lemma = token.lemma_.lower()
    return lemma in CLOSED_CLASSES["colour"] and lemma not in _METAL_COLOURS


_OFFERED_IN = frozenset({"available", "come", "offer", "sell"})


def _choice_of(token: Token) -> list[Token]:
    """The list after "available in" / "comes in" ("in 1700 W, 8 presets and 8"): the
    buyer's choice of values, which one attribute of several values must hold. Empty when
    `token` starts no such list of two or more."""
    if token.lower_ != "in" or not _offers(token.head):
        return []
    objects = [c for c in token.children if c.dep_ == "pobj"]
    items = list(objects)
    for item in items:  # the list's members hang off each other: conj, appos
        items += [c for c in item.children if c.dep_ in ("conj", "appos")]
    if len(items) < 2:
        return []
    own = [*items, *(t for item in items for c in item.children if c.dep_ in ("compound", "nummod", "amod")
                     for t in c.subtree)]
    return sorted(set(own), key=lambda t: t.i)


def _offers(head: Token) -> bool:
    """ "available in", "comes in", "is ... available in" (the preposition on the copula)."""
    if head.lemma_.lower() in _OFFERED_IN:
        return True
    return head.pos_ == "AUX" and any(c.dep_ == "acomp" and c.lower_ == "available" for c in head.children)


def _content_forms_of(tokens: list[Token]) -> frozenset[str]:
    return frozenset(chain.from_iterable(forms(t) for t in tokens
                                         if not (t.is_stop or t.is_punct or t.pos_ in ("CCONJ", "DET"))))


# --- terms -----------------------------------------------------------------------------


def _terms(doc: Doc, covered: set[int]) -> list[Term]:
    terms: list[Term] = []
    i = 0
    while i < len(doc):
        token = doc[i]
        if i in covered or token.is_punct or token.is_space:
            i += 1
            continue
        group = [token]
        while (
            i + 2 < len(doc) and doc[i + 1].text == "-" and not doc[i].whitespace_ and not doc[i + 1].whitespace_
            and not doc[i + 2].is_punct and i + 2 not in covered
        ):
            group += [doc[i + 1], doc[i + 2]]
            i += 2
        nxt = doc[i + 1] if i + 1 < len(doc) else None
        if (
            nxt is not None and group[-1].pos_ in ("NOUN", "PROPN") and nxt.pos_ == "ADJ" and i + 1 not in covered
            and (nxt.head == group[-1] or group[-1].head in (nxt, nxt.head)) and group[-1].whitespace_
        ):
            group.append(nxt)  # "dishwasher safe", "BPA free", "water resistant"
            i += 1
        terms.append(Term(group))
        i += 1
    return terms


def _denial_verdict(term: Term, index: FactIndex) -> str | None:
    """"" when the term speaks of something the facts deny and agrees ("no stones"),
    a contradiction when it affirms it, None when no denial concerns it."""
    words = term.words
    if not words:
        return None
    if term.free and _negated(term.tokens[-1]):
        negated = False  # "not fragrance-free": the absence denied, the thing affirmed
    else:
        negated = term.free or any(_negated(t) for t in words)
    sentence = words[0].sent
    if negated and (present := [t for t in words if forms(t) & index.present]):
        return f"contradicts:present/{present[0].lower_}"  # "sulfate-free" of "Sulfate-free: no"
    for denial in index.denials:
        if _mentions(words, denial.words, sentence, index):
            if negated:
                return ""
            if denial.inclusion and not {t.lemma_.lower() for t in sentence} & _INCLUSION:
                continue
            return f"contradicts:{denial.label}"
    if negated:
        # "not waterproof" where the facts say waterproof; "(not) included" is no property
        if all(_property_word(t) and index.supports_word(t) and not is_generic(t, use=False) for t in words):
            return f"contradicts:{term.text}"
        return None
    for token in words:
        if reason := (_slot_conflict(token, index) or _attribute_conflict(token, index) or _moved(token, index)
                      or _narrowed(token, index) or _part_property(token, index)):
            return reason
    return None


def _moved(token: Token, index: FactIndex) -> str | None:
    """A fact's word put on another attribute: "adjustable power" where the facts say
    "Height: adjustable 105-125 cm" and "Power: 45 W"; "sides of spruce" where "Top:
    spruce" and "Back and sides: mahogany"; "3-season nylon poles" where "Poles:
    aluminium" and the flysheet is nylon; "the chain is spring-style" where the clasp is.
    The whole product's material may be said of a part the facts give none ("a sterling
    silver chain")."""
    if token.lemma_.lower() in PRAISE:
        return None
    parent = token.head
    if token.dep_ in ("amod", "compound") and parent.dep_ in ("attr", "acomp") and parent.lemma_.lower() in SHELL | _STUFF:
        owners, predicated = _owners(parent)  # "the chain is spring-style", "the handle, which is a steel material"
    else:
        owners, predicated = _owners(token)
    if (not owners and token.dep_ == "compound" and parent.pos_ == "NOUN"
            and word_class(token.lemma_.lower()) == "material"):
        owners = [parent]  # "nylon poles"
    for owner in owners:
        own, noun = forms(token), forms(owner)
        named = [values for head, values in index.placed if head & noun]
        if not named or any(own & values for values in named):
            continue
        if own & index.whole_materials and not any(v.isalpha() and not is_unit(v) for values in named for v in values):
            continue  # "Chain length: 16 in" gives the chain no material of its own
        if token.dep_ == "pobj" and all(any(c.isdigit() for c in "".join(values)) for values in named):
            continue  # "20 bags of chamomile": what a counted attribute holds, not another value of it
        # Said of the part by a verb ("the ink is black"), the word must be another part's
        # ("Blade material: steel"), not the whole product's ("Colour: black", "Care").
        # another attribute's value, or its name where the name is the property ("Fully submersible: yes")
        others = [head for head, values in index.placed
                  if not head & noun and (own & values or (own & head and values <= _YES))]
        if any(not predicated or head - _WHOLE_PRODUCT for head in others):
            return f"misattributed:{token.text} {owner.text}"
    return None


_YES = frozenset({"yes", "true"})

# Attribute names that say something of the whole product, not of one of its parts.
_WHOLE_PRODUCT = frozenset({*CLASS_NAMES, "colours", "colors", "care", "finish", "size", "sizes", "weight", "style",
                            "type", "fit", "pattern", "shape"})


def _narrowed(token: Token, index: FactIndex) -> str | None:
    """A property the facts give one part, said of another or of the whole: "a
    hypoallergenic pillow" where "Hypoallergenic: cover only" (and the title's
    "Hypoallergenic Cover" supports the word)."""
    if not index.supports_word(token):  # then it is unsupported, whoever it is said of
        return None
    # the small parser often takes the adjective for a compound ("a hypoallergenic pillow")
    owners = [token.head] if token.dep_ == "compound" else _owners(token, pronouns=True)[0]
    for name, parts in index.narrowed:
        if parts and forms(token) & name:
            for owner in owners:
                if not forms(owner) & parts:
                    return f"misattributed:{token.text} {owner.text}"
    return None


def _part_property(token: Token, index: FactIndex) -> str | None:
    """A part's property said of the whole: "it is dishwasher safe" where only "Basket:
    nonstick, dishwasher safe" says so. Only what the sentence predicates of the product
    ("it", "the air fryer") counts; "the basket is dishwasher safe" stands."""
    if token.dep_ not in ("acomp", "conj") or token.pos_ != "ADJ":
        return None
    owners, predicated = _owners(token, pronouns=True)
    if not predicated or not owners or not all(o.lower_ in _ITSELF or forms(o) & index.kind for o in owners):
        return None
    for adjectives, part in index.part_properties:
        if forms(token) & adjectives:
            return f"misattributed:{token.text} of the whole"
    return None


def _owners(token: Token, pronouns: bool = False) -> tuple[list[Token], bool]:
    """The nouns a word is said of: "adjustable power", "sides of spruce", "the top is
    mahogany", "the handle is made of steel" (with the subject's conjuncts: "the top and
    back and sides are mahogany"; and the first word's owners for a conjunct: "the lid is
    leak-proof and double-walled"); and whether a verb says it (the last two). With
    `pronouns`, "it is ..." names the product itself."""
    if token.dep_ == "conj" and token.head.dep_ in ("attr", "acomp"):
        return _owners(token.head, pronouns)
    head = token.head
    if token.dep_ == "amod" and (token.pos_ == "ADJ" or token.tag_ == "VBN"):  # "a linen-textured paper"
        return [head], False
    if token.dep_ == "pobj" and head.lower_ == "of" and head.head.pos_ == "NOUN":
        return [head.head], False
    if token.dep_ == "pobj" and head.lower_ in ("of", "from") and head.head.lemma_.lower() in _MAKING:
        verb = head.head
    elif token.dep_ in ("attr", "acomp") and head.lemma_.lower() == "be":
        verb = head
    else:
        return [], False
    kinds = ("NOUN", "PROPN", "PRON") if pronouns else ("NOUN", "PROPN")
    subjects = [s for s in _subjects(verb, ("nsubj", "nsubjpass")) if s.pos_ in kinds]
    return [owner for subject in subjects for owner in (subject, *subject.conjuncts)], True


def _subjects(verb: Token, deps: tuple[str, ...]) -> list[Token]:
    """A verb's subjects, a relative pronoun read as the noun its clause follows: "a
    pakkawood handle, which is a steel material" is said of the handle."""
    subjects = [c for c in verb.children if c.dep_ in deps]
    if verb.dep_ == "relcl" and any(s.lower_ in ("which", "that", "who") for s in subjects):
        return [verb.head]
    return subjects



def _property_word(token: Token) -> bool:
    return token.pos_ in CONTENT_POS and token.tag_ not in ("VBN", "VBD") and token.lemma_.lower() not in _INCLUSION


def _slot_conflict(token: Token, index: FactIndex) -> str | None:
    """A member of a closed class where the facts name another or none ("Material:
    plastic" against "ceramic"; "Stones: none" against "diamond")."""
    lemma = token.lemma_.lower()
    kind = word_class(lemma)
    for slot in index.slots:
        if kind != slot.kind:
            continue
        if slot.denied:
            return f"contradicts:{slot.kind}" + ("" if lemma == slot.kind else f"/{token.lower_}")
        if not forms(token) & index.words:
            return f"contradicts:{slot.kind}/{token.lower_}"
    return None


def _attribute_conflict(token: Token, index: FactIndex) -> str | None:
    """An adjective, or a material noun, on a noun that names an attribute must be that
    attribute's: "a high rise" where the facts say "Rise: mid", "a stainless steel handle"
    where they say "Handle: pakkawood"."""
    material = token.pos_ == "NOUN" and token.dep_ == "compound" and word_class(token.lemma_.lower()) == "material"
    if (token.pos_ != "ADJ" and not material) or token.lemma_.lower() in PRAISE:
        return None
    if token.lower_ in _SEVERAL and forms(token.head) & index.multi_valued:
        return None  # "many colours" where the facts list several
    following = token.nbor(1) if token.i + 1 < len(token.doc) else token
    head = (forms(token.head) if token.dep_ == "amod" else frozenset()) | (forms(following) if following.is_alpha else frozenset())
    own = forms(token)
    named = [a for a in index.attributes if head & a.head]
    if named and not any(own & a.allowed for a in named):  # "native capacity" fits one of two
        return f"contradicts:{named[0].label}/{token.lower_}"
    return None


def _mentions(words: list[Token], denied: tuple[frozenset[str], ...], sentence: Span, index: FactIndex) -> bool:
    """Whether the term is (part of) a denied phrase in its sentence, or holds a word that
    the facts state only inside a denial ("organic" of "Certified organic: no")."""
    if len(denied) == 1:
        return any(forms(t) & denied[0] for t in words)
    ids = {t.i for t in words}
    content = [t for t in sentence if not t.is_punct]
    for i in range(len(content) - len(denied) + 1):
        run = content[i:i + len(denied)]
        if all(forms(t) & d for t, d in zip(run, denied)) and ids & {t.i for t in run}:
            return True
    return any(forms(t) & d and not forms(t) & index.words for t in words for d in denied)


def _negated(token: Token) -> bool:
    """Whether the sentence says the product has not `token`: "no stones", "without
    stones or pearls", "does not contain fragrance", "is not waterproof", "free of nickel"."""
    for _ in range(4):  # climb compounds and conjuncts to the phrase that is negated
        if any(c.dep_ == "neg" and not _not_only(c) for c in token.children):
            return True
        if any(c.lower_ == "no" and c.dep_ == "det" for c in token.children):
            return True
        head = token.head
        if token.dep_ == "pobj" and (head.lower_ == "without" or (head.lower_ in ("of", "from") and head.head.lower_ == "free")):
            return True
        if token.dep_ in ("dobj", "attr", "acomp", "nsubjpass", "xcomp", "oprd") or (token.dep_ == "nsubj" and head.lemma_ == "include"):
            if any(c.dep_ == "neg" and not _not_only(c) for c in head.children):
                return True
        if token.dep_ not in ("compound", "amod", "nmod", "conj", "appos") or head == token:
            return False
        token = head
    return False


def _not_only(neg: Token) -> bool:
    nxt = neg.nbor(1) if neg.i + 1 < len(neg.doc) else None
    return nxt is not None and nxt.lower_ in ("only", "just", "merely")


def _name_reason(tokens: list[Token], index: FactIndex) -> list[str]:
    """A name (its tokens inside an entity) the facts hold as a run ("Kestrel Outdoor"),
    or whose every word they hold; "Amazon" is not "Amazonas", "Tesla Motors" no maker."""
    if not tokens or index.has_run("".join(t.text for t in tokens)):
        return []
    if all(index.supports_word(t) or t.lemma_.lower() in PRAISE | SHELL or t.is_stop for t in tokens):
        return []
    return [f"unsupported_name:{' '.join(t.text for t in tokens)}"]


def _term_reason(term: Term, index: FactIndex) -> list[str]:
    words = [t for t in term.words if _is_candidate(t)]
    if not words and not term.free:
        return []
    # A run matches codes and hyphenated names ("Wi-Fi"); a noun-adjective pair is judged
    # word by word, since the facts may hold it only as a name they narrow
    # ("Dishwasher safe: hand wash only").
    spaced_pair = len(term.tokens) > 1 and not any(t.is_punct for t in term.tokens)
    # A plain word is no run: "dishwasher" of "Dishwasher safe: hand wash only" is in the
    # facts' text, not among what they affirm.
    plain_word = len(term.tokens) == 1 and term.tokens[0].is_alpha
    if term.text.lower() in PRAISE or term.text.lower() in SHELL or (index.has_run(term.text) and not spaced_pair
                                                                     and not plain_word):
        return []
    use = _is_use(term.tokens[-1])
    unsupported = [t for t in words if not (is_generic(t, use=use) or _supported(t, index))]
    if term.free and not unsupported:
        unsupported = words  # "paraben-free": the facts say nothing about parabens
    if not unsupported:
        return []
    return [f"{_kind(term, unsupported, use)}:{term.text}"]


def _is_candidate(token: Token) -> bool:
    if token.pos_ in CONTENT_POS and not looks_like_verb(token):
        return True
    if token.pos_ == "VERB":  # "heating and cooling settings": a conjunct of a noun is a noun
        return (token.dep_ in ("amod", "acomp") or _is_use_verb(token) or _is_ability(token)
                or (token.dep_ == "conj" and token.tag_ == "VBG" and token.head.pos_ == "NOUN"))
    if token.pos_ == "ADV":
        return _is_manner(token)
    return False


def _is_manner(token: Token) -> bool:
    """An adverb that says how it was made or works ("sustainably sourced", "heats up
    quickly"); one formed from praise ("beautifully", "easily") says nothing."""
    lower = token.lower_
    if not lower.endswith("ly") or len(lower) < 6 or lower in DEGREE_ADVERBS:
        return False
    bases = {lower[:-2], lower[:-3] + "y", lower[:-2] + "e", lower[:-1] + "e", lower[:-4] + "le"}
    return not bases & PRAISE


def _is_ability(token: Token) -> bool:
    """A verb that says what the buyer can do with the product: "you can customize it",
    "lets you fold it", "easy to clean". A capability, as checkable as "foldable"."""
    if any(child.dep_ == "aux" and child.lower_ in _ABILITY_AUX for child in token.children):
        return True
    head = token.head
    if token.dep_ in ("xcomp", "ccomp") and head.lemma_.lower() in _ABILITY_HEADS:
        return True
    # "easy to clean": the verb hangs off the adjective, or off the copula beside it
    return token.dep_ == "xcomp" and (head.pos_ == "ADJ" or any(c.dep_ == "acomp" and c.pos_ == "ADJ"
                                                                for c in head.children))


def _is_use_verb(token: Token) -> bool:
    """"for saving your life", "helps to remove dead skin", "designed to keep"."""
    for _ in range(3):
        head = token.head
        if token.dep_ == "pcomp" and head.lower_ == "for":
            return True
        # "can be used to measure and cut": what it is used for is a use, too
        if token.dep_ in ("xcomp", "ccomp", "advcl") and head.lemma_.lower() in _PURPOSE_HEADS | {"use"}:
            return True
        if token.dep_ != "conj" or head == token:
            return False
        token = head
    return False


def _is_use(token: Token) -> bool:
    """Whether `token` is (part of) the object of "for": a use or a user it is for."""
    for _ in range(4):
        head = token.head
        if token.dep_ in ("pobj", "pcomp") and head.lower_ == "for":
            return True
        if token.dep_ not in ("compound", "amod", "conj", "nmod") or head == token:
            return False
        token = head
    return False


def _supported(token: Token, index: FactIndex) -> bool:
    if index.supports_word(token):
        return True
    lower = token.lower_
    return any(derived(lower, word) for word in index.words)


def _kind(term: Term, unsupported: list[Token], use: bool) -> str:
    for token in unsupported:
        if kind := word_class(token.lemma_.lower()):
            return f"unsupported_{kind}"
    if use or any(_is_use_verb(t) for t in unsupported):
        return "unsupported_use"
    if any(t.pos_ == "PROPN" or (t.is_title and t.i > t.sent.start) or (t.is_upper and len(t) > 1) for t in unsupported):
        return "unsupported_name"
    if term.free or any(t.pos_ in ("ADJ", "VERB") for t in term.tokens):
        return "unsupported_property"
    return "unsupported_term"
