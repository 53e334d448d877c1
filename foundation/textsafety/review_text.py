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


# --------------------------------------------------------------------------- PII

PII_TOKENS = ("[email]", "[phone]", "[card]", "[address]", "[id]", "[link]", "[handle]")

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
# "john dot smith at gmail dot com", "jane (at) mail [dot] org"
_TLD = r"(?:com|net|org|edu|gov|io|co|uk|de|fr|info|biz|me|us|ca)\b"
_EMAIL_OBFUSCATED = re.compile(
    # bracketed "(at)" with any dot: "kim (at) fastmail.com", "lee [at] inbox [dot] org"
    r"(?<!\w)[A-Za-z0-9][A-Za-z0-9._-]{0,63}\s*(?:\(at\)|\[at\]|\{at\})\s*"
    r"[A-Za-z0-9-]+(?:\s*(?:\.|\(dot\)|\[dot\]|\{dot\}|\sdot\s)\s*[A-Za-z0-9-]+)*"
    r"\s*(?:\.|\(dot\)|\[dot\]|\{dot\}|\sdot\s)\s*" + _TLD
    # plain " at " only with a spelled-out dot: "first.last at gmail dot com"
    + r"|(?<!\w)[A-Za-z0-9][A-Za-z0-9._-]{0,63}\s+at\s+[A-Za-z0-9-]+(?:\s+dot\s+[A-Za-z0-9-]+)*\s+dot\s+" + _TLD,
    re.I,
)
# 13-19 digits, optionally grouped by single spaces or dashes (card numbers, IBAN-like ids).
_CARD = re.compile(r"(?<![\w+-])(?!0)\d(?:[ -]?\d){12,18}(?![\w-])")
# US SSN-style ids.
_SSN = re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])")
# Phone candidates: optional +CC, optional (area), groups of digits separated by space . - ;
# validated afterwards by their digit count so prices, dates and sizes are left alone.
_PHONE = re.compile(
    r"(?<![\w+.$/-])(?:\+|00)?\(?\d{1,15}\)?(?:[ .-]{1,2}\(?\d{1,8}\)?){0,6}(?![\w-])"
)
_PHONE_SHORT = re.compile(r"(?<![\w.$/-])\d{3}-\d{4}(?![\w-])")  # local "555-0134"
_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|Ter|"
    r"Circle|Cir|Way|Highway|Hwy|Parkway|Pkwy|Square|Sq|Trail|Trl|Crescent|Close|Row|Alley|Plaza)"
)
_UNIT = r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|#)\.?\s*#?\w{1,6})?"
_CITY_ZIP = r"(?:,\s*[A-Z][A-Za-z]+(?:\s[A-Z][A-Za-z]+)?(?:,\s*[A-Z]{2})?(?:\s+\d{5}(?:-\d{4})?)?)?"
_ADDRESS = re.compile(
    # "123 Main Street", "42 Elm Ave.", "77 West 5th Avenue, Apt 4B", "10 Downing St, London"
    r"(?<![\w$.,-])\d{1,6}[A-Za-z]?\s+(?:(?:[NSEW]\.?|North|South|East|West)\s+)?"
    r"(?:(?:[A-Z][A-Za-z'-]*|\d{1,3}(?:st|nd|rd|th))\s+){1,4}" + _STREET_SUFFIX + r"\b\.?" + _UNIT + _CITY_ZIP
    # lower-case: "123 main street" (one or two words, unambiguous suffixes only)
    + r"|(?<![\w$.,-])\d{1,6}\s+(?:[a-z][a-z'-]+\s+){1,2}(?:street|avenue|ave|boulevard|blvd|road|lane)\b\.?" + _UNIT,
)
_PO_BOX = re.compile(r"\bP\.?\s?O\.?\s+Box\s+\d{1,6}\b", re.I)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z_][A-Za-z0-9_.]{2,29}\b")


def _digits(s: str) -> int:
    return sum(ch.isdigit() for ch in s)


def _phone_sub(match: re.Match[str]) -> str:
    s = match.group(0)
    n = _digits(s)
    if 10 <= n <= 15 or (n >= 7 and n <= 15 and (s.lstrip().startswith("+") or "(" in s)):
        # keep leading/trailing whitespace the candidate swallowed
        lead = s[: len(s) - len(s.lstrip())]
        return f"{lead}[phone]"
    return s


def mask_pii(text: str) -> str:
    """Replace personal data with tokens: [email], [card], [id], [phone], [address], [handle].

    Conservative about false positives that would hurt summaries: prices ("$19.99"), sizes
    ("10-12"), dates ("2023-01-15"), model numbers ("WH-1000XM4") and ratings ("5 stars")
    are left alone; anything with 10+ digits in phone-like groups is masked.
    """
    if not text:
        return text
    t = _EMAIL.sub("[email]", text)
    t = _EMAIL_OBFUSCATED.sub("[email]", t)
    t = _CARD.sub(lambda m: "[card]" if 13 <= _digits(m.group(0)) <= 19 else m.group(0), t)
    t = _SSN.sub("[id]", t)
    t = _PHONE.sub(_phone_sub, t)
    t = _PHONE_SHORT.sub("[phone]", t)
    t = _PO_BOX.sub("[address]", t)
    t = _ADDRESS.sub("[address]", t)
    t = _HANDLE.sub("[handle]", t)
    return t


