"""The stack driven by librdkafka (confluent-kafka) as producer and consumer, with its
default partitioner, against TWO streams replicas and TWO workers (echo backend: this is
a delivery test, not a generation test).

librdkafka hashes keys with CRC32 (`consistent_random`), Java and kafka-python with
murmur2: most SKUs arrive on another partition number than the one holding their state,
and with two replicas often on the other replica. Every SKU must still get its summary
with stats equal to an independent recount, and its description; nothing is lost, and
duplicates are only identical at-least-once copies. Events dated in 2999 are dead
letters and do not outrank the real updates after them. The kafka-python paths stay
covered by the other integration tests.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

confluent_kafka = pytest.importorskip("confluent_kafka")

from foundation.settings import Settings  # noqa: E402
from shopscribe.broker import die_with_parent, ensure_topics, free_port  # noqa: E402
from shopscribe.stack import settings_env  # noqa: E402
from streams.reviews import table_partition  # noqa: E402

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 3, tzinfo=timezone.utc)
FAR_FUTURE = datetime(2999, 1, 1, tzinfo=timezone.utc)
SKUS = [f"LR-{i:02d}" for i in range(12)]
REVIEWS = 40
REPLICAS = 2
LOAD_EVERY_S = 0.5  # the steady load: one event every half second (~19 s for the later events)
REJOIN_BOUND_S = 180  # README: a SIGKILLed streams replica and worker, restarted, are ready within this
HEADERS = {"content-type", "schema-version", "model", "prompt-version", "method"}
_RANK = {"review.created": 0, "review.updated": 1, "review.deleted": 2}


# -- the events --------------------------------------------------------------------------
def products() -> tuple[list[dict], dict]:
    """One product per SKU; SKU 0 is preceded by a copy dated 2999 (a dead letter)."""
    real = [{"event_id": f"p-{sku}", "type": "product.created", "sku": sku, "title": f"Enamel Kettle {sku}",
             "category": "kitchen", "attributes": {"material": "enamelled steel", "capacity": "1.7 l"},
             "occurred_at": T0.isoformat()} for sku in SKUS]
    bogus = {**real[0], "event_id": "p-bogus", "type": "product.updated", "title": "Wrong Kettle",
             "occurred_at": FAR_FUTURE.isoformat()}
    return [bogus, *real], bogus


def reviews(seed: int = 19) -> tuple[list[dict], list[dict]]:
    """Creates, some rating edits and deletes, and one edit dated 2999 followed by the real
    correction (the 2999 one is a dead letter). Returns (all events, the dead letters)."""
    rng = random.Random(seed)
    events = []
    for i in range(REVIEWS):
        events.append({"event_id": f"c{i}", "type": "review.created", "review_id": f"lr{i}", "sku": SKUS[i % len(SKUS)],
                       "rating": rng.randint(1, 5), "text": f"Review {i}: boils fast, the handle stays cool.",
                       "verified_purchase": rng.random() < 0.5,
                       "occurred_at": (T0 + timedelta(seconds=i)).isoformat()})
    for i in rng.sample(range(REVIEWS), 6):
        events.append({**events[i], "event_id": f"u{i}", "type": "review.updated", "rating": rng.randint(1, 5),
                       "occurred_at": (T0 + timedelta(hours=1)).isoformat()})
    for i in rng.sample(range(REVIEWS), 4):
        events.append({**events[i], "event_id": f"d{i}", "type": "review.deleted",
                       "occurred_at": (T0 + timedelta(hours=2)).isoformat()})
    bogus = {**events[0], "event_id": "bogus", "type": "review.updated", "rating": 1, "occurred_at": FAR_FUTURE.isoformat()}
    correction = {**events[0], "event_id": "fix", "type": "review.updated", "rating": 5,
                  "occurred_at": (T0 + timedelta(hours=3)).isoformat()}
    return [*events, bogus, correction], [bogus]


def recount(events: list[dict]) -> dict[str, dict]:
    """Independent of streams: per review id the greatest (occurred_at, type rank) wins."""
    last: dict[str, dict] = {}
    for e in events:
        held = last.get(e["review_id"])
        if held is None or (e["occurred_at"], _RANK[e["type"]]) > (held["occurred_at"], _RANK[held["type"]]):
            last[e["review_id"]] = e
    stats = {}
    for sku in SKUS:
        live = [e for e in last.values() if e["sku"] == sku and e["type"] != "review.deleted"]
        ratings = [e["rating"] for e in live]
        stats[sku] = {"count": len(live), "average": sum(ratings) / len(live),
                      "histogram": {str(r): ratings.count(r) for r in range(1, 6)},
                      "verified_share": sum(e["verified_purchase"] for e in live) / len(live)}
    return stats


def same_stats(got: dict, want: dict) -> bool:
    return (got["count"] == want["count"] and got["histogram"] == want["histogram"]
            and abs(got["average"] - want["average"]) < 1e-9
            and abs(got["verified_share"] - want["verified_share"]) < 1e-9)


# -- librdkafka clients ----------------------------------------------------------------
def produce(bootstrap: str, topic: str, events: list[dict]) -> dict[str, int]:
    """Publish with librdkafka's defaults (CRC32 partitioner); the partition of each SKU."""
    client = confluent_kafka.Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    placed: dict[str, int] = {}
    failures: list[str] = []

    def delivered(err: Any, msg: Any) -> None:
        if err is not None:
            failures.append(str(err))
        else:
            placed[msg.key().decode()] = msg.partition()

    for event in events:
        client.produce(topic, key=event["sku"].encode(), value=json.dumps(event).encode(), on_delivery=delivered)
        client.poll(0)
    assert client.flush(60) == 0, "librdkafka could not deliver every event in 60 s"
    assert not failures, failures
    return placed


