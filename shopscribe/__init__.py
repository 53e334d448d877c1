"""Wiring for the shopscribe processes: settings, CLI, logging, metrics, embedded broker."""

__version__ = "0.1.0"
