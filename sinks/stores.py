"""Downstream stores for the output topics: one row per SKU, last-write-wins by source.

A row has three parts, each versioned on its own by the `source_version` of the event it
came from: the product (title, category, brand from products.events), the description
(products.descriptions) and the review summary (reviews.summaries). An incoming part
replaces the stored one when its source_version is higher, or equal (the later arrival
wins on a tie: that is how a replay of the same source under a new prompt version or
model takes over). An older part never overwrites a newer one, whatever the arrival
order, so a replay of old events or a redelivery after a crash is harmless: applying the
same records again ends in the same state.

The rule is one SQL statement per part (`INSERT ... ON CONFLICT DO UPDATE ... WHERE`),
the same in SQLite and PostgreSQL, so it holds with several writers too.

Two back ends: `SqliteStore` (FTS5, the embedded default) and `PostgresStore`
(tsvector + GIN), chosen by `open_store`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from schemas import ProductEvent
from schemas.results import DescriptionResult, ReviewSummaryResult

Part = Literal["product", "description", "summary"]

# Columns each part writes (besides `sku` and `updated_at_ms`), and the column holding its version.
PART_COLUMNS: dict[Part, tuple[str, ...]] = {
    "product": ("title", "category", "brand", "product_version", "product_event_id"),
    "description": ("description", "description_version", "description_prompt_version", "description_model",
                    "description_method", "description_event_id"),
    "summary": ("summary", "pros", "cons", "aspects", "summary_version", "summary_prompt_version", "summary_model",
                "summary_method", "summary_event_id", "review_count", "rating_average", "verified_share", "histogram"),
}
VERSION_COLUMN: dict[Part, str] = {part: f"{part}_version" for part in PART_COLUMNS}
JSON_COLUMNS = ("pros", "cons", "histogram")


@dataclass(frozen=True)
class Update:
    """One part of one SKU's row, ready to upsert."""

    part: Part
    sku: str
    source_version: int
    values: dict[str, Any]

    @classmethod
    def from_product(cls, event: ProductEvent) -> Update:
        return cls("product", event.sku, event.source_version, {
            "title": event.title, "category": event.category, "brand": event.brand,
            "product_version": event.source_version, "product_event_id": event.event_id})

    @classmethod
    def from_description(cls, result: DescriptionResult) -> Update:
        return cls("description", result.sku, result.source_version, {
            "description": result.description, "description_version": result.source_version,
            "description_prompt_version": result.prompt_version, "description_model": result.model,
            "description_method": result.method, "description_event_id": result.source_event_id})

    @classmethod
    def from_summary(cls, result: ReviewSummaryResult) -> Update:
        pros = [p.phrase for p in result.pros]
        cons = [c.phrase for c in result.cons]
        return cls("summary", result.sku, result.source_version, {
            "summary": result.summary, "pros": json.dumps(pros), "cons": json.dumps(cons),
            "aspects": " ; ".join([*pros, *cons]), "summary_version": result.source_version,
            "summary_prompt_version": result.prompt_version, "summary_model": result.model,
            "summary_method": result.method, "summary_event_id": result.source_event_id,
            "review_count": result.stats.count, "rating_average": result.stats.average,
            "verified_share": result.stats.verified_share, "histogram": json.dumps(result.stats.histogram)})


@dataclass
class ApplyCounts:
    applied: int = 0
    stale: int = 0
    changed_skus: list[str] = field(default_factory=list)  # in first-change order, unique

    def add(self, other: ApplyCounts) -> None:
        self.applied += other.applied
        self.stale += other.stale
        for sku in other.changed_skus:
            if sku not in self.changed_skus:
                self.changed_skus.append(sku)


@dataclass(frozen=True)
class Hit:
    sku: str
    title: str | None
    score: float
    snippet: str
    description_version: int | None
    description_prompt_version: str | None
    summary_version: int | None

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def upsert_sql(table: str, part: Part, param: str = ":{}") -> str:
    """The last-write-wins upsert for one part; `param` formats a named placeholder."""
    columns = ("sku", *PART_COLUMNS[part], "updated_at_ms")
    values = ", ".join(param.format(c) for c in columns)
    assignments = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    version = VERSION_COLUMN[part]
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values}) "
            f"ON CONFLICT (sku) DO UPDATE SET {assignments} "
            f"WHERE {table}.{version} IS NULL OR excluded.{version} >= {table}.{version}")


