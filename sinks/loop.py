"""The consumer loop both sinks share (kafka-python, one consumer group per sink).

poll -> decode -> one DB transaction for the whole poll -> (publish) -> commit offsets.
Offsets are committed only after the transaction has committed, so a crash redelivers
records whose effects may already be stored; the stores' last-write-wins upserts make
that harmless (at-least-once delivery, idempotent consumer). A new group starts from the
earliest offset: a fresh store is built from the whole history of the topics.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError
from kafka.structs import OffsetAndMetadata

from foundation.kafka import consumer_group_config, kafka_python_config
from foundation.logging import get_logger
from foundation.settings import Settings, SinkSettings

log = get_logger(__name__)


@dataclass
class SinkStats:
    records: int = 0          # records handled (each offset once per delivery)
    applied: int = 0          # upserts that changed the store
    stale: int = 0            # older than what the store holds: ignored
    invalid: int = 0          # undecodable / schema-invalid values, skipped
    tombstones: int = 0
    transactions: int = 0
    commits: int = 0
    commit_failures: int = 0
    per_topic: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


class SinkConsumer:
    """Subclasses implement `handle(records)`: everything it does must be durable on return."""

    name = "sink"

    def __init__(self, settings: Settings, sink: SinkSettings, group_id: str, topics: list[str]) -> None:
        self.settings = settings
        self.sink = sink
        self.group_id = group_id
        self.topics = topics
        self.stats = SinkStats()
        self._stop = threading.Event()
        self.consumer: KafkaConsumer | None = None

    # -- to implement -----------------------------------------------------------------
    def handle(self, records: list[ConsumerRecord]) -> None:
        raise NotImplementedError

    def close_resources(self) -> None:
        pass

    # -- loop ---------------------------------------------------------------------------
    def _consumer(self) -> KafkaConsumer:
        return KafkaConsumer(
            **kafka_python_config(self.settings.kafka), **consumer_group_config(self.settings.kafka),
            group_id=self.group_id, client_id=f"shopscribe-{self.name}", enable_auto_commit=False,
            auto_offset_reset="earliest", max_poll_records=self.sink.max_poll_records,
        )

    def stop(self) -> None:
        self._stop.set()

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stop())

    def run(self, *, until_caught_up: bool = False, timeout_s: float | None = None,
            on_batch: Callable[[SinkStats], None] | None = None) -> SinkStats:
        """Consume until stopped; with `until_caught_up`, return once every assigned
        partition's position has reached its end offset (raises TimeoutError after
        `timeout_s`)."""
        self.consumer = self._consumer()
        self.consumer.subscribe(self.topics)
        deadline = time.monotonic() + timeout_s if timeout_s else None
        log.info("sink_started", sink=self.name, group=self.group_id, topics=self.topics)
        try:
            while not self._stop.is_set():
                polled = self.consumer.poll(timeout_ms=int(self.sink.poll_timeout_s * 1000))
                if polled:
                    self._process(polled)
                    if on_batch:
                        on_batch(self.stats)
                elif until_caught_up and self.caught_up():
                    break
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} sink not caught up after {timeout_s}s: {self.lag()}")
        finally:
            self.consumer.close(autocommit=False)
            self.consumer = None
            self.close_resources()
            log.info("sink_stopped", sink=self.name, **self.stats.as_dict())
        return self.stats

    def _process(self, polled: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        records = [r for batch in polled.values() for r in batch]
        for record in records:
            self.stats.per_topic[record.topic] = self.stats.per_topic.get(record.topic, 0) + 1
        self.handle(records)  # durable on return
        self.stats.records += len(records)
        self.stats.transactions += 1
        offsets = {tp: OffsetAndMetadata(batch[-1].offset + 1, "", -1) for tp, batch in polled.items()}
        try:
            self.consumer.commit(offsets)
            self.stats.commits += 1
        except CommitFailedError as exc:
            # A rebalance took the partitions: their new owner redelivers, upserts are idempotent.
            self.stats.commit_failures += 1
            log.warning("sink_commit_failed_after_rebalance", sink=self.name, error=str(exc))

    def lag(self) -> dict[str, int]:
        assert self.consumer is not None
        assigned = list(self.consumer.assignment())
        if not assigned:
            return {}
        ends = self.consumer.end_offsets(assigned)
        # The embedded broker (tansu 0.6) answers ListOffsets(latest) with the last record
        # batch's base offset + 1, short of the end when that batch holds several records;
        # the high watermark of a fetch response is right, so take the larger.
        lag = {}
        for tp in assigned:
            end = max(ends[tp], self.consumer.highwater(tp) or 0)
            lag[f"{tp.topic}[{tp.partition}]"] = end - self.consumer.position(tp)
        return lag

    def caught_up(self) -> bool:
        assert self.consumer is not None
        if not self.consumer.assignment():
            return False
        return all(behind <= 0 for behind in self.lag().values())
