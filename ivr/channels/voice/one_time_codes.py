"""Residents' one-time codes read by a phone call.

Woken by ``NOTIFY ivr_one_time_codes`` (and every few seconds anyway), it takes the
pending voice codes, opens each (``CodeKeys``), and calls the number into the dialplan's
``ivr-one-time-code`` context with a reference ``otc-<id>`` and a fresh token. The code
waits in ``CodeCalls`` (this process's memory) for the call flow, which gets it only
with the call's token. One call per code: one not answered (busy, no answer) or whose
flow never took the code is marked failed and not called again; the resident asks for
another.
"""

from __future__ import annotations

import contextlib
import logging
from functools import partial

import asyncpg
from panoramisk.message import Message

from ivr.accounts.one_time_codes import CodeKeys, is_code
from ivr.asterisk.ami import (
    AmiClient,
    AmiError,
    CallEvents,
    OriginateOutcomeUnknown,
    OriginateRequest,
    trunk_channel,
)
from ivr.channels.outbox import Outbox, drain
from ivr.channels.voice.code_calls import CodeCalls
from ivr.channels.voice.sender import (
    FLOW_TOKEN_VARIABLE,
    HANGUP_EVENT_WAIT,
    UndialableNumber,
    dial_string,
    hangup_cause,
    new_flow_token,
)
from ivr.domain.call_outcome import unanswered_outcome
from ivr.storage import one_time_codes as store
from ivr.storage.database import DATABASE_ERRORS
from ivr.storage.one_time_codes import PendingCode

log = logging.getLogger(__name__)

CODE_CONTEXT = "ivr-one-time-code"
REFERENCE_PREFIX = "otc-"
AMI_WAIT_SECONDS = 60.0
LONGEST_CALL_SECONDS = 120.0
"""The code read twice takes about 15 s; a call still up after this is not waited for."""


class VoiceCodeSender:
    def __init__(
        self,
        pool: asyncpg.Pool,
        ami: AmiClient,
        keys: CodeKeys,
        calls: CodeCalls,
        *,
        caller_id: str,
        ring_timeout: float,
    ) -> None:
        self.pool = pool
        self.ami = ami
        self.keys = keys
        self.calls = calls
        self.caller_id = caller_id
        self.ring_timeout = ring_timeout

    async def run(self) -> None:
        """Call codes as they are issued, each call in its own task, until cancelled."""
        codes = Outbox(partial(store.take_pending, self.pool, "voice"), self._send)
        await drain(
            partial(store.listen_for_new_codes, self.pool),
            [codes],
            log=log,
            not_sent="one-time codes not called yet",
            before=partial(store.sweep, self.pool),
            concurrent=True,
        )

    async def _send(self, pending: PendingCode) -> None:
        """Call for one code and write how it went (a database away: logged only)."""
        reference = f"{REFERENCE_PREFIX}{pending.id}"
        try:
            failure = await self._call(pending, reference)
        finally:
            never_taken = self.calls.forget(reference)
        if failure is None and never_taken:
            failure = "no call flow took the code"
        fields = {"code_id": pending.id, "channel": "voice", "detail": failure}
        try:
            if failure is None:
                await store.sent(self.pool, pending.id, "call answered, code read")
                log.info("one-time code sent", extra=fields)
            else:
                await store.send_failed(self.pool, pending.id, failure)
                log.warning("one-time code not sent", extra=fields)
        except DATABASE_ERRORS as error:
            log.error("one-time code call not recorded",
                      extra={"code_id": pending.id, "error": str(error)})  # fmt: skip

    async def _call(self, pending: PendingCode, reference: str) -> str | None:
        """Place the call and wait for its end; why it failed, or None once it was up."""
        code = self.keys.open(pending.phone_e164, pending.purpose, pending.code_sealed)
        if code is None or not is_code(code):
            return "sealed under another key"
        try:
            channel = trunk_channel(dial_string(pending.phone_e164))
        except UndialableNumber as error:
            return str(error)[:300]
        token = new_flow_token()
        self.calls.expect(reference, code, token)
        request = OriginateRequest(
            channel_id=reference,
            channel=channel,
            timeout_seconds=self.ring_timeout,
            context=CODE_CONTEXT,
            caller_id=self.caller_id,
            variables={FLOW_TOKEN_VARIABLE: token},
        )
        try:
            await self.ami.wait_connected(AMI_WAIT_SECONDS)
            async with self.ami.watch(reference) as events:
                try:
                    result = await self.ami.originate(request)
                except OriginateOutcomeUnknown:
                    result = None  # the call may exist: its end tells whether it was read
                if result is not None and not result.answered:
                    cause = hangup_cause(await _hangup(events, HANGUP_EVENT_WAIT))
                    return f"not answered: {unanswered_outcome(result.reason, cause)}"
                await _hangup(events, LONGEST_CALL_SECONDS)
        except (AmiError, TimeoutError) as error:
            return f"call not placed: {error or 'AMI away'}"[:300]
        return None


async def _hangup(events: CallEvents, within: float) -> Message | None:
    with contextlib.suppress(TimeoutError):
        return await events.hangup(within)
    return None
