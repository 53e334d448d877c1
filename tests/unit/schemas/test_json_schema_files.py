"""The JSON Schema files under schemas/json are what the models say today."""

import pytest

from schemas.export import MODELS, SCHEMA_DIR, render


@pytest.mark.parametrize("name", sorted(MODELS))
def test_exported_schema_matches_the_model(name: str) -> None:
    path = SCHEMA_DIR / f"{name}.schema.json"
    assert path.exists(), f"missing {path}: run `make schemas`"
    assert path.read_text() == render(name), f"{path} is stale: run `make schemas`"
