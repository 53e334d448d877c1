"""kill -9 of the worker mid-batch and of streams mid-stream, then restart: nothing lost,
duplicates only identical, review stats exactly equal a recount of the input."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import defaultdict

from faultkit import (
    T0,
    kill9,
    product,
    read_all,
    record_figures,
    respawn,
    send_events,
    values,
    version_of,
    wait_for,
)

from foundation.kafka import producer
from foundation.settings import Settings
from shopscribe.collect import collect

PRODUCTS = 200


def test_worker_killed_mid_batch_then_restarted_loses_nothing(echo_stack) -> None:  # noqa: ANN001
    # 1 s per generate() call, 16 prompts per call, 4 micro-batches per poll: a poll spans
    # several seconds of generation, so a kill lands inside one.
    stack = echo_stack(worker={"echo_delay_s": 1.0, "max_batch_prompts": 16, "max_poll_records": 4})
    topics = stack.settings.topics
    items = [product(f"SKU-{i:04d}") for i in range(PRODUCTS)]
    send_events(stack.settings, topics.products, items)

    # Kill once the first results are out and more are in flight.
    first = wait_for(lambda: len(read_all(stack.settings, topics.descriptions)) or None, 120,
                     "the first results", check=stack.check_alive, every_s=0.1)
    assert first < PRODUCTS, "all done before the kill: nothing was mid-batch"
    kill9(stack, "worker")
    before_restart = len(read_all(stack.settings, topics.descriptions))
    respawn(stack, "worker")

    expected = {p["sku"]: version_of(p) for p in items}
    latest = collect(stack.settings, topics.descriptions, expected, 300, check=stack.check_alive)
    assert sorted(latest.by_sku) == sorted(expected), f"lost: {sorted(set(expected) - set(latest.by_sku))[:10]}"

    results = values(stack.settings, topics.descriptions)
    by_sku = defaultdict(list)
    for r in results:
        by_sku[r["sku"]].append(r)
    duplicates = 0
    for sku, copies in by_sku.items():
        identities = {(c["sku"], c["input_hash"], c["prompt_version"], c["source_version"], c["description"])
                      for c in copies}
        assert len(identities) == 1, f"{sku}: duplicates differ: {identities}"
        duplicates += len(copies) - 1
    record_figures("worker_kill9_mid_batch", events_in=PRODUCTS, results_before_kill=first,
                   results_at_restart=before_restart, results_out=len(results), skus_with_result=len(by_sku),
                   lost=PRODUCTS - len(by_sku), duplicates=duplicates)


# -- streams -------------------------------------------------------------------------------
SKUS = 12
REVIEWS = 1500


def review_events(seed: int = 7) -> list[dict]:
    """Creates, then rating edits and deletes of some of them, in a shuffled-by-SKU stream."""
    rng = random.Random(seed)
    events: list[dict] = []
    for i in range(REVIEWS):
        sku = f"RSKU-{i % SKUS:02d}"
        events.append({"event_id": f"e{i}", "type": "review.created", "review_id": f"rv{i}", "sku": sku,
                       "rating": rng.randint(1, 5), "text": f"Review number {i}: holds heat well, sturdy handle.",
                       "verified_purchase": rng.random() < 0.6,
                       "occurred_at": T0.replace(microsecond=0).isoformat().replace("+00:00", f".{i:06d}+00:00")})
    for i in rng.sample(range(REVIEWS), 150):  # edits with a later time
        events.append({**events[i], "event_id": f"u{i}", "type": "review.updated", "rating": rng.randint(1, 5),
                       "occurred_at": T0.replace(hour=1).isoformat()})
    for i in rng.sample(range(REVIEWS), 100):  # deletes, later still
        events.append({**events[i], "event_id": f"d{i}", "type": "review.deleted",
                       "occurred_at": T0.replace(hour=2).isoformat()})
    return events


def recount(events: list[dict]) -> dict[str, dict]:
    """Independent of streams' code: last write per review id by (time, type rank)."""
    rank = {"review.created": 0, "review.updated": 1, "review.deleted": 2}
    last: dict[str, dict] = {}
    for e in events:
        current = last.get(e["review_id"])
        if current is None or (e["occurred_at"], rank[e["type"]]) > (current["occurred_at"], rank[current["type"]]):
            last[e["review_id"]] = e
    stats: dict[str, dict] = {}
    for sku in sorted({e["sku"] for e in events}):
        live = [e for e in last.values() if e["sku"] == sku and e["type"] != "review.deleted"]
        ratings = [e["rating"] for e in live]
        stats[sku] = {"count": len(live), "average": sum(ratings) / len(ratings),
                      "histogram": {str(r): ratings.count(r) for r in range(1, 6)},
                      "verified_share": sum(e["verified_purchase"] for e in live) / len(live)}
    return stats


