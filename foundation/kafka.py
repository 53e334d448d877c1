"""Client configuration from the one settings object, for every Kafka client we run.

kafka-python (worker, CLI tools) and Faust/aiokafka (streams) spell the same settings
differently; both are derived here so SASL/TLS reach every client or none.
"""

from __future__ import annotations

import ssl
import time
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from foundation.settings import KafkaSettings, Settings


def ssl_context(kafka: KafkaSettings) -> ssl.SSLContext | None:
    if kafka.security_protocol not in ("SSL", "SASL_SSL"):
        return None
    context = ssl.create_default_context(cafile=str(kafka.ssl_cafile) if kafka.ssl_cafile else None)
    if kafka.ssl_certfile:
        context.load_cert_chain(str(kafka.ssl_certfile), str(kafka.ssl_keyfile) if kafka.ssl_keyfile else None)
    return context


def kafka_python_config(kafka: KafkaSettings) -> dict[str, Any]:
    """Common keyword arguments for KafkaProducer / KafkaConsumer / KafkaAdminClient."""
    config: dict[str, Any] = {
        "bootstrap_servers": kafka.bootstrap.split(","),
        "security_protocol": kafka.security_protocol,
        "request_timeout_ms": int(kafka.request_timeout_s * 1000),
    }
    context = ssl_context(kafka)
    if context is not None:
        config["ssl_context"] = context
    if kafka.security_protocol.startswith("SASL"):
        config["sasl_mechanism"] = kafka.sasl_mechanism or "PLAIN"
        config["sasl_plain_username"] = kafka.sasl_username
        config["sasl_plain_password"] = kafka.password()
    return config


def consumer_group_config(kafka: KafkaSettings) -> dict[str, Any]:
    return {
        "session_timeout_ms": int(kafka.session_timeout_s * 1000),
        "heartbeat_interval_ms": int(kafka.heartbeat_interval_s * 1000),
    }


def faust_credentials(kafka: KafkaSettings) -> Any:
    import faust

    context = ssl_context(kafka)
    if kafka.security_protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=kafka.sasl_username,
            password=kafka.password(),
            mechanism=kafka.sasl_mechanism or "PLAIN",
            ssl_context=context,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


class ConnectionCheckError(ConnectionError):
    """The cluster cannot be reached as configured (TLS trust, protocol mismatch, refused)."""


def check_connection(kafka: KafkaSettings, timeout_s: float = 5.0) -> None:
    """Fail within seconds, with a reason, where a Kafka client would retry for its whole
    request timeout and then say only "Unable to bootstrap": reach the first reachable
    bootstrap server, do the TLS handshake when the protocol says TLS, and read a reply
    to an ApiVersions request (a TLS listener never answers a plaintext one)."""
    import socket
    import struct

    errors = []
    for server in kafka.bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            sock = socket.create_connection((host, int(port)), timeout=timeout_s)
        except OSError as exc:
            errors.append(f"{server}: {exc}")
            continue
        try:
            context = ssl_context(kafka)
            if context is not None:
                try:
                    sock = context.wrap_socket(sock, server_hostname=host)
                except ssl.SSLError as exc:
                    raise ConnectionCheckError(
                        f"TLS handshake with {server} failed: {exc.reason or exc} (CA file: {kafka.ssl_cafile})") from None
            if kafka.security_protocol.startswith("SASL"):
                return  # SaslHandshake precedes other requests; leave the rest to the client
            client_id = b"shopscribe-check"
            body = struct.pack(">hhih", 18, 0, 1, len(client_id)) + client_id  # ApiVersions v0
            sock.sendall(struct.pack(">i", len(body)) + body)
            try:
                reply = sock.recv(4)
            except (OSError, ssl.SSLError) as exc:
                reply, errors_seen = b"", str(exc)
            else:
                errors_seen = "connection closed"
            if len(reply) < 4:
                hint = " (is it a TLS listener? set SHOPSCRIBE_KAFKA__SECURITY_PROTOCOL=SSL)" if context is None else ""
                raise ConnectionCheckError(f"no Kafka reply from {server} over {kafka.security_protocol}: "
                                           f"{errors_seen}{hint}")
            return
        finally:
            sock.close()
    raise ConnectionCheckError(f"no bootstrap server reachable: {'; '.join(errors)}")


def log_end_offsets(consumer: KafkaConsumer, partitions: list[TopicPartition], timeout_s: float = 5.0, *,
                    kafka: KafkaSettings | None = None) -> dict[TopicPartition, int]:
    """The true log end per partition; leaves `partitions` assigned to `consumer`.

    Plain ListOffsets(latest) where `kafka` says the broker answers it right. A broker with
    `short_end_offsets` (tansu 0.6: the base offset of the last record batch + 1, short of
    the end when that batch holds several records) is probed: a fetch response's high
    watermark is right on every broker, so take the larger of the two. Without `kafka` the
    probe runs, the answer that is right everywhere."""
    listed = consumer.end_offsets(partitions)
    consumer.assign(partitions)
    if kafka is not None and not kafka.short_end_offsets:
        return dict(listed)
    for tp in partitions:
        consumer.seek(tp, max(listed[tp] - 1, 0))
    deadline = time.monotonic() + timeout_s
    while any(consumer.highwater(tp) is None for tp in partitions) and time.monotonic() < deadline:
        consumer.poll(timeout_ms=100, max_records=1)
    return {tp: max(listed[tp], consumer.highwater(tp) or 0) for tp in partitions}


def live_end_offsets(consumer: KafkaConsumer, partitions: list[TopicPartition],
                     kafka: KafkaSettings) -> dict[TopicPartition, int]:
    """End offsets of partitions a running consumer reads, without moving its positions:
    on a broker with `short_end_offsets`, also the high watermark of its last fetch (the
    partitions it has not fetched from yet keep the listed, possibly short, end)."""
    listed = consumer.end_offsets(partitions)
    if not kafka.short_end_offsets:
        return dict(listed)
    return {tp: max(listed[tp], consumer.highwater(tp) or 0) for tp in partitions}


def producer(settings: Settings) -> KafkaProducer:
    """A producer that waits for every in-sync replica (acks=all); fails fast when the cluster is unreachable."""
    check_connection(settings.kafka)
    return KafkaProducer(**kafka_python_config(settings.kafka), acks="all", linger_ms=5)
