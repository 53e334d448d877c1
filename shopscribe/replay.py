"""Replay: reprocess a range of an input topic with a new model or prompt version.

A replay is a throughput job, not a second copy of the live pipeline: it reads the range
under its own consumer group (live offsets untouched), builds requests the way streams
would, sends large batches straight through the backend (for vLLM, the offline `LLM`
path), and publishes results with the replay's prompt version. Results keep the source
event's `source_version`, so downstream last-write-wins never lets a replay of old events
overwrite content generated from newer ones.

Idempotent: request ids derive from input hash + prompt version, so running the same
replay twice publishes identical results, and an interrupted replay resumes from the
offsets its group committed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from kafka import KafkaConsumer, TopicPartition

from foundation.consumer import ConsumerLoop, Polled
from foundation.kafka import kafka_python_config, log_end_offsets
from foundation.logging import get_logger
from foundation.settings import Settings
from schemas import DecodeError, DescriptionRequest, ProductEvent, ReviewEvent, decode
from schemas.hashing import input_hash
from streams.review_state import SkuReviewState
from workers.handler import RequestHandler, Result
from workers.publisher import ResultPublisher

log = get_logger(__name__)


class ReplayError(ValueError):
    """A replay that cannot run as asked (bad range, unsupported by the broker)."""


@dataclass(frozen=True)
class Position:
    """Where a range starts or ends: the beginning/end of the log, an offset (every
    partition, or per partition), or a time."""

    kind: str  # "beginning" | "end" | "offset" | "time"
    offset: int | None = None
    per_partition: dict[int, int] | None = None
    time: datetime | None = None

    @classmethod
    def parse_offset(cls, text: str) -> Position:
        """`N` (every partition) or `P:N,P:N`."""
        if ":" not in text:
            return cls("offset", offset=int(text))
        pairs = (item.split(":", 1) for item in text.split(","))
        return cls("offset", per_partition={int(p): int(o) for p, o in pairs})

    @classmethod
    def parse_until(cls, text: str | None) -> Position:
        if text is None or text == "now":
            return cls("end")
        try:
            return cls.parse_offset(text)
        except ValueError:
            return cls("time", time=_aware(text))


@dataclass(frozen=True)
class ReplayPlan:
    topic: str
    start: dict[TopicPartition, int]
    end: dict[TopicPartition, int]

    @property
    def total(self) -> int:
        return sum(max(0, self.end[tp] - self.start[tp]) for tp in self.start)


@dataclass
class ReplayReport:
    topic: str
    prompt_version: str
    model: str
    events: int = 0
    invalid: int = 0
    superseded: int = 0
    requests: int = 0
    results: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    completion_tokens: int = 0

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {**self.__dict__, "events_per_s": round(self.events_per_s, 2),
                "completion_tokens_per_s": round(self.completion_tokens / self.seconds, 2) if self.seconds else 0.0}


def group_id(topic: str, prompt_version: str, model: str | None) -> str:
    # Under the service's "shopscribe-" prefix, so broker ACLs on groups cover it.
    return f"shopscribe-replay-{topic}-{prompt_version}-{(model or 'default').replace('/', '_')}"


class Replayer:
    def __init__(self, settings: Settings, handler: RequestHandler | None, publisher: ResultPublisher | None,
                 *, group: str, batch_size: int = 64, rate_limit: float | None = None) -> None:
        self.settings = settings
        self.handler = handler
        self.publisher = publisher
        self.batch_size = batch_size
        self.rate_limit = rate_limit
        self.consumer = KafkaConsumer(**kafka_python_config(settings.kafka), group_id=group, enable_auto_commit=False,
                                      max_poll_records=batch_size, auto_offset_reset="earliest")

    def close(self) -> None:
        self.consumer.close(autocommit=False)

    # -- planning --------------------------------------------------------------------
    def plan(self, topic: str, start: Position, until: Position, resume: bool = True) -> ReplayPlan:
        ids = self.consumer.partitions_for_topic(topic)
        if not ids:
            raise ReplayError(f"topic {topic!r} does not exist")
        partitions = [TopicPartition(topic, p) for p in sorted(ids)]
        first = self.consumer.beginning_offsets(partitions)
        last = log_end_offsets(self.consumer, partitions, kafka=self.settings.kafka)
        begin = self._resolve(start, partitions, first, last)
        end = self._resolve(until, partitions, first, last)
        if resume:
            for tp in partitions:
                committed = self.consumer.committed(tp)
                if committed is not None and begin[tp] < committed <= end[tp]:
                    begin[tp] = committed  # an interrupted replay picks up where it stopped
        return ReplayPlan(topic, begin, end)

    def _resolve(self, position: Position, partitions: list[TopicPartition], first: dict, last: dict) -> dict:
        if position.kind == "beginning":
            return dict(first)
        if position.kind == "end":
            return dict(last)
        if position.kind == "offset":
            chosen = {tp: (position.per_partition or {}).get(tp.partition, position.offset) for tp in partitions}
            return {tp: min(max(first[tp], o if o is not None else last[tp]), last[tp]) for tp, o in chosen.items()}
        return self._by_time(position.time, partitions, last)

    def _by_time(self, when: datetime | None, partitions: list[TopicPartition], last: dict) -> dict:
        assert when is not None
        try:
            found = self.consumer.offsets_for_times({tp: int(when.timestamp() * 1000) for tp in partitions})
        except Exception as exc:  # UnsupportedVersionError on brokers without ListOffsets v1
            raise ReplayError(f"this broker cannot look up offsets by time ({exc}); use --from-offset") from exc
        resolved = {}
        for tp in partitions:
            hit = found.get(tp)
            # No record at or after the time -> start at the end. Some brokers (Tansu)
            # answer offset 0 with timestamp -1 instead of null: treat that as "none".
            if hit is None or hit.timestamp is None or hit.timestamp < 0:
                resolved[tp] = last[tp]
            else:
                resolved[tp] = hit.offset
        return resolved

    # -- running ---------------------------------------------------------------------
    def run(self, plan: ReplayPlan, prompt_version: str,
            on_progress: Callable[[int], None] | None = None) -> ReplayReport:
        """Descriptions are generated, published and committed poll by poll. Reviews are
        folded per SKU over the whole range and summarised once at its end (the loop's one
        checkpoint), so an interrupted review replay commits nothing and starts over."""
        assert self.handler is not None and self.publisher is not None
        report = ReplayReport(plan.topic, prompt_version, self.handler.backend.model)
        pending = {tp for tp in plan.start if plan.end[tp] > plan.start[tp]}
        review_states: dict[str, SkuReviewState] = {}
        is_reviews = plan.topic == self.settings.topics.reviews
        started = time.monotonic()

        def poll_in_range(consumer: KafkaConsumer) -> Polled:
            polled = consumer.poll(timeout_ms=500, max_records=self.batch_size)
            kept = {tp: [r for r in batch if r.offset < plan.end[tp]] for tp, batch in polled.items()}
            for tp in list(pending):
                if consumer.position(tp) >= plan.end[tp]:
                    pending.discard(tp)
                    consumer.pause(tp)
            return {tp: batch for tp, batch in kept.items() if batch}

        def handle(polled: Polled) -> None:
            records = [r for batch in polled.values() for r in batch]
            report.events += len(records)
            if is_reviews:
                self._fold_reviews(records, review_states, report)
            else:
                self._describe(records, prompt_version, report)

        def summarise() -> None:
            requests = [state.make_request(time.time(), prompt_version) for state in review_states.values()]
            review_states.clear()
            self._generate(requests, report)

        def done(polled: Polled) -> bool:
            if polled:
                self._throttle(report.events, started)
                if on_progress:
                    on_progress(report.events)
            return not pending

        loop = ConsumerLoop(self.consumer, handle, summarise if is_reviews else lambda: None, name="replay",
                            poll=poll_in_range, checkpoint_every_poll=not is_reviews)
        loop.assign(plan.start)
        if empty := [tp for tp in plan.start if tp not in pending]:
            self.consumer.pause(*empty)
        if pending:
            loop.run(until=done)
        report.seconds = time.monotonic() - started
        log.info("replay_done", **report.as_dict())
        return report

    def _describe(self, records: list, prompt_version: str, report: ReplayReport) -> None:
        latest: dict[str, ProductEvent] = {}
        for record in records:
            try:
                product = decode(record.value, ProductEvent)
            except DecodeError:
                report.invalid += 1  # already dead-lettered by the live pipeline
                continue
            current = latest.get(product.sku)
            if current is None or product.source_version >= current.source_version:
                report.superseded += current is not None
                latest[product.sku] = product
            else:
                report.superseded += 1
        requests = []
        for product in latest.values():
            digest = input_hash(product, prompt_version)
            requests.append(DescriptionRequest(
                request_id=f"{product.sku}:{digest[:16]}:{prompt_version}", sku=product.sku, input_hash=digest,
                prompt_version=prompt_version, source_event_id=product.event_id,
                source_version=product.source_version, product=product))
        self._generate(requests, report)

    def _fold_reviews(self, records: list, states: dict[str, SkuReviewState], report: ReplayReport) -> None:
        for record in records:
            try:
                review = decode(record.value, ReviewEvent)
            except DecodeError:
                report.invalid += 1
                continue
            states.setdefault(review.sku, SkuReviewState(sku=review.sku)).apply(review, now=time.time())

    def _generate(self, requests: list, report: ReplayReport) -> None:
        if not requests:
            return
        assert self.handler is not None and self.publisher is not None
        results: list[Result] = []
        for start in range(0, len(requests), self.batch_size):
            results.extend(self.handler.handle(requests[start:start + self.batch_size]))
        self.publisher.publish(results)
        report.requests += len(requests)
        for result in results:
            report.results[result.method] = report.results.get(result.method, 0) + 1
            report.completion_tokens += result.completion_tokens

    def _throttle(self, done: int, started: float) -> None:
        if self.rate_limit:
            ahead = done / self.rate_limit - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)


def _aware(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ReplayError(f"not an offset or an ISO time: {text!r}") from exc
    if value.tzinfo is None:
        raise ReplayError(f"time {text!r} needs a timezone (e.g. 2026-11-01T00:00:00Z)")
    return value
