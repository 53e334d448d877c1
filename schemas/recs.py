"""The recommender's feature record (topic `recs.features`, key = SKU), written by `shopscribe sink recs`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from schemas.events import SCHEMA_VERSION


class RecsFeatures(BaseModel):
    """Value on recs.features (key = SKU)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = SCHEMA_VERSION
    sku: str
    source_version: int = Field(description="Highest source_version of the parts it was computed from")
    embedding: list[float] = Field(min_length=1)
    embedding_model: str
    embedding_dim: int
    text_hash: str = Field(description="sha256 of the embedded text (and the embedding model)")
    description_version: int | None = None
    description_prompt_version: str | None = None
    description_model: str | None = None
    description_method: str | None = None
    summary_version: int | None = None
    summary_prompt_version: str | None = None
    summary_model: str | None = None
    summary_method: str | None = None
    rating_count: int = 0
    rating_average: float | None = None
    verified_share: float | None = None
    rating_histogram: dict[str, int] = Field(default_factory=dict)
    sentiment_share: float | None = Field(None, description="Share of 4-5 star ratings; None without ratings")
    negative_share: float | None = Field(None, description="Share of 1-2 star ratings; None without ratings")
    computed_at_ms: int
