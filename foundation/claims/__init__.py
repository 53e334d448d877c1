"""Claim checking for generated product descriptions: every specific claim of a sentence
(a number with its unit and attribute, a name, a material, colour, ingredient, component,
property or use) must be supported by the facts; vague praise may stand.

    verdict = check_description(draft, Facts.of(title, brand, category, attributes))
    verdict.kept, verdict.dropped, verdict.text, verdict.echo
"""

from foundation.claims.check import DroppedSentence, Verdict, check_description, split_sentences
from foundation.claims.facts import Facts

__all__ = ["DroppedSentence", "Facts", "Verdict", "check_description", "split_sentences"]
