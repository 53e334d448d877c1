"""Scenario 4, a burst of reviews: N reviews over K SKUs in T seconds (default 1,000 over
20 in 30 s). LLM calls per review (summary requests the worker generated, and backend
batches) and freshness: for each SKU, from its last review in to the first summary out
that covers it (coverage >= the SKU's review count). Target: calls/review <= 0.05.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from shopscribe.bench.common import (
    T0,
    TopicWatcher,
    bench_settings,
    machine,
    percentile,
    produce,
    review_texts,
    running_stack,
    streams_metric,
)

TARGET_CALLS_PER_REVIEW = 0.05


def reviews(n: int, skus: int) -> list[dict]:
    texts = review_texts()
    out = []
    for i in range(n):
        text, rating = texts[i % len(texts)]
        if i >= len(texts):  # cycled: keep each review distinct text-wise
            text = f"{text} (review {i})"
        out.append({"event_id": f"BR-evt-{i}", "type": "review.created", "review_id": f"BR-rev-{i}",
                    "sku": f"BURST-{i % skus:03d}", "rating": rating, "text": text,
                    "occurred_at": (T0 + timedelta(milliseconds=i)).isoformat(), "verified_purchase": i % 3 == 0})
    return out


def run(size: int = 1000, backend: str = "transformers", skus: int = 20, duration_s: float = 30.0,
        timeout_s: float = 1200, **_: Any) -> dict[str, Any]:
    settings = bench_settings(backend)
    events = reviews(size, skus)
    per_sku: dict[str, int] = {}
    for event in events:
        per_sku[event["sku"]] = per_sku.get(event["sku"], 0) + 1
    last_sent: dict[str, float] = {}
    load_before = machine()
    with running_stack(settings, "burst") as stack:
        watcher = TopicWatcher(stack.settings, stack.settings.topics.summaries).start()
        try:
            started = time.time()
            produce(stack.settings, stack.settings.topics.reviews, events, interval_s=duration_s / size,
                    on_sent=lambda i, e, t: last_sent.__setitem__(e["sku"], t))
            produced_s = time.time() - started

            def covered(records: list) -> bool:
                best: dict[str, int] = {}
                for r in records:
                    best[r.value["sku"]] = max(best.get(r.value["sku"], 0), r.value["coverage"])
                return all(best.get(sku, 0) >= n for sku, n in per_sku.items())

            complete = watcher.wait(covered, timeout_s, check=stack.check_alive)
            records = list(watcher.records)
            requests = streams_metric(stack, "shopscribe_requests_total", kind="summary")
            batches = streams_metric(stack, "shopscribe_batches_total")
        finally:
            watcher.stop()
    freshness = []
    for sku, n in per_sku.items():
        times = [r.timestamp_ms / 1000 for r in records if r.value["sku"] == sku and r.value["coverage"] >= n]
        if times and sku in last_sent:
            freshness.append(min(times) - last_sent[sku])
    summaries = len(records)
    # LLM calls = summary prompts streams asked for (those still in flight at a timeout
    # included), or the results seen if more (a redelivered batch is generated twice).
    calls_per_review = max(int(requests), summaries) / size
    return {
        "scenario": "burst", "backend": backend, "reviews": size, "skus": skus, "duration_s": duration_s,
        "produce_seconds": round(produced_s, 2), "complete": complete,
        "summaries_published": summaries, "summary_requests": int(requests), "generation_batches": int(batches),
        "llm_calls_per_review": round(calls_per_review, 4),
        "batches_per_review": round(batches / size, 4),
        "freshness_s": {"p50": _r(percentile(freshness, 50)), "p95": _r(percentile(freshness, 95)),
                        "max": _r(max(freshness, default=None)), "n": len(freshness)},
        "settings": {"streams.summary_min_reviews": settings.streams.summary_min_reviews,
                     "streams.summary_max_wait_s": settings.streams.summary_max_wait_s},
        "target": {"llm_calls_per_review": TARGET_CALLS_PER_REVIEW,
                   "met": calls_per_review <= TARGET_CALLS_PER_REVIEW and complete},
        "machine": {"before": load_before, "after": machine()},
    }


def _r(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None
