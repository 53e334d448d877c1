"""The transformers backend's inference engine: a batched decode loop (`engine`), its KV
cache (`cache`), next-token choice (`sampling`) and attention kernel (`attention`), on
transformers' public extension points only."""

from workers.engine.engine import CHECKED_TRANSFORMERS, Decoded, DecodeEngine, Row
from workers.engine.numbers import NumberRule

__all__ = ["CHECKED_TRANSFORMERS", "DecodeEngine", "Decoded", "NumberRule", "Row"]
