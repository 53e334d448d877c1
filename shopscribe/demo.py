"""`shopscribe demo`: the whole stack on the bundled sample catalog, results on screen."""

from __future__ import annotations

from collections import Counter
from importlib.resources import files
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from foundation.settings import Settings
from shopscribe.clients import produce_lines
from shopscribe.collect import collect, count_messages, expected_descriptions
from shopscribe.stack import LocalStack

CATALOG = files("shopscribe") / "data" / "catalog.jsonl"


def run_demo(settings: Settings, *, embedded: bool, timeout_s: float, work_dir: Path = Path(".shopscribe/demo")) -> int:
    console = Console(stderr=True)
    catalog = Path(str(CATALOG))
    expected, invalid = expected_descriptions(catalog.read_bytes().splitlines(), settings.worker.prompt_version)
    with console.status("starting broker, streams and worker (first run converts the model once)..."):
        stack = LocalStack(settings, work_dir, embedded=embedded).__enter__()
    try:
        sent, _ = produce_lines(stack.settings, settings.topics.products, catalog)
        console.print(f"published {sent} product events ({invalid} deliberately invalid) to {settings.topics.products}")
        with Progress(TextColumn("descriptions"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as progress:
            task = progress.add_task("descriptions", total=len(expected))
            latest = collect(stack.settings, settings.topics.descriptions, expected, timeout_s,
                             on_progress=lambda n: progress.update(task, completed=n), check=stack.check_alive)
        dead = count_messages(stack.settings, settings.topics.dlq(settings.topics.products))
    finally:
        stack.stop()
    _print_results(latest.by_sku, dead, Console())
    missing = sorted(set(expected) - set(latest.by_sku))
    if missing:
        console.print(f"[red]no description for {len(missing)} products within {timeout_s:.0f}s: {missing[:10]}")
        return 1
    if dead != invalid:
        console.print(f"[red]expected {invalid} dead letters, found {dead}")
        return 1
    return 0


def _print_results(by_sku: dict[str, dict], dead_letters: int, console: Console) -> None:
    table = Table(title="products.descriptions (latest per SKU)", show_lines=True)
    for column in ("sku", "method", "description"):
        table.add_column(column, overflow="fold")
    for sku in sorted(by_sku):
        result = by_sku[sku]
        method = result["method"] if result["method"] != "fallback" else f"[yellow]{result['method']}"
        table.add_row(sku, method, result["description"])
    console.print(table)
    methods = Counter(r["method"] for r in by_sku.values())
    console.print(f"{len(by_sku)} descriptions: {methods['generated']} generated, {methods['generated_pruned']} generated "
                  f"with unsupported sentences removed, {methods['fallback']} fallback; "
                  f"{dead_letters} invalid events sent to the DLQ")
