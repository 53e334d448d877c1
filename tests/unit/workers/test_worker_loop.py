"""The worker on the shared consumer loop: a poll's offsets are committed only after its
results are acknowledged, and a partition the group assigns while a generation runs is
paused until that batch is done (its records are fetched after it, not during it)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from kafka import TopicPartition

import workers.worker as worker_module
from foundation.metrics import Metrics
from foundation.settings import Settings
from schemas import DescriptionRequest, GenerationBatch, ProductEvent, encode
from schemas.hashing import input_hash
from workers.backend import ChatPrompt, Completion
from workers.echo_backend import EchoBackend
from workers.handler import RequestHandler
from workers.worker import GenerationWorker

TP0, TP1 = TopicPartition("generation.requests", 0), TopicPartition("generation.requests", 1)


def batch_record(offset: int) -> Any:
    product = ProductEvent.model_validate({"event_id": f"e{offset}", "type": "product.created", "sku": f"MUG-{offset}",
                                           "title": "Stoneware Mug", "attributes": {"color": "sage"},
                                           "occurred_at": "2026-11-01T00:00:00Z"})
    digest = input_hash(product, "desc-v1")
    request = DescriptionRequest(request_id=f"{product.sku}:{digest[:16]}:desc-v1", sku=product.sku,
                                 input_hash=digest, prompt_version="desc-v1", source_event_id=product.event_id,
                                 source_version=product.source_version, product=product)
    value = encode(GenerationBatch(batch_id=f"b{offset}", created_at_ms=0, requests=[request]))
    return SimpleNamespace(topic=TP0.topic, partition=TP0.partition, offset=offset, key=None, value=value)


class Log:
    def __init__(self) -> None:
        self.events: list[str] = []


class FakeConsumer:
    """Answers polls from a script (entries may be functions run inside the poll)."""

    def __init__(self, log: Log, script: list[Any]) -> None:
        self.log, self.script = log, script
        self.assigned = {TP0}
        self.paused: set[TopicPartition] = set()
        self.listener: Any = None
        self.commits: list[dict[TopicPartition, int]] = []

    def subscribe(self, topics: list[str], listener: Any) -> None:
        self.listener = listener

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict:
        answer = self.script.pop(0) if self.script else {}
        return answer() if callable(answer) else answer

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    def pause(self, *tps: TopicPartition) -> None:
        self.paused |= set(tps)

    def resume(self, *tps: TopicPartition) -> None:
        self.paused -= set(tps)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.log.events.append(f"seek {tp.partition}:{offset}")

    def commit(self, offsets: dict) -> None:
        self.log.events.append("commit")
        self.commits.append({tp: meta.offset for tp, meta in offsets.items()})

    def close(self, autocommit: bool = True) -> None: ...


class FakeProducer:
    def __init__(self, log: Log) -> None:
        self.log = log

    def send(self, topic: str, **_: Any) -> Any:
        self.log.events.append(f"send {topic}")
        return SimpleNamespace(get=lambda timeout=None: None)

    def flush(self, timeout: float | None = None) -> None:
        self.log.events.append("flush")

    def close(self) -> None: ...


class GatedBackend(EchoBackend):
    """Generates only once the test lets it: the worker keeps polling meanwhile."""

    def __init__(self, gate: threading.Event) -> None:
        super().__init__()
        self.gate = gate

    def generate(self, prompts: list[ChatPrompt]) -> list[Completion]:
        assert self.gate.wait(timeout=30), "the worker never polled while generating"
        return super().generate(prompts)


@pytest.fixture
def make_worker(monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[GenerationWorker, FakeConsumer, Log]]:
    def make(script: list[Any], backend: EchoBackend) -> tuple[GenerationWorker, FakeConsumer, Log]:
        log = Log()
        consumer = FakeConsumer(log, script)
        monkeypatch.setattr(worker_module, "KafkaConsumer", lambda **_: consumer)
        monkeypatch.setattr(worker_module, "KafkaProducer", lambda **_: FakeProducer(log))
        settings = Settings().with_overrides(worker={"poll_linger_s": 0.0})
        metrics = Metrics()
        return GenerationWorker(settings, RequestHandler(backend, metrics), metrics), consumer, log

    return make


def test_offsets_are_committed_after_the_results_are_acknowledged(make_worker) -> None:  # noqa: ANN001
    gate = threading.Event()
    gate.set()
    worker, consumer, log = make_worker([{TP0: [batch_record(7)]}], GatedBackend(gate))
    worker.loop.poll_once()
    assert log.events.index("send products.descriptions") < log.events.index("commit")
    assert consumer.commits == [{TP0: 8}]


def test_a_partition_assigned_during_a_generation_stays_paused_until_the_batch_is_done(make_worker) -> None:  # noqa: ANN001
    gate = threading.Event()
    seen_paused: list[set[TopicPartition]] = []

    def rebalance_then_release() -> dict:
        asyncio.run(consumer.listener.on_partitions_revoked({TP0}))
        consumer.assigned = {TP0, TP1}
        asyncio.run(consumer.listener.on_partitions_assigned({TP0, TP1}))
        seen_paused.append(set(consumer.paused))
        gate.set()
        return {}

    worker, consumer, log = make_worker([{TP0: [batch_record(3)]}, rebalance_then_release], GatedBackend(gate))
    worker.loop.poll_once()
    assert seen_paused == [{TP0, TP1}]  # nothing fetched while the batch ran
    assert consumer.paused == set()  # both fetch again after it
    assert consumer.commits == [{TP0: 4}]
    assert not any(e.startswith("seek") for e in log.events)
