"""JSON Schema files for every message, kept in step with the models by a test.

Regenerate with `python -m schemas.export`.
"""

from __future__ import annotations

import json
from pathlib import Path

from schemas.dead_letter import DeadLetter
from schemas.events import ProductEvent, ReviewEvent
from schemas.generation import GenerationBatch
from schemas.recs import RecsFeatures
from schemas.results import DescriptionResult, ReviewSummaryResult

MODELS = {
    "product_event": ProductEvent,
    "review_event": ReviewEvent,
    "generation_batch": GenerationBatch,
    "description_result": DescriptionResult,
    "review_summary_result": ReviewSummaryResult,
    "dead_letter": DeadLetter,
    "recs_features": RecsFeatures,
}
SCHEMA_DIR = Path(__file__).parent / "json"


def render(name: str) -> str:
    return json.dumps(MODELS[name].model_json_schema(), indent=2, sort_keys=True) + "\n"


def export(directory: Path = SCHEMA_DIR) -> list[Path]:
    directory.mkdir(exist_ok=True)
    written = []
    for name in MODELS:
        path = directory / f"{name}.schema.json"
        path.write_text(render(name))
        written.append(path)
    return written


if __name__ == "__main__":
    for p in export():
        print(p)
