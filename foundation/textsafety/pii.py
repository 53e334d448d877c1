"""Personal data in review text and in text about to be published.

    find_pii(text: str) -> list[Finding]   # in text order, non-overlapping
    mask_pii(text: str) -> str             # each finding replaced in place by its token
    PII_TOKENS: tuple[str, ...]            # every token mask_pii and links.mask_links write
    TOKEN_FOR_KIND: Mapping[str, str]      # Finding.kind -> token

Kinds -> tokens: email [email]; phone [phone]; card, iban [card]; ssn, order [id]; ip [ip];
address, location [address]; person [name]; handle [handle]. URLs and domains are
`links.py` ([link]); mask PII first so that an email's domain goes with the email.

One Presidio `AnalyzerEngine` does the work. `_engine` supplies the contact and payment
numbers: Presidio's checksummed recognisers (cards with Luhn and an issuer prefix, IBAN, US SSN,
IP), `phonenumbers` over 15 regions, and patterns for the forms they miss (obfuscated emails,
spelled-out phones). This module adds street addresses (US, CA, UK, DE, FR, ES, IT), order
numbers, handles, and names and places from spaCy's NER and context. Precision: a number
introduced as a part, model, SKU or version number is not PII; a bare one-word NER name with
no cue is a brand ("Bosch"), and so is a name used as a modifier ("the Calvin Klein sizing");
a place is personal only where the reviewer says they live. Expects cleaned text (NFKC, markup stripped).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from presidio_analyzer import AnalyzerEngine, EntityRecognizer
from spacy.tokens import Doc, Span
from wordfreq import zipf_frequency

from foundation.textsafety import _engine
from foundation.textsafety._engine import DocRecognizer, RegexRecognizer, common_word
from foundation.textsafety.links import Finding

__all__ = ["Finding", "PII_TOKENS", "TOKEN_FOR_KIND", "find_pii", "mask_pii"]

TOKEN_FOR_KIND: Mapping[str, str] = MappingProxyType({
    "email": "[email]", "phone": "[phone]", "card": "[card]", "iban": "[card]", "ssn": "[id]",
    "order": "[id]", "ip": "[ip]", "address": "[address]", "location": "[address]",
    "person": "[name]", "handle": "[handle]",
})
PII_TOKENS = ("[email]", "[phone]", "[card]", "[address]", "[id]", "[link]", "[handle]", "[name]", "[ip]")

_KIND_FOR_ENTITY = {
    "EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone", "CREDIT_CARD": "card", "IBAN_CODE": "iban",
    "US_SSN": "ssn", "IP_ADDRESS": "ip", "STREET_ADDRESS": "address", "ORDER_NUMBER": "order",
    "SOCIAL_HANDLE": "handle", "PERSON": "person", "LOCATION": "location",
}
# Overlapping findings are merged under the earliest of their kinds here (an address keeps
# "Berlin", an email the name in it).
_PRIORITY = ("card", "iban", "ssn", "email", "ip", "order", "phone", "address", "handle", "person", "location")
# Presidio's weak patterns score from 0.05 and reach 0.4 with a context word ("ssn 523478812");
# phonenumbers matches score 0.4.
_SCORE_THRESHOLD = 0.4
# --------------------------------------------------------------------- addresses

_UPPER, _LOWER = "A-ZÄÖÜÀ-ÖØ-Þ", "a-zäöüßà-öø-ÿ"
# A capitalised word: "Lilas", "O'Brien", "McDonald", "Saint-Michel"; not "I'm", "USB", "iPhone".
_NAME = rf"[{_UPPER}](?:['’][{_UPPER}]|[{_LOWER}]{{0,2}}[{_UPPER}])?[{_LOWER}]+(?:['’-][{_UPPER}]?[{_LOWER}]+)*"
_POSTCODE_UK = r"(?:[A-Z]{1,2}\d[A-Z\d]?\s\d[ABD-HJLNP-UW-Z]{2})"
_POSTCODE_CA = r"(?:[ABCEGHJ-NPRSTVXY]\d[A-Z]\s?\d[A-Z]\d)"
_LOCALITY_EU = rf"(?:,?\s*\d{{5}}\s+{_NAME}(?:[\s-]{_NAME})?)"
_LOCALITY_US_UK = (rf"(?:,\s*{_NAME}(?:\s{_NAME}){{0,2}})?"
                   rf"(?:,?\s*[A-Z]{{2}}\s+(?:\d{{5}}(?:-\d{{4}})?|{_POSTCODE_CA})|\s+{_POSTCODE_UK})?")
_US_SUFFIX = (r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|"
              r"Circle|Way|Highway|Hwy|Parkway|Pkwy|Square|Sq|Trail|Crescent|Close|Row|Gardens|Grove|Mews|Walk)")
_UNIT = r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|#)\.?\s*#?[A-Za-z0-9-]{1,6})"
_US_STREET = re.compile(
    rf"\b\d{{1,6}}[A-Z]?\s+(?:(?:[NSEW]\.?|North|South|East|West)\s+)?(?:(?:{_NAME}|\d{{1,3}}(?:st|nd|rd|th))\s+){{1,4}}"
    rf"{_US_SUFFIX}\b\.?(?:\s[NSEW]{{1,2}}\b)?(?P<unit>{_UNIT})?(?P<locality>{_LOCALITY_US_UK})"
)
# "45 maple street": lower case, only the unambiguous street types.
_US_STREET_LOWER = re.compile(
    rf"\b\d{{1,6}}\s+(?:[a-z]{{2,}}\s+){{1,2}}(?:street|avenue|ave|road|rd|lane|boulevard|blvd|drive)\b\.?"
    rf"(?P<unit>{_UNIT})?(?P<locality>{_LOCALITY_US_UK})"
)
# "I live at", "ship it to", "my address is" ... right before the number.
_ADDRESS_CUE = re.compile(
    r"(?i)(?:\b(?:at|to|address(?:\s+is)?|addr|live\s+(?:at|on)|lives?\s+on|from|is\s+on|deliver(?:ed|y)?\s+to|"
    r"ship(?:ped)?\s+(?:it\s+)?to|send\s+(?:it\s+)?to|sent\s+(?:it\s+)?(?:back\s+)?to|returned\s+(?:it\s+)?to|mail(?:ed)?\s+to)\s*:?\s*)$"
)


def _is_us_street(text: str, match: re.Match[str]) -> bool:
    # "Rated 5 Stars Way better", "3 Lake Drive trips": street-shaped phrases with neither a
    # cue before them nor a unit, city or ZIP after them.
    return bool(match.group("unit") or match.group("locality")) or bool(_ADDRESS_CUE.search(text[max(0, match.start() - 30):match.start()]))


_DE_STREET = re.compile(
    rf"\b(?:{_NAME}(?:-{_NAME})*(?:straße|strasse|str\.|weg|allee|platz|gasse|damm|ufer|chaussee)"
    rf"|{_NAME}\s+(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Damm|Ring|Ufer))\s*\d{{1,4}}(?:\s?[a-z])?\b{_LOCALITY_EU}?"
)
# "Am Markt 5", "An der Alster 12": only with postcode and town ("Am Ende 5 Sterne" is not one).
_DE_PLACE_STREET = re.compile(
    rf"\b(?:Am|An\s+der|An\s+den|Im|Auf\s+dem|Auf\s+der|Zum|Zur|In\s+der)\s+{_NAME}\s+\d{{1,4}}(?:\s?[a-z])?,?\s*\d{{5}}\s+{_NAME}"
)
_FR_STREET = re.compile(
    rf"\b\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|av\.|boulevard|bd|place|allée|impasse|chemin|quai|route|cours)\s+"
    rf"(?:(?:de\s+la|de\s+l'|du|des|de|d')\s*)?{_NAME}(?:\s+{_NAME}){{0,3}}{_LOCALITY_EU}?"
)
_ES_IT_STREET = re.compile(
    rf"(?:\b(?:Calle|Avenida|Avda\.?|Paseo|Plaza|Plaça|Carrer|Camino|Ronda|Travesía|Rua|Via|Viale|Piazza|Corso)\s+|\bC/\s?)"
    rf"(?:(?:de\s+la|de\s+los|de\s+las|del|de|di|della|dei|da|do)\s+)?{_NAME}(?:\s+{_NAME}){{0,3}},?\s*(?:n[º°o]\.?\s*)?\d{{1,4}}[A-Za-z]?\b"
    rf"(?:,\s*\d{{1,2}}\s?[º°]\s?[A-Z]?)?{_LOCALITY_EU}?"
)
_UK_HOUSE = re.compile(
    rf"\b(?:The\s+)?(?:{_NAME}\s+){{0,2}}(?:Cottage|House|Farm|Farmhouse|Lodge|Barn|Manor|Rectory|Vicarage|Grange|Villa|Mill|Croft|Bungalow|View|Hall|Court|Orchard|Haven|Nook|Rise)"
    rf"\s*,\s*(?:{_NAME}\s+){{1,3}}(?:Lane|Road|Street|Close|Way|Green|Hill|Row|End|Drive|Avenue|Crescent|Gardens|Terrace|Walk|Mews|Grove)\b"
    rf"(?:,\s*{_NAME}(?:\s{_NAME}){{0,2}})?(?:,?\s+{_POSTCODE_UK})?"
)
_UK_POSTCODE = re.compile(rf"\b{_POSTCODE_UK}\b")
_PO_BOX = re.compile(r"(?i)\bP\.?\s?O\.?\s+Box\s+\d{1,6}\b")
# Royal Mail postcode areas: "PS5 2TB" and "RTX 4090" have none.
_UK_AREAS = frozenset(
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN EX FK FY G GL "
    "GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX "
    "PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR "
    "WS WV YO ZE".split()
)


def _is_uk_postcode(text: str, match: re.Match[str]) -> bool:
    outward, inward = match.group(0).split()
    # "Galaxy S23 8GB": a storage size, not Sheffield's S23 district
    return re.match(r"[A-Z]+", outward).group(0) in _UK_AREAS and inward[1:] not in ("GB", "TB")


def _is_via_street(text: str, match: re.Match[str]) -> bool:
    # "Via"/"Plaza" are English words too ("via UPS 2 days"): require a postcode and town.
    return not re.match(r"(?:Via|Plaza|Corso)\b", match.group(0)) or bool(re.search(r"\d{5}\s", match.group(0)))


# --------------------------------------------------------------------- ids and handles

_ORDER = re.compile(
    r"(?i)\b(?P<cue>order|tracking|invoice|confirmation|booking|reservation|ticket|case|customer|account|membership|rma|"
    r"return|reference|ref|bestellnummer|bestellung|kundennummer|commande|pedido|ordine)"
    r"(?P<marker>\s*(?:number|num|no|nr|id|code|ref|reference|#)\.?)?\s*(?:is\s+|was\s+)?[:#]?\s*"
    r"(?P<v>(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,30}[A-Z0-9])\b"
)


def _is_order_number(text: str, match: re.Match[str]) -> bool:
    digits = sum(c.isdigit() for c in match.group("v"))
    # "order 2021 model": a year. A marker ("no.", "#", "number") or five digits say otherwise.
    return digits >= 5 or (digits >= 4 and bool(match.group("marker")))


_AT_HANDLE = re.compile(r"(?<![\w@.])@(?=[A-Za-z0-9_.-]*[A-Za-z_])[A-Za-z0-9_](?:[A-Za-z0-9_.-]{1,28}[A-Za-z0-9_])\b")
_PLATFORM_HANDLE = re.compile(
    r"(?i)\b(?:ig|insta|instagram|twitter|tiktok|snapchat|snap|threads|youtube|twitch|discord|telegram|reddit|bluesky|"
    r"venmo|cash\s?app|paypal\.me)"
    r"(?:\s+(?:handle|name|account|username|channel|page))?\s*(?P<sep>:|-|\bis\b)?\s*(?P<v>@?[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,28}[A-Za-z0-9_]))\b"
)
_REDDIT_USER = re.compile(r"(?<![\w/])u/[A-Za-z0-9_-]{3,20}\b")


def _is_platform_handle(text: str, match: re.Match[str]) -> bool:
    value = match.group("v")
    # "Instagram is full of ads": only an @, a separator or a handle-shaped word
    return (value.startswith("@") or bool(re.search(r"[_.\d]|[a-z][A-Z]", value))
            or match.group("sep") == ":")


# --------------------------------------------------------------------- names and places

_NAMES = rf"{_NAME}(?:\s+{_NAME}){{0,2}}"
# After these, capitalised words are a name unless they are common words ("Regards, Jonas";
# not "Cheers, Great product"). The closing formulas need their comma: "I love Sony" is not
# a signature.
_STRONG_NAME_CUE = re.compile(
    rf"\b(?i:my\s+name\s+is|my\s+name's|signed[,:]?|(?:kind\s+|best\s+)?regards\s*,|sincerely\s*,|best\s+wishes\s*,|"
    rf"best\s*,|cheers\s*[,!]|love\s*,|xoxo\s*,|yours\s*,|thanks\s*[,!])\s*(?P<v>{_NAMES})"
)
# A dash and words at the very end: a signature ("— Ingrid Solberg", "-- Sven") unless the
# words are ordinary ones ("Love it - Amazing", "Five stars - Excellent").
_SIGN_OFF = re.compile(rf"(?:^|[.!?]\s+|\s)(?:[—–~]|--?)\s*(?P<v>{_NAMES}(?:\s+[A-Z]\.?)?)\s*$")
# After these, only if spaCy does not call the words an organisation or product ("Thanks to
# Beatriz" but "Thanks to Amazon").
_WEAK_NAME_CUE = re.compile(
    r"\b(?i:thanks\s+to|thank\s+you|i'm|i\s+am|ask\s+for|call|contact|hi|"
    r"my\s+(?:neighbou?r|husband|wife|partner|son|daughter|friend|mum|mom|dad|brother|sister)|"
    r"installer|technician|courier|driver|agent|rep|mr|mrs|ms|miss|dr|prof|herr|frau|mme|mlle|sr|sra)\.?\s*[,:]?\s+"
    rf"(?P<v>{_NAMES})"
)
_NOT_A_PERSON = frozenset({"ORG", "PRODUCT", "GPE", "LOC", "FAC", "NORP", "WORK_OF_ART", "EVENT"})
_PLACE_CUE = (r"(?i:live\s+in|living\s+in|lives\s+in|based\s+in|greetings\s+from|hello\s+from|i'm\s+from|"
              r"i\s+am\s+from|we're\s+from|we\s+are\s+from|moved\s+to|here\s+in|resident\s+of|grew\s+up\s+in|"
              r"my\s+(?:town|village|city)\s+of|wohne\s+in|j'habite\s+à|vivo\s+en)")
_CUED_PLACE = re.compile(rf"\b{_PLACE_CUE}\s+(?:the\s+)?(?P<v>{_NAMES})")


# Japanese and Chinese names carry an honorific ("山田さん", "王先生"); the same honorifics follow
# roles ("店員さん", the shop assistant), which are not names.
# Chinese runs have no spaces: the one to three characters before the honorific are taken,
# which may include a character of the word before the name (masked too; nothing leaks).
_CJK_NAME = re.compile(r"(?P<v>[\u4e00-\u9fff]{1,3})(?:さん|様|さま|氏|先生|女士|小姐)")
# "我叫李明" (my name is), "私の名前は田中です", "田中と申します".
_CJK_INTRO = re.compile(r"(?:我叫|我的名字是|私の名前は|僕の名前は|名前は)(?P<v>[\u4e00-\u9fff\u30a0-\u30ff]{2,3})")
_CJK_HUMBLE = re.compile(r"(?P<v>[\u4e00-\u9fff\u30a0-\u30ff]{1,4})と申します")
_CJK_ROLES = frozenset(
    "店員 業者 担当 担当者 運転手 配達員 出品者 販売者 皆 客 神 奥 先輩 後輩 息子 娘 医者 大工 店長 社長 部長 "
    "服务员 医生 老师 快递员 司机 客服 师傅".split()
)


def _is_cjk_name(text: str, match: re.Match[str]) -> bool:
    value = match.group("v")
    return not any(value.endswith(role) for role in _CJK_ROLES)


def _names_not_words(value: str) -> bool:
    return not any(common_word(word) for word in re.split(r"[\s-]+", value) if word)


def _entity_labels(doc: Doc, start: int, end: int) -> set[str]:
    return {e.label_ for e in doc.ents if e.start_char < end and start < e.end_char}


def _is_brand_use(doc: Doc, span: Span) -> bool:
    """"the Calvin Klein sizing", "my Tommy Hilfiger logo": a name used as a modifier."""
    before = doc[span.start - 1] if span.start > 0 else None
    after = doc[span.end] if span.end < len(doc) else None
    return (before is not None and before.tag_ in ("DT", "PRP$")) or (after is not None and after.tag_ in ("NN", "NNS", "VBG"))


_SIGNATURE_ZIPF = 4.0  # "Excellent" 4.8, "Recommended" 4.3; "Sven" 2.5, "Solberg" 1.9


def _is_signature(doc: Doc, start: int, end: int) -> bool:
    span = doc.char_span(start, end, alignment_mode="expand")
    words = [t for t in span or () if len(t.text.rstrip(".")) > 1]  # "Sven K.": the initial says nothing
    if not words or not _names_not_words(" ".join(t.text for t in words)):
        return False
    if "PERSON" in _entity_labels(doc, start, end) or all(t.tag_ in ("NNP", "NNPS") for t in words):
        return True
    # The small tagger calls rare names anything ("Sven" is a verb to it): rare words that are
    # not adjectives or adverbs.
    return all(zipf_frequency(t.text.lower(), "en") < _SIGNATURE_ZIPF and t.tag_[:2] not in ("JJ", "RB") for t in words)


def _person_spans(doc: Doc) -> Iterator[tuple[int, int]]:
    text = doc.text
    for match in _STRONG_NAME_CUE.finditer(text):
        if _names_not_words(match.group("v")):
            yield match.span("v")
    for match in _SIGN_OFF.finditer(text):
        if _is_signature(doc, *match.span("v")):
            yield match.span("v")
    for match in _WEAK_NAME_CUE.finditer(text):
        start, end = match.span("v")
        span = doc.char_span(start, end, alignment_mode="expand")
        if (span is not None and _names_not_words(match.group("v")) and not _entity_labels(doc, start, end) & _NOT_A_PERSON
                and not _is_brand_use(doc, span)):  # "Dr. Martens boots"
            yield start, end
    for span in doc.ents:
        words = [t.text for t in span if not t.is_punct]
        # A lone capitalised word is a brand as often as a person ("Bosch", "Dyson"); a cue
        # before it is handled above.
        if (span.label_ == "PERSON" and len(words) >= 2 and all(w[:1].isupper() and w[1:2].islower() for w in words)
                and _names_not_words(" ".join(words)) and not _is_brand_use(doc, span)):
            yield span.start_char, span.end_char


def _place_spans(doc: Doc) -> Iterator[tuple[int, int]]:
    """Places the reviewer says they live in; "Made in Germany" is not personal."""
    for match in _CUED_PLACE.finditer(doc.text):
        if _names_not_words(match.group("v")):
            yield match.span("v")


def _recognisers() -> list[EntityRecognizer]:
    return [
        *_engine.contact_and_payment_recognisers(),
        RegexRecognizer("STREET_ADDRESS", [_US_STREET, _US_STREET_LOWER], _is_us_street),
        RegexRecognizer("STREET_ADDRESS", [_DE_STREET, _DE_PLACE_STREET, _FR_STREET, _UK_HOUSE, _PO_BOX]),
        RegexRecognizer("STREET_ADDRESS", [_ES_IT_STREET], _is_via_street),
        RegexRecognizer("STREET_ADDRESS", [_UK_POSTCODE], _is_uk_postcode),
        RegexRecognizer("ORDER_NUMBER", [_ORDER], _is_order_number),
        RegexRecognizer("SOCIAL_HANDLE", [_AT_HANDLE, _REDDIT_USER]),
        RegexRecognizer("SOCIAL_HANDLE", [_PLATFORM_HANDLE], _is_platform_handle),
        DocRecognizer("PERSON", _person_spans),
        RegexRecognizer("PERSON", [_CJK_NAME], _is_cjk_name),
        RegexRecognizer("PERSON", [_CJK_INTRO, _CJK_HUMBLE]),
        DocRecognizer("LOCATION", _place_spans),
    ]


@functools.cache
def _analyzer() -> AnalyzerEngine:
    common_word("warm")  # wordfreq loads its lists lazily: at start-up, not on the first review
    return _engine.build_analyzer(_recognisers())


# --------------------------------------------------------------------- precision and API

# A number introduced like this names a product or a release, not a person.
_PRODUCT_CODE_CUE = re.compile(
    r"(?i)\b(?:part|model|item|sku|serial|isbn|asin|upc|ean|gtin|mpn|art|catalog(?:ue)?|version|ver|build|"
    r"firmware|fw|bios|driver|release|update|updated\s+to|revision|rev)\b\.?\s*(?:no\.?|nr\.?|number|#|code)?\s*[:#]?\s*(?:firmware\s+)?$"
    r"|\bv$"
)


_UNIT_AFTER = re.compile(r"\s?(?:[kKMG]?W|V|A|mAh|Ah|Hz|rpm|mm|cm|m|km|kg|g|lbs?|ml|l|oz|°|%|x)\b")


def _plausible(finding: Finding, text: str) -> bool:
    """Precision rules that need the surrounding text."""
    before = text[max(0, finding.start - 30):finding.start]
    if finding.kind in ("phone", "card", "ip", "ssn") and _PRODUCT_CODE_CUE.search(before):
        return False
    if finding.kind == "phone":
        groups = re.findall(r"\d+", finding.text)
        # "2019 2020 2021": years, even where a region's numbering plan allows the digits
        if groups and all(len(g) == 4 and g[:2] in ("19", "20") for g in groups):
            return False
        # "300-1200 W", "220-240 V": a range with its unit
        if _UNIT_AFTER.match(text, finding.end):
            return False
    return True


def _merge(findings: list[Finding], text: str) -> list[Finding]:
    """Overlapping findings become one covering their union, named by the highest-priority
    kind among them: dropping the loser instead could leave part of a value unmasked."""
    rank = {kind: i for i, kind in enumerate(_PRIORITY)}
    merged: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and finding.start < merged[-1].end:
            last = merged.pop()
            kind = min(last.kind, finding.kind, key=rank.__getitem__)
            start, end = last.start, max(last.end, finding.end)
            finding = Finding(kind, start, end, text[start:end])
        merged.append(finding)
    return merged


def find_pii(text: str) -> list[Finding]:
    """Personal data in `text`: kind, span and matched text, in text order."""
    if not text or not text.strip():
        return []
    results = _analyzer().analyze(text=text, language="en", score_threshold=_SCORE_THRESHOLD)
    findings = [
        Finding(_KIND_FOR_ENTITY[r.entity_type], r.start, r.end, text[r.start:r.end])
        for r in results
        if r.entity_type in _KIND_FOR_ENTITY
    ]
    return _merge([f for f in findings if _plausible(f, text)], text)


def mask_pii(text: str) -> str:
    """`text` with each personal value replaced by its token; the sentence around it kept."""
    for finding in reversed(find_pii(text)):
        text = text[: finding.start] + TOKEN_FOR_KIND[finding.kind] + text[finding.end:]
    return text
