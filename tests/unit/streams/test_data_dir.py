"""`shopscribe streams` starts in a fresh directory: its data dir's parents are created."""

from pathlib import Path

from streams.app import create_app


async def test_the_app_starts_where_the_data_dir_and_its_parents_do_not_exist_yet(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / ".shopscribe" / "streams"
    app = create_app(app_id="fresh-dir", broker="kafka://127.0.0.1:1", credentials=None, data_dir=data_dir,
                     web_port=6066, partitions=1, session_timeout_s=6.0, heartbeat_interval_s=1.0)
    await app.on_first_start()  # where Faust makes its directories (FileNotFoundError before the fix)
    assert app.conf.tabledir.is_dir()
