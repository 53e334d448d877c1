"""The streams worker keeps the process's log handlers (structlog JSON lines) instead of
installing faust's plain-text ones."""

from __future__ import annotations

import asyncio
import logging

import faust
import pytest

from streams.service import streams_worker


async def nothing() -> None:
    return None


def test_starting_the_worker_keeps_the_root_log_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    ours = logging.NullHandler()
    monkeypatch.setattr(logging.root, "handlers", [ours])
    worker = streams_worker(faust.App("worker-logging-test"), "INFO")
    # Only the logging part of the first start: no app to run, no signal handlers in pytest.
    monkeypatch.setattr(worker, "on_execute", nothing)
    monkeypatch.setattr(worker, "install_signal_handlers", lambda: None)
    asyncio.run(worker.default_on_first_start())
    assert logging.root.handlers == [ours]
