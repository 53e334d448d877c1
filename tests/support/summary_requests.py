"""Reviews, stats and requests shared by the summary tests. All review texts are invented."""

from __future__ import annotations

from schemas.generation import ReviewSnippet, ReviewStats, SummaryRequest

REVIEWS = [
    ReviewSnippet(review_id="a1", rating=5, text="The fabric is very soft and the fit is great. It washes well and keeps its shape."),
    ReviewSnippet(review_id="a2", rating=4, text="Soft fabric and a nice color. It runs small, so order one size up."),
    ReviewSnippet(review_id="a3", rating=5, text="Comfortable and warm for winter walks. The fabric is soft and the fit is great."),
    ReviewSnippet(review_id="a4", rating=1, text="The zipper broke after a week. Poorly made and the seams came apart."),
    ReviewSnippet(review_id="a5", rating=2, text="It runs small and the zipper feels flimsy. Returned it for a larger size."),
    ReviewSnippet(review_id="a6", rating=5, text="Great fit, soft fabric, and it kept my son warm on cold mornings."),
]
STATS = ReviewStats(count=6, average=22 / 6, histogram={"1": 1, "2": 1, "3": 0, "4": 1, "5": 3}, verified_share=0.5)


def request(reviews=REVIEWS, mode="rebuild", previous=None, covered=None) -> SummaryRequest:
    return SummaryRequest(
        request_id="req-1", sku="SKU-9", input_hash="h", prompt_version="sum-v1", source_event_id="e1",
        source_version=1, mode=mode, previous_summary=previous, reviews=list(reviews),
        covered_review_ids=covered or [r.review_id for r in reviews], stats=STATS,
    )


GOOD = ("Summary: Customers find the fabric soft and the fit great, and it keeps them warm. "
        "Several say it runs small and the zipper is flimsy.\n"
        "Pros:\n- soft fabric [R1, R2, R3]\n- great fit [R1, R6]\n"
        "Cons:\n- runs small [R2, R5]\n- flimsy zipper [R5]\n")
