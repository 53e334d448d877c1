"""Scenario 5, replay throughput: N product events already on the input topic, replayed
with a new prompt version through `shopscribe.replay.Replayer` (what `shopscribe replay`
runs), against (a) the same requests through the handler in-process, no Kafka, chunked
like the worker. Same backend object for both, so the ratio is the replay's own overhead.
Target: replay/(a) >= 0.9 (completion tokens/s).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from shopscribe.bench.common import (
    bench_settings,
    catalog_products,
    description_requests,
    load_model_backend,
    machine,
    produce,
    ratio,
    synthetic_products,
)

TARGET_RATIO = 0.9
REPLAY_PROMPT_VERSION = "desc-bench-replay"


def run(size: int = 500, backend: str = "transformers", timeout_s: float = 3600, **_: Any) -> dict[str, Any]:
    from kafka import KafkaProducer

    from foundation.kafka import kafka_python_config
    from foundation.metrics import Metrics
    from shopscribe.broker import EmbeddedBroker, ensure_topics
    from shopscribe.replay import Position, Replayer, group_id
    from workers.handler import HandlerConfig, RequestHandler
    from workers.publisher import ResultPublisher

    settings = bench_settings(backend)
    # echo: synthetic events (the pipeline-overhead view); a model: the catalog products.
    events = synthetic_products(size, "RPL") if backend == "echo" else catalog_products(size, prefix="RPL")
    load_before = machine()
    port = int(settings.kafka.bootstrap.rsplit(":", 1)[1])
    log_path = Path(tempfile.mkdtemp(prefix="shopscribe-bench-replay-")) / "broker.log"
    with EmbeddedBroker(port, log_path=log_path):
        ensure_topics(settings.kafka, settings.topics)
        produce(settings, settings.topics.products, events)
        model = load_model_backend(settings)
        metrics = Metrics()
        handler = RequestHandler(model, metrics, HandlerConfig.from_settings(settings.worker))
        producer = KafkaProducer(**kafka_python_config(settings.kafka), acks="all", linger_ms=20)
        try:
            # (a) in-process, same requests (under the replay's prompt version), worker chunking.
            requests = description_requests(events, REPLAY_PROMPT_VERSION)
            limit = settings.worker.max_batch_prompts
            handler.handle(requests[:1])  # warm-up
            started = time.monotonic()
            results = [r for i in range(0, len(requests), limit) for r in handler.handle(requests[i:i + limit])]
            a_s = time.monotonic() - started
            a_tokens = sum(r.completion_tokens for r in results)

            replayer = Replayer(settings, handler, ResultPublisher(producer, settings, metrics),
                                group=group_id(settings.topics.products, REPLAY_PROMPT_VERSION, "bench"))
            try:
                plan = replayer.plan(settings.topics.products, Position("beginning"), Position("end"), resume=False)
                report = replayer.run(plan, REPLAY_PROMPT_VERSION).as_dict()
            finally:
                replayer.close()
        finally:
            producer.close()
            model.close()
    a = {"requests": len(results), "seconds": round(a_s, 3), "completion_tokens": a_tokens,
         "tokens_per_s": round(a_tokens / a_s, 2) if a_s else None, "events_per_s": round(len(results) / a_s, 2)}
    replay_tps = report.get("completion_tokens_per_s")
    # With echo, tokens are words; events/s is the meaningful ratio there.
    r = ratio(report.get("events_per_s"), a["events_per_s"]) if backend == "echo" else ratio(replay_tps, a["tokens_per_s"])
    return {
        "scenario": "replay", "backend": backend, "events": size,
        "in_process": a, "replay": report, "replay_over_a": r,
        # With echo there is no generation to keep busy: the ratio is pure replay overhead
        # (Kafka in and out per event), shown for information; the target is for a model.
        "target": {"replay_over_a": TARGET_RATIO,
                   "met": None if backend == "echo" else bool(r and r >= TARGET_RATIO and report["events"] >= size)},
        "machine": {"before": load_before, "after": machine()},
    }
