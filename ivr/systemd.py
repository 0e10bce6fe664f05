"""Telling systemd how the service is doing (the ``sd_notify`` protocol), with no library.

Under a ``Type=notify`` unit systemd passes ``NOTIFY_SOCKET``, a datagram socket: the
service sends ``READY=1`` once it serves, ``STOPPING=1`` when it stops and, when the unit
sets ``WatchdogSec=``, ``WATCHDOG=1`` at least that often. The watchdog is fed from the
event loop itself, so a loop that is stuck (a blocking call, a busy loop) stops feeding it
and systemd restarts the service. Outside systemd every call does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Mapping


def notify(message: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send ``message`` (``KEY=value`` lines) to systemd; False when not under systemd."""
    address = (os.environ if environ is None else environ).get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        sock.connect(address)
        sock.sendall(message.encode())
    return True


def watchdog_period(environ: Mapping[str, str] | None = None) -> float | None:
    """How often to feed the watchdog (half its timeout), or None when systemd does not
    watch this process."""
    env = os.environ if environ is None else environ
    usec, pid = env.get("WATCHDOG_USEC", ""), env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):
        return None
    return int(usec) / 2_000_000


async def _feed(period: float) -> None:
    while True:
        notify("WATCHDOG=1")
        await asyncio.sleep(period)


@contextlib.asynccontextmanager
async def watchdog() -> AsyncIterator[None]:
    """Feed systemd's watchdog from this event loop while the block runs."""
    period = watchdog_period()
    if period is None:
        yield
        return
    task = asyncio.create_task(_feed(period), name="systemd-watchdog")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
