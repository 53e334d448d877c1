"""The one text-safety layer: every text that crosses a trust boundary goes through it.

On the way in (streams, review agent) a review is cleaned, checked for injection and spam,
and redacted before it is stored or prompted; on the way out (workers) every string about
to be published (descriptions, summaries, pros/cons, reasons) is scanned again.

    clean(text) -> str                       review_text: markup, unicode, controls, whitespace
    redact(text) -> str                      PII then links masked in place ([email], [link], ...)
    find_pii(text) / mask_pii(text)          pii: Presidio (Luhn, IBAN, SSN, IP, names, places), phonenumbers, patterns
    find_links(text) / mask_links(text)      links: URLs and domains (tldextract's bundled suffix list)
    injection_reasons(text) -> list[str]     injection: attack classes, seven languages, on normalised views
    looks_like_injection(text) -> bool
    split_attacks(texts) -> set[int]         an attack spread over neighbouring reviews
    neutralise_instructions(text) -> str     what may be quoted inside a prompt
    scan_published(text, instructions=, sources=) -> list[str]   published: reason codes, [] = publishable
    spam_reason(text) -> str | None          review_text: unfit for prompts (still counts in stats)

Every detector imports its library at module import: a missing library is an ImportError,
never a check silently switched off.
"""

from foundation.textsafety.injection import (
    injection_reasons,
    looks_like_injection,
    neutralise_instructions,
    split_attack,
    split_attacks,
)
from foundation.textsafety.links import find_links, mask_links
from foundation.textsafety.pii import PII_TOKENS, find_pii, mask_pii
from foundation.textsafety.published import scan_published
from foundation.textsafety.review_text import clean, redact, spam_reason

__all__ = [
    "PII_TOKENS", "clean", "find_links", "find_pii", "injection_reasons", "looks_like_injection", "mask_links",
    "mask_pii", "neutralise_instructions", "redact", "scan_published", "spam_reason", "split_attack",
    "split_attacks",
]
