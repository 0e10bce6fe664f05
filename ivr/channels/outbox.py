"""A table of messages to send, drained as rows arrive.

The one-time codes (by text and by call), the notices about an account and the email
verification links each wait in such a table until their sender takes them; one loop,
this one, drains them all. Woken by the table's ``NOTIFY`` (and every ``SWEEP_SECONDS``
anyway: a notice is lost with its connection), a round takes the pending rows
``TAKEN_AT_ONCE`` at a time and hands each to the sender, which writes how it went,
until a batch comes back short. A row put back to be tried again must say when (an
email link waits ``RETRY_SECONDS``): otherwise a full batch of them would be taken again
at once. A database away is logged; the next round tries again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ivr.storage.database import DATABASE_ERRORS

SWEEP_SECONDS = 5.0
TAKEN_AT_ONCE = 20

Row = TypeVar("Row")


@dataclass(frozen=True)
class Outbox(Generic[Row]):
    """One table: how to take up to so many of its pending rows, and how to send one."""

    take: Callable[[int], Awaitable[Sequence[Row]]]
    send: Callable[[Row], Coroutine[Any, Any, None]]


async def drain(
    listen: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
    outboxes: Sequence[Outbox[Any]],
    *,
    log: logging.Logger,
    not_sent: str,
    before: Callable[[], Awaitable[None]] | None = None,
    concurrent: bool = False,
) -> None:
    """Send what ``outboxes`` hold, in that order, each round, until cancelled.

    ``listen`` sets the event it is given when rows arrive; ``before`` runs first in
    each round; a database error is logged on ``log`` as ``not_sent``. ``concurrent``
    sends each row in its own task (a call lasts a while) instead of one after the other.
    """
    woken = asyncio.Event()
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(listen(woken))
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SWEEP_SECONDS):
                    await woken.wait()
            woken.clear()
            try:
                if before is not None:
                    await before()
                for outbox in outboxes:
                    await _send_pending(outbox, tasks if concurrent else None)
            except DATABASE_ERRORS as error:
                log.warning(not_sent, extra={"error": str(error)})


async def _send_pending(outbox: Outbox[Row], tasks: asyncio.TaskGroup | None) -> None:
    """Batch after batch until one comes back short; with ``tasks``, each row in its own."""
    while True:
        rows = await outbox.take(TAKEN_AT_ONCE)
        for row in rows:
            if tasks is None:
                await outbox.send(row)
            else:
                tasks.create_task(outbox.send(row))
        if len(rows) < TAKEN_AT_ONCE:
            return
