"""Faust's aiokafka transport with two fixes for lost events: table recovery reads each
changelog to its true end, and the fetch loop never counts a message as read that it did
not deliver.

Faust rebuilds a table by reading its changelog up to the end offsets that ListOffsets
reports. The embedded broker (tansu 0.6) reports the last record batch's base offset + 1,
short of the end when that batch holds several records; recovery then stopped before
the last writes, while the source offsets committed after them stayed committed, and
those events were lost (tests/faults, streams kill -9: a SKU's summary short by the
reviews of its last changelog batch). A fetch response's high watermark is right on
every broker, so recovery here takes the larger of the two, as `log_end_offsets` does.

Faust's fetch loop lost single messages around the rebalances of a restart (tests/faults,
streams kill -9: an agent batch jumped from offset 101 to 103 of a partition, and the
commits then passed 102, faust-streaming#606). Records fetched before a seek kept
advancing the read offset after it, so the re-fetched 102 was dropped as already read;
and a delivery cancelled by a flow stop counted as read all the same. Here the records
of a partition fetched before its latest seek are skipped and the partition is sought
back to where reading resumes, so they are fetched again; a cancelled delivery rewinds
its partition to that message.

The transport is the named driver `shopscribe-aiokafka://` (the `faust.transports` entry
point in pyproject.toml; faust picks a driver by the broker URL's scheme), so an App built
with `broker_url(...)` gets it the way faust expects, not by assignment to `app.transport`.
It reaches into faust internals: `_drain_messages` is copied from faust-streaming 0.15.3,
`_highwaters` and `_new_consumer_thread` are overridden, and the copy uses the private
`_read_offset`, `_add_gap`, `_commit_every`, `_n_acked` and `_stopped`.
tests/unit/streams/test_transport.py pins the faust sources it copies or overrides by
sha256, so an upgrade fails there until someone re-checks the fix.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, cast

from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as driver
from faust.types import TP
from kafka import KafkaConsumer, TopicPartition
from mode import Service, ServiceT

from foundation.kafka import log_end_offsets
from foundation.logging import get_logger
from foundation.settings import KafkaSettings

log = get_logger(__name__)

SCHEME = "shopscribe-aiokafka"  # the entry point's name in pyproject.toml


def broker_url(kafka: KafkaSettings) -> str:
    """Faust's `broker` setting that selects this transport."""
    return ";".join(f"{SCHEME}://{host.strip()}" for host in kafka.bootstrap.split(","))


