"""Pros and cons as aspect phrases, with the reviews that say them and how many.

A review's dependency parse (spaCy) says what an opinion word is about: an adjective from
a small sentiment lexicon that modifies a noun ("soft fabric"), or is the complement of a
subject ("the fabric is soft" -> "soft fabric"; "they are comfortable" -> the product is
"comfortable"), with negation ("not durable") and "too" ("too tight") read off the parse.
A few verb phrases ("runs small", "fits well", "stopped working") are matched as patterns.
Nouns about the reviewer's life ("daughter", "birthday", "amazon") are never aspects, and
with four or more reviews an aspect needs two of them: one review's "beautiful skin" on a
pair of boots is that review's, not the product's.

Rating split: a positive aspect counts only from reviews rated >= 3; a negative one from
any review (a 5-star review saying "runs small" is a real con) but weighs double from
reviews rated <= 2. Ranked by supporting reviews.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal, Sequence

from spacy.tokens import Doc as SpacyDoc
from spacy.tokens import Span, Token

from foundation.textsafety.review_text import PII_TOKENS
from schemas.results import AspectPhrase
from workers.summaries import nlp
from workers.summaries.text import COPY_NGRAM, Doc, first_person, safe_text, script_of

Polarity = Literal["pos", "neg"]
Kind = Literal["trait", "part", "verb"]

POSITIVE = frozenset("""
great good excellent perfect nice comfortable comfy soft sturdy durable easy solid beautiful cute pretty lovely fast
quick quiet bright clear accurate reliable affordable lightweight warm cozy strong smooth sharp crisp clean fresh tasty
delicious effective gentle stylish elegant compact portable sleek spacious roomy adjustable versatile handy useful
convenient helpful fantastic awesome amazing wonderful decent superb outstanding impressive breathable
stretchy vibrant rich powerful responsive intuitive secure snug flattering fun healthy safe light adorable gorgeous
absorbent fluffy
""".split())
NEGATIVE = frozenset("""
flimsy thin poor bad terrible awful horrible broken defective uncomfortable itchy scratchy loud noisy heavy bulky tight
loose weak stiff difficult confusing slow dim blurry fragile faulty useless disappointing smelly leaky sticky rough
overpriced expensive inaccurate unreliable wobbly shaky misleading annoying messy greasy bland faded dull cheap
small big short long large narrow
""".split())
# Size and weight words are a con only as "too X" ("too small"): "small" alone may be the point.
_ONLY_WITH_TOO = frozenset("small big short long large narrow thin heavy tight loose thick light easy difficult".split())
_GENERIC = frozenset("great good nice perfect excellent awesome amazing fantastic wonderful decent".split())
_CANONICAL = {"comfy": "comfortable", "cozy": "cozy", "pricey": "expensive"}
NOT_ASPECTS = frozenset("""
daughter daughters son sons wife husband kid kids child children girl girls boy boys baby babies toddler grandson
granddaughter niece nephew friend friends mom dad mother father family people person man woman women men lady guy
year years month months week weeks day days time times thing things lot way review reviews star stars purchase order
amazon seller vendor company christmas birthday halloween one ones anything something everything nothing bit
stuff pair piece give feature deal job idea work favorite waste backup reason choice option addition
""".split())
_PRONOUN_SUBJECTS = frozenset("it they this these those".split())
# Nouns that name a property rather than the product ("this color is ..."): never the product's name.
_NOT_PRODUCT = NOT_ASPECTS | frozenset(
    "color colour size price quality material fabric style fit design leather cotton wool plastic metal wood".split())
QUOTE_WORDS = COPY_NGRAM - 1  # a quote is evidence beside an aspect, never a copy of the review
# Quotes about the reviewer's people read as a collage ("she loves them"): not quoted.
_THIRD_PARTY = frozenset("she he her him his hers daughter son wife husband kid kids".split())
_BE_LIKE = frozenset("be feel look seem appear stay remain".split())

# Verb phrases with a fixed surface form, in the third person singular ("runs small").
_FIXED: list[tuple[re.Pattern[str], Polarity, str]] = [
    (re.compile(r"\bruns? (small|large|big|narrow|short|long)\b"), "neg", "runs {0}"),
    (re.compile(r"\b(?:fits?|fit) (well|perfectly|great|nicely|true to size|as expected)\b"), "pos", "fits {0}"),
    (re.compile(r"\btrue to size\b"), "pos", "true to size"),
    (re.compile(r"\bworks? (well|great|perfectly|fine|as advertised|as expected)\b"), "pos", "works {0}"),
    (re.compile(r"\beasy to (use|clean|install|assemble|read|set up|carry|operate|wash|store|put on|follow|pack)\b"),
     "pos", "easy to {0}"),
    (re.compile(r"\b(?:hard|difficult|tricky) to (use|clean|install|assemble|read|set up|open|operate|wash|remove|"
                r"find|put on)\b"), "neg", "hard to {0}"),
    (re.compile(r"\b(?:stopped|quit) working\b"), "neg", "stopped working"),
    (re.compile(r"\bcolou?rs? (?:faded|fades|fade)\b"), "neg", "colour fades"),
    (re.compile(r"\bsheds? (lint|hair|fibers|fibres)\b"), "neg", "sheds {0}"),
    (re.compile(r"\bfell apart\b|\bfalls apart\b"), "neg", "falls apart"),
    (re.compile(r"\b(?:well|nicely|solidly) (?:made|built|constructed)\b"), "pos", "well made"),
    (re.compile(r"\b(?:poorly|cheaply|badly) (?:made|built|constructed)\b"), "neg", "poorly made"),
    (re.compile(r"\bworth (?:the|every) (money|price|penny|cost)\b"), "pos", "worth the {0}"),
    (re.compile(r"\b(?:good|great|excellent) value\b"), "pos", "good value"),
    (re.compile(r"\b(?:size|sized) (?:up|bigger)\b|\border (?:a |one )?size (?:up|bigger|larger)\b"), "neg", "runs small"),
    (re.compile(r"\b(darker|lighter|smaller|bigger|larger|thinner|different) than (?:in )?(?:the )?"
                r"(?:photos?|pictures?|pictured|shown|expected|advertised|described)\b"), "neg", "{0} than pictured"),
]
_NEGATED_BEFORE = re.compile(r"\b(?:not|never|no|n't|isn't|wasn't|don't|doesn't|didn't)\W+(?:\w+\W+){0,2}$")


@dataclass(frozen=True)
class Subject:
    """What the reviews are about, as they name it ("these tights", "this hat")."""

    noun: str = "product"
    plural: bool = False
    lemma: str = "product"

    @property
    def named(self) -> str:
        return f"{'these' if self.plural else 'this'} {self.noun}"

    @property
    def pronoun(self) -> str:
        return "they" if self.plural else "it"

    @property
    def be(self) -> str:
        return "are" if self.plural else "is"


@dataclass(frozen=True)
class Mention:
    polarity: Polarity
    kind: Kind
    key: str
    phrase: str  # "soft fabric", "comfortable", "too tight", "runs small"
    adjective: str = ""
    noun: str = ""
    plural_noun: bool = False


@dataclass
class Aspect:
    polarity: Polarity
    kind: Kind
    key: str
    mentions: Counter[Mention] = field(default_factory=Counter)
    reviews: dict[str, float] = field(default_factory=dict)  # review id -> weight, in order of first mention
    quotes: list[str] = field(default_factory=list)  # short clauses that say it, as evidence

    @property
    def count(self) -> int:
        return len(self.reviews)

    @property
    def best(self) -> Mention:
        """The most common wording, a specific adjective before a generic one ("soft" before "great")."""
        return max(self.mentions.items(), key=lambda kv: (kv[0].adjective not in _GENERIC, kv[1], kv[0].phrase))[0]

    @property
    def phrase(self) -> str:
        return self.best.phrase[:80]


@dataclass
class Topic:
    """A noun several reviews talk about, with or without an opinion word."""

    lemma: str
    forms: Counter[str] = field(default_factory=Counter)
    reviews: dict[str, None] = field(default_factory=dict)
    quotes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.forms.most_common(1)[0][0]

    @property
    def count(self) -> int:
        return len(self.reviews)


@dataclass(frozen=True)
class Aspects:
    subject: Subject
    pros: list[Aspect]  # every aspect found, most supported first
    cons: list[Aspect]
    read: int  # reviews mined (English-script ones)
    topics: list[Topic] = field(default_factory=list)
    recommended_by: list[str] = field(default_factory=list)  # ids of reviews that recommend it

    @property
    def min_support(self) -> int:
        """Published pros and cons need two reviews once there are four to read."""
        return 2 if self.read >= 4 else 1


def _negated(token: Token) -> bool:
    heads = [token, token.head] if token.dep_ in ("acomp", "conj", "attr") else [token]
    return any(c.dep_ == "neg" for h in heads for c in h.children)


def _compound(noun: Token) -> str:
    parts = [c.text.lower() for c in noun.lefts if c.dep_ == "compound" and c.is_alpha]
    return " ".join([*parts, noun.text.lower()])


def _purpose(adj: Token) -> str:
    """ "great for travel" -> "travel": what the product is good for, when a review says so."""
    for prep in adj.children:
        if prep.dep_ == "prep" and prep.lower_ == "for":
            objects = [c for c in prep.children if c.dep_ == "pobj" and c.pos_ == "NOUN"]
            if objects and objects[0].lemma_.lower() not in NOT_ASPECTS:
                words = [t for t in objects[0].subtree if t.dep_ in ("compound", "amod", "pobj") and t.is_alpha]
                if 0 < len(words) <= 3 and not first_person(" ".join(t.text for t in words)):
                    return " ".join(t.lower_ for t in words)
    return ""


def _subject_of(adj: Token) -> Token | None:
    head = adj
    while head.dep_ == "conj" and head.head is not head:
        head = head.head
    if head.dep_ in ("acomp", "attr", "oprd") and head.head.lemma_ in _BE_LIKE:
        subjects = [c for c in head.head.children if c.dep_ in ("nsubj", "nsubjpass")]
        return subjects[0] if subjects else None
    return None


def _adjective_mention(adj: Token, subject: Subject) -> Mention | None:
    word = _CANONICAL.get(adj.lower_, adj.lower_)
    polarity: Polarity | None = "pos" if word in POSITIVE else "neg" if word in NEGATIVE else None
    if polarity is None:
        return None
    too = any(c.lower_ == "too" for c in adj.children)
    if word in _ONLY_WITH_TOO and not too:
        return None
    label = word
    if too:
        polarity, label = "neg", f"too {word}"
    elif _negated(adj):
        if polarity == "neg":
            return None  # "not bad" is faint praise, not an aspect
        polarity, label = "neg", f"not {word}"
    noun: Token | None = None
    if adj.dep_ == "amod" and adj.head.pos_ == "NOUN":
        noun = adj.head
    elif adj.dep_ in ("acomp", "attr", "conj", "oprd"):
        noun = _subject_of(adj)
        if noun is not None and noun.pos_ == "PRON" and noun.lower_ not in _PRONOUN_SUBJECTS:
            return None  # "she is comfortable": about a person
    elif adj.dep_ != "ROOT":
        return None
    if noun is None or noun.lower_ in _PRONOUN_SUBJECTS or noun.lemma_.lower() in (subject.lemma, "product", "item"):
        use = _purpose(adj) if polarity == "pos" else ""
        if use:
            return Mention(polarity, "trait", f"use:{use}", f"{label} for {use}", adjective=word)
        return Mention(polarity, "trait", f"trait:{label}", label, adjective=word)
    if noun.pos_ != "NOUN" or not noun.is_alpha or len(noun.text) < 3 or noun.lemma_.lower() in NOT_ASPECTS:
        return None
    name = _compound(noun)
    phrase = f"{name} {label}" if too else f"{label} {name}"
    return Mention(polarity, "part", f"part:{noun.lemma_.lower()}:{polarity}", phrase, adjective=label, noun=name,
                   plural_noun=noun.tag_ == "NNS")


def _fixed_mentions(sentence: str) -> list[Mention]:
    low = sentence.casefold().replace("’", "'")
    found = []
    for pattern, polarity, template in _FIXED:
        for m in pattern.finditer(low):
            if _NEGATED_BEFORE.search(low[: m.start()]):
                continue
            phrase = template.format(*(g for g in m.groups() if g)) if m.groups() else template
            found.append(Mention(polarity, "verb", f"verb:{phrase}", phrase))
    return found


_RECOMMENDS = re.compile(r"\b(?:recommend|(?:buy|order|purchase) (?:it |them |these |this |another )?again|"
                         r"(?:buy|order|purchase) (?:more|another)|would buy)\b", re.I)
_NOT_RECOMMEND = re.compile(r"\b(?:not|never|wouldn't|won't|don't|can't|cannot)\W+(?:\w+\W+){0,2}"
                            r"(?:recommend|buy|order|purchase)", re.I)


def recommends(text: str) -> bool:
    """Whether a review recommends the product or says it would be bought again."""
    return bool(_RECOMMENDS.search(text)) and not _NOT_RECOMMEND.search(text)


_CLAUSE_SPLIT = re.compile(r"[,;:()!.]|\s+(?:but|and|so|because|though|although|as|which)\s+", re.I)


def quote(sentence: str, anchor: str) -> str:
    """Up to QUOTE_WORDS words of the clause of `sentence` that contains `anchor`, starting
    at most three words before it (under the gate's copy threshold), if third person and
    safe to publish; else ""."""
    sentence_words = len(sentence.split())
    for clause in _CLAUSE_SPLIT.split(sentence):
        words = clause.strip(" \"'").split()
        at = next((i for i, w in enumerate(words) if anchor in w.casefold()), None)
        if at is None:
            continue
        start = max(0, min(at - 3, len(words) - QUOTE_WORDS))
        window = words[start : start + QUOTE_WORDS]
        text = " ".join(window).strip(" \"'")
        if len(window) >= sentence_words:
            continue  # a whole review sentence is the review's text, not a quote beside an aspect
        if len(window) >= 2 and not first_person(text) and not any(w.casefold() in _THIRD_PARTY for w in window):
            if '"' not in text and safe_text(text):
                return text
    return ""


def _sentence_mentions(sent: Span, subject: Subject) -> list[Mention]:
    if any(tok in sent.text for tok in PII_TOKENS) or "?" in sent.text:
        return []
    found = _fixed_mentions(sent.text)
    covered = {w for m in found for w in m.phrase.split()}
    for tok in sent:
        if tok.pos_ == "ADJ" and tok.lower_ not in covered:
            mention = _adjective_mention(tok, subject)
            if mention is not None:
                found.append(mention)
    return found


def find_subject(parsed: Sequence[SpacyDoc]) -> Subject:
    """The noun the reviews name the product by: after "this"/"these" (two points per
    review) or "the" (one), at least two points from two reviews; else "this product"."""
    points: Counter[str] = Counter()
    reviews: Counter[str] = Counter()
    forms: dict[str, Counter[tuple[str, bool]]] = {}
    for doc in parsed:
        best: dict[str, int] = {}
        for tok in doc:
            if tok.pos_ != "NOUN" or not tok.is_alpha or tok.lemma_.lower() in _NOT_PRODUCT:
                continue
            dets = {c.lower_ for c in tok.children if c.dep_ == "det"}
            weight = 2 if dets & {"this", "these"} else 1 if "the" in dets else 0
            if weight:
                lemma = tok.lemma_.lower()
                forms.setdefault(lemma, Counter())[(tok.lower_, tok.tag_ == "NNS")] += 1
                best[lemma] = max(best.get(lemma, 0), weight)
        points.update(best)
        reviews.update(best.keys())
    # "the zipper" alone is a part: the product is named with "this"/"these" at least once.
    ranked = [lemma for lemma, n in points.most_common()
              if reviews[lemma] >= min(2, len(parsed)) and n > reviews[lemma]]
    if not ranked:
        return Subject()
    noun, plural = forms[ranked[0]].most_common(1)[0][0]
    return Subject(noun, plural, ranked[0])


def _ranked(aspects: dict[str, Aspect], polarity: Polarity) -> list[Aspect]:
    chosen = [a for a in aspects.values() if a.polarity == polarity]
    return sorted(chosen, key=lambda a: (-a.count, -sum(a.reviews.values()), a.kind != "trait", a.key))


def _topics(english: Sequence[Doc], parsed: Sequence[SpacyDoc], subject: Subject) -> list[Topic]:
    """Nouns two or more reviews talk about ("the waist", "ballet class"), most reviews first."""
    found: dict[str, Topic] = {}
    for d, doc in zip(english, parsed):
        for chunk in doc.noun_chunks:
            root = chunk.root
            lemma = root.lemma_.lower()
            if root.pos_ != "NOUN" or not root.is_alpha or len(lemma) < 3 or lemma in NOT_ASPECTS:
                continue
            if lemma in (subject.lemma, "product", "item") or any(t in chunk.text for t in PII_TOKENS):
                continue
            topic = found.setdefault(lemma, Topic(lemma))
            topic.forms[_compound(root)] += 1
            q = quote(chunk.sent.text, root.lower_) if d.id not in topic.reviews else ""
            if len(q.split()) >= 2 and q.casefold() != chunk.text.casefold():
                topic.quotes.append(q)
            topic.reviews.setdefault(d.id, None)
    ranked = sorted((t for t in found.values() if len(t.reviews) >= 2), key=lambda t: (-len(t.reviews), t.lemma))
    return ranked


def extract(docs: Sequence[Doc]) -> Aspects:
    """Aspects of the English-script reviews in `docs`, pros and cons ranked."""
    english = [d for d in docs if d.id != "__previous__" and script_of(d.text) == "latin"]
    parsed = nlp.parse(d.text for d in english)
    subject = find_subject(parsed)
    aspects: dict[str, Aspect] = {}
    for d, doc in zip(english, parsed):
        for sent in doc.sents:
            for m in _sentence_mentions(sent, subject):
                if m.polarity == "pos" and d.rating is not None and d.rating <= 2:
                    continue
                weight = 2.0 if (m.polarity == "neg" and d.rating is not None and d.rating <= 2) else 1.0
                a = aspects.setdefault(m.key, Aspect(m.polarity, m.kind, m.key))
                a.mentions[m] += 1
                if d.id not in a.reviews and (q := quote(sent.text, (m.adjective or m.phrase).split()[-1])):
                    a.quotes.append(q)
                a.reviews[d.id] = max(a.reviews.get(d.id, 0.0), weight)
    return Aspects(subject, _ranked(aspects, "pos"), _ranked(aspects, "neg"), len(english),
                   _topics(english, parsed, subject),
                   [d.id for d in english if recommends(d.text) and (d.rating is None or d.rating >= 3)])


def phrases(aspects: Sequence[Aspect], limit: int, min_support: int = 1) -> list[AspectPhrase]:
    """The top aspects as published pros or cons, one per phrase and per noun."""
    out: list[AspectPhrase] = []
    seen: set[str] = set()
    for a in aspects:
        if a.count < min_support:
            continue
        head = a.best.noun or a.best.adjective or a.phrase
        if a.phrase in seen or head in seen:
            continue
        seen.update({a.phrase, head})
        out.append(AspectPhrase(phrase=a.phrase, review_ids=list(a.reviews), count=a.count))
        if len(out) >= limit:
            break
    return out