class SteadyProducer(threading.Thread):
    """Publishes (topic, event) pairs one at a time, `every_s` apart, with librdkafka's
    defaults; each acknowledged before the next. Raises in join() what went wrong."""

    def __init__(self, bootstrap: str, events: list[tuple[str, dict]], every_s: float) -> None:
        super().__init__(daemon=True)
        self.bootstrap, self.events, self.every_s = bootstrap, events, every_s
        self.sent = 0
        self.sent_at: list[float] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for topic, event in self.events:
                produce(self.bootstrap, topic, [event])
                self.sent += 1
                self.sent_at.append(time.monotonic())
                time.sleep(self.every_s)
        except BaseException as exc:  # noqa: BLE001 - re-raised by join()
            self.error = exc

    def sent_while_rejoining(self, since: float) -> bool:
        return any(t >= since for t in self.sent_at)

    def join(self, timeout: float | None = None) -> None:
        if self.is_alive() or self.ident is not None:
            super().join(timeout)
        if self.error is not None:
            raise AssertionError(f"the steady producer failed: {self.error!r}") from self.error


class Reader:
    """A librdkafka consumer on the output and dead-letter topics, from the beginning
    (assigned, not subscribed: nothing to wait for in a group join)."""

    def __init__(self, bootstrap: str, topics: list[str]) -> None:
        self.consumer = confluent_kafka.Consumer({"bootstrap.servers": bootstrap, "group.id": f"lr-{time.time_ns()}",
                                                  "enable.auto.commit": False})
        metadata = self.consumer.list_topics(timeout=30)
        self.consumer.assign([confluent_kafka.TopicPartition(t, p, confluent_kafka.OFFSET_BEGINNING)
                              for t in topics for p in metadata.topics[t].partitions])
        self.records: dict[str, list[Any]] = defaultdict(list)

    def poll(self, seconds: float = 1.0) -> None:
        for msg in self.consumer.consume(num_messages=500, timeout=seconds):
            assert msg.error() is None, msg.error()
            self.records[msg.topic()].append(msg)

    def values(self, topic: str) -> list[dict]:
        return [json.loads(m.value()) for m in self.records[topic]]

    def close(self) -> None:
        self.consumer.close()


# -- two streams replicas, two workers ----------------------------------------------------
def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


class Replicas:
    """`shopscribe streams` and `shopscribe worker` processes, each with its own port,
    data dir and ready file, in one consumer group per kind."""

    def __init__(self, settings: Settings, work_dir: Path) -> None:
        self.settings = settings
        self.work_dir = work_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.ready: dict[str, str | Path] = {}

    def spawn(self, part: str, index: int) -> None:
        name = f"{part}{index}"
        port, ready_file = free_port(), self.work_dir / f"{name}.ready"
        own = self.settings.with_overrides(
            streams={"web_port": port, "data_dir": self.work_dir / name},
            worker={"ready_file": ready_file, "metrics_port": free_port()})
        self.ready[name] = f"http://127.0.0.1:{port}/ready" if part == "streams" else ready_file
        log = open(self.work_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child writes it until stop()
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "shopscribe", part], env={**os.environ, **settings_env(own)}, stdout=log,
            stderr=subprocess.STDOUT, preexec_fn=die_with_parent)

    def all_ready(self) -> bool:
        self.check_alive()
        return all(http_ok(r) if isinstance(r, str) else Path(r).exists() for r in self.ready.values())

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} exited with {process.returncode}; see {self.work_dir}/{name}.log"

    def kill9(self, name: str) -> None:
        process = self.processes.pop(name)
        process.kill()  # SIGKILL: no drain, no commit
        process.wait(timeout=30)
        ready = self.ready.pop(name)
        if isinstance(ready, Path):
            ready.unlink(missing_ok=True)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until(condition: Any, timeout_s: float, what: str, every: Any = None) -> None:
    """Until `condition()` is truthy; a string it returns meanwhile says what is missing."""
    deadline = time.monotonic() + timeout_s
    while (outcome := condition()) is not True:
        assert time.monotonic() < deadline, f"timed out after {timeout_s:.0f} s waiting for {what}: {outcome}"
        if every:
            every()
        else:
            time.sleep(0.25)


