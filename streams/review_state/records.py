"""One SKU's reviews as stored: the policy knobs, a review's record and the order key that
makes every update idempotent, and the text preparation a review gets before it is stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from foundation.textsafety.review_text import (
    clean,
    content_hash,
    looks_like_injection,
    near_duplicate_key,
    redact,
    spam_reason,
    tame_case,
)
from schemas.events import ReviewEvent

STATE_VERSION = 1
_TYPE_RANK = {"review.created": 0, "review.updated": 1, "review.deleted": 2}


@dataclass(frozen=True)
class ReviewStateConfig:
    """Knobs of the summary policy. Not serialised: the agent passes its settings."""

    max_texts: int = 200  # review texts stored per SKU (metadata is kept for all)
    max_review_chars: int = 1000  # one review's text in a prompt
    prompt_char_budget: int = 4000  # all review texts of one request (~1,000 tokens)
    max_prompt_reviews: int = 24  # <= SummaryRequest.reviews max_length (200)
    anchor_reviews: int = 4  # incremental: reviews cited by the previous pros/cons, re-sent
    rebuild_every: int = 5  # a rebuild after this many incremental refreshes
    shift_tvd: float = 0.2  # rebuild when rating distribution moved this far (total variation)
    growth_factor: float = 2.0  # rebuild when the review count grew this much since the last rebuild
    in_flight_timeout_s: float = 120.0  # a request without result after this is presumed lost
    max_tombstones: int = 10_000  # deletes remembered per SKU (oldest forgotten first)
    recent_requests: int = 4  # watermarks remembered for late results


DEFAULT_CONFIG = ReviewStateConfig()


@dataclass
class ReviewRecord:
    rating: int
    verified: bool
    key: list  # [source_version, type rank, event_id] of the event that wrote it
    hash: str  # content_hash of the cleaned text (exact duplicates)
    simhash: str  # near_duplicate_key (near duplicates)
    text: str | None  # cleaned, case-tamed, PII/links masked, truncated; None once evicted
    spam: str | None = None
    injection: bool = False
    duplicate_of: str | None = None
    summarised: bool = False
    pending_since: float | None = None
    seq: int = 0  # state sequence number of the last change to this record
    arrival: int = 0  # sequence number when first seen (recency)

    @property
    def excluded(self) -> str | None:
        """Why this review's text stays out of prompts, or None."""
        if self.injection:
            return "injection"
        if self.spam:
            return f"spam:{self.spam}"
        if self.duplicate_of:
            return f"duplicate_of:{self.duplicate_of}"
        if not self.text:
            return "no_text"
        return None

    @property
    def promptable(self) -> bool:
        return self.excluded is None


ChangeAction = Literal["created", "updated", "deleted", "redelivered", "stale", "noop"]


@dataclass(frozen=True)
class Change:
    """What `apply` did with one event (for metrics and logs)."""

    action: ChangeAction
    review_id: str
    stats_changed: bool = False
    text_changed: bool = False
    excluded: str | None = None

    @property
    def applied(self) -> bool:
        return self.action in ("created", "updated", "deleted")


def order_key(event: ReviewEvent) -> list:
    return [event.source_version, _TYPE_RANK[event.type], event.event_id]


def key_tuple(key: list) -> tuple:
    return (int(key[0]), int(key[1]), str(key[2]))


def eviction_priority(review_id: str) -> int:
    """Deterministic pseudo-random priority: bottom-k by this is a uniform sample."""
    return int.from_bytes(hashlib.blake2b(review_id.encode(), digest_size=8).digest(), "big")


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.6 else cut).rstrip(" ,;:-") + "…"


def total_variation(a: dict[str, int] | list[int], b: dict[str, int] | list[int]) -> float:
    """Total variation distance between two rating histograms (0 = same shape, 1 = disjoint)."""
    va = list(a.values()) if isinstance(a, dict) else list(a)
    vb = list(b.values()) if isinstance(b, dict) else list(b)
    sa, sb = sum(va), sum(vb)
    if sa == 0 or sb == 0:
        return 0.0 if sa == sb else 1.0
    return 0.5 * sum(abs(x / sa - y / sb) for x, y in zip(va, vb))


def prepare_text(text: str, title: str | None = None, max_chars: int = DEFAULT_CONFIG.max_review_chars) -> dict:
    """Everything derived from a review's text: the stored (safe) text and the flags."""
    body = clean(text)
    head = clean(title or "")
    full = f"{head.rstrip('.!?')}. {body}" if head and head.casefold() not in body.casefold() else body
    injection = looks_like_injection(text) or (bool(title) and looks_like_injection(title or ""))
    return {
        "hash": content_hash(body),
        "simhash": near_duplicate_key(body),
        "spam": spam_reason(body),
        "injection": injection,
        "text": _truncate(redact(tame_case(full)), max_chars) if full else None,
    }
