"""Output contracts on the compacted topics, keyed by SKU.

Consumers keep, per SKU, the result with the highest `source_version`: never the latest
to arrive, because a replay of old events arrives late but is not newer.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.events import SCHEMA_VERSION
from schemas.generation import ReviewStats

# generated: the model's text as written; generated_pruned: the model's text less sentences
# that stated something the facts do not support; fallback: deterministic text from the
# facts (descriptions) or the reviews' aspects and stats (summaries).
Method = Literal["generated", "generated_pruned", "fallback"]


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = SCHEMA_VERSION
    sku: str
    request_id: str
    input_hash: str
    prompt_version: str
    model: str
    backend: str
    method: Method
    fallback_reason: str | None = Field(
        None,
        description="Why the generated text was rejected, when method=fallback: reason codes, never the model's text",
    )
    source_event_id: str
    source_version: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    generated_at_ms: int


class DroppedSentence(BaseModel):
    """A sentence of the draft that was not published, and why (codes only: the sentence
    itself is the model's text, which may be false or unsafe)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int = Field(ge=0, description="Position of the sentence in the draft")
    reasons: list[str] = Field(min_length=1, description="e.g. unsupported_material, unsupported_number, contradicts")


class DescriptionResult(_Result):
    description: str = Field(min_length=1, max_length=4000)
    dropped_sentences: list[DroppedSentence] = Field(
        default_factory=list, max_length=50,
        description="Draft sentences removed before publishing (method=generated_pruned)",
    )


class AspectPhrase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    phrase: str = Field(min_length=1, max_length=80)
    review_ids: list[str] = Field(min_length=1)
    count: int = Field(
        0, ge=0,
        description="How many of the reviews read say it (the size of review_ids); 0 in results written before counts",
    )


class ReviewSummaryResult(_Result):
    summary: str = Field(min_length=1, max_length=1500)
    pros: list[AspectPhrase] = Field(default_factory=list, max_length=8)
    cons: list[AspectPhrase] = Field(default_factory=list, max_length=8)
    stats: ReviewStats
    coverage: int = Field(ge=0, description="Number of reviews this summary covers")
