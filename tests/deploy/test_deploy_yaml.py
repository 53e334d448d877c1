"""Every YAML and JSON file under deploy/ parses."""

from __future__ import annotations

import json

import pytest
import yaml
from deploy_support import DEPLOY

YAML_FILES = sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])
JSON_FILES = sorted(DEPLOY.rglob("*.json"))


def test_there_is_something_to_check() -> None:
    assert len(YAML_FILES) > 10 and JSON_FILES


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_yaml_parses(path) -> None:  # noqa: ANN001
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert docs, f"{path} is empty"


@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_json_parses(path) -> None:  # noqa: ANN001
    json.loads(path.read_text())
