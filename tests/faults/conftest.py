"""Fault tests: see faultkit.py for the helpers."""

from faultkit import echo_stack, pytest_collection_modifyitems  # noqa: F401


def pytest_configure(config) -> None:  # noqa: ANN001
    config.addinivalue_line("markers", "faults: fault-injection tests (kill -9, SIGSTOP, slow model, TLS)")
