"""Message contracts. Depends on nothing else in the project."""

from schemas.codec import DecodeError, decode, encode, headers
from schemas.dead_letter import DeadLetter
from schemas.events import SCHEMA_VERSION, ProductEvent, ReviewEvent
from schemas.generation import (
    DescriptionRequest,
    GenerationBatch,
    GenerationRequest,
    ReviewSnippet,
    ReviewStats,
    SummaryRequest,
)
from schemas.recs import RecsFeatures
from schemas.results import AspectPhrase, DescriptionResult, ReviewSummaryResult

__all__ = [
    "SCHEMA_VERSION", "AspectPhrase", "DeadLetter", "DecodeError", "DescriptionRequest", "DescriptionResult",
    "GenerationBatch", "GenerationRequest", "ProductEvent", "RecsFeatures", "ReviewEvent", "ReviewSnippet", "ReviewStats",
    "ReviewSummaryResult", "SummaryRequest", "decode", "encode", "headers",
]
