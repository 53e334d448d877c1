"""A commit overtaken by a rebalance is not a crash: kafka-python 3 raises
RebalanceInProgressError for it (seen when a second worker was killed: the surviving
worker exited 1). The partitions' new owner redelivers; duplicates are harmless."""

from types import SimpleNamespace
from typing import Any

from kafka import TopicPartition
from kafka.errors import RebalanceInProgressError

from foundation.consumer import ConsumerLoop

TP0 = TopicPartition("t", 0)


class RebalancingConsumer:
    """Polls one record, then refuses the commit as a broker mid-rebalance does."""

    def __init__(self) -> None:
        self.polls = [{TP0: [SimpleNamespace(offset=7)]}]

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict:
        return self.polls.pop(0) if self.polls else {}

    def assignment(self) -> set[TopicPartition]:
        return {TP0}

    def commit(self, offsets: Any) -> None:
        raise RebalanceInProgressError("Offset commit cannot be completed since the consumer is undergoing a rebalance")


def test_a_commit_refused_mid_rebalance_is_counted_and_the_loop_keeps_running() -> None:
    handled: list[int] = []
    loop = ConsumerLoop(RebalancingConsumer(), lambda polled: handled.extend(r.offset for r in polled[TP0]),  # type: ignore[arg-type]
                        name="test")
    loop.poll_once()  # raised RebalanceInProgressError out of the loop before the fix
    assert handled == [7]
    assert loop.stats.commit_failures == 1 and loop.stats.commits == 0
