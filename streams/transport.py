"""Faust's aiokafka transport, with table recovery reading each changelog to its true end.

Faust rebuilds a table by reading its changelog up to the end offsets that ListOffsets
reports. The embedded broker (tansu 0.6) reports the last record batch's base offset + 1,
short of the end when that batch holds several records; recovery then stopped before
the last writes, while the source offsets committed after them stayed committed, and
those events were lost (tests/faults, streams kill -9: a SKU's summary short by the
reviews of its last changelog batch). A fetch response's high watermark is right on
every broker, so recovery here takes the larger of the two, as `log_end_offsets` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from faust.transport.drivers import aiokafka as driver
from faust.types import TP
from kafka import KafkaConsumer, TopicPartition

from shopscribe.clients import log_end_offsets
from shopscribe.kafka import kafka_python_config
from shopscribe.settings import KafkaSettings

LogEnds = Callable[[list[TopicPartition]], dict[TopicPartition, int]]


def fetched_log_ends(kafka: KafkaSettings) -> LogEnds:
    """Log ends per partition from a short-lived kafka-python consumer (blocking)."""

    def log_ends(partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        consumer = KafkaConsumer(**kafka_python_config(kafka), group_id=None, enable_auto_commit=False)
        try:
            return log_end_offsets(consumer, partitions)
        finally:
            consumer.close()

    return log_ends


class TrueEndConsumerThread(driver.AIOKafkaConsumerThread):
    """Recovery highwaters: the larger of ListOffsets and `log_ends` (bound by `transport_class`)."""

    log_ends: LogEnds

    async def _highwaters(self, partitions: list[TP]) -> Mapping[TP, int]:
        listed = dict(await super()._highwaters(partitions))
        if not listed or self.consumer.in_transaction:  # there the last stable offset is the end
            return listed
        fetched = await asyncio.to_thread(self.log_ends, [TopicPartition(tp.topic, tp.partition) for tp in listed])
        return {tp: max(end, fetched.get(TopicPartition(tp.topic, tp.partition), 0)) for tp, end in listed.items()}


def transport_class(log_ends: LogEnds) -> type[driver.Transport]:
    """The aiokafka Transport whose consumer thread is a `TrueEndConsumerThread` on `log_ends`."""

    bound = log_ends

    class ConsumerThread(TrueEndConsumerThread):
        log_ends = staticmethod(bound)

    class Consumer(driver.Consumer):
        thread_class = ConsumerThread

        def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
            return self.thread_class(self, loop=self.loop, beacon=self.beacon)

    class Transport(driver.Transport):
        pass

    Transport.Consumer = Consumer
    return Transport


def use_true_log_ends(app: Any, log_ends: LogEnds) -> None:
    """Give `app` the transport above; call before anything touches `app.transport`."""
    app.transport = transport_class(log_ends)(app.conf.broker_consumer, app)
