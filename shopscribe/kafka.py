"""Client configuration from the one settings object, for every Kafka client we run.

kafka-python (worker, CLI tools) and Faust/aiokafka (streams) spell the same settings
differently; both are derived here so SASL/TLS reach every client or none.
"""

from __future__ import annotations

import ssl
from typing import Any

from shopscribe.settings import KafkaSettings


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


def faust_broker_url(kafka: KafkaSettings) -> str:
    return ";".join(f"kafka://{host}" for host in kafka.bootstrap.split(","))


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
