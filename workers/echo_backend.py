"""A zero-cost backend for unit tests and for measuring pipeline overhead.

It "writes" a deterministic sentence from the facts in the prompt's last user message
(the title and attribute values of a description prompt), so its output passes the
guardrails like a well-behaved model would. Never the default, and never what a test
calls "generation works".
"""

from __future__ import annotations

import re
import time

from workers.backend import BackendDead, ChatPrompt, Completion, GenerationFailed

MAX_ECHO_CHARS = 300
_FACT_LINE = re.compile(r"^\s*([^:\n<>]{1,64}):\s*(.+?)\s*$", re.MULTILINE)


class EchoBackend:
    name = "echo"

    def __init__(self, model: str = "echo", delay_s: float = 0.0, fail: bool = False) -> None:
        self.model = model
        self.fail = fail  # every generate() raises GenerationFailed: fallback tests (WorkerSettings.echo_fail)
        self.delay_s = delay_s  # a slow model, for fault tests (WorkerSettings.echo_delay_s)
        self.calls = 0  # how many generate() calls: tests assert batching with it
        self._closed = False

    def generate(self, prompts: list[ChatPrompt]) -> list[Completion]:
        if self._closed:
            raise BackendDead("backend is closed")
        self.calls += 1
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.fail:
            raise GenerationFailed("echo backend told to fail (echo_fail)")
        return [self._echo(p) for p in prompts]

    def close(self) -> None:
        self._closed = True

    def _echo(self, prompt: ChatPrompt) -> Completion:
        user = next((m["content"] for m in reversed(prompt.messages) if m.get("role") == "user"), "")
        text = echo_text(user)
        prompt_words = sum(len(m.get("content", "").split()) for m in prompt.messages)
        completion_words = min(len(text.split()), prompt.max_new_tokens)
        return Completion(text=text, prompt_tokens=prompt_words, completion_tokens=completion_words)


def echo_text(user_message: str, max_chars: int = MAX_ECHO_CHARS) -> str:
    """"The <title> comes with <name> <value>, <name> <value>, ..." from "name: value" fact
    lines (a sentence, as a well-behaved model writes: a "Title: ..." dump is no description),
    else the message's first words; truncated at a word boundary and ended with a full stop."""
    facts = dict(_FACT_LINE.findall(user_message))
    title = facts.pop("title", "").strip()
    pairs = [f"{k.strip()} {v.strip()}" for k, v in facts.items() if k not in ("brand", "category")]
    if title:
        text = f"The {title} comes with {', '.join(pairs)}" if pairs else title
    else:
        text = " ".join(user_message.split()) or "Nothing to echo"
    if len(text) > max_chars - 1:
        text = text[:max_chars - 1].rsplit(" ", 1)[0]
    return text.rstrip(" ,;:.") + "."
