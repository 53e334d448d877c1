"""Fault-injection helpers: a real stack (broker, streams, worker processes) with the echo
backend, kill -9 / restart of its parts, and exhaustive reads of its topics.

Every wait here waits on a condition (a ready file, /ready, a count on a topic), never a
fixed sleep. Figures of each fault test are appended to .shopscribe/faults/figures.jsonl
(docs/reliability.md quotes them).
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from foundation.kafka import kafka_python_config, log_end_offsets, producer
from foundation.settings import Settings
from shopscribe.stack import LocalStack, _http_ok

REPO = Path(__file__).resolve().parents[2]
FIGURES = REPO / ".shopscribe" / "faults" / "figures.jsonl"
T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.integration)


def record_figures(test: str, **figures: Any) -> None:
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    with FIGURES.open("a") as out:
        out.write(json.dumps({"test": test, "at": datetime.now(timezone.utc).isoformat(), **figures}) + "\n")
    print(f"FIGURES {test}: {figures}")


def product(sku: str, minutes: int = 0, **attributes: str) -> dict:
    return {"event_id": f"{sku}-{minutes}", "type": "product.created" if minutes == 0 else "product.updated",
            "sku": sku, "title": f"Stoneware Mug {sku}", "category": "kitchen",
            "attributes": attributes or {"material": "stoneware", "color": "sage green"},
            "occurred_at": (T0 + timedelta(minutes=minutes)).isoformat()}


def version_of(event: dict) -> int:
    return int(datetime.fromisoformat(event["occurred_at"]).timestamp() * 1_000_000)


def send(settings: Settings, topic: str, values: list[bytes], keys: list[bytes | None] | None = None) -> None:
    with producer(settings) as client:
        for value, key in zip(values, keys or [None] * len(values)):
            client.send(topic, key=key, value=value)
        client.flush()


def send_events(settings: Settings, topic: str, events: list[dict]) -> None:
    send(settings, topic, [json.dumps(e).encode() for e in events], [e["sku"].encode() for e in events])


def read_all(settings: Settings, topic: str, timeout_s: float = 60) -> list[Any]:
    """Every record now on `topic` (up to the end offsets seen at the call), values parsed."""
    consumer = KafkaConsumer(**kafka_python_config(settings.kafka), group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        ends = log_end_offsets(consumer, partitions)
        consumer.seek_to_beginning(*partitions)
        out = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, f"could not read {topic} to its end in {timeout_s}s"
            for records in consumer.poll(timeout_ms=250).values():
                out.extend(records)
        return out
    finally:
        consumer.close()


def values(settings: Settings, topic: str) -> list[dict]:
    return [json.loads(r.value) for r in read_all(settings, topic)]


def wait_for(condition: Callable[[], Any], timeout_s: float, what: str, check: Callable[[], None] | None = None,
             every_s: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        if check:
            check()
        result = condition()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out after {timeout_s:.0f}s waiting for {what}"
        time.sleep(every_s)


def kill9(stack: LocalStack, part: str) -> int:
    process = stack.processes[part]
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return process.returncode


def respawn(stack: LocalStack, part: str, timeout_s: float = 180) -> None:
    """Start `part` again with the stack's settings and wait until it is ready."""
    ready_file = stack.settings.worker.ready_file
    if part == "worker" and ready_file:
        Path(ready_file).unlink(missing_ok=True)
    stack._spawn(part)
    if part == "worker":
        wait_for(lambda: Path(ready_file).exists(), timeout_s, "the restarted worker", check=stack.check_alive)
    else:
        url = f"http://127.0.0.1:{stack.settings.streams.web_port}/ready"
        wait_for(lambda: _http_ok(url), timeout_s, "the restarted streams", check=stack.check_alive)


@pytest.fixture
def echo_stack(settings_factory, tmp_path) -> Iterator[Callable[..., LocalStack]]:  # noqa: ANN001
    """Start a stack with the echo backend and the given setting overrides; stopped after the test."""
    started: list[LocalStack] = []

    def start(**groups: dict) -> LocalStack:
        settings = settings_factory("echo", **groups)
        stack = LocalStack(settings, tmp_path / f"stack{len(started)}", embedded=False)
        started.append(stack)
        return stack.start()

    yield start
    for stack in started:
        stack.stop()
