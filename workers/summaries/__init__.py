"""The review-summary path of the worker: prompt, parse, aggregate, ground, gate, choose.

Stateless: everything comes in the SummaryRequest (built in streams/review_state.py).

    prompt = build_prompt(request)                 # reviews delimited as data, ids R1..Rn
    fields = summarise(request, completion_text)   # or None when the backend failed
    ReviewSummaryResult(**common, **fields, stats=request.stats, coverage=...)

`summarise` always builds the fallback: an aggregated, third-person summary of the aspects
the reviews share, with counts and the exact rating statistics (`aggregate.py`), and pros
and cons as aspect phrases with the ids and the number of the reviews that say them
(`aspects.py`). It publishes the generated text only when the gate (`gate.py`) finds it
valid, third person, free of repeats and copies, and scoring at least as well as the
fallback.

Modules: `text` (tokens, sentences, person/repetition/copy checks), `nlp` (the spaCy
pipeline), `aspects`, `aggregate`, `prompt`, `parse`, `ground`, `gate`, `baseline`.
"""

from __future__ import annotations

from typing import Any, Sequence

from schemas.generation import ReviewSnippet, ReviewStats, SummaryRequest
from schemas.results import AspectPhrase
from workers.summaries.aggregate import aggregated_summary, rating_sentence
from workers.summaries.aspects import extract, phrases
from workers.summaries.baseline import most_central_review, rouge_tokens, unigram_f1
from workers.summaries.gate import SUMMARY_MAX_CHARS, Score, choose, score, tidy, violations, voice_violations
from workers.summaries.ground import MAX_PHRASES, ground
from workers.summaries.parse import Parsed, map_labels, parse
from workers.summaries.prompt import MAX_NEW_TOKENS, SYSTEM_PROMPT, build_prompt, review_label
from workers.summaries.text import Doc, as_docs, first_person, repeated_sentences, sentences, usable

PROMPT_VERSION = "sum-v1"
NO_REVIEWS_TEXT = "There are no written reviews to summarise yet."

__all__ = [
    "MAX_NEW_TOKENS", "MAX_PHRASES", "NO_REVIEWS_TEXT", "PROMPT_VERSION", "SUMMARY_MAX_CHARS", "SYSTEM_PROMPT",
    "Doc", "Parsed", "Score", "build_prompt", "choose", "extractive_summary", "first_person", "ground",
    "most_central_review", "parse", "previous_weight_for", "repeated_sentences", "review_label", "rouge_tokens",
    "score", "sentences", "summarise", "tidy", "unigram_f1", "violations",
]


def extractive_summary(reviews: Sequence[ReviewSnippet | Doc], *, stats: ReviewStats | None = None,
                       max_chars: int = SUMMARY_MAX_CHARS) -> tuple[str, list[AspectPhrase], list[AspectPhrase]]:
    """(summary, pros, cons) of the fallback: aggregated from the usable reviews' aspects
    and `stats` (kept under its old name: the evaluation imports it)."""
    docs = as_docs([r for r in reviews if usable(r)])
    aspects = extract(docs)
    text = aggregated_summary(docs, aspects, stats, max_chars=max_chars)
    return (text, phrases(aspects.pros, MAX_PHRASES, aspects.min_support),
            phrases(aspects.cons, MAX_PHRASES, aspects.min_support))


def previous_weight_for(request: SummaryRequest) -> float:
    """The previous summary speaks for the reviews it covered, capped at twice the new ones
    so new reviews can still move an old summary (rebuilds reset the drift)."""
    if request.mode != "incremental" or not request.previous_summary:
        return 0.0
    earlier = max(1, len(request.covered_review_ids) - len(request.reviews))
    return float(min(earlier, 2 * max(1, len(request.reviews))))


def _without_text(stats: ReviewStats) -> str:
    ratings = rating_sentence(stats)
    return f"No review text can be summarised yet. {ratings}" if ratings else NO_REVIEWS_TEXT


def summarise(request: SummaryRequest, completion_text: str | None, *, max_chars: int = SUMMARY_MAX_CHARS,
              margin: float = 0.0) -> dict[str, Any]:
    """Fields of ReviewSummaryResult: summary, pros, cons, method, fallback_reason.
    `margin`: how far below the fallback's score a valid generated summary may score and
    still be published (see `gate.choose`; tune per model on the dev set)."""
    reviews = [r for r in request.reviews if usable(r)]
    previous = request.previous_summary if request.mode == "incremental" else None
    # An earlier summary is kept only if it, too, reads as a summary (older versions published collages).
    if previous and voice_violations(previous, []):
        previous = None
    weight = previous_weight_for(request) if previous else 0.0
    if not reviews and not previous:
        return {"summary": _without_text(request.stats), "pros": [], "cons": [], "method": "fallback",
                "fallback_reason": "no_reviews"}
    fallback, pros, cons = extractive_summary(reviews, stats=request.stats, max_chars=max_chars)
    if not fallback:
        fallback = tidy(previous, max_chars) if previous else _without_text(request.stats)
    parsed = parse(completion_text) if completion_text is not None else None
    generated = tidy(parsed.summary, max_chars) if parsed and parsed.summary else (None if parsed is None else "")
    text, method, reason = choose(generated, fallback, reviews, previous_summary=previous, previous_weight=weight,
                                  max_chars=max_chars, margin=margin)
    if method == "generated" and parsed is not None:
        gen_pros = ground(map_labels(parsed.pros, request), reviews)
        gen_cons = ground(map_labels(parsed.cons, request), reviews)
        pros = gen_pros or pros
        cons = gen_cons if (gen_cons or not cons) else cons
    return {"summary": text[:1500], "pros": pros, "cons": cons, "method": method,
            "fallback_reason": reason[:500] if reason else None}
