"""Provisioning is idempotent (a warm run is a stamp check) and gives the root an
asterisk account of its own; the simulated network starts from a clean state."""

from __future__ import annotations

import dataclasses
import grp
import pwd
import socket
import subprocess
import time
from pathlib import Path

import pytest

from ivr.asterisk.config_render import asterisk_ids
from ivr.config import Settings
from simnet.network import STATE_FAMILY, PhoneNetwork
from tests.fixtures.pbx import PROVISION, free_port

pytestmark = pytest.mark.asterisk


def test_warm_provisioning_is_fast(asterisk_root: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [str(PROVISION)], capture_output=True, text=True, timeout=60, check=True
    )
    assert time.monotonic() - started < 5
    assert Path(result.stdout.strip().splitlines()[-1]) == asterisk_root
    assert (asterisk_root / "usr/sbin/asterisk").exists()


def test_the_roots_asterisk_account_means_nothing_else_on_the_host(asterisk_root: Path) -> None:
    """Files Asterisk writes, ps, and the group of manager.conf (which holds the AMI
    secret) show the root's ids as host accounts: they must be free there (or be the
    host's own asterisk account)."""
    uid, gid = asterisk_ids(asterisk_root)
    try:
        host_user = pwd.getpwuid(uid).pw_name
    except KeyError:
        host_user = "asterisk"
    try:
        host_group = grp.getgrgid(gid).gr_name
    except KeyError:
        host_group = "asterisk"
    assert (host_user, host_group) == ("asterisk", "asterisk")


def test_the_simulated_network_forgets_call_counts_when_it_starts(
    pbx_settings: Settings, instance_name: str
) -> None:
    """busy-then-answer counts calls in the root's astdb: a restarted network (the
    demo, another test session) starts from zero, so "busy twice" is busy twice."""
    network = PhoneNetwork.for_settings(
        dataclasses.replace(
            pbx_settings,
            sip_trunk_port=free_port(socket.SOCK_DGRAM),
            sip_bind_port=free_port(socket.SOCK_DGRAM),
        ),
        name=instance_name,
    )
    network.start()
    try:
        network.process.rx(f"database put {STATE_FAMILY} 4189621010 2")
        assert "4189621010" in network.process.rx(f"database show {STATE_FAMILY}")
        network.stop()
        network.start()
        assert "4189621010" not in network.process.rx(f"database show {STATE_FAMILY}")
    finally:
        network.stop()
