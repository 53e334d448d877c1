"""The local stack: embedded broker + streams + worker as supervised child processes.

`shopscribe up`/`demo`, `eval` and the integration tests all start the same stack, so what
a test proves is what a user runs. Readiness is observed (broker answers, streams reports
its partitions assigned, the worker writes its ready file after its group join), never
assumed from a sleep.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from foundation.logging import get_logger
from foundation.settings import Settings
from shopscribe.broker import BrokerError, EmbeddedBroker, die_with_parent, ensure_topics, free_port

log = get_logger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# On stop every part gets SIGTERM and this long, together, to drain and commit; what is
# still running then is killed (its uncommitted work is redone after a restart:
# at-least-once). The broker is stopped last, so the parts can commit through it.
# README ("Stopping") states the bound that follows: STOP_GRACE_S + EmbeddedBroker's 5 s.
STOP_GRACE_S = 20.0


class StackError(RuntimeError):
    pass


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings as SHOPSCRIBE_* variables, so child processes see exactly ours."""
    env: dict[str, str] = {}
    for group in ("kafka", "topics", "streams", "worker"):
        for name, value in getattr(settings, group).model_dump(exclude_none=True).items():
            if hasattr(value, "get_secret_value"):
                value = value.get_secret_value()
            env[f"SHOPSCRIBE_{group.upper()}__{name.upper()}"] = str(value)
    env["SHOPSCRIBE_LOG_LEVEL"] = settings.log_level
    return env


class LocalStack:
    def __init__(self, settings: Settings, work_dir: Path, *, embedded: bool, run_streams: bool = True,
                 run_worker: bool = True, quiet: bool = True, start_timeout_s: float = 300.0,
                 fixed_ports: bool = False) -> None:
        self.work_dir = work_dir
        self.embedded = embedded
        self.run_streams = run_streams
        self.run_worker = run_worker
        self.quiet = quiet
        self.start_timeout_s = start_timeout_s
        # `up` keeps the configured ports (6066, 9108) for Prometheus; tests and one-off
        # runs take free ones so several stacks can share a machine.
        self.fixed_ports = fixed_ports
        self.broker: EmbeddedBroker | None = None
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.settings = settings

    def start(self) -> LocalStack:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        if self.embedded:
            port = int(self.settings.kafka.bootstrap.rsplit(":", 1)[1])
            self.broker = EmbeddedBroker(port, log_path=self.work_dir / "broker.log").start()
        ensure_topics(self.settings.kafka, self.settings.topics)
        ready_file = self.work_dir / "worker.ready"
        ready_file.unlink(missing_ok=True)
        streams_port = self.settings.streams.web_port if self.fixed_ports else free_port()
        self.settings = self.settings.with_overrides(
            streams={"web_port": streams_port, "data_dir": self.work_dir / "streams"},
            worker={"ready_file": ready_file, "metrics_port": self.settings.worker.metrics_port if self.fixed_ports else free_port()},
        )
        if self.run_streams:
            self._spawn("streams")
        if self.run_worker:
            self._spawn("worker")
        deadline = time.monotonic() + self.start_timeout_s
        if self.run_streams:
            self._wait(lambda: _http_ok(f"http://127.0.0.1:{streams_port}/ready"), "streams", deadline)
        if self.run_worker:
            self._wait(ready_file.exists, "worker", deadline)
        return self

    def _spawn(self, part: str) -> None:
        env = {**os.environ, **settings_env(self.settings)}
        log_file = open(self.work_dir / f"{part}.log", "ab")
        stdout = log_file if self.quiet else None
        # A process group of its own: a terminal's Ctrl-C reaches only the stack, which
        # stops its parts in order; a part that saw it too would exit and look crashed.
        self.processes[part] = subprocess.Popen(
            [sys.executable, "-m", "shopscribe", part], env=env, stdout=stdout,
            stderr=subprocess.STDOUT if self.quiet else None, preexec_fn=die_with_parent, process_group=0,
        )

    def _wait(self, check, part: str, deadline: float) -> None:  # noqa: ANN001 - a zero-arg predicate
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise StackError(f"{name} exited with code {process.returncode}; see {self.work_dir / name}.log")
            if check():
                log.info("ready", part=part)
                return
            time.sleep(0.1)
        raise StackError(f"{part} not ready in time; see {self.work_dir / part}.log")

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise StackError(f"{name} exited with code {process.returncode}; see {self.work_dir / name}.log")
        if self.broker:
            try:
                self.broker.check_alive()
            except BrokerError as exc:
                raise StackError(str(exc)) from None

    def stop(self) -> None:
        try:
            for process in self.processes.values():
                if process.poll() is None:
                    process.terminate()
            deadline = time.monotonic() + STOP_GRACE_S
            for name, process in self.processes.items():
                try:
                    process.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    log.warning("stop_grace_exceeded", part=name, grace_s=STOP_GRACE_S, pid=process.pid)
        finally:
            # Also when a second signal interrupts the wait: a child stuck in C code (its
            # SIGTERM handler never runs) must not outlive the stack.
            for process in self.processes.values():
                if process.poll() is None:
                    process.kill()
                    process.wait()
            self.processes.clear()
            if self.broker:
                self.broker.stop()

    def __enter__(self) -> LocalStack:
        if threading.current_thread() is threading.main_thread():
            # SIGTERM would end this process without unwinding; make it unwind, so the
            # children and the broker are stopped by __exit__.
            signal.signal(signal.SIGTERM, _raise_exit)
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


class StopSignals:
    """From `with` on, SIGINT and SIGTERM are recorded, not acted on, and `wait` returns the
    first: one sent once the process has said it is up (enter before printing that) is
    never lost, dropped, or raised in the middle of a liveness check.

    Python runs a signal's handler in the main thread between two bytecodes, whichever
    thread the kernel delivered the signal to (a blocked mask plus sigtimedwait is not
    enough: a signal arriving while the main thread is busy goes to another thread). The
    handler only appends to a list: a handler that waits on anything the interrupted code
    may hold deadlocks, as `broker`'s did (Popen.wait inside Popen.wait). Leaving the block
    restores the previous handlers, so a second Ctrl-C interrupts the stop that follows
    (and the stop then kills what is left)."""

    def __enter__(self) -> StopSignals:
        self._received: list[int] = []
        self._previous = {sig: signal.signal(sig, self._record) for sig in STOP_SIGNALS}
        return self

    def _record(self, signum: int, _frame: object) -> None:
        self._received.append(signum)

    def wait(self, check_alive: Callable[[], None], every_s: float = 0.2) -> int:
        """The number of the first stop signal (seen within `every_s`); `check_alive` (it
        raises when a part has died) runs every `every_s` meanwhile."""
        while not self._received:
            check_alive()
            time.sleep(every_s)
        log.info("stop_signal", signal=signal.Signals(self._received[0]).name)
        return self._received[0]

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def _raise_exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False
