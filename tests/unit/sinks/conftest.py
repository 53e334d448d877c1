"""Stores under test: SQLite always; PostgreSQL when its server binaries are installed
(a real server started in a temp dir for the session)."""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator

import pytest

from streams.sinks.pgtemp import PostgresUnavailable, TempPostgres


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
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


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):  # noqa: ANN001, ANN201
    from streams.sinks.stores import open_store

    if request.param == "sqlite":
        opened = open_store(path=tmp_path / "search.db")
    else:
        dsn = request.getfixturevalue("postgres_dsn")
        opened = open_store(dsn=dsn, prefix=f"t{uuid.uuid4().hex[:10]}")
    try:
        yield opened
    finally:
        opened.close()
