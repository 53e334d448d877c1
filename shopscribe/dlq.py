"""`shopscribe dlq`: inspect dead letters and re-publish them, as they were or fixed.

    shopscribe dlq list products.events.dlq [--max N] [--json]
    shopscribe dlq republish products.events.dlq [--offsets P:O,P:O ...] [--fix-file FIXED.jsonl] [--dry-run]

`republish` sends each selected letter's original key and value back to the topic it came
from (the letter's `topic`). With `--fix-file`, lines of the form
`{"partition": P, "offset": O, "value": {...} | "raw string"}` replace the original value of
the letter that came from that partition/offset of the source topic (as `dlq list` shows
them); letters not named in the file are re-published as they were only when no
`--fix-file` is given. Records re-published still go through validation: a record that is
still bad lands in the DLQ again with a new offset.

A NULL original goes back as NULL, an empty one as empty. A letter whose original was
longer than the DLQ keeps (MAX_ORIGINAL_BYTES) holds only a prefix: re-sending it would
publish a different record, so `republish` refuses, before sending anything, unless that
letter is fixed by `--fix-file`, left out by `--offsets`, or `--allow-truncated` is given.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from kafka import KafkaConsumer, TopicPartition

from foundation.kafka import kafka_python_config, log_end_offsets, producer
from foundation.settings import Settings
from schemas import DeadLetter
from schemas.dead_letter import MAX_ORIGINAL_BYTES
from shopscribe.options import Bootstrap, build_settings

dlq_app = typer.Typer(help="Dead letters: list them, re-publish originals or fixed records.", no_args_is_help=True)


class RepublishRefused(ValueError):
    """Republishing as asked would send records that differ from their originals."""


def read_letters(settings: Settings, dlq_topic: str, timeout_s: float = 30) -> list[tuple[int, int, DeadLetter]]:
    """Every dead letter now on `dlq_topic`: (dlq partition, dlq offset, letter)."""
    consumer = KafkaConsumer(**kafka_python_config(settings.kafka), group_id=None, enable_auto_commit=False)
    try:
        ids = consumer.partitions_for_topic(dlq_topic)
        if not ids:
            raise typer.BadParameter(f"topic {dlq_topic!r} does not exist")
        partitions = [TopicPartition(dlq_topic, p) for p in sorted(ids)]
        ends = log_end_offsets(consumer, partitions, kafka=settings.kafka)
        consumer.seek_to_beginning(*partitions)
        out: list[tuple[int, int, DeadLetter]] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in partitions) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=250).values():
                for record in records:
                    try:
                        out.append((record.partition, record.offset, DeadLetter.model_validate_json(record.value)))
                    except ValueError:
                        typer.echo(f"skipping unreadable record {record.partition}:{record.offset}", err=True)
        return out
    finally:
        consumer.close()


def _parse_offsets(offsets: list[str] | None) -> set[tuple[int, int]] | None:
    if not offsets:
        return None
    wanted = set()
    for item in ",".join(offsets).split(","):
        partition, _, offset = item.strip().partition(":")
        wanted.add((int(partition), int(offset)))
    return wanted


def _load_fixes(path: Path) -> dict[tuple[int, int], bytes]:
    fixes: dict[tuple[int, int], bytes] = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        try:
            value = item["value"]
            fixes[(int(item["partition"]), int(item["offset"]))] = (
                value.encode() if isinstance(value, str) else json.dumps(value).encode())
        except (KeyError, TypeError, ValueError) as exc:
            raise typer.BadParameter(f"{path}:{n}: expected {{partition, offset, value}} ({exc})") from None
    return fixes


def republish(settings: Settings, dlq_topic: str, offsets: set[tuple[int, int]] | None = None,
              fixes: dict[tuple[int, int], bytes] | None = None, dry_run: bool = False,
              allow_truncated: bool = False) -> dict:
    """Re-publish selected letters to their source topics. Selection is by the source
    (partition, offset) recorded in each letter. Returns counts; raises RepublishRefused,
    having sent nothing, when a chosen letter's original is truncated and not fixed
    (unless `allow_truncated`)."""
    letters = read_letters(settings, dlq_topic)
    chosen: list[tuple[DeadLetter, bytes | None]] = []
    for _, _, letter in letters:
        where = (letter.partition, letter.offset)
        if offsets is not None and where not in offsets:
            continue
        if fixes is not None and where not in fixes:
            continue
        chosen.append((letter, fixes[where] if fixes is not None else letter.restored_value()))
    truncated = [letter for letter, _ in chosen if fixes is None and letter.truncated]
    if truncated and not allow_truncated:
        raise RepublishRefused(_truncated_message(truncated))
    if not dry_run and chosen:
        with producer(settings) as client:
            futures = [client.send(letter.topic, key=letter.original_key(), value=value,
                                   headers=[("content-type", b"application/json"),
                                            ("republished-from", f"{letter.topic}:{letter.partition}:{letter.offset}".encode())])
                       for letter, value in chosen]
            client.flush()
            for future in futures:
                future.get(timeout=settings.kafka.request_timeout_s)
    return {"dlq": dlq_topic, "letters": len(letters), "republished": 0 if dry_run else len(chosen),
            "selected": len(chosen), "fixed": sum(1 for _ in chosen) if fixes is not None else 0,
            "truncated": len(truncated), "dry_run": dry_run}


def _truncated_message(letters: list[DeadLetter]) -> str:
    where = ", ".join(f"{letter.topic}:{letter.partition}:{letter.offset}"
                      f" ({letter.value_truncated_from or 'more than ' + str(MAX_ORIGINAL_BYTES)} bytes)"
                      for letter in letters[:10])
    more = f" and {len(letters) - 10} more" if len(letters) > 10 else ""
    return (f"{len(letters)} selected dead letter(s) keep only the first {MAX_ORIGINAL_BYTES} bytes of their "
            f"original value: {where}{more}. Re-sending them would publish a different record. Nothing was sent: "
            "fix them with --fix-file, leave them out with --offsets, or pass --allow-truncated to send the prefixes.")


def _settings(bootstrap: str | None) -> Settings:
    return build_settings(bootstrap)


@dlq_app.command("list")
def list_letters(topic: Annotated[str, typer.Argument(help="A DLQ topic, e.g. products.events.dlq")],
                 bootstrap: Bootstrap = None,
                 max: Annotated[Optional[int], typer.Option("--max", help="Show at most N")] = None,
                 as_json: Annotated[bool, typer.Option("--json", help="JSON lines")] = False) -> None:
    """Show dead letters: where each came from, why, and the start of its original bytes."""
    letters = read_letters(_settings(bootstrap), topic)
    for _, _, letter in letters[:max]:
        value = letter.restored_value()
        row = {"topic": letter.topic, "partition": letter.partition, "offset": letter.offset, "error": letter.error,
               "reason": letter.reason, "key": (letter.original_key() or b"").decode("utf-8", "replace"),
               "bytes": letter.value_truncated_from or len(value or b""), "truncated": letter.truncated,
               "value": None if value is None else value[:200].decode("utf-8", "replace")}
        typer.echo(json.dumps(row, ensure_ascii=False) if as_json else
                   f"{letter.topic}:{letter.partition}:{letter.offset}  {letter.error}  {letter.reason[:120]}")


@dlq_app.command("republish")
def republish_command(
        topic: Annotated[str, typer.Argument(help="A DLQ topic, e.g. products.events.dlq")],
        bootstrap: Bootstrap = None,
        offsets: Annotated[Optional[list[str]], typer.Option("--offsets", help="Source PARTITION:OFFSET[,...] to pick")] = None,
        fix_file: Annotated[Optional[Path], typer.Option("--fix-file", help="JSONL {partition, offset, value}: fixed records")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
        allow_truncated: Annotated[bool, typer.Option(
            "--allow-truncated", help="Send the kept prefix of originals the DLQ truncated (a different record)")] = False,
) -> None:
    """Re-publish original (or fixed) records to the topic they came from."""
    try:
        report = republish(_settings(bootstrap), topic, _parse_offsets(offsets),
                           _load_fixes(fix_file) if fix_file else None, dry_run, allow_truncated)
    except RepublishRefused as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(report))