# The lookbehinds let a bare domain start only at the first label of a dotted run: from
# every label, a run of n labels is scanned n times over (5,000 chars of "a.": 0.9 s).
_URL = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\d{0,3}\.)[^\s<>\"']+"
    r"|(?<![a-z0-9])(?<![a-z0-9.-]-)(?<![a-z0-9-]\.)\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|co|ly|biz|info|xyz|shop|store|top|site|online|me|us|uk|ru|cn|de|link|click|app)"
    r"(?:/[^\s<>\"']*)?(?![\w])",
    re.I,
)


def mask_links(text: str) -> str:
    """URLs and bare domains ("bit.ly/x", "cheap-deals.shop") -> "[link]"."""
    return _URL.sub("[link]", text) if text else text


def redact(text: str) -> str:
    """What may reach a prompt or an output: PII and links masked."""
    return mask_links(mask_pii(text))


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
    words = _WORD.findall(t)
    if len(words) < MIN_WORDS or len(t) < MIN_CHARS:
        return "too_short"
    if _EMAIL.search(t) or _EMAIL_OBFUSCATED.search(t) or "[phone]" in mask_pii(t):
        return "contact"
    if _URL.search(t):
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


# --------------------------------------------------------------------------- injections

_ZERO_WIDTH = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})

_AI = r"(?:ai|a\.i\.|assistant|chat ?bot|chatgpt|gpt(?:-?\d)?|llm|language model|summari[sz]er|summari[sz]ation (?:bot|model|system|tool|engine)|bot|claude|gemini|copilot)"
_INJECTION_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("override", re.compile(
        r"\b(?:ignore|disregard|forget|skip|override|bypass|drop|abandon|discard)\b[\w\s,'-]{0,40}?"
        r"\b(?:previous|prior|above|earlier|preceding|original|all|any|your|the|system|other)\b[\w\s,'-]{0,30}?"
        r"\b(?:instructions?|prompts?|rules?|directions?|guidelines?|context|messages?|constraints?|commands?|orders?)\b")),
    ("new_instructions", re.compile(
        r"\b(?:new|updated|real|actual|secret|hidden|additional|important)\s+(?:instructions?|task|prompt|orders?|rules?)\s*[:\-]")),
    ("role_marker", re.compile(r"(?:^|[\n\r.!?>\]\}|]\s*)(?:system|assistant|developer|user)\s*(?:prompt|message)?\s*:", re.M)),
    ("chat_template", re.compile(
        r"<\|?\s*(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\s*\|?>"
        r"|\[/?inst\]|<<\s*/?sys\s*>>|<\s*(?:/\s*)?(?:s|system|instructions?|prompt|reviews?|review_text|data|context|summary|output)\s*>"
        r"|###\s*(?:instruction|system|response|assistant|input|new task)|\bend of (?:reviews?|input|data|context|document)\b"
        r"|^\s*-{3,}\s*(?:end|begin|start)\b|\b(?:begin|end|start)\s+(?:system|instructions?|prompt)\b")),
    ("address_ai", re.compile(
        r"\b(?:dear|hey|hi|hello|attention|note to (?:the )?|message (?:to|for) (?:the )?|to the|instructions? for (?:the )?|if you are an?)\s*" + _AI + r"\b"
        r"|\b" + _AI + r"\s*[:,]\s*(?:please\s+)?(?:ignore|say|write|output|print|respond|reply|state|include|add|mention|tell|summari[sz]e|rate|describe|you)\b"
        r"|\b(?:as|you are|you're) an? " + _AI + r"\b[^.]{0,60}\b(?:must|should|will|have to|need to|are required)\b"
        r"|\b(?:any|every|all) " + _AI + r"s?\b[^.]{0,40}\b(?:must|should|shall|reading this)\b"
        r"|\bif you(?:'re| are) (?:an? )?" + _AI + r"\b")),
    ("role_play", re.compile(
        r"\byou are now\b|\bfrom now on,? you\b|\bact as (?:an?|the|my)\b|\bpretend (?:to be|you are)\b|\broleplay as\b"
        r"|\b(?:dan|developer|god|jailbreak|unrestricted)\s+mode\b|\bjailbreak\b|\bdo anything now\b")),
    ("output_control", re.compile(
        r"\b(?:say|write|output|print|state|include|add|mention|insert|put|append|prepend|respond|reply|answer|begin|start|end)\b"
        r"[^.!?]{0,60}\b(?:in|into|to|at the (?:start|end|beginning) of|with)\s+(?:the|your|this|every|each|any)\s+"
        r"(?:summary|summaries|output|response|answer|reply|result|description)\b"
        r"|\b(?:summary|summaries|output|response|answer|reply)\s+(?:must|should|shall|has to|needs to|will)\b"
        r"|\b(?:respond|reply|answer)\s+(?:only\s+)?with\b"
        r"|\bsummari[sz]e\s+(?:this|the)\s+(?:product|item|reviews?)\s+as\b")),
    ("fake_rating", re.compile(
        r"\b(?:say|state|write|claim|output|declare|report|print|tell (?:everyone|users|customers|readers|people|them)|"
        r"rate|score|give|mark|list)\b[^.!?]{0,50}\b(?:5|five|10|ten|100)\s*(?:/\s*(?:5|10)\b|-?\s*stars?\b|out of (?:5|five|10|ten)\b)"
        r"[^.!?]{0,40}\b(?:summary|ai|assistant|bot|always|regardless|no matter|anyway|instead)\b"
        r"|\b(?:always|must|only|regardless[\w ]{0,20})\s+(?:say|rate|give|report|show|state|claim)\w*\b[^.!?]{0,30}\b(?:5|five)\s*-?\s*stars?\b"
        r"|\b(?:best product ever|perfect product|flawless)\b[^.!?]{0,30}\b(?:in (?:the|your) (?:summary|output|response))")),
    ("suppress_negatives", re.compile(
        r"\b(?:do not|don't|never|must not|mustn't|should not|shouldn't)\s+(?:mention|say|include|show|list|report|reveal|summari[sz]e|output|write)\b"
        r"[^.!?]{0,40}\b(?:negative|cons?|complaints?|bad|problems?|issues?|criticism|other reviews?|low ratings?|defects?)\b"
        r"|\bonly\s+(?:mention|say|include|list|report|write|output|summari[sz]e)\s+(?:the\s+)?(?:positive|good|great|5|five)\b")),
    ("link_request", re.compile(
        r"\b(?:include|add|output|print|insert|put|post|share|append|display|show|recommend|mention|paste)\b[^.!?]{0,40}"
        r"\b(?:this|the|a|my|our|following)?\s*(?:link|url|website|web site|site|hyperlink|coupon|discount code|promo code)\b"
        r"|\b(?:visit|go to|check out)\b[^.!?]{0,30}(?:https?://|www\.|\[link\]|\b\w+\.(?:com|net|org|shop|store|xyz|ly)\b)")),
    ("prompt_leak", re.compile(
        r"\b(?:reveal|print|repeat|show|output|tell me|leak|display)\b[^.!?]{0,30}\b(?:your|the)\s+(?:system\s+)?(?:prompt|instructions?|rules|configuration|hidden)\b")),
]


