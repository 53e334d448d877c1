"""The worker's poll lingers while a burst's micro-batches keep arriving, and no longer."""

from __future__ import annotations

from typing import Any

from kafka import TopicPartition

from workers.worker import poll_with_linger

TP0, TP1 = TopicPartition("requests", 0), TopicPartition("requests", 1)


class ScriptedConsumer:
    """Answers each poll with the next scripted result (then nothing) and records the calls."""

    def __init__(self, *answers: dict[TopicPartition, list[Any]]) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    def poll(self, timeout_ms: int, max_records: int | None = None) -> dict[TopicPartition, list[Any]]:
        self.calls.append({"timeout_ms": timeout_ms, "max_records": max_records})
        return self.answers.pop(0) if self.answers else {}


def test_micro_batches_arriving_within_the_linger_make_one_poll() -> None:
    consumer = ScriptedConsumer({TP0: ["b1"]}, {TP1: ["b2"]}, {TP0: ["b3"]}, {TP1: ["b4"]}, {TP0: ["b5"]})
    polled = poll_with_linger(consumer, limit=4, linger_s=0.1)
    assert polled == {TP0: ["b1", "b3"], TP1: ["b2", "b4"]}  # stops at the limit; b5 waits for the next poll
    assert [c["max_records"] for c in consumer.calls] == [None, 3, 2, 1]
    assert all(c["timeout_ms"] == 100 for c in consumer.calls[1:])


def test_the_linger_ends_at_the_first_quiet_wait() -> None:
    consumer = ScriptedConsumer({TP0: ["b1"]}, {}, {TP0: ["late"]})
    assert poll_with_linger(consumer, limit=4, linger_s=0.1) == {TP0: ["b1"]}
    assert len(consumer.calls) == 2


def test_an_empty_poll_does_not_linger() -> None:
    consumer = ScriptedConsumer({})
    assert poll_with_linger(consumer, limit=4, linger_s=0.1) == {}
    assert len(consumer.calls) == 1


def test_linger_zero_is_a_plain_poll() -> None:
    consumer = ScriptedConsumer({TP0: ["b1"]}, {TP0: ["b2"]})
    assert poll_with_linger(consumer, limit=4, linger_s=0) == {TP0: ["b1"]}
    assert len(consumer.calls) == 1
