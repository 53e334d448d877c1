"""A real PostgreSQL server for the sinks' integration tests (skipped, with the reason,
when the server binaries or psycopg are absent)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

from streams.sinks.pgtemp import PostgresUnavailable, TempPostgres


@pytest.fixture(scope="session")
def postgres_server_dsn() -> Iterator[str]:
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
