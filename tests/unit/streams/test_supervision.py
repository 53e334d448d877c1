"""A failing agent takes its process down instead of dying quietly."""

import asyncio
import signal

import pytest

from streams import supervision
from streams.supervision import Supervision


def test_an_agent_that_raises_marks_the_process_crashed_and_stops_it(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[int] = []
    monkeypatch.setattr(supervision.os, "kill", lambda pid, sig: sent.append(sig))
    watch = Supervision()

    async def body(stream: object) -> None:
        raise RuntimeError("table store unavailable")

    with pytest.raises(RuntimeError):
        asyncio.run(watch.guard("products", body)(None))
    assert sent == [signal.SIGTERM]
    assert watch.crashed == "products: RuntimeError: table store unavailable"


def test_cancellation_is_a_normal_stop_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervision.os, "kill", lambda pid, sig: pytest.fail("must not signal"))
    watch = Supervision()

    async def body(stream: object) -> None:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(watch.guard("reviews", body)(None))
    assert watch.crashed is None
