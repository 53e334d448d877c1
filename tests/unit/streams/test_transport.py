"""Table recovery reads each changelog to its true end, whatever ListOffsets says."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from faust.transport.drivers import aiokafka as driver
from faust.types import TP

from streams.transport import TrueEndConsumerThread, transport_class

SHORT, RIGHT = TP("app-state-changelog", 0), TP("app-state-changelog", 1)


def consumer_thread(list_offsets: dict[TP, int], fetched: dict[TP, int], monkeypatch: pytest.MonkeyPatch,
                    in_transaction: bool = False) -> TrueEndConsumerThread:
    """The transport's consumer thread, with the broker's ListOffsets answers and fetched
    log ends given (no broker: the integration and fault tests run one)."""

    async def answer_list_offsets(self, partitions):
        return {tp: list_offsets[tp] for tp in partitions}

    monkeypatch.setattr(driver.AIOKafkaConsumerThread, "_highwaters", answer_list_offsets)
    transport = transport_class(lambda partitions: {tp: fetched[TP(*tp)] for tp in partitions})
    assert issubclass(transport, driver.Transport)
    thread = object.__new__(transport.Consumer.thread_class)
    thread.consumer = SimpleNamespace(in_transaction=in_transaction)
    return thread


def test_recovery_reads_to_the_fetched_end_when_list_offsets_falls_short(monkeypatch) -> None:
    # tansu 0.6: ListOffsets = the last batch's base offset + 1 (44), the log ends at 45
    thread = consumer_thread({SHORT: 44, RIGHT: 18}, {SHORT: 45, RIGHT: 18}, monkeypatch)
    assert asyncio.run(thread._highwaters([SHORT, RIGHT])) == {SHORT: 45, RIGHT: 18}


def test_an_end_that_list_offsets_reports_further_is_kept(monkeypatch) -> None:
    thread = consumer_thread({SHORT: 50}, {SHORT: 45}, monkeypatch)  # records appended between the two calls
    assert asyncio.run(thread._highwaters([SHORT])) == {SHORT: 50}


def test_a_transactional_consumer_keeps_the_last_stable_offset(monkeypatch) -> None:
    thread = consumer_thread({SHORT: 10}, {SHORT: 12}, monkeypatch, in_transaction=True)
    assert asyncio.run(thread._highwaters([SHORT])) == {SHORT: 10}
