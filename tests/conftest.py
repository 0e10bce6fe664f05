"""Fixtures shared by the whole suite live in tests/fixtures/ and are registered here."""

import os

import pytest
from hypothesis import settings

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.browser",
    "tests.fixtures.pbx",
    "tests.fixtures.smsc",
    "tests.fixtures.mail",
]

# In CI, property tests draw the same examples every run (a red run is reproducible)
# and no example fails for being slow on a loaded machine.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


PBX_FIXTURES = frozenset({"asterisk_root", "pbx", "phone_network"})
"""Fixtures that provision or start a real Asterisk."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that needs a real Asterisk must say so, so ``-m "not asterisk"`` is a quick
    suite that needs no PBX."""
    unmarked = [
        item.nodeid
        for item in items
        if PBX_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("asterisk") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests using a real Asterisk lack the 'asterisk' marker: " + ", ".join(unmarked)
        )
