"""Links and domains in review text and in text about to be published.

    Finding(kind, start, end, text)          # frozen; also what pii.find_pii returns
    find_links(text: str) -> list[Finding]   # kind "url" or "domain", in text order
    mask_links(text: str) -> str             # each finding replaced by LINK_TOKEN in place
    is_public_domain(host: str) -> bool      # "cheapdeals.ru" yes, "3.5mm" / "e.g" no
    LINK_TOKEN = "[link]"


What counts:
- "url": anything with a scheme ("https://", "ftp://", "hxxp://" ...), anything starting with
  "www.", and a bare domain followed by a path ("bit.ly/3xYz").
- "domain": a bare host whose last labels are a public suffix in tldextract's *bundled*
  snapshot of the Public Suffix List (no fetching, ever): "cheapdeals.ru", "Walmart.com",
  "amazon.co.uk". Naming a shop this way is a domain like any other: it is masked
  ("Compared prices on [link] and [link]"), because published text must not carry any
  domain. The kind lets a caller treat a bare domain more leniently than a URL (a review that
  only names a shop is not spam).

Not links: abbreviations and numbers ("e.g.", "i.e.", "approx.", "3.5mm", "v2.0", "No.5"),
words run together after a full stop when the next word is capitalised ("works.Love it", the
label ".love" is a TLD but this is a missing space), and file names whose extension is also a
TLD but which are far likelier files ("readme.md", "notes.zip", "setup.py") unless written
with a scheme, "www." or a path. Email addresses belong to `pii` (masked before links).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import tldextract

__all__ = ["LINK_TOKEN", "Finding", "find_links", "mask_links", "is_public_domain"]

LINK_TOKEN = "[link]"


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected value, here or in `pii`: `text[start:end] == finding.text`; `kind` is e.g.
    "url", "email", "card", "person". Defined in this module, the lighter of the two, so that
    importing links does not import Presidio."""

    kind: str
    start: int
    end: int
    text: str


_SCHEME_OR_WWW = re.compile(r"(?<![\w.])(?:[a-z][a-z0-9+.-]{1,15}://|www\d{0,3}\.)[^\s<>\"'`]+", re.I)
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_BARE = re.compile(
    rf"(?<![\w@.:/-])(?P<host>(?:{_LABEL}\.)+{_LABEL})(?::\d{{2,5}})?(?P<path>/[^\s<>\"'`]*)?(?![\w@-])"
)
_TRAILING = ".,;:!?'\"”’。，、"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
# Suffixes that are TLDs but, without a scheme or path, almost always end a file name.
_FILE_EXTENSIONS = frozenset({"zip", "mov", "md", "py", "sh", "rs"})


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    # suffix_list_urls=() and no cache: only the snapshot shipped inside the package is read.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def is_public_domain(host: str) -> bool:
    """True when `host` is a registrable name under a public suffix ("gmail.com",
    "shop.example.co.uk"), judged offline."""
    parts = _extractor()(host.strip().rstrip("."))
    return bool(parts.suffix) and bool(parts.domain) and not parts.domain.isdigit()


def _trim(text: str, start: int, end: int) -> int:
    """End of a URL without the sentence punctuation or unbalanced closing bracket after it."""
    while end > start:
        last = text[end - 1]
        if last in _TRAILING:
            end -= 1
        elif last in _CLOSERS and text.count(_CLOSERS[last], start, end) < text.count(last, start, end):
            end -= 1
        else:
            break
    return end


def _is_bare_domain(match: re.Match[str]) -> bool:
    host = match.group("host")
    last = host.rsplit(".", 1)[-1]
    # "works.Love it": a capitalised final label is a missing space, not a TLD ("AMAZON.COM"
    # in capitals still counts).
    if last[0].isupper() and not last.isupper():
        return False
    if last.lower() in _FILE_EXTENSIONS and not match.group("path"):
        return False
    return is_public_domain(host)


def find_links(text: str) -> list[Finding]:
    """URLs and domains in `text`, in order, non-overlapping."""
    if not text or ("." not in text and "://" not in text):
        return []
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for match in _SCHEME_OR_WWW.finditer(text):
        end = _trim(text, match.start(), match.end())
        found.append(Finding("url", match.start(), end, text[match.start():end]))
        taken.append((match.start(), end))
    for match in _BARE.finditer(text):
        if any(s < match.end() and match.start() < e for s, e in taken) or not _is_bare_domain(match):
            continue
        end = _trim(text, match.start(), match.end())
        kind = "url" if match.group("path") else "domain"
        found.append(Finding(kind, match.start(), end, text[match.start():end]))
    return sorted(found, key=lambda f: f.start)


def mask_links(text: str) -> str:
    """`text` with every URL and domain replaced by LINK_TOKEN; the rest untouched."""
    findings = find_links(text)
    for finding in reversed(findings):
        text = text[: finding.start] + LINK_TOKEN + text[finding.end:]
    return text
