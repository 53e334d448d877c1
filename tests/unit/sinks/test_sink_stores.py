"""Store semantics, on SQLite and (when installed) a real PostgreSQL server: last-write-wins
by source_version whatever the arrival order, idempotent replays, full-text search."""

from __future__ import annotations

import itertools
import random

import pytest
from support import sink_examples as ex

from sinks.stores import Update, query_terms


def content(store) -> dict:  # noqa: ANN001
    return {sku: {k: v for k, v in row.items() if k != "updated_at_ms"} for sku, row in store.rows().items()}


def apply(store, *updates: Update):  # noqa: ANN001, ANN201
    with store.transaction():
        return store.apply(updates)


HISTORY = [
    Update.from_product(ex.product("MUG-1", "Stoneware Mug", 0)),
    Update.from_product(ex.product("MUG-1", "Stoneware Coffee Mug", 5)),
    Update.from_description(ex.description("MUG-1", "A speckled mug glazed in celadon.", 1)),
    Update.from_description(ex.description("MUG-1", "A speckled mug, now with a wider handle.", 6)),
    Update.from_summary(ex.summary("MUG-1", "Buyers like the weight.", 2, pros=["solid weight"])),
    Update.from_summary(ex.summary("MUG-1", "Buyers like the weight; some chips.", 7, pros=["solid weight"],
                                   cons=["chips easily"], histogram={"1": 1, "2": 0, "3": 0, "4": 3, "5": 4})),
    Update.from_description(ex.description("PAN-1", "A carbon steel skillet seasoned with flaxseed oil.", 3)),
    Update.from_description(ex.description("PAN-1", "A carbon steel skillet, pre-seasoned.", 4)),
]
# Latest of each part: what any order of HISTORY must end in.
LATEST = [HISTORY[1], HISTORY[3], HISTORY[5], HISTORY[7]]


def test_in_order_history_ends_at_the_latest_versions(store) -> None:  # noqa: ANN001
    counts = apply(store, *HISTORY)
    assert counts.applied == len(HISTORY) and counts.stale == 0
    rows = store.rows()
    assert rows["MUG-1"]["title"] == "Stoneware Coffee Mug"
    assert rows["MUG-1"]["description"] == "A speckled mug, now with a wider handle."
    assert rows["MUG-1"]["description_version"] == ex.version_at(6)
    assert rows["MUG-1"]["summary_version"] == ex.version_at(7)
    assert rows["MUG-1"]["cons"] == ["chips easily"] and rows["MUG-1"]["review_count"] == 8
    assert rows["MUG-1"]["histogram"] == {"1": 1, "2": 0, "3": 0, "4": 3, "5": 4}
    assert rows["PAN-1"]["description"] == "A carbon steel skillet, pre-seasoned." and rows["PAN-1"]["title"] is None


def test_any_arrival_order_and_any_replay_end_equal_to_the_latest(store) -> None:  # noqa: ANN001
    apply(store, *LATEST)
    expected = content(store)
    orders = [list(reversed(HISTORY))] + [random.Random(seed).sample(HISTORY, len(HISTORY)) for seed in range(6)]
    for order in orders:
        # Replayed and reordered input on top of the latest state: nothing moves.
        counts = apply(store, *order)
        assert content(store) == expected
        # Only equal-version re-deliveries apply (idempotently); older ones are stale.
        assert counts.applied == len(LATEST) and counts.stale == len(HISTORY) - len(LATEST)


def test_fresh_store_fed_in_every_order_of_one_sku_ends_equal(store) -> None:  # noqa: ANN001
    descriptions = [u for u in HISTORY if u.part == "description" and u.sku == "MUG-1"]
    summaries = [u for u in HISTORY if u.part == "summary"]
    results = []
    for i, order in enumerate(itertools.permutations(descriptions + summaries)):
        sku = f"SKU-{i}"
        apply(store, *(Update(u.part, sku, u.source_version, u.values) for u in order))
        row = {k: v for k, v in store.get(sku).items() if k not in ("sku", "updated_at_ms")}
        results.append(row)
    assert len(results) == 24 and all(r == results[0] for r in results)
    assert results[0]["description_version"] == ex.version_at(6) and results[0]["summary_version"] == ex.version_at(7)


