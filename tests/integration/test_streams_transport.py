"""On the real broker: the log end that table recovery reads to covers every record of the
last batch, including when ListOffsets falls short of it (tansu 0.6), and the transport
faust picks for the streams broker URL reaches it as the app does."""

from __future__ import annotations

import faust
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from foundation.kafka import faust_credentials, kafka_python_config
from shopscribe.broker import ensure_topics
from streams.transport import TrueEndConsumerThread, broker_url, fetched_log_ends

pytestmark = pytest.mark.integration


@pytest.fixture
def multi_record_last_batch(settings_factory):
    """A topic whose only batch holds 5 records (a long linger, then flush), as Faust's
    changelog producer writes a burst of table updates."""
    settings = settings_factory("echo", topics={"partitions": 1})
    ensure_topics(settings.kafka, settings.topics)
    topic = settings.topics.summaries
    producer = KafkaProducer(**kafka_python_config(settings.kafka), acks="all", linger_ms=2000)
    for i in range(5):
        producer.send(topic, key=b"sku", value=f"state {i}".encode())
    producer.flush()
    producer.close()
    return settings, TopicPartition(topic, 0)


def test_fetched_log_ends_count_every_record_of_a_multi_record_last_batch(multi_record_last_batch) -> None:
    settings, tp = multi_record_last_batch
    consumer = KafkaConsumer(**kafka_python_config(settings.kafka), group_id=None, enable_auto_commit=False)
    try:
        listed = consumer.end_offsets([tp])[tp]
    finally:
        consumer.close()
    assert fetched_log_ends(kafka_python_config(settings.kafka), [tp]) == {tp: 5}, f"ListOffsets said {listed}"


def test_the_streams_apps_consumer_thread_reads_the_log_end_from_the_broker(multi_record_last_batch) -> None:
    settings, tp = multi_record_last_batch
    app = faust.App("transport-it", broker=broker_url(settings.kafka),
                    broker_credentials=faust_credentials(settings.kafka))
    thread = app.consumer._thread  # built, not started
    assert isinstance(thread, TrueEndConsumerThread)
    assert thread.log_ends([tp]) == {tp: 5}
