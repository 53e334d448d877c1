"""The bundled sample data (shopscribe/data/*.jsonl) parses as intended.

Every line validates with its pydantic model, except a fixed set of deliberately bad
lines that exercise the dead-letter path.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib.resources import files

import pytest
from pydantic import ValidationError

from schemas.events import ProductEvent, ReviewEvent

DATA = files("shopscribe") / "data"


def _load(name: str, model):
    """(valid events, {reason: count}) for one JSONL file."""
    valid, bad = [], Counter()
    lines = [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    for line in lines:
        try:
            raw = json.loads(line)
        except json.JSONDecodeError:
            bad["invalid_json"] += 1
            continue
        try:
            valid.append(model.model_validate(raw))
        except ValidationError as exc:
            locs = {err["loc"][0] for err in exc.errors() if err["loc"]}
            bad["/".join(sorted(str(loc) for loc in locs))] += 1
    return valid, bad


@pytest.fixture(scope="module")
def catalog():
    return _load("catalog.jsonl", ProductEvent)


@pytest.fixture(scope="module")
def reviews():
    return _load("reviews.jsonl", ReviewEvent)


def test_catalog_bad_lines_are_exactly_the_intended_four(catalog):
    _, bad = catalog
    assert bad == Counter({"invalid_json": 1, "title": 1, "attributes": 1, "occurred_at": 1})


def test_catalog_size_and_categories(catalog):
    valid, _ = catalog
    created = {e.sku: e for e in valid if e.type == "product.created"}
    assert len(created) >= 40
    assert len({e.category for e in created.values()}) >= 6
    assert all(e.locale == "en" and e.brand and e.attributes for e in created.values())


def test_catalog_updates_and_resend(catalog):
    valid, _ = catalog
    created = {}
    resends = 0
    for e in valid:
        if e.type != "product.created":
            continue
        if e.sku in created:
            first = created[e.sku]
            assert e.event_id != first.event_id
            assert e.model_dump(exclude={"event_id"}) == first.model_dump(exclude={"event_id"})
            resends += 1
        else:
            created[e.sku] = e
    assert resends == 1
    updates = [e for e in valid if e.type == "product.updated"]
    assert len(updates) == 3
    for u in updates:
        orig = created[u.sku]
        assert u.occurred_at > orig.occurred_at
        assert (u.title, u.attributes) != (orig.title, orig.attributes)
    assert len({e.event_id for e in valid}) == len(valid)


def test_review_bad_lines_are_exactly_the_intended_two(reviews):
    _, bad = reviews
    assert bad == Counter({"rating": 1, "review_id": 1})


def test_reviews_reference_catalog_skus(catalog, reviews):
    products, _ = catalog
    skus = {e.sku for e in products}
    valid, _ = reviews
    assert len(valid) >= 100
    assert {e.sku for e in valid} <= skus
    assert len({e.sku for e in valid}) == 8


def test_review_mix(reviews):
    valid, _ = reviews
    kinds = Counter(e.type for e in valid)
    assert kinds["review.updated"] == 3 and kinds["review.deleted"] == 2
    created = {e.review_id: e for e in valid if e.type == "review.created"}
    assert len(created) == kinds["review.created"]  # review_ids are unique among creations
    for e in valid:
        if e.type != "review.created":
            assert e.review_id in created and e.occurred_at > created[e.review_id].occurred_at
    assert set(Counter(e.rating for e in created.values())) == {1, 2, 3, 4, 5}
    assert any(e.verified_purchase for e in created.values())
    texts = Counter(e.text for e in created.values())
    assert sum(1 for n in texts.values() if n > 1) == 3  # three exact duplicate texts
    assert len({e.event_id for e in valid}) == len(valid)
