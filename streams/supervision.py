"""Agents that fail must take the process down (robinhood/faust#416: by default a crashed
agent dies quietly while the worker keeps running and looks healthy). A supervisor
(Kubernetes, compose, `shopscribe up`) then restarts the process, which resumes from the
committed offsets."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from foundation.logging import get_logger

log = get_logger(__name__)

EXIT_AGENT_CRASHED = 70  # EX_SOFTWARE


class Supervision:
    def __init__(self) -> None:
        self.crashed: str | None = None

    def guard(self, name: str, body: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
        """Wrap an agent body: an unexpected exception is logged, marks the process
        unhealthy and stops it with SIGTERM (Faust then shuts down cleanly)."""

        @functools.wraps(body)
        async def guarded(stream: Any) -> None:
            try:
                await body(stream)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.crashed = f"{name}: {type(exc).__name__}: {exc}"
                log.critical("agent_crashed", agent=name, error=str(exc), exc_info=True)
                os.kill(os.getpid(), signal.SIGTERM)
                raise

        return guarded
