"""Small Kafka tools behind `produce` and `tail`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from foundation.kafka import check_connection, kafka_python_config, log_end_offsets, producer
from foundation.settings import Settings


def produce_lines(settings: Settings, topic: str, path: Path, key_field: str = "sku") -> tuple[int, int]:
    """Publish each non-empty line as it is (bytes untouched, so bad lines reach the DLQ
    as a producer would send them). Key = the line's `key_field` when it parses.
    Returns (sent, unkeyed)."""
    sent = unkeyed = 0
    with producer(settings) as client:
        for line in path.read_bytes().splitlines():
            if not line.strip():
                continue
            key = _key_of(line, key_field)
            unkeyed += key is None
            client.send(topic, key=key, value=line, headers=[("content-type", b"application/json")])
            sent += 1
        client.flush()
    return sent, unkeyed


def _key_of(line: bytes, field: str) -> bytes | None:
    try:
        value = json.loads(line).get(field)
    except (ValueError, AttributeError):
        return None
    return str(value).encode() if value is not None else None


def tail(settings: Settings, topic: str, *, from_beginning: bool, max_messages: int | None = None,
         timeout_s: float | None = None) -> Iterator[dict[str, Any]]:
    """Yield messages as dicts (value parsed when JSON). No consumer group: reading never
    moves anyone's committed offsets."""
    check_connection(settings.kafka)  # a clear error in seconds (TLS trust, protocol), not a 30 s bootstrap timeout
    consumer = KafkaConsumer(**kafka_python_config(settings.kafka), group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest" if from_beginning else "latest")
    try:
        partitions = _partitions(consumer, topic)
        if from_beginning:
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
        else:
            # Not seek_to_end: a broker may list an end short of the last record (tansu:
            # the last batch's base offset + 1), and tail would print old records as new.
            for tp, end in log_end_offsets(consumer, partitions).items():
                consumer.seek(tp, end)
        seen = 0
        deadline = time.monotonic() + timeout_s if timeout_s else None
        while deadline is None or time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                for record in records:
                    yield _as_dict(record)
                    seen += 1
                    if max_messages is not None and seen >= max_messages:
                        return
    finally:
        consumer.close()


def _partitions(consumer: KafkaConsumer, topic: str) -> list[TopicPartition]:
    ids = consumer.partitions_for_topic(topic)
    if not ids:
        raise ValueError(f"topic {topic!r} does not exist")
    return [TopicPartition(topic, p) for p in sorted(ids)]


def _as_dict(record: Any) -> dict[str, Any]:
    try:
        value: Any = json.loads(record.value) if record.value is not None else None
    except ValueError:
        value = record.value.decode("utf-8", "replace")
    return {
        "topic": record.topic, "partition": record.partition, "offset": record.offset, "timestamp": record.timestamp,
        "key": record.key.decode("utf-8", "replace") if record.key is not None else None,
        "headers": {k: v.decode("utf-8", "replace") for k, v in (record.headers or [])},
        "value": value,
    }
