"""`shopscribe search` against an index on disk, and the sink commands' registration."""

from __future__ import annotations

import json

from support import sink_examples as ex
from typer.testing import CliRunner

from shopscribe.cli import app
from sinks.stores import Update, open_store


def test_search_command_prints_ranked_hits_with_snippets(tmp_path) -> None:  # noqa: ANN001
    db = tmp_path / "search.db"
    with open_store(path=db) as store, store.transaction():
        store.apply([Update.from_product(ex.product("KETTLE-1", "Gooseneck Kettle")),
                     Update.from_description(ex.description("KETTLE-1", "Pours slowly, with a thermometer in the lid."))])
    runner = CliRunner()
    result = runner.invoke(app, ["search", "thermometer", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert [h["sku"] for h in hits] == ["KETTLE-1"] and "[thermometer]" in hits[0]["snippet"]
    text = runner.invoke(app, ["search", "thermometer", "--db", str(db), "--limit", "5"])
    assert text.exit_code == 0 and "KETTLE-1" in text.stdout and "Gooseneck Kettle" in text.stdout


def test_search_without_an_index_says_how_to_build_it(tmp_path) -> None:  # noqa: ANN001
    result = CliRunner().invoke(app, ["search", "mug", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 2 and "shopscribe sink search" in result.output


def test_sink_commands_are_registered() -> None:
    result = CliRunner().invoke(app, ["sink", "--help"])
    assert result.exit_code == 0 and "search" in result.stdout and "recs" in result.stdout
