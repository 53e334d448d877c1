"""The Faust App. It imports nothing else from the project, so building one per process
(or per test) never drags module-level state along (faust#439)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faust


def create_app(
    *,
    app_id: str,
    broker: str,
    credentials: Any,
    data_dir: Path,
    web_port: int,
    partitions: int,
    session_timeout_s: float,
    heartbeat_interval_s: float,
) -> faust.App:
    # Faust makes its data dir with a plain mkdir (not recursive): in a fresh directory
    # `.shopscribe/streams` has no parent yet and the process would exit on start.
    data_dir.mkdir(parents=True, exist_ok=True)
    return faust.App(
        app_id,
        broker=broker,
        broker_credentials=credentials,
        datadir=str(data_dir),
        store="memory://",  # tables are rebuilt from their changelog topics on start
        topic_partitions=partitions,
        # At-least-once: the embedded broker cannot do Faust's exactly_once, and every
        # table update here is idempotent instead.
        processing_guarantee="at_least_once",
        broker_session_timeout=session_timeout_s,
        broker_heartbeat_interval=heartbeat_interval_s,
        web_port=web_port,
        web_bind="0.0.0.0",
        web_enabled=web_port > 0,
        topic_allow_declare=True,
        topic_disable_leader=True,
        autodiscover=False,
        # Faust's default of 100 waits for 100 acked events before committing; a modest
        # interval keeps redelivery after a crash small.
        broker_commit_every=100,
        broker_commit_interval=1.0,
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
    )
