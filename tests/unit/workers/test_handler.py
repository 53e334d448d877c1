"""The request handler: generate, judge with the guardrails, regenerate once, fall back."""

from __future__ import annotations

from foundation.metrics import Metrics
from schemas import DescriptionRequest
from shopscribe.bench.common import description_requests
from workers.backend import ChatPrompt, Completion
from workers.handler import REGENERATE_TEMPERATURE, HandlerConfig, RequestHandler

LOOP = "A sage mug. A sage mug. A sage mug."
GOOD = "A stoneware mug in sage."


class Scripted:
    """Loops when greedy, writes a good text when sampled; keeps every prompt it got."""

    name, model = "scripted", "scripted"

    def __init__(self) -> None:
        self.calls: list[list[ChatPrompt]] = []

    def generate(self, prompts: list[ChatPrompt]) -> list[Completion]:
        self.calls.append(prompts)
        return [Completion(LOOP if p.temperature == 0 else GOOD, 100, 12) for p in prompts]

    def close(self) -> None: ...


def request() -> DescriptionRequest:
    """A description request as streams emits it."""
    [made] = description_requests([{"event_id": "e1", "type": "product.created", "sku": "MUG-1",
                                    "title": "Stoneware Mug", "attributes": {"color": "sage"},
                                    "occurred_at": "2026-11-01T00:00:00Z"}], "desc-v1")
    return made


def test_a_rejected_draft_is_regenerated_by_sampling_with_the_same_early_stop() -> None:
    backend = Scripted()
    [result] = RequestHandler(backend, Metrics()).handle([request()])
    assert result.method == "generated" and result.description == GOOD
    first, second = backend.calls
    assert first[0].temperature == 0 and second[0].temperature == REGENERATE_TEMPERATURE
    # The regeneration may be stopped early on the same terms as the first draft.
    assert second[0].doomed is not None and second[0].doomed(LOOP + " It")
    assert second[0].messages == first[0].messages


def test_the_prompt_states_the_limit_the_draft_is_judged_by() -> None:
    backend = Scripted()
    RequestHandler(backend, Metrics(), HandlerConfig(default_max_chars=300)).handle([request()])
    assert "at most 300 characters" in backend.calls[0][0].messages[0]["content"]
