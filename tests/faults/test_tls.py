"""TLS for real, through a TLS-terminating proxy (stunnel4) in front of the embedded broker,
with a CA made here by `openssl`: the right CA works end to end (produce, tail, and the
whole stack: Faust streams + kafka-python worker); a wrong CA or a plaintext client fails
with a clear error within seconds, never hangs.

Against a real Kafka with SASL_SSL the same checks run by pointing the settings at it:
SHOPSCRIBE_KAFKA__BOOTSTRAP, __SECURITY_PROTOCOL=SASL_SSL, __SASL_MECHANISM, __SASL_USERNAME,
__SASL_PASSWORD(_FILE), __SSL_CAFILE (docs/reliability.md)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from faultkit import product, record_figures, send_events, version_of

from shopscribe.broker import ensure_topics, free_port, tansu_binary
from shopscribe.clients import tail
from shopscribe.collect import collect
from shopscribe.stack import LocalStack, settings_env

STUNNEL = shutil.which("stunnel4") or shutil.which("stunnel")
pytestmark = pytest.mark.skipif(STUNNEL is None or shutil.which("openssl") is None,
                                reason="stunnel4/openssl not installed (apt-get install -y stunnel4 openssl)")


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(directory: Path, name: str) -> Path:
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=directory)
    return directory / f"{name}.pem"


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory) -> Iterator[dict]:  # noqa: ANN001
    d = tmp_path_factory.mktemp("tls")
    ca = make_ca(d, "test-ca")
    wrong_ca = make_ca(d, "other-ca")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key",
            "-out", "server.csr", cwd=d)
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "test-ca.pem", "-CAkey", "test-ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "san.ext", "-out", "server.pem", cwd=d)
    plain, tls = free_port(), free_port()
    # The broker advertises the TLS port, so clients that bootstrap through stunnel stay on it.
    broker = subprocess.Popen([str(tansu_binary()), "broker", "--listener-url", f"tcp://127.0.0.1:{plain}",
                               "--advertised-listener-url", f"tcp://127.0.0.1:{tls}",
                               "--storage-engine", "memory://tansu/"],
                              stdout=open(d / "broker.log", "wb"), stderr=subprocess.STDOUT)
    (d / "stunnel.conf").write_text(
        f"foreground = yes\npid =\n[kafka]\naccept = 127.0.0.1:{tls}\nconnect = 127.0.0.1:{plain}\n"
        f"cert = {d / 'server.pem'}\nkey = {d / 'server.key'}\n")
    proxy = subprocess.Popen([STUNNEL, str(d / "stunnel.conf")], stdout=open(d / "stunnel.log", "wb"),
                             stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", tls), timeout=1).close()
                break
            except OSError:
                assert proxy.poll() is None, (d / "stunnel.log").read_text()
                assert time.monotonic() < deadline, "stunnel did not listen"
                time.sleep(0.1)
        yield {"dir": d, "ca": ca, "wrong_ca": wrong_ca, "tls": tls, "plain": plain}
    finally:
        for process in (proxy, broker):
            process.terminate()
            process.wait(timeout=10)


def tls_settings(settings_factory, info: dict, ca: Path | None = None, protocol: str = "SSL"):  # noqa: ANN001, ANN201
    return settings_factory("echo", kafka={"bootstrap": f"127.0.0.1:{info['tls']}", "security_protocol": protocol,
                                           "ssl_cafile": ca or info["ca"], "request_timeout_s": 10.0})


def test_right_ca_works_end_to_end_through_tls(settings_factory, tls_broker, tmp_path) -> None:  # noqa: ANN001
    settings = tls_settings(settings_factory, tls_broker)
    ensure_topics(settings.kafka, settings.topics)
    started = time.monotonic()
    with LocalStack(settings, tmp_path / "stack", embedded=False) as stack:  # Faust + kafka-python, both on TLS
        items = [product(f"TLS-{i}") for i in range(5)]
        send_events(stack.settings, stack.settings.topics.products, items)
        latest = collect(stack.settings, stack.settings.topics.descriptions, {p["sku"]: version_of(p) for p in items},
                         180, check=stack.check_alive)
        assert len(latest.by_sku) == len(items)
        tailed = list(tail(stack.settings, stack.settings.topics.products, from_beginning=True, max_messages=5,
                           timeout_s=30))
        assert sorted(m["value"]["sku"] for m in tailed) == sorted(p["sku"] for p in items)
    record_figures("tls_right_ca", events_in=5, results_out=len(latest.by_sku), seconds=round(time.monotonic() - started, 1))


def run_cli(settings, *args: str, timeout_s: float = 60) -> tuple[subprocess.CompletedProcess, float]:  # noqa: ANN001
    env = {**os.environ, **settings_env(settings)}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "shopscribe", *args], env=env, capture_output=True, text=True,
                          timeout=timeout_s)
    return done, time.monotonic() - started


@pytest.mark.parametrize("case", ["wrong_ca", "plaintext_client"])
def test_wrong_ca_or_plaintext_fails_fast_and_clearly(settings_factory, tls_broker, case: str) -> None:  # noqa: ANN001
    if case == "wrong_ca":
        settings = tls_settings(settings_factory, tls_broker, ca=tls_broker["wrong_ca"])
    else:
        settings = tls_settings(settings_factory, tls_broker, protocol="PLAINTEXT")
    done, elapsed = run_cli(settings, "tail", "products.events", "--from-beginning", "--max", "1", "--timeout", "5")
    output = done.stdout + done.stderr
    record_figures(f"tls_{case}", exit_code=done.returncode, seconds=round(elapsed, 1),
                   message=output.strip().splitlines()[-1][:300] if output.strip() else "")
    assert done.returncode != 0, f"{case}: expected a failure, got: {output[-2000:]}"
    assert elapsed < 30, f"{case}: took {elapsed:.0f}s to fail"
    wanted = ("certificate", "ssl", "tls") if case == "wrong_ca" else ("broker", "connect", "kafka")
    assert any(w in output.lower() for w in wanted), output[-2000:]
