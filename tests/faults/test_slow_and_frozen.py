"""A model slower than max.poll.interval, a broker frozen for 20 s, and secrets in logs."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

from faultkit import product, record_figures, send_events, values, version_of

from shopscribe.broker import free_port
from shopscribe.collect import collect
from shopscribe.stack import LocalStack


def test_generation_slower_than_max_poll_interval_causes_no_rebalance_storm(echo_stack) -> None:  # noqa: ANN001
    # Each generate() call takes 12 s; the consumer must poll every 5 s or lose its partitions.
    stack = echo_stack(worker={"echo_delay_s": 12.0, "max_poll_interval_s": 5.0})
    topics = stack.settings.topics
    items = [product(f"SLOW-{i}") for i in range(4)]
    send_events(stack.settings, topics.products, items)
    latest = collect(stack.settings, topics.descriptions, {p["sku"]: version_of(p) for p in items}, 180,
                     check=stack.check_alive)
    assert len(latest.by_sku) == len(items)
    # Give a redelivery (if membership had been lost) time to show up: one more generation.
    first_pid = stack.processes["worker"].pid
    time.sleep(14)  # the fault's own duration (one more slow generation), not a readiness wait
    copies = Counter(r["sku"] for r in values(stack.settings, topics.descriptions))
    log = (stack.work_dir / "worker.log").read_text()
    rebalances = log.count("commit_failed_after_rebalance")
    assert stack.processes["worker"].pid == first_pid and stack.processes["worker"].poll() is None
    assert rebalances == 0, "the worker lost its group membership during a slow generation"
    assert max(copies.values()) == 1, f"redelivered: {copies}"
    record_figures("generation_slower_than_poll_interval", generation_s=12, max_poll_interval_s=5,
                   events_in=len(items), results_out=sum(copies.values()), duplicates=sum(copies.values()) - len(items),
                   commit_failures=rebalances, lost=0)


def test_broker_frozen_for_20s_both_processes_recover_without_restart(settings_factory, tmp_path) -> None:  # noqa: ANN001
    port = free_port()  # its own broker: freezing the session's broker would stall other tests
    settings = settings_factory("echo", kafka={"bootstrap": f"127.0.0.1:{port}"})
    with LocalStack(settings, tmp_path / "stack", embedded=True) as stack:
        topics = stack.settings.topics
        before = [product(f"PRE-{i:03d}") for i in range(50)]
        send_events(stack.settings, topics.products, before)
        collect(stack.settings, topics.descriptions, {p["sku"]: version_of(p) for p in before}, 180,
                check=stack.check_alive)
        pids = {name: p.pid for name, p in stack.processes.items()}

        os.kill(stack.broker.pid, signal.SIGSTOP)
        try:
            frozen_at = time.monotonic()
            time.sleep(20)  # the fault itself: the broker is frozen for 20 s
        finally:
            os.kill(stack.broker.pid, signal.SIGCONT)
        after = [product(f"POST-{i:03d}") for i in range(50)]
        send_events(stack.settings, topics.products, after)
        everything = {p["sku"]: version_of(p) for p in before + after}
        latest = collect(stack.settings, topics.descriptions, everything, 240, check=stack.check_alive)
        recovered_s = time.monotonic() - frozen_at - 20
        assert sorted(latest.by_sku) == sorted(everything)
        assert {name: p.pid for name, p in stack.processes.items()} == pids, "a process was restarted"
        assert all(p.poll() is None for p in stack.processes.values())
        copies = Counter(r["sku"] for r in values(stack.settings, topics.descriptions))
        record_figures("broker_sigstop_20s", events_in=len(everything), results_out=sum(copies.values()),
                       skus_with_result=len(latest.by_sku), lost=len(everything) - len(latest.by_sku),
                       duplicates=sum(copies.values()) - len(copies), seconds_to_all_results_after_sigcont=round(recovered_s, 1))


SECRET = "s3cr3t-Pa55w0rd-do-not-log"


def test_sasl_password_never_reaches_the_logs(settings_factory, tmp_path) -> None:  # noqa: ANN001
    # PLAINTEXT protocol: the password is configured but unused by the embedded broker;
    # what matters is that settings dumps and start-up logs never print it.
    settings = settings_factory("echo", kafka={"sasl_username": "svc", "sasl_password": SECRET,
                                               "sasl_mechanism": "SCRAM-SHA-512"})
    stack = LocalStack(settings, tmp_path / "stack", embedded=False)
    stack.settings = stack.settings.model_copy(update={"log_level": "DEBUG"})
    with stack:
        send_events(stack.settings, stack.settings.topics.products, [product("SECRET-1")])
        collect(stack.settings, stack.settings.topics.descriptions, {"SECRET-1": version_of(product("SECRET-1"))}, 120,
                check=stack.check_alive)
    logs = {name: (tmp_path / "stack" / f"{name}.log").read_text() for name in ("streams", "worker")}
    assert all(logs.values()), "expected log output from both processes"
    for name, text in logs.items():
        assert SECRET not in text, f"the SASL password leaked into the {name} log"
    record_figures("secrets_in_logs", log_lines=sum(t.count("\n") for t in logs.values()), leaks=0)
