"""Scenario 1, pipeline overhead: the zero-cost echo backend, N product events, events/s
from the input topic to the output topic and CPU time per event of each process.

One H100 running an 8B model turns out roughly 25-60 descriptions/s; the pipeline must be
~20x faster than that (>= 1,000 events/s on 2 cores) so it is never what limits the GPU.
"""

from __future__ import annotations

import time
from typing import Any

from shopscribe.bench.common import (
    TopicWatcher,
    bench_settings,
    cpu_delta,
    distinct_skus,
    machine,
    produce,
    running_stack,
    stack_cpu,
    streams_metric,
    synthetic_products,
)

TARGET_EVENTS_PER_S = 1000.0


def run(size: int = 20_000, timeout_s: float | None = None, **_: Any) -> dict[str, Any]:
    settings = bench_settings("echo")
    events = synthetic_products(size)
    timeout_s = timeout_s or max(120.0, size / 50)
    with running_stack(settings, "overhead") as stack:
        watcher = TopicWatcher(stack.settings, stack.settings.topics.descriptions).start()
        try:
            cpu_before = stack_cpu(stack)
            load_before = machine()
            started = time.time()
            produce_s = produce(stack.settings, stack.settings.topics.products, events)
            complete = watcher.wait(lambda records: distinct_skus(records) >= size, timeout_s, check=stack.check_alive)
            cpu_after = stack_cpu(stack)
            records = list(watcher.records)
            batches = streams_metric(stack, "shopscribe_batches_total")
        finally:
            watcher.stop()
    done = distinct_skus(records)
    last_out = max((r.timestamp_ms / 1000 for r in records), default=started)
    first_out = min((r.timestamp_ms / 1000 for r in records), default=started)
    elapsed = max(last_out - started, 1e-9)
    cpu = cpu_delta(cpu_before, cpu_after)
    rate = done / elapsed
    return {
        "scenario": "overhead",
        "backend": "echo",
        "events": size,
        "results": done,
        "duplicates": len(records) - done,
        "complete": complete,
        "seconds": round(elapsed, 3),
        "produce_seconds": round(produce_s, 3),
        "first_result_after_s": round(first_out - started, 3),
        "events_per_s": round(rate, 1),
        "generation_batches": int(batches),
        "mean_batch_size": round(done / batches, 2) if batches else None,
        "cpu_seconds": cpu,
        "cpu_ms_per_event": {k: round(v * 1000 / max(done, 1), 4) for k, v in cpu.items()},
        "settings": {"streams.batch_size": settings.streams.batch_size,
                     "streams.batch_wait_s": settings.streams.batch_wait_s,
                     "worker.max_poll_records": settings.worker.max_poll_records,
                     "worker.max_batch_prompts": settings.worker.max_batch_prompts},
        "target": {"events_per_s": TARGET_EVENTS_PER_S, "met": rate >= TARGET_EVENTS_PER_S and complete},
        "machine": {"before": load_before, "after": machine()},
    }
