"""Bad input becomes a DeadLetter on `<topic>.dlq`: the `errs` stream, made durable."""

from __future__ import annotations

import time

import faust
from faust.types import EventT

from foundation.logging import get_logger
from foundation.metrics import Metrics
from schemas import DeadLetter, encode, headers

log = get_logger(__name__)


class DeadLetterSink:
    def __init__(self, app: faust.App, metrics: Metrics) -> None:
        self._app = app
        self._metrics = metrics
        self._topics: dict[str, faust.TopicT] = {}

    def _topic(self, name: str) -> faust.TopicT:
        if name not in self._topics:
            self._topics[name] = self._app.topic(name, key_serializer="raw", value_serializer="raw")
        return self._topics[name]

    async def send(self, event: EventT, error: str, reason: str) -> None:
        """Publish and wait for the broker's ack, so the input offset is committed only
        after its dead letter is durable."""
        message = event.message
        letter = DeadLetter.of(
            error=error, reason=reason, topic=message.topic, partition=message.partition, offset=message.offset,
            key=message.key, value=message.value, failed_at_ms=int(time.time() * 1000),
        )
        dlq = f"{message.topic}.dlq"
        future = await self._topic(dlq).send(key=message.key, value=encode(letter), headers=headers(letter, error=error))
        await future
        self._metrics.dead_letters.labels(topic=message.topic, error=error).inc()
        log.warning("dead_letter", topic=message.topic, partition=message.partition, offset=message.offset,
                    error=error, reason=reason)
