"""The facts a description is judged against: what a producer said about the product.

A frozen, hashable value (attributes are tuples), so the analysis of one product's facts
can be cached and reused by every draft and regeneration of that product."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

AttributeValue = str | Sequence[str]


@dataclass(frozen=True)
class Facts:
    title: str
    brand: str | None = None
    category: str | None = None
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def of(
        cls,
        title: str,
        brand: str | None = None,
        category: str | None = None,
        attributes: Mapping[str, AttributeValue] | None = None,
    ) -> Facts:
        """Facts from the fields of a product event; a single value becomes a 1-tuple."""
        pairs = tuple(
            (name, (value,) if isinstance(value, str) else tuple(value))
            for name, value in (attributes or {}).items()
        )
        return cls(title=title, brand=brand or None, category=category or None, attributes=pairs)

    def fields(self) -> Iterator[tuple[str | None, str]]:
        """(attribute name, text) for every stated fact; None names the title, brand and
        category, which belong to no attribute."""
        for text in (self.title, self.brand, self.category):
            if text:
                yield None, text
        for name, values in self.attributes:
            for value in values:
                if value:
                    yield name, value
