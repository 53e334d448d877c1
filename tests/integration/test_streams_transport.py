"""On the real broker: the log end that table recovery reads to covers every record of the
last batch, including when ListOffsets falls short of it (tansu 0.6)."""

from __future__ import annotations

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from foundation.kafka import kafka_python_config
from shopscribe.broker import ensure_topics
from streams.transport import fetched_log_ends

pytestmark = pytest.mark.integration


def test_fetched_log_ends_count_every_record_of_a_multi_record_last_batch(settings_factory) -> None:
    settings = settings_factory("echo", topics={"partitions": 1})
    ensure_topics(settings.kafka, settings.topics)
    topic = settings.topics.summaries
    # One producer batch of 5 records (a long linger, then flush), as Faust's changelog
    # producer writes a burst of table updates.
    producer = KafkaProducer(**kafka_python_config(settings.kafka), acks="all", linger_ms=2000)
    for i in range(5):
        producer.send(topic, key=b"sku", value=f"state {i}".encode())
    producer.flush()
    producer.close()

    tp = TopicPartition(topic, 0)
    consumer = KafkaConsumer(**kafka_python_config(settings.kafka), group_id=None, enable_auto_commit=False)
    try:
        listed = consumer.end_offsets([tp])[tp]
    finally:
        consumer.close()
    assert fetched_log_ends(settings.kafka)([tp]) == {tp: 5}, f"ListOffsets said {listed}"
