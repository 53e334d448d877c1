"""`shopscribe eval`: data sets through the real pipeline, one result per item."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from foundation.settings import Settings
from shopscribe.clients import produce_lines
from shopscribe.collect import Latest, collect, expected_descriptions
from shopscribe.stack import LocalStack


def description_events(items: list[dict[str, Any]]) -> list[bytes]:
    now = datetime.now(timezone.utc).isoformat()
    lines = []
    for item in items:
        event = {"event_id": f"eval-{item['id']}", "type": "product.created", "sku": item["id"],
                 "title": item.get("title"), "attributes": item.get("attributes", {}), "occurred_at": now}
        for optional in ("brand", "category"):
            if item.get(optional):
                event[optional] = item[optional]
        lines.append(json.dumps(event).encode())
    return lines


def run_descriptions_eval(settings: Settings, data: Path, out: Path, *, embedded: bool, timeout_s: float) -> dict:
    items = [json.loads(line) for line in data.read_text().splitlines() if line.strip()]
    lines = description_events(items)
    expected, invalid = expected_descriptions(lines, settings.worker.prompt_version)
    with tempfile.TemporaryDirectory() as tmp:
        events = Path(tmp) / "events.jsonl"
        events.write_bytes(b"\n".join(lines))
        with LocalStack(settings, Path(tmp) / "stack", embedded=embedded) as stack:
            produce_lines(stack.settings, settings.topics.products, events)
            with Progress(console=Console(stderr=True)) as progress:
                task = progress.add_task("descriptions", total=len(expected))
                latest = collect(stack.settings, settings.topics.descriptions, expected, timeout_s,
                                 on_progress=lambda n: progress.update(task, completed=n), check=stack.check_alive)
    return write_description_results(items, latest.by_sku, out, invalid=invalid)


def write_description_results(items: list[dict[str, Any]], results: dict[str, dict[str, Any]], out: Path,
                               *, invalid: int = 0) -> dict:
    """One line per item in `out`, the side-by-side sample beside it (`out` with .md), and
    the report (shopscribe/description_eval.py) as the return value."""
    from shopscribe.description_eval import report

    with out.open("w") as handle:
        for item in items:
            result = results.get(item["id"])
            row = {"id": item["id"], "description": result["description"] if result else None,
                   "method": result["method"] if result else "missing"}
            if result:
                row.update({k: result.get(k) for k in ("model", "prompt_version", "fallback_reason", "completion_tokens",
                                                       "dropped_sentences")})
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    figures = report(items, results)
    sample = out.with_suffix(".md")
    sample.write_text(figures.pop("sample_markdown") + "\n")
    return {"items": len(items), "invalid": invalid, "results": len(results), **figures, "out": str(out),
            "sample": str(sample)}


# -- summaries ---------------------------------------------------------------------------
# Each item is one SKU; its reviews go through the real pipeline as ReviewEvents, in order.
# Rolling (default): every SKU gets its next `min_reviews` review(s), one event at a time,
# then the eval waits until every SKU's summary covers all its reviews so far; repeat.
# SKUs advance in lockstep, so their requests share the worker's batches. One-shot: all
# reviews of every item at once, with min_reviews = the largest item, so one request
# covers each item.

EVAL_T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def review_event(item: dict[str, Any], index: int) -> dict[str, Any]:
    """The ReviewEvent for review `index` of `item`: ids and times derived from the item, so
    a rerun publishes the same events; a review without a rating gets 3."""
    review = item["reviews"][index]
    rating = review.get("rating")
    event = {"event_id": f"eval-{item['id']}-{index + 1}", "type": "review.created", "review_id": f"r{index + 1}",
             "sku": item["id"], "rating": int(rating) if rating else 3, "text": str(review.get("text", ""))[:5000],
             "occurred_at": (EVAL_T0 + timedelta(seconds=index)).isoformat()}
    if review.get("title"):
        event["title"] = str(review["title"])[:200]
    if review.get("verified_purchase") is not None:
        event["verified_purchase"] = bool(review["verified_purchase"])
    return event


class SummaryReader:
    """Follows the summaries topic from the beginning with one consumer: every result seen
    (for gate statistics) and the latest per SKU by source_version (what a consumer keeps)."""

    def __init__(self, settings: Settings) -> None:
        from kafka import KafkaConsumer, TopicPartition

        from foundation.kafka import kafka_python_config

        topic = settings.topics.summaries
        self.consumer = KafkaConsumer(**kafka_python_config(settings.kafka), group_id=None, enable_auto_commit=False)
        partitions = [TopicPartition(topic, p) for p in sorted(self.consumer.partitions_for_topic(topic) or [])]
        self.consumer.assign(partitions)
        self.consumer.seek_to_beginning(*partitions)
        self.latest = Latest()
        self.results: list[dict[str, Any]] = []

    def poll(self, timeout_ms: int = 250) -> None:
        for records in self.consumer.poll(timeout_ms=timeout_ms).values():
            for record in records:
                value = json.loads(record.value)
                self.results.append(value)
                self.latest.offer(value)

    def coverage(self, sku: str) -> int:
        return int(self.latest.by_sku.get(sku, {}).get("coverage", 0))

    def close(self) -> None:
        self.consumer.close()


def _fallback_kind(reason: str | None) -> str:
    if not reason:
        return "none"
    for prefix, kind in (("gate:", "gate"), ("invalid:", "invalid"), ("backend_error", "backend_error"),
                         ("no_completion", "backend_error"), ("no_reviews", "no_reviews")):
        if reason.startswith(prefix):
            return kind
    return "other"


def _mean_rouge(rows: list[dict[str, float]]) -> dict[str, float]:
    import statistics

    return {k: round(statistics.fmean(r[k] for r in rows), 4) for k in ("rouge1", "rouge2", "rougeL")} if rows else {}


def summaries_rouge(items: list[dict[str, Any]], published: dict[str, str | None], *,
                    rolling_min_reviews: int | None = None, data: Path | None = None) -> dict[str, Any]:
    """ROUGE-1/2/L F1 (rouge-score, stemming; mean over references, then items) of the
    published summaries beside the most-central-review baseline and shopscribe's own
    extractive summary (what a fallback publishes), on the items that have references."""
    from shopscribe.summary_eval import (
        evaluate_rolling_extractive,
        item_snippets,
        rouge_against_references,
    )
    from workers.summaries import extractive_summary, most_central_review

    scored = [it for it in items if it.get("summaries")]
    if not scored:
        return {}
    rows: dict[str, list[dict[str, float]]] = {"published": [], "extractive": [], "most_central_review": []}
    per_item: dict[str, dict[str, float]] = {}
    for item in scored:
        refs = item["summaries"]
        snippets = item_snippets(item)
        per_item[item["id"]] = rouge_against_references(published.get(item["id"]) or "", refs)
        rows["published"].append(per_item[item["id"]])
        rows["extractive"].append(rouge_against_references(extractive_summary(snippets)[0], refs))
        rows["most_central_review"].append(rouge_against_references(most_central_review(snippets), refs))
    report: dict[str, Any] = {"items": len(scored), **{name: _mean_rouge(r) for name, r in rows.items()}}
    if rolling_min_reviews is not None and data is not None:
        # The extractive path alone, through the same per-SKU state and the same rolling cadence.
        rolled = evaluate_rolling_extractive(data, min_reviews=rolling_min_reviews)
        report["extractive_rolling"] = {k: rolled[k] for k in ("rouge1", "rouge2", "rougeL")}
    report["per_item"] = {k: {m: round(v, 4) for m, v in s.items()} for k, s in per_item.items()}
    return report


def run_summaries_eval(settings: Settings, data: Path, out: Path, *, embedded: bool, timeout_s: float,
                       one_shot: bool = False, min_reviews: int | None = None,
                       max_wait_s: float | None = None) -> dict[str, Any]:
    import time

    from foundation.kafka import producer
    from shopscribe.broker import free_port

    items = [json.loads(line) for line in data.read_text().splitlines() if line.strip()]
    items = [it for it in items if it.get("reviews")]
    sizes = {it["id"]: len(it["reviews"]) for it in items}
    largest = max(sizes.values(), default=1)
    step = largest if one_shot else max(1, min_reviews or 1)
    streams = {"summary_min_reviews": step,
               # Rolling: a round is published at once, so T only matters if a round is split.
               "summary_max_wait_s": max_wait_s or (60.0 if one_shot else 30.0),
               # Nothing is lost in an eval; a re-issued request would only queue the same work twice.
               "summary_in_flight_timeout_s": max(120.0, timeout_s)}
    if embedded:  # our own broker: any free port, so a running `shopscribe up` is not disturbed
        settings = settings.with_overrides(kafka={"bootstrap": f"127.0.0.1:{free_port()}"})
    settings = settings.with_overrides(streams=streams)
    started = time.monotonic()
    timed_out = False
    with tempfile.TemporaryDirectory() as tmp:
        with LocalStack(settings, Path(tmp) / "stack", embedded=embedded) as stack:
            reader = SummaryReader(stack.settings)
            published = dict.fromkeys(sizes, 0)
            deadline = time.monotonic() + timeout_s
            try:
                with producer(stack.settings) as client, Progress(console=Console(stderr=True)) as progress:
                    task = progress.add_task("summaries" + (" (one-shot)" if one_shot else f" (rolling, {step}/round)"),
                                             total=sum(sizes.values()))
                    for start in range(0, largest, step):
                        for item in items:
                            # One event per send, in order: the review agent sees each review.
                            for index in range(start, min(start + step, sizes[item["id"]])):
                                event = review_event(item, index)
                                client.send(stack.settings.topics.reviews, key=item["id"].encode(),
                                            value=json.dumps(event).encode(),
                                            headers=[("content-type", b"application/json")])
                                published[item["id"]] = index + 1
                        client.flush()
                        while any(reader.coverage(sku) < n for sku, n in published.items()):
                            if time.monotonic() > deadline:
                                timed_out = True
                                break
                            stack.check_alive()
                            reader.poll()
                            progress.update(task, completed=sum(min(reader.coverage(s), n) for s, n in published.items()))
                        if timed_out:
                            break
                    progress.update(task, completed=sum(min(reader.coverage(s), n) for s, n in published.items()))
            finally:
                reader.close()
    elapsed = time.monotonic() - started
    final = {sku: r for sku, r in reader.latest.by_sku.items() if sku in sizes}
    ours = [r for r in reader.results if r["sku"] in sizes]
    with out.open("w") as handle:
        for item in items:
            result = final.get(item["id"])
            row: dict[str, Any] = {"id": item["id"], "summary": result["summary"] if result else None,
                                   "pros": result["pros"] if result else [], "cons": result["cons"] if result else [],
                                   "method": result["method"] if result else "missing",
                                   "fallback_reason": result["fallback_reason"] if result else None,
                                   "coverage": result["coverage"] if result else 0, "reviews": sizes[item["id"]],
                                   "requests": sum(1 for r in ours if r["sku"] == item["id"])}
            if result:
                row.update({k: result[k] for k in ("model", "backend", "prompt_version", "stats", "completion_tokens",
                                                   "source_version")})
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    candidates = [r for r in ours if r.get("completion_tokens", 0) > 0]
    gate_kinds: dict[str, int] = {}
    for r in ours:
        kind = "generated" if r["method"] == "generated" else _fallback_kind(r.get("fallback_reason"))
        gate_kinds[kind] = gate_kinds.get(kind, 0) + 1
    methods = [r["method"] for r in final.values()]
    report: dict[str, Any] = {
        "mode": "one-shot" if one_shot else "rolling", "reviews_per_round": step, "items": len(items),
        "reviews": sum(sizes.values()), "complete": sum(1 for s, n in sizes.items() if reader.coverage(s) >= n),
        "timed_out": timed_out, "seconds": round(elapsed, 1), "backend": settings.worker.backend,
        "model": next((r["model"] for r in final.values()), settings.worker.model),
        "generated": methods.count("generated"), "fallback": methods.count("fallback"),
        "requests": len(ours), "requests_per_item": round(len(ours) / max(1, len(items)), 2),
        # Every result is one request; a "candidate" is one the model answered (tokens > 0).
        "candidates": {"total": len(ours), "model_answered": len(candidates), **gate_kinds,
                       "generated_share": round(gate_kinds.get("generated", 0) / max(1, len(ours)), 4)},
        "out": str(out),
    }
    rouge = summaries_rouge(items, {sku: r["summary"] for sku, r in final.items()},
                            rolling_min_reviews=None if one_shot else step, data=data)
    if rouge:
        report["rouge"] = {k: v for k, v in rouge.items() if k != "per_item"}
        _print_rouge(report["rouge"])
    return report


def _print_rouge(rouge: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"ROUGE F1 (stemmed; mean over references, then {rouge['items']} items)")
    for column in ("system", "ROUGE-1", "ROUGE-2", "ROUGE-L"):
        table.add_column(column)
    for name in ("published", "extractive", "extractive_rolling", "most_central_review"):
        if name in rouge:
            table.add_row(name, *(f"{rouge[name][k]:.4f}" for k in ("rouge1", "rouge2", "rougeL")))
    Console(stderr=True).print(table)
