"""The one consumer loop: offsets are committed only once what was handled is durable;
a revoke checkpoints what is handled, never a batch in hand; partitions stay paused while
the loop holds them; SIGTERM finishes the batch in hand, commits it and returns."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from kafka import TopicPartition
from kafka.errors import CommitFailedError

from foundation.consumer import ConsumerLoop, Polled

TP0, TP1, TP2 = TopicPartition("t", 0), TopicPartition("t", 1), TopicPartition("t", 2)


def records(*offsets: int) -> list[Any]:
    return [SimpleNamespace(offset=o) for o in offsets]


class FakeConsumer:
    """The part of KafkaConsumer the loop uses. Each poll answers the next script entry: a
    poll result, or a function run inside the poll (a rebalance) that returns one."""

    def __init__(self, *script: Polled | Callable[[], Polled], assigned: set[TopicPartition] | None = None) -> None:
        self.script = list(script)
        self.assigned = set(assigned if assigned is not None else {TP0, TP1})
        self.paused: set[TopicPartition] = set()
        self.commits: list[dict[TopicPartition, int]] = []
        self.async_commits: list[dict[TopicPartition, int]] = []
        self.seeks: list[tuple[TopicPartition, int]] = []
        self.listener: Any = None
        self.refuse_commit = False
        self.events: list[str] = []

    def subscribe(self, topics: list[str], listener: Any) -> None:
        self.listener = listener

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> Polled:
        if not self.script:
            return {}
        answer = self.script.pop(0)
        return answer() if callable(answer) else answer

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    def pause(self, *tps: TopicPartition) -> None:
        self.paused |= set(tps)

    def resume(self, *tps: TopicPartition) -> None:
        self.paused -= set(tps)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.seeks.append((tp, offset))

    def commit(self, offsets: dict) -> None:
        if self.refuse_commit:
            raise CommitFailedError("the group rebalanced")
        self.events.append("commit")
        self.commits.append({tp: meta.offset for tp, meta in offsets.items()})

    def commit_async(self, offsets: dict) -> Any:
        self.events.append("commit_async")
        self.async_commits.append({tp: meta.offset for tp, meta in offsets.items()})

        async def acked() -> None:
            return None

        return acked()

    # a rebalance, as kafka-python runs it inside a poll
    def rebalance(self, revoked: set[TopicPartition], assigned: set[TopicPartition]) -> None:
        asyncio.run(self.listener.on_partitions_revoked(revoked))
        self.assigned = set(assigned)
        asyncio.run(self.listener.on_partitions_assigned(assigned))


def make_loop(consumer: FakeConsumer, handle: Callable[[Polled], None] | None = None,
              flush: Callable[[], None] | None = None, **kwargs: Any) -> ConsumerLoop:
    def default_handle(polled: Polled) -> None:
        consumer.events.append("handle")

    def default_flush() -> None:
        consumer.events.append("flush")

    loop = ConsumerLoop(consumer, handle or default_handle, flush or default_flush, name="test", **kwargs)  # type: ignore[arg-type]
    loop.subscribe(["t"])
    return loop


def stop_after(n_polls: int) -> Callable[[Polled], bool]:
    seen = []

    def until(polled: Polled) -> bool:
        seen.append(polled)
        return len(seen) >= n_polls

    return until


def test_offsets_are_committed_only_after_the_batch_is_made_durable() -> None:
    consumer = FakeConsumer({TP0: records(4, 5), TP1: records(9)})
    make_loop(consumer).run(until=stop_after(1))
    assert consumer.events[:3] == ["handle", "flush", "commit"]
    assert consumer.commits[0] == {TP0: 6, TP1: 10}  # the next offset to read


def test_a_failed_flush_commits_nothing_and_the_error_propagates() -> None:
    consumer = FakeConsumer({TP0: records(0)})

    def broken_flush() -> None:
        raise OSError("the store is gone")

    with pytest.raises(OSError, match="store is gone"):
        make_loop(consumer, flush=broken_flush).run(until=stop_after(1))
    assert consumer.commits == [] and consumer.async_commits == []


def test_after_a_failed_handle_not_even_a_revoke_commits() -> None:
    consumer = FakeConsumer({TP0: records(0)}, {TP1: records(3)})
    handled = []

    def handle(polled: Polled) -> None:
        handled.append(polled)
        if len(handled) == 2:
            raise ValueError("bad batch")

    loop = make_loop(consumer, handle=handle, checkpoint_every_poll=False)
    with pytest.raises(ValueError, match="bad batch"):
        loop.run()
    consumer.rebalance(revoked={TP0, TP1}, assigned=set())  # KafkaConsumer.close() revokes
    assert consumer.commits == [] and consumer.async_commits == []


def test_without_a_checkpoint_per_poll_the_end_of_the_run_flushes_and_commits_once() -> None:
    consumer = FakeConsumer({TP0: records(0, 1)}, {TP1: records(7)}, {TP0: records(2)})
    make_loop(consumer, checkpoint_every_poll=False).run(until=stop_after(3))
    assert consumer.events == ["handle", "handle", "handle", "flush", "commit"]
    assert consumer.commits == [{TP0: 3, TP1: 8}]


def test_a_revoke_between_polls_checkpoints_what_was_handled_before_the_partitions_go() -> None:
    consumer = FakeConsumer({TP0: records(0, 1)}, lambda: consumer.rebalance({TP0, TP1}, {TP1}) or {})
    make_loop(consumer, checkpoint_every_poll=False).run(until=stop_after(2))
    assert consumer.events[:3] == ["handle", "flush", "commit_async"]
    assert consumer.async_commits == [{TP0: 2}]
    assert consumer.commits == []  # nothing left for the end of the run


def test_a_revoke_during_a_batch_leaves_its_commit_to_the_batch_for_partitions_still_owned() -> None:
    consumer = FakeConsumer({TP0: records(0), TP1: records(5)})

    def handle(polled: Polled) -> None:
        consumer.rebalance(revoked={TP0, TP1}, assigned={TP0})  # inside a keep-alive poll
        assert consumer.async_commits == [], "the batch is not durable yet"

    make_loop(consumer, handle=handle).run(until=stop_after(1))
    assert consumer.commits == [{TP0: 1}]  # TP1's new owner redelivers offset 5


def test_partitions_assigned_while_holding_stay_paused_until_the_hold_ends() -> None:
    consumer = FakeConsumer()
    loop = make_loop(consumer)
    with loop.hold():
        assert consumer.paused == {TP0, TP1}
        consumer.rebalance(revoked={TP0, TP1}, assigned={TP0, TP2})
        assert TP2 in consumer.paused
    assert consumer.paused == {TP1}  # resumed: every held partition still ours, not the revoked one


def test_a_keep_alive_poll_rewinds_records_that_slipped_through_a_hold() -> None:
    consumer = FakeConsumer({TP2: records(12, 13)})
    loop = make_loop(consumer)
    with loop.hold():
        loop.keep_alive()
        assert TP2 in consumer.paused
    assert consumer.seeks == [(TP2, 12)]


def test_partitions_lost_to_an_eviction_are_not_committed() -> None:
    consumer = FakeConsumer({TP0: records(0)},
                            lambda: asyncio.run(consumer.listener.on_partitions_lost({TP0})) or {})
    make_loop(consumer, checkpoint_every_poll=False).run(until=stop_after(2))
    assert consumer.commits == [] and consumer.async_commits == []


def test_a_commit_refused_by_a_rebalance_is_counted_and_the_loop_goes_on() -> None:
    consumer = FakeConsumer({TP0: records(0)}, {TP0: records(1)})
    consumer.refuse_commit = True
    loop = make_loop(consumer)
    loop.run(until=stop_after(2))
    assert loop.stats.commit_failures == 2 and loop.stats.polls == 2


@pytest.fixture
def restore_signals() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.usefixtures("restore_signals")
def test_sigterm_finishes_the_batch_in_hand_commits_it_and_returns() -> None:
    consumer = FakeConsumer({TP0: records(0, 1)}, {TP0: records(2)})

    def handle(polled: Polled) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # arrives mid-batch
        consumer.events.append("handled")

    loop = make_loop(consumer, handle=handle)
    loop.install_signal_handlers()
    loop.run()
    assert consumer.events == ["handled", "flush", "commit", "flush"]  # then the loop's last checkpoint
    assert consumer.commits == [{TP0: 2}]
    assert len(consumer.script) == 1  # the next batch was never polled
