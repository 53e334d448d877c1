"""Prometheus metrics. One `Metrics` object per process, built on its own registry with the
metrics that process records (streams or worker), and passed to the parts that record;
deploy/ dashboards and alerts use these names (a test checks that every name they use
exists here).

Label vocabulary, one for every metric: `kind` is the request kind, "description" or
"summary" (never a topic name); `topic` is the input topic a record was read from.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160)

Process = Literal["streams", "worker"]
# Which process records which metric: each exports only its own, so a dashboard summing
# over both jobs counts nothing twice and no series sits at zero forever on the other.
OWNERS: dict[str, tuple[Process, ...]] = {
    "events_in": ("streams",), "events_skipped": ("streams",), "requests_out": ("streams",),
    "batches_out": ("streams",), "batch_size": ("streams",),
    "dead_letters": ("streams", "worker"),
    "requests_coalesced": ("worker",), "results": ("worker",), "fallbacks": ("worker",),
    "sentences_dropped": ("worker",), "outputs_blocked": ("worker",),
    "generation_errors": ("worker",), "tokens": ("worker",), "generation_latency": ("worker",),
    "end_to_end_latency": ("worker",), "in_flight": ("worker",),
}


class Metrics:
    """`process`: whose metrics to register. None registers both sets, for code that runs
    streams and worker parts in one process (tests, benches); a process's own entry point
    names itself. Touching a metric another process owns raises, naming the owner."""

    events_in: Counter
    events_skipped: Counter
    dead_letters: Counter
    requests_out: Counter
    batches_out: Counter
    batch_size: Histogram
    requests_coalesced: Counter
    results: Counter
    sentences_dropped: Counter
    outputs_blocked: Counter
    fallbacks: Counter
    generation_errors: Counter
    tokens: Counter
    generation_latency: Histogram
    end_to_end_latency: Histogram
    in_flight: Gauge

    def __init__(self, process: Process | None = None, registry: CollectorRegistry | None = None) -> None:
        # `x_created` series are exported as gauges holding a timestamp: noise on every
        # dashboard. The switch is prometheus_client's own, process-wide, and idempotent.
        disable_created_metrics()
        self.process = process
        self.registry = registry or CollectorRegistry()
        for name, build in _DEFINITIONS.items():
            if process is None or process in OWNERS[name]:
                setattr(self, name, build(self.registry))

    def __getattr__(self, name: str) -> object:
        # Only called for attributes not set: a metric this process does not own.
        if name in OWNERS:
            raise AttributeError(f"metric {name!r} belongs to {'/'.join(OWNERS[name])}, not to this "
                                 f"{self.process} process's Metrics")
        raise AttributeError(name)

    def serve(self, port: int) -> MetricsServer | None:
        """/metrics and /ready on 0.0.0.0:`port` (0: not served)."""
        return MetricsServer(self.registry, port) if port else None


class MetricsServer:
    """GET /metrics: the registry; GET /ready: 200 once the `ready_when` check passes, 503
    before (a probe can tell "up, loading or idle" from "ready for work"); anything else 404."""

    def __init__(self, registry: CollectorRegistry, port: int, host: str = "0.0.0.0") -> None:
        self._ready: Callable[[], bool] = lambda: False
        self._server = ThreadingHTTPServer((host, port), _handler(registry, lambda: self._ready()))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, name="metrics-http", daemon=True).start()

    def ready_when(self, check: Callable[[], bool]) -> None:
        self._ready = check

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(registry: CollectorRegistry, ready: Callable[[], bool]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif path == "/ready":
                ok = ready()
                self._send(200 if ok else 503, b'{"ready": %s}' % (b"true" if ok else b"false"), "application/json")
            else:
                self._send(404, b"not found: try /metrics or /ready\n", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the http.server signature
            pass  # a scrape every 15 s is not news

    return Handler


_DEFINITIONS: dict[str, Callable[[CollectorRegistry], Counter | Gauge | Histogram]] = {
    "events_in": lambda r: Counter("shopscribe_events_in_total", "Input events read", ["topic"], registry=r),
    "events_skipped": lambda r: Counter(
        "shopscribe_events_skipped_total", "Valid events that need no generation", ["topic", "reason"], registry=r),
    "dead_letters": lambda r: Counter(
        "shopscribe_dead_letters_total", "Records sent to a DLQ", ["topic", "error"], registry=r),
    "requests_out": lambda r: Counter(
        "shopscribe_requests_total", "Generation requests emitted by streams", ["kind"], registry=r),
    "batches_out": lambda r: Counter("shopscribe_batches_total", "Generation batches emitted by streams", registry=r),
    "batch_size": lambda r: Histogram(
        "shopscribe_batch_size", "Requests per generation batch", buckets=(1, 2, 4, 8, 16, 32, 64, 128), registry=r),
    "requests_coalesced": lambda r: Counter(
        "shopscribe_requests_coalesced_total",
        "Stale requests dropped by the worker: a newer request for the same SKU was in the same poll",
        ["kind"], registry=r),
    "sentences_dropped": lambda r: Counter(
        "shopscribe_description_sentences_dropped_total",
        "Draft sentences removed because they state what the facts do not support", ["reason"], registry=r),
    "outputs_blocked": lambda r: Counter(
        "shopscribe_outputs_blocked_total",
        "Texts the published-text scan kept from publishing (PII, links, injected or prompt text)",
        ["kind", "reason"], registry=r),
    "results": lambda r: Counter(
        "shopscribe_results_total", "Results published by the worker", ["kind", "method"], registry=r),
    "fallbacks": lambda r: Counter(
        "shopscribe_fallbacks_total", "Fallback outputs, by reason", ["kind", "reason"], registry=r),
    "generation_errors": lambda r: Counter(
        "shopscribe_generation_errors_total", "Backend failures", ["backend", "error"], registry=r),
    "tokens": lambda r: Counter("shopscribe_tokens_total", "Tokens through the backend", ["direction"], registry=r),
    "generation_latency": lambda r: Histogram(
        "shopscribe_generation_seconds", "Backend time per batch", ["backend"], buckets=LATENCY_BUCKETS, registry=r),
    "end_to_end_latency": lambda r: Histogram(
        "shopscribe_end_to_end_seconds", "Source event time to result published", ["kind"],
        buckets=LATENCY_BUCKETS, registry=r),
    "in_flight": lambda r: Gauge("shopscribe_in_flight_requests", "Requests being generated now", registry=r),
}
