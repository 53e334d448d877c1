"""The dev set (tests/data/descriptions_dev.jsonl, written for this project): in a
description made of a product's supported sentences, every one is kept; a sentence that
states what the facts do not support is dropped, for the kind of reason the set names.

`python tests/unit/foundation/claims/test_claims_dev_set.py` prints the counts per reason."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from foundation.claims import Facts, check_description

DEV_SET = Path(__file__).resolve().parents[4] / "tests" / "data" / "descriptions_dev.jsonl"


def load() -> list[dict]:
    return [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()]


def facts_of(product: dict) -> Facts:
    return Facts.of(product["title"], product.get("brand"), product.get("category"), product["attributes"])


def family(reason: str) -> str:
    """The part of a reason a dev-set entry commits to: contradiction, number, or another
    unsupported claim (the kind of an unsupported word is a label, not a promise)."""
    kind = reason.split(":", 1)[0]
    if kind == "contradicts":
        return "contradicts"
    return "number" if kind.endswith("_number") else "unsupported"


@dataclass
class Outcome:
    product: str
    sentence: str
    expected: str | None  # None for a good sentence
    reasons: list[str]


def judge(products: list[dict]) -> list[Outcome]:
    outcomes = []
    for product in products:
        facts = facts_of(product)
        good = product["good"]
        verdict = check_description(" ".join(good), facts)
        dropped = {d.sentence: d.reasons for d in verdict.dropped}
        outcomes += [Outcome(product["id"], s, None, dropped.get(s, [])) for s in good]
        for bad in product["bad"]:
            # A bad sentence is judged inside a description, after a supported sentence.
            verdict = check_description(f"{good[0]} {bad['sentence']}", facts)
            reasons = next((d.reasons for d in verdict.dropped if d.sentence == bad["sentence"]), [])
            outcomes.append(Outcome(product["id"], bad["sentence"], bad["reason"], reasons))
    return outcomes


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return judge(load())


def test_the_dev_set_is_large_enough_and_well_formed() -> None:
    products = load()
    assert len(products) >= 45
    assert len({p["id"] for p in products}) == len(products)
    for product in products:
        assert product["title"] and product["attributes"] and product["good"] and product["bad"]
        assert all(family(b["reason"]) for b in product["bad"])


def test_every_supported_sentence_is_kept(outcomes: list[Outcome]) -> None:
    dropped = [(o.product, o.sentence, o.reasons) for o in outcomes if o.expected is None and o.reasons]
    assert dropped == []


def test_every_unsupported_sentence_is_dropped_for_its_kind_of_reason(outcomes: list[Outcome]) -> None:
    wrong = [
        (o.product, o.sentence, o.expected, o.reasons)
        for o in outcomes
        if o.expected is not None and family(o.expected) not in {family(r) for r in o.reasons}
    ]
    assert wrong == []


def report(outcomes: list[Outcome]) -> str:
    good = [o for o in outcomes if o.expected is None]
    bad = [o for o in outcomes if o.expected is not None]
    lines = [
        f"good sentences: {len(good)}, wrongly dropped: {sum(bool(o.reasons) for o in good)}",
        f"bad sentences: {len(bad)}, kept: {sum(not o.reasons for o in bad)}, "
        f"dropped for another kind of reason only: {sum(bool(o.reasons) and family(o.expected) not in {family(r) for r in o.reasons} for o in bad)}",
        "bad sentences by expected reason (dropped / total, right kind):",
    ]
    by_kind: dict[str, list[Outcome]] = {}
    for o in bad:
        by_kind.setdefault(o.expected.split(":", 1)[0], []).append(o)
    for kind, items in sorted(by_kind.items()):
        right = sum(family(o.expected) in {family(r) for r in o.reasons} for o in items)
        lines.append(f"  {kind:24} {sum(bool(o.reasons) for o in items):3} / {len(items):3}, right kind {right}")
    fired = Counter(r.split(":", 1)[0] for o in outcomes for r in o.reasons)
    lines.append("reasons fired: " + ", ".join(f"{k} {v}" for k, v in fired.most_common()))
    for o in good:
        if o.reasons:
            lines.append(f"  GOOD DROPPED [{o.product}] {o.sentence} {o.reasons}")
    for o in bad:
        if family(o.expected) not in {family(r) for r in o.reasons}:
            lines.append(f"  BAD MISSED [{o.product}] {o.sentence} expected {o.expected}, got {o.reasons}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(DEV_SET.parents[2]))
    print(report(judge(load())))
