"""The fallback summary: what the reviewers say, aggregated, in the third person.

Built from the mined aspects with their counts and the exact rating statistics, never
from review sentences, so it cannot publish a first-person collage, a repeated sentence
or a review's words in a review's order:

    Overall, most reviewers like these tights. Several say these tights are great; two say
    they are soft. One also calls them comfortable. Several say they fit well; two say
    the colour is pretty. But two say they run small. Reviewers also mention the waist and
    ballet class. The average rating is 4.2 of 5 from 12 ratings; 9 give 4 or 5 stars.

Shares are said in words that never overstate (`how_many`: "most" is more than half); the
exact counts and review ids are on the published pros and cons. What one review alone
says is attributed to it ("one adds", "single reviewers call it").

Reviews in scripts the aspect miner does not read (Chinese, Japanese, Russian, ...) are
counted by language, with one short quote as evidence when it is safe to quote.
"""

from __future__ import annotations

import re
from typing import Sequence

from schemas.generation import ReviewStats
from workers.summaries.aspects import Aspect, Aspects, Subject, Topic
from workers.summaries.text import Doc, copies, first_person, safe_text, script_of

# Tuned on the dev set (docs/summaries.md): a summary near the references' length (~60 words
# with quotes) that names the three best-supported aspects of each kind and five topics.
MAX_PER_KIND = 3  # aspects of one kind (traits, other pros, cons): the best supported, shared or not
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


def how_many(count: int, total: int) -> str:
    """A share of the reviews in words ("most", "several", "two"); the exact count is on the pro or con."""
    if total >= 2 and count == total:
        return "both" if total == 2 else "all"
    if count * 2 > total:
        return "most"
    if count >= 3:
        return "several"
    return "two" if count == 2 else "one"


def _by_share(aspects: list[Aspect], total: int) -> list[tuple[str, list[Aspect]]]:
    """Aspects that two or more reviews share, grouped by how many say them, most first."""
    groups: dict[str, list[Aspect]] = {}
    for a in aspects:
        if a.count >= 2:
            groups.setdefault(how_many(a.count, total), []).append(a)
    return list(groups.items())


def _singles(aspects: list[Aspect], *, after: bool) -> tuple[list[Aspect], str]:
    """Aspects of one review each, and who says them: "one" when it is the same review,
    "others" once the summary has said what other reviewers say."""
    single = [a for a in aspects if a.count < 2]
    if len({r for a in single for r in a.reviews}) == 1:
        return single, "one"
    return single, "others" if after else "single reviewers"


def _one_per_adjective(aspects: list[Aspect]) -> list[Aspect]:
    """ "warm" and "warm for winter walks" are one trait in a summary: the better supported stays."""
    seen: set[str] = set()
    kept = []
    for a in aspects:
        head = a.best.phrase.split()[0]
        if head not in seen:
            seen.add(head)
            kept.append(a)
    return kept


def _traits(aspects: list[Aspect], subject: Subject, total: int, *, after: bool = False) -> str:
    """ "Most say they are soft and warm; two say they are cute. One also calls them stylish." """
    aspects = _one_per_adjective(aspects)
    them = "them" if subject.plural else "it"
    shared = [f"{word} say {subject.named if i == 0 else subject.pronoun} {subject.be} "
              + _listing([a.best.phrase for a in group]) for i, (word, group) in enumerate(_by_share(aspects, total))]
    single, who = _singles(aspects, after=after or bool(shared))
    text = _sentence("; ".join(shared)) if shared else ""
    if single:
        calls = "calls" if who == "one" else "call"
        also = " also" if shared and who == "one" else ""
        text = f"{text} {_sentence(f'{who}{also} {calls} {them} ' + _listing([a.best.phrase for a in single]))}"
    return text.strip()


def _clauses(aspects: list[Aspect], subject: Subject, total: int, *, lead: str = "", after: bool = False) -> str:
    """ "Several say they fit well; two say the colour is pretty. One adds that the fabric is soft." """
    shared = [f"{word} say {_listing([_clause(a, subject) for a in group])}" for word, group in _by_share(aspects, total)]
    single, who = _singles(aspects, after=after or bool(shared))
    said = _listing([_clause(a, subject) for a in single])
    if not shared and not single:
        return ""
    if not shared:
        return _sentence(f"{lead}{who} {'says' if who == 'one' else 'say'} {said}")
    text = _sentence(lead + "; ".join(shared))
    if single:
        adds = "adds" if who == "one" else "add"
        text = f"{text} {_sentence(f'{who} {adds} that {said}')}"
    return text


def _recommended(aspects: Aspects, subject: Subject, total: int) -> str:
    n = len(aspects.recommended_by)
    if n < 2:
        return ""
    return _sentence(f"{how_many(n, total)} would recommend {'them' if subject.plural else 'it'}")


def _topics(topics: list[Topic], used: set[str], limit: int, *, also: bool) -> str:
    """ "Reviewers also mention the waist ("the waist is a bit high"), ballet class and size." """
    chosen = [t for t in topics if t.lemma not in used and t.name not in used][:limit]
    if not chosen:
        return ""
    named = [f'{t.name} ("{t.quotes[0]}")' if t.quotes and i < TOPIC_QUOTES else t.name for i, t in enumerate(chosen)]
    return _sentence(f"reviewers{' also' if also else ''} mention the {_listing(named)}")


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
        tone = {"mostly positive": "most reviewers like", "mostly negative": "most reviewers are disappointed with",
                "mixed": "reviewers are divided on"}[_tone(stats, aspects)]
        sentences.append(f"Overall, {tone} {subject.named}.")
    traits = [a for a in aspects.pros if a.kind == "trait"][:MAX_PER_KIND]
    others = [a for a in aspects.pros if a.kind != "trait"][:MAX_PER_KIND]
    cons = aspects.cons[:MAX_PER_KIND]
    sentences.append(_traits(traits, subject, total))
    sentences.append(_clauses(others, subject, total, after=any(sentences[1:])))
    praised = any(sentences[1:])
    sentences.append(_clauses(cons, subject, total, lead="but " if praised else "", after=praised))
    sentences.append(_recommended(aspects, subject, total))
    used = {w for a in [*traits, *others, *cons] for w in a.best.noun.split()}
    sentences.append(_topics(aspects.topics, used, max_topics, also=any(sentences[1:])))
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
