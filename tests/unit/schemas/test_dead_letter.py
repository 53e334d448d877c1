from schemas import DeadLetter


def test_a_dead_letter_keeps_the_original_bytes_and_where_they_came_from() -> None:
    letter = DeadLetter.of(error="invalid_utf8", reason="bad", topic="products.events", partition=3, offset=42,
                           key=b"SKU-1", value=b"\xff\x00raw", failed_at_ms=1)
    again = DeadLetter.model_validate_json(letter.model_dump_json())
    assert again.original_value() == b"\xff\x00raw"
    assert again.original_key() == b"SKU-1"
    assert (again.topic, again.partition, again.offset) == ("products.events", 3, 42)
