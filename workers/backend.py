"""The engine boundary: the worker loop talks to a `GenerationBackend` and never knows
which one runs (transformers on CPU, vLLM on GPU, or the zero-cost echo backend)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class BackendError(Exception):
    """Base error of a backend. `retriable` tells the caller whether trying again may help."""

    retriable: bool = True


class GenerationFailed(BackendError):
    """This call failed (timeout, bad input, OOM on one batch): retry, then fall back."""

    retriable = True


class BackendDead(BackendError):
    """The engine cannot serve any more: the process exits and its supervisor restarts it."""

    retriable = False


@dataclass(frozen=True)
class ChatPrompt:
    """One generation: chat messages (the backend applies the model's chat template).

    `doomed`, if given, says of the text generated so far that the caller will reject it
    however it goes on. A backend that decodes step by step may stop that completion there
    (the transformers backend asks every few tokens); one that cannot (vLLM) ignores it."""

    messages: tuple[dict[str, str], ...]
    max_new_tokens: int = 120
    temperature: float = 0.0  # 0 = greedy; regeneration uses > 0 with a seed
    seed: int = 0
    doomed: Callable[[str], bool] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    stopped_early: bool = False  # cut short because the prompt's `doomed` said so


@runtime_checkable
class GenerationBackend(Protocol):
    name: str
    model: str

    def generate(self, prompts: list[ChatPrompt]) -> list[Completion]:
        """Generate one completion per prompt, in order. Blocking; called off the poll loop."""
        ...

    def close(self) -> None: ...
