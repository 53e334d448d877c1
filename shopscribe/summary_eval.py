"""ROUGE of the fallback review summary against the eval set's references, beside baselines,
with the share of summaries written in the first person, with a repeated sentence, or
copying a run of 8 words from a review.

    python -m shopscribe.summary_eval --data ../shared/eval/copycat-dev.jsonl [--rolling N]

Top floor: it folds reviews through the streams' review state and summarises with the
worker's code, which no product module may import together.
"""

from __future__ import annotations

import json
import random
import statistics
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from foundation.textsafety.review_text import clean, redact, tame_case
from schemas.events import ReviewEvent
from schemas.generation import ReviewSnippet
from streams.review_state import SkuReviewState
from workers.summaries import (
    PROMPT_VERSION,
    extractive_summary,
    first_person,
    most_central_review,
    repeated_sentences,
    summarise,
)
from workers.summaries.text import copies


@lru_cache(maxsize=1)
def _scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)


def rouge_against_references(prediction: str, references: Sequence[str]) -> dict[str, float]:
    """ROUGE-1/2/L F1 (rouge-score, stemming), mean over the references."""
    if not references:
        raise ValueError("no references")
    scores = [_scorer().score(ref, prediction) for ref in references]
    return {k: statistics.fmean(s[k].fmeasure for s in scores) for k in ("rouge1", "rouge2", "rougeL")}


def item_snippets(item: dict[str, Any], default_rating: int = 3) -> list[ReviewSnippet]:
    """An eval item's reviews as the pipeline would prompt them (cleaned, PII masked)."""
    out = []
    for i, review in enumerate(item.get("reviews", [])):
        text = redact(tame_case(clean(review.get("text", ""))))[:5000]
        rating = review.get("rating") or default_rating
        if text:
            out.append(ReviewSnippet(review_id=f"r{i + 1}", rating=int(rating), text=text))
    return out


def voice(summary: str, reviews: Sequence[str]) -> dict[str, bool]:
    """Whether a summary breaks the rules of voice: first person, a sentence twice, a copy."""
    return {"first_person": bool(first_person(summary)), "repeated_sentence": bool(repeated_sentences(summary)),
            "copies_review": copies(summary, reviews)}


def evaluate_extractive(path: str | Path, *, seed: int = 0) -> dict[str, Any]:
    """ROUGE of the fallback summary (what summarise() publishes without a model) vs the
    most-central-review and random-review baselines on an eval file with references (mean
    over references, then items), and for each system the share of its summaries in the
    first person, with a repeated sentence, and copying 8+ words of a review.
    random_review is the exact expectation over each item's reviews; random_review_seeded
    one draw with `seed`."""
    items = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    items = [it for it in items if it.get("summaries")]
    rng = random.Random(seed)
    systems: dict[str, list[dict[str, float]]] = defaultdict(list)
    checks: dict[str, list[dict[str, bool]]] = defaultdict(list)
    for item in items:
        refs = item["summaries"]
        snippets = item_snippets(item)
        texts = [s.text for s in snippets]
        summary, _, _ = extractive_summary(snippets)  # what summarise() publishes as fallback
        central = most_central_review(snippets)
        systems["fallback"].append(rouge_against_references(summary, refs))
        checks["fallback"].append(voice(summary, texts))
        systems["most_central_review"].append(rouge_against_references(central, refs))
        checks["most_central_review"].append(voice(central, []))
        per_review = [rouge_against_references(s.text, refs) for s in snippets]
        systems["random_review"].append({k: statistics.fmean(p[k] for p in per_review) for k in per_review[0]})
        pick = rng.randrange(len(per_review))
        systems["random_review_seeded"].append(per_review[pick])
        checks["random_review_seeded"].append(voice(texts[pick], []))
    result: dict[str, Any] = {"items": len(items)}
    for name, rows in systems.items():
        result[name] = {k: round(statistics.fmean(r[k] for r in rows), 4) for k in ("rouge1", "rouge2", "rougeL")}
        for check in ("first_person", "repeated_sentence", "copies_review"):
            if checks[name]:
                result[name][check] = round(statistics.fmean(c[check] for c in checks[name]), 4)
    return result


def evaluate_rolling_extractive(path: str | Path, *, min_reviews: int = 1) -> dict[str, Any]:
    """The extractive (fallback) path through the real per-SKU state, reviews fed one at a
    time: a request whenever `min_reviews` are pending, each result read back. Measures
    what rolling refinement costs against one-shot. Reviews without a rating get 3."""

    items = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    items = [it for it in items if it.get("summaries")]
    t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    rows = []
    for item in items:
        state, calls = SkuReviewState(item["id"]), 0

        def refresh(now: float) -> None:
            request = state.make_request(now, PROMPT_VERSION)
            fields = summarise(request, None)
            state.apply_result({"sku": item["id"], "request_id": request.request_id, "summary": fields["summary"],
                                "source_version": request.source_version,
                                "pros": [p.model_dump() for p in fields["pros"]],
                                "cons": [c.model_dump() for c in fields["cons"]]})

        for i, review in enumerate(item["reviews"]):
            state.apply(ReviewEvent(event_id=f"{item['id']}-{i}", type="review.created", review_id=f"r{i + 1}",
                                    sku=item["id"], rating=int(review.get("rating") or 3), text=review["text"],
                                    occurred_at=t0 + timedelta(seconds=i)), now=float(i))
            if state.due(float(i), min_reviews, 1e9):
                refresh(float(i))
                calls += 1
        if state.pending():
            refresh(float(len(item["reviews"])))
            calls += 1
        final = state.summary or ""
        rows.append(rouge_against_references(final, item["summaries"]) | {"calls": calls}
                    | voice(final, [r["text"] for r in item["reviews"]]))
    out: dict[str, Any] = {"items": len(items), "min_reviews": min_reviews}
    out.update({k: round(statistics.fmean(r[k] for r in rows), 4)
                for k in ("rouge1", "rouge2", "rougeL", "calls", "first_person", "repeated_sentence", "copies_review")})
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="ROUGE and voice checks of the fallback review summary vs baselines")
    parser.add_argument("--data", required=True)
    parser.add_argument("--rolling", type=int, nargs="*", default=[],
                        help="also run the rolling path with these min_reviews values")
    args = parser.parse_args(argv)
    print(json.dumps(evaluate_extractive(args.data)))
    for n in args.rolling:
        print(json.dumps(evaluate_rolling_extractive(args.data, min_reviews=n)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
