"""The review path (streams) and the description guardrails (workers) use the same detectors:
the ones in foundation.textsafety. Each test replaces one detector with a spy and fails if
either side stops calling it."""

from __future__ import annotations

import pytest

from foundation.textsafety import injection, links, pii
from streams.review_state.records import prepare_text
from workers.guardrails import find_violations

REVIEW = "Great kettle, boils fast. Ask me at jo@example.com or see cheapdeals.ru."


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    for module, name in ((pii, "find_pii"), (links, "find_links"), (injection, "injection_matches")):
        real = getattr(module, name)

        def spy(text: str, _real=real, _name=name):  # noqa: ANN202
            seen.append(_name)
            return _real(text)

        monkeypatch.setattr(module, name, spy)
    return seen


def test_the_review_path_masks_and_screens_with_the_shared_detectors(calls: list[str]) -> None:
    prepared = prepare_text(REVIEW)
    assert {"find_pii", "find_links", "injection_matches"} <= set(calls)
    assert "jo@example.com" not in prepared["text"] and "cheapdeals.ru" not in prepared["text"]


def test_the_description_guardrails_judge_with_the_shared_detectors(calls: list[str]) -> None:
    reasons = find_violations("A sturdy kettle. Order at cheapdeals.ru or mail jo@example.com.",
                              source_text="Steel Kettle", max_chars=600)
    assert {"find_pii", "find_links"} <= set(calls)
    assert any(r.startswith("url") for r in reasons) and any(r.startswith("email") for r in reasons)
