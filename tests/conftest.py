"""Fixtures shared by the whole suite live in tests/fixtures/ and are registered here."""

import os

from hypothesis import settings

pytest_plugins = ["tests.fixtures.database", "tests.fixtures.browser", "tests.fixtures.pbx"]

# In CI, property tests draw the same examples every run (a red run is reproducible)
# and no example fails for being slow on a loaded machine.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
