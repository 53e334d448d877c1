"""The review agent: exact stats per SKU, debounced summary requests, summaries read back.

Three parts share one changelog-backed table (sku -> SkuReviewState):
* `reviews` agent: validate, apply each event idempotently, request a summary for SKUs
  that became due (N new reviews);
* `debounce` timer: request a summary for SKUs whose oldest pending change is T old;
* `summary-feedback` agent: read published summaries back so the next request is
  incremental (previous summary + only the new reviews).

The table key is the raw SKU bytes, and the table uses the producer's partitioner: a
SKU's state lands in the same partition number as its events (both murmur2 of the key),
and the timer may write it, since no source event is needed to pick a partition.
"""

from __future__ import annotations

import time

import faust
from faust.types import EventT
from kafka.partitioner.default import murmur2

from foundation.logging import get_logger
from foundation.metrics import Metrics
from foundation.settings import Settings
from schemas import (
    DecodeError,
    GenerationBatch,
    ReviewEvent,
    ReviewSummaryResult,
    SummaryRequest,
    decode,
    encode,
    headers,
)
from streams.dead_letters import DeadLetterSink
from streams.review_state import ReviewStateConfig, SkuReviewState
from streams.supervision import Supervision

log = get_logger(__name__)

TABLE = "review-state"
DEBOUNCE_TICK_S = 1.0


class ReviewSummaries:
    """Registers the review agents on an app; holds what they share."""

    def __init__(self, app: faust.App, settings: Settings, metrics: Metrics, dead_letters: DeadLetterSink,
                 supervision: Supervision) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics
        self.dead_letters = dead_letters
        self.config = ReviewStateConfig(in_flight_timeout_s=settings.streams.summary_in_flight_timeout_s)
        topics = settings.topics
        self.source = app.topic(topics.reviews, key_type=bytes, value_type=bytes, key_serializer="raw",
                                value_serializer="raw")
        self.feedback = app.topic(topics.summaries, key_type=bytes, value_type=bytes, key_serializer="raw",
                                  value_serializer="raw")
        self.requests = app.topic(topics.requests, key_serializer="raw", value_serializer="raw")
        # No value_type=dict: changelog recovery would call dict.from_data() and hang
        # (found by tests/faults); JSON values come back as the same dicts.
        self.table = app.Table(TABLE, default=None, partitions=topics.partitions, use_partitioner=True,
                               key_type=bytes)
        app.agent(self.source, name="reviews")(supervision.guard("reviews", self.on_reviews))
        app.agent(self.feedback, name="summary-feedback")(supervision.guard("summary-feedback", self.on_summaries))
        app.timer(DEBOUNCE_TICK_S, name="review-debounce")(self.on_tick)

    # -- state ---------------------------------------------------------------------
    def load(self, sku: str) -> SkuReviewState:
        data = self.table.get(sku.encode())
        return SkuReviewState.from_dict(data) if data else SkuReviewState(sku=sku)

    def save(self, state: SkuReviewState) -> None:
        self.table[state.sku.encode()] = state.to_dict()

    def due(self, state: SkuReviewState, now: float) -> bool:
        streams = self.settings.streams
        return state.due(now, streams.summary_min_reviews, streams.summary_max_wait_s, self.config.in_flight_timeout_s)

    # -- agents --------------------------------------------------------------------
    async def on_reviews(self, stream: faust.StreamT) -> None:
        async for events in stream.take_events(self.settings.streams.review_batch_size,
                                               within=self.settings.streams.batch_wait_s):
            now = time.time()
            touched: dict[str, SkuReviewState] = {}
            for event in events:
                self.metrics.events_in.labels(topic=self.settings.topics.reviews).inc()
                review = await self._decode(event)
                if review is None:
                    continue
                state = touched.get(review.sku) or self.load(review.sku)
                change = state.apply(review, now=now, config=self.config)
                if not change.applied:
                    self.metrics.events_skipped.labels(topic=self.settings.topics.reviews, reason=change.action).inc()
                touched[review.sku] = state
            await self._request_due(touched.values(), now, batch_key=_batch_key(events))

    async def on_summaries(self, stream: faust.StreamT) -> None:
        async for events in stream.take_events(100, within=self.settings.streams.batch_wait_s):
            for event in events:
                try:
                    result = decode(event.message.value, ReviewSummaryResult)
                except DecodeError as exc:
                    # Our own output topic: a bad record there is a bug upstream, not input.
                    log.error("unreadable_summary", offset=event.message.offset, reason=exc.reason)
                    continue
                state = self.load(result.sku)
                if state.apply_result(result):
                    self.save(state)

    async def on_tick(self) -> None:
        now = time.time()
        owned = self._owned_partitions()
        due = []
        for key, data in list(self.table.items()):
            if _partition(key, self.settings.topics.partitions) not in owned:
                continue  # another replica owns this SKU
            state = SkuReviewState.from_dict(data)
            if self.due(state, now):
                due.append(state)
        if due:
            await self._request_due(due, now, batch_key=None)

    # -- helpers -------------------------------------------------------------------
    async def _decode(self, event: EventT) -> ReviewEvent | None:
        try:
            return decode(event.message.value, ReviewEvent)
        except DecodeError as exc:
            await self.dead_letters.send(event, exc.kind, exc.reason)
            return None

    async def _request_due(self, states, now: float, batch_key: str | None) -> None:  # noqa: ANN001
        prompt_version = self.settings.worker.summary_prompt_version
        requests: list[SummaryRequest] = []
        for state in states:
            if self.due(state, now):
                requests.append(state.make_request(now, prompt_version, self.config))
            self.save(state)
        size = self.settings.streams.batch_size
        for start in range(0, len(requests), size):
            chunk = requests[start:start + size]
            batch_id = f"{batch_key or chunk[0].request_id}-{start}"
            message = GenerationBatch(batch_id=batch_id, created_at_ms=int(now * 1000), requests=chunk)
            future = await self.requests.send(key=batch_id.encode(), value=encode(message), headers=headers(message))
            await future
            self.metrics.batches_out.inc()
            self.metrics.batch_size.observe(len(chunk))
            self.metrics.requests_out.labels(kind="summary").inc(len(chunk))
            log.info("summary_batch_published", batch_id=batch_id, skus=[r.sku for r in chunk],
                     modes=[r.mode for r in chunk])

    def _owned_partitions(self) -> set[int]:
        topic = self.settings.topics.reviews
        return {tp.partition for tp in self.app.assignor.assigned_actives() if tp.topic == topic}


def _partition(key: bytes, partitions: int) -> int:
    """The default Kafka partitioner (murmur2, positive), as producers keyed by SKU use."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def _batch_key(events: list[EventT]) -> str | None:
    if not events:
        return None
    first = events[0].message
    return f"{first.topic}-{first.partition}-{first.offset}"
