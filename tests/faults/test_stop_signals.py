"""A stop is a stop: `shopscribe broker` and `shopscribe up` exit 0 on SIGTERM (a supervisor,
`kill`) and on SIGINT (Ctrl-C), and leave no child process behind.

Each test waits on conditions with generous deadlines; none asserts how long a stop took.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from faultkit import REPO, wait_for

from shopscribe.broker import free_port
from shopscribe.stack import _http_ok, settings_env

# Far above the bound the README states (STOP_GRACE_S + the broker's 5 s): a loaded
# machine must not fail these, a stop that hangs must.
EXIT_DEADLINE_S = 120


def shopscribe(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """The CLI as a user runs it; stderr goes to cwd/stderr.log (read it with `stderr_of`)."""
    return subprocess.Popen([sys.executable, "-m", "shopscribe", *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=(cwd / "stderr.log").open("w"),
                            env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def stderr_of(cwd: Path) -> str:
    return (cwd / "stderr.log").read_text()


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def exit_code(process: subprocess.Popen[str]) -> int:
    try:
        process.wait(timeout=EXIT_DEADLINE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"still running {EXIT_DEADLINE_S}s after the signal")
    return process.returncode


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_broker_exits_0_on_a_stop_signal_and_its_tansu_is_gone(stop: signal.Signals, tmp_path: Path) -> None:
    port = free_port()
    process = shopscribe("broker", "--port", str(port), cwd=tmp_path)
    try:
        started = json.loads(process.stdout.readline() or "null")  # the line it prints once the topics exist
        assert started and started["bootstrap"] == f"127.0.0.1:{port}", stderr_of(tmp_path)[-3000:]
        tansu = children_of(process.pid)
        assert tansu, "the broker wrapper has no child process"

        process.send_signal(stop)

        assert exit_code(process) == 0, stderr_of(tmp_path)[-3000:]
        wait_for(lambda: not any(alive(pid) for pid in tansu), 30, "tansu to exit")
        assert not listening(port)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_up_exits_0_on_a_stop_signal_after_its_parts_stopped_cleanly(stop: signal.Signals, settings_factory,  # noqa: ANN001
                                                                     tmp_path: Path) -> None:
    settings = settings_factory("echo", streams={"web_port": free_port()}, worker={"metrics_port": free_port()})
    process = shopscribe("up", cwd=tmp_path, env=settings_env(settings))
    try:
        def up_and_ready() -> bool:
            assert process.poll() is None, f"up exited with {process.returncode}: {stderr_of(tmp_path)[-3000:]}"
            # The banner comes once streams is /ready and the worker has written its ready file.
            return "shopscribe is up" in stderr_of(tmp_path)

        wait_for(up_and_ready, 240, "`shopscribe up` to say it is up")
        assert _http_ok(f"http://127.0.0.1:{settings.streams.web_port}/ready")
        parts = children_of(process.pid)
        assert len(parts) == 2, f"expected streams and worker as children, found {parts}"

        process.send_signal(stop)

        code = exit_code(process)
        err = stderr_of(tmp_path)
        assert code == 0, err[-3000:]
        assert "Traceback" not in err
        assert not [pid for pid in parts if alive(pid)], "a part of the stack outlived `up`"
        # The worker drained and left its group (it logs this after its last commit), not killed.
        assert "worker_stopped" in (tmp_path / ".shopscribe" / "worker.log").read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
