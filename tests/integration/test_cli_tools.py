"""The operator tools and surfaces against the real broker: `tail`, `dlq republish`, and
what the streams and worker processes serve (/metrics, /ready)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition
from typer.testing import CliRunner

from foundation.kafka import kafka_python_config, log_end_offsets, producer
from foundation.settings import Settings
from schemas import DeadLetter, encode
from schemas.dead_letter import MAX_ORIGINAL_BYTES
from shopscribe.broker import ensure_topics
from shopscribe.cli import app
from shopscribe.clients import tail
from shopscribe.stack import LocalStack

pytestmark = pytest.mark.integration


def send_one_batch(settings: Settings, topic: str, values: list[bytes], partition: int = 0) -> None:
    """All on one partition in one flush: the broker stores them as one record batch, the
    case where the embedded broker lists the end as the batch's base offset + 1."""
    with producer(settings) as client:
        for value in values:
            client.send(topic, value=value, partition=partition)
        client.flush()


def test_tail_without_from_beginning_prints_only_records_sent_after_it_started(settings_factory) -> None:  # noqa: ANN001
    settings = settings_factory("echo")
    ensure_topics(settings.kafka, settings.topics)
    topic = settings.topics.products
    send_one_batch(settings, topic, [json.dumps({"old": i}).encode() for i in range(31)])

    received: list[dict[str, Any]] = []
    reader = threading.Thread(target=lambda: received.extend(
        tail(settings, topic, from_beginning=False, max_messages=1, timeout_s=120)), daemon=True)
    reader.start()
    # The tail positions itself at some moment after start(): keep sending new records
    # until it has printed one, then look at what it printed first.
    deadline = time.monotonic() + 120
    n = 0
    while reader.is_alive() and time.monotonic() < deadline:
        send_one_batch(settings, topic, [json.dumps({"new": n}).encode()])
        n += 1
        reader.join(timeout=0.5)
    reader.join(timeout=10)

    assert received, "tail printed nothing within 120 s"
    assert "new" in received[0]["value"], f"tail printed an old record first: {received[0]}"


def records_on(settings: Settings, topic: str) -> int:
    consumer = KafkaConsumer(**kafka_python_config(settings.kafka), group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        return sum(log_end_offsets(consumer, partitions).values())
    finally:
        consumer.close()


@pytest.fixture
def dead_letters(settings_factory) -> tuple[Settings, str]:  # noqa: ANN001
    """A DLQ holding three letters from partition 0 of the products topic: offset 0 a 900 KB
    original (truncated), offset 1 a NULL, offset 2 an empty value."""
    settings = settings_factory("echo")
    ensure_topics(settings.kafka, settings.topics)
    source = settings.topics.products
    originals = {0: b"{" + b"x" * 900_000, 1: None, 2: b""}
    letters = [DeadLetter.of(error="invalid_json", reason="bad", topic=source, partition=0, offset=offset,
                             key=f"SKU-{offset}".encode(), value=value, failed_at_ms=1)
               for offset, value in originals.items()]
    with producer(settings) as client:
        for letter in letters:
            client.send(settings.topics.dlq(source), value=encode(letter)).get(timeout=30)
    return settings, settings.topics.dlq(source)


def republish(settings: Settings, dlq: str, *flags: str) -> Any:
    return CliRunner().invoke(app, ["dlq", "republish", dlq, "--bootstrap", settings.kafka.bootstrap, *flags])


def test_republish_refuses_a_truncated_original_and_sends_nothing(dead_letters) -> None:  # noqa: ANN001
    settings, dlq = dead_letters
    result = republish(settings, dlq)
    assert result.exit_code == 1
    assert f"keep only the first {MAX_ORIGINAL_BYTES} bytes" in result.output
    assert f"{settings.topics.products}:0:0 (900001 bytes)" in result.output
    assert "--allow-truncated" in result.output
    assert records_on(settings, settings.topics.products) == 0


def test_republish_restores_a_null_as_null_and_an_empty_value_as_empty(dead_letters) -> None:  # noqa: ANN001
    settings, dlq = dead_letters
    result = republish(settings, dlq, "--offsets", "0:1,0:2")
    assert result.exit_code == 0, result.output
    back = {m["key"]: m["value"] for m in tail(settings, settings.topics.products, from_beginning=True,
                                                 max_messages=2, timeout_s=60)}
    assert back == {"SKU-1": None, "SKU-2": ""}


def test_republish_sends_the_kept_prefix_only_when_allowed(dead_letters) -> None:  # noqa: ANN001
    settings, dlq = dead_letters
    result = republish(settings, dlq, "--offsets", "0:0", "--allow-truncated")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["truncated"] == 1
    back = list(tail(settings, settings.topics.products, from_beginning=True, max_messages=1, timeout_s=60))
    assert len(back[0]["value"]) == MAX_ORIGINAL_BYTES


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def wait_until(condition: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (result := condition()):
        assert time.monotonic() < deadline, f"timed out after {timeout_s:.0f}s waiting for {what}"
        time.sleep(0.25)
    return result


def test_each_process_serves_its_own_metrics_with_one_kind_vocabulary_and_the_worker_a_real_ready(
        settings_factory, tmp_path: Path) -> None:  # noqa: ANN001
    with LocalStack(settings_factory("echo"), tmp_path / "stack", embedded=False) as stack:
        worker = f"http://127.0.0.1:{stack.settings.worker.metrics_port}"
        streams = f"http://127.0.0.1:{stack.settings.streams.web_port}"
        wait_until(lambda: get(f"{worker}/ready")[0] == 200, 60, "the worker's /ready")
        assert get(f"{worker}/anything")[0] == 404
        event = {"event_id": "m-1", "type": "product.created", "sku": "METRICS-1", "title": "Linen Apron",
                 "attributes": {"material": "linen"}, "occurred_at": "2026-11-01T00:00:00+00:00"}
        with producer(stack.settings) as client:
            client.send(stack.settings.topics.products, key=b"METRICS-1", value=json.dumps(event).encode()).get(30)

        def counted() -> str | None:
            text = get(f"{worker}/metrics")[1]
            return text if "shopscribe_results_total{" in text else None

        worker_text = wait_until(counted, 120, "a result counted on the worker")
        streams_text = get(f"{streams}/metrics")[1]

    assert 'shopscribe_results_total{kind="description"' in worker_text
    assert 'shopscribe_end_to_end_seconds_count{kind="description"}' in worker_text
    assert 'shopscribe_requests_total{kind="description"}' in streams_text
    assert "shopscribe_events_in_total" in streams_text
    assert "shopscribe_events_in_total" not in worker_text and "shopscribe_results_total" not in streams_text
    assert "_created" not in worker_text + streams_text
