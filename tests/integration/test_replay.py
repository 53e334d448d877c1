"""Replay reprocesses history under its own group, with its own prompt version, without
touching the live pipeline. The echo backend stands in for the model here: what is under
test is which events are replayed and what is published, not the text."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from kafka.admin import KafkaAdminClient

from foundation.kafka import kafka_python_config, producer
from foundation.metrics import Metrics
from shopscribe.clients import tail
from shopscribe.collect import collect
from shopscribe.replay import Position, Replayer, group_id
from shopscribe.stack import LocalStack
from workers.echo_backend import EchoBackend
from workers.handler import RequestHandler
from workers.publisher import ResultPublisher

pytestmark = pytest.mark.integration

T0 = datetime(2026, 10, 1, tzinfo=timezone.utc)


def products(prefix: str, n: int) -> list[dict]:
    return [{"event_id": f"{prefix}-{i}", "type": "product.created", "sku": f"{prefix}-{i}",
             "title": f"Canvas Tote {i}", "attributes": {"material": "cotton canvas", "color": "natural"},
             "occurred_at": (T0 + timedelta(seconds=i)).isoformat()} for i in range(n)]


def publish(stack: LocalStack, items: list[dict]) -> None:
    with producer(stack.settings) as client:
        for item in items:
            client.send(stack.settings.topics.products, key=item["sku"].encode(), value=json.dumps(item).encode())
        client.flush()


def versions(items: list[dict]) -> dict[str, int]:
    return {i["sku"]: int(datetime.fromisoformat(i["occurred_at"]).timestamp() * 1_000_000) for i in items}


def replay(stack: LocalStack, start: Position, version: str, restart: bool = False):  # noqa: ANN201
    settings = stack.settings
    metrics = Metrics()
    client = producer(settings)
    replayer = Replayer(settings, RequestHandler(EchoBackend(), metrics), ResultPublisher(client, settings, metrics),
                        group=group_id(settings.topics.products, version, None), batch_size=32)
    try:
        plan = replayer.plan(settings.topics.products, start, Position("end"), resume=not restart)
        return replayer.run(plan, version)
    finally:
        replayer.close()
        client.close()


def live_offsets(stack: LocalStack) -> dict:
    admin = KafkaAdminClient(**kafka_python_config(stack.settings.kafka))
    try:
        group = stack.settings.streams.app_id
        offsets = admin.list_group_offsets(group).get(group, {})
    finally:
        admin.close()
    return {tp: meta.offset for tp, meta in offsets.items() if tp.topic == stack.settings.topics.products}


@pytest.fixture(scope="module")
def stack(module_settings_factory, tmp_path_factory):  # noqa: ANN001
    with LocalStack(module_settings_factory("echo"), tmp_path_factory.mktemp("replay"), embedded=False) as running:
        yield running


def test_replaying_100_events_yields_100_new_version_results_and_leaves_live_offsets_alone(stack: LocalStack) -> None:
    items = products("TOTE", 100)
    publish(stack, items)
    collect(stack.settings, stack.settings.topics.descriptions, versions(items), 120, check=stack.check_alive)
    deadline = time.monotonic() + 30
    while sum(live_offsets(stack).values()) < 100:  # streams commits on an interval
        assert time.monotonic() < deadline
        time.sleep(0.2)
    before = live_offsets(stack)

    report = replay(stack, Position("beginning"), "desc-replay-test")

    assert report.events == 100 and report.requests == 100
    replayed = [m["value"] for m in tail(stack.settings, stack.settings.topics.descriptions, from_beginning=True,
                                         max_messages=None, timeout_s=3) if m["value"]["prompt_version"] == "desc-replay-test"]
    assert sorted(r["sku"] for r in replayed) == sorted(versions(items))
    # Same source versions as the originals: downstream last-write-wins still orders by source.
    assert {r["sku"]: r["source_version"] for r in replayed} == versions(items)
    assert live_offsets(stack) == before


def test_running_the_same_replay_again_is_idempotent(stack: LocalStack) -> None:
    resumed = replay(stack, Position("beginning"), "desc-replay-test")
    assert resumed.events == 0, "a finished replay resumes at its committed end"

    again = replay(stack, Position("beginning"), "desc-replay-test", restart=True)
    results = [m["value"] for m in tail(stack.settings, stack.settings.topics.descriptions, from_beginning=True,
                                        max_messages=None, timeout_s=3) if m["value"]["prompt_version"] == "desc-replay-test"]
    by_request: dict[str, set[str]] = {}
    for r in results:
        by_request.setdefault(r["request_id"], set()).add(r["description"])
    assert again.requests == 100
    assert len(by_request) == 100 and all(len(texts) == 1 for texts in by_request.values())


def test_replay_from_a_time_takes_only_records_that_arrived_after_it(stack: LocalStack) -> None:
    early = products("EARLY", 5)
    publish(stack, early)
    time.sleep(1.1)  # broker arrival timestamps have millisecond resolution; leave a clear gap
    cut = datetime.now(timezone.utc)
    time.sleep(0.1)
    late = products("LATE", 7)
    publish(stack, late)

    report = replay(stack, Position("time", time=cut), "desc-v3")

    assert report.events == 7
    replayed = {m["value"]["sku"] for m in tail(stack.settings, stack.settings.topics.descriptions,
                                               from_beginning=True, max_messages=None, timeout_s=3)
                if m["value"]["prompt_version"] == "desc-v3"}
    assert replayed == set(versions(late))


def test_a_time_after_the_last_record_replays_nothing(stack: LocalStack) -> None:
    report = replay(stack, Position("time", time=datetime.now(timezone.utc) + timedelta(hours=1)), "desc-v4")
    assert report.events == 0
