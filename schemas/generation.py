"""Internal contract between streams and the worker: a micro-batch of generation requests.

The worker is stateless, so each request carries everything needed to generate and to
publish the result (source identity, versions, and for summaries the previous summary,
the new reviews and the exact statistics computed in streams).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.events import SCHEMA_VERSION, ProductEvent


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReviewStats(_Frozen):
    """Exact review statistics, computed in streams (never generated)."""

    count: int = Field(ge=0)
    average: float = Field(ge=0, le=5)
    histogram: dict[str, int] = Field(description="rating '1'..'5' -> count")
    verified_share: float = Field(ge=0, le=1)


class ReviewSnippet(_Frozen):
    """A cleaned, PII-masked review as it may appear in a prompt."""

    review_id: str
    rating: int = Field(ge=1, le=5)
    text: str = Field(max_length=5000)


class DescriptionRequest(_Frozen):
    kind: Literal["description"] = "description"
    request_id: str = Field(description="Derived from input hash + prompt version: retries keep their identity")
    sku: str
    input_hash: str
    prompt_version: str
    source_event_id: str
    source_version: int
    product: ProductEvent


class SummaryRequest(_Frozen):
    kind: Literal["summary"] = "summary"
    request_id: str
    sku: str
    input_hash: str
    prompt_version: str
    source_event_id: str
    source_version: int
    mode: Literal["incremental", "rebuild"] = "incremental"
    previous_summary: str | None = None
    reviews: list[ReviewSnippet] = Field(max_length=200)
    covered_review_ids: list[str] = Field(default_factory=list, description="All review ids the result will cover")
    stats: ReviewStats


GenerationRequest = Annotated[DescriptionRequest | SummaryRequest, Field(discriminator="kind")]


class GenerationBatch(_Frozen):
    schema_version: int = SCHEMA_VERSION
    batch_id: str
    created_at_ms: int
    requests: list[GenerationRequest] = Field(min_length=1, max_length=1024)
