"""The voice channel: one attempt is one outbound call over the carrier trunk.

The call is originated over AMI with the attempt's reference (``ivr-<delivery>-<attempt>``)
as its ChannelId, into the dialplan's ``ivr-alert`` context, which runs answering-machine
detection and hands the call to the FastAGI alert flow. The Hangup event's Q.850 cause tells why an
unanswered call failed; the flow's own account tells what an answered one achieved.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from collections.abc import Sequence

import asyncpg
import phonenumbers
from panoramisk.message import Message

from ivr.asterisk.ami import (
    AmiClient,
    AmiError,
    CallEvents,
    OriginateOutcomeUnknown,
    OriginateRequest,
    trunk_channel,
)
from ivr.channels.voice.call_registry import CallRegistry
from ivr.dispatch.sender import AttemptResult, Claim
from ivr.domain.call_outcome import unanswered_outcome
from ivr.domain.outcomes import Outcome
from ivr.storage import voice as voice_store
from ivr.storage.database import persistently

log = logging.getLogger(__name__)

ALERT_CONTEXT = "ivr-alert"
REFERENCE_PREFIX = "ivr-"
"""Every attempt reference starts so (the claim query makes them); the PBX's other
channels (inbound calls, the trunk's side of a call) are not ours to follow."""
HANGUP_EVENT_WAIT = 5.0
FLOW_FINISH_WAIT = 5.0
AMI_RECONNECT_WAIT = 60.0
LIVENESS_INTERVAL = 3.0
LIVE_CHECK_WAIT = 2.0
DATABASE_WAIT = 60.0
"""How long a call's bookkeeping waits out a database outage before giving up."""
FLOW_TOKEN_VARIABLE = "IVR_FLOW_TOKEN"  # noqa: S105 (a variable name, not a secret)


class UndialableNumber(ValueError):
    """The contact's number cannot be dialed over the trunk."""


def dial_string(e164: str) -> str:
    """What the carrier is sent: 10 digits for North America, 011 + number elsewhere."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException as error:
        raise UndialableNumber(f"{e164!r}: {error}") from None
    if number.country_code == 1:
        return f"{number.national_number:010d}"
    return f"011{number.country_code}{number.national_number}"


def hangup_cause(event: Message | None) -> int | None:
    """The Q.850 cause of a Hangup event, if there is one."""
    if event is None:
        return None
    try:
        return int(event.get("Cause", ""))
    except ValueError:
        return None


class VoiceSender:
    """Places alert calls through the product's Asterisk."""

    def __init__(
        self,
        ami: AmiClient,
        pool: asyncpg.Pool,
        registry: CallRegistry,
        *,
        caller_id_name: str,
        caller_id_number: str,
        ring_timeout: float,
        max_call_seconds: float = 900.0,
    ) -> None:
        self.ami = ami
        self.pool = pool
        self.registry = registry
        self.caller_id = f'"{caller_id_name}" <{caller_id_number}>'
        self.ring_timeout = ring_timeout
        self.max_call_seconds = max_call_seconds

    async def deliver(self, claim: Claim) -> AttemptResult:
        try:
            channel = trunk_channel(dial_string(claim.address))
        except UndialableNumber as error:
            # Nothing to retry: the number itself is wrong. The contact is flagged.
            log.warning("number cannot be dialed", extra={"reference": claim.reference})
            return AttemptResult(Outcome.UNDELIVERABLE, detail=str(error)[:300])
        # The call flow will accept the FastAGI session of this call only with this
        # token (a channel variable): no other local process can act as the call.
        token = new_flow_token()
        await persistently(
            lambda: voice_store.set_flow_token(self.pool, claim.attempt_id, token_hash(token)),
            what="store the call's token",
            within=DATABASE_WAIT,
        )
        request = OriginateRequest(
            channel_id=claim.reference,
            channel=channel,
            timeout_seconds=self.ring_timeout,
            context=ALERT_CONTEXT,
            caller_id=self.caller_id,
            variables={FLOW_TOKEN_VARIABLE: token},
        )
        loop = asyncio.get_running_loop()
        # A short AMI outage must not cost the resident one of their attempts.
        await self.ami.wait_connected(AMI_RECONNECT_WAIT)
        connection = self.ami.connections
        started = loop.time()
        async with self.ami.watch(claim.reference) as events:
            try:
                result = await self.ami.originate(request)
            except OriginateOutcomeUnknown as error:
                # The call may exist: never dial again blindly; wait for it to end.
                log.warning("originate outcome unknown", extra={"reference": claim.reference})
                return await self._after_unknown(claim, events, connection, str(error))
            if not result.answered:
                hangup = await self._hangup_event(events, HANGUP_EVENT_WAIT)
                cause = hangup_cause(hangup)
                return AttemptResult(
                    unanswered_outcome(result.reason, cause),
                    hangup_cause=cause,
                    ring_seconds=loop.time() - started,
                    detail=f"reason {result.reason}",
                )
            answered = loop.time()
            hangup = await self._call_end(events, connection, self.max_call_seconds)
            talk = loop.time() - answered
        outcome = await self._flow_outcome(claim)
        return AttemptResult(
            outcome,
            hangup_cause=hangup_cause(hangup),
            ring_seconds=answered - started,
            talk_seconds=talk,
            detail="" if hangup is not None else "no hangup event",
        )

    async def follow(self, claim: Claim) -> AttemptResult:
        """A call placed by an engine that stopped, still live on the PBX (ringing, or
        answered and served by this process's call flow): its end, and how it ended."""
        await self.ami.wait_connected(AMI_RECONNECT_WAIT)
        connection = self.ami.connections
        async with self.ami.watch(claim.reference) as events:
            hangup = None
            # Watching first, then looking: a call that ends in between is not missed.
            if claim.reference in await self.live_references():
                hangup = await self._call_end(events, connection, self.max_call_seconds)
        flow = await self._flow_result(claim)
        cause = hangup_cause(hangup)
        if flow is not None and flow.answered:
            outcome = await self._flow_outcome(claim)
        elif cause is not None:
            outcome = unanswered_outcome(None, cause)
        else:
            outcome = Outcome.FAILED
        return AttemptResult(outcome, hangup_cause=cause, detail="adopted after the engine stopped")

    async def is_live(self, reference: str) -> bool | None:
        """Whether the call ``reference`` is on the PBX now; None if AMI cannot tell
        (reconnecting for longer than a moment)."""
        try:
            await self.ami.wait_connected(LIVE_CHECK_WAIT)
            return reference in await self.live_references()
        except (AmiError, TimeoutError):
            return None

    async def live_references(self) -> set[str]:
        """References of our calls that Asterisk still has (their ChannelIds)."""
        return await self.ami.live_channel_ids(REFERENCE_PREFIX)

    async def closed(self, claims: Sequence[Claim]) -> None:
        """Nothing to add: a call's flow writes everything while the call goes."""

    async def _after_unknown(
        self, claim: Claim, events: CallEvents, connection: int, detail: str
    ) -> AttemptResult:
        hangup = await self._call_end(events, connection, self.max_call_seconds)
        flow = await self._flow_result(claim)
        if flow is not None and flow.answered:
            return AttemptResult(await self._flow_outcome(claim), hangup_cause=hangup_cause(hangup))
        return AttemptResult(Outcome.FAILED, hangup_cause=hangup_cause(hangup), detail=detail[:300])

    async def _call_end(self, events: CallEvents, connection: int, within: float) -> Message | None:
        """Wait for the call to end: its Hangup event or, when the AMI connection dropped
        during the call (events may have been lost), its absence from Asterisk's channels."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while (remaining := deadline - loop.time()) > 0:
            hangup = await self._hangup_event(events, min(LIVENESS_INTERVAL, remaining))
            if hangup is not None:
                return hangup
            if self.ami.connections == connection and self.ami.connected:
                continue  # no events were missed: keep waiting for the Hangup
            with contextlib.suppress(AmiError, TimeoutError):
                if events.channel_id not in await self.live_references():
                    log.info(
                        "call ended while AMI was away", extra={"reference": events.channel_id}
                    )
                    return None
        return None

    async def _hangup_event(self, events: CallEvents, within: float) -> Message | None:
        try:
            return await events.hangup(within)
        except TimeoutError:
            return None

    async def _flow_outcome(self, claim: Claim) -> Outcome:
        """The call flow's outcome, once it finished writing it."""
        await self.registry.wait_finished(claim.reference, FLOW_FINISH_WAIT)
        self.registry.forget(claim.reference)
        flow = await self._flow_result(claim)
        if flow is None or flow.outcome is None:
            # Answered, but the flow never ran or never got far (a hang-up during
            # detection): the person did not hear the message.
            return Outcome.HUNG_UP_DURING_MESSAGE
        return Outcome(flow.outcome)

    async def _flow_result(self, claim: Claim) -> voice_store.FlowResult | None:
        return await persistently(
            lambda: voice_store.flow_result(self.pool, claim.attempt_id),
            what="read the call flow's account",
            within=DATABASE_WAIT,
        )


def new_flow_token() -> str:
    return secrets.token_urlsafe(18)


def token_hash(token: str) -> bytes:
    """What the database keeps of a call's token (the token itself is only on the call)."""
    return hashlib.sha256(token.encode()).digest()
