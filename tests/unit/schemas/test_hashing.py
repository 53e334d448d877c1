"""The input hash: what streams and the worker agree identifies a product's facts."""

from __future__ import annotations

from datetime import datetime, timezone

from schemas import ProductEvent
from schemas.hashing import DESCRIPTION_PROMPT_VERSION, input_hash

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)


def product(**overrides: object) -> ProductEvent:
    base: dict = {
        "event_id": "e1", "type": "product.created", "sku": "SHOE-1", "occurred_at": T0,
        "title": "Ridgeback Trail Running Shoe", "brand": "Kestrel Outdoor", "category": "running shoes",
        "attributes": {"upper": "ripstop mesh", "drop": "6 mm", "colors": ["olive", "rust"]},
    }
    return ProductEvent.model_validate({**base, **overrides})


def test_hash_ignores_attribute_order_event_identity_and_time() -> None:
    a = product(attributes={"upper": "mesh", "drop": "6 mm"})
    b = product(attributes={"drop": "6 mm", "upper": "mesh"}, event_id="e2", type="product.updated",
                occurred_at=datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert input_hash(a, "desc-v1") == input_hash(b, "desc-v1")


def test_hash_changes_with_anything_generation_depends_on() -> None:
    base = input_hash(product(), "desc-v1")
    changed = [
        product(title="Ridgeback Trail Running Shoe 2"), product(brand="Other"), product(category="boots"),
        product(locale="en-GB"), product(max_chars=300), product(attributes={"upper": "leather"}),
        product(attributes={"upper": "ripstop mesh", "drop": "6 mm", "colors": ["rust", "olive"]}),
    ]
    hashes = {input_hash(p, "desc-v1") for p in changed}
    assert base not in hashes and len(hashes) == len(changed)
    assert input_hash(product(), "desc-v2") != base


def test_hash_is_a_sha256_hex_digest_and_stable_across_runs() -> None:
    digest = input_hash(product(), DESCRIPTION_PROMPT_VERSION)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert digest == input_hash(product(), DESCRIPTION_PROMPT_VERSION)
