"""StopSignals: a stop signal sent while a supervisor checks its children is taken, not
dropped and not raised in the middle of the check; a dead child ends the wait."""

from __future__ import annotations

import os
import signal

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


def test_a_dead_part_ends_the_wait_with_its_error_and_the_signals_are_unblocked_again() -> None:
    def check_alive() -> None:
        raise RuntimeError("worker exited with code 1")

    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    with pytest.raises(RuntimeError, match="worker exited"), StopSignals() as signals:
        signals.wait(check_alive)
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before
