"""What each process exports: only its own metrics, no `_created` series, a real /ready
(the worker's HTTP server: /metrics, /ready, and 404 for anything else)."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

import pytest
from prometheus_client import generate_latest

from foundation.metrics import OWNERS, Metrics

STREAMS_ONLY = ("shopscribe_events_in_total", "shopscribe_requests_total", "shopscribe_batch_size")
WORKER_ONLY = ("shopscribe_results_total", "shopscribe_end_to_end_seconds", "shopscribe_in_flight_requests")


def exported(metrics: Metrics) -> str:
    metrics.dead_letters.labels(topic="products.events", error="invalid_json").inc()
    return generate_latest(metrics.registry).decode()


def test_the_worker_exports_its_metrics_and_none_of_streams() -> None:
    text = exported(Metrics("worker"))
    assert all(name in text for name in WORKER_ONLY + ("shopscribe_dead_letters_total",))
    assert not [name for name in STREAMS_ONLY if name in text]


def test_streams_exports_its_metrics_and_none_of_the_worker() -> None:
    text = exported(Metrics("streams"))
    assert all(name in text for name in STREAMS_ONLY + ("shopscribe_dead_letters_total",))
    assert not [name for name in WORKER_ONLY if name in text]


def test_every_metric_has_an_owner_and_both_sets_together_are_all_of_them() -> None:
    both = {name for name in OWNERS if hasattr(Metrics("streams"), name) or hasattr(Metrics("worker"), name)}
    assert both == set(OWNERS) == {name for name in OWNERS if hasattr(Metrics(), name)}


def test_no_created_series_are_exported() -> None:
    metrics = Metrics()
    metrics.results.labels(kind="description", method="model").inc()
    assert "_created" not in generate_latest(metrics.registry).decode()


def test_a_metric_of_the_other_process_is_an_error_that_names_its_owner() -> None:
    with pytest.raises(AttributeError, match="'results' belongs to worker"):
        Metrics("streams").results  # noqa: B018


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_server_answers_metrics_and_ready_only_once_ready_and_404_elsewhere() -> None:
    metrics = Metrics("worker")
    assert metrics.serve(0) is None  # port 0: not served
    server = metrics.serve(_free_port())
    assert server is not None
    try:
        base = f"http://127.0.0.1:{server.port}"
        assert status(f"{base}/metrics") == 200
        assert status(f"{base}/ready") == 503
        server.ready_when(lambda: True)
        assert status(f"{base}/ready") == 200
        assert status(f"{base}/anything") == 404
    finally:
        server.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
