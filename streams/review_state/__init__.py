"""Per-SKU review state: exact stats, debounce, incremental/rebuild summary requests.

Pure and JSON-serialisable (`to_dict` / `from_dict`): the Faust review agent keeps one
`SkuReviewState` per SKU in a changelog-backed table and calls

    state.apply(event, now=...)            # every valid ReviewEvent (idempotent)
    if state.due(now, min_reviews, max_wait_s):
        request = state.make_request(now, prompt_version)   # -> generation.requests
    state.apply_result(result)             # every ReviewSummaryResult read back from
                                           # reviews.summaries (idempotent)

Policies (see docs/summaries.md):

* Idempotency. Every review keeps the order key of the event that last wrote it:
  ``(source_version, type rank, event_id)`` with deleted > updated > created at equal
  times. An event whose key is <= the stored key is ignored (redelivery, or an older event
  arriving late); deletes leave a tombstone with their key, so a late create/update older
  than the delete cannot resurrect the review. The final state therefore depends only on
  the set of events, never on their order or on how often each was delivered.
* Stats count every live (non-deleted) review, including exact/near duplicates, spam and
  injection attempts: their ratings are real input. Their *text* is kept out of prompts
  and out of extractive summaries.
* Memory: rating/verified/hash metadata is kept for every live review (stats stay exact
  through updates and deletes); texts are capped at `max_texts` per SKU. Eviction keeps
  pending texts, texts cited by the current pros/cons, and a uniform bottom-k sample of
  the rest (by a hash of the review id) so rebuilds still see a fair sample.
* Rebuilds (a fresh sample of all stored texts instead of previous summary + new
  reviews): the first summary, after `rebuild_every` incremental refreshes, when the rating
  histogram moved by more than `shift_tvd` (total variation) or the review count grew by
  `growth_factor` since the last rebuild (so a young SKU's summary is rebuilt at 2, 4, 8,
  ... reviews: O(log n) rebuilds), when a summarised review was edited or deleted, and
  when only stats changed (no new text to read).
* Debounce: due when `min_reviews` promptable reviews are pending, or the oldest pending
  change (any review, or a stats-only change such as a delete) is `max_wait_s` old, and
  no request is in flight (an in-flight request older than `in_flight_timeout_s` is
  considered lost).
* Coverage is a watermark: every change gets a sequence number; a request remembers the
  sequence number it was built at, and its result marks summarised exactly the reviews
  not modified since. Reviews that arrive while a request is in flight stay pending.
"""

from streams.review_state.records import (
    DEFAULT_CONFIG,
    STATE_VERSION,
    Change,
    ReviewRecord,
    ReviewStateConfig,
    prepare_text,
    total_variation,
)
from streams.review_state.state import SkuReviewState

__all__ = [
    "Change",
    "DEFAULT_CONFIG",
    "ReviewRecord",
    "ReviewStateConfig",
    "STATE_VERSION",
    "SkuReviewState",
    "prepare_text",
    "total_variation",
]
