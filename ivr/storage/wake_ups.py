"""Waking a sender at a ``NOTIFY`` instead of polling often (it still polls now and
then: a notice can be lost with its connection)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from ivr.storage.database import DATABASE_ERRORS

log = logging.getLogger(__name__)

RELISTEN_SECONDS = 5.0


async def listen_forever(pool: asyncpg.Pool, channel: str, woken: asyncio.Event) -> None:
    """Set ``woken`` at each notice on ``channel``, until cancelled; a lost connection
    is opened again after ``RELISTEN_SECONDS``."""

    def on_notify(*_args: object) -> None:
        woken.set()

    while True:
        lost = asyncio.Event()
        try:
            async with pool.acquire() as conn:
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(channel, on_notify)
                try:
                    await lost.wait()
                finally:
                    with contextlib.suppress(asyncpg.InterfaceError):
                        if not conn.is_closed():
                            await conn.remove_listener(channel, on_notify)
        except DATABASE_ERRORS as error:
            log.warning("listen connection lost", extra={"channel": channel, "error": str(error)})
        await asyncio.sleep(RELISTEN_SECONDS)
