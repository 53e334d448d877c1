"""The way-out scan: what may not be in a string that is about to be published.

Every published string (summary, each pros/cons phrase, description, reason) goes through
`scan_published` after generation and before it leaves the worker, whatever path made it
(model, extractive fallback, template). An empty list means it may be published; otherwise
the caller drops the sentence or falls back, and counts the codes. Codes only, never text:

    pii:<kind>        personal data, from `pii.find_pii` (pii:email, pii:phone, pii:person ...)
    link              a URL or a domain, from `links.find_links`
    injection:<class> the text itself reads as an attack (`injection.injection_reasons`)
    delimiter         chat-template tokens, role markers, <review>-style tags, "Reviews:"-style
                      blocks, id="..." attributes, code fences: the prompt's structure leaking
    prompt_echo       the text repeats the prompt's instructions (an 8-word run of them, or
                      half of its 5-word runs)
    canary            a made-up code word ("CANARY-8728") that a source review wrote next to an
                      instruction, or any rare token copied from a review flagged as injection
    payload           a 5-word run copied from a flagged review that no clean review has

`sources` are all the reviews the text was written about, flagged ones included (pass them
raw: they are read through `detector_views`, so a base64 or tag-encoded canary counts too).
`instructions` is the prompt's instruction text (system prompt and task lines, not the
reviews).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from wordfreq import zipf_frequency

from foundation.textsafety.injection import injection_matches, looks_like_injection
from foundation.textsafety.normalise import base_form, detector_views, strip_invisible

__all__ = ["Detectors", "default_detectors", "scan_published", "DELIMITER_CLASSES"]


class Found(Protocol):
    """What the PII and link detectors return (`links.Finding`): only its kind is used."""

    @property
    def kind(self) -> str: ...


@dataclass(frozen=True)
class Detectors:
    """The PII and link detectors the scan uses; tests pass stand-ins."""

    find_pii: Callable[[str], Sequence[Found]]
    find_links: Callable[[str], Sequence[Found]]


@lru_cache(maxsize=1)
def default_detectors() -> Detectors:
    """The layer's own detectors. Imported here, not at module level, so that importing this
    module does not load Presidio and spaCy; an import error propagates: without them the
    scan must not run at all, never run without its PII check."""
    from foundation.textsafety.links import find_links
    from foundation.textsafety.pii import find_pii

    return Detectors(find_pii=find_pii, find_links=find_links)


# --------------------------------------------------------------------------- delimiters

# Classes of `injection` that are the prompt's structure rather than an instruction.
DELIMITER_CLASSES = frozenset({"chat_template", "role_marker"})
_TAG = re.compile(r"<\s*/?\s*[a-z_][\w:-]*(?:\s[^<>]{0,200})?/?>")
_BLOCK = re.compile(
    r"(?:^|[\n.!?]\s*)(?:reviews?|titles?|summary|pros|cons|(?:product )?facts|instructions?|brand|category|"
    r"system|user|assistant|r\d{1,3})\s*:",
    re.M,
)
_MARKUP = re.compile(r"\b(?:id|rating)\s*=\s*[\"']|`{3,}|#{2,}|-{4,}|={4,}|<<|>>|\[/?inst\]")


def _has_delimiter(text: str) -> bool:
    plain = base_form(text)
    if _TAG.search(plain) or _BLOCK.search(plain) or _MARKUP.search(plain):
        return True
    return any(m.attack_class in DELIMITER_CLASSES for m in injection_matches(text))


# --------------------------------------------------------------------------- prompt echo

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Chinese and Japanese have no spaces: each character is a token.
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+(?:['-][^\W_{_CJK}]+)*")
ECHO_RUN = 8  # words in a row copied from the instructions
ECHO_SHINGLE = 5
ECHO_SHARE = 0.5  # ... or this share of the text's 5-word runs


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(base_form(text)))


def _shingles(tokens: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


@lru_cache(maxsize=32)
def _instruction_shingles(instructions: str) -> tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]]]:
    tokens = _tokens(instructions)
    return frozenset(_shingles(tokens, ECHO_RUN)), frozenset(_shingles(tokens, ECHO_SHINGLE))


def _echoes(text: str, instructions: str) -> bool:
    if not instructions.strip():
        return False
    runs, fives = _instruction_shingles(instructions)
    tokens = _tokens(text)
    if _shingles(tokens, ECHO_RUN) & runs:
        return True
    mine = _shingles(tokens, ECHO_SHINGLE)
    shared = len(mine & fives)
    return shared >= 2 and shared >= ECHO_SHARE * len(mine)


# --------------------------------------------------------------------------- canaries

# Code-word shape in published text: upper-case letters and a digit, possibly dashed
# ("CANARY-8728", "ZX-99-SECRET", "WH-1000XM4"). Whether it is a canary depends on the sources.
_SECRET_SHAPE = re.compile(r"(?<![\w-])(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Z]{2})[A-Za-z0-9][A-Za-z0-9_-]{2,}(?![\w-])")
# A source that writes the token as the object of an instruction: "the word X", "end with X".
_CUE = (
    r"(?:\b(?:word|phrase|token|code|password|passphrase|signature|secret|tag|string|keyword)\b|"
    r"\b(?:say|write|print|output|append|prepend|include|add|type|sign|mention|insert)\b|"
    r"\b(?:end|finish|close|conclude|start|begin)\w*\b[^.!?\n]{0,40}\bwith\b(?:\s+the)?(?:\s+word)?|"
    r"(?:词|詞|暗号|暗號|口令|单词|wort|palabra|mot|言葉|単語|слово(?:м)?)"
    r")(?:\s*(?:is|lautet|ist|es|est|是|为|為|は|—))?\s*[:\"'“”«»(「]?\s*$"
)
_CUE_BEFORE = re.compile(_CUE)
_CODE_PARTS = re.compile(r"[-_]")
_RARE_ZIPF = 2.5
_RARE_LANGS = ("en", "de", "fr", "es")
_WORDISH = re.compile(rf"[^\W_{_CJK}]+(?:[-_][^\W_{_CJK}]+)*")


def _looks_made_up(token: str) -> bool:
    """A dashed code with a digit and a real word in it ("KIWI-9578"), not a model number."""
    parts = _CODE_PARTS.split(token)
    return len(parts) > 1 and any(p.isalpha() and len(p) >= 4 and zipf_frequency(p.lower(), "en") >= _RARE_ZIPF for p in parts)


def _is_rare(token: str) -> bool:
    """A letters-and-digits code ("zephyr-1903"), or a word no dictionary knows ("reviewbot")."""
    if not any(ch.isalpha() for ch in token):
        return False
    return any(ch.isdigit() for ch in token) or all(zipf_frequency(token, lang) < _RARE_ZIPF for lang in _RARE_LANGS)


def _words(view: str) -> set[str]:
    """Words of a view, and every dashed sub-run of a dashed one ("deals-kiwi-9578" gives
    "kiwi-9578" too), so a code inside a domain still counts."""
    out: set[str] = set()
    for word in _WORDISH.findall(view):
        parts = _CODE_PARTS.split(word)
        out.update("-".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, min(len(parts), i + 4) + 1))
    return out


@dataclass(frozen=True)
class _Evidence:
    cued: frozenset[str]  # casefolded code words written as an instruction's object
    flagged_tokens: frozenset[str]  # rare tokens of flagged reviews, absent from clean ones
    flagged_fives: frozenset[tuple[str, ...]]  # 5-token runs of flagged reviews, absent from clean ones


def _cued_tokens(view: str) -> set[str]:
    return {m.group(0) for m in re.finditer(r"(?<![\w-])[a-z0-9][a-z0-9_-]{2,}(?![\w-])", view)
            if any(ch.isdigit() for ch in m.group(0)) and _CUE_BEFORE.search(view[max(0, m.start() - 60) : m.start()])}


@lru_cache(maxsize=64)
def _evidence(sources: tuple[str, ...]) -> _Evidence:
    cued: set[str] = set()
    flagged_words: set[str] = set()
    clean_words: set[str] = set()
    flagged_fives: set[tuple[str, ...]] = set()
    clean_fives: set[tuple[str, ...]] = set()
    for source in sources:
        views = detector_views(source)
        flagged = looks_like_injection(source)
        words = {w for view in views for w in _words(view)}
        fives = {five for view in views for five in _shingles(tuple(_TOKEN.findall(view)), ECHO_SHINGLE)}
        (flagged_words if flagged else clean_words).update(words)
        (flagged_fives if flagged else clean_fives).update(fives)
        for view in views:
            cued |= _cued_tokens(view)
    return _Evidence(
        cued=frozenset(cued),
        flagged_tokens=frozenset(w for w in flagged_words - clean_words if _is_rare(w)),
        flagged_fives=frozenset(flagged_fives - clean_fives),
    )


def _copies_canary(text: str, evidence: _Evidence) -> bool:
    plain = unicodedata.normalize("NFKC", strip_invisible(text))
    for match in _SECRET_SHAPE.finditer(plain):
        token = match.group(0).casefold()
        if token in evidence.flagged_tokens or (token in evidence.cued and _looks_made_up(match.group(0))):
            return True
    return any(evidence.flagged_tokens.intersection(_words(view)) for view in detector_views(text))


def _copies_payload(text: str, evidence: _Evidence) -> bool:
    return bool(_shingles(_tokens(text), ECHO_SHINGLE) & evidence.flagged_fives)


# --------------------------------------------------------------------------- the scan

def scan_published(
    text: str,
    *,
    instructions: str = "",
    sources: Sequence[str] = (),
    detectors: Detectors | None = None,
) -> list[str]:
    """Reason codes why `text` must not be published (empty: it may be). See the module
    docstring for the codes; each appears at most once, in the order listed there."""
    if not text or not text.strip():
        return []
    found = detectors or default_detectors()
    reasons = [f"pii:{kind}" for kind in dict.fromkeys(f.kind for f in found.find_pii(text))]
    if found.find_links(text):
        reasons.append("link")
    reasons += [f"injection:{cls}" for cls in dict.fromkeys(
        m.attack_class for m in injection_matches(text) if m.attack_class not in DELIMITER_CLASSES)]
    if _has_delimiter(text):
        reasons.append("delimiter")
    if _echoes(text, instructions):
        reasons.append("prompt_echo")
    if sources:
        evidence = _evidence(tuple(sources))
        if _copies_canary(text, evidence):
            reasons.append("canary")
        if _copies_payload(text, evidence):
            reasons.append("payload")
    return reasons