def _detector_views(text: str) -> list[str]:
    """The raw text normalised several ways, so obfuscation in any one still matches."""
    t = html.unescape(html.unescape(text or ""))
    t = _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", t))
    lower = t.casefold()
    views = [lower, _WS.sub(" ", lower)]
    # "i g n o r e  a l l" / "i.g.n.o.r.e" -> "ignore all"
    despaced = re.sub(r"(?<=\b\w)[ .\-_*](?=\w\b)", "", lower)
    if despaced != lower:
        views.append(despaced)
    leet = lower.translate(_LEET)
    if leet != lower:
        views.append(leet)
    return views


def injection_reasons(text: str) -> list[str]:
    """Names of the injection patterns found (empty for an ordinary review)."""
    found: list[str] = []
    views = _detector_views(text)
    for name, pattern in _INJECTION_PATTERNS:
        if any(pattern.search(v) for v in views):
            found.append(name)
    return found


def looks_like_injection(text: str) -> bool:
    """True when a review tries to instruct the summariser. Such a review still counts in
    the stats (its rating is real) but its text never reaches a prompt, an extractive
    summary or a pros/cons phrase."""
    return bool(injection_reasons(text))


_TEMPLATE_TOKENS = re.compile(
    r"<\|[^<>|]{0,40}\|>|\[/?INST\]|<<\s*/?SYS\s*>>|</?\s*(?:s|system|review|reviews|prompt|data|summary)\s*>|#{2,}|`{3,}|-{4,}|={4,}",
    re.I,
)
_ROLE_AT_START = re.compile(r"\b(?:system|assistant|developer|user)\s*:", re.I)


def neutralise_instructions(text: str) -> str:
    """Defence in depth for text that is quoted inside a prompt: removes chat-template tokens,
    fake delimiters and role markers, and angle brackets so a review cannot close its own
    delimiter. Does not make an injection safe to prompt: those reviews are excluded."""
    t = _TEMPLATE_TOKENS.sub(" ", text or "")
    t = _ROLE_AT_START.sub(" ", t)
    t = t.replace("<", " ").replace(">", " ").replace("|", " ")
    return _WS.sub(" ", t).strip()