@pytest.fixture
def replicas(settings_factory, tmp_path) -> Iterator[Replicas]:  # noqa: ANN001
    settings = settings_factory("echo", streams={"summary_min_reviews": 3, "summary_max_wait_s": 1.0,
                                                 "summary_in_flight_timeout_s": 600.0})
    ensure_topics(settings.kafka, settings.topics)
    stack = Replicas(settings, tmp_path)
    try:
        for i in range(REPLICAS):
            stack.spawn("streams", i)
            stack.spawn("worker", i)
        wait_until(stack.all_ready, 300, "two streams replicas and two workers to be ready")
        yield stack
    finally:
        stack.stop()


# -- what the outputs must show --------------------------------------------------------------
def latest(reader: Reader, topic: str) -> dict[str, dict]:
    """Per SKU the result with the highest source_version (what any consumer keeps)."""
    out: dict[str, dict] = {}
    for value in reader.values(topic):
        if value["sku"] not in out or value["source_version"] >= out[value["sku"]]["source_version"]:
            out[value["sku"]] = value
    return out


def shortfall(reader: Reader, topics: Any, expected: dict[str, dict], versions: dict[str, int],
              letters: int) -> bool | str:
    """True once every SKU's summary has the recounted stats, every SKU's description is of
    the expected version and `letters` dead letters are out; else what is missing."""
    summaries, descriptions = latest(reader, topics.summaries), latest(reader, topics.descriptions)
    no_summary = [sku for sku in SKUS if sku not in summaries]
    wrong = [sku for sku in SKUS if sku in summaries and not same_stats(summaries[sku]["stats"], expected[sku])]
    stale = [sku for sku in SKUS if descriptions.get(sku, {}).get("source_version") != versions[sku]]
    out = sum(len(reader.records[topics.dlq(t)]) for t in (topics.products, topics.reviews))
    if no_summary or wrong or stale or out < letters:
        return (f"no summary: {no_summary}; stats differ: {wrong}; description missing or not the latest "
                f"version: {stale}; dead letters: {out} of {letters}")
    return True


def duplicates(reader: Reader, topics: Any) -> int:
    """Copies beyond the first of one result (same SKU and request id); asserts they are identical."""
    extra = 0
    for topic, identity in ((topics.descriptions, ("input_hash", "prompt_version", "source_version", "description")),
                            (topics.summaries, ("input_hash", "source_version", "summary", "stats"))):
        copies: dict[tuple, list[dict]] = defaultdict(list)
        for value in reader.values(topic):
            copies[(value["sku"], value["request_id"])].append(value)
        for key, same in copies.items():
            assert len({json.dumps([v[f] for f in identity], sort_keys=True) for v in same}) == 1, key
            extra += len(same) - 1
    return extra


def read_until_converged(reader: Reader, replicas: Replicas, done: Any, timeout_s: float, what: str) -> None:
    def keep_reading() -> None:
        replicas.check_alive()
        reader.poll(1.0)

    wait_until(done, timeout_s, what, every=keep_reading)
    for _ in range(3):  # what is still in flight, for the duplicate count
        reader.poll(1.0)


