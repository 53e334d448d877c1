"""SQLite store: one file, WAL, an FTS5 index kept in step by triggers (the embedded default)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sinks.stores import Hit, Part, Store, query_terms, upsert_sql

# FTS5 columns in rank-weight order: a hit in the title counts most.
FTS_COLUMNS = ("title", "description", "summary", "aspects")
BM25_WEIGHTS = (10.0, 4.0, 2.0, 2.0)


class SqliteStore(Store):
    def __init__(self, path: Path | str, prefix: str = "search") -> None:
        super().__init__(prefix)
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
        self.conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed transaction survives power loss; offsets are committed after it.
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA busy_timeout=30000")
        self._in_tx = False
        self._create_schema()

    def _create_schema(self) -> None:
        t, fts = self.table, f"{self.table}_fts"
        cols = ", ".join(FTS_COLUMNS)
        new_cols = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
        self.conn.executescript(f"""
            BEGIN;
            CREATE TABLE IF NOT EXISTS {t} (
                id INTEGER PRIMARY KEY,
                sku TEXT NOT NULL UNIQUE,
                title TEXT, category TEXT, brand TEXT, product_version INTEGER, product_event_id TEXT,
                description TEXT, description_version INTEGER, description_prompt_version TEXT,
                description_model TEXT, description_method TEXT, description_event_id TEXT,
                summary TEXT, pros TEXT, cons TEXT, aspects TEXT, summary_version INTEGER,
                summary_prompt_version TEXT, summary_model TEXT, summary_method TEXT, summary_event_id TEXT,
                review_count INTEGER, rating_average REAL, verified_share REAL, histogram TEXT,
                updated_at_ms INTEGER NOT NULL
            );
            CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({cols}, tokenize='porter unicode61 remove_diacritics 2');
            CREATE TRIGGER IF NOT EXISTS {t}_ai AFTER INSERT ON {t} BEGIN
                INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new_cols});
            END;
            CREATE TRIGGER IF NOT EXISTS {t}_au AFTER UPDATE ON {t} BEGIN
                DELETE FROM {fts} WHERE rowid = old.id;
                INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new_cols});
            END;
            CREATE TRIGGER IF NOT EXISTS {t}_ad AFTER DELETE ON {t} BEGIN
                DELETE FROM {fts} WHERE rowid = old.id;
            END;
            CREATE TABLE IF NOT EXISTS {self.features_table} (
                sku TEXT PRIMARY KEY, source_version INTEGER NOT NULL, text_hash TEXT NOT NULL,
                embedding TEXT NOT NULL, payload TEXT NOT NULL, updated_at_ms INTEGER NOT NULL
            );
            COMMIT;
        """)

    def _execute(self, sql: str, params: dict[str, Any] | tuple = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def _upsert_sql(self, part: Part) -> str:
        return upsert_sql(self.table, part)

    def _features_sql(self) -> str:
        return (f"INSERT INTO {self.features_table} (sku, source_version, text_hash, embedding, payload, updated_at_ms) "
                "VALUES (:sku, :source_version, :text_hash, :embedding, :payload, :updated_at_ms) "
                "ON CONFLICT (sku) DO UPDATE SET source_version = excluded.source_version, text_hash = excluded.text_hash, "
                "embedding = excluded.embedding, payload = excluded.payload, updated_at_ms = excluded.updated_at_ms")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._in_tx:  # nested: part of the outer transaction
            yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._in_tx = True
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._in_tx = False

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        terms = query_terms(query)
        if not terms:
            return []
        # Each word quoted (no FTS5 syntax from users); all must match; `word*` is a prefix.
        match = " ".join(f'"{t.rstrip("*")}"' + ("*" if t.endswith("*") else "") for t in terms)
        fts = f"{self.table}_fts"
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        sql = (f"SELECT p.sku, p.title, bm25({fts}, {weights}) AS rank, "
               f"snippet({fts}, -1, '[', ']', '…', 16) AS snippet, "
               "p.description_version, p.description_prompt_version, p.summary_version "
               f"FROM {fts} JOIN {self.table} p ON p.id = {fts}.rowid "
               f"WHERE {fts} MATCH :match ORDER BY rank, p.sku LIMIT :limit")
        rows = self.conn.execute(sql, {"match": match, "limit": limit}).fetchall()
        return [Hit(sku=r[0], title=r[1], score=-float(r[2]), snippet=r[3], description_version=r[4],
                    description_prompt_version=r[5], summary_version=r[6]) for r in rows]

    def close(self) -> None:
        self.conn.close()
