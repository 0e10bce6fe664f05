"""The SMS channel at run time: the link to the SMSC (bound again after any loss), the
writers of its records, the handling of messages from phones, the dispatch engine
that sends the alerts, and residents' one-time codes (when IVR_SECRET_KEY is set: the
codes' keys derive from it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import asyncpg

from ivr.accounts.one_time_codes import CodeKeys
from ivr.channels.runtime import retry_policy
from ivr.channels.sms.inbox import SmsInbox
from ivr.channels.sms.link import SmsLink
from ivr.channels.sms.one_time_codes import SmsCodeSender
from ivr.channels.sms.records import SmsRecords
from ivr.channels.sms.sender import SmsSender, sender_address
from ivr.config import Settings
from ivr.dispatch.engine import DispatchEngine, engine_owner_id
from ivr.dispatch.queue import DispatchQueue
from ivr.smpp.session import Credentials, SmppSession

log = logging.getLogger(__name__)

LEASE_SECONDS = 15.0
IN_FLIGHT_PER_WINDOW = 4
"""Attempts in flight per part the window allows: a message waits for its turn in the
window or the rate, not for a claim."""


@dataclass(frozen=True)
class SmsRuntime:
    link: SmsLink
    engine: DispatchEngine
    engine_task: asyncio.Task[None]
    """The engine and everything the channel runs; ends only if one of them fails."""

    def health(self) -> Mapping[str, bool]:
        return {"smpp": self.link.up, "engine": not self.engine_task.done()}


@contextlib.asynccontextmanager
async def sms_runtime(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[SmsRuntime]:
    """Run the SMS channel while the block runs."""
    records = SmsRecords(pool)
    inbox: SmsInbox

    def open_session() -> asyncio.Future[SmppSession]:
        return asyncio.ensure_future(
            SmppSession.open(
                settings.smpp_host,
                settings.smpp_port,
                Credentials(
                    settings.smpp_system_id, settings.smpp_password, settings.smpp_system_type
                ),
                on_deliver=inbox.on_deliver,
                tls=ssl.create_default_context() if settings.smpp_tls else None,
                window=settings.smpp_window,
            )
        )

    link = SmsLink(open_session, per_second=settings.sms_per_second)
    source = sender_address(settings.smpp_source_addr)
    inbox = SmsInbox(pool, link, records, source=source, office_phone=settings.office_phone)
    sender = SmsSender(pool, link, records, source=settings.smpp_source_addr)
    queue = DispatchQueue(
        pool,
        channel="sms",
        owner=engine_owner_id(),
        policy=retry_policy(settings),
        lease_seconds=LEASE_SECONDS,
    )
    in_flight = settings.smpp_window * IN_FLIGHT_PER_WINDOW
    engine = DispatchEngine(
        queue, sender, max_in_flight=in_flight, starts_per_second=None, claim_batch=in_flight // 2
    )

    parts = [records.run(), link.run(), inbox.run(), engine.run()]
    if settings.secret_key:
        codes = SmsCodeSender(pool, link, CodeKeys(settings.secret_key), source=source)
        parts.append(codes.run())
    else:
        log.info("one-time codes are not sent by SMS: IVR_SECRET_KEY is not set")

    async def run_all() -> None:
        async with asyncio.TaskGroup() as tasks:
            for part in parts:
                tasks.create_task(part)

    task = asyncio.create_task(run_all(), name="sms-dispatch")
    try:
        yield SmsRuntime(link, engine, task)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
