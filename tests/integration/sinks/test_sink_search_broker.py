"""The search sink against the real (embedded) broker: results published out of order and
replayed end in an index equal to the latest versions; search finds a product by a word
only its description has; a restarted sink resumes from its committed offsets. Runs on
SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import uuid

import pytest
from kafka import KafkaConsumer, TopicPartition
from support import sink_examples as ex

from foundation.kafka import kafka_python_config, producer
from foundation.settings import SinkSettings
from schemas import encode
from shopscribe.broker import ensure_topics
from shopscribe.collect import Latest
from sinks.search import SearchSink
from sinks.stores import open_store

pytestmark = pytest.mark.integration

WORDS = {"MUG-1": "celadon", "KETTLE-1": "thermometer", "BOARD-1": "walnut", "TOWEL-1": "waffle", "LAMP-1": "brass"}


def publish(settings, messages: list[tuple[str, object]]) -> None:  # noqa: ANN001
    with producer(settings) as client:
        for topic, model in messages:
            client.send(topic, key=model.sku.encode(), value=encode(model))
        client.flush()


def history(settings) -> list[tuple[str, object]]:  # noqa: ANN001
    """Per SKU: titles, descriptions out of order (v3, v1, v2), an old-source replay under a
    new prompt (must lose), a same-source replay under a new prompt (must win), summaries."""
    t = settings.topics
    out: list[tuple[str, object]] = []
    for sku, word in WORDS.items():
        out += [(t.products, ex.product(sku, f"Item {sku.lower()}", 0)),
                (t.descriptions, ex.description(sku, f"Version three text with {word} details.", 3)),
                (t.descriptions, ex.description(sku, "Version one text.", 1)),
                (t.summaries, ex.summary(sku, "Reviewers find it sturdy.", 4, cons=["heavy"])),
                (t.descriptions, ex.description(sku, "Version two text.", 2)),
                (t.summaries, ex.summary(sku, "Early reviewers liked it.", 2)),
                (t.descriptions, ex.description(sku, "Replayed old source, new prompt.", 1, prompt_version="desc-v2")),
                (t.descriptions, ex.description(sku, f"Same source, new prompt: {word} inside.", 3, prompt_version="desc-v2"))]
    return out


def committed_vs_end(settings, group: str, topics: list[str]) -> dict[TopicPartition, tuple[int, int]]:  # noqa: ANN001
    """{partition: (offset the group committed, last offset + 1)}; the end is read from the
    records themselves (the embedded broker's ListOffsets can fall short, see loop.py)."""
    reader = KafkaConsumer(**kafka_python_config(settings.kafka), group_id=None, enable_auto_commit=False)
    group_view = KafkaConsumer(**kafka_python_config(settings.kafka), group_id=group, enable_auto_commit=False)
    try:
        tps = [TopicPartition(t, p) for t in topics for p in sorted(reader.partitions_for_topic(t) or [])]
        reader.assign(tps)
        reader.seek_to_beginning(*tps)
        ends = {tp: 0 for tp in tps}
        while batch := reader.poll(timeout_ms=1000):
            for tp, records in batch.items():
                ends[tp] = records[-1].offset + 1
        return {tp: (group_view.committed(tp) or 0, ends[tp]) for tp in tps}
    finally:
        reader.close()
        group_view.close()


@pytest.fixture(params=["sqlite", "postgres"])
def sink_settings(request, tmp_path) -> SinkSettings:  # noqa: ANN001
    group = f"sink-search-{uuid.uuid4().hex[:8]}"
    if request.param == "postgres":
        dsn = request.getfixturevalue("postgres_dsn")
        return SinkSettings(search_group_id=group, dsn=dsn, poll_timeout_s=0.3, max_poll_records=7)
    return SinkSettings(search_group_id=group, search_db=tmp_path / "search.db", poll_timeout_s=0.3, max_poll_records=7)


def test_index_ends_at_latest_versions_and_resumes_from_committed_offsets(settings_factory, sink_settings) -> None:  # noqa: ANN001
    settings = settings_factory("echo")
    ensure_topics(settings.kafka, settings.topics)
    messages = history(settings)
    publish(settings, messages)

    # max_poll_records=7: many transactions, each followed by an offset commit.
    stats = SearchSink(settings, sink_settings).run(until_caught_up=True, timeout_s=90)
    assert stats.records == len(messages) and stats.invalid == 0 and stats.transactions > 3
    assert stats.stale > 0  # the out-of-order and replayed records were seen and refused

    latest = {"descriptions": Latest(), "summaries": Latest()}
    for topic, model in messages:
        if topic != settings.topics.products:
            latest["descriptions" if topic == settings.topics.descriptions else "summaries"].offer(model.model_dump())
    with open_store(dsn=sink_settings.dsn_value(), path=sink_settings.search_db) as store:
        rows = store.rows()
        assert sorted(rows) == sorted(WORDS)
        for sku, word in WORDS.items():
            want_desc, want_sum = latest["descriptions"].by_sku[sku], latest["summaries"].by_sku[sku]
            row = rows[sku]
            assert (row["description"], row["description_version"], row["description_prompt_version"]) == (
                want_desc["description"], want_desc["source_version"], want_desc["prompt_version"])
            assert row["description"] == f"Same source, new prompt: {word} inside." and row["description_prompt_version"] == "desc-v2"
            assert (row["summary"], row["summary_version"]) == (want_sum["summary"], want_sum["source_version"])
            assert row["cons"] == ["heavy"] and row["title"] == f"Item {sku.lower()}"
            # A word that appears only in this product's (latest) description finds it.
            hits = store.search(word)
            assert [h.sku for h in hits] == [sku] and f"[{word}]" in hits[0].snippet.lower()
        assert store.search("version") == []  # superseded descriptions are not in the index

    topics = [settings.topics.descriptions, settings.topics.summaries, settings.topics.products]
    offsets = committed_vs_end(settings, sink_settings.search_group_id, topics)
    assert all(done == end for done, end in offsets.values()), offsets

    # Restart: only the new records are read (no reprocessing from zero).
    newer = [(settings.topics.descriptions, ex.description("MUG-1", "Now with a matte glaze.", 9)),
             (settings.topics.descriptions, ex.description("LAMP-1", "Older lamp text, replayed.", 0)),
             (settings.topics.summaries, ex.summary("KETTLE-1", "Heats fast.", 9))]
    publish(settings, newer)
    again = SearchSink(settings, sink_settings).run(until_caught_up=True, timeout_s=90)
    assert again.records == len(newer) and again.applied == 2 and again.stale == 1
    with open_store(dsn=sink_settings.dsn_value(), path=sink_settings.search_db) as store:
        assert [h.sku for h in store.search("matte")] == ["MUG-1"]
        assert store.search("celadon") == []
        assert store.get("LAMP-1")["description"] == "Same source, new prompt: brass inside."
        assert store.get("KETTLE-1")["summary"] == "Heats fast."
