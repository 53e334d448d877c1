"""`shopscribe eval`: data sets through the real pipeline, one result per item."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress

from shopscribe.clients import produce_lines
from shopscribe.collect import collect, expected_descriptions
from shopscribe.settings import Settings
from shopscribe.stack import LocalStack


def description_events(items: list[dict[str, Any]]) -> list[bytes]:
    now = datetime.now(timezone.utc).isoformat()
    lines = []
    for item in items:
        event = {"event_id": f"eval-{item['id']}", "type": "product.created", "sku": item["id"],
                 "title": item.get("title"), "attributes": item.get("attributes", {}), "occurred_at": now}
        if item.get("category"):
            event["category"] = item["category"]
        lines.append(json.dumps(event).encode())
    return lines


def run_descriptions_eval(settings: Settings, data: Path, out: Path, *, embedded: bool, timeout_s: float) -> dict:
    items = [json.loads(line) for line in data.read_text().splitlines() if line.strip()]
    lines = description_events(items)
    expected, invalid = expected_descriptions(lines, settings.worker.prompt_version)
    with tempfile.TemporaryDirectory() as tmp:
        events = Path(tmp) / "events.jsonl"
        events.write_bytes(b"\n".join(lines))
        with LocalStack(settings, Path(tmp) / "stack", embedded=embedded) as stack:
            produce_lines(stack.settings, settings.topics.products, events)
            with Progress(console=Console(stderr=True)) as progress:
                task = progress.add_task("descriptions", total=len(expected))
                latest = collect(stack.settings, settings.topics.descriptions, expected, timeout_s,
                                 on_progress=lambda n: progress.update(task, completed=n), check=stack.check_alive)
    with out.open("w") as handle:
        for item in items:
            result = latest.by_sku.get(item["id"])
            row = {"id": item["id"], "description": result["description"] if result else None,
                   "method": result["method"] if result else "missing"}
            if result:
                row.update({k: result[k] for k in ("model", "prompt_version", "fallback_reason", "completion_tokens")})
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    methods = [r["method"] for r in latest.by_sku.values()]
    return {"items": len(items), "invalid": invalid, "results": len(latest.by_sku),
            "generated": methods.count("generated"), "fallback": methods.count("fallback"), "out": str(out)}
