"""StopSignals: a stop signal sent while a supervisor checks its children is taken, not
dropped and not raised in the middle of the check, whichever thread receives it; a dead
child ends the wait."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from shopscribe.stack import StopSignals


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_sent_during_a_liveness_check_is_returned_by_wait(stop: signal.Signals) -> None:
    checks = []

    def check_alive() -> None:
        checks.append(1)
        if len(checks) == 1:
            os.kill(os.getpid(), stop)  # arrives mid-check: must stay pending, not interrupt

    with StopSignals() as signals:
        assert signals.wait(check_alive, every_s=0.05) == stop
    assert len(checks) == 1


def test_a_signal_is_taken_whichever_thread_the_kernel_delivers_it_to() -> None:
    """A process-directed signal goes to any thread not blocking it (here one is always
    running); the wait must see it all the same."""
    busy = threading.Event()
    spinner = threading.Thread(target=lambda: busy.wait(30), daemon=True)
    spinner.start()
    try:
        with StopSignals() as signals:
            os.kill(os.getpid(), signal.SIGTERM)
            assert signals.wait(lambda: None, every_s=0.05) == signal.SIGTERM
    finally:
        busy.set()


def test_a_dead_part_ends_the_wait_with_its_error_and_the_handlers_are_restored() -> None:
    def check_alive() -> None:
        raise RuntimeError("worker exited with code 1")

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    with pytest.raises(RuntimeError, match="worker exited"), StopSignals() as signals:
        signals.wait(check_alive)
    assert {sig: signal.getsignal(sig) for sig in before} == before
