"""The product agent: validate -> hash -> skip unchanged -> micro-batch into requests.

Events are read as raw bytes so that nothing a producer sends can crash the agent: every
record is either a request, a counted skip, or a dead letter (invalid, or dated beyond the
clock-skew margin in the future: `streams/intake.py`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import faust
from faust.types import EventT

from foundation.logging import get_logger
from foundation.metrics import Metrics
from foundation.settings import Settings
from schemas import (
    DescriptionRequest,
    GenerationBatch,
    ProductEvent,
    encode,
    headers,
)
from schemas.hashing import input_hash
from streams.dead_letters import DeadLetterSink
from streams.intake import Rejected, admit
from streams.supervision import Supervision

log = get_logger(__name__)


@dataclass(frozen=True)
class Decision:
    """What to do with one valid product event, given what was last requested for its SKU."""

    request: bool
    reason: str  # "new" | "changed" | "unchanged" | "stale"


def decide(event: ProductEvent, digest: str, last: dict | None) -> Decision:
    if last is None:
        return Decision(True, "new")
    if event.source_version < last["source_version"]:
        # An older event delivered late (or replayed) must not overwrite newer content.
        return Decision(False, "stale")
    if digest == last["hash"]:
        return Decision(False, "unchanged")
    return Decision(True, "changed")


def batch_id_for(events: list[EventT]) -> str:
    """Derived from where the batch's first record sits, so a redelivered batch keeps its id."""
    first = events[0].message
    return f"{first.topic}-{first.partition}-{first.offset}"


def register_product_agent(app: faust.App, settings: Settings, metrics: Metrics, dead_letters: DeadLetterSink,
                           supervision: Supervision) -> None:
    topics = settings.topics
    source = app.topic(topics.products, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
    requests = app.topic(topics.requests, key_serializer="raw", value_serializer="raw")
    # sku bytes -> {"hash", "source_version"} of the last request made. use_partitioner
    # lets the batch body (outside per-event iteration) update it, and a raw key lands in
    # the same partition number as the SKU's events. The update is idempotent.
    last_requested = app.Table(
        "product-last-requested", default=None, partitions=topics.partitions, use_partitioner=True,
        # No value_type: Faust's changelog recovery calls value_type.from_data(), which a
        # plain dict lacks; the default (JSON, autodetected) restores the same dicts.
        key_type=bytes,
    )
    prompt_version = settings.worker.prompt_version

    async def products(stream: faust.StreamT) -> None:
        async for events in stream.take_events(settings.streams.batch_size, within=settings.streams.batch_wait_s):
            batch: list[DescriptionRequest] = []
            now = time.time()
            for event in events:
                metrics.events_in.labels(topic=topics.products).inc()
                product = admit(event.message.value, ProductEvent, now=now,
                                max_future_skew_s=settings.streams.max_future_skew_s)
                if isinstance(product, Rejected):
                    await dead_letters.send(event, product.error, product.reason)
                    continue
                digest = input_hash(product, prompt_version)
                decision = decide(product, digest, last_requested.get(product.sku.encode()))
                if not decision.request:
                    metrics.events_skipped.labels(topic=topics.products, reason=decision.reason).inc()
                    log.info("product_skipped", sku=product.sku, reason=decision.reason, event_id=product.event_id)
                    continue
                last_requested[product.sku.encode()] = {"hash": digest, "source_version": product.source_version}
                batch.append(description_request(product, digest, prompt_version))
            if batch:
                await _publish(requests, batch_id_for(events), batch, metrics)

    app.agent(source, name="products")(supervision.guard("products", products))


def description_request(product: ProductEvent, digest: str, prompt_version: str) -> DescriptionRequest:
    return DescriptionRequest(
        request_id=f"{product.sku}:{digest[:16]}:{prompt_version}", sku=product.sku, input_hash=digest,
        prompt_version=prompt_version, source_event_id=product.event_id, source_version=product.source_version,
        product=product,
    )


async def _publish(topic: faust.TopicT, batch_id: str, batch: list, metrics: Metrics) -> None:
    message = GenerationBatch(batch_id=batch_id, created_at_ms=int(time.time() * 1000), requests=batch)
    # Wait for the ack: the input offsets are committed after this body returns.
    future = await topic.send(key=batch_id.encode(), value=encode(message), headers=headers(message))
    await future
    metrics.batches_out.inc()
    metrics.batch_size.observe(len(batch))
    for request in batch:
        metrics.requests_out.labels(kind=request.kind).inc()
    log.info("batch_published", batch_id=batch_id, size=len(batch), skus=[r.sku for r in batch])
