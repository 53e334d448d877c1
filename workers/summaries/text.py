"""Words, sentences and the person/repetition/copy checks every summary is held to.

Latin-script text is tokenised by a regular expression (enough for ROUGE-style overlap
and the gate's lexical checks); `script_of` tells which reviews need the script-neutral
path of the aggregated summary (Chinese, Japanese, Russian, ... reviews carry no English
tokens, so nothing here may assume there are any).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from foundation.textsafety.review_text import PII_TOKENS, looks_like_injection, redact, spam_reason
from schemas.generation import ReviewSnippet

STOP = frozenset("""
a about above after again against all almost also am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each either
else enough even ever every few for from further get gets got had hadn't has hasn't have haven't having he he'd he'll
he's her here here's hers herself him himself his how how's however i i'd i'll i'm i've if in into is isn't it it's
its itself just let's like me might more most much must mustn't my myself need no nor not now of off on once one only
or other ought our ours ourselves out over own quite rather really same shan't she she'd she'll she's should shouldn't
so some such than that that's the their theirs them themselves then there there's these they they'd they'll they're
they've this those though through thus to too under until up upon us very was wasn't we we'd we'll we're we've were
weren't what what's when when's where where's which while who who's whom why why's will with within without won't
would wouldn't yet you you'd you'll you're you've your yours yourself yourselves im ive dont doesnt didnt cant wont
isnt wasnt also still well back way thing things lot bit since already another around though many much would s t
""".split())
# Words a faithful summary may use without any review saying them: the vocabulary of
# reporting on reviewers and of the aggregated template itself.
META = frozenset("""
customer customers reviewer reviewers user users buyer buyers owner owners people purchaser purchasers say says said
report reports reported mention mentions mentioned note notes noted find finds found praise praises praised complain
complains complained describe describes described agree agrees feel feels felt overall general generally most many
some several few others majority product item summary however although while whereas also though one ones mixed
positive negative opinion opinions experience experiences recommend recommended recommends consider considered
across written review reviews rating ratings average star stars give gives downside downsides mostly two three
""".split())
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\w])")
_MASK_NAMES = frozenset({"email", "phone", "card", "address", "link", "handle"})
FIRST_PERSON = frozenset({"i", "i'm", "i've", "i'd", "i'll", "me", "my", "mine", "myself", "we", "we're", "we've",
                          "our", "ours", "us", "im", "ive"})
COPY_NGRAM = 8  # a run of this many words shared with a review or the prompt is a copy, not a summary
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|「[^」]*」")


@lru_cache(maxsize=1)
def _stemmer():
    from nltk.stem import porter  # nltk ships with rouge-score, a dependency

    return porter.PorterStemmer()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return word if len(word) <= 3 else _stemmer().stem(word)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold().replace("’", "'"))


def content_stems(text: str) -> list[str]:
    """Stemmed content words (no stopwords, no masked-token names, no bare numbers)."""
    return [stem(t.replace("'", "")) for t in tokens(text) if t not in STOP and not t.isdigit() and t not in _MASK_NAMES]


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


# CJK full stops end a sentence without a following space; a Latin one needs the space ("3.5").
_SENT_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+|(?<=[。！？])\s*|\s*(?:\.\.\.|…)\s*|\s+-\s+(?=[A-Z])")


def sentences(text: str) -> list[str]:
    parts = [p.strip(" \"'-") for p in _SENT_SPLIT.split(text) if p and p.strip()]
    return [p if p[-1] in ".!?。！？" else p + "." for p in parts if p]


def script_of(text: str) -> str:
    """The script most of the letters are in: latin, han, kana, hangul, cyrillic, ... ."""
    counts: Counter[str] = Counter()
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            if "HIRAGANA" in name or "KATAKANA" in name:
                counts["kana"] += 1
            else:
                counts[{"CJK": "han"}.get(name.split(" ")[0], name.split(" ")[0].lower())] += 1
    if not counts:
        return "none"
    if counts["kana"]:  # Japanese mixes kanji (han) and kana; any kana means Japanese
        return "kana"
    return counts.most_common(1)[0][0]


@dataclass(frozen=True)
class Doc:
    """One review (or the previous summary, weighted by the reviews it covered)."""

    id: str
    text: str
    rating: int | None = None
    weight: float = 1.0


def as_docs(reviews: Sequence[ReviewSnippet | Doc]) -> list[Doc]:
    return [r if isinstance(r, Doc) else Doc(r.review_id, r.text, r.rating) for r in reviews]


_UNSPACED = frozenset({"han", "kana", "thai"})  # scripts written without spaces between words
_MIN_UNSPACED_CHARS = 6


def usable(review: ReviewSnippet | Doc) -> bool:
    """Defence in depth: the worker re-checks what streams already filtered. A review in a
    script without spaces is one "word" to a word count, so "too short" is judged by letters."""
    text = review.text
    if not text.strip() or looks_like_injection(text):
        return False
    reason = spam_reason(text)
    if reason == "too_short" and script_of(text) in _UNSPACED:
        return sum(ch.isalpha() for ch in text) >= _MIN_UNSPACED_CHARS
    return reason in (None, "shouting")


def safe_text(s: str) -> bool:
    """No masked or unmasked personal data and no instruction-like text: may be quoted or mined."""
    return not any(tok in s for tok in PII_TOKENS) and redact(s) == s and not looks_like_injection(s)


def first_person(text: str) -> list[str]:
    """First-person words outside quotation marks (a quote may stand beside an aspect)."""
    return [t for t in tokens(_QUOTED.sub(" ", text)) if t in FIRST_PERSON]


def repeated_sentences(text: str) -> list[str]:
    """Sentences that occur more than once (compared by their words, case-insensitively)."""
    seen: Counter[tuple[str, ...]] = Counter(tuple(tokens(s)) or (s,) for s in sentences(text))
    return [" ".join(k) for k, n in seen.items() if n > 1]


def ngrams(text: str, n: int = COPY_NGRAM) -> set[tuple[str, ...]]:
    toks = tokens(text)
    return {tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)}


def copies(candidate: str, sources: Sequence[str], n: int = COPY_NGRAM) -> bool:
    """Whether `candidate` shares a run of `n` words with any of `sources`."""
    mine = ngrams(candidate, n)
    return bool(mine) and any(mine & ngrams(s, n) for s in sources)
