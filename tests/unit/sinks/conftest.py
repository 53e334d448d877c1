"""Stores under test: SQLite always; PostgreSQL when its server binaries are installed
(a real server started in a temp dir for the session)."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):  # noqa: ANN001, ANN201
    from sinks.stores import open_store

    if request.param == "sqlite":
        opened = open_store(path=tmp_path / "search.db")
    else:
        dsn = request.getfixturevalue("postgres_dsn")
        opened = open_store(dsn=dsn, prefix=f"t{uuid.uuid4().hex[:10]}")
    try:
        yield opened
    finally:
        opened.close()
