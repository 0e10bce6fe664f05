"""The Asterisk instances ``ivr serve`` manages never outlive it: not after SIGKILL, not
after SIGTERM; an instance left running by a dead owner (here: one with another AMI
secret) is stopped before the start, never used. Real processes."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import secrets
import signal
import socket
from pathlib import Path

import pytest

from ivr.asterisk.layout import InstanceLayout
from ivr.channels.voice.pbx import product_asterisk
from ivr.config import Settings
from tests.fixtures.pbx import free_port
from tests.voice.harness import start_serve

pytestmark = pytest.mark.asterisk


def running_instances(root: Path, *names: str) -> dict[str, list[int]]:
    """Pids of the Asterisk processes reading each instance's asterisk.conf."""
    found: dict[str, list[int]] = {name: [] for name in names}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state == "Z" or not command or not command[0].endswith(b"asterisk"):
            continue
        for name in names:
            conf = str(InstanceLayout(root, name).asterisk_conf).encode()
            if conf in command:
                found[name].append(int(entry.name))
    return found


async def gone(root: Path, *names: str, within: float = 15.0) -> bool:
    async with asyncio.timeout(within):
        while any(running_instances(root, *names).values()):
            await asyncio.sleep(0.2)
    return True


async def test_managed_asterisk_never_outlives_serve_nor_serves_a_stale_configuration(
    pbx_settings: Settings, database_url: str, tmp_path: Path, instance_name: str
) -> None:
    root = pbx_settings.asterisk_root
    name = instance_name
    names = (name, f"{name}-simnet")
    old_secret, new_secret = secrets.token_hex(16), secrets.token_hex(16)
    settings = dataclasses.replace(
        pbx_settings,
        asterisk_instance=name,
        ami_port=free_port(),
        ami_secret=old_secret,
        fastagi_port=free_port(),
        sip_bind_port=free_port(socket.SOCK_DGRAM),
        sip_trunk_port=free_port(socket.SOCK_DGRAM),
    )
    # A stale instance with the old AMI secret, as a killed owner of an older version
    # (without the parent-death signal) would leave it.
    stale = product_asterisk(settings)
    stale.start()
    assert running_instances(root, name)[name] == [stale.pid]

    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(
        IVR_DATA_DIR=str(tmp_path / "var"),
        IVR_DATABASE_URL=database_url,
        IVR_WEB_PORT=str(free_port()),
        IVR_ASTERISK_ROOT=str(root),
        IVR_ASTERISK_INSTANCE=name,
        IVR_AMI_PORT=str(settings.ami_port),
        IVR_AMI_SECRET=new_secret,
        IVR_FASTAGI_PORT=str(settings.fastagi_port),
        IVR_SIP_BIND_PORT=str(settings.sip_bind_port),
        IVR_SIP_TRUNK_PORT=str(settings.sip_trunk_port),
        IVR_DEMO_PHONE_NETWORK="true",
    )
    log = tmp_path / "serve.log"
    try:
        first = await start_serve(env, log)  # logs in with the new secret: not the stale one
        instances = running_instances(root, *names)
        assert all(len(pids) == 1 for pids in instances.values()), instances
        assert stale.pid not in instances[name]
        assert "stopping a stale instance" in log.read_text()

        first.send_signal(signal.SIGKILL)
        await first.wait()
        assert await gone(root, *names)  # the kernel stopped both with their owner

        second = await start_serve(env, log)
        assert all(len(pids) == 1 for pids in running_instances(root, *names).values())
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 60) == 0
        assert not any(running_instances(root, *names).values())  # a clean stop stops them
    finally:
        stale.stop()
        for pids in running_instances(root, *names).values():
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
    assert "Traceback" not in log.read_text()
