"""Wait for results on an output topic, the way a downstream consumer would read them:
per SKU, keep the result with the highest `source_version`, whatever the arrival order."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from foundation.kafka import kafka_python_config, log_end_offsets
from foundation.settings import Settings
from schemas import DecodeError, ProductEvent, decode
from schemas.hashing import input_hash
from streams.products import decide


@dataclass
class Latest:
    """Last-write-wins by source version: what a search index or recommender should hold."""

    by_sku: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: int = 0

    def offer(self, value: dict[str, Any]) -> bool:
        self.received += 1
        current = self.by_sku.get(value["sku"])
        if current is None or value["source_version"] >= current["source_version"]:
            self.by_sku[value["sku"]] = value
            return True
        return False


def expected_descriptions(lines: Iterable[bytes], prompt_version: str) -> tuple[dict[str, int], int]:
    """What the pipeline must produce for these product lines: {sku: final source_version}
    and the number of dead letters. Uses the streams agent's own decision rule."""
    last: dict[str, dict] = {}
    expected: dict[str, int] = {}
    invalid = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            product = decode(line, ProductEvent)
        except DecodeError:
            invalid += 1
            continue
        digest = input_hash(product, prompt_version)
        if decide(product, digest, last.get(product.sku)).request:
            last[product.sku] = {"hash": digest, "source_version": product.source_version}
            expected[product.sku] = product.source_version
    return expected, invalid


def collect(settings: Settings, topic: str, expected: dict[str, int], timeout_s: float,
            on_progress: Callable[[int], None] | None = None, check: Callable[[], None] | None = None) -> Latest:
    """Read `topic` from the beginning until every SKU in `expected` has a result at (at
    least) its expected source version, or the timeout passes. `check` is called between
    polls and may raise (e.g. when a process of the stack died)."""
    latest = Latest()
    consumer = KafkaConsumer(**kafka_python_config(settings.kafka), group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        deadline = time.monotonic() + timeout_s
        done = 0
        while done < len(expected) and time.monotonic() < deadline:
            if check:
                check()
            for records in consumer.poll(timeout_ms=250).values():
                for record in records:
                    latest.offer(json.loads(record.value))
            now_done = sum(1 for sku, v in expected.items() if latest.by_sku.get(sku, {}).get("source_version", -1) >= v)
            if on_progress and now_done != done:
                on_progress(now_done)
            done = now_done
    finally:
        consumer.close()
    return latest


def count_messages(settings: Settings, topic: str) -> int:
    consumer = KafkaConsumer(**kafka_python_config(settings.kafka), group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        starts = consumer.beginning_offsets(partitions)
        ends = log_end_offsets(consumer, partitions, kafka=settings.kafka)
        return sum(ends[tp] - starts[tp] for tp in partitions)
    finally:
        consumer.close()


__all__ = ["Latest", "collect", "count_messages", "expected_descriptions"]
