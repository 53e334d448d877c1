"""The fallback summary: what the reviewers say, aggregated, in the third person.

Built from the mined aspects with their counts and the exact rating statistics, never
from review sentences, so it cannot publish a first-person collage, a repeated sentence
or a review's words in a review's order:

    Across 8 written reviews, buyers are mostly positive about these tights. Most say they
    are soft (5 of 8) and comfortable (3 of 8). Several also say they fit well (3 of 8) and
    the fabric is great (2 of 8). On the downside, two say they run small (2 of 8). The
    average rating is 4.2 of 5 from 12 ratings; 9 give 4 or 5 stars.

Reviews in scripts the aspect miner does not read (Chinese, Japanese, Russian, ...) are
counted by language, with one short quote as evidence when it is safe to quote.
"""

from __future__ import annotations

import re
from typing import Sequence

from schemas.generation import ReviewStats
from workers.summaries.aspects import Aspect, Aspects, Subject, Topic
from workers.summaries.text import Doc, copies, first_person, safe_text, script_of

# Tuned on the dev set (docs/summaries.md): a summary near the references' length (~55 words
# plus quotes) that names the two best-supported aspects of each kind and five topics.
MAX_PER_KIND = 2  # aspects of one kind (traits, other pros, cons): the best supported, shared or not
MAX_TOPICS = 5
TOPIC_QUOTES = 3  # topics that get a short quote as evidence
QUOTE_WORDS = 6  # below the gate's copy threshold (8 words), so a quote is evidence, not the text
QUOTE_CHARS = 24  # the same for scripts written without spaces
LANGUAGES = {"han": "Chinese", "kana": "Japanese", "hangul": "Korean", "cyrillic": "Russian", "arabic": "Arabic",
             "greek": "Greek", "hebrew": "Hebrew", "thai": "Thai", "devanagari": "Hindi"}


_VERBS = frozenset({"runs", "fits", "falls", "feels", "works", "sheds"})
_WHOLE_CLAUSES = {"colour fades": "the colour fades"}  # fixed phrases with their own subject


def _verb(phrase: str, subject: Subject) -> str:
    """ "runs small" as a clause about the product: "they run small" / "it runs small"."""
    if phrase in _WHOLE_CLAUSES:
        return _WHOLE_CLAUSES[phrase]
    first, _, rest = phrase.partition(" ")
    if first in _VERBS and subject.plural:
        first = first[:-1]
    elif first not in _VERBS and first != "stopped":
        return f"{subject.pronoun} {subject.be} {phrase}"  # "well made", "easy to clean", "darker than pictured"
    return f"{subject.pronoun} {first} {rest}".strip()


def _clause(aspect: Aspect, subject: Subject) -> str:
    m = aspect.best
    if aspect.kind == "part":
        return f"the {m.noun} {'are' if m.plural_noun else 'is'} {m.adjective}"
    if aspect.kind == "trait":
        return f"{subject.pronoun} {subject.be} {m.phrase}"
    return _verb(m.phrase, subject)


def _listing(items: list[str]) -> str:
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def _split(aspects: list[Aspect]) -> tuple[list[Aspect], list[Aspect]]:
    """Aspects several reviews share (published with their count) and those of one review."""
    return [a for a in aspects if a.count >= 2], [a for a in aspects if a.count < 2]


def _evidenced(text: str, aspect: Aspect, total: int = 0) -> str:
    """ 'soft (5 of 8; "the fabric is very soft")'; without a total, the quote alone."""
    quote = next((q for q in aspect.quotes if q.casefold() != text.casefold()), "")
    count = f"{aspect.count} of {total}" if total else ""
    inside = "; ".join(x for x in (count, f'"{quote}"' if quote else "") if x)
    return f"{text} ({inside})" if inside else text


def _traits(aspects: list[Aspect], subject: Subject, total: int) -> str:
    """ "Reviewers say they are soft (5 of 8) and warm (2 of 8); single reviews also call them cute." """
    if not aspects:
        return ""
    shared, single = _split(aspects)
    words = [_evidenced(a.best.phrase, a) for a in single]
    if not shared and not words:
        return ""
    if not shared:
        one = "one review says" if len(words) == 1 else "in one review each,"
        return _sentence(f"{one} {subject.pronoun} {subject.be} {_listing(words)}")
    text = f"reviewers say {subject.pronoun} {subject.be} " + _listing([_evidenced(a.best.phrase, a, total)
                                                                        for a in shared])
    them = "them" if subject.plural else "it"
    also = f", and {'one review' if len(words) == 1 else 'single reviews'} also call{'s' if len(words) == 1 else ''} {them} "
    return _sentence(text + (also + _listing(words) if words else ""))


def _clauses(aspects: list[Aspect], subject: Subject, total: int, *, lead: str = "") -> str:
    """ "Reviewers say they fit well (3 of 8); single reviews add that the fabric is soft." """
    if not aspects:
        return ""
    shared, single = _split(aspects)
    said = [_evidenced(_clause(a, subject), a) for a in single]
    if not shared and not said:
        return ""
    if not shared:
        one = "one review says" if len(said) == 1 else "in one review each,"
        return _sentence(f"{lead}{one} {_listing(said)}")
    text = f"{lead}reviewers say " + _listing([_evidenced(_clause(a, subject), a, total) for a in shared])
    also = f", and {'one review adds' if len(said) == 1 else 'single reviews add'} that "
    return _sentence(text + (also + _listing(said) if said else ""))


def _recommended(aspects: Aspects, subject: Subject, total: int) -> str:
    n = len(aspects.recommended_by)
    if n < 2:
        return ""
    return _sentence(f"{n} of {total} would recommend {'them' if subject.plural else 'it'}")


