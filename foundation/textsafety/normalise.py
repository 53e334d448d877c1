"""Views of a text for the injection detectors: what a reader (or a model) would read in it.

An attacker hides an instruction from a pattern match in ways a model still reads through:
look-alike letters from other scripts, invisible characters, letters spelled out one by one,
leetspeak, or an encoded payload the model is asked to decode. `detector_views` returns the
text normalised each of those ways; the detectors match every view, so obfuscation in any one
still matches. Views are for matching only: nothing here is ever shown or published.

Each building block is public and pure, so each can be tested on its own. No data is fetched:
the word frequencies that decide whether a decode "reads as words" are wordfreq's bundled lists.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import re
import unicodedata
from functools import lru_cache

from wordfreq import zipf_frequency

__all__ = [
    "detector_views", "base_form", "strip_invisible", "decode_tag_characters", "fold_homoglyphs",
    "join_spelled_letters", "unleet", "decode_base64_payloads", "decode_rot13", "reads_as_words",
]

# Unicode TAG characters (U+E0000-E007F) are invisible, and U+E0020-E007E mirror printable
# ASCII: a whole instruction can ride, unseen, behind an ordinary review.
_TAG_FIRST, _TAG_LAST = 0xE0000, 0xE007F
# Invisible characters that are not category Cf: the combining grapheme joiner, the Hangul
# fillers and the variation selectors (an emoji keeps its look without them).
_INVISIBLE_EXTRA = re.compile("[\u034f\u115f\u1160\u3164\uffa0\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u02bc": "'", "\u201c": '"',
                         "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})
_SPACES = re.compile(r"[^\S\n]+")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
# Chinese and Japanese need no spaces: "忽 略 之 前" is the same four characters.
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def strip_invisible(text: str) -> str:
    """Without format characters (zero-width, bidi controls, soft hyphen, tag characters) and
    the other invisible ones; line breaks are kept."""
    kept = (ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cf", "Cc"))
    return _INVISIBLE_EXTRA.sub("", "".join(kept))


def decode_tag_characters(text: str) -> str:
    """The ASCII text that tag characters spell (U+E0041 -> "A"); "" when there is none.

    A flag emoji uses tag letters too (England's spells "gbeng"): harmless as a view."""
    return "".join(chr(ord(ch) - _TAG_FIRST) for ch in text if _TAG_FIRST + 0x20 <= ord(ch) <= _TAG_FIRST + 0x7E)


def base_form(text: str) -> str:
    """HTML entities decoded, NFKC, invisible characters removed, casefolded, typographic
    quotes made plain, spaces collapsed (line breaks kept: role markers start lines)."""
    t = html.unescape(html.unescape(text or ""))
    t = strip_invisible(unicodedata.normalize("NFKC", t)).casefold().translate(_QUOTES)
    t = _CJK_GAP.sub("", t)
    return "\n".join(line.strip() for line in _SPACES.sub(" ", t).split("\n")).strip()


# --------------------------------------------------------------------------- homoglyphs

# Lower-case look-alikes (the text is casefolded first). The second group only looks Latin
# in upper case (Т, Н, В, М), so it is used only inside a word that mixes scripts.
_TO_LATIN = {
    "а": "a", "е": "e", "ё": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ї": "i",
    "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "к": "k", "ɡ": "g", "ı": "i",
    "ɩ": "i", "ɑ": "a", "ʏ": "y", "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t",
    "υ": "u", "χ": "x", "ε": "e", "ϲ": "c", "ω": "w", "η": "n", "ѵ": "v",
}
_UPPER_ONLY = {"т": "t", "н": "h", "в": "b", "м": "m", "г": "r", "п": "n"}
# Latin letters that pass for Cyrillic ones (the last five in upper case: T, H, B, M, K).
_TO_CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "y": "у", "x": "х", "k": "к",
                "t": "т", "h": "н", "b": "в", "m": "м"}
_WORDISH = re.compile(r"[^\W\d_]+", re.U)


@lru_cache(maxsize=2048)
def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    for script in ("LATIN", "CYRILLIC", "GREEK"):
        if name.startswith(script):
            return script
    return "OTHER"


