"""The one consumer loop: poll -> handle -> make durable -> commit (kafka-python).

The worker, the sinks and replay differ only in what they do with a poll and in how they
make it durable; the loop owns the rest, as Quix Streams' checkpoint owns its sinks:

- `handle(polled)` processes one poll (it may only buffer);
- a *checkpoint* calls `flush()`, which makes everything handled so far durable (publish
  and wait for acks, commit a transaction, generate from folded state), and only when it
  returns commits the offsets handled: at-least-once. If `handle` or `flush` raises,
  nothing more is committed and the error propagates, so a crash redelivers;
- a checkpoint follows every poll, or (`checkpoint_every_poll=False`) only on a revoke and
  when the loop ends;
- the rebalance listener checkpoints what is handled before partitions are revoked (only
  `checkpoint_every_poll=False` has any then), never offsets of a batch still in `handle`
  nor of partitions lost to an eviction, and keeps pause bookkeeping: partitions assigned
  while the loop `hold`s its partitions (a long generation) are paused too, and every held
  one still assigned is resumed after. kafka-python 3 runs listeners on its IO thread,
  where a blocking `commit` raises, so the listener is its async kind and awaits
  `commit_async`; a revoke's `flush` runs on that thread;
- SIGTERM/SIGINT (when installed) stop the loop after the batch in hand: it is finished,
  made durable and committed, then `run` returns and the caller closes its clients.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.consumer.subscription_state import AsyncConsumerRebalanceListener
from kafka.errors import CommitFailedError, RebalanceInProgressError
from kafka.structs import OffsetAndMetadata

from foundation.logging import get_logger

log = get_logger(__name__)

# A commit the group's rebalance overtook; kafka-python 3 raises RebalanceInProgressError for
# it as well (seen when another member was killed), not only CommitFailedError.
_REBALANCED = (CommitFailedError, RebalanceInProgressError)

Polled = dict[TopicPartition, list[ConsumerRecord]]
Handle = Callable[[Polled], None]
Flush = Callable[[], None]
Poll = Callable[[KafkaConsumer], Polled]
Until = Callable[[Polled], bool]

POLL_TIMEOUT_MS = 200


@dataclass
class LoopStats:
    polls: int = 0            # polls that returned records
    records: int = 0          # records handled
    checkpoints: int = 0      # successful flushes
    commits: int = 0
    commit_failures: int = 0  # commits a rebalance refused (the new owner redelivers)


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT set `stop` (main thread only): a loop watching it drains and ends."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())


def _nothing_to_flush() -> None:
    """For handlers whose `handle` is durable on return (a committed DB transaction)."""


class ConsumerLoop:
    """One consumer's poll -> handle -> flush -> commit loop. It does not create or close
    the consumer (its caller configures it: group, `enable_auto_commit=False`, limits)."""

    def __init__(self, consumer: KafkaConsumer, handle: Handle, flush: Flush = _nothing_to_flush, *,
                 name: str, poll: Poll | None = None, checkpoint_every_poll: bool = True,
                 stop: threading.Event | None = None) -> None:
        self.consumer = consumer
        self.name = name
        self.stats = LoopStats()
        self.stopping = stop or threading.Event()
        self._handle = handle
        self._flush = flush
        self._poll = poll or (lambda c: c.poll(timeout_ms=POLL_TIMEOUT_MS))
        self._every_poll = checkpoint_every_poll
        self._pending: dict[TopicPartition, int] = {}  # handled, not yet committed: next offset
        self._busy = False  # in `handle` or its checkpoint: a revoke leaves the batch to them
        self._failed = False  # an error ended the loop: commit nothing more, not even on close
        self._holding = False
        self._held: set[TopicPartition] = set()

    # -- setup ---------------------------------------------------------------------------
    def subscribe(self, topics: list[str]) -> None:
        """Join the consumer's group on `topics`, with this loop's rebalance listener."""
        self.consumer.subscribe(topics, listener=_Listener(self))

    def assign(self, start: dict[TopicPartition, int]) -> None:
        """Read these partitions from these offsets, outside any group rebalance (replay)."""
        self.consumer.assign(list(start))
        for tp, offset in start.items():
            self.consumer.seek(tp, offset)

    def install_signal_handlers(self) -> None:
        """SIGTERM/SIGINT stop the loop after its batch in hand (main thread only)."""
        stop_on_signals(self.stopping)

    def stop(self) -> None:
        self.stopping.set()

    # -- running -------------------------------------------------------------------------
    def run(self, until: Until | None = None) -> None:
        """Poll, handle and checkpoint until stopped or `until(polled)` (asked after every
        poll and its checkpoint) says done; then checkpoint what is left and return. An
        error from `handle`, `flush` or `until` propagates with nothing more committed."""
        try:
            while not self.stopping.is_set():
                polled = self.poll_once()
                if until is not None and until(polled):
                    break
            self.checkpoint()
        except BaseException:
            self._failed = True
            raise

    def poll_once(self) -> Polled:
        """One poll, handled, and checkpointed when the loop checkpoints every poll."""
        try:
            polled = self._poll(self.consumer)
            if polled:
                self._busy = True
                try:
                    self._handle(polled)
                    self.stats.polls += 1
                    for tp, records in polled.items():
                        self.stats.records += len(records)
                        self._pending[tp] = max(self._pending.get(tp, 0), records[-1].offset + 1)
                    if self._every_poll:
                        self.checkpoint()
                finally:
                    self._busy = False
        except BaseException:
            self._failed = True
            raise
        return polled

    def checkpoint(self) -> None:
        """Make everything handled durable (`flush`), then commit its offsets."""
        offsets = self._flushed_offsets()
        if not offsets:
            return
        try:
            self.consumer.commit(offsets)
        except _REBALANCED as exc:
            self._commit_failed(exc)
        else:
            self.stats.commits += 1

    def _flushed_offsets(self) -> dict[TopicPartition, OffsetAndMetadata]:
        self._flush()
        self.stats.checkpoints += 1
        pending, self._pending = self._pending, {}
        # Only partitions still ours: an offset committed for a partition that a rebalance
        # gave to another member would move that member's position under it.
        assigned = self.consumer.assignment()
        if lost := sorted(str(tp) for tp in pending if tp not in assigned):
            log.info("commit_skipped_for_revoked_partitions", loop=self.name, partitions=lost)
        return {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in pending.items() if tp in assigned}

    def _commit_failed(self, exc: Exception) -> None:
        # The group rebalanced under the batch: the partitions' new owner redelivers, and
        # the duplicates are harmless (idempotent consumers, results keyed and versioned).
        self.stats.commit_failures += 1
        log.warning("commit_failed_after_rebalance", loop=self.name, error=str(exc))

    # -- long work -----------------------------------------------------------------------
    @contextmanager
    def hold(self) -> Iterator[None]:
        """Pause every assigned partition for the duration (and any assigned meanwhile), so
        that `keep_alive` polls keep the group membership without fetching; resume after."""
        self._held = set(self.consumer.assignment())
        self._holding = True
        self.consumer.pause(*self._held)
        try:
            yield
        finally:
            self._holding = False
            still = self._held & set(self.consumer.assignment())
            self._held = set()
            self.consumer.resume(*still)

    def keep_alive(self) -> None:
        """A poll that only keeps the membership (heartbeats, rebalances) while `hold`ing."""
        # Partitions the listener paused return nothing; should a fetch slip through (a
        # partition assigned between two callbacks), rewind it so it is fetched again.
        for tp, records in self.consumer.poll(timeout_ms=0).items():
            self.consumer.seek(tp, records[0].offset)
            self.consumer.pause(tp)
            self._held.add(tp)

    # -- rebalances (called on kafka-python's IO thread, inside a `poll`) ----------------
    async def on_revoked(self, revoked: Collection[TopicPartition]) -> None:
        self._held -= set(revoked)
        if self._failed or self._busy or not any(tp in self._pending for tp in revoked):
            # Inside `handle` (a keep-alive poll) the batch is not durable yet: its commit
            # comes after it, for the partitions still ours. After an error, nothing more.
            return
        log.info("checkpoint_on_revoke", loop=self.name, partitions=sorted(str(tp) for tp in revoked))
        offsets = self._flushed_offsets()
        if not offsets:
            return
        try:
            await self.consumer.commit_async(offsets)
        except _REBALANCED as exc:
            self._commit_failed(exc)
        else:
            self.stats.commits += 1

    async def on_assigned(self, assigned: Collection[TopicPartition]) -> None:
        if self._holding and assigned:
            self.consumer.pause(*assigned)
            self._held |= set(assigned)

    async def on_lost(self, lost: Collection[TopicPartition]) -> None:
        # Evicted: the group has moved on, a commit would be refused; the new owners redeliver.
        self._held -= set(lost)
        for tp in lost:
            self._pending.pop(tp, None)
        log.warning("partitions_lost", loop=self.name, partitions=sorted(str(tp) for tp in lost))


class _Listener(AsyncConsumerRebalanceListener):
    def __init__(self, loop: ConsumerLoop) -> None:
        self.loop = loop

    async def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        await self.loop.on_revoked(revoked)

    async def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        await self.loop.on_assigned(assigned)

    async def on_partitions_lost(self, lost: Collection[TopicPartition]) -> None:
        await self.loop.on_lost(lost)
