"""What lands on `<topic>.dlq`: the original bytes and where they came from."""

from __future__ import annotations

import base64
import hashlib

from pydantic import BaseModel, ConfigDict, Field

from schemas.events import SCHEMA_VERSION

# Largest original value kept whole in a dead letter (base64 of it stays under 1 MB).
MAX_ORIGINAL_BYTES = 700_000


class DeadLetter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = SCHEMA_VERSION
    error: str = Field(description="Error class, e.g. invalid_json, schema_invalid, poison_request")
    reason: str = Field(max_length=4000)
    topic: str
    partition: int
    offset: int
    key_b64: str | None = None
    value_b64: str = Field(description="The original value bytes, base64")
    failed_at_ms: int
    attempts: int = 1
    # Optional, so letters written before them still parse (they read as "not NULL" and,
    # for truncation, fall back to the note in `reason`).
    value_null: bool = Field(False, description="The original value was NULL, not empty (value_b64 is then empty)")
    value_truncated_from: int | None = Field(
        None, description="Size in bytes of an original value longer than MAX_ORIGINAL_BYTES; value_b64 then holds "
        "only its first MAX_ORIGINAL_BYTES")

    @classmethod
    def of(cls, *, error: str, reason: str, topic: str, partition: int, offset: int,
           key: bytes | None, value: bytes | None, failed_at_ms: int, attempts: int = 1) -> DeadLetter:
        # base64 grows a value by 4/3: past MAX_ORIGINAL_BYTES the letter itself would
        # exceed the 1 MB producer/broker limit and the DLQ send would crash the agent
        # (found by tests/faults). Keep a prefix, and say so (size and sha256) in the reason.
        truncated_from = None
        if value is not None and len(value) > MAX_ORIGINAL_BYTES:
            note = (f" [original value truncated to {MAX_ORIGINAL_BYTES} of {len(value)} bytes, "
                    f"sha256 {hashlib.sha256(value).hexdigest()}]")
            truncated_from = len(value)
            reason, value = reason[:4000 - len(note)] + note, value[:MAX_ORIGINAL_BYTES]
        return cls(
            error=error, reason=reason[:4000], topic=topic, partition=partition, offset=offset,
            key_b64=base64.b64encode(key).decode() if key is not None else None,
            value_b64=base64.b64encode(value or b"").decode(), failed_at_ms=failed_at_ms, attempts=attempts,
            value_null=value is None, value_truncated_from=truncated_from,
        )

    def original_value(self) -> bytes:
        """The stored bytes: b"" for a NULL, the prefix of a truncated value."""
        return base64.b64decode(self.value_b64)

    def restored_value(self) -> bytes | None:
        """The value as its producer sent it: None for a NULL. Check `truncated` first."""
        return None if self.value_null else self.original_value()

    @property
    def truncated(self) -> bool:
        """Only a prefix of the original value is stored (the reason note marks older letters)."""
        return self.value_truncated_from is not None or "[original value truncated to " in self.reason

    def original_key(self) -> bytes | None:
        return base64.b64decode(self.key_b64) if self.key_b64 is not None else None
