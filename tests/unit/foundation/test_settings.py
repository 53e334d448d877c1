"""One settings object, from SHOPSCRIBE_* env, with secrets masked."""

import pytest

from foundation.kafka import kafka_python_config
from foundation.settings import Settings


def test_nested_env_variables_reach_their_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPSCRIBE_KAFKA__BOOTSTRAP", "k1:9092,k2:9092")
    monkeypatch.setenv("SHOPSCRIBE_WORKER__BACKEND", "vllm")
    monkeypatch.setenv("SHOPSCRIBE_STREAMS__BATCH_SIZE", "32")
    settings = Settings()
    assert settings.kafka.bootstrap == "k1:9092,k2:9092"
    assert settings.worker.backend == "vllm"
    assert settings.streams.batch_size == 32


def test_sasl_settings_reach_the_kafka_python_clients_and_stay_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPSCRIBE_KAFKA__SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("SHOPSCRIBE_KAFKA__SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("SHOPSCRIBE_KAFKA__SASL_USERNAME", "svc")
    monkeypatch.setenv("SHOPSCRIBE_KAFKA__SASL_PASSWORD", "hunter2")
    settings = Settings()
    config = kafka_python_config(settings.kafka)
    assert config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert config["sasl_plain_username"] == "svc" and config["sasl_plain_password"] == "hunter2"
    assert "hunter2" not in repr(settings) and "hunter2" not in settings.model_dump_json()


def test_invalid_values_are_refused_with_the_field_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPSCRIBE_WORKER__BACKEND", "gpt")
    with pytest.raises(ValueError, match="backend"):
        Settings()


def test_overrides_replace_only_given_fields() -> None:
    settings = Settings().with_overrides(worker={"backend": "echo", "model": None})
    assert settings.worker.backend == "echo" and settings.worker.model is None
    assert settings.worker.prompt_version == Settings().worker.prompt_version


def test_the_sasl_password_can_come_from_a_secret_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    secret = tmp_path / "password"
    secret.write_text("from-file\n")
    monkeypatch.setenv("SHOPSCRIBE_KAFKA__SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("SHOPSCRIBE_KAFKA__SASL_PASSWORD_FILE", str(secret))
    assert kafka_python_config(Settings().kafka)["sasl_plain_password"] == "from-file"
