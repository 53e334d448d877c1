"""Input events: what producers publish on products.events and reviews.events."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

SCHEMA_VERSION = 1

Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\s\x00-\x1f]+$")]
EventId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
AttributeName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
AttributeValue = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]

MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_LIST = 20


class _Event(BaseModel):
    # Unknown optional fields are allowed (producers may add some), but never trusted.
    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    schema_version: int = Field(SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)
    event_id: EventId
    sku: Sku
    occurred_at: AwareDatetime
    locale: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en"

    @property
    def source_version(self) -> int:
        """Microseconds since the epoch of `occurred_at`: consumers keep the highest."""
        return int(self.occurred_at.timestamp() * 1_000_000)


class ProductEvent(_Event):
    type: Literal["product.created", "product.updated"]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    attributes: dict[AttributeName, AttributeValue | Annotated[list[AttributeValue], Field(max_length=MAX_ATTRIBUTE_LIST)]] = Field(
        max_length=MAX_ATTRIBUTES
    )
    category: ShortText | None = None
    brand: ShortText | None = None
    max_chars: int | None = Field(None, ge=80, le=4000)


class ReviewEvent(_Event):
    type: Literal["review.created", "review.updated", "review.deleted"]
    review_id: EventId
    rating: int = Field(ge=1, le=5)
    text: Annotated[str, StringConstraints(max_length=5000)]
    title: ShortText | None = None
    verified_purchase: bool = False

    @field_validator("rating", mode="before")
    @classmethod
    def _no_bool_or_float_rating(cls, value: object) -> object:
        # pydantic would coerce True -> 1, 4.0 -> 4 and "5" -> 5; a rating is a plain integer.
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("rating must be an integer 1-5")
        return value