def _fold_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if word.isascii():
        return word
    scripts = [_script(ch) for ch in word]
    latin, cyrillic, greek = (scripts.count(s) for s in ("LATIN", "CYRILLIC", "GREEK"))
    if latin and (cyrillic or greek):  # mixed: the word is written in its majority script
        if cyrillic > latin:
            return "".join(_TO_CYRILLIC.get(ch, ch) if s == "LATIN" else ch for ch, s in zip(word, scripts))
        table = _TO_LATIN | _UPPER_ONLY
        return "".join(table.get(ch, ch) for ch in word)
    if (cyrillic or greek) and all(ch in _TO_LATIN for ch in word):
        return "".join(_TO_LATIN[ch] for ch in word)  # "сору" is "copy" if nothing else fits
    return word


def fold_homoglyphs(text: str) -> str:
    """Look-alike letters resolved word by word: a word mixing Latin with Cyrillic or Greek is
    written wholly in its majority script ("іgnоrе" -> "ignore", "игнopиpуй" -> "игнорируй"),
    and a word made only of Cyrillic/Greek look-alikes becomes Latin. Russian or Greek prose
    is left as it is. Expects casefolded text."""
    return _WORDISH.sub(_fold_word, text)


# --------------------------------------------------------------------------- spelled letters

# A run of single letters with separators between them: "i g n o r e", "i.g.n.o.r.e".
_SPELLED = re.compile(r"(?<![^\W_])[^\W_](?:[ .\-_*·•,/|+~]{1,3}[^\W_](?![^\W_])){2,}")
_WORD_GAP = re.compile(r"\s{2,}|\s*[/|]\s*")
_INNER_SEPARATOR = re.compile(r"(?<=[^\W\d_])[.\-_*·•](?=[^\W\d_])")
_MAX_WORD = 24
_MAX_SEGMENTED = 60  # longer runs stay joined: the split costs O(n * _MAX_WORD) lookups


def _lang_of(word: str) -> str:
    return "ru" if any("\u0400" <= ch <= "\u04ff" for ch in word) else "en"


@lru_cache(maxsize=4096)
def _segment(letters: str) -> str:
    """Best split of a run of letters into words by word frequency ("ignoreall" -> "ignore
    all"); the run unchanged when no split reads as words."""
    lang = _lang_of(letters)
    n = len(letters)
    best: list[tuple[float, int]] = [(0.0, 0)] + [(float("-inf"), 0)] * n
    for end in range(1, n + 1):
        for start in range(max(0, end - _MAX_WORD), end):
            zipf = zipf_frequency(letters[start:end], lang)
            if zipf <= 0 or best[start][0] == float("-inf"):
                continue
            # every extra word costs: "in struct ions" must lose to "instructions"
            score = best[start][0] + zipf - 7.0
            if score > best[end][0]:
                best[end] = (score, start)
    if best[n][0] == float("-inf"):
        return letters
    words, end = [], n
    while end > 0:
        start = best[end][1]
        words.append(letters[start:end])
        end = start
    return " ".join(reversed(words))


def _join_run(match: re.Match[str]) -> str:
    pieces = (re.sub(r"[^\w]", "", piece) for piece in _WORD_GAP.split(match.group(0)))
    return " ".join(_segment(p) if 6 <= len(p) <= _MAX_SEGMENTED else p for p in pieces if p)


def join_spelled_letters(text: str) -> str:
    """Letters spelled out one by one joined into words: "i g n o r e  a l l" -> "ignore all",
    "i.g.n.o.r.e" -> "ignore", "ig-no-re" -> "ignore". A wider gap (two spaces, a slash)
    separates words; a run with single gaps only is split into words by word frequency."""
    return _INNER_SEPARATOR.sub("", _SPELLED.sub(_join_run, text))


# --------------------------------------------------------------------------- leetspeak

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_LEET_TOKEN = re.compile(r"[\w@$!]*[^\W\d_][\w@$!]*")


def unleet(text: str) -> str:
    """Leetspeak read as letters ("1gn0re" -> "ignore") inside words that have letters; numbers
    on their own ("5 stars", "$19") are left alone."""
    def fix(match: re.Match[str]) -> str:
        token = match.group(0).rstrip("!")
        tail = match.group(0)[len(token):]
        return token.translate(_LEET) + tail
    return _LEET_TOKEN.sub(fix, text)


