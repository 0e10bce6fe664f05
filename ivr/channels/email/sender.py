"""The email channel's ``Sender``: an attempt is one email, built for the member's
language and sent through the relay; the relay's answer decides the outcome and is
written before the attempt is reported, so an engine that stops right after a ``250``
does not send the email again.

- ``250`` to DATA: ``accepted`` (a bounce may later make it ``undeliverable``);
- 5xx to RCPT, or to DATA with a mailbox status (5.1.x, 5.2.1): ``undeliverable``, the
  address is flagged invalid, no retry;
- 5xx to DATA for another reason (content, policy): ``rejected``, no retry, logged;
- 5xx to MAIL FROM: ``failed`` (retried) and logged: the relay refuses our sender;
- 4xx anywhere, a lost connection, a timeout, a relay out of reach: ``failed``, retried
  by the policy (twice, like a call).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence

import asyncpg

from ivr.channels.email.messages import Sending, build_email
from ivr.channels.email.relay import RelayAnswer, SmtpRelay
from ivr.channels.email.signing import SigningPool
from ivr.dispatch.batches import Batches
from ivr.dispatch.sender import AttemptResult, Claim
from ivr.domain.outcomes import Outcome
from ivr.storage import email as email_store
from ivr.storage.database import persistently
from ivr.storage.email import AlertEmail

log = logging.getLogger(__name__)

ALERTS_KEPT = 64
"""Alerts whose email contents are kept in memory (the latest ones)."""
_MAILBOX_STATUS = re.compile(r"^5\.(1\.[0-9]+|2\.1)\b")
"""Enhanced status codes (RFC 3463) that blame the address: bad or disabled mailbox."""

ProvisionalOutcome = tuple[int, str, str | None, str]


def outcome_of(answer: RelayAnswer) -> Outcome:
    code = answer.code
    if answer.accepted:
        return Outcome.ACCEPTED
    if code is None or not 500 <= code < 600:
        return Outcome.FAILED
    if answer.stage == "rcpt":
        return Outcome.UNDELIVERABLE
    if answer.stage == "data":
        return Outcome.UNDELIVERABLE if _MAILBOX_STATUS.match(answer.text) else Outcome.REJECTED
    return Outcome.FAILED


class EmailSender:
    def __init__(
        self,
        pool: asyncpg.Pool,
        relay: SmtpRelay,
        sending: Sending,
        signing: SigningPool | None = None,
    ) -> None:
        self.pool = pool
        self.relay = relay
        self.sending = sending
        self.signing = signing
        self.outcomes: Batches[ProvisionalOutcome, None] = Batches(self._write_outcomes)
        self._alerts: dict[int, AlertEmail | None] = {}

    async def deliver(self, claim: Claim) -> AttemptResult:
        alert = await self._alert(claim.alert_id)
        if alert is None or not alert.contents:
            return AttemptResult(Outcome.FAILED, detail="the alert has no email text")
        outgoing = build_email(
            self.sending,
            alert,
            language=claim.language,
            recipient=claim.address,
            reference=claim.reference,
            contact_point_id=claim.contact_point_id,
        )
        if self.signing is not None:
            outgoing = dataclasses.replace(outgoing, data=await self.signing.sign(outgoing.data))
        answer = await self.relay.send(outgoing)
        outcome = outcome_of(answer)
        detail = str(answer) + (f" (sent {answer.resent + 1} times)" if answer.resent else "")
        if outcome is Outcome.REJECTED:
            log.warning("the relay refuses an alert email's content",
                        extra={"attempt": claim.reference, "answer": str(answer)})  # fmt: skip
        elif answer.stage == "mail" and outcome is Outcome.FAILED and answer.code:
            log.error("the relay refuses our sender: check IVR_SMTP_FROM and IVR_BOUNCE_ADDRESS",
                      extra={"answer": str(answer)})  # fmt: skip
        elif answer.stage == "connect":
            log.warning("mail relay out of reach", extra={"reason": answer.text})
        if outcome is not Outcome.FAILED:
            await self.outcomes.put((claim.attempt_id, outcome.value, outgoing.message_id, detail))
        return AttemptResult(outcome, provider_message_id=outgoing.message_id, detail=detail)

    async def follow(self, claim: Claim) -> AttemptResult:
        """Never asked: no email attempt is under way outside this process."""
        return AttemptResult(Outcome.FAILED, detail="nothing to follow")

    async def live_references(self) -> set[str]:
        return set()

    async def closed(self, claims: Sequence[Claim]) -> None:
        """Nothing comes later on the connection: bounces are read by ``read-bounces``."""

    async def _write_outcomes(self, rows: list[ProvisionalOutcome]) -> list[None]:
        async def write() -> None:
            async with self.pool.acquire() as conn, conn.transaction():
                await email_store.provisional_outcomes(conn, rows)

        await persistently(write, what="record the relay's answers")
        return [None] * len(rows)

    async def _alert(self, alert_id: int) -> AlertEmail | None:
        """An alert's contents do not change once it is launched: read once."""
        if alert_id not in self._alerts:
            self._alerts[alert_id] = await persistently(
                lambda: email_store.alert_email(self.pool, alert_id), what="read the alert's email"
            )
            if len(self._alerts) > ALERTS_KEPT:
                del self._alerts[next(iter(self._alerts))]
        return self._alerts[alert_id]
