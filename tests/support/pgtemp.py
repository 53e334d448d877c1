"""A throwaway PostgreSQL server in a temporary directory (tests, local trials).

Uses the server binaries of Debian's `postgresql` package (`initdb`, `pg_ctl` under
/usr/lib/postgresql/<major>/bin), or any directory given in SHOPSCRIBE_PG_BIN /
`bin_dir`. Listens on 127.0.0.1 and a Unix socket inside the directory only. Refuses to
run as root (PostgreSQL does too): then it runs the server as the `postgres` user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType


class PostgresUnavailable(RuntimeError):
    pass


def find_bin_dir() -> Path | None:
    candidates = [os.environ.get("SHOPSCRIBE_PG_BIN", "")]
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TempPostgres:
    def __init__(self, bin_dir: Path | None = None) -> None:
        found = bin_dir or find_bin_dir()
        if found is None:
            raise PostgresUnavailable(
                "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin "
                "or SHOPSCRIBE_PG_BIN; install them with `apt-get install -y postgresql`")
        self.bin_dir = found
        self.port = _free_port()
        self.root: Path | None = None
        self._user: str | None = None

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={self._user} dbname=postgres connect_timeout=10"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        preexec = None
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            def preexec() -> None:  # noqa: E306 - drop root for the server's own tools
                os.setgid(entry.pw_gid)
                os.setuid(entry.pw_uid)
        result = subprocess.run(command, capture_output=True, text=True, preexec_fn=preexec, timeout=120)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
        return result

    def start(self) -> TempPostgres:
        self.root = Path(tempfile.mkdtemp(prefix="shopscribe-pg-"))
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresUnavailable("running as root and there is no `postgres` user to run the server") from exc
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self._user = "postgres"
        else:
            self._user = pwd.getpwuid(os.geteuid()).pw_name
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", self._user, "--auth=trust", "--encoding=UTF8", "--no-sync")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        if self.root is None:
            return
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        except PostgresUnavailable:
            pass
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
