"""Search sink: a full-text index of products, kept equal to the newest results.

Reads products.descriptions and reviews.summaries (and products.events for titles,
category and brand) under its own consumer group (`shopscribe-sink-search`), and
upserts each record into the store (SQLite FTS5 by default, PostgreSQL when given a
DSN) with last-write-wins by `source_version`. One transaction per poll; offsets are
committed after it. `search()` queries the index: ranked, with snippets.
"""

from __future__ import annotations

from kafka.consumer.fetcher import ConsumerRecord

from foundation.logging import get_logger
from foundation.settings import Settings, SinkSettings
from schemas import DecodeError, ProductEvent, decode
from schemas.results import DescriptionResult, ReviewSummaryResult
from sinks.loop import SinkConsumer, SinkStats
from sinks.stores import Hit, Store, Update, open_store

log = get_logger(__name__)


def open_search_store(sink: SinkSettings) -> Store:
    return open_store(dsn=sink.dsn_value(), path=sink.search_db, prefix="search")


def decode_update(record: ConsumerRecord, settings: Settings, stats: SinkStats) -> Update | None:
    """The store update a record carries, or None (tombstone, invalid: counted, skipped)."""
    topics = settings.topics
    if record.value is None:
        stats.tombstones += 1
        return None
    try:
        if record.topic == topics.descriptions:
            return Update.from_description(decode(record.value, DescriptionResult))
        if record.topic == topics.summaries:
            return Update.from_summary(decode(record.value, ReviewSummaryResult))
        if record.topic == topics.products:
            return Update.from_product(decode(record.value, ProductEvent))
    except DecodeError as exc:
        stats.invalid += 1
        log.warning("sink_invalid_record", topic=record.topic, partition=record.partition, offset=record.offset,
                    error=exc.kind, reason=exc.reason[:300])
        return None
    stats.invalid += 1
    return None


class SearchSink(SinkConsumer):
    name = "search"

    def __init__(self, settings: Settings, sink: SinkSettings | None = None, store: Store | None = None) -> None:
        sink = sink or settings.sink
        topics = [settings.topics.descriptions, settings.topics.summaries]
        if sink.index_titles:
            topics.append(settings.topics.products)
        super().__init__(settings, sink, sink.search_group_id, topics)
        self._owns_store = store is None
        self.store = store or open_search_store(sink)

    def handle(self, records: list[ConsumerRecord]) -> None:
        updates = [u for u in (decode_update(r, self.settings, self.stats) for r in records) if u is not None]
        with self.store.transaction():
            counts = self.store.apply(updates)
        self.stats.applied += counts.applied
        self.stats.stale += counts.stale

    def close_resources(self) -> None:
        if self._owns_store:
            self.store.close()


def search(sink: SinkSettings, query: str, limit: int = 10) -> list[Hit]:
    with open_search_store(sink) as store:
        return store.search(query, limit)
