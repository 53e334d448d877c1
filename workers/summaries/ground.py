"""Grounding the model's pros and cons in the reviews they cite."""

from __future__ import annotations

from typing import Iterable, Sequence

from foundation.textsafety.review_text import clean, looks_like_injection, redact
from schemas.generation import ReviewSnippet
from schemas.results import AspectPhrase
from workers.summaries.text import Doc, content_stems, numbers

MAX_PHRASES = 3

def ground(phrases: Iterable[AspectPhrase | tuple[str, Sequence[str]]], reviews: Sequence[ReviewSnippet | Doc],
           max_phrases: int = MAX_PHRASES) -> list[AspectPhrase]:
    """Keep the phrases whose cited ids all exist and whose content words all appear in
    the cited reviews; cited ids that share no content word with the phrase are dropped.
    Phrases with PII, links, injections or numbers absent from the cited reviews go."""
    by_id = {(r.review_id if isinstance(r, ReviewSnippet) else r.id): r.text for r in reviews}
    out: list[AspectPhrase] = []
    seen: set[str] = set()
    for item in phrases:
        phrase, ids = (item.phrase, item.review_ids) if isinstance(item, AspectPhrase) else (item[0], list(item[1]))
        phrase = " ".join(clean(phrase).strip(" .,;:-*").split())[:80]
        if not phrase or not ids or any(i not in by_id for i in ids):
            continue
        if redact(phrase) != phrase or looks_like_injection(phrase) or len(phrase.split()) > 8:
            continue
        want = set(content_stems(phrase))
        if not want:
            continue
        support = [i for i in dict.fromkeys(ids) if want & set(content_stems(by_id[i]))]
        cited = set().union(*(set(content_stems(by_id[i])) for i in support)) if support else set()
        if not support or not want <= cited:
            continue
        if not numbers(phrase) <= set().union(*(numbers(by_id[i]) for i in support)):
            continue
        if phrase.casefold() in seen:
            continue
        seen.add(phrase.casefold())
        out.append(AspectPhrase(phrase=phrase, review_ids=support, count=len(support)))
        if len(out) >= max_phrases:
            break
    return out
