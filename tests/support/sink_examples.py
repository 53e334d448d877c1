"""Example output records, for the sinks' tests and for teams writing their own consumers."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from schemas import ProductEvent
from schemas.generation import ReviewStats
from schemas.results import AspectPhrase, DescriptionResult, ReviewSummaryResult

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


def version_at(minutes: int) -> int:
    return int((T0 + timedelta(minutes=minutes)).timestamp() * 1_000_000)


def _common(sku: str, minutes: int, prompt_version: str, model: str) -> dict:
    digest = hashlib.sha256(f"{sku}:{minutes}:{prompt_version}".encode()).hexdigest()[:16]
    return {"sku": sku, "request_id": f"req-{digest}", "input_hash": digest, "prompt_version": prompt_version,
            "model": model, "backend": "echo", "method": "generated", "source_event_id": f"{sku}-{minutes}",
            "source_version": version_at(minutes), "generated_at_ms": 1_700_000_000_000 + minutes}


def description(sku: str, text: str, minutes: int = 0, prompt_version: str = "desc-v1",
                model: str = "example-model") -> DescriptionResult:
    return DescriptionResult(**_common(sku, minutes, prompt_version, model), description=text)


def summary(sku: str, text: str, minutes: int = 0, histogram: dict[str, int] | None = None,
            pros: list[str] = (), cons: list[str] = (), prompt_version: str = "sum-v1",
            model: str = "example-model", verified_share: float = 0.5) -> ReviewSummaryResult:
    histogram = histogram or {"1": 0, "2": 0, "3": 1, "4": 2, "5": 1}
    count = sum(histogram.values())
    average = sum(int(k) * v for k, v in histogram.items()) / count if count else 0.0
    return ReviewSummaryResult(
        **_common(sku, minutes, prompt_version, model), summary=text,
        pros=[AspectPhrase(phrase=p, review_ids=["r1"]) for p in pros],
        cons=[AspectPhrase(phrase=c, review_ids=["r2"]) for c in cons],
        stats=ReviewStats(count=count, average=round(average, 4), histogram=histogram, verified_share=verified_share),
        coverage=count)


def product(sku: str, title: str, minutes: int = 0, **attributes: str) -> ProductEvent:
    return ProductEvent.model_validate({
        "event_id": f"{sku}-p{minutes}", "type": "product.created" if minutes == 0 else "product.updated",
        "sku": sku, "title": title, "category": "kitchen", "brand": "Hearth & Co",
        "attributes": attributes or {"material": "stoneware"},
        "occurred_at": (T0 + timedelta(minutes=minutes)).isoformat()})
