"""Review text hygiene: pure functions, no I/O, no Kafka.

The review agent runs every review through these before anything is stored or prompted:

    cleaned = clean(raw)                      # markup, unicode, whitespace, control chars
    reason = spam_reason(cleaned)             # kept for stats, kept out of prompts
    injected = looks_like_injection(raw)      # kept for stats, kept out of prompts
    safe = redact(cleaned)                    # PII and links -> "[email]", "[phone]", ...
    digest = content_hash(cleaned)            # exact duplicates per SKU
    sig = simhash(cleaned)                    # near duplicates (hamming <= NEAR_DUP_BITS)

Order matters in two places: the injection detector looks at the raw text as well
(`clean` strips tag-like chat-template tokens such as ``<|im_start|>`` that are themselves
evidence), and PII masking runs on cleaned text (HTML entities decoded, unicode folded)
so that ``john&#64;mail.com`` or full-width digits cannot slip past it.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

from foundation.textsafety import links, pii
from foundation.textsafety.injection import injection_reasons, looks_like_injection, neutralise_instructions
from foundation.textsafety.links import mask_links
from foundation.textsafety.pii import PII_TOKENS, mask_pii

__all__ = [
    "clean", "mask_pii", "mask_links", "redact", "content_hash", "normalise_for_hash", "simhash",
    "hamming", "near_duplicate_key", "is_near_duplicate", "shingle_jaccard", "spam_reason",
    "looks_like_injection", "injection_reasons", "neutralise_instructions", "PII_TOKENS",
    "is_shouting", "tame_case",
]

# --------------------------------------------------------------------------- clean

_TAG = re.compile(r"<(?:!--.*?--|/?[A-Za-z][^<>]{0,500}|\|[^<>|]{0,40}\|)>", re.S)
_BBCODE = re.compile(r"\[/?(?:b|i|u|s|url|img|quote|code|size|color|font)(?:=[^\]]{0,100})?\]", re.I)
_MD_LINK = re.compile(r"!?\[([^\]]{0,200})\]\(([^)\s]{1,500})\)")
_MD_EMPH = re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1")
_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_BLOCK_TAG = re.compile(r"<\s*(?:br|/p|p|/div|div|li|/li|tr|/tr|h[1-6]|/h[1-6])\b[^>]*>", re.I)
_WS = re.compile(r"\s+")


def _drop_controls(text: str) -> str:
    """Drop control and format characters (zero-width joiners, bidi overrides, soft hyphens);
    tabs and newlines become spaces."""
    out = []
    for ch in text:
        if ch in "\t\n\r\x0b\x0c":
            out.append(" ")
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        out.append(ch)
    return "".join(out)


def _clean_once(t: str) -> str:
    t = unicodedata.normalize("NFKC", html.unescape(t))
    t = _SCRIPT_STYLE.sub(" ", t)
    t = _BLOCK_TAG.sub(" ", t)
    t = _TAG.sub(" ", t)
    t = _BBCODE.sub("", t)
    t = _MD_LINK.sub(lambda m: f"{m.group(1)} {m.group(2)}", t)
    t = _MD_EMPH.sub(r"\2", t)
    t = _drop_controls(t)
    return _WS.sub(" ", t).strip()


def clean(text: str) -> str:
    """Plain single-line text: markup stripped, entities decoded, NFKC, no control
    characters, whitespace collapsed. Idempotent: clean(clean(x)) == clean(x)."""
    t = text or ""
    for _ in range(6):  # double-escaped input (&amp;lt;b&amp;gt;) is common in scraped reviews
        nxt = _clean_once(t)
        if nxt == t:
            break
        t = nxt
    return t


# --------------------------------------------------------------------------- PII and links
# The detectors live in `pii` and `links` (Presidio, phonenumbers, tldextract); masking PII
# first lets an email's domain go with the email.


def redact(text: str) -> str:
    """What may reach a prompt or an output: PII and links masked in place."""
    return links.mask_links(pii.mask_pii(text)) if text else text


# --------------------------------------------------------------------------- duplicates

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.U)


def normalise_for_hash(text: str) -> str:
    """Case-, punctuation- and whitespace-insensitive form used for exact dedupe."""
    return " ".join(w.casefold() for w in _WORD.findall(clean(text)))


def content_hash(text: str) -> str:
    """Exact-duplicate key: sha256 of the normalised text (hex, 32 chars)."""
    return hashlib.sha256(normalise_for_hash(text).encode("utf-8")).hexdigest()[:32]


def _shingles(text: str, k: int = 2) -> set[str]:
    words = normalise_for_hash(text).split()
    if len(words) < k:
        return set(words)
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def shingle_jaccard(a: str, b: str, k: int = 2) -> float:
    sa, sb = _shingles(a, k), _shingles(b, k)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def simhash(text: str, bits: int = 64) -> int:
    """64-bit simhash over word unigrams + bigrams of the normalised text."""
    words = normalise_for_hash(text).split()
    feats = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
    if not feats:
        return 0
    acc = [0] * bits
    for f in feats:
        h = int.from_bytes(hashlib.blake2b(f.encode("utf-8"), digest_size=8).digest(), "big")
        for i in range(bits):
            acc[i] += 1 if (h >> i) & 1 else -1
    return sum(1 << i for i in range(bits) if acc[i] > 0)


def hamming(a: int, b: int) -> int:
    return bin(a ^ b).count("1")


NEAR_DUP_BITS = 6


def near_duplicate_key(text: str) -> str:
    """Simhash as 16 hex digits (JSON-safe); compare two keys with `is_near_duplicate`."""
    return f"{simhash(text):016x}"


def is_near_duplicate(key_a: str, key_b: str, max_bits: int = NEAR_DUP_BITS) -> bool:
    return hamming(int(key_a, 16), int(key_b, 16)) <= max_bits


# --------------------------------------------------------------------------- spam

_REPEAT_CHAR = re.compile(r"([^\W_])\1{9,}")
_RUN = re.compile(r"(\S)\1{2,}")
_REPEAT_WORD = re.compile(r"\b(\w+)(?:\W+\1\b){4,}", re.I)
_PROMO = re.compile(
    r"\b(?:promo|coupon|discount|referral|invite)\s+code\b|\buse\s+code\s+[A-Z0-9]{4,}\b|\bbuy\s+now\b|"
    r"\b(?:visit|check\s+out)\s+(?:my|our)\s+(?:site|website|store|shop|channel|page)\b|"
    r"\b(?:dm|message|contact|whatsapp|text)\s+me\b|\bearn\s+\$?\d+|\bwork\s+from\s+home\b|\bfree\s+(?:money|iphones?|gift\s+cards?)\b|\bclaim\s+your\b|"
    r"\bclick\s+(?:here|the\s+link)\b",
    re.I,
)
MIN_WORDS = 3
MIN_CHARS = 12


def spam_reason(text: str) -> str | None:
    """Why a (cleaned) review is unfit for prompts, or None. Spam still counts in stats:
    its rating is real input; only its text is kept out of summaries."""
    t = clean(text)
    words = _words(t)
    if len(words) < MIN_WORDS or len(t) < _min_chars(t):
        return "too_short"
    if any(f.kind in ("email", "phone", "handle") for f in pii.find_pii(t)):
        return "contact"
    # A URL is an advert; a bare domain is usually a shop named ("cheaper on Walmart.com"),
    # which is masked, not spam.
    if any(f.kind == "url" for f in links.find_links(t)):
        return "link"
    if _PROMO.search(t):
        return "promotion"
    if _REPEAT_CHAR.search(t) or len(_RUN.sub(r"\1", t)) < 0.7 * len(t):
        return "repeated_characters"
    if _REPEAT_WORD.search(t):
        return "repeated_words"
    if is_shouting(t) and (len(words) < 12 or t.count("!") >= 3):
        return "shouting"
    if len(words) >= 8 and len({w.casefold() for w in words}) / len(words) < 0.3:
        return "repetitive"
    alpha_words = [w for w in words if any(c.isalpha() for c in w)]
    if len(alpha_words) < MIN_WORDS:
        return "no_words"
    vowelless = sum(1 for w in alpha_words if len(w) > 4 and not re.search(r"[aeiouyAEIOUY]", w))
    if all(c.isascii() for c in t) and vowelless / len(alpha_words) > 0.4:
        return "gibberish"
    return None


# Scripts written without spaces between words: each character counts as a word's worth.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def _words(text: str) -> list[str]:
    """Words for the length checks: spaced words, and each CJK character on its own."""
    spaced = _WORD.findall(_UNSPACED.sub(" ", text))
    return spaced + _UNSPACED.findall(text)


def _min_chars(text: str) -> int:
    # Six CJK characters say as much as a dozen Latin ones ("质量很好，很舒服").
    return 6 if _UNSPACED.search(text) else MIN_CHARS


def is_shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 20 and sum(c.isupper() for c in letters) / len(letters) > 0.7


_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([a-z])")


def tame_case(text: str) -> str:
    """An all-caps review in sentence case ("GREAT FIT. LOVE IT" -> "Great fit. Love it"),
    so a shouted but genuine review can still be summarised."""
    if not is_shouting(text):
        return text
    t = _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text.lower())
    return re.sub(r"\bi\b", "I", t)
