"""A SKU's in-flight slot after a streams crash (tests/faults, streams kill -9: one SKU in
five runs waited out the 300 s in-flight timeout).

The crash lost the state's last writes, so the restarted streams asks again from an earlier
point: a request with a lower source_version than the one it sent before the crash. The
worker, finding both in one poll, answers only the newest by source_version (it drops the
others, workers/worker.py `_coalesce`), i.e. the request from before the crash."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from schemas.events import ReviewEvent
from streams.review_state import SkuReviewState

T0 = datetime(2025, 3, 1, tzinfo=timezone.utc)
SKU = "SKU-1"


def review(i: int) -> ReviewEvent:
    return ReviewEvent(event_id=f"e{i}", type="review.created", review_id=f"r{i}", sku=SKU, rating=1 + i % 5,
                       text=f"The handle of mug number {i} stays cool and the glaze is even.",
                       occurred_at=T0 + timedelta(seconds=i), verified_purchase=False)


def crashed_and_recovered() -> tuple[SkuReviewState, object, object]:
    """(recovered state, request sent before the crash, request the recovered state sent)."""
    state = SkuReviewState(SKU)
    for i in range(10):
        state.apply(review(i), now=0.0)
    recovered = SkuReviewState.from_json(state.to_json())  # the last write that survived
    for i in range(10, 20):
        state.apply(review(i), now=1.0)
    before_crash = state.make_request(1.0, "sum-v1")  # sent; the state that records it is lost
    after_restart = recovered.make_request(2.0, "sum-v1")  # asked again from the earlier point
    assert after_restart.source_version < before_crash.source_version
    return recovered, before_crash, after_restart


def test_a_result_outranking_the_in_flight_request_frees_the_slot_so_the_rest_is_asked_for_again() -> None:
    recovered, before_crash, _ = crashed_and_recovered()
    for i in range(10, 20):  # the redelivered events
        recovered.apply(review(i), now=3.0)

    recovered.mark_summarised(before_crash.request_id, summary="Cool handle.",
                              source_version=before_crash.source_version)

    assert recovered.in_flight is None
    assert recovered.due(5.0, min_reviews=25, max_wait_s=1.0)  # not after the 300 s in-flight timeout
    again = recovered.make_request(5.0, "sum-v1")
    assert again.stats.count == 20
    assert again.source_version > before_crash.source_version  # outranks the older summary downstream


def test_a_result_below_the_in_flight_request_still_leaves_the_slot_to_its_own_result() -> None:
    recovered, _, after_restart = crashed_and_recovered()
    recovered.mark_summarised("sum-older", summary="Older.", source_version=after_restart.source_version - 1)
    assert recovered.in_flight and recovered.in_flight["request_id"] == after_restart.request_id
