"""What `dlq republish` can restore from a dead letter: NULL as NULL, empty as empty, and
a truncated original known as truncated (also in letters written before the flag existed)."""

from __future__ import annotations

from schemas import DeadLetter
from schemas.dead_letter import MAX_ORIGINAL_BYTES


def letter_of(value: bytes | None) -> DeadLetter:
    letter = DeadLetter.of(error="invalid_json", reason="bad", topic="products.events", partition=0, offset=7,
                           key=b"SKU-1", value=value, failed_at_ms=1)
    return DeadLetter.model_validate_json(letter.model_dump_json())  # as read back from the DLQ


def test_a_null_original_is_restored_as_null_and_an_empty_one_as_empty() -> None:
    assert letter_of(None).restored_value() is None
    assert letter_of(b"").restored_value() == b""


def test_an_original_longer_than_the_dlq_keeps_is_marked_truncated_with_its_size() -> None:
    letter = letter_of(b"x" * (MAX_ORIGINAL_BYTES + 200_000))
    assert letter.truncated
    assert letter.value_truncated_from == MAX_ORIGINAL_BYTES + 200_000
    assert len(letter.original_value()) == MAX_ORIGINAL_BYTES
    assert not letter_of(b"x" * MAX_ORIGINAL_BYTES).truncated


def test_a_letter_written_before_the_truncation_field_is_known_truncated_by_its_reason_note() -> None:
    stored = letter_of(b"x" * (MAX_ORIGINAL_BYTES + 1)).model_dump()
    del stored["value_truncated_from"], stored["value_null"]
    assert DeadLetter.model_validate(stored).truncated
