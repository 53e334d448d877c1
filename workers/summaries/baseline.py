"""The most-central-review baseline the evaluation compares summaries with."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from typing import Sequence

from schemas.generation import ReviewSnippet
from workers.summaries.text import Doc, as_docs, stem


def rouge_tokens(text: str) -> list[str]:
    return [stem(t) for t in re.findall(r"[a-z0-9]+", text.casefold())]


def unigram_f1(a: Counter, b: Counter) -> float:
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(a.values()), overlap / sum(b.values())
    return 2 * p * r / (p + r)


def most_central_review(reviews: Sequence[ReviewSnippet | Doc]) -> str:
    """The review with the highest mean unigram F1 (stemmed) against the other reviews."""
    docs = as_docs(reviews)
    if not docs:
        return ""
    bags = [Counter(rouge_tokens(d.text)) for d in docs]
    best, best_score = 0, -1.0
    for i, b in enumerate(bags):
        others = [unigram_f1(b, o) for j, o in enumerate(bags) if j != i]
        score = statistics.fmean(others) if others else 0.0
        if score > best_score:
            best, best_score = i, score
    return docs[best].text
