"""Provisioning is idempotent: a warm run is a stamp check."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.fixtures.pbx import PROVISION

pytestmark = pytest.mark.asterisk


def test_warm_provisioning_is_fast(asterisk_root: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [str(PROVISION)], capture_output=True, text=True, timeout=60, check=True
    )
    assert time.monotonic() - started < 5
    assert Path(result.stdout.strip().splitlines()[-1]) == asterisk_root
    assert (asterisk_root / "usr/sbin/asterisk").exists()
