"""Secrets never reach the logs."""

from foundation.logging import REDACTED, redact_secrets


def test_secret_keys_are_masked_at_any_depth() -> None:
    event = redact_secrets(None, "info", {"event": "connect", "sasl_password": "hunter2",
                                           "config": {"api_key": "k-123", "bootstrap": "kafka:9092"}})
    assert event["sasl_password"] == REDACTED
    assert event["config"] == {"api_key": REDACTED, "bootstrap": "kafka:9092"}


def test_secrets_inside_messages_are_masked() -> None:
    event = redact_secrets(None, "info", {"event": "failed with password=hunter2; token: abc.def"})
    assert "hunter2" not in event["event"] and "abc.def" not in event["event"]


def test_token_counts_are_not_mistaken_for_tokens() -> None:
    event = redact_secrets(None, "info", {"event": "backend_call", "completion_tokens": 120, "access_token": "t-1"})
    assert event["completion_tokens"] == 120
    assert event["access_token"] == REDACTED
