"""What one product's facts support: the words, names and codes they contain, the numbers
with the attribute each belongs to, and what they deny ("Stones: none", "fragrance-free",
"not waterproof", "unscented", "batteries: not included"). Built once per `Facts` and
cached, since every draft and regeneration of a product is judged against the same facts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from spacy.tokens import Doc, Token

from foundation.claims.facts import Facts
from foundation.claims.language import alnum_tokens, forms, pipeline, stem, zipf
from foundation.claims.quantities import Quantity, find_quantities
from foundation.claims.vocabulary import CLASS_NAMES, IMITATING, LOOKALIKE

CONTENT_POS = frozenset({"NOUN", "PROPN", "ADJ"})
# An attribute value that says the attribute does not apply ("Stones: none").
_NEGATIVE_VALUES = frozenset({"none", "no", "n/a", "na", "nil", "false", "0", "free", "without", "not applicable"})
_NOT_INCLUDED = ("not included", "sold separately", "not supplied")
# Words of an attribute name that name no thing: "Stones Type: none" denies stones.
_NAME_SHELL = frozenset({"type", "kind", "number", "count", "quantity", "amount", "option", "status", "include"})
_NEGATORS = frozenset({"without", "no", "not"})
# A value that narrows what the attribute's name says: "Dishwasher safe: hand wash only"
# does not make the product dishwasher safe, so the name's words are no fact.
_RESTRICTING = frozenset({"only", "except", "excluding"})
_PART_NAMES = frozenset({"part", "parts", "component", "components"})  # "Dishwasher safe parts: jar and lid"
_FUNCTION_POS = frozenset({"CCONJ", "ADP", "DET", "PRON", "AUX", "PART", "SCONJ"})
_MAX_RUN = 8  # tokens of a name or code matched as one run ("TC-L82AN-BR" is three)


@dataclass(frozen=True)
class FactNumber:
    quantity: Quantity
    name_words: frozenset[str]  # forms of the attribute name's content words
    context: frozenset[str]  # forms of the words written next to the number, and the name's


@dataclass(frozen=True)
class Denial:
    """Something the facts say the product has not. `inclusion`: only that it does not come
    with it ("Batteries: not included"), so only a sentence saying it does contradicts."""

    words: tuple[frozenset[str], ...]
    label: str
    inclusion: bool = False


@dataclass(frozen=True)
class Slot:
    """An attribute of a closed class ("Material: plastic"): another member contradicts."""

    kind: str
    words: frozenset[str]
    denied: bool


@dataclass(frozen=True)
class Attribute:
    """An attribute named by one noun and valued in words ("Rise: mid"): an adjective on
    that noun in a sentence ("a high rise") must be one of its words (or the title's)."""

    label: str
    head: frozenset[str]
    allowed: frozenset[str]


@dataclass(frozen=True)
class FactIndex:
    words: frozenset[str]  # forms of every word the facts affirm (not those they only deny)
    runs: frozenset[str]
    numbers: tuple[FactNumber, ...]
    denials: tuple[Denial, ...]
    slots: tuple[Slot, ...]
    attributes: tuple[Attribute, ...]
    labels: frozenset[str]
    brand_only: frozenset[str] = frozenset()  # forms only the brand affirms: a maker, no material
    multi_valued: frozenset[str] = frozenset()  # forms of the names of attributes with several values
    # per attribute: forms of its name's last word, and of its values' words
    placed: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    # per attribute with several values: forms of its name's and its values' words
    choices: tuple[frozenset[str], ...] = ()
    # per attribute whose value narrows it ("Hypoallergenic: cover only"): forms of its
    # name's words, and of the parts the value names (cover)
    narrowed: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    colours: frozenset[str] = frozenset()  # forms the facts give only as a colour ("Colors: terracotta, cream")
    # forms the facts give only to a part: beside an attribute that names the product's
    # material ("Stones: cubic zirconia" beside "Base metal: brass"), or, where none does,
    # any attribute's that the title does not say ("Top: solid spruce")
    parts_only: frozenset[str] = frozenset()
    imitated: frozenset[str] = frozenset()  # forms the facts give only as imitated ("PU leather", "crystal-look")
    present: frozenset[str] = frozenset()  # forms of what a denied absence affirms ("Sulfate-free: no")
    whole_materials: frozenset[str] = frozenset()  # forms of the values of "Material"-named attributes
    # forms of each stated fact with its attribute's name ("Carafe: stainless steel, thermal"), and the title's
    together: tuple[frozenset[str], ...] = ()
    listed: tuple[tuple[frozenset[str], ...], ...] = ()  # an attribute's values, each its forms, if several
    kind: frozenset[str] = frozenset()  # forms of the nouns the title and category head: what the product is
    # per part attribute ("Basket: nonstick, dishwasher safe"): forms of the adjectives only
    # its values hold, and of its name
    part_properties: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    # forms of the nouns that head a phrase of the title or category ("Set of 4 Wine Glasses": set, glasses)
    called: frozenset[str] = frozenset()

    def supports_word(self, token: Token) -> bool:
        # Runs are for codes and names ("M.2", "Wi-Fi"): a plain word must be affirmed,
        # and a word the facts only deny ("Certified organic: no") is in runs but not words.
        if forms(token) & self.words:
            return True
        return not token.is_alpha and squash(token.text) in self.runs

    def said_together(self, *words: frozenset[str]) -> bool:
        """Whether one fact (an attribute with its name, or the title) holds a form of each."""
        return any(all(w & fact for w in words) for fact in self.together)

    def has_run(self, text: str) -> bool:
        return squash(text) in self.runs


def squash(text: str) -> str:
    return "".join(alnum_tokens(text))


@lru_cache(maxsize=512)
def index_facts(facts: Facts) -> FactIndex:
    fields = list(facts.fields())
    names = [name for name, _ in facts.attributes]
    # Names in the facts are matched as text, so the facts need no entity recogniser.
    docs = list(pipeline().pipe([text for _, text in fields] + names, disable=["ner"]))
    value_docs, name_docs = docs[:len(fields)], dict(zip(names, docs[len(fields):]))
    name_words = {name: _content_forms(doc) for name, doc in name_docs.items()}
    numbers: list[FactNumber] = []
    denials: list[Denial] = []
    denied_tokens: set[tuple[int, int]] = set()  # (doc id, token index) stated only as absent
    present: set[str] = set()
    negative_names = {name for name, doc in zip((n for n, _ in fields), value_docs) if name and _is_negative(doc.text)}
    negating_names = {name for name, doc in name_docs.items() if _negates(doc)}
    for (name, _), doc in zip(fields, value_docs):
        named = name_words.get(name, frozenset()) if name else frozenset()
        for quantity in find_quantities(doc.text):
            numbers.append(FactNumber(quantity, named, number_context(doc, quantity) | named))
        denials += _denials_in(doc, denied_tokens)
        if name in negating_names:
            denials += _phrases_after(list(doc), 0, denied_tokens)
    for name, values in facts.attributes:
        if len(values) > 1:  # "Colours: [3 values]" makes "in three colours" a fact
            count = Quantity(value=len(values), unit=None, start=0, end=0, text=str(len(values)))
            numbers.append(FactNumber(count, name_words[name], name_words[name]))
        absent = _denials_in(name_docs[name], said_absent := set())
        if absent and name in negative_names:
            # "Sulfate-free: no", "Gluten-free: no, may contain gluten": the absence the name
            # states is denied, so the product has it; its words stay facts.
            present.update(form for denial in absent for word in denial.words for form in word)
            continue
        denials += absent
        denied_tokens |= said_absent
        if name in negative_names:
            values_text = " ".join(values).lower()
            inclusion = any(s in values_text for s in _NOT_INCLUDED) or any(t.lemma_.lower() == "include" for t in name_docs[name])
            if excluded := _excluded(_values_of(name, fields, value_docs)):
                # "Cable: 0.35 m with plug, extension lead not included": the lead is not included, the cable is
                denials += [Denial(tuple(forms(t) for t in words), " ".join(t.lemma_.lower() for t in words), True)
                            for words in excluded]
            else:
                denials += _name_denial(name_docs[name], inclusion, denied_tokens)
        elif any(_restricts(value) for value in values):
            denied_tokens.update((id(name_docs[name]), t.i) for t in name_docs[name])
    affirmed = [t for doc in docs for t in doc if not t.is_punct and (id(doc), t.i) not in denied_tokens]
    words = frozenset(chain.from_iterable(forms(t) for t in affirmed))
    brand_words, other_words = _brand_and_other_words(facts, fields, docs, denied_tokens)
    said_what = [doc for (name, text), doc in zip(fields, value_docs) if name is None and text != facts.brand]
    material_names = _whole_material_names(name_docs, said_what)
    return FactIndex(
        words=words,
        runs=_runs(docs),
        numbers=tuple(numbers),
        denials=tuple(denials),
        slots=tuple(_slots(facts, name_docs, value_docs, fields)),
        attributes=tuple(_attributes(facts, name_docs, value_docs, fields)),
        labels=frozenset({"title", "brand", "category", *(n.lower() for n in names)}),
        brand_only=brand_words - other_words,
        multi_valued=frozenset(chain.from_iterable(name_words[n] for n, values in facts.attributes if len(values) > 1)),
        placed=tuple(_placed(facts, name_docs, value_docs, fields)),
        choices=tuple(name_words[name] | frozenset(chain.from_iterable(forms(t) for doc in _values_of(name, fields, value_docs)
                                                                         for t in doc))
                      for name, values in facts.attributes if len(values) > 1),
        narrowed=tuple((name_words[name], _parts(_values_of(name, fields, value_docs)))
                       for name, values in facts.attributes
                       if any(_restricts(value) for value in values) or name_words[name] & _PART_NAMES
                       or _names_parts(name, values, name_words, said_what)),
        colours=_colours(facts, name_words, fields, value_docs),
        parts_only=_parts_only(facts, material_names, fields, value_docs),
        imitated=_imitated(docs, denied_tokens),
        present=frozenset(present),
        whole_materials=frozenset(form for (name, _), doc in zip(fields, value_docs)
                                  if name in material_names for t in doc for form in forms(t)),
        together=tuple(frozenset(chain.from_iterable(forms(t) for t in doc)) | (name_words[name] if name else frozenset())
                       for (name, _), doc in zip(fields, value_docs)),
        listed=tuple(tuple(frozenset(chain.from_iterable(forms(t) for t in doc))
                           for doc in _values_of(name, fields, value_docs))
                     for name, values in facts.attributes if len(values) > 1),
        part_properties=_part_properties(facts, name_docs, name_words, fields, value_docs, material_names),
        kind=frozenset(f for doc in said_what for t in doc if t.dep_ == "ROOT" and t.pos_ in _NOUNS for f in forms(t)),
        called=frozenset(f for doc in said_what for t in doc if _heads_a_phrase(t) for f in forms(t)),
    )


_NOUNS = ("NOUN", "PROPN")


def _heads_a_phrase(token: Token) -> bool:
    """A title's noun that is not a modifier of the next: "Table Vase" heads with vase, but
    "Skillet 10.25 inch" with skillet (the tagger takes a unit after a number for the head,
    and "Set of 4" for a verb)."""
    if token.dep_ == "ROOT":
        return token.is_alpha
    if token.pos_ not in _NOUNS:
        return False
    head = token.head
    modifies = token.dep_ in ("compound", "amod", "nmod", "poss") and head.i > token.i and head.is_alpha
    return not (modifies and not any(t.like_num for t in token.doc[token.i + 1:head.i]))


_COLOUR_NAMES = frozenset({"color", "colour", "shade"})


def _colours(facts: Facts, name_words: dict[str, frozenset[str]], fields: list[tuple[str | None, str]],
             value_docs: list[Doc]) -> frozenset[str]:
    """Forms of the words only a colour attribute's values hold: "terracotta" under
    "Colors" is a colour, whatever else the word may mean."""
    colour_names = {name for name, _ in facts.attributes if name_words[name] & _COLOUR_NAMES}
    return _only_under(colour_names, fields, value_docs)


_MATERIAL_NAMES = frozenset({"material", "materials", "fabric", "metal", "composition", "construction"})


# Attribute names that say how the product is, not which part: their values are the whole's.
_NOT_PARTS = frozenset("""feature features care finish type style fit use uses suitable property properties
specification specifications certification certifications detail details note notes extra extras other
function functions technology design safety rating""".split()) | _COLOUR_NAMES | _MATERIAL_NAMES


def _part_properties(facts: Facts, name_docs: dict[str, Doc], name_words: dict[str, frozenset[str]],
                     fields: list[tuple[str | None, str]], value_docs: list[Doc],
                     material_names: set[str]) -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    """The properties the facts give one part only: "Basket: nonstick, dishwasher safe"
    does not make the air fryer dishwasher safe."""
    found = []
    for name, values in facts.attributes:
        if (name in material_names or not name_words[name] or name_words[name] & _NOT_PARTS
                or any(_is_negative(v) for v in values)):  # "Palm oil: free" names no part
            continue
        elsewhere = {f for (other, _), doc in zip(fields, value_docs) if other != name for t in doc for f in forms(t)}
        elsewhere |= {f for other, doc in name_docs.items() if other != name for t in doc for f in forms(t)}
        own = [doc for (other, _), doc in zip(fields, value_docs) if other == name]
        if name_words[name] & {f for doc in own for t in doc for f in forms(t)}:
            continue  # "Water resistance: water resistant" restates a property, no part
        adjectives = frozenset(f for doc in own for t in doc if t.pos_ == "ADJ" and not forms(t) & elsewhere
                               for f in forms(t))
        if adjectives:
            found.append((adjectives, name_words[name]))
    return tuple(found)


def _whole_material_names(name_docs: dict[str, Doc], title: list[Doc]) -> set[str]:
    """The attributes that name what the whole product is made of: "Material", "Base
    metal"; not a part's ("Jar material", "Blade material": a part that the title or
    another attribute names too)."""
    def parts_besides(name: str) -> frozenset[str]:
        return frozenset(chain.from_iterable(forms(t) for other, doc in name_docs.items() if other != name
                                             for t in doc)) | frozenset(f for doc in title for t in doc for f in forms(t))
    return {name for name, doc in name_docs.items()
            if _content_forms(doc) & _MATERIAL_NAMES
            and not any(forms(t) & parts_besides(name) for t in doc
                        if t.pos_ in _NOUNS and t.is_alpha and not forms(t) & _MATERIAL_NAMES)}


def _parts_only(facts: Facts, material_names: set[str], fields: list[tuple[str | None, str]],
                value_docs: list[Doc]) -> frozenset[str]:
    """Forms of the words only the other attributes' values hold, where an attribute names
    what the product is made of: "made of cubic zirconia" is a part's material said of the
    whole when "Stones: cubic zirconia" and "Base metal: brass". Where none does, every
    attribute's words not in the title: "the guitar is made of spruce" where only "Top:
    solid spruce" says spruce, "made of duck down" where it is the "Fill"."""
    if material_names:
        return _only_under({name for name, _ in facts.attributes} - material_names, fields, value_docs)
    title = frozenset(f for (name, text), doc in zip(fields, value_docs) if name is None and text == facts.title
                      for t in doc for f in forms(t))
    return _only_under({name for name, _ in facts.attributes}, fields, value_docs) - title


def _only_under(names: set[str], fields: list[tuple[str | None, str]], value_docs: list[Doc]) -> frozenset[str]:
    """Forms of the words that only the values of the `names` attributes hold (the title,
    brand and category say what the product is, so they do not count)."""
    given: set[str] = set()
    elsewhere: set[str] = set()
    for (name, _), doc in zip(fields, value_docs):
        if name is None:
            continue
        words = {f for t in doc if t.is_alpha for f in forms(t)}
        (given if name in names else elsewhere).update(words)
    return frozenset(given - elsewhere)


def imitation(token: Token) -> bool:
    """Whether the word names what the product imitates: "PU leather", "faux fur",
    "crystal-look", "oak-effect"."""
    doc = token.doc
    before = doc[token.i - 1] if token.i > 0 else None
    if before is not None and before.lower_ in IMITATING:
        return True
    return (token.i + 2 < len(doc) and doc[token.i + 1].text == "-" and doc[token.i + 2].lower_ in LOOKALIKE)


def _imitated(docs: list[Doc], denied_tokens: set[tuple[int, int]]) -> frozenset[str]:
    imitated: set[str] = set()
    plain: set[str] = set()
    for doc in docs:
        for token in doc:
            if token.is_alpha and (id(doc), token.i) not in denied_tokens and token.lower_ not in IMITATING:
                (imitated if imitation(token) else plain).update(forms(token))
    return frozenset(imitated - plain)


def _parts(docs: list[Doc]) -> frozenset[str]:
    """The words a narrowing value keeps to: "cover only" -> cover; "top rack only" -> top,
    rack (no POS: out of context the tagger reads "cover" as a verb)."""
    return frozenset(chain.from_iterable(forms(t) for doc in docs for t in doc
                                         if t.is_alpha and not t.is_stop and t.lower_ not in _RESTRICTING))


def _placed(facts: Facts, name_docs: dict[str, Doc], value_docs: list[Doc],
            fields: list) -> list[tuple[frozenset[str], frozenset[str]]]:
    placed = []
    for name, _ in facts.attributes:
        # Every word that names a part, stop words too: "Top", "Back and sides".
        words = [t for t in name_docs[name] if t.is_alpha and t.pos_ not in _FUNCTION_POS
                 and t.lemma_.lower() not in _NAME_SHELL]
        if words:
            values = _values_of(name, fields, value_docs)
            placed.append((frozenset(chain.from_iterable(forms(t) for t in words)),
                           frozenset(chain.from_iterable(forms(t) for doc in values for t in doc))))
    return placed


def number_context(doc: Doc, quantity: Quantity) -> frozenset[str]:
    """Forms of the content words written next to a number (two on each side, not past a
    punctuation mark, a conjunction or another number) and of the noun it counts: "the
    4-core Xeon" gives core and xeon; "a base clock of 2.0 GHz" gives base and clock."""
    span = doc.char_span(quantity.start, quantity.end, alignment_mode="expand")
    if span is None:
        return frozenset()
    found: set[str] = set()
    for step, start in ((-1, span.start - 1), (1, span.end)):
        taken, i = 0, start
        while 0 <= i < len(doc) and taken < 2 and abs(i - start) < 4:
            token = doc[i]
            if token.like_num or token.pos_ == "CCONJ" or (token.is_punct and token.text not in "-/"):
                break
            if any(c.isalpha() for c in token.text) and not token.is_stop:
                found |= forms(token)
                taken += 1
            i += step
    head = span[-1].head
    if head.pos_ in ("NOUN", "PROPN") and head not in span:
        found |= forms(head)
    return frozenset(found)


def _content_forms(doc: Doc) -> frozenset[str]:
    return frozenset(chain.from_iterable(forms(t) for t in _name_words(doc)))


def _negates(name: Doc) -> bool:
    """ "Free from", "Without", "Does not contain": a name that only says what is absent."""
    words = [t.lower_ for t in name if t.is_alpha]
    return bool(words) and words[0] in _NEGATORS | {"free"} and not _name_words(name)[1:]


def _is_negative(value: str) -> bool:
    lowered = value.strip().lower().strip(".!")
    first = lowered.split(" ", 1)[0].strip(",;:") if lowered else ""  # "no, may contain gluten"
    return lowered in _NEGATIVE_VALUES or first in _NEGATORS or any(s in lowered for s in _NOT_INCLUDED)


def _brand_and_other_words(facts: Facts, fields: list[tuple[str | None, str]], docs: list[Doc],
                           denied_tokens: set[tuple[int, int]]) -> tuple[frozenset[str], frozenset[str]]:
    """Forms of the brand's words, and of every other fact's; the title counts without the
    brand written in it ("Sable & Pine Cast Iron Skillet" says nothing of pine)."""
    brand = facts.brand or ""
    brand_words: set[str] = set()
    other_words: set[str] = set()
    for (name, text), doc in zip(fields, docs):
        if name is None and text == brand:
            brand_words |= {f for t in doc for f in forms(t)}
            continue
        spans = [doc.char_span(i, i + len(brand)) for i in _occurrences(text, brand)] if name is None and brand else []
        inside = {t.i for span in spans if span is not None for t in span}
        other_words |= {f for t in doc if t.i not in inside and (id(doc), t.i) not in denied_tokens for f in forms(t)}
    for doc in docs[len(fields):]:  # the attribute names
        other_words |= {f for t in doc if (id(doc), t.i) not in denied_tokens for f in forms(t)}
    return frozenset(brand_words), frozenset(other_words)


def _occurrences(text: str, part: str) -> list[int]:
    found, start = [], text.find(part)
    while start >= 0:
        found.append(start)
        start = text.find(part, start + len(part))
    return found


def _names_parts(name: str, values: tuple[str, ...], name_words: dict[str, frozenset[str]],
                 title: list[Doc]) -> bool:
    """A value that only names parts the facts know narrows the attribute to them: "Machine
    washable: cover" beside "Cover: bamboo-derived rayon" (or the title's "Hypoallergenic
    Cover") does not make the pillow machine washable."""
    parts = set(chain.from_iterable(words for other, words in name_words.items() if other != name))
    parts |= {f for doc in title for t in doc if t.pos_ in _NOUNS and _heads_a_phrase(t) for f in forms(t)}
    words = [w.lower() for value in values for w in alnum_tokens(value)]
    content = [w for w in words if w not in ("and", "or")]
    return bool(content) and not name_words[name] & (_MATERIAL_NAMES | _COLOUR_NAMES) and all(
        w.isalpha() and w in parts | {p + "s" for p in parts} for w in content)


def _restricts(value: str) -> bool:
    return bool(_RESTRICTING & {w.lower() for w in alnum_tokens(value)})


def _excluded(docs: list[Doc]) -> list[list[Token]]:
    """What a value itself names as not included, each the words of its part of the list:
    "0.35 m with plug, extension lead not included" -> extension lead; none in "2 x AA, not
    included" (the attribute's name is what is not included)."""
    found = []
    for doc in docs:
        segment: list[Token] = []
        for token in doc:
            if token.text in (",", ";", "("):  # "3 x AAA (not included)": the batteries are not
                segment = []
            elif any(doc[token.i:].text.lower().startswith(phrase) for phrase in _NOT_INCLUDED):
                if words := [t for t in segment if t.is_alpha and not t.is_stop]:
                    found.append(words)
                segment = []
            else:
                segment.append(token)
    return found


def _name_words(doc: Doc) -> list[Token]:
    """The words of an attribute name. POS is not used: the tagger cannot read one or two
    words out of context ("Fit" comes out an adjective, "Backing" a verb)."""
    return [t for t in doc if t.is_alpha and t.lemma_.lower() not in _NAME_SHELL
            and (not t.is_stop or t.dep_ == "conj" or any(c.dep_ == "conj" for c in t.children))]


_JOINERS = frozenset({"or", "and", "&", "/"})


def _name_denial(doc: Doc, inclusion: bool, denied_tokens: set[tuple[int, int]]) -> list[Denial]:
    """An attribute that does not apply denies what its name says, as one phrase:
    "Dishwasher safe: no" denies "dishwasher safe" (not "safe": it may be oven safe);
    "Down or feather: none" denies each ("down" is a stop word, kept as a conjunct)."""
    words = _name_words(doc)
    if not words:
        return []
    if not inclusion:  # the product still uses what is not included: those words stay facts
        denied_tokens.update((id(doc), t.i) for t in words)
    groups: list[list[Token]] = [[]]
    for t in doc:
        if t.lower_ in _JOINERS:
            groups.append([])
        elif t in words:
            groups[-1].append(t)
    return [Denial(tuple(forms(t) for t in group), " ".join(t.lemma_.lower() for t in group), inclusion)
            for group in groups if group]


def _denials_in(doc: Doc, denied_tokens: set[tuple[int, int]]) -> list[Denial]:
    """ "without stone", "no batteries", "not water resistant", "fragrance-free",
    "BPA free", "free from parabens and sulfates", "unscented"."""
    denials: list[Denial] = []
    tokens = list(doc)
    for i, token in enumerate(tokens):
        lower = token.lower_
        found: list[Token] | None = None
        if lower in _NEGATORS:
            after = i + 2 if i + 1 < len(tokens) and tokens[i + 1].lower_ in ("a", "an") else i + 1
            denials += _phrases_after(tokens, after, denied_tokens)  # "not a true gel polish" too
        elif lower == "free":
            if i + 1 < len(tokens) and tokens[i + 1].lower_ in ("of", "from"):
                denials += _phrases_after(tokens, i + 2, denied_tokens)
            before = i - 2 if i >= 2 and tokens[i - 1].text == "-" else i - 1
            if before >= 0 and tokens[before].is_alpha and not tokens[before].is_stop:
                found = [tokens[before]]
        elif (base := _unprefixed(token)) is not None:
            denials.append(Denial((frozenset({base, stem(base)}),), stem(base)))
            # the "un-" word itself ("unscented") states the absence: it stays affirmed
        if found:
            denied_tokens.update((id(doc), t.i) for t in found)
            denials.append(_phrase_denial(found))
    return denials


def _unprefixed(token: Token) -> str | None:
    """The word an "un-" adjective denies: "unscented" -> "scented", "unflavoured" ->
    "flavoured"; only when what follows "un" is itself a common word ("unique" is not)."""
    lower = token.lower_
    if not lower.startswith("un") or token.is_stop or token.pos_ not in CONTENT_POS | {"VERB"}:
        return None
    base = lower[2:]
    return base if len(base) >= 4 and zipf(base) >= 3.0 else None


def _phrases_after(tokens: list[Token], i: int, denied_tokens: set[tuple[int, int]]) -> list[Denial]:
    """The content-word phrases from `i` on, joined by "and", "or" or commas."""
    denials, phrase = [], []
    while i < len(tokens):
        token = tokens[i]
        if (token.pos_ in CONTENT_POS or (token.pos_ == "VERB" and token.dep_ == "amod")) and not token.is_stop:
            phrase.append(token)  # a participle too: "no built-in GPS"
        elif token.text == "-" and phrase:
            if i + 1 < len(tokens) and tokens[i + 1].is_alpha:  # "built-in": "in" is a stop word
                phrase.append(tokens[i + 1])
                i += 1
        elif token.pos_ in ("CCONJ", "PUNCT") and phrase and token.text in (",", "and", "or", "nor", "/"):
            denials.append(_phrase_denial(phrase))
            denied_tokens.update((id(token.doc), t.i) for t in phrase)
            phrase = []
        else:
            break
        i += 1
    if phrase:
        denials.append(_phrase_denial(phrase))
        denied_tokens.update((id(tokens[0].doc), t.i) for t in phrase)
    return denials


def _phrase_denial(phrase: list[Token]) -> Denial:
    return Denial(tuple(forms(t) for t in phrase), " ".join(t.lemma_.lower() for t in phrase))


def _values_of(name: str, fields: list[tuple[str | None, str]], value_docs: list[Doc]) -> list[Doc]:
    return [doc for (field, _), doc in zip(fields, value_docs) if field == name]


def _slots(facts: Facts, name_docs: dict[str, Doc], value_docs: list[Doc], fields: list) -> list[Slot]:
    slots = []
    for name, _ in facts.attributes:
        kind = next((CLASS_NAMES[f] for t in name_docs[name] for f in sorted(forms(t)) if f in CLASS_NAMES), None)
        if kind is None:
            continue
        docs = _values_of(name, fields, value_docs)
        denied = all(_is_negative(doc.text) for doc in docs)
        slots.append(Slot(kind, frozenset(chain.from_iterable(forms(t) for doc in docs for t in doc)), denied))
    return slots


def _attributes(facts: Facts, name_docs: dict[str, Doc], value_docs: list[Doc], fields: list) -> list[Attribute]:
    titles = [doc for (field, text), doc in zip(fields, value_docs) if field is None and text == facts.title]
    title_words = frozenset(chain.from_iterable(forms(t) for doc in titles for t in doc))
    attributes = []
    for name, _ in facts.attributes:
        nouns = _name_words(name_docs[name])
        # Only a one-word name is the attribute's noun: "Palm oil: free" says nothing of
        # which oils there are, "Skin type: all" nothing of "dead skin".
        if len(nouns) != 1 or sum(t.is_alpha for t in name_docs[name]) != 1:
            continue
        values = _values_of(name, fields, value_docs)
        if any(t.like_num for doc in values for t in doc):
            continue  # "a high brightness" of "400 lm" is praise of a number, not another value
        docs = values + [name_docs[name]]
        allowed = frozenset(chain.from_iterable(forms(t) for doc in docs for t in doc)) | title_words
        attributes.append(Attribute(name.lower(), forms(nouns[-1]), allowed))
    return attributes


def _runs(docs: list[Doc]) -> frozenset[str]:
    """Every run of up to `_MAX_RUN` consecutive letter-digit tokens of a fact, squashed:
    "LTO-8" is "lto8", "Men's" is "mens", and "Amazonas" never yields "amazon"."""
    runs: set[str] = set()
    for doc in docs:
        tokens = alnum_tokens(doc.text)
        for i in range(len(tokens)):
            for j in range(i + 1, min(i + _MAX_RUN, len(tokens)) + 1):
                runs.add("".join(tokens[i:j]))
    return frozenset(runs)