def _topics(topics: list[Topic], used: set[str], total: int, limit: int) -> str:
    """ "Reviewers often mention the waist (3 of 8) and ballet class (2 of 8)." """
    chosen = [t for t in topics if t.lemma not in used and t.name not in used][:limit]
    if not chosen:
        return ""
    named = [f'the {t.name} ("{t.quotes[0]}")' if t.quotes and i < TOPIC_QUOTES else f"the {t.name}"
             for i, t in enumerate(chosen)]
    return _sentence(f"recurring topics: {_listing(named)}")


def _tone(stats: ReviewStats | None, aspects: Aspects) -> str:
    if stats is not None and stats.count:
        high = stats.histogram.get("4", 0) + stats.histogram.get("5", 0)
        low = stats.histogram.get("1", 0) + stats.histogram.get("2", 0)
        if high * 10 >= stats.count * 7:
            return "mostly positive"
        if low * 10 >= stats.count * 6:
            return "mostly negative"
        return "mixed"
    pos = len({r for a in aspects.pros for r in a.reviews})
    neg = len({r for a in aspects.cons for r in a.reviews})
    if pos and pos >= 2 * neg:
        return "mostly positive"
    if neg and neg >= 2 * pos:
        return "mostly negative"
    return "mixed"


def rating_sentence(stats: ReviewStats | None) -> str:
    if stats is None or not stats.count:
        return ""
    high = stats.histogram.get("4", 0) + stats.histogram.get("5", 0)
    low = stats.histogram.get("1", 0) + stats.histogram.get("2", 0)
    ratings = "1 rating" if stats.count == 1 else f"{stats.count} ratings"
    text = f"The average rating is {stats.average:.1f} of 5 from {ratings}; {high} give 4 or 5 stars"
    return text + (f" and {low} give 1 or 2." if low else ".")


def _quote(text: str) -> str:
    """A short leading clause of `text`, or "" when nothing short and safe can be quoted."""
    clause = re.split(r"[,.;:!?，。；：！？、]", text.strip(), maxsplit=1)[0].strip(" \"'“”「」")
    spaced = len(clause.split()) > 1
    if not clause or (spaced and len(clause.split()) > QUOTE_WORDS) or (not spaced and len(clause) > QUOTE_CHARS):
        return ""
    if not safe_text(clause) or first_person(f"x {clause}") or '"' in clause:
        return ""
    return clause


def other_scripts(docs: Sequence[Doc], total: int) -> str:
    """ "3 of the 5 written reviews are in Chinese; one says "穿着很舒服"." """
    by_language: dict[str, list[Doc]] = {}
    for d in docs:
        script = script_of(d.text)
        if script not in ("latin", "none"):
            by_language.setdefault(LANGUAGES.get(script, "another language"), []).append(d)
    if not by_language:
        return ""
    if total == 1:
        text = f"The one written review is in {next(iter(by_language))}"
    else:
        parts = [f"{len(ds)} {'is' if len(ds) == 1 else 'are'} in {lang}" for lang, ds in by_language.items()]
        text = f"Of the {total} written reviews, " + _listing(parts)
    quote = next((q for ds in by_language.values() for d in ds if (q := _quote(d.text))), "")
    return text + (f'; one says "{quote}".' if quote else ".")


_QUOTE = re.compile(r' \("[^"]*"\)|; "[^"]*"')


def _unquoted_if_copying(sentence: str, texts: Sequence[str]) -> str:
    """A quote beside the template's words can line up with a review's next words: then it goes."""
    return _QUOTE.sub("", sentence) if copies(sentence, texts) else sentence


def aggregated_summary(docs: Sequence[Doc], aspects: Aspects, stats: ReviewStats | None, *,
                       max_chars: int, max_topics: int = MAX_TOPICS) -> str:
    """The summary text; "" when there is neither a written review nor a rating to report."""
    total = len([d for d in docs if d.id != "__previous__"])
    subject = aspects.subject
    sentences: list[str] = []
    if total and (aspects.pros or aspects.cons or aspects.read):
        tone = {"mostly positive": "well liked by most reviewers", "mostly negative": "a disappointment to most reviewers",
                "mixed": "given mixed reviews"}[_tone(stats, aspects)]
        sentences.append(f"Overall, {subject.named} {subject.be} {tone}.")
    traits = [a for a in aspects.pros if a.kind == "trait"][:MAX_PER_KIND]
    others = [a for a in aspects.pros if a.kind != "trait"][:MAX_PER_KIND]
    cons = aspects.cons[:MAX_PER_KIND]
    sentences.append(_traits(traits, subject, total))
    sentences.append(_clauses(others, subject, total))
    sentences.append(_clauses(cons, subject, total, lead="but "))
    sentences.append(_recommended(aspects, subject, total))
    used = {w for a in [*traits, *others, *cons] for w in a.best.noun.split()}
    sentences.append(_topics(aspects.topics, used, total, max_topics))
    sentences.append(other_scripts(docs, total))
    sentences.append(rating_sentence(stats))
    texts = [d.text for d in docs]
    out = ""
    for s in dict.fromkeys(_unquoted_if_copying(s, texts) for s in sentences if s):  # never the same sentence twice
        if len(out) + len(s) + 1 > max_chars:
            break
        out = f"{out} {s}".strip()
    # A quote can also line up with the words that begin the next sentence.
    return _QUOTE.sub("", out) if copies(out, texts) else _once_each(out)


def _once_each(text: str) -> str:
    """The same quote beside two aspects (a sentence many reviews share) is shown once."""
    seen: set[str] = set()

    def keep_first(m: re.Match[str]) -> str:
        quoted = m.group(0).split('"')[1].casefold()
        if quoted in seen:
            return ""
        seen.add(quoted)
        return m.group(0)

    return _QUOTE.sub(keep_first, text)
