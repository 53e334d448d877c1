"""Events dated beyond the clock-skew margin in the future are dead letters: they never
become state, so they never outrank the real updates that follow them."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from foundation.settings import Settings
from schemas import ProductEvent, ReviewEvent
from schemas.hashing import input_hash
from streams.intake import FUTURE_TIMESTAMP, Rejected, admit
from streams.products import decide
from streams.review_state import SkuReviewState

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
MARGIN_S = 300.0


def product(event_id: str, occurred_at: datetime, color: str) -> bytes:
    return json.dumps({"event_id": event_id, "type": "product.updated", "sku": "MUG-1", "title": "Mug",
                       "attributes": {"color": color}, "occurred_at": occurred_at.isoformat()}).encode()


def review(event_id: str, kind: str, occurred_at: datetime, rating: int) -> bytes:
    return json.dumps({"event_id": event_id, "type": kind, "review_id": "r1", "sku": "MUG-1", "rating": rating,
                       "text": "Sturdy handle, keeps coffee hot.", "occurred_at": occurred_at.isoformat()}).encode()


def admitted(raw: bytes, model: type) -> object:
    return admit(raw, model, now=NOW.timestamp(), max_future_skew_s=MARGIN_S)


def test_a_product_dated_2999_is_dead_lettered_and_the_real_update_after_it_is_requested() -> None:
    last: dict[bytes, dict] = {}  # the agent's last-requested table
    published = []
    for raw in (product("bogus", datetime(2999, 1, 1, tzinfo=timezone.utc), "red"),
                product("real", NOW - timedelta(minutes=1), "sage green")):
        event = admitted(raw, ProductEvent)
        if isinstance(event, Rejected):
            assert event.error == FUTURE_TIMESTAMP
            continue
        digest = input_hash(event, "desc-v1")
        if decide(event, digest, last.get(event.sku.encode())).request:
            last[event.sku.encode()] = {"hash": digest, "source_version": event.source_version}
            published.append(event.event_id)
    assert published == ["real"]


def test_a_review_dated_2999_does_not_freeze_its_later_correction() -> None:
    state = SkuReviewState(sku="MUG-1")
    stream = [review("e1", "review.created", NOW - timedelta(hours=2), 2),
              review("e2", "review.updated", datetime(2999, 1, 1, tzinfo=timezone.utc), 2),
              review("e3", "review.updated", NOW - timedelta(hours=1), 5)]
    rejected = []
    for raw in stream:
        event = admitted(raw, ReviewEvent)
        if isinstance(event, Rejected):
            rejected.append(event.error)
        else:
            state.apply(event, now=NOW.timestamp())
    assert rejected == [FUTURE_TIMESTAMP]
    assert state.stats().average == 5.0
    request = state.make_request(NOW.timestamp(), "sum-v1")
    assert request.source_version <= NOW.timestamp() * 1_000_000  # no version from 2999 to outrank later writes


def test_the_reason_says_how_far_ahead_and_which_setting_bounds_it() -> None:
    event = admitted(product("p", NOW + timedelta(hours=1), "red"), ProductEvent)
    assert isinstance(event, Rejected)
    assert "3600 s ahead" in event.reason and "SHOPSCRIBE_STREAMS__MAX_FUTURE_SKEW_S" in event.reason


@pytest.mark.parametrize("ahead_s", [0.0, 60.0, MARGIN_S])
def test_ordinary_clock_drift_within_the_margin_is_accepted(ahead_s: float) -> None:
    event = admitted(review("e", "review.created", NOW + timedelta(seconds=ahead_s), 4), ReviewEvent)
    assert isinstance(event, ReviewEvent)


def test_invalid_input_keeps_its_own_error_class() -> None:
    rejected = admitted(b"{not json", ReviewEvent)
    assert isinstance(rejected, Rejected) and rejected.error == "invalid_json"


def test_the_margin_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().streams.max_future_skew_s == 300.0
    monkeypatch.setenv("SHOPSCRIBE_STREAMS__MAX_FUTURE_SKEW_S", "30")
    assert Settings().streams.max_future_skew_s == 30.0
