"""Property-based fuzzing of the input decode path (`schemas.codec.decode`).

Whatever bytes a producer sends, decoding either returns a valid event or raises
`DecodeError` with a DLQ error class (`kind`) and a non-empty reason; never any other
exception, never unbounded memory. More than 10,000 generated cases across the tests
below (see FUZZ_EXAMPLES).
"""

from __future__ import annotations

import json
import os
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import DeadLetter, DecodeError, ProductEvent, ReviewEvent, decode
from schemas.codec import MAX_MESSAGE_BYTES

KINDS = {"invalid_json", "invalid_utf8", "schema_invalid", "too_large"}
# Cases per test and model: 2 models x (2 x 2500 cheap + 2 x 700 structured) = 12,800 in
# all (>= 10,000). FUZZ_SCALE multiplies them (e.g. FUZZ_SCALE=10 nightly).
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    return settings(max_examples=int(examples * SCALE), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])


PRODUCT = {"event_id": "e1", "type": "product.created", "sku": "MUG-1", "title": "Stoneware Mug",
           "attributes": {"color": "sage", "sizes": ["S", "M"]}, "occurred_at": "2026-11-01T10:00:00Z",
           "category": "kitchen", "brand": "Hearth", "locale": "en", "max_chars": 400, "schema_version": 1}
REVIEW = {"event_id": "r1", "type": "review.created", "review_id": "rv1", "sku": "MUG-1", "rating": 4,
          "text": "Holds heat well.", "occurred_at": "2026-11-01T10:00:00+01:00", "title": "Nice",
          "verified_purchase": True, "locale": "en", "schema_version": 1}
BASE = {ProductEvent: PRODUCT, ReviewEvent: REVIEW}
MODELS = [ProductEvent, ReviewEvent]

# -- strategies --------------------------------------------------------------------------
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False), st.text(max_size=50),
    st.tuples(st.sampled_from(["x", "\u00e9", "\U0001f600", "\u202e"]), st.integers(200, 6000)).map(
        lambda t: t[0] * t[1]),  # oversized strings
    st.sampled_from(["", " ", "\x00", "2026-11-01T10:00:00", "2026-11-01T10:00:00Z", "product.created",
                     "review.deleted", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace")]),
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=30,
)


def deep(depth: int, leaf: object = 1) -> object:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


@st.composite
def mutated_event(draw: st.DrawFn, model: type) -> bytes:
    """A valid event with fields dropped, replaced by arbitrary JSON, or blown up."""
    data = dict(BASE[model])
    fields = sorted(data) + ["extra_field"]
    deeps: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(fields))
        action = draw(st.sampled_from(["drop", "replace", "deep", "huge_map", "huge_list", "big_string"]))
        if action == "drop":
            data.pop(name, None)
        elif action == "replace":
            data[name] = draw(json_values)
        elif action == "deep":  # spliced in as text: json.dumps itself would recurse too deep
            depth = draw(st.integers(10, 5000))
            deeps.append("[" * depth + "1" + "]" * depth)
            data[name] = f"__DEEP{len(deeps) - 1}__"
        elif action == "huge_map":
            size = draw(st.integers(40, 5000))
            value = draw(st.sampled_from(["v", ["x", "y"], 1, None, {"n": "v"}]))
            data[name] = {f"a{i}": value for i in range(size)}
        elif action == "huge_list":
            data[name] = ["v"] * draw(st.integers(10, 20000))
        else:
            data[name] = "x" * draw(st.integers(60, 20000))
    text = json.dumps(data)
    for i, nested in enumerate(deeps):
        text = text.replace(f'"__DEEP{i}__"', nested)
    return text.encode()


@st.composite
def corrupted_bytes(draw: st.DrawFn, model: type) -> bytes:
    """Valid JSON bytes with garbage spliced in: truncation, invalid UTF-8, control bytes."""
    raw = json.dumps(BASE[model]).encode()
    action = draw(st.sampled_from(["truncate", "splice", "prefix", "bom", "latin1"]))
    if action == "truncate":
        return raw[: draw(st.integers(0, len(raw) - 1))]
    if action == "splice":
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.binary(min_size=1, max_size=16)) + raw[at:]
    if action == "prefix":
        return draw(st.binary(max_size=8)) + raw
    if action == "bom":
        return b"\xef\xbb\xbf" + raw
    return json.dumps({**BASE[model], "title": "caf\u00e9"}).encode().replace("é".encode(), b"\xe9")


def check(raw: bytes, model: type) -> None:
    try:
        event = decode(raw, model)
    except DecodeError as exc:
        assert exc.kind in KINDS, exc.kind
        assert exc.reason and isinstance(exc.reason, str)
        # The reason and the original bytes fit a dead letter.
        letter = DeadLetter.of(error=exc.kind, reason=exc.reason, topic="t", partition=0, offset=0, key=None,
                               value=raw, failed_at_ms=0)
        assert letter.original_value() == raw
        return
    assert isinstance(event, model)
    assert event.sku and event.event_id


# -- the properties ------------------------------------------------------------------------
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@fuzz(2500)
@given(data=st.data())
def test_arbitrary_bytes(model: type, data: st.DataObject) -> None:
    check(data.draw(st.binary(max_size=2000)), model)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@fuzz(700)
@given(data=st.data())
def test_arbitrary_json_documents(model: type, data: st.DataObject) -> None:
    value = data.draw(json_values | st.dictionaries(st.sampled_from(sorted(BASE[model])), json_values))
    check(json.dumps(value).encode(), model)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@fuzz(700)
@given(data=st.data())
def test_mutated_events(model: type, data: st.DataObject) -> None:
    check(data.draw(mutated_event(model)), model)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@fuzz(2500)
@given(data=st.data())
def test_corrupted_bytes(model: type, data: st.DataObject) -> None:
    check(data.draw(corrupted_bytes(model)), model)


# -- the worst cases, with bounded memory ----------------------------------------------------
WORST = {
    "just_over_limit": b'{"a": "' + b"x" * MAX_MESSAGE_BYTES + b'"}',
    "100k_brackets": b"[" * 100_000 + b"]" * 100_000,
    "deep_in_required_field": json.dumps({**PRODUCT, **REVIEW, "event_id": deep(900)}).encode(),
    "deep_attribute": json.dumps({**PRODUCT, "attributes": {"a": deep(900)}}).encode(),
    "50k_attributes": json.dumps({**PRODUCT, "attributes": {f"k{i}": "v" for i in range(50_000)}})[:MAX_MESSAGE_BYTES].encode(),
    # json.loads raises a plain ValueError past 4300 digits (found by this fuzzer).
    "huge_number": b'{"rating": ' + b"9" * 500_000 + b"}",
    "nul_bytes": b"\x00" * 500_000,
    "invalid_utf8_tail": json.dumps(REVIEW).encode()[:-2] + b"\xc3\x28}",
}


@pytest.mark.parametrize("name", sorted(WORST))
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_worst_cases_fail_cleanly_with_bounded_memory(name: str, model: type) -> None:
    raw = WORST[name]
    tracemalloc.start()
    try:
        with pytest.raises(DecodeError) as caught:
            decode(raw, model)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.kind in KINDS and caught.value.reason
    # Decoding a rejected record costs a small multiple of its size, never more.
    assert peak < 40 * max(len(raw), 100_000), (name, peak)
