"""`shopscribe sink search|recs` and `shopscribe search QUERY` (reference consumers, docs/sinks.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from foundation.settings import Settings, SinkSettings
from shopscribe.options import Bootstrap, Json, build_settings

sink_app = typer.Typer(help="Reference consumers of the output topics: search index, recommender features.",
                       no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)

Dsn = Annotated[Optional[str], typer.Option("--dsn", help="PostgreSQL DSN (tsvector + GIN); default: SQLite file (SHOPSCRIBE_SINK__DSN)")]
Group = Annotated[Optional[str], typer.Option("--group", help="Consumer group id")]
UntilCaughtUp = Annotated[bool, typer.Option("--until-caught-up", help="Exit once every assigned partition is consumed to its end")]
Timeout = Annotated[Optional[float], typer.Option("--timeout", help="With --until-caught-up: fail after S seconds")]


def _sink_settings(settings: Settings, **fields: object) -> SinkSettings:
    base = settings.sink
    update = {k: v for k, v in fields.items() if v is not None}
    return base.model_copy(update=update) if update else base


def _run(sink, until_caught_up: bool, timeout: float | None, as_json: bool) -> None:  # noqa: ANN001
    sink.install_signal_handlers()
    try:
        stats = sink.run(until_caught_up=until_caught_up, timeout_s=timeout)
    except TimeoutError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    summary = {"sink": sink.name, "group": sink.group_id, **stats.as_dict()}
    if hasattr(sink, "published"):
        summary.update(published=sink.published, embedded=sink.embedded)
    typer.echo(json.dumps(summary) if as_json else " ".join(f"{k}={v}" for k, v in summary.items()), err=not as_json)


@sink_app.command("search")
def sink_search(bootstrap: Bootstrap = None, dsn: Dsn = None,
                db: Annotated[Optional[Path], typer.Option("--db", help="SQLite file (SHOPSCRIBE_SINK__SEARCH_DB)")] = None,
                group: Group = None, until_caught_up: UntilCaughtUp = False, timeout: Timeout = None,
                json_out: Json = False) -> None:
    """Keep a full-text index of products (title, description, summary, pros/cons) up to date."""
    from sinks.search import SearchSink

    settings = build_settings(bootstrap)
    sink = _sink_settings(settings, dsn=dsn, search_db=db, search_group_id=group)
    _run(SearchSink(settings, sink), until_caught_up, timeout, json_out)


@sink_app.command("recs")
def sink_recs(bootstrap: Bootstrap = None, dsn: Dsn = None,
              db: Annotated[Optional[Path], typer.Option("--db", help="SQLite file for state + features (SHOPSCRIBE_SINK__RECS_DB)")] = None,
              topic: Annotated[Optional[str], typer.Option("--topic", help="Features topic (SHOPSCRIBE_SINK__FEATURES_TOPIC)")] = None,
              group: Group = None, until_caught_up: UntilCaughtUp = False, timeout: Timeout = None,
              json_out: Json = False) -> None:
    """Publish recommender features per SKU (embedding, rating stats, sentiment share) to recs.features."""
    from sinks.recs import RecsSink

    settings = build_settings(bootstrap)
    sink = _sink_settings(settings, dsn=dsn, recs_db=db, recs_group_id=group, features_topic=topic)
    _run(RecsSink(settings, sink), until_caught_up, timeout, json_out)


def search_command(query: Annotated[str, typer.Argument(help="Words to find (all must match; word* for a prefix)")],
                   limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="Most hits to show")] = 10,
                   dsn: Dsn = None,
                   db: Annotated[Optional[Path], typer.Option("--db", help="SQLite file (SHOPSCRIBE_SINK__SEARCH_DB)")] = None,
                   json_out: Json = False) -> None:
    """Query the search index that `shopscribe sink search` keeps (ranked, with snippets)."""
    from sinks.search import search

    sink = _sink_settings(build_settings(None), dsn=dsn, search_db=db)
    if sink.dsn is None and not sink.search_db.exists():
        typer.echo(f"no search index at {sink.search_db}: run `shopscribe sink search` first", err=True)
        raise typer.Exit(2)
    hits = search(sink, query, limit)
    if json_out:
        for hit in hits:
            typer.echo(json.dumps(hit.as_dict()))
        return
    if not hits:
        typer.echo("no match", err=True)
        return
    for rank, hit in enumerate(hits, 1):
        typer.echo(f"{rank:>3}. {hit.sku}  {hit.title or ''}  (score {hit.score:.4g})")
        typer.echo(f"     {hit.snippet}")
