"""The worker's poll lingers after its first micro-batch, like a producer's linger.ms, so a
burst that arrives as several micro-batches is generated as one call."""

from __future__ import annotations

import time
from typing import Any

from kafka import TopicPartition

from workers.worker import poll_with_linger

TP0, TP1 = TopicPartition("requests", 0), TopicPartition("requests", 1)


class ScriptedConsumer:
    """Answers each poll with the next scripted result (nothing once they run out, after
    sleeping the poll's timeout as a broker would) and records the calls."""

    def __init__(self, *answers: dict[TopicPartition, list[Any]]) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    def poll(self, timeout_ms: int, max_records: int | None = None) -> dict[TopicPartition, list[Any]]:
        self.calls.append({"timeout_ms": timeout_ms, "max_records": max_records})
        if self.answers:
            return self.answers.pop(0)
        time.sleep(timeout_ms / 1000)
        return {}


def test_micro_batches_arriving_within_the_linger_make_one_poll() -> None:
    consumer = ScriptedConsumer({TP0: ["b1"]}, {}, {TP1: ["b2"]}, {TP0: ["b3"]}, {TP1: ["b4"]}, {TP0: ["b5"]})
    polled = poll_with_linger(consumer, limit=4, linger_s=0.2)
    assert polled == {TP0: ["b1", "b3"], TP1: ["b2", "b4"]}  # a quiet moment does not end it; the limit does
    assert [c["max_records"] for c in consumer.calls[1:]] == [3, 3, 2, 1]


def test_the_linger_is_a_window_from_the_first_record() -> None:
    consumer = ScriptedConsumer({TP0: ["b1"]})
    started = time.monotonic()
    assert poll_with_linger(consumer, limit=4, linger_s=0.2) == {TP0: ["b1"]}
    assert time.monotonic() - started >= 0.15  # it waited for more
    assert all(c["timeout_ms"] <= 200 for c in consumer.calls[1:])


def test_an_empty_poll_does_not_linger() -> None:
    consumer = ScriptedConsumer()
    assert poll_with_linger(consumer, limit=4, linger_s=0.2, timeout_ms=10) == {}
    assert len(consumer.calls) == 1


def test_linger_zero_is_a_plain_poll() -> None:
    consumer = ScriptedConsumer({TP0: ["b1"]}, {TP0: ["b2"]})
    assert poll_with_linger(consumer, limit=4, linger_s=0) == {TP0: ["b1"]}
    assert len(consumer.calls) == 1


class TimedConsumer:
    """Micro-batches that reach the topic at given offsets (seconds) from the first poll."""

    def __init__(self, *arrivals: tuple[float, TopicPartition, str]) -> None:
        self.arrivals = sorted(arrivals, key=lambda a: a[0])
        self.started: float | None = None

    def poll(self, timeout_ms: int, max_records: int | None = None) -> dict[TopicPartition, list[Any]]:
        self.started = self.started or time.monotonic()
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            now = time.monotonic() - self.started
            ready = [a for a in self.arrivals if a[0] <= now][:max_records]
            if ready or time.monotonic() >= deadline:
                break
            time.sleep(0.005)
        out: dict[TopicPartition, list[Any]] = {}
        for arrival in ready:
            self.arrivals.remove(arrival)
            out.setdefault(arrival[1], []).append(arrival[2])
        return out


def test_a_burst_waits_longer_for_its_late_micro_batches() -> None:
    consumer = TimedConsumer((0.0, TP0, "b1"), (0.0, TP1, "b2"), (0.0, TP0, "b3"), (0.5, TP1, "b4"))
    polled = poll_with_linger(consumer, limit=4, linger_s=0.2, burst_linger_s=1.0)
    assert polled == {TP0: ["b1", "b3"], TP1: ["b2", "b4"]}  # b4 came after the plain linger


def test_a_lone_micro_batch_waits_only_the_plain_linger() -> None:
    # b2 arrives after the plain linger but well within the burst window: a lone batch does
    # not wait for it (the margins are wide so a loaded machine cannot blur them).
    consumer = TimedConsumer((0.0, TP0, "b1"), (3.0, TP1, "b2"))
    assert poll_with_linger(consumer, limit=4, linger_s=0.2, burst_linger_s=8.0) == {TP0: ["b1"]}


def test_a_burst_stops_waiting_at_the_end_of_its_window() -> None:
    consumer = TimedConsumer((0.0, TP0, "b1"), (0.0, TP1, "b2"), (8.0, TP0, "b3"))
    started = time.monotonic()
    assert poll_with_linger(consumer, limit=4, linger_s=0.2, burst_linger_s=0.6) == {TP0: ["b1"], TP1: ["b2"]}
    assert time.monotonic() - started >= 0.5  # it waited out the burst window (and not for b3)
