"""What an input record must pass before it may touch state: the codec's validation, and a
bound on how far in the future it may be dated.

Every event's `occurred_at` is its `source_version`, and state and consumers keep the
highest (last-write-wins by the source's clock). An event dated 2999 would therefore
outrank every real update of its SKU for ever: a product's later updates skipped as
`stale`, a review's correction ignored, a summary stamped with a version no downstream
write can beat. Such an event is a dead letter (`future_timestamp`), never state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TypeVar

from schemas import DecodeError, ProductEvent, ReviewEvent, decode

FUTURE_TIMESTAMP = "future_timestamp"

E = TypeVar("E", ProductEvent, ReviewEvent)


@dataclass(frozen=True)
class Rejected:
    """A record for the dead-letter topic: its error class and a reason a person can act on."""

    error: str
    reason: str


def future_skew(occurred_at: datetime, now: float, max_future_skew_s: float) -> Rejected | None:
    """A rejection when `occurred_at` is more than `max_future_skew_s` ahead of `now`."""
    ahead_s = occurred_at.timestamp() - now
    if ahead_s <= max_future_skew_s:
        return None
    clock = datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="seconds")
    return Rejected(FUTURE_TIMESTAMP, (
        f"occurred_at {occurred_at.isoformat()} is {ahead_s:.0f} s ahead of this processor's clock ({clock}); "
        f"the limit is {max_future_skew_s:g} s (SHOPSCRIBE_STREAMS__MAX_FUTURE_SKEW_S). Accepted, it would "
        "outrank every real update of its SKU; fix the producer's clock or the field and republish"))


def admit(raw: bytes | None, model: type[E], *, now: float, max_future_skew_s: float) -> E | Rejected:
    """The validated event, or why it goes to the dead-letter topic instead."""
    try:
        event = decode(raw, model)
    except DecodeError as exc:
        return Rejected(exc.kind, exc.reason)
    return future_skew(event.occurred_at, now, max_future_skew_s) or event