# --------------------------------------------------------------------------- encodings

_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_LATIN_LANGS = ("en", "de", "fr", "es")
_CJK_CHAR = re.compile(f"[{_CJK}]")


def reads_as_words(text: str, min_share: float = 0.6) -> bool:
    """Whether a decoded payload is text a model would read: printable, and mostly words
    known to wordfreq (or, for Chinese and Japanese, mostly CJK letters)."""
    if not text or sum(ch.isprintable() or ch in "\n\t" for ch in text) < 0.95 * len(text):
        return False
    cjk = len(_CJK_CHAR.findall(text))
    if cjk >= 4 and cjk >= 0.3 * sum(not ch.isspace() for ch in text):
        return True
    words = _WORDISH.findall(text.casefold())
    if len(words) < 2:
        return False
    langs = ("ru",) if _lang_of("".join(words)) == "ru" else _LATIN_LANGS
    known = sum(1 for w in words if max(zipf_frequency(w, lang) for lang in langs) >= 2.0)
    return known >= min_share * len(words)


def _b64decode(token: str) -> str | None:
    padded = token.rstrip("=") + "=" * (-len(token.rstrip("=")) % 4)
    decode = base64.urlsafe_b64decode if ("-" in token or "_" in token) else base64.b64decode
    try:
        return decode(padded).decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None


def decode_base64_payloads(text: str) -> list[str]:
    """The base64 runs in the text (16+ characters) whose decode reads as words."""
    found = []
    for token in _BASE64.findall(text):
        decoded = _b64decode(token)
        if decoded is not None and reads_as_words(decoded):
            found.append(decoded)
    return found


_ASCII_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=65536)
def _zipf_en(word: str) -> float:
    return zipf_frequency(word, "en")


def decode_rot13(text: str) -> str | None:
    """The text with its ROT13-encoded words decoded, or None when it has none: a word is
    decoded when its ROT13 is a much more common word ("vtaber" -> "ignore") and at least
    three words, a third of the Latin words, decode that way. Expects casefolded text."""
    words = _ASCII_WORD.findall(text)
    flips = {w for w in set(words) if _zipf_en(codecs.encode(w, "rot13")) > _zipf_en(w) + 1.5}
    flipped = sum(1 for w in words if w in flips)
    if flipped < 3 or flipped < len(words) / 3:
        return None
    return _ASCII_WORD.sub(lambda m: codecs.encode(m.group(0), "rot13") if m.group(0) in flips else m.group(0), text)


# --------------------------------------------------------------------------- views

def _one_line(text: str) -> str:
    return " ".join(text.split())


def _surface_views(text: str) -> list[str]:
    """The views of already-decoded text: base, homoglyphs folded, letters joined, leetspeak;
    the folded one second."""
    base = base_form(text)
    folded = fold_homoglyphs(base)
    views = [base, _one_line(folded), _one_line(join_spelled_letters(folded))]
    leet = unleet(folded)
    return views + [_one_line(leet), _one_line(join_spelled_letters(leet))]


def detector_views(text: str) -> list[str]:
    """Every way the detectors read `text`, the plain one first, without duplicates.

    Plain: entities decoded, NFKC, invisible characters removed, casefolded. Then: look-alike
    letters folded, spelled-out letters joined, leetspeak read, and as further views the text
    that tag characters spell, base64 payloads that decode to words, and ROT13 words decoded.
    The plain view keeps line breaks; the others are single lines."""
    raw = text or ""
    views = _surface_views(raw)
    hidden = decode_tag_characters(raw)
    if hidden:
        views += _surface_views(hidden)
        inline = "".join(chr(ord(ch) - _TAG_FIRST) if _TAG_FIRST <= ord(ch) <= _TAG_LAST else ch for ch in raw)
        views.append(base_form(inline))
    visible = unicodedata.normalize("NFKC", strip_invisible(html.unescape(raw)))
    for decoded in decode_base64_payloads(visible):
        views += _surface_views(decoded)
    rot13 = decode_rot13(views[1])
    if rot13 is not None:
        views.append(rot13)
    return list(dict.fromkeys(v for v in views if v))
