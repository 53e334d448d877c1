"""A review state reaches the table (and its changelog) only after the summary request it
records is acknowledged: a kill -9 between the two must not leave an in-flight slot whose
request was never sent (tests/faults, streams kill -9: seven SKUs waited out the 300 s
in-flight timeout, stop 20's CI run)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from test_review_partitioning import summaries

from schemas.events import ReviewEvent
from streams.review_state import SkuReviewState

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


class Killed(Exception):
    """The process dies while the request is on its way."""


class DyingTopic:
    def __init__(self) -> None:
        self.attempts = 0

    async def send(self, **record: object) -> asyncio.Future:
        self.attempts += 1
        raise Killed


class AckingTopic:
    def __init__(self, table: dict) -> None:
        self.table = table
        self.saved_at_ack: list[bool] = []

    async def send(self, **record: object) -> asyncio.Future:
        done: asyncio.Future = asyncio.get_running_loop().create_future()
        self.saved_at_ack.append(b"SKU-1" in self.table)
        done.set_result(None)
        return done


def due_state() -> SkuReviewState:
    state = SkuReviewState("SKU-1")
    for i in range(5):
        state.apply(ReviewEvent(event_id=f"e{i}", type="review.created", review_id=f"r{i}", sku="SKU-1", rating=4,
                                text="The lid seals well.", occurred_at=T0 + timedelta(seconds=i)), now=0.0)
    return state


async def test_a_request_that_never_left_leaves_no_in_flight_slot_in_the_table(tmp_path: Path) -> None:
    agents, _, _ = summaries(tmp_path)
    agents.table = {}  # type: ignore[assignment]
    agents.requests = DyingTopic()  # type: ignore[assignment]
    state = due_state()
    assert agents.due(state, 100.0)
    with pytest.raises(Killed):
        await agents._request_due([state], 100.0, batch_key=None)
    assert agents.requests.attempts == 1
    assert agents.table == {}  # nothing saved: the restarted replica asks again at once


async def test_the_state_with_its_in_flight_slot_is_saved_once_the_request_is_acknowledged(tmp_path: Path) -> None:
    agents, _, _ = summaries(tmp_path)
    table: dict = {}
    agents.table = table  # type: ignore[assignment]
    agents.requests = AckingTopic(table)  # type: ignore[assignment]
    await agents._request_due([due_state()], 100.0, batch_key=None)
    assert agents.requests.saved_at_ack == [False]
    saved = SkuReviewState.from_dict(table[b"SKU-1"])
    assert saved.in_flight is not None and not agents.due(saved, 100.5)


async def test_the_debounce_timer_touches_no_state_while_the_table_is_being_recovered(tmp_path: Path) -> None:
    agents, _, _ = summaries(tmp_path)
    table = {b"SKU-1": due_state().to_dict()}  # restored so far: the first part of the SKU's changelog
    agents.table = table  # type: ignore[assignment]
    agents.requests = AckingTopic(table)  # type: ignore[assignment]
    agents._owned_partitions = lambda: set(range(6))  # type: ignore[method-assign]
    agents.app.rebalancing = True
    await agents.on_tick()
    assert agents.requests.saved_at_ack == [] and SkuReviewState.from_dict(table[b"SKU-1"]).in_flight is None
    agents.app.rebalancing = False  # recovered: now it may ask
    await agents.on_tick()
    assert agents.requests.saved_at_ack == [True] and SkuReviewState.from_dict(table[b"SKU-1"]).in_flight is not None
