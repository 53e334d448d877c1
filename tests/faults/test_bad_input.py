"""Bad input through the real stack: fuzzed product events go to the DLQ with a reason and
their original bytes while valid events interleaved with them all get descriptions; a
poison generation request goes to generation.requests.dlq without blocking its partition."""

from __future__ import annotations

import json
import random
from collections import Counter

from faultkit import product, read_all, record_figures, send, version_of, wait_for
from kafka import KafkaProducer

from foundation.kafka import producer
from schemas import DeadLetter, DecodeError, ProductEvent, decode
from schemas.dead_letter import MAX_ORIGINAL_BYTES
from shopscribe.collect import collect

VALID = 100
BAD = 300


def bad_product(rng: random.Random, i: int) -> bytes:
    """One invalid product event, of a randomly chosen kind (all rejected by `decode`)."""
    base = product(f"BAD-{i:04d}")
    kind = rng.choice(["truncated", "binary", "invalid_utf8", "missing", "wrong_type", "deep", "huge_map",
                       "oversized", "not_object", "huge_number", "naive_time", "bad_type"])
    raw = json.dumps(base).encode()
    if kind == "truncated":
        return raw[: rng.randrange(1, len(raw) - 1)]
    if kind == "binary":
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
    if kind == "invalid_utf8":
        return raw.replace(b"Stoneware", b"Stonew\xe4re\xff")
    if kind == "missing":
        field = rng.choice(["event_id", "type", "sku", "title", "attributes", "occurred_at"])
        return json.dumps({k: v for k, v in base.items() if k != field}).encode()
    if kind == "wrong_type":
        field = rng.choice(["sku", "title", "attributes", "occurred_at", "max_chars"])
        return json.dumps({**base, field: rng.choice([[1, 2], {"x": None}, 3.5, True, None])}).encode()
    if kind == "deep":
        depth = rng.randrange(200, 50_000)
        return raw.replace(b'"stoneware"', b"[" * depth + b"1" + b"]" * depth)
    if kind == "huge_map":
        return json.dumps({**base, "attributes": {f"a{n}": "v" for n in range(rng.randrange(51, 30_000))}}).encode()
    if kind == "oversized":
        return json.dumps({**base, "title": "x" * rng.randrange(201, 1_200_000)}).encode()
    if kind == "not_object":
        return json.dumps(rng.choice([[base], "product", 42, None])).encode()
    if kind == "huge_number":
        return raw.replace(b'"stoneware"', b"9" * 5000)
    if kind == "naive_time":
        return json.dumps({**base, "occurred_at": "2026-11-01T00:00:00"}).encode()
    return json.dumps({**base, "type": "product.deleted"}).encode()


def test_fuzzed_bad_events_go_to_the_dlq_and_valid_ones_are_all_described(echo_stack) -> None:  # noqa: ANN001
    stack = echo_stack()
    topics = stack.settings.topics
    rng = random.Random(20261101)
    bad = [bad_product(rng, i) for i in range(BAD)]
    for raw in bad:
        try:
            decode(raw, ProductEvent)
            raise AssertionError(f"generator made a valid event: {raw[:200]!r}")
        except DecodeError:
            pass
    good = [product(f"GOOD-{i:04d}") for i in range(VALID)]
    stream: list[tuple[bytes | None, bytes]] = [(g["sku"].encode(), json.dumps(g).encode()) for g in good]
    stream += [(rng.choice([None, b"BAD", f"BAD-{i}".encode()]), raw) for i, raw in enumerate(bad)]
    rng.shuffle(stream)
    with KafkaProducer(bootstrap_servers=stack.settings.kafka.bootstrap, acks="all",
                       max_request_size=2_000_000) as client:
        for key, value in stream:
            client.send(topics.products, key=key, value=value)
        client.flush()

    expected = {g["sku"]: version_of(g) for g in good}
    latest = collect(stack.settings, topics.descriptions, expected, 180, check=stack.check_alive)
    assert sorted(latest.by_sku) == sorted(expected)

    dlq = topics.dlq(topics.products)
    letters = wait_for(lambda: (lambda r: r if len(r) >= BAD else None)(read_all(stack.settings, dlq)), 120,
                       "all dead letters", check=stack.check_alive)
    decoded = [DeadLetter.model_validate_json(r.value) for r in letters]
    assert len(decoded) == BAD
    # Values past MAX_ORIGINAL_BYTES keep a prefix (the reason says so, with size and sha256).
    assert Counter(d.original_value() for d in decoded) == Counter(b[:MAX_ORIGINAL_BYTES] for b in bad), \
        "the DLQ must hold exactly the bad bytes"
    for letter in decoded:
        if len(letter.original_value()) == MAX_ORIGINAL_BYTES:
            assert "truncated" in letter.reason and "sha256" in letter.reason
    for letter in decoded:
        assert letter.reason and letter.error in {"invalid_json", "invalid_utf8", "schema_invalid", "too_large"}
        assert letter.topic == topics.products and letter.offset >= 0
    record_figures("fuzzed_input_through_stack", events_in=VALID + BAD, valid_in=VALID, bad_in=BAD,
                   descriptions_for_valid=len(latest.by_sku), dead_letters=len(decoded),
                   errors=dict(Counter(d.error for d in decoded)), lost=VALID - len(latest.by_sku))


