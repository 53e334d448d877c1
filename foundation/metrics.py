"""Prometheus metrics. One `Metrics` object per process, built on its own registry and
passed to the parts that record; deploy/ dashboards and alerts use these names (a test
checks that every name they use exists here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    start_http_server,
)

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160)


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.events_in = Counter("shopscribe_events_in_total", "Input events read", ["topic"], registry=r)
        self.events_skipped = Counter(
            "shopscribe_events_skipped_total", "Valid events that need no generation", ["topic", "reason"], registry=r
        )
        self.dead_letters = Counter("shopscribe_dead_letters_total", "Records sent to a DLQ", ["topic", "error"], registry=r)
        self.requests_out = Counter("shopscribe_requests_total", "Generation requests emitted by streams", ["kind"], registry=r)
        self.batches_out = Counter("shopscribe_batches_total", "Generation batches emitted by streams", registry=r)
        self.requests_coalesced = Counter(
            "shopscribe_requests_coalesced_total",
            "Stale requests dropped by the worker: a newer request for the same SKU was in the same poll",
            ["kind"], registry=r,
        )
        self.results = Counter(
            "shopscribe_results_total", "Results published by the worker", ["kind", "method"], registry=r
        )
        self.fallbacks = Counter("shopscribe_fallbacks_total", "Fallback outputs, by reason", ["kind", "reason"], registry=r)
        self.generation_errors = Counter(
            "shopscribe_generation_errors_total", "Backend failures", ["backend", "error"], registry=r
        )
        self.tokens = Counter("shopscribe_tokens_total", "Tokens through the backend", ["direction"], registry=r)
        self.generation_latency = Histogram(
            "shopscribe_generation_seconds", "Backend time per batch", ["backend"], buckets=LATENCY_BUCKETS, registry=r
        )
        self.end_to_end_latency = Histogram(
            "shopscribe_end_to_end_seconds", "Source event time to result published", ["kind"],
            buckets=LATENCY_BUCKETS, registry=r,
        )
        self.in_flight = Gauge("shopscribe_in_flight_requests", "Requests being generated now", registry=r)
        self.batch_size = Histogram(
            "shopscribe_batch_size", "Requests per generation batch", buckets=(1, 2, 4, 8, 16, 32, 64, 128), registry=r
        )

    def serve(self, port: int) -> None:
        if port:
            start_http_server(port, registry=self.registry)
