"""What every subcommand shares: its option types and the one Settings object it builds.

A module of its own so that the sub-apps (`dlq`, `sink`, `bench`) and `cli.py`, which
registers them, import it instead of each other.
"""

from __future__ import annotations

import os
from typing import Annotated, Optional

import typer

from foundation import logging as slog
from foundation.settings import Settings

Bootstrap = Annotated[Optional[str], typer.Option("--bootstrap", help="Kafka bootstrap host:port[,...]; default: the embedded broker (SHOPSCRIBE_KAFKA__BOOTSTRAP)")]
Backend = Annotated[Optional[str], typer.Option("--backend", help="transformers (CPU, default) | vllm | echo (zero-cost, tests only)")]
Model = Annotated[Optional[str], typer.Option("--model", help="Model dir or id; default: bundled SmolLM2-135M-Instruct")]
Json = Annotated[bool, typer.Option("--json", help="Print data as JSON lines")]

# For a broker on loopback, taken to be the embedded one: short group timeouts (it holds a
# group join for ~half the session timeout, DESIGN.md) and its short end offsets
# (`KafkaSettings.short_end_offsets`). Applied only when the user has not set them.
EMBEDDED_DEFAULTS = {"session_timeout_s": 6.0, "heartbeat_interval_s": 1.0, "short_end_offsets": True}


def build_settings(bootstrap: str | None = None, backend: str | None = None, model: str | None = None) -> Settings:
    settings = Settings()
    kafka: dict = {"bootstrap": bootstrap}
    if (bootstrap or settings.kafka.bootstrap).startswith("127.0.0.1:"):
        kafka.update({k: v for k, v in EMBEDDED_DEFAULTS.items() if f"SHOPSCRIBE_KAFKA__{k.upper()}" not in os.environ})
    settings = settings.with_overrides(kafka=kafka, worker={"backend": backend, "model": model})
    slog.configure(settings.log_level)
    return settings


def embedded(bootstrap: str | None) -> bool:
    return bootstrap is None and "SHOPSCRIBE_KAFKA__BOOTSTRAP" not in os.environ
