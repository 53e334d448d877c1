"""Text that is no description at all: the title again, the facts block, or labelled
fields ("Title: ... Brand: ...", "Premise: <title> Sender: ...")."""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from foundation.claims.evidence import FactIndex
from foundation.claims.facts import Facts
from foundation.claims.language import alnum_tokens
from foundation.claims.quantities import is_unit

# "Label: " where the label is one to three words: a field written out, not prose.
_LABEL = re.compile(r"(?:^|(?<=[\s.;,]))([^\W\d_][^\W\d_'’-]*(?: [^\W\d_]+){0,2}) ?:(?=\s|$)")
_MIN_NOVEL_WORDS = 2  # distinct content words or numbers beyond the title's; fewer is a title with filler
_TITLE_SHARE = 0.6  # of the title's words, for a text to restate it
_FACT_SHARE = 0.8  # share of content words copied from the facts, in a text with no verb


def echo_reason(text: str, docs: list[Doc], facts: Facts, index: FactIndex) -> str | None:
    labels = [m.group(1) for m in _LABEL.finditer(text)]
    fact_labels = [label for label in labels if label.lower() in index.labels]
    if fact_labels:
        return f"echo_facts:{fact_labels[0]}"
    if len(labels) >= 2 or (labels and _LABEL.match(text.strip()) and _starts_with_fact(text, labels[0], facts)):
        return f"echo_labels:{labels[0]}"
    title = alnum_tokens(facts.title)
    words = alnum_tokens(text)
    repeats = _occurrences(words, title)
    if len(title) >= 2 and repeats >= 2 and repeats * len(title) >= _TITLE_SHARE * len(words):
        return "echo_title:repeated"
    # A number or unit written another way ("1.7-liter" for "1.7L") adds nothing to the title.
    novel = {w for w in words if w not in title and w not in STOP_WORDS and not is_unit(w)
             and not (w.isdigit() and any(t.startswith(w) for t in title))}
    restates = sum(w in set(words) for w in title) >= _TITLE_SHARE * len(title)
    if restates and len(novel) < _MIN_NOVEL_WORDS:
        return "echo_title:nothing_beyond_title"
    content = [t for doc in docs for t in doc if t.is_alpha and not t.is_stop]
    # A finite verb makes a sentence ("it writes at", "is", "has"); a fact word tagged as
    # some other verb form ("ripstop mesh upper", "read speed" out of context) does not.
    has_verb = any(
        t.tag_ in ("VBZ", "VBP", "MD") or (t.pos_ in ("VERB", "AUX") and not index.supports_word(t))
        for doc in docs for t in doc
    )
    if content and not has_verb and sum(index.supports_word(t) for t in content) >= _FACT_SHARE * len(content):
        return "echo_facts:no_sentence"
    return None


def _starts_with_fact(text: str, label: str, facts: Facts) -> bool:
    """Whether what follows a leading label is the title or a fact value."""
    after = alnum_tokens(text.strip()[len(label) + 1:])
    return any(after[:len(v)] == v for v in (alnum_tokens(value) for _, value in facts.fields()) if v)


def _occurrences(words: list[str], run: list[str]) -> int:
    return sum(words[i:i + len(run)] == run for i in range(len(words) - len(run) + 1))
