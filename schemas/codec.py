"""The one codec: JSON bytes <-> pydantic models, with Kafka headers.

Faust agents and the worker both use it, so a message is encoded and validated the same
way on every side of a topic.
"""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from schemas.events import SCHEMA_VERSION

M = TypeVar("M", bound=BaseModel)

CONTENT_TYPE = "application/json"
MAX_MESSAGE_BYTES = 1_000_000


class DecodeError(ValueError):
    """Bytes that are not a valid message. `kind` names the DLQ error class."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def encode(model: BaseModel) -> bytes:
    return model.model_dump_json(exclude_none=False).encode()


def headers(message: BaseModel, **extra: str) -> list[tuple[str, bytes]]:
    base = {"content-type": CONTENT_TYPE, "schema-version": str(getattr(message, "schema_version", SCHEMA_VERSION))}
    base.update({k.replace("_", "-"): v for k, v in extra.items()})
    return [(k, v.encode()) for k, v in base.items()]


def decode(raw: bytes | None, model: type[M]) -> M:
    """Parse and validate; raise DecodeError with a reason fit for a dead letter."""
    if raw is None:
        raise DecodeError("invalid_json", "empty value (tombstone) on an input topic")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise DecodeError("too_large", f"value is {len(raw)} bytes, limit {MAX_MESSAGE_BYTES}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError("invalid_utf8", f"value is not UTF-8: {exc}") from None
    try:
        data = json.loads(text)
    # ValueError (parent of JSONDecodeError) also covers integers over Python's
    # int_max_str_digits limit (4300 digits), which json.loads raises as a plain ValueError.
    except (ValueError, RecursionError) as exc:
        raise DecodeError("invalid_json", f"value is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise DecodeError("schema_invalid", f"value must be a JSON object, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DecodeError("schema_invalid", _short(exc)) from None


def _short(exc: ValidationError, limit: int = 5) -> str:
    parts = []
    for err in exc.errors()[:limit]:
        where = ".".join(str(p) for p in err["loc"]) or "<root>"
        parts.append(f"{where}: {err['msg']}")
    more = exc.error_count() - limit
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")
