"""`check_description`: a draft judged sentence by sentence against the facts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from foundation.claims.echo import echo_reason
from foundation.claims.evidence import index_facts
from foundation.claims.facts import Facts
from foundation.claims.judge import sentence_reasons
from foundation.claims.language import pipeline


@dataclass(frozen=True)
class DroppedSentence:
    sentence: str
    reasons: list[str]


@dataclass(frozen=True)
class Verdict:
    """`kept` sentences may be published, in order; `dropped` ones state what the facts do
    not support. `echo` means the text is no description at all (then nothing is kept)."""

    kept: list[str]
    dropped: list[DroppedSentence] = field(default_factory=list)
    echo: bool = False
    echo_reason: str | None = None

    @property
    def text(self) -> str:
        return " ".join(self.kept)

    @property
    def supported(self) -> bool:
        """Every sentence stands: publish the text as it is."""
        return bool(self.kept) and not self.dropped and not self.echo

    @property
    def reasons(self) -> list[str]:
        return [reason for dropped in self.dropped for reason in dropped.reasons]


def check_description(text: str, facts: Facts) -> Verdict:
    sentences = split_sentences(text)
    if not sentences:
        return Verdict(kept=[])
    index = index_facts(facts)
    docs = list(pipeline().pipe(sentences))
    if reason := echo_reason(" ".join(sentences), docs, facts, index):
        return Verdict(kept=[], dropped=[DroppedSentence(s, [reason]) for s in sentences], echo=True, echo_reason=reason)
    kept, dropped = [], []
    for sentence, doc in zip(sentences, docs):
        reasons = sentence_reasons(doc, index)
        if reasons:
            dropped.append(DroppedSentence(sentence, reasons))
        else:
            kept.append(sentence)
    return Verdict(kept=kept, dropped=dropped)


# A sentence ends at ".", "!" or "?" (and closing quotes) before a capital or a digit,
# except after an abbreviation ("e.g.", "approx."). A single capital before the stop is a
# unit far more often than an initial in a description ("22.5 W. It ..."): it ends one.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]”’]*\s+(?=[\"'(\[“‘]?[A-Z0-9])")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|approx|incl|vs|no|nr|dr|mr|mrs|ms|st)\.$", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    text = " ".join((text or "").split())
    sentences, start = [], 0
    for match in _BOUNDARY.finditer(text):
        head = text[start:match.start()]
        if _ABBREVIATION.search(head.rstrip("\"')]”’")):
            continue
        sentences.append(head.strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]
