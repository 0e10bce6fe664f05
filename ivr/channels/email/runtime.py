"""The email channel at run time: the relay's connections, the writer of its answers,
the dispatch engine that sends the alerts (at most ``IVR_EMAILS_PER_SECOND``), and the
links that confirm addresses residents add on the portal."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import asyncpg

from ivr.channels.email.messages import Sending
from ivr.channels.email.relay import RelaySettings, SmtpRelay
from ivr.channels.email.sender import EmailSender
from ivr.channels.email.signing import DkimSigner, SigningPool
from ivr.channels.email.verification_links import VerificationLinkSender
from ivr.channels.runtime import retry_policy
from ivr.config import Settings, SettingsError
from ivr.dispatch.engine import DispatchEngine, engine_owner_id
from ivr.dispatch.queue import DispatchQueue

log = logging.getLogger(__name__)

LEASE_SECONDS = 120.0
"""Longer than a transaction can take (each SMTP command has 30 s, resends included)."""
SIGNING_WORKERS = 2
"""Processes that make DKIM signatures (beside the event loop's): about 350 signed
emails a second on the reference machine's two cores."""
IN_FLIGHT_PER_CONNECTION = 2
"""Attempts in flight per connection: one sending, one built and waiting its turn."""


@dataclass(frozen=True)
class EmailRuntime:
    relay: SmtpRelay
    engine: DispatchEngine
    engine_task: asyncio.Task[None]

    def health(self) -> Mapping[str, bool]:
        return {"smtp": self.relay.up, "engine": not self.engine_task.done()}


def _from_domain(settings: Settings) -> str:
    return email.utils.parseaddr(settings.smtp_from)[1].rpartition("@")[2]


def email_sending(settings: Settings) -> Sending:
    """How alert emails are addressed; without a fixed secret key for the preference
    links, an error at start."""
    if not settings.secret_key:
        raise SettingsError(
            "IVR_SECRET_KEY: the email channel needs a fixed key (the preference links "
            "in emails must keep working after a restart)"
        )
    return Sending(
        sender=settings.smtp_from,
        bounce_address=settings.bounce_address or f"bounces@{_from_domain(settings)}",
        site_url=settings.site_url,
        secret_key=settings.secret_key,
        office_phone=settings.office_phone,
    )


def dkim_signer(settings: Settings) -> DkimSigner | None:
    """The DKIM signer the settings ask for (a key that cannot sign: an error at start)."""
    if not (settings.dkim_selector or settings.dkim_key_file):
        return None
    if not (settings.dkim_selector and settings.dkim_key_file):
        raise SettingsError("IVR_DKIM_SELECTOR and IVR_DKIM_KEY_FILE go together")
    return DkimSigner.from_file(
        settings.dkim_selector,
        settings.dkim_domain or _from_domain(settings),
        settings.dkim_key_file,
    )


def relay_settings(settings: Settings) -> RelaySettings:
    return RelaySettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        tls=settings.smtp_tls,
        user=settings.smtp_user,
        password=settings.smtp_password,
        ca_file=settings.smtp_ca_file,
        connections=settings.smtp_connections,
    )


@contextlib.asynccontextmanager
async def email_runtime(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[EmailRuntime]:
    """Run the email channel while the block runs."""
    sending = email_sending(settings)
    signer = dkim_signer(settings)
    signing = SigningPool(signer, SIGNING_WORKERS) if signer is not None else None
    relay = SmtpRelay(relay_settings(settings))
    problem = await relay.check()
    if problem is not None:  # one line now; emails wait and are retried meanwhile
        log.error("mail relay unavailable at start", extra={"reason": problem})
    sender = EmailSender(pool, relay, sending, signing)
    links = VerificationLinkSender(pool, relay, sending, signing)
    queue = DispatchQueue(
        pool,
        channel="email",
        owner=engine_owner_id(),
        policy=retry_policy(settings),
        lease_seconds=LEASE_SECONDS,
    )
    in_flight = settings.smtp_connections * IN_FLIGHT_PER_CONNECTION
    engine = DispatchEngine(
        queue,
        sender,
        max_in_flight=in_flight,
        starts_per_second=settings.emails_per_second,
        claim_batch=in_flight,
    )

    async def run_all() -> None:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(sender.outcomes.run())
            tasks.create_task(engine.run())
            tasks.create_task(links.run())

    task = asyncio.create_task(run_all(), name="email-dispatch")
    try:
        yield EmailRuntime(relay, engine, task)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await relay.close()
        if signing is not None:
            await asyncio.to_thread(signing.close)
