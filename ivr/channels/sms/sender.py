"""The SMS channel's ``Sender``: an attempt is the alert's text, in the member's
language, submitted part by part through the link; it is ``accepted`` once the SMSC has
taken every part. The SMSC's answers are written before the attempt is reported, with
the outcome, so an engine that stops right after does not send the message again.

What the SMSC answers decides the outcome:
- a destination it refuses (``ESME_RINVDSTADR``, bad TON/NPI): ``undeliverable``, the
  number is marked "no SMS" and, if it is probably a landline, called instead;
- anything else that is not "taken": ``failed``, tried again by the retry policy
  (the sender refused is our settings' fault, and logged as such).
Delivery receipts come later, through ``SmsRecords``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from ivr.channels.sms.link import LinkDown, SmsLink
from ivr.channels.sms.parts import message_parts
from ivr.channels.sms.records import SmsRecords
from ivr.dispatch.sender import AttemptResult, Claim
from ivr.domain.outcomes import Outcome
from ivr.smpp.session import ESME_ROK, status_text
from ivr.storage import sms as sms_store
from ivr.storage.database import persistently
from ivr.storage.sms import PartRecord

log = logging.getLogger(__name__)

DESTINATION_REFUSED = frozenset({0x0B, 0x50, 0x51})
"""ESME_RINVDSTADR, ESME_RINVDSTTON, ESME_RINVDSTNPI: this number cannot take SMS."""
SENDER_REFUSED = frozenset({0x0A, 0x48, 0x49})
"""ESME_RINVSRCADR, ESME_RINVSRCTON, ESME_RINVSRCNPI: our sender address (settings)."""
LINK_WAIT_SECONDS = 120.0
"""An attempt waits this long for the gateway; then it fails and the policy retries."""
REGISTERED_DELIVERY = 0x01
"""A receipt for the final outcome, success or failure."""
TEXTS_KEPT = 64
"""Alerts whose texts are kept in memory (the latest ones)."""


@dataclass(frozen=True)
class Address:
    ton: int
    npi: int
    digits: str


def sender_address(source: str) -> Address:
    """Settings' sender: a 10-digit North American number as international (TON 1,
    E.164 plan), or an alphanumeric name (TON 5)."""
    if source.isdigit():
        return Address(1, 1, "1" + source)
    return Address(5, 0, source)


def destination_address(e164: str) -> Address:
    return Address(1, 1, e164.removeprefix("+"))


class SmsSender:
    def __init__(
        self, pool: asyncpg.Pool, link: SmsLink, records: SmsRecords, *, source: str
    ) -> None:
        self.pool = pool
        self.link = link
        self.records = records
        self.source = sender_address(source)
        self._texts: dict[int, dict[str, str]] = {}

    async def deliver(self, claim: Claim) -> AttemptResult:
        text = (await self._alert_texts(claim.alert_id)).get(claim.language)
        if text is None:
            return AttemptResult(Outcome.FAILED, detail=f"no SMS text in {claim.language}")
        destination = destination_address(claim.address)
        records: list[PartRecord] = []
        outcome, detail, first_id = Outcome.ACCEPTED, "", None
        for part in message_parts(text, reference=claim.attempt_id):
            try:
                submitted = await self.link.submit(
                    LINK_WAIT_SECONDS,
                    source_addr_ton=self.source.ton,
                    source_addr_npi=self.source.npi,
                    source_addr=self.source.digits,
                    dest_addr_ton=destination.ton,
                    dest_addr_npi=destination.npi,
                    destination_addr=destination.digits,
                    esm_class=part.esm_class,
                    registered_delivery=REGISTERED_DELIVERY,
                    data_coding=part.data_coding,
                    short_message=part.short_message,
                )
            except LinkDown as error:
                outcome, detail = Outcome.FAILED, str(error)
                break
            status = submitted.response.status
            message_id = submitted.response.message_id or None
            first_id = first_id or message_id
            records.append(
                PartRecord(claim.attempt_id, part.number, part.total, message_id, status,
                           submitted.throttled, submitted.resubmitted)
            )  # fmt: skip
            if status != ESME_ROK:
                outcome, detail = self._refused(status), f"SMSC: {status_text(status)}"
                break
        settled = (claim.attempt_id, outcome.value) if outcome is Outcome.ACCEPTED else None
        await self.records.parts.put((records, settled))
        return AttemptResult(outcome, provider_message_id=first_id, detail=detail)

    async def follow(self, claim: Claim) -> AttemptResult:
        """Never asked: no SMS attempt is under way outside this process."""
        return AttemptResult(Outcome.FAILED, detail="nothing to follow")

    async def live_references(self) -> set[str]:
        return set()

    async def closed(self, claims: Sequence[Claim]) -> None:
        await self.records.closed(claims)

    def _refused(self, status: int) -> Outcome:
        if status in DESTINATION_REFUSED:
            return Outcome.UNDELIVERABLE
        if status in SENDER_REFUSED:
            log.error("SMS gateway refuses our sender address: check IVR_SMPP_SOURCE_ADDR",
                      extra={"status": status_text(status)})  # fmt: skip
        return Outcome.FAILED

    async def _alert_texts(self, alert_id: int) -> dict[str, str]:
        """An alert's texts do not change once it is launched: read once."""
        texts = self._texts.get(alert_id)
        if texts is None:
            texts = await persistently(
                lambda: sms_store.alert_texts(self.pool, alert_id), what="read the alert's texts"
            )
            self._texts[alert_id] = texts
            if len(self._texts) > TEXTS_KEPT:
                del self._texts[next(iter(self._texts))]
        return texts
