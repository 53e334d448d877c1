"""Dockerfiles (pinned bases, non-root, health checks, CLI entrypoints) and the commands
every container runs: each `shopscribe <sub>` names a command the CLI has."""

from __future__ import annotations

import json
import re

import pytest
from deploy_render import build, pod_containers
from deploy_support import (
    CLI_CONTRACT,
    DOCKERFILES,
    OVERLAYS,
    cli_commands,
    compose,
    dockerfile_instructions,
    settings_field_exists,
    shopscribe_invocation,
    subcommand_path,
)

KNOWN, SOURCE = cli_commands()


def exec_form(arguments: str) -> list[str]:
    arguments = arguments.strip()
    return json.loads(arguments) if arguments.startswith("[") else arguments.split()


def unpinned_pip_requirements(run: str) -> list[str]:
    """Named packages in `pip install` commands without a version (local paths are fine)."""
    out = []
    for command in re.findall(r"pip install([^&;|]*)", run):
        words = command.split()
        skip_next = False
        for word in words:
            if skip_next:
                skip_next = False
                continue
            if word in ("--index-url", "--extra-index-url", "-i", "-r", "-c", "--constraint", "--requirement"):
                skip_next = True
                continue
            word = word.strip("\"'")
            if word.startswith(("-", ".", "/", "$")):
                continue
            if not re.search(r"(==|===|~=|<=|<|>=|>)", word):
                out.append(word)
    return out


def test_pin_check() -> None:
    assert unpinned_pip_requirements('pip install "torch==2.1" --index-url "$X" . && pip install --no-deps x==1') == []
    assert unpinned_pip_requirements("pip install -q vllm && echo") == ["vllm"]


def test_both_images_exist() -> None:
    assert {p.name for p in DOCKERFILES} == {"Dockerfile.cpu", "Dockerfile.gpu"}


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfile_basics(path) -> None:  # noqa: ANN001
    steps = dockerfile_instructions(path)
    kinds = [k for k, _ in steps]
    args = {m.group(1): m.group(2) for k, a in steps if k == "ARG" for m in [re.match(r"(\w+)=(\S+)", a)] if m}
    stages = {a.split()[-1] for k, a in steps if k == "FROM" and " as " in a.lower()}
    for k, a in steps:
        if k == "FROM":
            image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), a.split()[0])
            if image in stages:
                continue  # an earlier build stage
            assert ":" in image and not image.endswith(":latest") and "${" not in image, f"unpinned base {image}"
    users = [a for k, a in steps if k == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the final stage must run as non-root"
    assert "HEALTHCHECK" in kinds
    assert any(k == "COPY" and "healthcheck.py" in a for k, a in steps)
    for k, a in steps:
        if k == "RUN":
            assert not unpinned_pip_requirements(a), f"{path.name}: unpinned {unpinned_pip_requirements(a)}"
    env_names = {m for k, a in steps if k == "ENV" for m in re.findall(r"(SHOPSCRIBE_\w+)=", a)}
    assert all(settings_field_exists(n) for n in env_names), env_names
    cmd = [exec_form(a) for k, a in steps if k == "CMD"][-1]
    entry = [exec_form(a) for k, a in steps if k == "ENTRYPOINT"]
    argv = (entry[-1] if entry else []) + cmd
    words = shopscribe_invocation(argv)
    assert words is not None, f"{path.name} does not run shopscribe: {argv}"
    assert subcommand_path(words, KNOWN) in KNOWN, f"{path.name}: `shopscribe {' '.join(words)}` not in {SOURCE}"


def test_gpu_image_installs_the_vllm_extra() -> None:
    path = next(p for p in DOCKERFILES if p.name == "Dockerfile.gpu")
    steps = dockerfile_instructions(path)
    assert any(k == "RUN" and ".[vllm]" in a for k, a in steps)
    base = next(a for k, a in steps if k == "ARG" and a.startswith("VLLM_IMAGE="))
    assert base.split("=", 1)[1].startswith(("vllm/vllm-openai:", "nvidia/cuda:"))


def test_streams_image_default_is_the_streams_command() -> None:
    path = next(p for p in DOCKERFILES if p.name == "Dockerfile.cpu")
    cmd = [exec_form(a) for k, a in dockerfile_instructions(path) if k == "CMD"][-1]
    assert shopscribe_invocation(cmd) == ["streams"]


def container_commands() -> list[tuple[str, list[str]]]:
    out = []
    for name, service in compose()["services"].items():
        for field in ("entrypoint", "command"):
            value = service.get(field)
            if value:
                out.append((f"compose {name}.{field}", value if isinstance(value, list) else value.split()))
    for overlay in OVERLAYS:
        for doc in build(overlay):
            for c in pod_containers(doc):
                argv = [*c.get("command", []), *c.get("args", [])]
                if argv:
                    out.append((f"{overlay.name} {doc['kind']}/{doc['metadata']['name']}/{c['name']}", argv))
    return out


COMMANDS = container_commands()


def test_cli_source() -> None:
    """The typer app when importable (it must offer what deploy/ runs), else DESIGN.md's list."""
    assert ("streams",) in KNOWN and ("worker",) in KNOWN, SOURCE


@pytest.mark.parametrize("argv", [a for _, a in COMMANDS], ids=[w for w, _ in COMMANDS])
def test_container_commands_name_cli_commands(argv: list[str]) -> None:
    words = shopscribe_invocation(argv)
    if words is None:
        return  # not a shopscribe container (Kafka, Prometheus, ...)
    assert subcommand_path(words, KNOWN) in KNOWN, f"`shopscribe {' '.join(words)}` is not a command of {SOURCE}"


def test_workloads_run_shopscribe() -> None:
    runs = {where for where, argv in COMMANDS if shopscribe_invocation(argv) is not None}
    assert any("streams" in w for w in runs) and any("worker" in w for w in runs)


def test_invocation_parser() -> None:
    assert shopscribe_invocation(["shopscribe", "worker", "--backend", "vllm"]) == ["worker", "--backend", "vllm"]
    assert shopscribe_invocation(["/bin/sh", "-c", "shopscribe sink search"]) == ["sink", "search"]
    assert shopscribe_invocation(["prometheus", "--config.file=x"]) is None
    assert subcommand_path(["nope"], KNOWN) not in KNOWN


def test_healthcheck_script(tmp_path) -> None:  # noqa: ANN001
    import http.server
    import os
    import subprocess
    import sys
    import threading

    from deploy_support import DEPLOY

    script = DEPLOY / "docker" / "healthcheck.py"
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        ready = tmp_path / "ready"

        def run(**env: str) -> int:
            return subprocess.run([sys.executable, str(script)], env={**os.environ, **env}, cwd=tmp_path,
                                  capture_output=True, timeout=20).returncode

        assert run(HEALTHCHECK_URL=url) == 0
        assert run(HEALTHCHECK_URL=url, HEALTHCHECK_READY_FILE=str(ready)) == 1
        ready.write_text("1")
        assert run(HEALTHCHECK_URL=url, HEALTHCHECK_READY_FILE=str(ready)) == 0
        assert run(HEALTHCHECK_URL=url + "missing") == 1
    finally:
        server.shutdown()


def test_the_cli_offers_every_command_of_the_design_contract() -> None:
    assert CLI_CONTRACT <= KNOWN, f"missing from {SOURCE}: {sorted(CLI_CONTRACT - KNOWN)}"
