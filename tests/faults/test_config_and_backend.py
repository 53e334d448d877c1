"""Unit-level faults (no broker): SASL/TLS settings reach every client from one settings
object; a failing backend gets bounded retries, then the fallback output with its reason."""

from __future__ import annotations

from foundation.kafka import faust_credentials, kafka_python_config
from foundation.metrics import Metrics
from foundation.settings import KafkaSettings
from schemas import DescriptionRequest, ProductEvent
from workers.backend import Completion, GenerationFailed
from workers.echo_backend import EchoBackend
from workers.handler import HandlerConfig, RequestHandler


def test_sasl_settings_reach_kafka_python_and_faust(tmp_path) -> None:  # noqa: ANN001
    secret = tmp_path / "password"
    secret.write_text("from-a-file\n")
    for mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
        kafka = KafkaSettings(bootstrap="k1:9093,k2:9093", security_protocol="SASL_PLAINTEXT", sasl_mechanism=mechanism,
                              sasl_username="svc", sasl_password_file=secret)
        config = kafka_python_config(kafka)
        assert (config["sasl_mechanism"], config["sasl_plain_username"], config["sasl_plain_password"]) == (
            mechanism, "svc", "from-a-file")
        assert config["security_protocol"] == "SASL_PLAINTEXT"
        credentials = faust_credentials(kafka)
        assert (credentials.username, credentials.password, str(credentials.mechanism.value)) == (
            "svc", "from-a-file", mechanism)
        assert "from-a-file" not in repr(kafka)


class Flaky:
    """Fails its first `failures` calls, then answers like the echo backend."""

    name, model = "flaky", "flaky"

    def __init__(self, failures: int) -> None:
        self.failures, self.calls, self.echo = failures, 0, EchoBackend()

    def generate(self, prompts: list) -> list[Completion]:
        self.calls += 1
        if self.calls <= self.failures:
            raise GenerationFailed(f"timeout #{self.calls}")
        return self.echo.generate(prompts)

    def close(self) -> None: ...


def request() -> DescriptionRequest:
    product = ProductEvent.model_validate({"event_id": "e1", "type": "product.created", "sku": "MUG-1",
                                           "title": "Stoneware Mug", "attributes": {"color": "sage"},
                                           "occurred_at": "2026-11-01T00:00:00Z"})
    return DescriptionRequest(request_id="r1", sku="MUG-1", input_hash="h", prompt_version="desc-v1",
                              source_event_id="e1", source_version=product.source_version, product=product)


def test_a_backend_that_recovers_within_the_retries_generates() -> None:
    backend = Flaky(failures=2)
    [result] = RequestHandler(backend, Metrics(), HandlerConfig(backend_attempts=3, backoff_s=0.01)).handle([request()])
    assert result.method == "generated" and backend.calls == 3


def test_a_backend_that_keeps_failing_gives_the_fallback_with_its_reason_after_bounded_retries() -> None:
    backend = Flaky(failures=10**6)
    [result] = RequestHandler(backend, Metrics(), HandlerConfig(backend_attempts=3, backoff_s=0.01)).handle([request()])
    # The published reason is a code; the error itself is in the worker's log.
    assert result.method == "fallback" and result.fallback_reason == "backend_error"
    assert backend.calls == 3  # bounded: no regeneration after an error
    assert "Stoneware Mug" in result.description
