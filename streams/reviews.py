"""The review agents: exact stats per SKU, debounced summary requests, summaries read back.

One changelog-backed table (sku -> SkuReviewState), and every write to it happens on the
replica that owns the SKU's table partition, whatever partitioner the producers used:

* `reviews` agent: validate each input event (bad or future-dated ones are dead letters)
  and re-key it, unchanged, onto the internal topic `<app_id>-review-state-input`;
* `summary-feedback` agent: the same for published summaries read back from
  reviews.summaries, so the next request is incremental (previous summary + new reviews);
* `review-state` agent: reads that internal topic and applies each record to the table
  idempotently, then requests a summary for SKUs that became due (N new reviews);
* `review-debounce` timer: requests a summary for owned SKUs whose oldest pending change
  is T old.

Why the internal topic (Faust's `group_by`, Kafka Streams' repartition topic): a SKU's
input partition is whatever the producer's partitioner chose (kafka-python and Java hash
keys with murmur2, librdkafka clients such as kcat and confluent-kafka default to CRC32),
and with two replicas the one reading it need not own the SKU's state. The internal
topic and the table's changelog (`use_partitioner=True`, raw SKU key) are both written
by this app's own producer with the same partitioner on the same key bytes, so record
and state land in the same partition number, which Faust's assignor gives to one
replica (topics with equal partition counts are co-partitioned). Re-keying is
at-least-once (a record is forwarded, acknowledged, then its input offset committed):
a crash re-forwards, and every table update is idempotent.
"""

from __future__ import annotations

import asyncio
import time

import faust
from aiokafka.partitioner import DefaultPartitioner
from faust.types import EventT

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
from streams.intake import Rejected, admit
from streams.review_state import ReviewStateConfig, SkuReviewState
from streams.supervision import Supervision

log = get_logger(__name__)

