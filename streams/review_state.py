"""Per-SKU review state: exact stats, debounce, incremental/rebuild summary requests.

Pure and JSON-serialisable (`to_dict` / `from_dict`): the Faust review agent keeps one
`SkuReviewState` per SKU in a changelog-backed table and calls

    state.apply(event, now=...)            # every valid ReviewEvent (idempotent)
    if state.due(now, min_reviews, max_wait_s):
        request = state.make_request(now, prompt_version)   # -> generation.requests
    state.apply_result(result)             # every ReviewSummaryResult read back from
                                           # reviews.summaries (idempotent)

Policies (see docs/summaries.md):

* Idempotency. Every review keeps the order key of the event that last wrote it:
  ``(source_version, type rank, event_id)`` with deleted > updated > created at equal
  times. An event whose key is <= the stored key is ignored (redelivery, or an older event
  arriving late); deletes leave a tombstone with their key, so a late create/update older
  than the delete cannot resurrect the review. The final state therefore depends only on
  the set of events, never on their order or on how often each was delivered.
* Stats count every live (non-deleted) review, including exact/near duplicates, spam and
  injection attempts: their ratings are real input. Their *text* is kept out of prompts
  and out of extractive summaries.
* Memory: rating/verified/hash metadata is kept for every live review (stats stay exact
  through updates and deletes); texts are capped at `max_texts` per SKU. Eviction keeps
  pending texts, texts cited by the current pros/cons, and a uniform bottom-k sample of
  the rest (by a hash of the review id) so rebuilds still see a fair sample.
* Rebuilds (a fresh sample of all stored texts instead of previous summary + new
  reviews): the first summary, after `rebuild_every` incremental refreshes, when the rating
  histogram moved by more than `shift_tvd` (total variation) or the review count grew by
  `growth_factor` since the last rebuild (so a young SKU's summary is rebuilt at 2, 4, 8,
  ... reviews: O(log n) rebuilds), when a summarised review was edited or deleted, and
  when only stats changed (no new text to read).
* Debounce: due when `min_reviews` promptable reviews are pending, or the oldest pending
  change (any review, or a stats-only change such as a delete) is `max_wait_s` old, and
  no request is in flight (an in-flight request older than `in_flight_timeout_s` is
  considered lost).
* Coverage is a watermark: every change gets a sequence number; a request remembers the
  sequence number it was built at, and its result marks summarised exactly the reviews
  not modified since. Reviews that arrive while a request is in flight stay pending.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from foundation.textsafety.review_text import (
    clean,
    content_hash,
    is_near_duplicate,
    looks_like_injection,
    near_duplicate_key,
    redact,
    spam_reason,
    tame_case,
)
from schemas.events import ReviewEvent
from schemas.generation import ReviewSnippet, ReviewStats, SummaryRequest

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


def _order_key(event: ReviewEvent) -> list:
    return [event.source_version, _TYPE_RANK[event.type], event.event_id]


def _key_tuple(key: list) -> tuple:
    return (int(key[0]), int(key[1]), str(key[2]))


def _priority(review_id: str) -> int:
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


@dataclass
class SkuReviewState:
    sku: str
    reviews: dict[str, ReviewRecord] = field(default_factory=dict)
    tombstones: dict[str, list] = field(default_factory=dict)  # review_id -> order key of the delete
    # exact aggregates over live reviews, maintained incrementally (see recount())
    count: int = 0
    rating_sum: int = 0
    histogram: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])
    verified: int = 0
    seq: int = 0
    last_source_version: int = 0
    last_event_id: str = ""
    # stats-only changes (deletes, rating edits) not yet reflected in a published summary
    dirty_seq: int = 0
    dirty_since: float | None = None
    rebuild_needed: bool = False  # a summarised review was deleted or its text edited
    # the latest summary read back from reviews.summaries
    summary: str | None = None
    summary_request_id: str | None = None
    summary_source_version: int = 0
    cited_ids: list[str] = field(default_factory=list)
    refresh_count: int = 0
    refreshes_since_rebuild: int = 0
    rebuild_histogram: list[int] | None = None
    rebuild_count: int = 0  # live reviews when the last rebuild was requested
    last_request_source_version: int = 0
    # {request_id, at, watermark, mode, histogram}
    in_flight: dict[str, Any] | None = None
    recent_requests: list[dict[str, Any]] = field(default_factory=list)
    applied_results: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ serialisation

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["v"] = STATE_VERSION
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SkuReviewState:
        data = dict(data)
        data.pop("v", None)
        data["reviews"] = {rid: ReviewRecord(**rec) for rid, rec in data.get("reviews", {}).items()}
        return cls(**data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> SkuReviewState:
        return cls.from_dict(json.loads(text))

    # ------------------------------------------------------------------ events

    def apply(self, event: ReviewEvent, now: float | None = None, config: ReviewStateConfig = DEFAULT_CONFIG) -> Change:
        """Apply one review event. Idempotent and order-insensitive (see module doc)."""
        if event.sku != self.sku:
            raise ValueError(f"event for sku {event.sku!r} applied to state of {self.sku!r}")
        now = time.time() if now is None else now
        rid = event.review_id
        key = _order_key(event)
        current = self.reviews.get(rid)
        stored = current.key if current else self.tombstones.get(rid)
        if stored is not None and _key_tuple(key) <= _key_tuple(stored):
            same = _key_tuple(key) == _key_tuple(stored)
            return Change("redelivered" if same else "stale", rid)
        self._note_version(event)
        if event.type == "review.deleted":
            return self._delete(rid, key, now, config)
        return self._upsert(event, key, now, config)

    def _note_version(self, event: ReviewEvent) -> None:
        if event.source_version >= self.last_source_version:
            self.last_source_version = event.source_version
            self.last_event_id = event.event_id

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def _mark_dirty(self, now: float) -> None:
        self.dirty_seq = self.seq
        if self.dirty_since is None:
            self.dirty_since = now

    def _count(self, record: ReviewRecord, sign: int) -> None:
        self.count += sign
        self.rating_sum += sign * record.rating
        self.histogram[record.rating - 1] += sign
        self.verified += sign * int(record.verified)

    def _delete(self, rid: str, key: list, now: float, config: ReviewStateConfig) -> Change:
        record = self.reviews.pop(rid, None)
        self.tombstones[rid] = key
        if len(self.tombstones) > config.max_tombstones:
            oldest = min(self.tombstones, key=lambda r: _key_tuple(self.tombstones[r]))
            del self.tombstones[oldest]
        if record is None:
            return Change("noop", rid)  # delete of a review never seen: tombstone only
        self._next_seq()
        self._count(record, -1)
        self._mark_dirty(now)
        if record.summarised and record.promptable:
            self.rebuild_needed = True  # its content may be in the published summary
        if rid in self.cited_ids:
            self.rebuild_needed = True
        for other_id, other in self.reviews.items():
            if other.duplicate_of == rid:
                other.duplicate_of = self._duplicate_of(other_id, other)
        return Change("deleted", rid, stats_changed=True)

    def _duplicate_of(self, rid: str, record: ReviewRecord) -> str | None:
        """The earliest other live review whose text is the same (exactly or nearly)."""
        best: tuple[int, str] | None = None
        for other_id, other in self.reviews.items():
            if other_id == rid or other.duplicate_of is not None or other.arrival > record.arrival:
                continue
            if other.hash == record.hash or is_near_duplicate(other.simhash, record.simhash):
                cand = (other.arrival, other_id)
                if best is None or cand < best:
                    best = cand
        return best[1] if best else None

    def _upsert(self, event: ReviewEvent, key: list, now: float, config: ReviewStateConfig) -> Change:
        rid = event.review_id
        prepared = prepare_text(event.text, event.title, config.max_review_chars)
        current = self.reviews.get(rid)
        seq = self._next_seq()
        if current is None:
            self.tombstones.pop(rid, None)  # a newer create after a delete: the review is back
            record = ReviewRecord(
                rating=event.rating, verified=event.verified_purchase, key=key, hash=prepared["hash"],
                simhash=prepared["simhash"], text=prepared["text"], spam=prepared["spam"],
                injection=prepared["injection"], summarised=False, pending_since=now, seq=seq, arrival=seq,
            )
            self.reviews[rid] = record
            record.duplicate_of = self._duplicate_of(rid, record)
            self._count(record, +1)
            self._evict(config)
            return Change("created", rid, stats_changed=True, text_changed=True, excluded=record.excluded)
        text_changed = current.hash != prepared["hash"] or (current.text is not None and current.text != prepared["text"])
        stats_changed = current.rating != event.rating or current.verified != event.verified_purchase
        if stats_changed:
            self._count(current, -1)
            current.rating, current.verified = event.rating, event.verified_purchase
            self._count(current, +1)
        current.key = key
        current.seq = seq
        if text_changed:
            if current.summarised and current.promptable:
                self.rebuild_needed = True  # the old text may be in the published summary
            current.hash, current.simhash = prepared["hash"], prepared["simhash"]
            current.text, current.spam, current.injection = prepared["text"], prepared["spam"], prepared["injection"]
            current.duplicate_of = self._duplicate_of(rid, current)
            current.summarised = False
            current.pending_since = now
            self._evict(config)
        elif stats_changed:
            self._mark_dirty(now)
        return Change("updated", rid, stats_changed=stats_changed, text_changed=text_changed, excluded=current.excluded)

    def _evict(self, config: ReviewStateConfig) -> None:
        """Keep at most `max_texts` texts: drop excluded texts first, then summarised
        uncited texts outside the bottom-k sample, then the oldest pending texts."""
        with_text = [rid for rid, r in self.reviews.items() if r.text is not None]
        excess = len(with_text) - config.max_texts
        if excess <= 0:
            return
        cited = set(self.cited_ids)

        def rank(rid: str) -> tuple:
            r = self.reviews[rid]
            if r.excluded is not None:
                return (0, r.arrival)
            if r.summarised and rid not in cited:
                return (1, -_priority(rid))
            if r.summarised:
                return (2, -_priority(rid))
            return (3, r.arrival)

        for rid in sorted(with_text, key=rank)[:excess]:
            self.reviews[rid].text = None

    # ------------------------------------------------------------------ stats

    def stats(self) -> ReviewStats:
        """Exact statistics over live reviews (duplicates and spam included: real ratings)."""
        if self.count == 0:
            return ReviewStats(count=0, average=0.0, histogram={str(i): 0 for i in range(1, 6)}, verified_share=0.0)
        return ReviewStats(
            count=self.count,
            average=self.rating_sum / self.count,
            histogram={str(i + 1): n for i, n in enumerate(self.histogram)},
            verified_share=self.verified / self.count,
        )

    def recount(self) -> ReviewStats:
        """Stats recomputed from the records (a consistency check of the counters)."""
        ratings = [r.rating for r in self.reviews.values()]
        if not ratings:
            return ReviewStats(count=0, average=0.0, histogram={str(i): 0 for i in range(1, 6)}, verified_share=0.0)
        return ReviewStats(
            count=len(ratings), average=sum(ratings) / len(ratings),
            histogram={str(i): ratings.count(i) for i in range(1, 6)},
            verified_share=sum(r.verified for r in self.reviews.values()) / len(ratings),
        )

    # ------------------------------------------------------------------ debounce

    def pending(self) -> list[str]:
        """Ids of promptable reviews not yet covered by a summary, oldest first."""
        items = [(r.arrival, rid) for rid, r in self.reviews.items() if not r.summarised and r.promptable]
        return [rid for _, rid in sorted(items)]

    def oldest_pending_since(self) -> float | None:
        times = [r.pending_since for r in self.reviews.values() if not r.summarised and r.pending_since is not None]
        if self.dirty_since is not None:
            times.append(self.dirty_since)
        return min(times) if times else None

    def in_flight_active(self, now: float, timeout_s: float = DEFAULT_CONFIG.in_flight_timeout_s) -> bool:
        return self.in_flight is not None and now - float(self.in_flight["at"]) < timeout_s

    def due(self, now: float, min_reviews: int, max_wait_s: float,
            in_flight_timeout_s: float = DEFAULT_CONFIG.in_flight_timeout_s) -> bool:
        """Whether to request a summary now: enough pending reviews, or the oldest pending
        change is old enough; never while a (not yet timed out) request is in flight."""
        if self.in_flight_active(now, in_flight_timeout_s):
            return False
        if len(self.pending()) >= min_reviews:
            return True
        oldest = self.oldest_pending_since()
        return oldest is not None and now - oldest >= max_wait_s

    # ------------------------------------------------------------------ requests

    def rebuild_reason(self, config: ReviewStateConfig = DEFAULT_CONFIG) -> str | None:
        """Why the next request must rebuild from a sample of all reviews, or None."""
        if self.summary is None:
            return "first"
        if self.rebuild_needed:
            return "edited_or_deleted"
        if self.refreshes_since_rebuild >= config.rebuild_every:
            return "periodic"
        if self.count >= config.growth_factor * max(1, self.rebuild_count):
            return "growth"  # the summary was built from too small a share of today's reviews
        if self.rebuild_histogram is not None and total_variation(self.histogram, self.rebuild_histogram) > config.shift_tvd:
            return "rating_shift"
        if not self.pending():
            return "stats_only"  # nothing new to read: refresh stats from the whole sample
        return None

    def _select(self, candidates: list[str], budget: int, limit: int, rebuild: bool) -> list[str]:
        """Stratified by rating (in proportion to the candidates' ratings), verified first,
        then newest (incremental) or a deterministic uniform sample (rebuild)."""
        buckets: dict[int, list[str]] = {}
        for rid in candidates:
            buckets.setdefault(self.reviews[rid].rating, []).append(rid)
        for rating, ids in buckets.items():
            if rebuild:
                ids.sort(key=lambda r: (not self.reviews[r].verified, _priority(r)))
            else:
                ids.sort(key=lambda r: (not self.reviews[r].verified, -self.reviews[r].arrival))
        share = {k: len(v) for k, v in buckets.items()}
        taken = {k: 0 for k in buckets}
        chosen: list[str] = []
        used = 0
        while len(chosen) < limit and any(buckets.values()):
            k = min((k for k in buckets if buckets[k]), key=lambda k: (taken[k] / share[k], -k))
            rid = buckets[k].pop(0)
            size = len(self.reviews[rid].text or "")
            if used + size > budget:
                continue  # too long for what is left; a shorter one may still fit
            chosen.append(rid)
            taken[k] += 1
            used += size
        return chosen

    def make_request(self, now: float, prompt_version: str, config: ReviewStateConfig = DEFAULT_CONFIG) -> SummaryRequest:
        """Build the next SummaryRequest and mark it in flight.

        incremental: the previous summary, the pending reviews (a stratified sample when
        they exceed the budget) and up to `anchor_reviews` reviews cited by the previous
        pros/cons (so they can be kept); rebuild: a stratified sample of all stored texts.
        Either way the result covers every live review (`covered_review_ids`)."""
        reason = self.rebuild_reason(config)
        mode: Literal["incremental", "rebuild"] = "incremental" if reason is None else "rebuild"
        promptable = [rid for rid, r in self.reviews.items() if r.promptable]
        if mode == "rebuild":
            ids = self._select(promptable, config.prompt_char_budget, config.max_prompt_reviews, rebuild=True)
        else:
            anchors = [rid for rid in self.cited_ids if rid in self.reviews and self.reviews[rid].promptable
                       and self.reviews[rid].summarised][: config.anchor_reviews]
            anchor_budget = sum(len(self.reviews[r].text or "") for r in anchors)
            if anchor_budget > config.prompt_char_budget // 3:
                anchors, anchor_budget = [], 0
            fresh = self._select(self.pending(), config.prompt_char_budget - anchor_budget,
                                 config.max_prompt_reviews - len(anchors), rebuild=False)
            ids = fresh + anchors
        ids.sort(key=lambda r: self.reviews[r].arrival)
        snippets = [ReviewSnippet(review_id=rid, rating=self.reviews[rid].rating, text=self.reviews[rid].text or "")
                    for rid in ids]
        stats = self.stats()
        previous = self.summary if mode == "incremental" else None
        digest = hashlib.sha256(json.dumps(
            [prompt_version, self.sku, mode, previous, [[s.review_id, s.rating, s.text] for s in snippets],
             stats.model_dump(mode="json"), self.seq],
            ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
        request_id = f"sum-{self.sku}-{digest[:16]}"
        source_version = max(self.last_source_version, self.last_request_source_version + 1)
        self.last_request_source_version = source_version
        self.in_flight = {"request_id": request_id, "at": now, "watermark": self.seq, "mode": mode,
                          "reason": reason, "histogram": list(self.histogram), "count": self.count}
        self.recent_requests = [r for r in self.recent_requests if r["request_id"] != request_id]
        self.recent_requests.append(dict(self.in_flight))
        self.recent_requests = self.recent_requests[-config.recent_requests:]
        return SummaryRequest(
            request_id=request_id, sku=self.sku, input_hash=digest, prompt_version=prompt_version,
            source_event_id=self.last_event_id or f"{self.sku}:empty", source_version=source_version,
            mode=mode, previous_summary=previous, reviews=snippets,
            covered_review_ids=sorted(self.reviews), stats=stats,
        )

    # ------------------------------------------------------------------ results

    def mark_summarised(self, request_id: str, covered_ids: list[str] | None = None, *, summary: str | None = None,
                        cited_ids: list[str] | tuple[str, ...] = (), source_version: int | None = None) -> bool:
        """Record a published summary. Reviews changed after the request was built stay
        pending. Idempotent: a redelivered result returns False and changes nothing."""
        if request_id in self.applied_results:
            return False
        self.applied_results = (self.applied_results + [request_id])[-8:]
        snapshot = next((r for r in reversed(self.recent_requests) if r["request_id"] == request_id), None)
        if snapshot is not None:
            watermark = int(snapshot["watermark"])
            only = set(covered_ids) if covered_ids is not None else None
            for rid, record in self.reviews.items():
                if record.seq <= watermark and not record.summarised and (only is None or rid in only):
                    record.summarised = True
                    record.pending_since = None
            if self.dirty_seq <= watermark:
                self.dirty_since = None
            if snapshot["mode"] == "rebuild":
                self.rebuild_needed = False
                self.refreshes_since_rebuild = 0
                self.rebuild_histogram = list(snapshot["histogram"])
                self.rebuild_count = int(snapshot.get("count", self.count))
            else:
                self.refreshes_since_rebuild += 1
            if self.in_flight and self.in_flight["request_id"] == request_id:
                self.in_flight = None
        newer = source_version is None or source_version >= self.summary_source_version
        if summary is not None and newer:
            self.summary = summary
            self.summary_request_id = request_id
            self.summary_source_version = source_version or self.summary_source_version
            self.cited_ids = list(dict.fromkeys(cited_ids))
        self.refresh_count += 1
        return True

    def apply_result(self, result: Any) -> bool:
        """`mark_summarised` from a ReviewSummaryResult (or its dict) read from reviews.summaries."""
        data = result.model_dump() if hasattr(result, "model_dump") else dict(result)
        if data.get("sku") not in (None, self.sku):
            raise ValueError(f"result for sku {data.get('sku')!r} applied to state of {self.sku!r}")
        cited = [rid for phrase in [*data.get("pros", []), *data.get("cons", [])] for rid in phrase.get("review_ids", [])]
        return self.mark_summarised(data["request_id"], None, summary=data.get("summary"), cited_ids=cited,
                                    source_version=data.get("source_version"))

    def release_in_flight(self, request_id: str | None = None) -> None:
        """Forget the in-flight request (e.g. it went to a DLQ) so the next `due` may fire."""
        if self.in_flight and (request_id is None or self.in_flight["request_id"] == request_id):
            self.in_flight = None
