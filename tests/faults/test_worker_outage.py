"""Worker down for a while: summary requests queue in Kafka (streams re-issues a SKU's
request every in-flight timeout); on return the worker coalesces them to the newest per SKU
instead of generating one summary per stale request, and the final stats are exact."""

from __future__ import annotations

import re
import signal
import time
import urllib.request
from collections import Counter

from faultkit import T0, read_all, record_figures, respawn, send_events, values, wait_for
from test_process_crashes import same_stats

SKUS = ("OUT-A", "OUT-B")
ROUNDS = 5
PER_ROUND = 3
IN_FLIGHT_TIMEOUT_S = 2.0


def review(i: int, sku: str) -> dict:
    return {"event_id": f"o{i}", "type": "review.created", "review_id": f"orv{i}", "sku": sku,
            "rating": 1 + (i * 7) % 5, "text": f"Review {i}: keeps coffee hot, the handle is solid.",
            "verified_purchase": i % 3 != 0,
            "occurred_at": T0.isoformat().replace("+00:00", f".{i:06d}+00:00")}


def recount(events: list[dict]) -> dict[str, dict]:
    stats = {}
    for sku in SKUS:
        ratings = [e["rating"] for e in events if e["sku"] == sku]
        verified = [e["verified_purchase"] for e in events if e["sku"] == sku]
        stats[sku] = {"count": len(ratings), "average": sum(ratings) / len(ratings),
                      "histogram": {str(r): ratings.count(r) for r in range(1, 6)},
                      "verified_share": sum(verified) / len(verified)}
    return stats


def summary_requests(stack) -> Counter:  # noqa: ANN001
    counts: Counter = Counter()
    for batch in values(stack.settings, stack.settings.topics.requests):
        counts.update(r["sku"] for r in batch["requests"] if r["kind"] == "summary")
    return counts


def worker_metric(stack, name: str) -> float:  # noqa: ANN001
    text = urllib.request.urlopen(f"http://127.0.0.1:{stack.settings.worker.metrics_port}/metrics", timeout=5).read()
    return sum(float(m.group(1)) for m in re.finditer(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+-]+)$", text.decode(), re.M))


def test_worker_down_then_back_coalesces_stale_summary_requests(echo_stack) -> None:  # noqa: ANN001
    # Summaries due after 2 reviews; a request without result is re-issued after 2 s. The
    # worker takes up to 64 micro-batches per poll: coalescing works within one poll. The
    # stale requests sit on several partitions, and on a loaded machine their fetches come
    # back apart: a long linger lets the first poll after the restart hold them all (what
    # is under test is the coalescing, not the linger).
    stack = echo_stack(streams={"summary_min_reviews": 2, "summary_max_wait_s": 1.0,
                                "summary_in_flight_timeout_s": IN_FLIGHT_TIMEOUT_S},
                       worker={"max_poll_records": 64, "poll_linger_s": 4.0, "poll_burst_linger_s": 6.0})
    topics = stack.settings.topics
    worker = stack.processes.pop("worker")  # out of check_alive while it is down on purpose
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)

    events: list[dict] = []
    for rnd in range(ROUNDS):
        batch = [review(len(events) + k, sku) for k in range(PER_ROUND) for sku in SKUS]
        events.extend(batch)
        send_events(stack.settings, topics.reviews, batch)
        # Each round leaves at least one more (stale) request per SKU queued.
        wait_for(lambda n=rnd: min(summary_requests(stack)[s] for s in SKUS) >= n + 1, 120,
                 f"summary requests of round {rnd}", check=stack.check_alive, every_s=0.5)
    queued = summary_requests(stack)
    assert min(queued[s] for s in SKUS) >= ROUNDS, f"expected several stale requests per SKU, got {queued}"
    assert not read_all(stack.settings, topics.summaries), "a summary without a worker"

    respawn(stack, "worker")
    expected = recount(events)

    def latest() -> dict[str, dict]:
        out: dict[str, dict] = {}
        for r in values(stack.settings, topics.summaries):
            if r["sku"] not in out or r["source_version"] >= out[r["sku"]]["source_version"]:
                out[r["sku"]] = r
        return out

    wait_for(lambda: all(s in (got := latest()) and same_stats(got[s]["stats"], expected[s]) for s in SKUS), 180,
             "summaries whose stats equal the recount", check=stack.check_alive, every_s=0.5)
    # Let any redundant re-issue show up: three in-flight timeouts with nothing pending. If
    # the in-flight slot of a SKU were left set by the coalesced requests, streams would
    # re-issue its request every timeout in this window.
    requests_at_match = summary_requests(stack)
    time.sleep(3 * IN_FLIGHT_TIMEOUT_S + 2)  # the observation window itself, not a readiness wait
    reissued = summary_requests(stack) - requests_at_match
    assert all(reissued[s] <= 1 for s in SKUS), f"requests re-issued after recovery: {reissued}"
    results = Counter(r["sku"] for r in values(stack.settings, topics.summaries))
    final = latest()
    for sku in SKUS:
        assert same_stats(final[sku]["stats"], expected[sku]), (sku, final[sku]["stats"], expected[sku])
        assert results[sku] <= 2, f"{sku}: {results[sku]} summaries for {queued[sku]} queued requests"
    coalesced = worker_metric(stack, "shopscribe_requests_coalesced_total")
    assert coalesced >= 1
    record_figures("worker_down_coalescing", review_events_in=len(events), skus=len(SKUS),
                   stale_requests_queued=dict(queued), summaries_out=dict(results),
                   requests_coalesced=int(coalesced), requests_after=dict(summary_requests(stack)),
                   reissued_in_quiet_window=dict(reissued),
                   stats_exact=len(SKUS), lost=0)
