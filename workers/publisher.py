"""Publishes results keyed by SKU and waits for acks=all: callers commit input offsets
only after `publish` returns."""

from __future__ import annotations

from kafka import KafkaProducer

from foundation.logging import get_logger
from foundation.metrics import Metrics
from foundation.settings import Settings
from schemas import DescriptionResult, encode, headers
from workers.handler import Result

log = get_logger(__name__)


class ResultPublisher:
    def __init__(self, producer: KafkaProducer, settings: Settings, metrics: Metrics) -> None:
        self.producer = producer
        self.settings = settings
        self.metrics = metrics

    def topic_for(self, result: Result) -> str:
        topics = self.settings.topics
        return topics.descriptions if isinstance(result, DescriptionResult) else topics.summaries

    def publish(self, results: list[Result]) -> None:
        futures = []
        for result in results:
            topic = self.topic_for(result)
            futures.append(self.producer.send(
                topic, key=result.sku.encode(), value=encode(result),
                headers=headers(result, model=result.model, prompt_version=result.prompt_version, method=result.method)))
            self.metrics.end_to_end_latency.labels(kind="description" if isinstance(result, DescriptionResult) else "summary").observe(
                max(0.0, result.generated_at_ms / 1000 - result.source_version / 1_000_000))
            log.info("result_published", sku=result.sku, request_id=result.request_id, method=result.method,
                     topic=topic, latency_ms=result.latency_ms)
        self.producer.flush()
        for future in futures:
            future.get(timeout=self.settings.kafka.request_timeout_s)  # raises if not acknowledged
