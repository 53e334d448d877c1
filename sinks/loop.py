"""What both sinks share: a kafka-python consumer group per sink, run by
`foundation.consumer.ConsumerLoop`.

poll -> decode -> one DB transaction for the whole poll -> (publish) -> commit offsets.
A sink's `handle(records)` is durable on return (its transaction has committed), so the
loop commits right after it; a crash redelivers records whose effects may already be
stored, and the stores' last-write-wins upserts make that harmless (at-least-once
delivery, idempotent consumer). A new group starts from the earliest offset: a fresh store
is built from the whole history of the topics.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord

from foundation.consumer import ConsumerLoop, Polled, stop_on_signals
from foundation.kafka import consumer_group_config, kafka_python_config, live_end_offsets
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
        stop_on_signals(self._stop)

    def run(self, *, until_caught_up: bool = False, timeout_s: float | None = None,
            on_batch: Callable[[SinkStats], None] | None = None) -> SinkStats:
        """Consume until stopped; with `until_caught_up`, return once every assigned
        partition's position has reached its end offset (raises TimeoutError after
        `timeout_s`)."""
        self.consumer = self._consumer()
        loop = ConsumerLoop(self.consumer, self._process, name=f"sink-{self.name}", stop=self._stop,
                            poll=lambda c: c.poll(timeout_ms=int(self.sink.poll_timeout_s * 1000)))
        loop.subscribe(self.topics)
        deadline = time.monotonic() + timeout_s if timeout_s else None

        def done(polled: Polled) -> bool:
            self.stats.commits, self.stats.commit_failures = loop.stats.commits, loop.stats.commit_failures
            if polled and on_batch:
                on_batch(self.stats)
            if not polled and until_caught_up and self.caught_up():
                return True
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} sink not caught up after {timeout_s}s: {self.lag()}")
            return False

        log.info("sink_started", sink=self.name, group=self.group_id, topics=self.topics)
        try:
            loop.run(until=done)
        finally:
            self.consumer.close(autocommit=False)
            self.consumer = None
            self.close_resources()
            log.info("sink_stopped", sink=self.name, **self.stats.as_dict())
        return self.stats

    def _process(self, polled: Polled) -> None:
        records = [r for batch in polled.values() for r in batch]
        for record in records:
            self.stats.per_topic[record.topic] = self.stats.per_topic.get(record.topic, 0) + 1
        self.handle(records)  # durable on return
        self.stats.records += len(records)
        self.stats.transactions += 1

    def lag(self) -> dict[str, int]:
        assert self.consumer is not None
        assigned = list(self.consumer.assignment())
        if not assigned:
            return {}
        ends = live_end_offsets(self.consumer, assigned, self.settings.kafka)
        return {f"{tp.topic}[{tp.partition}]": ends[tp] - self.consumer.position(tp) for tp in assigned}

    def caught_up(self) -> bool:
        assert self.consumer is not None
        if not self.consumer.assignment():
            return False
        return all(behind <= 0 for behind in self.lag().values())
