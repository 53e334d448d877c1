"""The generation worker: a kafka-python consumer group on generation.requests.

Order of operations per poll, and why:
1. decode the batches (undecodable records go to the DLQ, never block the partition);
2. pause every assigned partition and generate in a thread while the main thread keeps
   polling, so a slow generation never costs the group membership (aiokafka#848);
3. publish every result with acks=all and wait for the acks;
4. only then commit the input offsets (at-least-once: a crash redelivers, and duplicates
   are harmless because results are keyed by SKU and carry their versions).

Polling, committing, rebalances and SIGTERM belong to `foundation.consumer.ConsumerLoop`;
this module says what a poll is (`poll_with_linger`), how it is handled (`handle`) and how
it is made durable (`flush`: every send acknowledged).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from foundation.consumer import POLL_TIMEOUT_MS, ConsumerLoop, Polled
from foundation.kafka import consumer_group_config, kafka_python_config
from foundation.logging import get_logger
from foundation.metrics import Metrics
from foundation.settings import Settings
from schemas import (
    DeadLetter,
    DecodeError,
    GenerationBatch,
    GenerationRequest,
    SummaryRequest,
    decode,
    encode,
    headers,
)
from workers.backend import BackendDead
from workers.handler import RequestHandler, Result
from workers.publisher import ResultPublisher

log = get_logger(__name__)


class GenerationWorker:
    def __init__(self, settings: Settings, handler: RequestHandler, metrics: Metrics) -> None:
        self.settings = settings
        self.handler = handler
        self.metrics = metrics
        kafka = settings.kafka
        self.consumer = KafkaConsumer(
            **kafka_python_config(kafka),
            **consumer_group_config(kafka),
            group_id=settings.worker.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_interval_ms=int(settings.worker.max_poll_interval_s * 1000),
            # A record is a whole micro-batch; bounding records bounds in-flight prompts.
            max_poll_records=settings.worker.max_poll_records,
        )
        self.producer = KafkaProducer(**kafka_python_config(kafka), acks="all", linger_ms=5, retries=5,
                                      max_in_flight_requests_per_connection=1)
        self.publisher = ResultPublisher(self.producer, settings, metrics)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generate")
        self.loop = ConsumerLoop(self.consumer, self.handle, self.flush, name="worker", poll=self._poll)
        self.loop.subscribe([settings.topics.requests])
        self.stopping = self.loop.stopping
        self.ready = threading.Event()  # set once the group has given this worker partitions (/ready)

    # -- lifecycle -------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        self.loop.install_signal_handlers()

    def wait_for_assignment(self, timeout_s: float) -> bool:
        """Poll until the group has given this worker partitions (readiness, not a sleep)."""
        deadline = time.monotonic() + timeout_s
        while not self.consumer.assignment() and time.monotonic() < deadline and not self.stopping.is_set():
            self.loop.poll_once()
        return bool(self.consumer.assignment())

    def run(self, ready_file: Path | None = None) -> None:
        log.info("worker_started", backend=self.handler.backend.name, model=self.handler.backend.model,
                 group=self.settings.worker.group_id, topic=self.settings.topics.requests)
        assigned = self.wait_for_assignment(timeout_s=300)
        if ready_file:
            if not assigned:
                raise RuntimeError("no partitions of the requests topic assigned within 300s")
            ready_file.write_text(str(time.time()))
        if assigned:
            self.ready.set()
        try:
            self.loop.run()
        finally:
            self.close()

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.producer.flush()
        self.producer.close()
        self.consumer.close()  # leaves the group so partitions move at once
        log.info("worker_stopped")

    # -- one poll ----------------------------------------------------------------------
    def _poll(self, consumer: KafkaConsumer) -> Polled:
        worker = self.settings.worker
        return poll_with_linger(consumer, worker.max_poll_records, worker.poll_linger_s, worker.poll_burst_linger_s)

    def handle(self, polled: Polled) -> None:
        requests: list[GenerationRequest] = []
        for records in polled.values():
            for record in records:
                requests.extend(self._decode(record))
        requests = self._coalesce(requests)
        if requests:
            self._generate_and_publish(requests)

    def flush(self) -> None:
        """Durable: every result and dead letter sent is acknowledged (acks=all). Each publish
        and dead letter already waits for its acks; this covers any send still buffered."""
        self.producer.flush(timeout=self.settings.kafka.request_timeout_s)

    def _coalesce(self, requests: list[GenerationRequest]) -> list[GenerationRequest]:
        """Keep only the newest summary request per SKU (highest source_version) of a poll.

        After a worker outage, streams has re-issued a SKU's summary request every in-flight
        timeout; all of them queue here. The newest carries the latest stats and covers every
        review the older ones cover (streams marks reviews summarised by the watermark of the
        request whose result it reads back, and its in-flight slot holds the newest request),
        so answering the older ones would only burn generations. Their offsets are committed
        with the poll. Description requests are left as they are."""
        newest: dict[str, SummaryRequest] = {}
        for request in requests:
            if isinstance(request, SummaryRequest):
                kept = newest.get(request.sku)
                if kept is None or request.source_version >= kept.source_version:
                    newest[request.sku] = request
        kept_ids = {id(r) for r in newest.values()}
        out = [r for r in requests if not isinstance(r, SummaryRequest) or id(r) in kept_ids]
        dropped = [r for r in requests if isinstance(r, SummaryRequest) and id(r) not in kept_ids]
        if dropped:
            self.metrics.requests_coalesced.labels(kind="summary").inc(len(dropped))
            log.info("summary_requests_coalesced", dropped=len(dropped), kept=len(newest),
                     skus=sorted({r.sku for r in dropped}),
                     dropped_request_ids=[r.request_id for r in dropped][:20])
        return out

    def _decode(self, record: ConsumerRecord) -> list[GenerationRequest]:
        try:
            return list(decode(record.value, GenerationBatch).requests)
        except DecodeError as exc:
            self._dead_letter(record, exc.kind, exc.reason)
            return []

    def _generate_and_publish(self, requests: list[GenerationRequest]) -> None:
        """Generate chunk by chunk, publishing each chunk's results as soon as they exist
        (a poll may hold several micro-batches); offsets are committed after the last."""
        limit = self.settings.worker.max_batch_prompts
        chunks = [requests[i:i + limit] for i in range(0, len(requests), limit)]
        self.metrics.in_flight.set(len(requests))
        try:
            with self.loop.hold():  # partitions paused: polls below only keep the membership
                for chunk in chunks:
                    future = self._executor.submit(self.handler.handle, chunk)
                    self._keep_membership(future)
                    self._publish(future.result())
        except BackendDead:
            log.critical("backend_dead", exc_info=True)
            raise
        finally:
            self.metrics.in_flight.set(0)

    def _keep_membership(self, future: Future) -> None:
        # Wait on the generation first and poll only while it is still running: a poll of
        # paused partitions blocks for its whole timeout, which added 200 ms to every
        # batch (74 events/s with the echo backend; docs/benchmarks.md, overhead).
        while not wait_futures([future], timeout=POLL_TIMEOUT_MS / 1000).done:
            self.loop.keep_alive()

    def _publish(self, results: list[Result]) -> None:
        self.publisher.publish(results)

    def _dead_letter(self, record: ConsumerRecord, error: str, reason: str) -> None:
        letter = DeadLetter.of(error=error, reason=reason, topic=record.topic, partition=record.partition,
                               offset=record.offset, key=record.key, value=record.value,
                               failed_at_ms=int(time.time() * 1000))
        dlq = self.settings.topics.dlq(record.topic)
        self.producer.send(dlq, key=record.key, value=encode(letter), headers=headers(letter, error=error)).get(
            timeout=self.settings.kafka.request_timeout_s)
        self.metrics.dead_letters.labels(topic=record.topic, error=error).inc()
        log.warning("dead_letter", topic=record.topic, partition=record.partition, offset=record.offset,
                    error=error, reason=reason)


def poll_with_linger(consumer: KafkaConsumer, limit: int, linger_s: float, burst_linger_s: float = 0.0,
                     timeout_ms: int = POLL_TIMEOUT_MS) -> dict[TopicPartition, list[ConsumerRecord]]:
    """One poll, topped up for `linger_s` after its first record unless `limit` records come
    sooner: linger.ms on the consuming side. A burst's micro-batches reach the worker
    tens of milliseconds apart (more while a generation holds the CPU), and without this
    the first would be generated alone; at low load it adds `linger_s` to each request.

    Once the poll holds two micro-batches a burst is under way, and the window stretches to
    `burst_linger_s`: the last micro-batches of a burst can come a fetch cycle later
    (~0.5 s), and a burst split into two calls costs far more than the wait (64 products on
    2 cores: 206-216 s as calls of 48 and 16, 163 s as one call of 64)."""
    polled = consumer.poll(timeout_ms=timeout_ms)
    first = time.monotonic()
    while polled and (count := sum(len(r) for r in polled.values())) < limit:
        window = max(linger_s, burst_linger_s) if count >= 2 else linger_s
        left_ms = int((first + window - time.monotonic()) * 1000)
        if left_ms <= 0:
            break
        for tp, records in consumer.poll(timeout_ms=left_ms, max_records=limit - count).items():
            polled.setdefault(tp, []).extend(records)
    return polled
