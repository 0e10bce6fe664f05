"""The systemd units shipped in deploy/systemd/ and the sd_notify messages the app sends."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.systemd import notify, watchdog, watchdog_period

UNITS = Path(__file__).resolve().parent.parent / "deploy" / "systemd"
INSTALLED_IVR = "/opt/information-itum/venv/bin/ivr"
SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze"
EXPOSURE_AT_MOST = {"information-itum.service": 20, "information-itum-asterisk.service": 35}
"""systemd-analyze security's overall exposure (x10) of each unit: the app has no
privilege at all; Asterisk's unit starts as root to chroot and drops to its user."""


@pytest.fixture(scope="module")
def units(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The units, with the installed ``ivr`` replaced by this checkout's (verify checks
    that every command exists)."""
    ivr = Path(sys.executable).with_name("ivr")
    assert ivr.is_file()
    target = tmp_path_factory.mktemp("units")
    for unit in UNITS.glob("*.service"):
        text = unit.read_text(encoding="utf-8")
        assert INSTALLED_IVR in text
        (target / unit.name).write_text(text.replace(INSTALLED_IVR, str(ivr)), encoding="utf-8")
    return target


def analyze(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SYSTEMD_ANALYZE, "--no-pager", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_both_units_are_shipped() -> None:
    assert sorted(p.name for p in UNITS.glob("*.service")) == sorted(EXPOSURE_AT_MOST)


def test_units_verify_without_a_warning(units: Path) -> None:
    result = analyze("verify", *(str(p) for p in sorted(units.glob("*.service"))), cwd=units)
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""  # unknown keys or bad values only warn


@pytest.mark.parametrize("unit", sorted(EXPOSURE_AT_MOST))
def test_units_are_hardened(units: Path, unit: str) -> None:
    threshold = EXPOSURE_AT_MOST[unit]
    result = analyze("security", "--offline=yes", f"--threshold={threshold}", unit, cwd=units)
    assert result.returncode == 0, result.stdout[-600:] + result.stderr


def test_the_app_runs_unprivileged_and_is_watched() -> None:
    lines = set((UNITS / "information-itum.service").read_text(encoding="utf-8").splitlines())
    for line in (
        "Type=notify",
        "Restart=on-failure",
        "User=information-itum",
        "EnvironmentFile=/etc/information-itum/ivr.env",
        "CapabilityBoundingSet=",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "Environment=IVR_ASTERISK_MANAGED=false",
    ):
        assert line in lines
    assert any(line.startswith("WatchdogSec=") for line in lines)


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[socket.socket]:
    """A datagram socket standing where systemd's would be, named in NOTIFY_SOCKET."""
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.settimeout(2)
        yield sock


def received(sock: socket.socket) -> list[str]:
    messages = []
    sock.setblocking(False)
    try:
        while True:
            messages.append(sock.recv(4096).decode())
    except BlockingIOError:
        return messages
    finally:
        sock.settimeout(2)


def test_notify_sends_one_datagram(receiver: socket.socket) -> None:
    assert notify("READY=1\nSTATUS=serving", {"NOTIFY_SOCKET": receiver.getsockname()})
    assert receiver.recv(4096) == b"READY=1\nSTATUS=serving"


def test_notify_reaches_an_abstract_socket() -> None:
    name = f"ivr-test-notify-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        assert notify("STOPPING=1", {"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(4096) == b"STOPPING=1"


def test_without_systemd_nothing_is_sent() -> None:
    assert not notify("READY=1", {})
    assert watchdog_period({}) is None


def test_the_watchdog_is_fed_twice_per_timeout_and_only_for_this_process() -> None:
    own = str(os.getpid())
    assert watchdog_period({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": own}) == 15.0
    assert watchdog_period({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog_period({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog_period({"WATCHDOG_USEC": "0"}) is None


async def test_the_watchdog_stops_when_the_loop_is_stuck(
    receiver: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", receiver.getsockname())
    monkeypatch.setenv("WATCHDOG_USEC", "200000")  # fed every 0.1 s
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    async with watchdog():
        await asyncio.sleep(0.55)
        fed = received(receiver)
        assert len(fed) >= 3
        assert set(fed) == {"WATCHDOG=1"}
        time.sleep(0.5)  # noqa: ASYNC251 -- the loop is stuck on purpose: nothing is sent
        assert received(receiver) == []
        await asyncio.sleep(0.15)
        assert received(receiver) != []  # fed again once the loop runs
    await asyncio.sleep(0.3)
    assert received(receiver) == []  # and no longer after the block
