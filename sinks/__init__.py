"""Reference consumers of the output topics (issue 5): a search index and recommender features.

- `search.SearchSink` — full-text index (SQLite FTS5 by default, PostgreSQL tsvector with a DSN)
- `recs.RecsSink` — sentence embedding + rating features per SKU on `recs.features`
- `stores` — the last-write-wins (by `source_version`) upserts both rely on

See docs/sinks.md.
"""
