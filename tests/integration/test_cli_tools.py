"""The operator tools against the real broker: `tail` and `dlq republish`."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from foundation.kafka import producer
from foundation.settings import Settings
from shopscribe.broker import ensure_topics
from shopscribe.clients import tail

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
