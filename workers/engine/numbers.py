"""Number-constrained decoding: digits may only spell the facts' numbers.

A small model invents numbers ("a 3,000 rpm motor" for an 800 W blender); the guardrails
then reject the whole draft. Constrained, the model can still write every number the
facts hold, and only those: a digit that would start or continue a number that is not
in the facts is masked out, and a number that is no fact yet ("22" of "2200") must go on
to become one. Which attribute a number belongs to stays the claim checker's to judge.

The rule reads the text of number tokens: one digit ("2", SmolLM2, Qwen), a group of
digits ("220", Llama 3), a separator ("." or ","), any of them after one space (" 2"); the
backend maps token ids to their text once, and every other token ends a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DIGITS = frozenset("0123456789")
SEPARATORS = frozenset(".,")
PIECES = DIGITS | SEPARATORS


def number_piece(text: str) -> bool:
    """Whether a token's text is a number piece: digits and separators, after at most one space."""
    body = text[1:] if text.startswith(" ") else text
    return bool(body) and set(body) <= PIECES


@dataclass(frozen=True)
class NumberRule:
    """The numbers a completion may write, and every prefix of them."""

    numbers: frozenset[str]
    prefixes: frozenset[str]

    @classmethod
    def of(cls, numbers: Iterable[str]) -> NumberRule:
        spelled = frozenset(n for n in numbers if n and n[0] in DIGITS and set(n) <= PIECES)
        return cls(spelled, frozenset(n[:i] for n in spelled for i in range(1, len(n) + 1)))

    def after(self, state: str, piece: str | None) -> str:
        """The number being written once `piece` (None: any other token) follows `state`."""
        if piece is None:
            return ""
        for char in piece:
            state = _step(state, char)
        return state

    def allows(self, state: str, piece: str) -> bool:
        """Whether a number token may follow `state`: each of its characters in turn."""
        for char in piece:
            allowed, others = self.choices(state)
            if char in DIGITS and char not in allowed:
                return False
            if char not in DIGITS and char not in allowed and not others:
                return False  # a space, or a separator no fact's number has here
            state = _step(state, char)
        return True

    def choices(self, state: str) -> tuple[frozenset[str], bool]:
        """The pieces that may come next, and whether any other token may (the number so
        far is complete, or none is being written)."""
        if not state:
            return frozenset(d for d in DIGITS if d in self.prefixes), True
        if state[-1] in SEPARATORS:  # a decimal point, or the sentence's full stop
            return frozenset(d for d in DIGITS if state + d in self.prefixes), state[:-1] in self.numbers
        return frozenset(p for p in PIECES if state + p in self.prefixes), state in self.numbers


def _step(state: str, char: str) -> str:
    if char in DIGITS:
        return state + char
    if char in SEPARATORS and state and state[-1] in DIGITS:
        return state + char
    return ""