# -- the tests -----------------------------------------------------------------------------
def test_librdkafka_in_and_out_with_two_replicas_every_sku_gets_exact_stats_and_nothing_is_lost(
        replicas: Replicas) -> None:
    settings = replicas.settings
    topics = settings.topics
    bootstrap = settings.kafka.bootstrap
    product_events, bogus_product = products()
    review_events, review_letters = reviews()
    expected = recount([e for e in review_events if e not in review_letters])
    assert expected[SKUS[0]]["histogram"]["5"] >= 1  # the correction after the 2999 edit counts

    placed = produce(bootstrap, topics.products, product_events)
    placed.update(produce(bootstrap, topics.reviews, review_events))
    moved = [sku for sku in SKUS if placed[sku] != table_partition(sku.encode(), topics.partitions)]
    assert len(moved) >= len(SKUS) // 2, "the CRC32 partitioner should place most SKUs off their state partition"

    real_version = {sku: int(T0.timestamp() * 1_000_000) for sku in SKUS}
    dlqs = [topics.dlq(topics.products), topics.dlq(topics.reviews)]
    reader = Reader(bootstrap, [topics.descriptions, topics.summaries, *dlqs])
    try:
        read_until_converged(reader, replicas, lambda: shortfall(reader, topics, expected, real_version, 2), 240,
                             f"every SKU's summary with recounted stats, its description and 2 dead letters "
                             f"(SKUs off their state partition: {moved})")
    finally:
        reader.close()

    # Read back by librdkafka: key = sku, every header, a valid value.
    for topic in (topics.descriptions, topics.summaries):
        for msg in reader.records[topic]:
            value = json.loads(msg.value())
            assert msg.key() == value["sku"].encode()
            assert HEADERS <= {k for k, _ in msg.headers() or []}, msg.headers()

    # The 2999 events: dead letters with a clear reason, never state.
    letters = [json.loads(m.value()) for t in dlqs for m in reader.records[t]]
    assert sorted(letter["error"] for letter in letters) == ["future_timestamp", "future_timestamp"]
    assert all("SHOPSCRIBE_STREAMS__MAX_FUTURE_SKEW_S" in letter["reason"] for letter in letters)
    assert bogus_product["title"] not in json.dumps(reader.values(topics.descriptions))
    summaries = latest(reader, topics.summaries)
    assert all(s["source_version"] < int(FAR_FUTURE.timestamp() * 1_000_000) for s in summaries.values())

    extra = duplicates(reader, topics)
    print(f"FIGURES librdkafka_two_replicas: events_in={len(product_events) + len(review_events)} "
          f"skus={len(SKUS)} moved_off_state_partition={len(moved)} "
          f"descriptions_out={len(reader.records[topics.descriptions])} "
          f"summaries_out={len(reader.records[topics.summaries])} dead_letters={len(letters)} "
          f"lost=0 duplicates={extra}")


def test_under_steady_load_one_streams_replica_and_one_worker_killed_and_restarted_lose_nothing(
        replicas: Replicas) -> None:
    """A producer sends the second half of the reviews and the product updates at a steady
    rate; while it does, streams1 and worker1 are SIGKILLed and restarted. The pair is back
    within REJOIN_BOUND_S (the README's bound) and nothing is lost."""
    settings = replicas.settings
    topics = settings.topics
    bootstrap = settings.kafka.bootstrap
    first, _ = products()
    first = first[1:]  # the real products only
    updated = [{**p, "event_id": f"{p['event_id']}-v2", "type": "product.updated",
                "attributes": {**p["attributes"], "color": "cream"},
                "occurred_at": (T0 + timedelta(minutes=1)).isoformat()} for p in first]
    review_events, letters = reviews()
    review_events = [e for e in review_events if e not in letters]
    half = len(review_events) // 2
    expected = recount(review_events)
    later = [(topics.reviews, e) for e in review_events[half:]] + [(topics.products, p) for p in updated]
    random.Random(7).shuffle(later)

    produce(bootstrap, topics.products, first)
    produce(bootstrap, topics.reviews, review_events[:half])
    reader = Reader(bootstrap, [topics.descriptions, topics.summaries, topics.dlq(topics.products),
                                topics.dlq(topics.reviews)])
    load = SteadyProducer(bootstrap, later, every_s=LOAD_EVERY_S)
    try:
        wait_until(lambda: bool(reader.records[topics.summaries]) or "no summary yet", 240, "the first summaries",
                   every=lambda: reader.poll(1.0))
        load.start()
        wait_until(lambda: load.sent >= len(later) // 4 or f"{load.sent} sent", 120, "a quarter of the load",
                   every=lambda: reader.poll(0.25))
        for name in ("streams1", "worker1"):
            replicas.kill9(name)
        killed_during = load.sent
        restarted = time.monotonic()
        replicas.spawn("streams", 1)
        replicas.spawn("worker", 1)
        wait_until(replicas.all_ready, REJOIN_BOUND_S, "the restarted replica and worker to be ready",
                   every=lambda: reader.poll(0.25))
        rejoin_s = time.monotonic() - restarted
        load.join()
        assert killed_during < len(later) and load.sent_while_rejoining(restarted), \
            f"the kill and the rejoin must fall inside the load ({killed_during} of {len(later)} sent at the kill)"
        new_version = {sku: int((T0 + timedelta(minutes=1)).timestamp() * 1_000_000) for sku in SKUS}
        read_until_converged(reader, replicas, lambda: shortfall(reader, topics, expected, new_version, 0), 300,
                             "every SKU's recounted summary and its updated description after the restart")
    finally:
        load.join()
        reader.close()
    extra = duplicates(reader, topics)
    print(f"FIGURES librdkafka_two_replicas_kill9_under_load: events_in={len(first) + len(updated) + len(review_events)} "
          f"skus={len(SKUS)} sent_before_kill={killed_during} of_load={len(later)} rejoin_s={rejoin_s:.1f} "
          f"descriptions_out={len(reader.records[topics.descriptions])} "
          f"summaries_out={len(reader.records[topics.summaries])} lost=0 duplicates={extra}")
