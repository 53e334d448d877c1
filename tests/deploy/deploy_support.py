"""Paths and loaders shared by the deploy/ checks (offline: no broker, model, Docker or kustomize)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
BASE = K8S / "base"
OVERLAYS = sorted(p.parent for p in (K8S / "overlays").glob("*/kustomization.yaml"))
COMPOSE_FILE = DEPLOY / "compose" / "docker-compose.yml"
ALERTS_FILE = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARDS = sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))
DOCKERFILES = sorted(p for p in (DEPLOY / "docker").glob("Dockerfile.*") if p.suffix != ".dockerignore")

# The CLI contract from DESIGN.md ("CLI contract") plus the sink tools, as subcommand
# paths: the typer app must offer every one of them (names stay, options may grow).
CLI_CONTRACT = {
    ("broker",), ("streams",), ("worker",), ("up",), ("demo",), ("produce",), ("tail",), ("replay",),
    ("eval",), ("eval", "summaries"), ("eval", "descriptions"), ("bench",), ("sink",), ("sink", "search"),
    ("sink", "recs"), ("dlq",),
}


@lru_cache
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@lru_cache
def alerts() -> dict:
    return yaml.safe_load(ALERTS_FILE.read_text())


def cli_commands() -> tuple[set[tuple[str, ...]], str]:
    """Subcommand paths the CLI offers, and where they came from. A CLI that fails to
    import fails the deploy tests: the manifests are only as good as the commands they run."""
    import typer

    from shopscribe import cli

    root = cli.app
    paths: set[tuple[str, ...]] = set()

    def walk(group, prefix: tuple[str, ...]) -> None:  # noqa: ANN001
        for name, command in getattr(group, "commands", {}).items():
            paths.add((*prefix, name))
            walk(command, (*prefix, name))

    walk(typer.main.get_command(root), ())
    return paths, "shopscribe.cli"


def shopscribe_invocation(argv: list[str]) -> list[str] | None:
    """The words after `shopscribe` in a command line (None when it does not call shopscribe)."""
    words = [str(w) for w in argv]
    if len(words) >= 3 and words[0] in ("sh", "bash", "/bin/sh", "/bin/bash") and words[1].startswith("-"):
        words = words[2].split()
    for i, word in enumerate(words):
        if word == "shopscribe" or word.endswith("/shopscribe"):
            return words[i + 1:]
    if words[:3] == ["python", "-m", "shopscribe"] or words[:3] == ["python3", "-m", "shopscribe"]:
        return words[3:]
    return None


def subcommand_path(args: list[str], known: set[tuple[str, ...]]) -> tuple[str, ...]:
    """Longest known command path at the start of args (options skipped at the end)."""
    words = [a for a in args if not a.startswith("-")]
    path: tuple[str, ...] = ()
    for word in words:
        if (*path, word) in known:
            path = (*path, word)
        else:
            break
    return path if path else tuple(words[:1])


DOCKER_INSTRUCTION = re.compile(r"^\s*([A-Z]+)\s+(.*)$")


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    lines: list[str] = []
    buffer = ""
    for raw in path.read_text().splitlines():
        if raw.lstrip().startswith("#"):
            continue
        if raw.rstrip().endswith("\\"):
            buffer += raw.rstrip()[:-1] + " "
            continue
        lines.append(buffer + raw)
        buffer = ""
    out = []
    for line in lines:
        m = DOCKER_INSTRUCTION.match(line)
        if m:
            out.append((m.group(1), m.group(2).strip()))
    return out


def settings_field_exists(key: str) -> bool:
    """Whether SHOPSCRIBE_A__B names a field of foundation.settings.Settings (groups split on __)."""
    from foundation.settings import Settings

    model = Settings
    for part in key.removeprefix("SHOPSCRIBE_").lower().split("__"):
        if model is None or part not in model.model_fields:
            return False
        annotation = model.model_fields[part].annotation
        model = annotation if isinstance(annotation, type) and hasattr(annotation, "model_fields") else None
    return True
