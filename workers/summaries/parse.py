"""Reading the model's answer: "Summary: ... / Pros: a [R1]; b [R2] / Cons: ...", tolerant of
bullets, markdown and missing sections; review labels mapped back to review ids."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from schemas.generation import SummaryRequest
from workers.summaries.prompt import review_label


@dataclass
class Parsed:
    summary: str
    pros: list[tuple[str, list[str]]] = field(default_factory=list)
    cons: list[tuple[str, list[str]]] = field(default_factory=list)


_HEADER = re.compile(r"^[#*_>\-\s]*(summary|pros|cons|advantages|disadvantages|positives|negatives)\s*(?:[*_]+\s*)?[:\-]\s*(?:[*_]+\s*)?(.*)$", re.I)
# A citation list: "[R1, R2 and R5]". Every id is separated from the next by exactly one
# separator that cannot also be read as part of an id, so the pattern is linear: with the
# separator optional (as it once was), an unclosed list that a truncated generation left
# ("[R2, R4, ... R3") is split every possible way before failing, and parsing one such
# summary held the worker for minutes. (Patterns here run on model output and review
# text: no two adjacent quantifiers may match the same characters.)
_ID = r"[A-Za-z]*\d[\w-]*"
_IDS = re.compile(rf"[\[(]\s*({_ID}(?:(?:\s*[,;/&]\s*|\s+and\s+|\s+){_ID})*)\s*[\])]")


def _phrases(body: str) -> list[tuple[str, list[str]]]:
    out = []
    items = re.split(r"\s*(?:\n|;|(?<=[\])])\s*,)\s*", body)
    for item in items:
        item = item.strip().lstrip("-*•0123456789.) ").strip()
        if not item or item.casefold().rstrip(".") in ("none", "n/a", "no cons", "no pros", "nothing"):
            continue
        ids: list[str] = []
        for m in _IDS.finditer(item):
            ids.extend(re.findall(_ID, m.group(1)))
        phrase = _IDS.sub("", item).strip(" .,:;-")
        if phrase:
            out.append((phrase, ids))
    return out


def parse(text: str) -> Parsed:
    """Parse "Summary: ... / Pros: a [R1]; b [R2] / Cons: ..." (tolerant of bullets,
    markdown and missing sections). Without a Summary header, the text before the first
    Pros/Cons header is the summary."""
    sections: dict[str, list[str]] = {"summary": [], "pros": [], "cons": []}
    current = "summary"
    for line in (text or "").splitlines():
        m = _HEADER.match(line)
        if m:
            name = m.group(1).casefold()
            current = {"advantages": "pros", "positives": "pros", "disadvantages": "cons", "negatives": "cons"}.get(name, name)
            if m.group(2).strip():
                sections[current].append(m.group(2).strip())
            continue
        if line.strip():
            sections[current].append(line.strip())
    summary = " ".join(sections["summary"]).strip()
    return Parsed(summary, _phrases("\n".join(sections["pros"])), _phrases("\n".join(sections["cons"])))


def map_labels(items: list[tuple[str, list[str]]], request: SummaryRequest) -> list[tuple[str, list[str]]]:
    labels = {review_label(i).casefold(): r.review_id for i, r in enumerate(request.reviews)}
    real = {r.review_id for r in request.reviews}
    out = []
    for phrase, ids in items:
        mapped = [labels.get(i.casefold(), i if i in real else f"?{i}") for i in ids]
        out.append((phrase, mapped))
    return out
