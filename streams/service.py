"""Builds the streams process: the Faust app, its agents, and its /metrics page."""

from __future__ import annotations

import sys

import faust
from prometheus_client import generate_latest

from foundation.kafka import faust_credentials
from foundation.metrics import Metrics
from foundation.settings import Settings
from streams.app import create_app
from streams.dead_letters import DeadLetterSink
from streams.products import register_product_agent
from streams.reviews import ReviewSummaries
from streams.supervision import EXIT_AGENT_CRASHED, Supervision
from streams.transport import broker_url


def build_streams(settings: Settings, metrics: Metrics, supervision: Supervision | None = None) -> faust.App:
    supervision = supervision or Supervision()
    app = create_app(
        app_id=settings.streams.app_id,
        broker=broker_url(settings.kafka),  # selects the patched transport (streams/transport.py)
        credentials=faust_credentials(settings.kafka),
        data_dir=settings.streams.data_dir,
        web_port=settings.streams.web_port,
        partitions=settings.topics.partitions,
        session_timeout_s=settings.kafka.session_timeout_s,
        heartbeat_interval_s=settings.kafka.heartbeat_interval_s,
    )
    dead_letters = DeadLetterSink(app, metrics)
    register_product_agent(app, settings, metrics, dead_letters, supervision)
    ReviewSummaries(app, settings, metrics, dead_letters, supervision)

    @app.page("/metrics")
    async def prometheus(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
        # aiohttp refuses a charset inside content_type; Prometheus needs only the version.
        return web.bytes(generate_latest(metrics.registry), content_type="text/plain; version=0.0.4")

    @app.page("/ready")
    async def ready(web: faust.web.Web, request: faust.web.Request) -> faust.web.Response:
        # Ready = this member holds partitions and no rebalance is under way.
        assigned = bool(app.consumer.assignment()) if app.consumer else False
        healthy = supervision.crashed is None
        status = 200 if assigned and not app.rebalancing and healthy else 503
        return web.json({"assigned": assigned, "rebalancing": app.rebalancing, "crashed": supervision.crashed},
                        status=status)

    return app


def streams_worker(app: faust.App, log_level: str) -> faust.Worker:
    # override_logging=False: the Worker would replace the root handlers with its own
    # plain-text format; keep ours (structlog JSON lines), configured by the CLI.
    return faust.Worker(app, loglevel=log_level, quiet=True, redirect_stdouts=False, override_logging=False)


def run_streams(settings: Settings, metrics: Metrics | None = None) -> None:
    """Run in the foreground until SIGINT/SIGTERM; Faust commits acked offsets on stop."""
    supervision = Supervision()
    app = build_streams(settings, metrics or Metrics("streams"), supervision)
    worker = streams_worker(app, settings.log_level)
    try:
        worker.execute_from_commandline()
    finally:
        if supervision.crashed:
            sys.exit(EXIT_AGENT_CRASHED)
