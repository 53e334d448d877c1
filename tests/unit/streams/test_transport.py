"""The patched transport: faust finds it by the broker URL's scheme, table recovery reads
each changelog to its true end whatever ListOffsets says, and the faust sources it copies
or overrides are pinned, so an upgrade fails here until someone re-checks the fix."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import inspect
from types import SimpleNamespace

import faust
import pytest
from faust.transport.drivers import aiokafka as driver
from faust.transport.drivers import by_url
from faust.types import TP

from foundation.kafka import faust_credentials
from foundation.settings import KafkaSettings
from streams.transport import SCHEME, RewindingConsumer, Transport, TrueEndConsumerThread, broker_url

SHORT, RIGHT = TP("app-state-changelog", 0), TP("app-state-changelog", 1)

# What streams/transport.py copies or overrides, as checked on faust-streaming 0.15.3:
# "module:qualname" -> (sha256 of inspect.getsource, what to re-check when it changes).
PINNED = {
    "faust.transport.consumer:Consumer._drain_messages": (
        "44a2500309e83c630493f6828af50166ec8d96a0b3e4fb2bab735f704ae93417",
        "RewindingConsumer._drain_messages is a copy of it: diff the two, carry upstream's changes "
        "over, and check whether faust-streaming#606 (messages lost around a seek) is fixed upstream",
    ),
    "faust.transport.consumer:Consumer.perform_seek": (
        "0e8c130ff4b0afd82c0be9c5fd831316e10febc62c94032833911096e156d7c6",
        "RewindingConsumer.perform_seek counts a seek for every partition in _read_offset afterwards",
    ),
    "faust.transport.consumer:Consumer.seek": (
        "b86a9fe05f956b30cf299c787b6787c6e0349cbf1ae556f2456a1e97b15dbb22",
        "RewindingConsumer.seek counts a seek of the partition; _rewind relies on it re-reading from there",
    ),
    "faust.transport.consumer:Consumer._add_gap": (
        "4df2573ded7c1c2cde04dc6bde6d4480cb5875ef565256e56966b585ae39b1c1",
        "the copied _drain_messages calls it with (tp, first, last)",
    ),
    "faust.transport.drivers.aiokafka:Consumer._new_consumer_thread": (
        "0870ec53dea75083995e3565c0f0a25a1c63ecceaeb238e92e2585e3623af5a9",
        "RewindingConsumer._new_consumer_thread builds TrueEndConsumerThread the same way",
    ),
    "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread._highwaters": (
        "a7f4f97d9f32aca2777713e22671d70eae4b3ae51541bb09a90448ce83acefce",
        "TrueEndConsumerThread._highwaters raises its ListOffsets answer to the fetched log end",
    ),
    "faust.transport.drivers.aiokafka:server_list": (
        "5a13d9708b3ced16569c1626e636254af9a8f7420feb23099ad26c991e01f342",
        "TrueEndConsumerThread.kafka_python_config passes its output to kafka-python as bootstrap_servers",
    ),
    "faust.transport.drivers.aiokafka:credentials_to_aiokafka_auth": (
        "364c9c9c68523c509239799c4ece511022cc10e32c06e53a204716861c9553f7",
        "TrueEndConsumerThread.kafka_python_config passes its keywords to kafka-python, which must "
        "spell them the same",
    ),
}


def upstream_source(path: str) -> str:
    module, _, qualname = path.partition(":")
    member: object = importlib.import_module(module)
    for name in qualname.split("."):
        member = getattr(member, name)
    return inspect.getsource(member)  # type: ignore[arg-type]


def test_the_faust_sources_the_transport_copies_or_overrides_are_the_ones_it_was_checked_on() -> None:
    changed = [
        f"{path} ({why})" for path, (digest, why) in PINNED.items()
        if hashlib.sha256(upstream_source(path).encode()).hexdigest() != digest
    ]
    assert not changed, (
        f"faust {faust.__version__} changed what streams/transport.py copies or overrides (checked on "
        "faust-streaming 0.15.3). Re-check each, then record its new sha256 in PINNED:\n  " + "\n  ".join(changed))


def test_faust_finds_the_transport_by_the_broker_url_scheme() -> None:
    # The entry point is read from the installed metadata: after editing it in
    # pyproject.toml, reinstall (`make install`, or `pip install -e . --no-deps`).
    assert by_url(f"{SCHEME}://localhost:9092") is Transport, "reinstall: the faust.transports entry point is missing"


def test_an_app_on_the_streams_broker_url_gets_the_patched_transport() -> None:
    app = faust.App("transport-test", broker=broker_url(KafkaSettings(bootstrap="k1:9092, k2:9093")))
    assert type(app.transport) is Transport and app.transport.Consumer is RewindingConsumer
    assert [(url.host, url.port) for url in app.transport.url] == [("k1", 9092), ("k2", 9093)]


def test_the_log_end_consumer_connects_where_and_as_the_app_does() -> None:
    kafka = KafkaSettings(bootstrap="k1:9092", security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
                          sasl_username="shop", sasl_password="s3cret")
    app = faust.App("transport-test", broker=broker_url(kafka), broker_credentials=faust_credentials(kafka),
                    broker_request_timeout=42.0)
    thread = object.__new__(TrueEndConsumerThread)
    thread.transport, thread.app = app.transport, app
    assert thread.kafka_python_config() == {
        "bootstrap_servers": ["k1:9092"], "request_timeout_ms": 42000, "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "shop", "sasl_plain_password": "s3cret",
        "ssl_context": None,
    }


def consumer_thread(list_offsets: dict[TP, int], fetched: dict[TP, int], monkeypatch: pytest.MonkeyPatch,
                    in_transaction: bool = False) -> TrueEndConsumerThread:
    """The transport's consumer thread, with the broker's ListOffsets answers and fetched
    log ends given (no broker: the integration and fault tests run one)."""

    async def answer_list_offsets(self, partitions):
        return {tp: list_offsets[tp] for tp in partitions}

    monkeypatch.setattr(driver.AIOKafkaConsumerThread, "_highwaters", answer_list_offsets)
    thread = object.__new__(TrueEndConsumerThread)
    thread.consumer = SimpleNamespace(in_transaction=in_transaction)
    thread.log_ends = lambda partitions: {tp: fetched[TP(*tp)] for tp in partitions}  # type: ignore[method-assign]
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


class SeekRecorder:
    """The parts of a consumer `_refetch` uses: read offsets, assignment, seek."""

    def __init__(self, read_offset: dict, assigned: set) -> None:
        self._read_offset = read_offset
        self.assigned = assigned
        self.seeks: list[tuple[TP, int]] = []

    def assignment(self) -> set:
        return self.assigned

    async def seek(self, tp: TP, offset: int) -> None:
        self.seeks.append((tp, offset))


def test_skipped_records_are_fetched_again_from_where_the_latest_seek_left_reading() -> None:
    tp = TP("reviews", 0)
    after_seek = SeekRecorder({tp: 120}, {tp})  # a rebalance sought to the committed 120
    asyncio.run(RewindingConsumer._refetch(after_seek, tp, 300))  # type: ignore[arg-type]
    assert after_seek.seeks == [(tp, 120)]  # not 300: 120..299 would never be read
    unread = SeekRecorder({tp: None}, {tp})
    asyncio.run(RewindingConsumer._refetch(unread, tp, 0))  # type: ignore[arg-type]
    assert unread.seeks == [(tp, 0)]
    revoked = SeekRecorder({tp: 120}, set())  # its new owner reads it from the committed offset
    asyncio.run(RewindingConsumer._refetch(revoked, tp, 300))  # type: ignore[arg-type]
    assert revoked.seeks == []