def test_poison_request_goes_to_the_dlq_and_never_blocks_its_partition(echo_stack) -> None:  # noqa: ANN001
    stack = echo_stack()
    topics = stack.settings.topics
    poison = [b"\x00not a batch", b'{"batch_id": "x", "requests": []}', b'{"truncated": ']
    with producer(stack.settings) as client:
        for p in range(stack.settings.topics.partitions):  # one of each on every partition
            for value in poison:
                client.send(topics.requests, key=b"poison", value=value, partition=p)
        client.flush()
    good = [product(f"AFTER-{i:03d}") for i in range(30)]
    send(stack.settings, topics.products, [json.dumps(g).encode() for g in good], [g["sku"].encode() for g in good])
    latest = collect(stack.settings, topics.descriptions, {g["sku"]: version_of(g) for g in good}, 300,
                     check=stack.check_alive)
    assert len(latest.by_sku) == len(good)
    expected_letters = len(poison) * topics.partitions
    letters = wait_for(lambda: (lambda r: r if len(r) >= expected_letters else None)(
        read_all(stack.settings, topics.dlq(topics.requests))), 60, "poison dead letters", check=stack.check_alive)
    decoded = [DeadLetter.model_validate_json(r.value) for r in letters]
    assert sorted(d.original_value() for d in decoded) == sorted(poison * topics.partitions)
    assert all(d.reason for d in decoded)
    record_figures("poison_generation_requests", poison_in=expected_letters, dead_letters=len(decoded),
                   valid_in=len(good), results_out=len(latest.by_sku), lost=0)


def test_dlq_republish_sends_fixed_records_back_through_the_pipeline(echo_stack) -> None:  # noqa: ANN001
    import os
    import subprocess
    import sys

    from shopscribe.stack import settings_env

    stack = echo_stack()
    topics = stack.settings.topics
    fixable = [{**product(f"FIX-{i}"), "occurred_at": "2026-11-01T00:00:00"} for i in range(3)]  # naive time
    send(stack.settings, topics.products, [json.dumps(f).encode() for f in fixable],
         [f["sku"].encode() for f in fixable])
    dlq = topics.dlq(topics.products)
    letters = wait_for(lambda: (lambda r: r if len(r) >= 3 else None)(read_all(stack.settings, dlq)), 60,
                       "dead letters", check=stack.check_alive)
    env = {**os.environ, **settings_env(stack.settings)}

    def cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "shopscribe", "dlq", *args], env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    listed = [json.loads(line) for line in cli("list", dlq, "--json").splitlines()]
    assert sorted(row["key"] for row in listed) == sorted(f["sku"] for f in fixable)
    fixes = stack.work_dir / "fixed.jsonl"
    with fixes.open("w") as out:  # fix two of the three; the third stays in the DLQ
        for row in listed[:2]:
            value = json.loads(row["value"]) if row["bytes"] <= 200 else None
            value = value or next(f for f in fixable if f["sku"] == row["key"])
            out.write(json.dumps({"partition": row["partition"], "offset": row["offset"],
                                  "value": {**value, "occurred_at": "2026-11-01T00:00:00Z"}}) + "\n")
    report = json.loads(cli("republish", dlq, "--fix-file", str(fixes)))
    assert report["republished"] == 2 and report["letters"] == 3
    fixed_skus = [row["key"] for row in listed[:2]]
    version = version_of({"occurred_at": "2026-11-01T00:00:00+00:00"})
    latest = collect(stack.settings, topics.descriptions, dict.fromkeys(fixed_skus, version), 120,
                     check=stack.check_alive)
    assert sorted(latest.by_sku) == sorted(fixed_skus)
    record_figures("dlq_republish_fixed", dead_letters=len(letters), republished=2, described_after_fix=len(latest.by_sku))
