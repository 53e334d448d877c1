"""`SkuReviewState`: exact stats, debounce and summary requests for one SKU (policies: the
package docstring)."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from foundation.textsafety.review_text import (
    is_near_duplicate,
)
from schemas.events import ReviewEvent
from schemas.generation import ReviewSnippet, ReviewStats, SummaryRequest
from streams.review_state.records import (
    DEFAULT_CONFIG,
    STATE_VERSION,
    Change,
    ReviewRecord,
    ReviewStateConfig,
    eviction_priority,
    key_tuple,
    order_key,
    prepare_text,
    total_variation,
)


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
        key = order_key(event)
        current = self.reviews.get(rid)
        stored = current.key if current else self.tombstones.get(rid)
        if stored is not None and key_tuple(key) <= key_tuple(stored):
            same = key_tuple(key) == key_tuple(stored)
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
            oldest = min(self.tombstones, key=lambda r: key_tuple(self.tombstones[r]))
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
                return (1, -eviction_priority(rid))
            if r.summarised:
                return (2, -eviction_priority(rid))
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
                ids.sort(key=lambda r: (not self.reviews[r].verified, eviction_priority(r)))
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
                          "reason": reason, "histogram": list(self.histogram), "count": self.count,
                          "source_version": source_version}
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
        if self._supersedes_in_flight(source_version):
            self.in_flight = None  # what is still pending is asked for again when due
        if source_version is not None:  # later requests outrank this result downstream (last write wins)
            self.last_request_source_version = max(self.last_request_source_version, source_version)
        newer = source_version is None or source_version >= self.summary_source_version
        if summary is not None and newer:
            self.summary = summary
            self.summary_request_id = request_id
            self.summary_source_version = source_version or self.summary_source_version
            self.cited_ids = list(dict.fromkeys(cited_ids))
        self.refresh_count += 1
        return True

    def _supersedes_in_flight(self, source_version: int | None) -> bool:
        """Whether a result frees the in-flight slot though it answers another request: the
        worker drops a summary request when a poll also holds one for the same SKU with a
        source_version at least as high (workers/worker.py, `_coalesce`). After a crash lost
        this state's last writes, that can be a request from before the crash, and the slot's
        own request is never answered (the SKU waited out the in-flight timeout, 300 s:
        tests/faults streams kill -9). Slots written before the field existed never match."""
        slot = self.in_flight.get("source_version") if self.in_flight else None
        return slot is not None and source_version is not None and source_version >= int(slot)

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
