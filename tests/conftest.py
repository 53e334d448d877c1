"""Shared fixtures: a real embedded broker per session on a random port, and factories
for isolated settings (random topic names and group ids per use)."""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from foundation.settings import Settings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# Shared across runs: the model is converted once, later loads take < 1 s.
MODEL_CACHE = REPO / ".shopscribe" / "models"


@pytest.fixture(scope="session")
def broker() -> Iterator[object]:
    from shopscribe.broker import EmbeddedBroker, free_port

    with EmbeddedBroker(free_port()) as embedded:
        yield embedded


@pytest.fixture
def settings_factory(broker, tmp_path_factory) -> Callable[..., Settings]:  # noqa: ANN001
    return make_settings_factory(broker, tmp_path_factory)


@pytest.fixture(scope="module")
def module_settings_factory(broker, tmp_path_factory) -> Callable[..., Settings]:  # noqa: ANN001
    return make_settings_factory(broker, tmp_path_factory)


def make_settings_factory(broker, tmp_path_factory) -> Callable[..., Settings]:  # noqa: ANN001
    def factory(backend: str = "transformers", **groups: dict) -> Settings:
        run = uuid.uuid4().hex[:8]
        base = Settings().with_overrides(
            kafka={"bootstrap": broker.bootstrap, "session_timeout_s": 6.0, "heartbeat_interval_s": 1.0,
                   "short_end_offsets": True},
            topics={name: f"t{run}.{default}" for name, default in (
                ("products", "products.events"), ("reviews", "reviews.events"), ("requests", "generation.requests"),
                ("descriptions", "products.descriptions"), ("summaries", "reviews.summaries"))},
            streams={"app_id": f"streams-{run}", "data_dir": tmp_path_factory.mktemp(f"streams-{run}"),
                     "batch_wait_s": 0.3},
            worker={"group_id": f"worker-{run}", "backend": backend, "model_cache_dir": MODEL_CACHE,
                    "metrics_port": 0},
        )
        return base.with_overrides(**groups) if groups else base

    return factory


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """A real PostgreSQL server in a temp dir, one per session (the sinks' store tests);
    skipped, with the reason, when psycopg or the server binaries are absent."""
    from support.pgtemp import PostgresUnavailable, TempPostgres

    if importlib.util.find_spec("psycopg") is None:
        pytest.skip("PostgreSQL path not tested: psycopg is not installed (pip install 'psycopg[binary]')")
    try:
        server = TempPostgres().start()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL path not tested: {exc}")
    try:
        yield server.dsn
    finally:
        server.stop()