TABLE = "review-state"
STATE_INPUT = "review-state-input"  # internal topic: <app_id>-review-state-input
KIND_HEADER = "shopscribe-kind"
REVIEW, SUMMARY = b"review", b"summary"
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
        raw = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}
        self.source = app.topic(topics.reviews, **raw)
        self.feedback = app.topic(topics.summaries, **raw)
        # Same partition count as the table: co-partitioned with its changelog.
        self.state_input = app.topic(f"{settings.streams.app_id}-{STATE_INPUT}", partitions=topics.partitions,
                                     internal=True, **raw)
        self.requests = app.topic(topics.requests, key_serializer="raw", value_serializer="raw")
        # No value_type=dict: changelog recovery would call dict.from_data() and hang
        # (found by tests/faults); JSON values come back as the same dicts.
        self.table = app.Table(TABLE, default=None, partitions=topics.partitions, use_partitioner=True,
                               key_type=bytes)
        # Held from a state's load to its save: the table is read, changed and written by
        # two agents and a timer, and a save now waits for the requests' acks in between.
        self.updating = asyncio.Lock()
        app.agent(self.source, name="reviews")(supervision.guard("reviews", self.on_reviews))
        app.agent(self.feedback, name="summary-feedback")(supervision.guard("summary-feedback", self.on_summaries))
        app.agent(self.state_input, name="review-state")(supervision.guard("review-state", self.on_state_input))
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

    # -- agents: re-key by SKU -------------------------------------------------------
    async def on_reviews(self, stream: faust.StreamT) -> None:
        async for events in stream.take_events(self.settings.streams.review_batch_size,
                                               within=self.settings.streams.batch_wait_s):
            now = time.time()
            valid: list[tuple[str, EventT]] = []
            for event in events:
                self.metrics.events_in.labels(topic=self.settings.topics.reviews).inc()
                review = admit(event.message.value, ReviewEvent, now=now,
                               max_future_skew_s=self.settings.streams.max_future_skew_s)
                if isinstance(review, Rejected):
                    await self.dead_letters.send(event, review.error, review.reason)
                    continue
                valid.append((review.sku, event))
            await self._forward(valid, REVIEW)

    async def on_summaries(self, stream: faust.StreamT) -> None:
        async for events in stream.take_events(100, within=self.settings.streams.batch_wait_s):
            valid: list[tuple[str, EventT]] = []
            for event in events:
                try:
                    result = decode(event.message.value, ReviewSummaryResult)
                except DecodeError as exc:
                    # Our own output topic: a bad record there is a bug upstream, not input.
                    log.error("unreadable_summary", offset=event.message.offset, reason=exc.reason)
                    continue
                valid.append((result.sku, event))
            await self._forward(valid, SUMMARY)

    async def _forward(self, records: list[tuple[str, EventT]], kind: bytes) -> None:
        """Send each record's original bytes keyed by its SKU; return once all are acked,
        so the input offsets (committed after the batch body) never pass an unsent one."""
        futures = [await self.state_input.send(key=sku.encode(), value=event.message.value,
                                               headers=[(KIND_HEADER, kind)])
                   for sku, event in records]
        await asyncio.gather(*futures)

    # -- agent: apply to the table, on the replica that owns the SKU -------------------
    async def on_state_input(self, stream: faust.StreamT) -> None:
        async for events in stream.take_events(self.settings.streams.review_batch_size,
                                               within=self.settings.streams.batch_wait_s):
            async with self.updating:
                now = time.time()
                touched: dict[str, SkuReviewState] = {}
                for event in events:
                    state = await self._apply(event, touched, now)
                    if state is not None:
                        touched[state.sku] = state
                await self._request_due(list(touched.values()), now, batch_key=_batch_key(events))

    async def _apply(self, event: EventT, touched: dict[str, SkuReviewState], now: float) -> SkuReviewState | None:
        """Apply one re-keyed record; the state to save, or None when there is nothing to save."""
        kind = dict(event.message.headers or ()).get(KIND_HEADER)
        model = ReviewSummaryResult if kind == SUMMARY else ReviewEvent
        try:
            item = decode(event.message.value, model)
        except DecodeError as exc:
            # Validated before it was forwarded: only a schema change between the replica
            # that forwarded and this one gets here. Keep it, with its reason.
            await self.dead_letters.send(event, exc.kind, exc.reason)
            return None
        state = touched.get(item.sku) or self.load(item.sku)
        if isinstance(item, ReviewSummaryResult):
            return state if state.apply_result(item) else touched.get(item.sku)
        change = state.apply(item, now=now, config=self.config)
        if not change.applied:
            self.metrics.events_skipped.labels(topic=self.settings.topics.reviews, reason=change.action).inc()
        return state

    async def on_tick(self) -> None:
        if self.app.rebalancing or self.app.in_recovery:
            # Faust runs timers through a rebalance, while the table is still being
            # restored from its changelog: a state read then is partial, and saving it
            # writes that partial state after the restored ones, where the next recovery
            # reads it as the latest (tests/faults, streams kill -9: every SKU of a
            # partition short by 1-41 reviews). The agents are paused until it is done.
            return
        async with self.updating:
            now = time.time()
            owned = self._owned_partitions()
            due = []
            # The local store also holds standby copies of other replicas' partitions.
            for key, data in list(self.table.items()):
                if self._partition(key) not in owned:
                    continue  # another replica owns this SKU
                state = SkuReviewState.from_dict(data)
                if self.due(state, now):
                    due.append(state)
            if due:
                await self._request_due(due, now, batch_key=None)

    # -- helpers -------------------------------------------------------------------
    async def _request_due(self, states: list[SkuReviewState], now: float, batch_key: str | None) -> None:
        """Request summaries for the states that are due, then save every state.

        Saved after the requests are acknowledged, not before: a state saved first could
        reach its changelog with an in-flight slot whose request a kill -9 never sent, and
        its SKU would wait out the in-flight timeout (300 s) after the restart (tests/faults,
        streams kill -9). This way a crash re-sends at most (the input offsets are not
        committed yet), and the worker coalesces repeats."""
        prompt_version = self.settings.worker.summary_prompt_version
        requests = [state.make_request(now, prompt_version, self.config) for state in states if self.due(state, now)]
        await self._publish(requests, now, batch_key)
        for state in states:
            self.save(state)

    async def _publish(self, requests: list[SummaryRequest], now: float, batch_key: str | None) -> None:
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
        # Co-partitioned with the table's changelog: the same numbers are this replica's.
        topic = self.state_input.get_topic_name()
        return {tp.partition for tp in self.app.assignor.assigned_actives() if tp.topic == topic}

    def _partition(self, key: bytes) -> int:
        return table_partition(key, self.settings.topics.partitions, self.app.conf.producer_partitioner)


def table_partition(key: bytes, partitions: int, partitioner: object | None = None) -> int:
    """The partition this app's producer gives `key` on the table's changelog and on the
    internal topic: Faust's configured producer partitioner, by default aiokafka's
    (murmur2, as kafka-python and Java)."""
    choose = partitioner or DefaultPartitioner()
    numbers = list(range(partitions))
    return choose(key, numbers, numbers)  # type: ignore[operator]


def _batch_key(events: list[EventT]) -> str | None:
    if not events:
        return None
    first = events[0].message
    return f"{first.topic}-{first.partition}-{first.offset}"
