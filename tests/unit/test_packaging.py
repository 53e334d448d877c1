"""How shopscribe is installed: an application with its own environment.

The product keeps the top-level folders it is known by (`schemas/`, `streams/`, `workers/`,
...), which are also its import names. Names like `schemas` and `workers` exist on PyPI, so
shopscribe is installed only into an environment of its own (the Makefile's `.venv`, the
container images) and never beside other applications; these tests fail the day another
installed distribution provides one of its import names.
"""

from __future__ import annotations

import importlib.metadata

TOP_LEVEL = {"schemas", "foundation", "streams", "workers", "sinks", "shopscribe"}


def test_the_distribution_installs_exactly_the_layered_packages() -> None:
    top_level = importlib.metadata.distribution("shopscribe").read_text("top_level.txt") or ""
    assert set(top_level.split()) == TOP_LEVEL


def test_no_other_installed_distribution_provides_a_shopscribe_import_name() -> None:
    providers = importlib.metadata.packages_distributions()
    clashes = {name: sorted(set(providers.get(name, [])) - {"shopscribe"}) for name in TOP_LEVEL}
    assert not {name: others for name, others in clashes.items() if others}, (
        "another distribution installs a top-level package shopscribe imports; install shopscribe in its own venv"
    )