_WORD = re.compile(r"\w+\*?", re.UNICODE)


def query_terms(query: str) -> list[str]:
    """Words of a user query (punctuation and operators dropped); `word*` keeps a prefix star."""
    return [t for t in _WORD.findall(query) if t.strip("*")]


class Store:
    """Common API; subclasses provide the connection, the schema and the search query."""

    table: str
    features_table: str

    def __init__(self, prefix: str = "search") -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", prefix):
            raise ValueError(f"table prefix {prefix!r} must be a lowercase identifier")
        self.table = f"{prefix}_products"
        self.features_table = f"{prefix}_features"

    # -- to implement ---------------------------------------------------------------
    def _execute(self, sql: str, params: dict[str, Any] | tuple = ()) -> Any: ...
    def _upsert_sql(self, part: Part) -> str: ...
    def _features_sql(self) -> str: ...
    @contextmanager
    def transaction(self) -> Iterator[None]: ...  # commit on exit, roll back on error
    def search(self, query: str, limit: int = 10) -> list[Hit]: ...
    def close(self) -> None: ...

    # -- shared ---------------------------------------------------------------------
    def apply(self, updates: Iterable[Update]) -> ApplyCounts:
        """Upsert updates in order inside the current transaction (or a new one)."""
        counts = ApplyCounts()
        now = int(time.time() * 1000)
        for update in updates:
            params = {"sku": update.sku, **update.values, "updated_at_ms": now}
            changed = self._execute(self._upsert_sql(update.part), params).rowcount > 0
            if changed:
                counts.applied += 1
                if update.sku not in counts.changed_skus:
                    counts.changed_skus.append(update.sku)
            else:
                counts.stale += 1
        return counts

    def get(self, sku: str) -> dict[str, Any] | None:
        rows = self._rows(f"SELECT * FROM {self.table} WHERE sku = {self._p('sku')}", {"sku": sku})
        return rows[0] if rows else None

    def rows(self) -> dict[str, dict[str, Any]]:
        return {row["sku"]: row for row in self._rows(f"SELECT * FROM {self.table} ORDER BY sku", {})}

    def put_features(self, sku: str, source_version: int, text_hash: str, embedding: list[float],
                     payload: dict[str, Any]) -> None:
        self._execute(self._features_sql(), {
            "sku": sku, "source_version": source_version, "text_hash": text_hash,
            "embedding": json.dumps(embedding), "payload": json.dumps(payload), "updated_at_ms": int(time.time() * 1000)})

    def get_features(self, sku: str) -> dict[str, Any] | None:
        rows = self._rows(f"SELECT * FROM {self.features_table} WHERE sku = {self._p('sku')}", {"sku": sku})
        if not rows:
            return None
        row = rows[0]
        return {**row, "embedding": json.loads(row["embedding"]), "payload": json.loads(row["payload"])}

    def _p(self, name: str) -> str:
        return f":{name}"

    def _rows(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        cursor = self._execute(sql, params)
        names = [d[0] for d in cursor.description]
        out = []
        for values in cursor.fetchall():
            row = dict(zip(names, values))
            for column in JSON_COLUMNS:
                if isinstance(row.get(column), str):
                    row[column] = json.loads(row[column])
            row.pop("id", None)
            row.pop("document", None)
            out.append(row)
        return out

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(*, dsn: str | None = None, path: Path | None = None, prefix: str = "search") -> Store:
    """PostgreSQL when a DSN is given, else the SQLite file at `path`."""
    if dsn:
        from sinks.postgres_store import PostgresStore

        return PostgresStore(dsn, prefix=prefix)
    from sinks.sqlite_store import SqliteStore

    if path is None:
        raise ValueError("open_store needs a DSN or a SQLite path")
    return SqliteStore(path, prefix=prefix)