def fetched_log_ends(config: Mapping[str, Any], partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
    """Log ends per partition from a short-lived kafka-python consumer on `config` (blocking)."""
    consumer = KafkaConsumer(**config, group_id=None, enable_auto_commit=False)
    try:
        return log_end_offsets(consumer, partitions)
    finally:
        consumer.close()


class TrueEndConsumerThread(driver.AIOKafkaConsumerThread):
    """Recovery highwaters: the larger of ListOffsets and the fetched log ends."""

    def kafka_python_config(self) -> dict[str, Any]:
        """The servers and auth of this thread's aiokafka consumer, for kafka-python (the
        auth keyword names are the same in both clients)."""
        transport = cast(driver.Transport, self.transport)
        conf = self.app.conf
        return {
            "bootstrap_servers": driver.server_list(transport.url, transport.default_port),
            "request_timeout_ms": int(conf.broker_request_timeout * 1000),
            **driver.credentials_to_aiokafka_auth(conf.broker_credentials, conf.ssl_context),
        }

    def log_ends(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return fetched_log_ends(self.kafka_python_config(), partitions)

    async def _highwaters(self, partitions: list[TP]) -> Mapping[TP, int]:
        listed = dict(await super()._highwaters(partitions))
        if not listed or self.consumer.in_transaction:  # there the last stable offset is the end
            return listed
        fetched = await asyncio.to_thread(self.log_ends, [TopicPartition(tp.topic, tp.partition) for tp in listed])
        return {tp: max(end, fetched.get(TopicPartition(tp.topic, tp.partition), 0)) for tp, end in listed.items()}


class RewindingConsumer(driver.Consumer):
    """Faust's fetch loop (faust/transport/consumer.py, `_drain_messages`, 0.15.3), changed
    only where it lost messages: see the module docstring."""

    _seeks: defaultdict[TP, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seeks = defaultdict(int)  # per partition: seeks so far, to spot fetches from before one

    async def perform_seek(self) -> None:
        await super().perform_seek()
        for tp in list(self._read_offset):  # it set the read offset of every partition it seeked
            self._seeks[tp] += 1

    async def seek(self, partition: TP, offset: int) -> None:
        await super().seek(partition, offset)
        self._seeks[partition] += 1

    async def _drain_messages(self, fetcher: ServiceT) -> None:  # pragma: no cover - run by tests/faults
        consumer_should_stop = cast(Service, self)._stopped.is_set
        fetcher_should_stop = cast(Service, fetcher)._stopped.is_set
        acks_enabled_for = self.app.topics.acks_enabled_for
        read_offset = self._read_offset
        since_yield = 0
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                self.diag.set_flag(CONSUMER_FETCHING)
                # Taken before the fetch: a seek while it waits (a rebalance's seek to the
                # committed offsets) makes what it returns stale too.
                seeks = dict(self._seeks)
                stale: set[TP] = set()
                batch = self.getmany(timeout=1.0)
                await self.sleep(0)  # getmany may loop without releasing the event loop
                if not self.should_stop:
                    async for tp, message in batch:
                        since_yield += 1
                        if since_yield > 100:  # let the streams run now and then
                            await asyncio.sleep(0)
                            since_yield = 0
                        if self._seeks[tp] != seeks.get(tp, 0):
                            if tp not in stale:
                                stale.add(tp)
                                await self._refetch(tp, message.offset)
                            continue  # fetched before a seek of its partition: fetched again after it
                        offset = message.offset
                        last = read_offset[tp]
                        if last is not None and offset < last:
                            continue  # already delivered (Faust logs "DROPPED MESSAGE" here)
                        if last and offset - last > 1 and acks_enabled_for(message.topic):
                            await self._add_gap(tp, last + 1, offset)
                        if self._commit_every is not None and self._n_acked >= self._commit_every:
                            self._n_acked = 0
                            await self.commit()
                        delivery = self.callback(message)
                        waited = await self.wait_first(delivery, self.suspend_flow.wait())
                        if waited.stopped:
                            return
                        if delivery not in waited.done:
                            await self._rewind(tp, offset)
                            continue
                        read_offset[tp] = offset
                if stale:
                    log.info("fetch_before_seek_skipped", partitions=sorted(f"{tp.topic}[{tp.partition}]" for tp in stale))
                self.diag.unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                return
            raise
        except Exception:
            self.log.exception("Drain messages raised")
            raise
        finally:
            self.diag.unset_flag(CONSUMER_FETCHING)

    def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
        return TrueEndConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _refetch(self, tp: TP, offset: int) -> None:
        """Seek a partition whose fetched records are being skipped back to where reading
        resumes: the latest seek's target (kept as its read offset), or this record. Without
        it the skipped records were fetched again only if the consumer's position had not
        passed them yet; when it had, they were never read (tests/faults, streams kill -9: a
        fetch that held every record left of four partitions was skipped, and the restarted
        streams published nothing more)."""
        last = self._read_offset[tp]
        if tp in self.assignment():
            await self.seek(tp, min(offset, last) if last is not None else offset)

    async def _rewind(self, tp: TP, offset: int) -> None:
        log.warning("delivery_interrupted_rewinding", topic=tp.topic, partition=tp.partition, offset=offset)
        if tp in self.assignment():  # else its new owner reads it from the committed offset
            await self.seek(tp, offset)


class Transport(driver.Transport):
    """faust's aiokafka transport with the consumer above (entry point `shopscribe-aiokafka`)."""

    Consumer = RewindingConsumer