def test_equal_source_version_under_a_new_prompt_version_replaces(store) -> None:  # noqa: ANN001
    apply(store, Update.from_description(ex.description("LAMP-1", "Brass lamp, v1 prompt.", 10)))
    replayed = ex.description("LAMP-1", "Brass lamp written by the v2 prompt.", 10, prompt_version="desc-v2")
    assert apply(store, Update.from_description(replayed)).applied == 1
    row = store.get("LAMP-1")
    assert row["description"] == "Brass lamp written by the v2 prompt." and row["description_prompt_version"] == "desc-v2"
    # ...but a replay of an older source under the new prompt never overwrites the newer one.
    old = ex.description("LAMP-1", "Old brass lamp text.", 9, prompt_version="desc-v3")
    assert apply(store, Update.from_description(old)).stale == 1
    assert store.get("LAMP-1")["description_prompt_version"] == "desc-v2"


def test_parts_are_versioned_independently(store) -> None:  # noqa: ANN001
    apply(store, Update.from_description(ex.description("BOWL-1", "A wide ramen bowl.", 50)),
          Update.from_summary(ex.summary("BOWL-1", "Reviewers find it deep.", 1)),
          Update.from_product(ex.product("BOWL-1", "Ramen Bowl", 0)))
    row = store.get("BOWL-1")
    assert (row["title"], row["description"], row["summary"]) == ("Ramen Bowl", "A wide ramen bowl.", "Reviewers find it deep.")


def test_a_failed_transaction_leaves_the_store_unchanged(store) -> None:  # noqa: ANN001
    apply(store, Update.from_description(ex.description("CUP-1", "A glass cup.", 1)))
    before = content(store)
    with pytest.raises(RuntimeError), store.transaction():
        store.apply([Update.from_description(ex.description("CUP-1", "A tempered glass cup.", 2))])
        raise RuntimeError("crash before commit")
    assert content(store) == before


def test_search_finds_a_word_that_is_only_in_a_description(store) -> None:  # noqa: ANN001
    apply(store, *HISTORY,
          Update.from_product(ex.product("KETTLE-1", "Gooseneck Kettle", 0)),
          Update.from_description(ex.description("KETTLE-1", "A gooseneck kettle with a thermometer in the lid.", 1)))
    hits = store.search("thermometer")
    assert [h.sku for h in hits] == ["KETTLE-1"]
    assert "[thermometer]" in hits[0].snippet and hits[0].title == "Gooseneck Kettle"
    # The index follows the upserts: words of a superseded description are gone.
    assert store.search("flaxseed") == []
    assert [h.sku for h in store.search("pre-seasoned skillet")] == ["PAN-1"]
    # Summary, pros/cons and title are indexed too; stemming applies.
    assert [h.sku for h in store.search("chips")] == ["MUG-1"]
    assert [h.sku for h in store.search("handles")] == ["MUG-1"]
    assert [h.sku for h in store.search("coffee")] == ["MUG-1"]


def test_title_hits_rank_above_description_hits_and_limit_applies(store) -> None:  # noqa: ANN001
    apply(store,
          Update.from_product(ex.product("A-1", "Walnut Board", 0)),
          Update.from_description(ex.description("A-1", "A thick end-grain board.", 0)),
          Update.from_product(ex.product("B-1", "Bread Knife", 0)),
          Update.from_description(ex.description("B-1", "Slices cleanly on a walnut or maple surface.", 0)))
    hits = store.search("walnut")
    assert [h.sku for h in hits] == ["A-1", "B-1"] and hits[0].score > hits[1].score
    assert len(store.search("walnut", limit=1)) == 1


def test_user_query_syntax_never_reaches_the_engine(store) -> None:  # noqa: ANN001
    apply(store, Update.from_description(ex.description("X-1", "A \"quoted\" mug (blue) AND more.", 0)))
    for query in ['"mug', "mug AND (", "NEAR(mug", "-mug", "mug:*", "*", "'; DROP TABLE x; --", ""]:
        store.search(query)  # no syntax error
    assert [h.sku for h in store.search('"mug (blue')] == ["X-1"]
    assert query_terms("  ") == [] and store.search("   ") == []
