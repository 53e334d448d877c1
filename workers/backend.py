"""The engine boundary: the worker loop talks to a `GenerationBackend` and never knows
which one runs (transformers on CPU, vLLM on GPU, or the zero-cost echo backend)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from foundation.claims.vocabulary import free_words, spellings


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
    (the transformers backend asks every few tokens); one that cannot (vLLM) ignores it.

    `copy_from` and `copy_bias`: copy-biased decoding. Every token of `copy_from`'s words
    gets `copy_bias` added to its logit at every step, so the model leans towards the words
    of the facts rather than words of its own (both backends; 0 turns it off).

    `numbers`: number-constrained decoding. When given, digits may only spell these
    numbers (as written: "2200", "1.7"); None leaves digits free.

    `words`: word-constrained decoding. When given, a word may only begin as one of these
    words (the facts', lower case) or one of the words any description may write (`free_words`) begins;
    None leaves words free. Only a word's first token is held to it (the spelling that
    follows stays free), and the first word of the text is not."""

    messages: tuple[dict[str, str], ...]
    max_new_tokens: int = 120
    temperature: float = 0.0  # 0 = greedy; regeneration uses > 0 with a seed
    seed: int = 0
    doomed: Callable[[str], bool] | None = field(default=None, compare=False)
    copy_from: str = ""
    copy_bias: float = 0.0
    numbers: frozenset[str] | None = None
    words: frozenset[str] | None = None


# Words of letters only: favouring digits made the model copy numbers into the wrong places
# (second held-out set, bias 2.5: 14 of 24 drafts rejected for a number not in the facts).
_COPY_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)


def number_pattern(numbers: frozenset[str]) -> str:
    """Number-constrained decoding as a regular expression, for backends that constrain by
    regex (vLLM's structured outputs): text whose every run of digits is one of `numbers`.
    Between two numbers stands at least one character and no bare "." or "," just before
    the second, so "1" and "5" of the facts cannot make "1.5"."""
    spelled = "|".join(re.escape(n) for n in sorted(numbers, key=len, reverse=True))
    if not spelled:
        return r"[^0-9]*"
    number = f"(?:{spelled})"
    return rf"[^0-9]*(?:{number}(?:[^0-9]*[^0-9.,]{number})*[^0-9]*)?"


class Encoder(Protocol):
    def encode(self, text: str, add_special_tokens: bool = ...) -> list[int]: ...


def copy_bias(prompt: ChatPrompt, tokenizer: Encoder, exclude: set[int]) -> dict[int, float]:
    """The logit bias of `prompt`'s copy-biased decoding: each word of `copy_from` (letters
    only, no numbers) as the tokenizer spells it mid-sentence (" walnut") and at the start
    ("Walnut", "walnut"), every token of those spellings, `exclude` (stop tokens) left out."""
    if not prompt.copy_bias or not prompt.copy_from:
        return {}
    ids: set[int] = set()
    for word in dict.fromkeys(_COPY_WORD.findall(prompt.copy_from)):
        for spelling in (f" {word}", word, word.capitalize(), f" {word.lower()}"):
            ids.update(tokenizer.encode(spelling, add_special_tokens=False))
    return {token: prompt.copy_bias for token in sorted(ids - exclude)}


# What a banned token's logit gets: the most negative bias vLLM takes, and far below any
# logit the model writes (it never picks the token).
BANNED_BIAS = -100.0


class WordBan:
    """Word-constrained decoding for one tokenizer: which word-start tokens (" ceramic",
    " Tesla") a prompt's `words` leave out. A token is allowed when its letters begin an
    allowed word, so a word the tokenizer splits ("water"+"proof") is held at its first
    piece only. Built once per backend: `pieces` is every token's text."""

    def __init__(self, pieces: dict[int, str]) -> None:
        self.starts: dict[str, list[int]] = {}  # " ceramic" -> "ceramic" -> its token ids
        for token, piece in pieces.items():
            if len(piece) > 1 and piece[0] == " " and piece[1:].isalpha():
                self.starts.setdefault(piece[1:].lower(), []).append(token)
        free = _prefixes(free_words())
        self.banned = {start for start in self.starts if start not in free}

    def bias(self, words: frozenset[str] | None) -> dict[int, float]:
        """The logit bias that bans every word start neither `words` nor `free_words` allow."""
        if words is None:
            return {}
        allowed = _prefixes(frozenset(form for word in words for form in spellings(word)))
        return {token: BANNED_BIAS for start in self.banned - allowed for token in self.starts[start]}


class Decoder(Protocol):
    def decode(self, token_ids: list[int]) -> str: ...

    def __len__(self) -> int: ...


def token_pieces(tokenizer: Decoder) -> dict[int, str]:
    """Every token's text: what number- and word-constrained decoding read."""
    return {token: tokenizer.decode([token]) for token in range(len(tokenizer))}


def _prefixes(words: frozenset[str]) -> set[str]:
    """Every beginning of every word, and of each part of a hyphenated one ("top-of-the-line")."""
    found: set[str] = set()
    for word in words:
        for part in {word, *word.split("-")}:
            found.update(part[:i] for i in range(1, len(part) + 1))
    return found


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
