"""Input events are strict where it protects the pipeline and lenient where producers
legitimately differ (extra optional fields)."""

import json
from datetime import datetime, timezone

import pytest

from schemas import DecodeError, ProductEvent, ReviewEvent, decode

PRODUCT = {"event_id": "e1", "type": "product.created", "sku": "MUG-1", "title": "Stoneware Mug",
           "attributes": {"color": "sage", "sizes": ["S", "M"]}, "occurred_at": "2026-11-01T10:00:00Z"}
REVIEW = {"event_id": "r1", "type": "review.created", "review_id": "rv1", "sku": "MUG-1", "rating": 4,
          "text": "Holds heat well.", "occurred_at": "2026-11-01T10:00:00+01:00"}


def raw(**changes) -> bytes:
    return json.dumps({**PRODUCT, **changes}).encode()


def test_a_valid_product_decodes_with_defaults() -> None:
    event = decode(raw(), ProductEvent)
    assert event.locale == "en" and event.schema_version == 1
    assert event.source_version == int(datetime(2026, 11, 1, 10, tzinfo=timezone.utc).timestamp()) * 1_000_000


def test_unknown_optional_fields_are_ignored() -> None:
    assert decode(raw(new_field="x"), ProductEvent).sku == "MUG-1"


@pytest.mark.parametrize("changes, field", [
    ({"sku": ""}, "sku"),
    ({"sku": "x" * 65}, "sku"),
    ({"sku": "has space"}, "sku"),
    ({"title": "t" * 201}, "title"),
    ({"attributes": {f"a{i}": "v" for i in range(51)}}, "attributes"),
    ({"attributes": {"a": "v" * 301}}, "attributes"),
    ({"attributes": {"a": {"nested": "no"}}}, "attributes"),
    ({"attributes": ["a", "b"]}, "attributes"),
    ({"occurred_at": "2026-11-01T10:00:00"}, "occurred_at"),
    ({"type": "product.deleted"}, "type"),
    ({"schema_version": 2}, "schema_version"),
    ({"max_chars": 10}, "max_chars"),
])
def test_out_of_contract_products_are_rejected_naming_the_field(changes: dict, field: str) -> None:
    with pytest.raises(DecodeError) as error:
        decode(raw(**changes), ProductEvent)
    assert error.value.kind == "schema_invalid"
    assert field in error.value.reason


@pytest.mark.parametrize("rating", [0, 6, 4.0, True, "5"])
def test_ratings_are_integers_from_one_to_five(rating: object) -> None:
    with pytest.raises(DecodeError):
        decode(json.dumps({**REVIEW, "rating": rating}).encode(), ReviewEvent)


def test_a_valid_review_decodes() -> None:
    review = decode(json.dumps(REVIEW).encode(), ReviewEvent)
    assert review.rating == 4 and review.verified_purchase is False


@pytest.mark.parametrize("value, kind", [
    (None, "invalid_json"),
    (b"{not json", "invalid_json"),
    (b"\xff\xfe", "invalid_utf8"),
    (b"[1, 2]", "schema_invalid"),
    (b"[" * 100_000 + b"]" * 100_000, "invalid_json"),
    (b" " * 1_000_001, "too_large"),
])
def test_undecodable_bytes_get_a_dead_letter_class(value: bytes | None, kind: str) -> None:
    with pytest.raises(DecodeError) as error:
        decode(value, ProductEvent)
    assert error.value.kind == kind
