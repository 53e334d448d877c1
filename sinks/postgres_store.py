"""PostgreSQL store: the same rows, a generated tsvector column with a GIN index."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sinks.stores import Hit, Part, Store, query_terms, upsert_sql

TEXT_CONFIG = "english"


class PostgresStore(Store):
    def __init__(self, dsn: str, prefix: str = "search") -> None:
        super().__init__(prefix)
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError("the PostgreSQL store needs psycopg: pip install 'psycopg[binary]'") from exc
        self.conn = psycopg.connect(dsn, autocommit=False)
        self._in_tx = False
        self._create_schema()

    def _create_schema(self) -> None:
        t = self.table
        cfg = f"'{TEXT_CONFIG}'::regconfig"
        with self.conn.transaction():
            # Serialise concurrent first starts (CREATE ... IF NOT EXISTS can race on catalogs).
            self.conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (t,))
            self.conn.execute(f"""
                CREATE TABLE IF NOT EXISTS {t} (
                    sku TEXT PRIMARY KEY,
                    title TEXT, category TEXT, brand TEXT, product_version BIGINT, product_event_id TEXT,
                    description TEXT, description_version BIGINT, description_prompt_version TEXT,
                    description_model TEXT, description_method TEXT, description_event_id TEXT,
                    summary TEXT, pros TEXT, cons TEXT, aspects TEXT, summary_version BIGINT,
                    summary_prompt_version TEXT, summary_model TEXT, summary_method TEXT, summary_event_id TEXT,
                    review_count INTEGER, rating_average DOUBLE PRECISION, verified_share DOUBLE PRECISION,
                    histogram TEXT, updated_at_ms BIGINT NOT NULL,
                    document tsvector GENERATED ALWAYS AS (
                        setweight(to_tsvector({cfg}, coalesce(title, '')), 'A') ||
                        setweight(to_tsvector({cfg}, coalesce(description, '')), 'B') ||
                        setweight(to_tsvector({cfg}, coalesce(summary, '')), 'C') ||
                        setweight(to_tsvector({cfg}, coalesce(aspects, '')), 'C')
                    ) STORED
                )""")
            self.conn.execute(f"CREATE INDEX IF NOT EXISTS {t}_document_idx ON {t} USING GIN (document)")
            self.conn.execute(f"""
                CREATE TABLE IF NOT EXISTS {self.features_table} (
                    sku TEXT PRIMARY KEY, source_version BIGINT NOT NULL, text_hash TEXT NOT NULL,
                    embedding TEXT NOT NULL, payload TEXT NOT NULL, updated_at_ms BIGINT NOT NULL
                )""")
        self.conn.commit()

    def _execute(self, sql: str, params: dict[str, Any] | tuple = ()) -> Any:
        if not self._in_tx:
            with self.transaction():
                return self.conn.execute(sql, params or None)
        return self.conn.execute(sql, params or None)

    def _p(self, name: str) -> str:
        return f"%({name})s"

    def _upsert_sql(self, part: Part) -> str:
        return upsert_sql(self.table, part, param="%({})s")

    def _features_sql(self) -> str:
        return (f"INSERT INTO {self.features_table} (sku, source_version, text_hash, embedding, payload, updated_at_ms) "
                "VALUES (%(sku)s, %(source_version)s, %(text_hash)s, %(embedding)s, %(payload)s, %(updated_at_ms)s) "
                "ON CONFLICT (sku) DO UPDATE SET source_version = excluded.source_version, text_hash = excluded.text_hash, "
                "embedding = excluded.embedding, payload = excluded.payload, updated_at_ms = excluded.updated_at_ms")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._in_tx:
            yield
            return
        self._in_tx = True
        try:
            yield
        except BaseException:
            self.conn.rollback()
            raise
        else:
            self.conn.commit()
        finally:
            self._in_tx = False

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        terms = [t.rstrip("*") for t in query_terms(query)]
        if not terms:
            return []
        # plainto_tsquery: every word must match, no operator syntax from users.
        sql = (f"SELECT sku, title, ts_rank_cd(document, q) AS score, "
               f"ts_headline('{TEXT_CONFIG}', concat_ws(' … ', title, description, summary, aspects), q, "
               "'StartSel=[, StopSel=], MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=\" … \"') AS snippet, "
               "description_version, description_prompt_version, summary_version "
               f"FROM {self.table}, plainto_tsquery('{TEXT_CONFIG}', %(q)s) AS q "
               "WHERE document @@ q ORDER BY score DESC, sku LIMIT %(limit)s")
        rows = self._execute(sql, {"q": " ".join(terms), "limit": limit}).fetchall()
        return [Hit(sku=r[0], title=r[1], score=float(r[2]), snippet=r[3], description_version=r[4],
                    description_prompt_version=r[5], summary_version=r[6]) for r in rows]

    def close(self) -> None:
        self.conn.close()
