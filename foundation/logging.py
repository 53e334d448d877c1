"""structlog configured for JSON lines on stderr, with secrets redacted."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

# "token" but not "tokens": prompt_tokens and completion_tokens are counts, not credentials.
_SECRET_KEYS = re.compile(r"(password|secret|token(?!s)|api[_-]?key|sasl_plain|credential)", re.IGNORECASE)
_SECRET_IN_TEXT = re.compile(r"(?i)(password|secret|token|api[_-]?key)(\s*[=:]\s*)([^\s,;'\"]+)")
REDACTED = "***"


def redact_secrets(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: mask values of secret-looking keys and `key=value` secrets in text."""
    return {key: _redact(key, value) for key, value in event.items()}


def _redact(key: str, value: Any) -> Any:
    if _SECRET_KEYS.search(key) and value is not None:
        return REDACTED
    if isinstance(value, dict):
        return {k: _redact(str(k), v) for k, v in value.items()}
    if isinstance(value, str):
        return _SECRET_IN_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", value)
    return value


def configure(level: str = "INFO", json: bool = True) -> None:
    """Route structlog and stdlib logging (Faust, kafka-python) through one JSON renderer."""
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, structlog.processors.format_exc_info, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Client libraries are chatty at INFO about every (re)connect.
    for noisy in ("kafka", "aiokafka", "faust", "mode"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # kafka-python warns whenever its IO loop is slowed down (a busy CPU, not a fault).
    logging.getLogger("kafka.net.selector").setLevel(logging.ERROR)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
