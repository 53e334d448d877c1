"""When a product event becomes a generation request."""

from datetime import datetime, timedelta, timezone

from schemas import ProductEvent
from streams.products import decide

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


def event(minutes: int = 0) -> ProductEvent:
    return ProductEvent(event_id=f"e{minutes}", type="product.created", sku="S1", title="Mug", attributes={},
                        occurred_at=T0 + timedelta(minutes=minutes))


def test_a_new_sku_is_requested() -> None:
    assert decide(event(), "h1", None).reason == "new"


def test_same_content_is_skipped_even_under_a_new_event_id() -> None:
    last = {"hash": "h1", "source_version": event().source_version}
    decision = decide(event(1), "h1", last)
    assert not decision.request and decision.reason == "unchanged"


def test_changed_content_is_requested() -> None:
    assert decide(event(1), "h2", {"hash": "h1", "source_version": event().source_version}).reason == "changed"


def test_an_older_event_arriving_late_never_overwrites_newer_content() -> None:
    decision = decide(event(0), "h-old", {"hash": "h-new", "source_version": event(5).source_version})
    assert not decision.request and decision.reason == "stale"
