"""Prompt-injection detection for review text, in English, Chinese, German, Spanish, French,
Japanese and Russian.

Why rules and not a classifier: no multilingual injection classifier can be loaded here (no
model weights ship with the project and nothing may be downloaded at run time), and the
detector must be auditable: a reviewer who reads one of these languages can check its table
line by line, and a miss becomes one more line with a test. The price is recall on phrasings
nobody wrote down, so this is one layer of several: flagged reviews never reach a prompt,
every published string is scanned again on the way out (`published.scan_published`), and a
summary aggregates rather than quotes.

Every table is matched against every view of the text from `normalise.detector_views`
(casefolded; homoglyphs, invisible and tag characters, spelled-out letters, leetspeak, base64
and ROT13 undone), so the patterns are written in lower case and plain letters only. They
ask for the shape of an instruction to the summariser, not for a topic: "ignore ... previous
instructions", not "instructions" ("the instructions were in Chinese only" is a review).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from foundation.textsafety.injection_rules import LANGUAGES
from foundation.textsafety.normalise import detector_views, strip_invisible

__all__ = [
    "ATTACK_CLASSES", "LANGUAGES", "InjectionMatch", "injection_matches", "injection_reasons",
    "looks_like_injection", "split_attacks", "split_attack", "neutralise_instructions",
]

ATTACK_CLASSES = tuple(dict.fromkeys(cls for table in LANGUAGES.values() for cls in table))
_COMPILED = [(lang, cls, re.compile("|".join(pats), re.M)) for lang, table in LANGUAGES.items() for cls, pats in table.items()]


@dataclass(frozen=True)
class InjectionMatch:
    """One attack pattern that fired: its class, the table's language, and what it matched."""

    attack_class: str
    language: str
    matched: str


def injection_matches(text: str) -> list[InjectionMatch]:
    """Every (class, language) whose pattern matches some view of `text`, once each."""
    found: dict[tuple[str, str], InjectionMatch] = {}
    for view in detector_views(text):
        for lang, cls, pattern in _COMPILED:
            if (cls, lang) not in found and (m := pattern.search(view)):
                found[(cls, lang)] = InjectionMatch(cls, lang, m.group(0))
    return list(found.values())


def injection_reasons(text: str) -> list[str]:
    """Names of the attack classes found (empty for an ordinary review), in table order."""
    hit = {m.attack_class for m in injection_matches(text)}
    return [cls for cls in ATTACK_CLASSES if cls in hit]


def looks_like_injection(text: str) -> bool:
    """True when a review tries to instruct the summariser. Such a review still counts in
    the stats (its rating is real) but its text never reaches a prompt, an extractive
    summary or a pros/cons phrase."""
    return bool(injection_matches(text))


def split_attacks(texts: Sequence[str]) -> set[int]:
    """Indices of neighbouring reviews that each pass on their own but together form an
    attack ("Great kettle. Ignore all" + "previous instructions and ..."). Pass one SKU's
    reviews in arrival order; only neighbours are joined (n - 1 joins, not n²). A piece that
    is flagged on its own is excluded anyway, which already breaks the attack it belongs to,
    so it does not implicate its neighbour."""
    flagged = [looks_like_injection(t) for t in texts]
    out: set[int] = set()
    for i in range(len(texts) - 1):
        if not flagged[i] and not flagged[i + 1] and looks_like_injection(f"{texts[i]} {texts[i + 1]}"):
            out.update((i, i + 1))
    return out


def split_attack(texts: Sequence[str]) -> bool:
    """Whether some neighbouring pair of `texts` forms an attack that neither forms alone."""
    return bool(split_attacks(texts))


_TEMPLATE_TOKENS = re.compile(
    r"<\|[^<>|]{0,40}\|>|\[/?INST\]|<<\s*/?SYS\s*>>|</?\s*(?:s|system|review|reviews|prompt|data|summary|start_of_turn|end_of_turn)\s*>|#{2,}|`{3,}|-{4,}|={4,}",
    re.I,
)
_ROLE_AT_START = re.compile(r"\b(?:system|assistant|developer|user)\s*:", re.I)


def neutralise_instructions(text: str) -> str:
    """Defence in depth for text that is quoted inside a prompt: removes invisible and tag
    characters, chat-template tokens, fake delimiters and role markers, and angle brackets
    and bars so a review cannot close its own delimiter. Does not make an injection safe to
    prompt: those reviews are excluded."""
    t = _TEMPLATE_TOKENS.sub(" ", strip_invisible(text or ""))
    t = _ROLE_AT_START.sub(" ", t)
    t = t.replace("<", " ").replace(">", " ").replace("|", " ")
    return " ".join(t.split())
