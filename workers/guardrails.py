"""Checks on generated text, judged against the facts it was written from. Pure functions.

`find_violations` returns reasons, each "kind: detail" (the kind is the metric label);
an empty list means the text may be published. The policy in one place:

- empty / too_long: nothing to publish, or more than `max_chars`.
- url: a link with a scheme or "www." is always rejected; a bare domain (example.com)
  only when the facts do not contain it (brands such as "Hotels.com" are facts).
- email: always rejected (contact data never belongs in a description).
- phone: a phone-like digit run, unless the same digits are in the facts (a product code).
- number: every number written with digits must be in the facts ("1,200" = "1200",
  "4.50" = "4.5"); spelled-out numbers from "two" up are held to the same rule.
- script: letters of a non-Latin script that the facts do not contain, control
  characters, or the replacement character.
- loop: a word or phrase repeated back to back, or the same sentence twice.
- markup: leftover chat-template tokens or role prefixes ("<|im_start|>", "assistant:").
- instructions: the text talks about its instructions instead of the product.

Whatever is copied verbatim from the facts is never "invented": the checks that could fire
on a fact (bare domains, phone-like codes, numbers, scripts, loops, instruction phrases)
exempt it.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from foundation.textsafety import links, pii

# --- patterns --------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_MARKUP = re.compile(
    r"<\|[a-z_]+\|>|</?s>|\[/?INST\]|<</?SYS>>|</?product_facts>|^\s*(?:assistant|user|system)\s*:",
    re.IGNORECASE | re.MULTILINE,
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?](?=[\"')\]]*(?:\s|$))")
_ENDED_SENTENCE = re.compile(r"[.!?][\"')\]]*(?=\s)")  # ...and text already follows it

SPELLED_NUMBERS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "million": 1_000_000, "dozen": 12,
}

# Phrases that only appear when a model talks about its task instead of doing it.
INSTRUCTION_PHRASES = (
    "product facts", "given facts", "the facts", "only the facts", "using only", "2-3 sentences",
    "2 to 3 sentences", "two to three sentences", "do not invent", "do not include", "no links",
    "as an ai", "language model", "i cannot", "i can't", "i'm sorry", "here is a description",
    "here's a description", "here is the description", "here's the description", "product description:",
    "write a description", "my instructions", "data block",
)

# Non-Latin letters tolerated without appearing in the facts (a stray "é" is Latin anyway).
_MAX_FOREIGN_LETTERS = 0


# --- public API ------------------------------------------------------------------------


def find_violations(text: str, *, source_text: str, max_chars: int, deep: bool = True) -> list[str]:
    """Why `text` must not be published as a description of `source_text` (empty = valid).
    `deep=False` leaves out the PII detectors (spaCy and Presidio, tens of ms a call):
    fewer reasons, never a wrong one, which is what `doomed` may use."""
    if not text or not text.strip():
        return ["empty: no text"]
    source = source_text or ""
    source_lower = source.lower()
    reasons: list[str] = []
    if len(text) > max_chars:
        reasons.append(f"too_long: {len(text)} > {max_chars} chars")
    reasons += _links(text, source_lower)
    if deep:
        reasons += _personal(text, source_lower)
    reasons += _numbers(text, source)
    reasons += _script(text, source)
    reasons += _loops(text, source_lower)
    if match := _MARKUP.search(text):
        reasons.append(f"markup: {match.group(0).strip()!r}")
    lowered = text.lower()
    echoed = [p for p in INSTRUCTION_PHRASES if p in lowered and p not in source_lower]
    if echoed:
        reasons.append(f"instructions: echoes {echoed[0]!r}")
    return reasons


def doomed(partial: str, *, source_text: str, max_chars: int) -> bool:
    """Whether every text that starts with `partial` must fail `find_violations`: a
    generation that has come this far can be stopped, as its draft will be rejected anyway.

    Only the sentences that have ended (an end mark followed by a space) are judged.
    `clean_output` keeps at least those of any continuation (it cuts at the last sentence
    end within `max_chars`), and every check but `empty` and `too_long` fires on something
    the kept text contains, so what fires on them fires on the finished text too."""
    ends = [m.end() for m in _ENDED_SENTENCE.finditer(partial)]
    if not ends:
        return False
    settled = clean_output(partial[:ends[-1]], max_chars)
    reasons = find_violations(settled, source_text=source_text, max_chars=max_chars, deep=False)
    return any(not r.startswith(("empty", "too_long")) for r in reasons)


def clean_output(text: str, max_chars: int) -> str:
    """Normalise raw model output: drop a "Description:"-style preamble, markdown and
    wrapping quotes, collapse whitespace, and cut at the last full sentence that fits."""
    text = (text or "").strip()
    text = re.sub(r"```[a-z]*", "", text)
    text = re.sub(r"(\*\*|__|`)", "", text)
    text = re.sub(r"^\s{0,3}(?:#{1,6}\s+|[-*•]\s+|\d+[.)]\s+(?=[A-Za-z]))", "", text, flags=re.MULTILINE)
    text = " ".join(text.split())
    for _ in range(3):  # "Sure! Here is a description: Description: ..." peels in steps
        before = text
        text = re.sub(
            r"^(?:(?:sure|certainly|okay|ok)[!,.]?\s*)?(?:here(?:'s| is)[^:.!?]{0,60}:|"
            r"(?:product\s+)?description\s*:|title\s*:)\s*",
            "", text, flags=re.IGNORECASE,
        )
        text = _strip_quotes(text)
        if text == before:
            break
    return _cut(text, max_chars)


# --- checks ----------------------------------------------------------------------------


def _links(text: str, source_lower: str) -> list[str]:
    """Links and (in `_personal`) personal data, found by the shared text-safety layer. A
    link with a scheme or "www." and an email are always rejected; a bare domain, a
    phone-like code or another value only when the facts do not contain it (brands such as
    "Hotels.com" are facts)."""
    reasons = []
    for finding in links.find_links(text):
        if finding.kind == "url" or finding.text.lower() not in source_lower:
            reasons.append(f"url: {finding.kind} {finding.text[:60]!r}")
            break
    return reasons


def _personal(text: str, source_lower: str) -> list[str]:
    reasons = []
    source_digits = re.sub(r"\D", "", source_lower)
    for finding in pii.find_pii(text):
        if finding.kind == "email":
            reasons.append(f"email: {finding.text[:60]!r}")
        elif finding.kind == "phone":
            digits = re.sub(r"\D", "", finding.text)
            if digits not in source_digits:
                reasons.append(f"phone: {finding.text.strip()[:40]!r}")
        elif finding.text.lower() not in source_lower:
            reasons.append(f"pii: {finding.kind}")
    return list(dict.fromkeys(reasons))


def _numbers(text: str, source: str) -> list[str]:
    allowed = number_set(source)
    invented = [m for m in _NUMBER.findall(text) if not (_canonical(m) & allowed)]
    source_words = {w.lower() for w in _WORD.findall(source)}
    for word in _WORD.findall(text):
        value = SPELLED_NUMBERS.get(word.lower())
        if value is not None and word.lower() not in source_words and Decimal(value) not in allowed:
            invented.append(word)
    if not invented:
        return []
    shown = ", ".join(dict.fromkeys(invented[:5]))
    return [f"number: not in the facts: {shown}"]


def number_set(text: str) -> set[Decimal]:
    """Every value a number in the facts may stand for: "1,200" is 1200, "4.50" is 4.5,
    and a comma list such as "2,3" is also 2 and 3."""
    values: set[Decimal] = set()
    for raw in _NUMBER.findall(text):
        values |= _canonical(raw)
        if not _THOUSANDS.fullmatch(raw):
            for part in raw.split(","):
                values |= _canonical(part)
    return values


def number_spellings(text: str) -> frozenset[str]:
    """The numbers of `text` as digits may write them: as written ("1,200", "4.50") and
    as `number_set` reads them ("1200", "4.5")."""
    written = set(_NUMBER.findall(text))
    return frozenset(written | {format(value, "f") for value in number_set(text)})


_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def _canonical(raw: str) -> set[Decimal]:
    """The values a digit group written in the text may mean: thousands separators
    removed, a decimal comma read as a dot, trailing zeros ignored. A group that is no
    number at all ("1.2.3", a version) stands for its parts."""
    readings = {raw, raw.replace(",", ".")}
    if _THOUSANDS.fullmatch(raw):
        readings.add(raw.replace(",", ""))
    values = set()
    for reading in readings:
        try:
            values.add(Decimal(reading).normalize())
        except InvalidOperation:
            continue
    if not values:
        for part in re.split(r"[.,]", raw):
            values.add(Decimal(part).normalize())
    return values


def _script(text: str, source: str) -> list[str]:
    if "\ufffd" in text:
        return ["script: replacement character in text"]
    if any(unicodedata.category(c) in ("Cc", "Co", "Cs") and c not in "\n\t" for c in text):
        return ["script: control characters in text"]
    source_chars = set(source)
    foreign = [c for c in text if c.isalpha() and not _is_latin(c) and c not in source_chars]
    if len(foreign) > _MAX_FOREIGN_LETTERS:
        return [f"script: non-English letters {''.join(dict.fromkeys(foreign))[:10]!r}"]
    return []


def before_loop(text: str, *, source_text: str) -> str | None:
    """The sentences before the first one that makes `text` loop (a sentence said again, a
    phrase repeated back to back), or None if it does not loop."""
    source_lower = (source_text or "").lower()
    if not _loops(text, source_lower):
        return None
    sentences = split_sentences(text)
    for k in range(len(sentences)):
        if _loops(" ".join(sentences[:k + 1]), source_lower):
            return " ".join(sentences[:k])
    return ""


def _is_latin(char: str) -> bool:
    return ord(char) < 0x250 or 0x1E00 <= ord(char) <= 0x1EFF  # Basic Latin..Latin Extended-B, Extended Additional


def _loops(text: str, source_lower: str) -> list[str]:
    words = [w.lower() for w in _WORD.findall(text)]
    source_joined = " " + " ".join(w.lower() for w in _WORD.findall(source_lower)) + " "
    for size in range(1, 7):
        needed = 4 if size == 1 else 3  # "very very very" can be prose; four times is not
        for start in range(0, len(words) - size * needed + 1):
            gram = words[start:start + size]
            if all(words[start + k * size:start + (k + 1) * size] == gram for k in range(1, needed)):
                run = " ".join(words[start:start + size * needed])
                if f" {run} " not in source_joined:
                    return [f"loop: {' '.join(gram)!r} repeated"]
    seen: set[str] = set()
    for sentence in split_sentences(text):
        key = " ".join(w.lower() for w in _WORD.findall(sentence))
        if len(key.split()) >= 3:
            if key in seen:
                return [f"loop: sentence repeated {sentence[:40]!r}"]
            seen.add(key)
    return []


# --- text helpers ----------------------------------------------------------------------


def split_sentences(text: str) -> list[str]:
    """Sentences ending in . ! or ? (a dot inside "4.5" or "example.com" is no end)."""
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        sentences.append(text[start:match.end()].strip())
        start = match.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def _strip_quotes(text: str) -> str:
    pairs = {'"': '"', "'": "'", "“": "”", "‘": "’", "«": "»"}
    while len(text) >= 2 and text[0] in pairs and text[-1] == pairs[text[0]] and text[0] not in text[1:-1]:
        text = text[1:-1].strip()
    if text[:1] in pairs and pairs[text[0]] not in text[1:]:  # an opening quote never closed (cut off)
        text = text[1:].strip()
    return text


def _cut(text: str, max_chars: int) -> str:
    """The longest prefix of whole sentences within `max_chars`; a text without any
    complete sentence is cut at a word boundary instead."""
    if len(text) <= max_chars and (not text or text[-1] in ".!?"):
        return text
    window = text[:max_chars + 1]
    ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= max_chars]
    if ends:
        return text[:ends[-1]].strip()
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars].rsplit(" ", 1)[0] if " " in text[:max_chars] else text[:max_chars]
    return cut.rstrip(" ,;:-")