def same_stats(a: dict, b: dict) -> bool:
    return (a["count"] == b["count"] and a["histogram"] == b["histogram"]
            and abs(a["average"] - b["average"]) < 1e-9 and abs(a["verified_share"] - b["verified_share"]) < 1e-9)


def send_acked(settings: Settings, topic: str, events: list[dict]) -> None:
    """Publish and check every acknowledgement: a send that failed must fail the test here,
    not show up minutes later as a review the pipeline "lost"."""
    with producer(settings) as client:
        futures = [client.send(topic, key=e["sku"].encode(), value=json.dumps(e).encode()) for e in events]
        client.flush()
        for future in futures:
            future.get(timeout=60)


def stats_diff(got: dict[str, dict], expected: dict[str, dict], summaries: list[dict]) -> str:
    """Which SKUs differ and how: a count above the recount is a review counted twice, below
    it one lost (or not yet applied); the summaries each SKU got tell late from never."""
    lines = []
    for sku, want in expected.items():
        have = got.get(sku)
        if have is not None and same_stats(have, want):
            continue
        mine = [(r["source_version"], r["stats"]["count"]) for r in summaries if r["sku"] == sku]
        lines.append(f"{sku}: count {have and have['count']} want {want['count']}, histogram "
                     f"{have and have['histogram']} want {want['histogram']}; summaries (source_version, count): "
                     f"{mine[-6:]}")
    return f"{len(lines)} SKUs differ:\n" + "\n".join(lines)


def test_streams_killed_mid_stream_then_restarted_keeps_exact_stats(echo_stack) -> None:  # noqa: ANN001
    stack = echo_stack(streams={"summary_max_wait_s": 1.0, "review_batch_size": 50})
    topics = stack.settings.topics
    events = review_events()
    expected = recount(events)
    half = len(events) // 2

    # First half, then kill -9 while the second half is being produced.
    send_acked(stack.settings, topics.reviews, events[:half])
    # Streams is mid-stream: it has applied reviews (changelog written, requests out).
    wait_for(lambda: read_all(stack.settings, topics.requests), 120, "the first summary requests",
             check=stack.check_alive)
    changelog = f"{stack.settings.streams.app_id}-review-state-changelog"
    sent: list[BaseException | None] = []

    def send_second_half() -> None:
        try:
            send_acked(stack.settings, topics.reviews, events[half:])
            sent.append(None)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            sent.append(exc)

    producing = threading.Thread(target=send_second_half)
    producing.start()
    kill9(stack, "streams")
    producing.join()
    assert sent == [None], f"the second half was not all acknowledged: {sent}"
    requests_before = len(read_all(stack.settings, topics.requests))
    changelog_before = len(read_all(stack.settings, changelog))
    respawn(stack, "streams")
    restarted_at = time.monotonic()

    def latest_stats() -> dict[str, dict]:
        latest: dict[str, dict] = {}
        for r in values(stack.settings, topics.summaries):
            if r["sku"] not in latest or r["source_version"] >= latest[r["sku"]]["source_version"]:
                latest[r["sku"]] = r
        return {sku: r["stats"] for sku, r in latest.items()}

    def all_exact() -> bool:
        got = latest_stats()
        return all(sku in got and same_stats(got[sku], want) for sku, want in expected.items())

    try:
        wait_for(all_exact, 240, "summaries whose stats equal the recount", check=stack.check_alive, every_s=1.0)
    except AssertionError as exc:
        on_input = len(read_all(stack.settings, topics.reviews))
        raise AssertionError(f"{exc}; {on_input} of {len(events)} events on {topics.reviews}; "
                             f"{stats_diff(latest_stats(), expected, values(stack.settings, topics.summaries))}") from None
    converged_s = round(time.monotonic() - restarted_at, 1)
    got = latest_stats()
    for sku, want in expected.items():
        assert same_stats(got[sku], want), (sku, got[sku], want)
    record_figures("streams_kill9_mid_stream", events_in=len(events), skus=len(expected),
                   live_reviews=sum(s["count"] for s in expected.values()),
                   requests_before_restart=requests_before, changelog_records_before_restart=changelog_before,
                   summaries_out=len(read_all(stack.settings, topics.summaries)),
                   skus_with_exact_stats=sum(same_stats(got[s], w) for s, w in expected.items()), lost=0,
                   exact_after_restart_s=converged_s)
