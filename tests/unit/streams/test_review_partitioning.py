"""Review state is co-partitioned by SKU whatever partitioner the producers used: input is
re-keyed onto an internal topic, written with the partitioner the table uses."""

import asyncio
import json
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

from kafka.partitioner.default import murmur2 as kafka_python_murmur2

from foundation.metrics import Metrics
from foundation.settings import Settings
from schemas import ReviewSummaryResult, encode
from schemas.generation import ReviewStats
from streams.app import create_app
from streams.reviews import KIND_HEADER, REVIEW, SUMMARY, ReviewSummaries, table_partition
from streams.supervision import Supervision

PARTITIONS = 6
SKUS = [f"SKU-{i:03d}".encode() for i in range(200)]


def crc32_partition(key: bytes, partitions: int) -> int:
    """librdkafka's default for keyed records (`consistent_random`): CRC32 of the key."""
    return zlib.crc32(key) % partitions


def test_librdkafka_and_kafka_python_place_many_skus_in_different_partitions() -> None:
    differ = [k for k in SKUS if crc32_partition(k, PARTITIONS) != table_partition(k, PARTITIONS)]
    assert len(differ) > len(SKUS) // 2  # why input partitions cannot be trusted for state


def test_the_table_partition_is_the_java_and_kafka_python_default() -> None:
    # kafka-python's DefaultPartitioner: murmur2 of the key bytes, positive, modulo the count.
    assert all(table_partition(k, PARTITIONS) == (kafka_python_murmur2(k) & 0x7FFFFFFF) % PARTITIONS for k in SKUS)


# -- the agents, with a fake stream and fake topics -------------------------------------
class FakeTopic:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send(self, **record: object) -> asyncio.Future:
        self.sent.append(record)
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


class FakeDeadLetters:
    def __init__(self) -> None:
        self.errors: list[str] = []

    async def send(self, event: object, error: str, reason: str) -> None:
        self.errors.append(error)


class FakeStream:
    def __init__(self, events: list) -> None:
        self.events = events

    async def take_events(self, n: int, within: float) -> AsyncIterator[list]:
        yield self.events


def record(value: bytes, partition: int) -> SimpleNamespace:
    return SimpleNamespace(message=SimpleNamespace(topic="reviews.events", partition=partition, offset=0, key=None,
                                                   value=value, headers=[]))


def summaries(tmp_path: Path) -> tuple[ReviewSummaries, FakeTopic, FakeDeadLetters]:
    settings = Settings().with_overrides(streams={"app_id": "rekey-test", "data_dir": tmp_path})
    app = create_app(app_id="rekey-test", broker="kafka://127.0.0.1:1", credentials=None, data_dir=tmp_path,
                     web_port=6066, partitions=PARTITIONS, session_timeout_s=6.0, heartbeat_interval_s=1.0)
    dead = FakeDeadLetters()
    agents = ReviewSummaries(app, settings, Metrics(), dead, Supervision())  # type: ignore[arg-type]
    internal = FakeTopic()
    agents.state_input = internal  # type: ignore[assignment]
    return agents, internal, dead


def review(sku: str, i: int) -> bytes:
    return json.dumps({"event_id": f"e{i}", "type": "review.created", "review_id": f"r{i}", "sku": sku,
                       "rating": 4, "text": "Sturdy.", "occurred_at": "2026-11-01T00:00:00+00:00"}).encode()


async def test_reviews_are_forwarded_keyed_by_sku_whatever_partition_they_came_in_on(tmp_path: Path) -> None:
    agents, internal, dead = summaries(tmp_path)
    # CRC32-partitioned input (a librdkafka producer), plus one record no one can read.
    events = [record(review(k.decode(), i), crc32_partition(k, PARTITIONS)) for i, k in enumerate(SKUS[:20])]
    events.append(record(b"\xff garbage", 0))
    await agents.on_reviews(FakeStream(events))
    assert [r["key"] for r in internal.sent] == SKUS[:20]
    assert all("partition" not in r for r in internal.sent)  # the producer's partitioner picks it, as the table's
    assert [r["headers"] for r in internal.sent] == [[(KIND_HEADER, REVIEW)]] * 20
    assert [r["value"] for r in internal.sent] == [e.message.value for e in events[:20]]  # original bytes
    assert dead.errors == ["invalid_utf8"]


async def test_published_summaries_are_forwarded_the_same_way(tmp_path: Path) -> None:
    agents, internal, _ = summaries(tmp_path)
    stats = ReviewStats(count=1, average=4.0, histogram={"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}, verified_share=0.0)
    result = ReviewSummaryResult(sku="SKU-007", request_id="sum-1", input_hash="h", prompt_version="sum-v1", model="m",
                                 backend="echo", method="fallback", fallback_reason="no_completion",
                                 source_event_id="e1", source_version=1, generated_at_ms=0, summary="Sturdy.",
                                 stats=stats, coverage=1)
    await agents.on_summaries(FakeStream([record(encode(result), 3)]))
    assert [(r["key"], r["headers"]) for r in internal.sent] == [(b"SKU-007", [(KIND_HEADER, SUMMARY)])]


def test_the_state_agent_reads_an_internal_topic_with_the_tables_partition_count(tmp_path: Path) -> None:
    agents, _, _ = summaries(tmp_path)
    topic = agents.app.agents["review-state"].channel
    assert topic.internal and topic.get_topic_name() == "rekey-test-review-state-input"
    assert topic.partitions == agents.table.partitions == PARTITIONS
    assert agents.table.use_partitioner  # timer and agent writes pick the partition the same way
