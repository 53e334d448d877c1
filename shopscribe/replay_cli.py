"""The `shopscribe replay` command: plan, dry-run estimate, progress bar, summary table."""

from __future__ import annotations

import json

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from foundation.metrics import Metrics
from foundation.settings import Settings
from shopscribe.replay import Position, Replayer, ReplayError, group_id

# Rough generations/s used only for --dry-run estimates (see docs/benchmarks.md).
ASSUMED_RATE = {"echo": 1000.0, "transformers": 2.0, "vllm": 30.0}


def run_replay(settings: Settings, topic: str, *, from_beginning: bool, from_offset: str | None,
               from_time: str | None, until: str | None, prompt_version: str | None, batch_size: int,
               rate: float | None, restart: bool, dry_run: bool, json_out: bool) -> dict | None:
    console = Console(stderr=True)
    topic = {"products": settings.topics.products, "reviews": settings.topics.reviews}.get(topic, topic)
    if topic not in (settings.topics.products, settings.topics.reviews):
        console.print(f"[red]replay reads an input topic ({settings.topics.products} or {settings.topics.reviews})")
        return None
    default_version = settings.worker.summary_prompt_version if topic == settings.topics.reviews \
        else settings.worker.prompt_version
    version = prompt_version or default_version
    group = group_id(topic, version, settings.worker.model)
    try:
        start = Position("beginning") if from_beginning else (
            Position.parse_offset(from_offset) if from_offset else Position.parse_until(from_time))
        end = Position.parse_until(until)
    except (ValueError, ReplayError) as exc:
        console.print(f"[red]{exc}")
        return None
    if dry_run:
        replayer = Replayer(settings, None, None, group=group, batch_size=batch_size)
        try:
            plan = replayer.plan(topic, start, end, resume=not restart)
        except ReplayError as exc:
            console.print(f"[red]{exc}")
            return None
        finally:
            replayer.close()
        estimate = plan.total / (rate or ASSUMED_RATE[settings.worker.backend])
        report = {"topic": topic, "group": group, "events": plan.total, "prompt_version": version,
                  "estimated_seconds_upper_bound": round(estimate, 1),
                  "partitions": {tp.partition: [plan.start[tp], plan.end[tp]] for tp in plan.start}}
        print(json.dumps(report))
        return report
    return _run(settings, topic, start, end, version, group, batch_size, rate, restart, json_out, console)


def _run(settings: Settings, topic: str, start: Position, end: Position, version: str, group: str,
         batch_size: int, rate: float | None, restart: bool, json_out: bool, console: Console) -> dict | None:
    from kafka import KafkaProducer

    from foundation.kafka import kafka_python_config
    from workers.backends import load_backend
    from workers.handler import HandlerConfig, RequestHandler
    from workers.publisher import ResultPublisher

    metrics = Metrics()
    backend = load_backend(settings.worker)
    producer = KafkaProducer(**kafka_python_config(settings.kafka), acks="all", linger_ms=20)
    handler = RequestHandler(backend, metrics, HandlerConfig.from_settings(settings.worker))
    replayer = Replayer(settings, handler, ResultPublisher(producer, settings, metrics), group=group,
                        batch_size=batch_size, rate_limit=rate)
    try:
        plan = replayer.plan(topic, start, end, resume=not restart)
        with Progress(TextColumn(f"replay {topic}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                      TextColumn("{task.fields[rate]} ev/s"), TimeRemainingColumn(), console=console) as progress:
            task = progress.add_task("replay", total=plan.total, rate="-")
            report = replayer.run(plan, version, on_progress=lambda n: progress.update(
                task, completed=n, rate=f"{n / max(progress.tasks[0].elapsed or 1e-9, 1e-9):.1f}"))
    except ReplayError as exc:
        console.print(f"[red]{exc}")
        return None
    finally:
        replayer.close()
        producer.close()
        backend.close()
    data = report.as_dict()
    if json_out:
        print(json.dumps(data))
    else:
        table = Table(title=f"replay of {topic} as {version} ({report.model})")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for key in ("events", "invalid", "superseded", "requests", "results", "seconds", "events_per_s",
                    "completion_tokens_per_s"):
            table.add_row(key, str(data[key]))
        Console().print(table)
    return data
