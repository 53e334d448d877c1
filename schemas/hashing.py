"""Identities that streams and workers must agree on.

streams hashes a product's facts to skip unchanged events; the worker stamps the same hash
on its result. Both depend on the description prompt version (a new prompt means new
copy), so the version lives here, below both.
"""

from __future__ import annotations

import hashlib
import json

from schemas.events import ProductEvent

DESCRIPTION_PROMPT_VERSION = "desc-v2"


def input_hash(product: ProductEvent, prompt_version: str = DESCRIPTION_PROMPT_VERSION) -> str:
    """sha256 over exactly what generation depends on. Attribute order does not count;
    event ids, timestamps and the SKU do not either (a re-send of the same facts is no change)."""
    canonical = {
        "prompt_version": prompt_version,
        "title": product.title,
        "brand": product.brand,
        "category": product.category,
        "locale": product.locale,
        "max_chars": product.max_chars,
        "attributes": {name: product.attributes[name] for name in sorted(product.attributes)},
    }
    payload = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()
